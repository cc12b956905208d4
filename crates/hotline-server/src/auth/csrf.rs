//! CSRF protection for the console's cookie session.
//!
//! The session cookie is HttpOnly and `SameSite=Strict`; on top of that a
//! request that changes something with the cookie (rather than a bearer
//! token) must carry `X-CSRF-Token`, derived from the session token. Another
//! site can neither read the cookie nor our pages (no CORS), so it cannot
//! compute or learn the value; the console reads it from `/console/session`.

use sha2::{Digest, Sha256};

pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token that goes with a session token. One-way: it reveals
/// nothing about the session token.
pub fn token_for(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"hotline-csrf:");
    hasher.update(session_token.as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether `presented` is the CSRF token of `session_token`, compared in
/// constant time.
pub fn matches(session_token: &str, presented: &str) -> bool {
    let expected = token_for(session_token);
    expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_derived_token_matches() {
        let token = token_for("hlo_abc");
        assert!(matches("hlo_abc", &token));
        assert!(!matches("hlo_abd", &token));
        assert!(!matches("hlo_abc", &token[1..]));
        assert!(!matches("hlo_abc", ""));
    }
}
