//! The binary's tests, run as users and operators would run it: the CLI,
//! SIGKILL durability, secrets never written, and real browsers. All linked
//! into one test binary (one link instead of six on two cores).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod browser;
mod channels;
mod cli;
mod dossier;
mod durability;
mod help_browser;
mod kb_cli;
mod nodes;
mod secrets;
mod support;
mod webhooks;
