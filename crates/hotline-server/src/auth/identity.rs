//! Customers' identity tokens: JWTs signed by the company's own back end.
//! Hotline is not the identity provider; it trusts exactly these signatures.

use crate::settings::IdentitySettings;
use hotline_domain::principal::SELLER_ID_PREFIX;
use hotline_domain::priority::{MAX_TIER_CHARS, is_valid_tier};
use hotline_domain::{CustomerId, CustomerIdentity, ErrorCode};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::path::Path;
use thiserror::Error;

/// Clock skew tolerated between the company's servers and ours.
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the identity token has expired; ask the app for a fresh one")]
    Expired,
    #[error("the identity token is valid for too long ({0} s); tokens may live at most {1} s")]
    LifetimeTooLong(i64, i64),
    #[error("the identity token is not valid: {0}")]
    Invalid(String),
}

impl TokenError {
    pub fn code(&self) -> ErrorCode {
        match self {
            TokenError::Expired => ErrorCode::TokenExpired,
            TokenError::LifetimeTooLong(..) => ErrorCode::TokenLifetimeTooLong,
            TokenError::Invalid(_) => ErrorCode::InvalidToken,
        }
    }
}

/// The claims Hotline reads from an identity token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityClaims {
    /// The customer's id in the company's system.
    pub sub: String,
    pub name: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The customer's tier (`vip`, …) for the priority rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// `seller` for the platform's sellers, who have their own departments
    /// and are never mixed with buyers; absent or `buyer` for everyone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A verified identity token.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub customer: CustomerIdentity,
    /// The token's `exp`, Unix seconds.
    pub expires_at: i64,
}

pub struct IdentityVerifier {
    shared_secret: Option<DecodingKey>,
    public_key: Option<(Algorithm, DecodingKey)>,
    issuer: Option<String>,
    audience: Option<String>,
    max_lifetime: i64,
}

impl IdentityVerifier {
    /// `secret` is the HS256 secret in effect (configured or generated).
    pub fn new(settings: &IdentitySettings, secret: Option<&str>) -> anyhow::Result<Self> {
        let public_key = match &settings.public_key_file {
            None => None,
            Some(path) => Some(read_public_key(path)?),
        };
        Ok(IdentityVerifier {
            shared_secret: secret.map(|s| DecodingKey::from_secret(s.as_bytes())),
            public_key,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            max_lifetime: settings.max_lifetime_seconds,
        })
    }

    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedIdentity, TokenError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        let key = match header.alg {
            Algorithm::HS256 => self.shared_secret.as_ref(),
            alg => self
                .public_key
                .as_ref()
                .filter(|(expected, _)| *expected == alg)
                .map(|(_, key)| key),
        }
        .ok_or_else(|| {
            TokenError::Invalid(format!("algorithm {:?} is not accepted here", header.alg))
        })?;

        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match &self.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
        }
        let claims = jsonwebtoken::decode::<IdentityClaims>(token, key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(e.to_string()),
            })?
            .claims;

        // Without `iat`, a token's lifetime cannot be known: refuse it.
        let Some(issued_at) = claims.iat else {
            return Err(TokenError::Invalid("the iat claim is required".into()));
        };
        if issued_at > now + LEEWAY_SECONDS as i64 {
            return Err(TokenError::Invalid(
                "the token is issued in the future".into(),
            ));
        }
        let lifetime = claims.exp - issued_at;
        if lifetime > self.max_lifetime {
            return Err(TokenError::LifetimeTooLong(lifetime, self.max_lifetime));
        }
        let sub_ok = !claims.sub.is_empty()
            && claims.sub.chars().count() <= 128
            && !claims.sub.chars().any(char::is_control);
        if !sub_ok {
            return Err(TokenError::Invalid(
                "sub must be 1–128 printable characters".into(),
            ));
        }
        // Reserved for the unverified guests of the social channels, and
        // for sellers, whose ids Hotline makes from their `role`.
        if hotline_domain::channel::is_guest_id(&claims.sub)
            || claims.sub.starts_with(SELLER_ID_PREFIX)
        {
            return Err(TokenError::Invalid(format!(
                "sub must not start with telegram:, vk: or {SELLER_ID_PREFIX} (Hotline's ids for \
                 social chats and sellers; a seller's token says role: seller instead)"
            )));
        }
        let seller = match claims.role.as_deref() {
            None | Some("buyer") => false,
            Some("seller") => true,
            Some(other) => {
                return Err(TokenError::Invalid(format!(
                    "role must be buyer or seller, not {other:?}"
                )));
            }
        };
        let name = claims.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(TokenError::Invalid(
                "name must be 1–200 printable characters".into(),
            ));
        }
        // Refused rather than ignored, like the other claims: a tier the
        // rules could never match is the company's mistake to see at once.
        if claims.tier.as_deref().is_some_and(|t| !is_valid_tier(t)) {
            return Err(TokenError::Invalid(format!(
                "tier must be 1–{MAX_TIER_CHARS} characters of a-z, 0-9, '-' or '_'"
            )));
        }
        // Masked here, where customers enter, so no copy of the name (stored,
        // published, typing events) carries a secret.
        let mut name = name.to_owned();
        hotline_app::security::mask_name(&mut name);
        Ok(VerifiedIdentity {
            expires_at: claims.exp,
            customer: CustomerIdentity {
                id: if seller {
                    CustomerIdentity::seller_id(&claims.sub)
                } else {
                    CustomerId::from_raw(claims.sub)
                },
                name,
                email: claims.email,
                phone: claims.phone,
                amr: claims.amr,
                auth_time: claims.auth_time,
                tier: claims.tier,
            },
        })
    }
}

