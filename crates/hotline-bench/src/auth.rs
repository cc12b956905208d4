//! Credentials: customer identity tokens (HS256 JWTs signed with the shared
//! identity secret, as the company's back end would mint them) and operator
//! login.

use crate::net::expect_status;
use anyhow::{Context, Result};
use jsonwebtoken::{EncodingKey, Header};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// How long minted customer tokens are valid, in seconds.
const TOKEN_LIFETIME: i64 = 3600;

#[derive(Serialize)]
struct CustomerClaims<'a> {
    sub: &'a str,
    name: &'a str,
    iat: i64,
    exp: i64,
}

/// Signs customer identity tokens with the server's identity secret.
pub struct TokenMinter {
    key: EncodingKey,
}

impl TokenMinter {
    pub fn new(secret: &str) -> Self {
        TokenMinter {
            key: EncodingKey::from_secret(secret.as_bytes()),
        }
    }

    /// A token for customer `sub` named `name`, valid for an hour.
    pub fn mint(&self, sub: &str, name: &str) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_secs();
        let iat = i64::try_from(now).context("the clock is too far in the future")?;
        let claims = CustomerClaims {
            sub,
            name,
            iat,
            exp: iat + TOKEN_LIFETIME,
        };
        jsonwebtoken::encode(&Header::default(), &claims, &self.key)
            .context("cannot sign a customer token")
    }
}

#[derive(Serialize)]
struct LoginRequest<'a> {
    email: &'a str,
    password: &'a str,
}

#[derive(Deserialize)]
struct LoginResponse {
    token: String,
}

/// Logs an operator in (`POST /api/v1/auth/login`) and returns the bearer token.
pub async fn operator_login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Result<String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&LoginRequest { email, password })
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))?;
    let login: LoginResponse = expect_status(response, StatusCode::OK)
        .await
        .with_context(|| format!("operator login as {email} failed"))?
        .json()
        .await
        .context("unexpected operator login response")?;
    Ok(login.token)
}
