//! Real-time delivery: the store's event log is the truth, the app's event
//! bus only a wake-up hint, so a reader that falls behind, lags or
//! reconnects reads the log from its cursor and misses nothing.

pub mod cursor;
pub mod hub;
pub mod subscription;
pub mod tickets;