fn read_public_key(path: &Path) -> anyhow::Result<(Algorithm, DecodingKey)> {
    let pem = std::fs::read(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the identity public key {}: {e}",
            path.display()
        )
    })?;
    if let Ok(key) = DecodingKey::from_ed_pem(&pem) {
        return Ok((Algorithm::EdDSA, key));
    }
    if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
        return Ok((Algorithm::RS256, key));
    }
    anyhow::bail!(
        "{} is neither an Ed25519 nor an RSA public key in PEM format",
        path.display()
    )
}

/// Signs an HS256 identity token, as the company's back end would: used by
/// `hotline customer-token`, the demo and tests.
pub fn mint(secret: &str, claims: &IdentityClaims) -> anyhow::Result<String> {
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

/// The HS256 secret in effect: the configured one; none when only a public
/// key is configured (then HS256 tokens are refused); otherwise one generated
/// on first start and kept (mode 0600) in the data directory, so that a fresh
/// installation works and `hotline customer-token` signs what `serve` accepts.
pub fn shared_secret(
    settings: &IdentitySettings,
    data_dir: &Path,
) -> anyhow::Result<Option<String>> {
    if let Some(secret) = &settings.secret {
        anyhow::ensure!(
            secret.len() >= 16,
            "HOTLINE_IDENTITY_SECRET must be at least 16 characters long"
        );
        return Ok(Some(secret.clone()));
    }
    if settings.public_key_file.is_some() {
        return Ok(None);
    }
    let path = data_dir.join(SECRET_FILE);
    loop {
        match std::fs::read_to_string(&path) {
            Ok(secret) => {
                let secret = secret.trim().to_owned();
                anyhow::ensure!(
                    secret.len() >= GENERATED_SECRET_BYTES * 2,
                    "the identity secret in {} is damaged; delete the file to generate a new one \
                     (tokens signed with the old one will stop working)",
                    path.display()
                );
                return Ok(Some(secret));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        }
        // Then read back the one that won (ours, or that of a process that
        // started at the same moment).
        write_new_secret(data_dir, &path)?;
    }
}

const SECRET_FILE: &str = "identity-secret";
const GENERATED_SECRET_BYTES: usize = 32;

/// Writes a fresh secret to a temporary file, syncs it, and links it into
/// place without replacing an existing one.
fn write_new_secret(data_dir: &Path, path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(data_dir)?;
    let temp = data_dir.join(format!(".{SECRET_FILE}.{}", crate::auth::random_token(8)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut f| {
        f.write_all(crate::auth::random_token(GENERATED_SECRET_BYTES).as_bytes())?;
        f.sync_all()
    });
    let linked = written.and_then(|()| match std::fs::hard_link(&temp, path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&temp);
    linked.map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    if let Ok(dir) = std::fs::File::open(data_dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
