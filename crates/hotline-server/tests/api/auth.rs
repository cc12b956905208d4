use crate::helpers::*;
use hotline_domain::Role;
use hotline_server::auth::identity::IdentityClaims;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(sub: &str) -> IdentityClaims {
    IdentityClaims {
        sub: sub.into(),
        name: "Ева".into(),
        exp: now() + 600,
        iat: Some(now()),
        email: None,
        phone: None,
        amr: vec![],
        auth_time: None,
        tier: None,
        role: None,
    }
}

#[tokio::test]
async fn forged_and_stale_identity_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let b64 = |v: serde_json::Value| {
        use std::fmt::Write;
        // base64url without padding, by hand, to build tokens the library refuses to make.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = v.to_string().into_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                let _ = write!(
                    out,
                    "{}",
                    ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char
                );
            }
        }
        out
    };
    let alg_none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(json!({"sub": "eve", "name": "Eve", "exp": now() + 600}))
    );
    let wrong_secret = jsonwebtoken::encode(
        &Header::default(),
        &claims("eve"),
        &EncodingKey::from_secret(b"not-the-secret-at-all-000000"),
    )
    .unwrap();
    let expired = customer_token_with("eve", |c| c.exp = now() - 3600);
    let too_long = customer_token_with("eve", |c| c.exp = now() + 25 * 3600);
    let too_long_iat = customer_token_with("eve", |c| {
        c.iat = Some(now() - 24 * 3600);
        c.exp = now() + 3600;
    });
    let without_iat = customer_token_with("eve", |c| c.iat = None);
    let issued_in_future = customer_token_with("eve", |c| c.iat = Some(now() + 3600));
    let bad_tiers = ["", "VIP", "v i p", &"a".repeat(33)]
        .map(|tier| customer_token_with("eve", |c| c.tier = Some(tier.to_owned())));
    let mut tampered = app.customer_token("eve");
    tampered.insert(tampered.find('.').unwrap() + 2, 'x');

    let cases = [
        (None, "missing_token"),
        (Some("garbage".to_owned()), "invalid_token"),
        (Some(alg_none), "invalid_token"),
        (Some(wrong_secret), "invalid_token"),
        (Some(tampered), "invalid_token"),
        (Some(expired), "token_expired"),
        (Some(too_long), "token_lifetime_too_long"),
        (Some(too_long_iat), "token_lifetime_too_long"),
        (Some(without_iat), "invalid_token"),
        (Some(issued_in_future), "invalid_token"),
    ]
    .into_iter()
    .chain(bad_tiers.map(|t| (Some(t), "invalid_token")));
    for (token, code) in cases {
        let mut request = app.http.get(app.url("/api/v1/conversations"));
        if let Some(token) = &token {
            request = request.bearer_auth(token);
        }
        let (status, body) = split(request.send().await.unwrap()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some(code)),
            "{token:?}"
        );
    }
    let gold = customer_token_with("eve", |c| c.tier = Some("gold_plus-2".into()));
    let (status, _) = app.get(&gold, "/api/v1/me").await;
    assert_eq!(status, 200, "a slug tier is accepted");
    let (status, me) = app.get(&app.customer_token("eve"), "/api/v1/me").await;
    assert_eq!(
        (status, me["kind"].as_str(), me["id"].as_str()),
        (200, Some("customer"), Some("eve"))
    );
}

#[tokio::test]
async fn eddsa_tokens_verify_with_the_configured_public_key() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let app = TestApp::spawn_with(|s| {
        s.identity.public_key_file = Some(fixtures.join("ed25519-public.pem"))
    })
    .await;
    let private = std::fs::read(fixtures.join("ed25519-private.pem")).unwrap();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::EdDSA),
        &claims("ed"),
        &EncodingKey::from_ed_pem(&private).unwrap(),
    )
    .unwrap();
    let (status, me) = app.get(&token, "/api/v1/me").await;
    assert_eq!((status, me["id"].as_str()), (200, Some("ed")));
    // The same claims signed HS256 with the *public key* as the secret: the classic confusion attack.
    let public = std::fs::read(fixtures.join("ed25519-public.pem")).unwrap();
    let confused_with_public_key = jsonwebtoken::encode(
        &Header::default(),
        &claims("ed"),
        &EncodingKey::from_secret(&public),
    )
    .unwrap();
    assert_eq!(
        app.get(&confused_with_public_key, "/api/v1/me").await.0,
        401
    );
}

