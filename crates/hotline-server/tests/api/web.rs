//! The pages' headers and texts, the console's CSRF protection, and the
//! customer's context as operators see it.

use crate::helpers::*;
use hotline_domain::Role;
use hotline_server::web::demo::DemoSite;
use serde_json::json;

async fn page(app: &TestApp, path: &str, accept_language: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(app.url(path));
    if let Some(lang) = accept_language {
        request = request.header("accept-language", lang);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// Every `<script>` of a page either loads a file or holds JSON data.
fn has_no_inline_script(html: &str) -> bool {
    html.split("<script").skip(1).all(|tag| {
        let open = &tag[..tag.find('>').unwrap()];
        open.contains(" src=") || open.contains("type=\"application/json\"")
    })
}

#[tokio::test]
async fn the_widget_may_be_framed_only_by_configured_sites_and_the_console_by_nobody() {
    let app = TestApp::spawn_with(|s| {
        s.allowed_origins = vec![
            "https://shop.example".into(),
            "https://evil.example; script-src *".into(),
        ];
    })
    .await;

    let widget = page(&app, "/widget", None).await;
    let policy = header(&widget, "content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        policy.ends_with("frame-ancestors 'self' https://shop.example"),
        "only plain configured origins: {policy}"
    );
    assert_eq!(header(&widget, "x-frame-options"), None);
    assert_eq!(
        header(&widget, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(has_no_inline_script(&widget.text().await.unwrap()));

    let console = page(&app, "/console", None).await;
    let policy = header(&console, "content-security-policy").unwrap();
    assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
    assert_eq!(header(&console, "x-frame-options").as_deref(), Some("DENY"));
    assert!(has_no_inline_script(&console.text().await.unwrap()));

    let loader = page(&app, "/widget.js", None).await;
    assert!(
        header(&loader, "content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        header(&loader, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let missing = app
        .http
        .get(app.url("/assets/../Cargo.toml"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn pages_speak_russian_unless_english_is_asked_for() {
    let app = TestApp::spawn().await;
    let default = page(&app, "/console", None).await.text().await.unwrap();
    assert!(default.contains("<html lang=\"ru\">") && default.contains(">Войти<"));
    let browser = page(&app, "/console", Some("en-US,en;q=0.9"))
        .await
        .text()
        .await
        .unwrap();
    assert!(browser.contains("<html lang=\"en\">") && browser.contains(">Log in<"));
    let asked = page(&app, "/widget?lang=en", Some("ru"))
        .await
        .text()
        .await
        .unwrap();
    assert!(asked.contains("\"launcher\":\"Chat with support\""));
    let russian = page(&app, "/widget?lang=ru", Some("en"))
        .await
        .text()
        .await
        .unwrap();
    assert!(russian.contains("\"launcher\":\"Чат с поддержкой\""));
}

#[tokio::test]
async fn the_console_writes_with_its_cookie_only_with_the_csrf_token() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("ivan");
    let id = app.start(&customer, "marketplace", "Где заказ?").await;
    app.operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let login = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "anna@example.com", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    let cookie = header(&login, "set-cookie").unwrap();
    assert!(
        !cookie.contains("Secure"),
        "a plain-HTTP console still logs in"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    // Behind HTTPS the cookie is Secure.
    let over_https = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .header("origin", "https://support.example")
        .json(&json!({"email": "anna@example.com", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert!(
        header(&over_https, "set-cookie")
            .unwrap()
            .contains("; Secure")
    );

    let anonymous = app
        .http
        .get(app.url("/console/session"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let (status, session) = split(
        app.http
            .get(app.url("/console/session"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(session["operator"]["departments"], json!(["marketplace"]));
    let csrf = session["csrf_token"].as_str().unwrap();

    let take = |token: Option<&str>| {
        let mut request = app
            .http
            .post(app.url(&format!("/api/v1/conversations/{id}/assign")))
            .header("cookie", &cookie);
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    let (status, body) = split(take(None).await.unwrap()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("csrf_token_invalid"))
    );
    let (status, _) = split(take(Some(&"0".repeat(64))).await.unwrap()).await;
    assert_eq!(status, 403);
    let (_, unchanged) = app
        .get(&customer, &format!("/api/v1/conversations/{id}"))
        .await;
    assert_eq!(
        unchanged["status"], "queued",
        "refused writes change nothing"
    );
    let (status, taken) = split(take(Some(csrf)).await.unwrap()).await;
    assert_eq!((status, taken["status"].as_str()), (200, Some("assigned")));
}

#[tokio::test]
async fn operators_see_the_customers_orders_of_their_department_only() {
    let app = TestApp::spawn().await;
    let demo = DemoSite::new(SECRET.into()).unwrap();
    let ivan = demo
        .data
        .customers
        .iter()
        .find(|c| c.id == "demo-ivan")
        .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let token = demo.token_for(ivan, now).unwrap();
    let saved = app
        .http
        .post(app.url("/api/v1/customer/context"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 204);
    let (status, started) = app
        .post(
            &token,
            "/api/v1/conversations",
            json!({"department": "marketplace", "order_id": "MP-100234",
                   "text": "Где заказ?", "client_msg_id": "c-1"}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap();
    let path = format!("/api/v1/conversations/{id}/customer");

    let marketplace = app
        .operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let (status, customer) = app.get(&marketplace, &path).await;
    assert_eq!(status, 200, "{customer}");
    let context = &customer["context"];
    assert_eq!(context["phone"], "+7 916 123-45-67");
    assert_eq!(customer["earlier"], json!([]));
    let orders: Vec<&str> = context["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        orders,
        ["MP-100234", "MP-100198"],
        "marketplace orders only"
    );

    // Earlier conversations: only those in departments the operator serves.
    for (department, order, id) in [
        ("travel", "TR-55120", "c-2"),
        ("marketplace", "MP-100198", "c-3"),
    ] {
        let (status, _) = app
            .post(
                &token,
                "/api/v1/conversations",
                json!({"department": department, "order_id": order, "text": "Ещё вопрос", "client_msg_id": id}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (_, customer) = app.get(&marketplace, &path).await;
    let earlier: Vec<&str> = customer["earlier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"]["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(earlier, ["MP-100198"]);

    let bank = app
        .operator("oleg@example.com", Role::Operator, &["bank"])
        .await;
    assert_eq!(app.get(&bank, &path).await.0, 404);
    assert_eq!(app.get(&token, &path).await.0, 404, "not for customers");
    let stranger = app.customer_token("someone-else");
    assert_eq!(app.get(&stranger, &path).await.0, 404);
    let operator_saves = app
        .http
        .post(app.url("/api/v1/customer/context"))
        .bearer_auth(&marketplace)
        .send()
        .await
        .unwrap();
    assert_eq!(operator_saves.status(), 403);
}

#[tokio::test]
async fn a_customer_without_a_widget_context_still_has_a_customer_view() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("api-only");
    let id = app.start(&customer, "bank", "Карта не работает").await;
    let operator = app
        .operator("oleg@example.com", Role::Operator, &["bank"])
        .await;
    let (status, view) = app
        .get(&operator, &format!("/api/v1/conversations/{id}/customer"))
        .await;
    assert_eq!((status, &view["context"]), (200, &serde_json::Value::Null));
}

#[tokio::test]
async fn the_demo_exists_only_in_demo_mode() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.http
            .get(app.url("/demo"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let (status, body) = split(
        app.http
            .post(app.url("/demo/token"))
            .json(&json!({"customer": "demo-ivan"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn a_conversation_about_an_order_needs_the_order_in_the_token() {
    let app = TestApp::spawn().await;
    let demo = DemoSite::new(SECRET.into()).unwrap();
    let ivan = demo
        .data
        .customers
        .iter()
        .find(|c| c.id == "demo-ivan")
        .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let token = demo.token_for(ivan, now).unwrap();
    let start = |order: &str, cmid: &str| json!({"department": "marketplace", "order_id": order, "text": "Где заказ?", "client_msg_id": cmid});
    // Unknown, and known but from another department.
    for (order, cmid) in [("MP-999999", "c-1"), ("TR-55120", "c-2")] {
        let (status, body) = app
            .post(&token, "/api/v1/conversations", start(order, cmid))
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("unknown_order")),
            "{order}: {body}"
        );
        assert!(body["error"]["message"].as_str().unwrap().contains(order));
    }
    let (_, list) = app.get(&token, "/api/v1/conversations").await;
    assert_eq!(
        list["conversations"],
        json!([]),
        "refused starts store nothing"
    );

    let (status, body) = app
        .post(&token, "/api/v1/conversations", start("MP-100198", "c-3"))
        .await;
    assert_eq!(status, 201, "{body}");
    // A token without the claim is not checked.
    let plain = app.customer_token("petr");
    let (status, body) = app
        .post(&plain, "/api/v1/conversations", start("ANY-1", "c-4"))
        .await;
    assert_eq!(status, 201, "{body}");
}
