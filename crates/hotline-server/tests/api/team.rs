//! The team through the real server: an administrator invites an operator,
//! who sets a password from the link and logs in; changes and deactivation
//! take effect at once and are audited; nobody else manages the team.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};

async fn login(app: &TestApp, email: &str, password: &str) -> u16 {
    app.http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn accept(app: &TestApp, token: &str, password: &str) -> (u16, Value) {
    split(
        app.http
            .post(app.url("/api/v1/auth/invite"))
            .json(&json!({"token": token, "password": password}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn token_of(invited: &Value) -> String {
    invited["invite_path"]
        .as_str()
        .unwrap()
        .strip_prefix("/console#invite=")
        .expect("a console link with the token after #")
        .to_owned()
}

#[tokio::test]
async fn an_invited_operator_sets_a_password_and_an_administrator_manages_them() {
    let app = TestApp::spawn().await;
    let admin = app
        .operator("root@shop", Role::Admin, &["marketplace"])
        .await;
    let (status, invited) = app
        .post(
            &admin,
            "/api/v1/operators",
            json!({"email": " Olga@Shop.Example ", "name": "Ольга Кузнецова", "role": "operator", "departments": ["travel", "travel"]}),
        )
        .await;
    assert_eq!(status, 201, "{invited}");
    let operator = &invited["operator"];
    assert_eq!(
        (
            operator["email"].as_str(),
            operator["invited"].as_bool(),
            operator["active"].as_bool()
        ),
        (Some("olga@shop.example"), Some(true), Some(true))
    );
    assert_eq!(operator["departments"], json!(["travel"]));
    let id = operator["id"].as_str().unwrap().to_owned();
    let token = token_of(&invited);

    // No password yet: no login.
    assert_eq!(login(&app, "olga@shop.example", "").await, 401);
    let (status, refused) = accept(&app, &token, "short").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("password_rejected"))
    );
    let (status, _) = accept(&app, &token, "olga-password-1").await;
    assert_eq!(status, 204);
    let (status, used) = accept(&app, &token, "olga-password-2").await;
    assert_eq!(
        (status, used["error"]["code"].as_str()),
        (422, Some("invalid_invite")),
        "one use"
    );
    assert_eq!(
        login(&app, "olga@shop.example", "olga-password-1").await,
        200
    );
    let (_, team) = app.get(&admin, "/api/v1/operators").await;
    let olga = team["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(olga["invited"], false);

    // A change: role and departments; the operator's next request sees them.
    let olga_token = {
        let response = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "olga@shop.example", "password": "olga-password-1"}))
            .send()
            .await
            .unwrap();
        response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let path = format!("/api/v1/operators/{id}");
    let (status, changed) = app
        .patch(
            &admin,
            &path,
            json!({"role": "supervisor", "departments": ["travel", "bank"]}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["role"], "supervisor");
    let (_, me) = app.get(&olga_token, "/api/v1/me").await;
    assert_eq!(
        me["operator"]["departments"],
        json!(["bank", "travel"]),
        "{me}"
    );

    // Deactivated: the open session ends at once, the password stops working.
    let (status, off) = app.patch(&admin, &path, json!({"active": false})).await;
    assert_eq!((status, off["active"].as_bool()), (200, Some(false)));
    let (status, _) = app.get(&olga_token, "/api/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(
        login(&app, "olga@shop.example", "olga-password-1").await,
        401
    );
    let (status, _) = app.post(&admin, &format!("{path}/invite"), json!({})).await;
    assert_eq!(status, 404, "no invitation for a deactivated operator");
    let (status, _) = app.patch(&admin, &path, json!({"active": true})).await;
    assert_eq!(status, 200);
    assert_eq!(
        login(&app, "olga@shop.example", "olga-password-1").await,
        200
    );

    // A new link replaces the old; it resets a forgotten password.
    let (status, again) = app.post(&admin, &format!("{path}/invite"), json!({})).await;
    assert_eq!(status, 200, "{again}");
    let (status, _) = accept(&app, &token_of(&again), "olga-password-3").await;
    assert_eq!(status, 204);
    assert_eq!(
        login(&app, "olga@shop.example", "olga-password-3").await,
        200
    );

    // Audited, with before and after.
    let (_, audit) = app.get(&admin, "/api/v1/audit?limit=500").await;
    let entries = audit["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("operator."))
        .collect();
    assert_eq!(
        actions,
        [
            "operator.invited",
            "operator.joined",
            "operator.updated",
            "operator.updated",
            "operator.updated",
            "operator.reinvited",
            "operator.joined"
        ]
    );
    let role_change = entries
        .iter()
        .find(|e| e["action"] == "operator.updated")
        .unwrap();
    assert_eq!(role_change["details"]["before"]["role"], "operator");
    assert_eq!(role_change["details"]["after"]["role"], "supervisor");
    assert_eq!(role_change["target"], id.as_str());
}

#[tokio::test]
async fn only_administrators_manage_the_team_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app
        .operator("root@shop", Role::Admin, &["marketplace"])
        .await;
    let boss = app
        .operator("boss@shop", Role::Supervisor, &["marketplace"])
        .await;
    let customer = app.customer_token("ivan");
    let invite = |email: &str, name: &str, role: &str, departments: Value| json!({"email": email, "name": name, "role": role, "departments": departments});
    for token in [&boss, &customer] {
        let (status, _) = app.get(token, "/api/v1/operators").await;
        assert_eq!(status, 403);
        let (status, _) = app
            .post(
                token,
                "/api/v1/operators",
                invite("x@shop.example", "Икс", "operator", json!([])),
            )
            .await;
        assert_eq!(status, 403);
    }
    for (body, code) in [
        (
            invite("not-an-email", "Икс", "operator", json!([])),
            "invalid_characters",
        ),
        (
            invite("x@shop.example", "  ", "operator", json!([])),
            "empty_value",
        ),
        (
            invite(
                "x@shop.example",
                "Пoддержка (a Latin o)",
                "operator",
                json!([]),
            ),
            "operator_name_refused",
        ),
        (
            invite("x@shop.example", "Икс", "boss", json!([])),
            "invalid_role",
        ),
        (
            invite("x@shop.example", "Икс", "operator", json!(["moon"])),
            "unknown_department",
        ),
        (
            invite("boss@shop", "Икс", "operator", json!([])),
            "operator_email_taken",
        ),
    ] {
        let (status, refused) = app.post(&admin, "/api/v1/operators", body.clone()).await;
        assert!(matches!(status, 409 | 422), "{body} → {status} {refused}");
        assert_eq!(refused["error"]["code"], code, "{body}");
    }
    let (_, team) = app.get(&admin, "/api/v1/operators").await;
    assert_eq!(
        team["operators"].as_array().unwrap().len(),
        2,
        "nothing was created"
    );

    // An administrator keeps their own role and account.
    let (_, me) = app.get(&admin, "/api/v1/me").await;
    let own = format!("/api/v1/operators/{}", me["id"].as_str().unwrap());
    for body in [json!({"role": "operator"}), json!({"active": false})] {
        let (status, _) = app.patch(&admin, &own, body).await;
        assert_eq!(status, 403);
    }
    let (status, _) = app
        .patch(&admin, "/api/v1/operators/nobody", json!({"name": "Ы"}))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.patch(&boss, &own, json!({"name": "Захват"})).await;
    assert_eq!(status, 403);
    let (status, bad) = app.patch(&admin, &own, json!({"password": "x"})).await;
    assert_eq!(status, 422, "unknown fields are refused: {bad}");
    let (status, _) = accept(&app, "hl_guess", "long-enough-password").await;
    assert_eq!(status, 422);
}