#[tokio::test]
async fn rs256_tokens_verify_with_the_configured_public_key() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let app =
        TestApp::spawn_with(|s| s.identity.public_key_file = Some(fixtures.join("rsa-public.pem")))
            .await;
    let sign = |key_file: &str, algorithm: Algorithm| {
        let private = std::fs::read(fixtures.join(key_file)).unwrap();
        jsonwebtoken::encode(
            &Header::new(algorithm),
            &claims("rs"),
            &EncodingKey::from_rsa_pem(&private).unwrap(),
        )
        .unwrap()
    };
    let (status, me) = app
        .get(&sign("rsa-private.pem", Algorithm::RS256), "/api/v1/me")
        .await;
    assert_eq!((status, me["id"].as_str()), (200, Some("rs")));
    // Signed by another key, or with another algorithm than the key's.
    let other = sign("rsa-other-private.pem", Algorithm::RS256);
    assert_eq!(app.get(&other, "/api/v1/me").await.0, 401);
    let ps256 = sign("rsa-private.pem", Algorithm::PS256);
    assert_eq!(app.get(&ps256, "/api/v1/me").await.0, 401);
    // HS256 with the public key as the secret: the classic confusion attack.
    let public = std::fs::read(fixtures.join("rsa-public.pem")).unwrap();
    let confused = jsonwebtoken::encode(
        &Header::default(),
        &claims("rs"),
        &EncodingKey::from_secret(&public),
    )
    .unwrap();
    assert_eq!(app.get(&confused, "/api/v1/me").await.0, 401);
}

#[tokio::test]
async fn with_only_a_public_key_configured_shared_secret_tokens_are_refused() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let app = TestApp::spawn_with(|s| {
        s.identity.secret = None;
        s.identity.public_key_file = Some(fixtures.join("ed25519-public.pem"));
    })
    .await;
    assert!(
        !app.dir.path().join("identity-secret").exists(),
        "no shared secret is generated"
    );
    let hs256 = app.customer_token("eve");
    let (status, body) = app.get(&hs256, "/api/v1/me").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_token"))
    );
}

#[tokio::test]
async fn operators_log_in_with_argon2_passwords_and_sessions_end() {
    let app = TestApp::spawn().await;
    let token = app
        .operator("anna@example.com", Role::Admin, &["bank"])
        .await;
    assert!(token.starts_with("hlo_"));
    let login = |email: &'static str, password: &'static str| {
        app.http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    let (status, body) = split(login("anna@example.com", "wrong-password").await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_credentials"))
    );
    let (status, body) = split(login("nobody@example.com", "password-123").await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_credentials")),
        "unknown e-mails look the same"
    );

    let response = login("ANNA@example.com", "password-123").await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let by_cookie = app
        .http
        .get(app.url("/api/v1/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200, "the console reads with its cookie");
    let write_by_cookie = app
        .http
        .post(app.url("/api/v1/ws/ticket"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        write_by_cookie.status(),
        403,
        "but a cookie alone cannot write (no CSRF)"
    );
    let session_token = session.split_once('=').unwrap().1;
    let forged = app
        .http
        .post(app.url("/api/v1/ws/ticket"))
        .header("cookie", &session)
        .header(
            "x-csrf-token",
            hotline_server::auth::csrf::token_for("hlo_other"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "another session's CSRF token");
    let with_csrf = app
        .http
        .post(app.url("/api/v1/ws/ticket"))
        .header("cookie", &session)
        .header(
            "x-csrf-token",
            hotline_server::auth::csrf::token_for(session_token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_csrf.status(),
        200,
        "the cookie with its CSRF token writes"
    );

    let (status, me) = app.get(&token, "/api/v1/me").await;
    assert_eq!(
        (status, me["operator"]["role"].as_str()),
        (200, Some("admin"))
    );
    let out = app
        .http
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let (status, body) = app.get(&token, "/api/v1/me").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_session"))
    );

    let hash: String = app
        .state
        .store
        .operator_by_email("anna@example.com")
        .await
        .unwrap()
        .map(|r| r.password_hash)
        .unwrap_or_default();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

#[tokio::test]
async fn operators_cannot_start_conversations() {
    let app = TestApp::spawn().await;
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let (status, body) = app
        .post(
            &anna,
            "/api/v1/conversations",
            json!({"department": "travel", "text": "hi", "client_msg_id": "a"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
}
