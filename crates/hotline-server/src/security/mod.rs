//! The security layer at the HTTP edge: rate limits and the retention
//! sweep. Its rules (screening, step-up, the read audit) are in
//! `hotline_app::security` and `hotline_app::screening`.

pub mod limits;
pub mod retention;
