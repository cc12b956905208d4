//! Travel call-backs through the real server: who may order one and who is
//! told why not, the phone taken from the token, retries, the queue by due
//! time, each outcome in the chat, and who may do what.

use crate::helpers::*;
use hotline_domain::Role;
use hotline_server::auth::identity::IdentityClaims;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap()
}

/// A customer token listing `orders`, as the company's site would mint it.
fn token_with_orders(sub: &str, tier: Option<&str>, orders: Value) -> String {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let identity = IdentityClaims {
        sub: sub.into(),
        name: "Иван Петров".into(),
        exp: now + 3600,
        iat: Some(now),
        email: None,
        phone: Some("+7 999 000-11-22".into()),
        amr: vec!["pwd".into()],
        auth_time: Some(now),
        tier: tier.map(str::to_owned),
        role: None,
    };
    let mut claims = serde_json::to_value(identity).unwrap();
    claims["orders"] = orders;
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn booking(id: &str, departure_at: Option<OffsetDateTime>, disrupted: bool) -> Value {
    let mut order = json!({
        "id": id, "department": "travel", "title": "Авиабилет Москва — Сочи",
        "date": "2026-12-12", "status": "Оплачено",
        "route": "Москва — Сочи", "passenger": "Иван Петров",
        "phone": "+7 (916) 123-45-67", "disrupted": disrupted,
    });
    if let Some(at) = departure_at {
        order["departure_at"] = json!(rfc3339(at));
    }
    order
}

async fn options(app: &TestApp, token: &str, conversation: &str) -> Value {
    let (status, body) = app
        .get(
            token,
            &format!("/api/v1/conversations/{conversation}/callback"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn order(
    app: &TestApp,
    token: &str,
    conversation: &str,
    booking: &str,
    cmid: &str,
) -> (u16, Value) {
    app.post(
        token,
        &format!("/api/v1/conversations/{conversation}/callbacks"),
        json!({"booking_id": booking, "client_msg_id": cmid}),
    )
    .await
}

async fn texts(app: &TestApp, token: &str, conversation: &str) -> Vec<String> {
    let (status, body) = app
        .get(
            token,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn queue(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(token, &format!("/api/v1/callbacks{query}")).await;
    assert_eq!(status, 200, "{body}");
    body["callbacks"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_eligible_customer_orders_a_call_back_that_the_operator_calls_and_closes() {
    let app = TestApp::spawn().await;
    let soon = OffsetDateTime::now_utc() + Duration::hours(5);
    let ivan = token_with_orders(
        "ivan",
        None,
        json!([
            booking("TR-1", Some(soon), false),
            booking("TR-2", Some(soon + Duration::days(30)), false)
        ]),
    );
    let anna = app
        .operator("anna@travel", Role::Operator, &["travel"])
        .await;
    let conversation = app
        .start(&ivan, "travel", "Рейс завтра утром, хочу поговорить")
        .await;

    let offered = options(&app, &ivan, &conversation).await;
    assert_eq!(offered["offered"], true, "{offered}");
    let bookings = offered["bookings"].as_array().unwrap();
    assert_eq!(bookings.len(), 2);
    assert_eq!(
        (
            bookings[0]["eligible"].as_bool(),
            bookings[0]["basis"].as_str()
        ),
        (Some(true), Some("departure_soon"))
    );
    assert_eq!(bookings[0]["masked_phone"], "•••45-67");
    assert_eq!(
        (
            bookings[1]["eligible"].as_bool(),
            bookings[1]["reason"].as_str()
        ),
        (Some(false), Some("not_urgent"))
    );
    assert!(
        bookings[1]["explanation"]
            .as_str()
            .unwrap()
            .contains("24 ч"),
        "{offered}"
    );

    let (status, callback) = order(&app, &ivan, &conversation, "TR-1", "cb-1").await;
    assert_eq!(status, 201, "{callback}");
    assert_eq!(callback["status"], "waiting");
    assert_eq!(
        callback["phone"], "•••45-67",
        "the customer sees the last digits only"
    );
    let id = callback["id"].as_str().unwrap().to_owned();
    let due = OffsetDateTime::parse(callback["due_at"].as_str().unwrap(), &Rfc3339).unwrap();
    let requested =
        OffsetDateTime::parse(callback["requested_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert_eq!(due - requested, Duration::minutes(15), "the default SLA");

    // A retry, and a second order while it waits, give the same call-back.
    for cmid in ["cb-1", "cb-2"] {
        let (status, again) = order(&app, &ivan, &conversation, "TR-1", cmid).await;
        assert_eq!(
            (status, again["id"].as_str()),
            (200, Some(id.as_str())),
            "{again}"
        );
    }
    let chat = texts(&app, &ivan, &conversation).await;
    let acks: Vec<&String> = chat
        .iter()
        .filter(|t| t.starts_with("Заявка на звонок"))
        .collect();
    assert_eq!(acks.len(), 1, "acknowledged once: {chat:?}");
    assert!(
        acks[0].contains("TR-1") && acks[0].contains("•••45-67"),
        "{}",
        acks[0]
    );

    // The operator's queue: the full number from the booking, to dial.
    let waiting = queue(&app, &anna, "").await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["phone"], "+79161234567");
    assert_eq!(waiting[0]["conversation_id"], conversation.as_str());
    assert_eq!(waiting[0]["overdue"], false);

    let outcome = format!("/api/v1/callbacks/{id}/outcome");
    let (status, again) = app
        .post(
            &anna,
            &outcome,
            json!({"outcome": "callback_again", "note": "просил через час"}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["status"].as_str(), again["attempts"].as_u64()),
        (Some("waiting"), Some(1))
    );
    assert_eq!(again["note"], "просил через час");
    let (status, done) = app
        .post(&anna, &outcome, json!({"outcome": "reached"}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["status"].as_str(), done["outcome"].as_str()),
        (Some("done"), Some("reached"))
    );
    let (status, late) = app
        .post(&anna, &outcome, json!({"outcome": "no_answer"}))
        .await;
    assert_eq!(
        (status, late["error"]["code"].as_str()),
        (409, Some("invalid_transition")),
        "{late}"
    );

    assert!(queue(&app, &anna, "").await.is_empty());
    assert_eq!(queue(&app, &anna, "?status=done").await.len(), 1);
    let chat = texts(&app, &ivan, &conversation).await;
    assert!(
        chat.iter()
            .any(|t| t.starts_with("Договорились созвониться позже")),
        "{chat:?}"
    );
    assert!(
        chat.iter()
            .any(|t| t.starts_with("Оператор поговорил с вами")),
        "{chat:?}"
    );

    // Done: the customer may order again.
    let (status, next) = order(&app, &ivan, &conversation, "TR-1", "cb-3").await;
    assert_eq!(status, 201, "{next}");
    assert_ne!(next["id"].as_str(), Some(id.as_str()));
    let seen = options(&app, &ivan, &conversation).await;
    assert_eq!(seen["callbacks"].as_array().unwrap().len(), 2, "{seen}");
    assert!(
        seen["callbacks"][1].get("note").is_none(),
        "the operator's note stays with operators"
    );
}

#[tokio::test]
async fn an_ineligible_customer_is_told_why_and_nothing_is_queued() {
    let app = TestApp::spawn().await;
    let now = OffsetDateTime::now_utc();
    let mut no_phone = booking("TR-4", Some(now + Duration::hours(2)), false);
    no_phone.as_object_mut().unwrap().remove("phone");
    let customer = |orders: Value| token_with_orders("petr", None, orders);
    let petr = customer(json!([
        booking("TR-3", Some(now - Duration::hours(1)), true),
        booking("TR-5", Some(now + Duration::days(9)), false),
        {"id": "MP-1", "department": "marketplace", "title": "Чайник", "date": "2026-11-01", "status": "Доставлен"}
    ]));
    let anna = app
        .operator("anna@travel", Role::Operator, &["travel", "marketplace"])
        .await;
    let conversation = app.start(&petr, "travel", "Поезд ушёл без меня").await;

    let seen = options(&app, &petr, &conversation).await;
    let reasons: Vec<(&str, &str)> = seen["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["booking_id"].as_str().unwrap(),
                b["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [("TR-3", "departed"), ("TR-5", "not_urgent")],
        "travel bookings only"
    );

    for (booking, reason) in [
        ("TR-3", "departed"),
        ("TR-5", "not_urgent"),
        ("TR-404", "no_booking"),
        ("MP-1", "no_booking"),
    ] {
        let (status, refused) = order(&app, &petr, &conversation, booking, booking).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (422, Some("callback_not_eligible")),
            "{refused}"
        );
        assert_eq!(refused["reason"], reason, "{refused}");
        assert!(!refused["explanation"].as_str().unwrap().is_empty());
    }

    // The phone is the booking's, else the customer's from the token: with
    // neither there is no one to call.
    let bare = token_with_orders("olga", None, json!([no_phone]));
    let olga_conversation = app.start(&bare, "travel", "Позвоните мне").await;
    let seen = options(&app, &bare, &olga_conversation).await;
    assert_eq!(
        seen["bookings"][0]["eligible"], true,
        "the customer's own phone: {seen}"
    );
    assert_eq!(seen["bookings"][0]["masked_phone"], "•••11-22");

    // The marketplace does not call back: one explanation, no bookings.
    let shop = app.start(&petr, "marketplace", "Где чайник?").await;
    let seen = options(&app, &petr, &shop).await;
    assert_eq!(
        (
            seen["offered"].as_bool(),
            seen["bookings"].as_array().map(Vec::len)
        ),
        (Some(false), Some(0))
    );
    assert!(
        seen["explanation"]
            .as_str()
            .unwrap()
            .contains("не перезванивает")
    );
    let (status, refused) = order(&app, &petr, &shop, "MP-1", "mp").await;
    assert_eq!(
        (status, refused["reason"].as_str()),
        (422, Some("not_offered"))
    );

    assert!(
        queue(&app, &anna, "").await.is_empty(),
        "nothing was queued"
    );
    let chat = texts(&app, &petr, &conversation).await;
    assert!(
        !chat.iter().any(|t| t.contains("Заявка на звонок")),
        "{chat:?}"
    );
}

#[tokio::test]
async fn call_backs_keep_to_their_people_and_refuse_bad_input() {
    let app = TestApp::spawn().await;
    let soon = OffsetDateTime::now_utc() + Duration::hours(3);
    let ivan = token_with_orders("ivan", None, json!([booking("TR-1", None, true)]));
    let stranger = token_with_orders("mallory", None, json!([booking("TR-1", Some(soon), false)]));
    let vip = token_with_orders("vera", Some("vip"), json!([booking("TR-9", None, false)]));
    let anna = app
        .operator("anna@travel", Role::Operator, &["travel"])
        .await;
    let banker = app.operator("oleg@bank", Role::Operator, &["bank"]).await;
    let conversation = app.start(&ivan, "travel", "Рейс отменили").await;

    // A stranger's token lists the same booking id: not their conversation.
    let (status, _) = order(&app, &stranger, &conversation, "TR-1", "x").await;
    assert_eq!(status, 404);
    // Operators do not order on the customer's behalf (the phone is the customer's).
    let (status, _) = order(&app, &anna, &conversation, "TR-1", "x").await;
    assert_eq!(status, 403);
    let (status, bad) = order(&app, &ivan, &conversation, "TR-1", "").await;
    assert_eq!(status, 422, "{bad}");
    let (status, bad) = app
        .post(
            &ivan,
            &format!("/api/v1/conversations/{conversation}/callbacks"),
            json!({"booking_id": "TR-1", "client_msg_id": "y", "phone": "+70000000000"}),
        )
        .await;
    assert_eq!(status, 422, "a phone typed in is refused, not used: {bad}");

    let (status, callback) = order(&app, &ivan, &conversation, "TR-1", "cb").await;
    assert_eq!(
        (status, callback["basis"].as_str()),
        (201, Some("disrupted")),
        "{callback}"
    );
    let id = callback["id"].as_str().unwrap();
    let outcome = format!("/api/v1/callbacks/{id}/outcome");
    let (status, _) = app
        .post(&ivan, &outcome, json!({"outcome": "reached"}))
        .await;
    assert_eq!(status, 403, "customers do not close their own call-backs");
    let (status, _) = app
        .post(&banker, &outcome, json!({"outcome": "reached"}))
        .await;
    assert_eq!(status, 404, "another department's operator");
    assert!(queue(&app, &banker, "").await.is_empty());
    let (status, _) = app.get(&ivan, "/api/v1/callbacks").await;
    assert_eq!(status, 403);
    let (status, bad) = app.get(&anna, "/api/v1/callbacks?status=lost").await;
    assert_eq!(status, 400, "{bad}");
    let (status, bad) = app.post(&anna, &outcome, json!({"outcome": "maybe"})).await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (422, Some("unknown_callback_outcome")),
        "{bad}"
    );
    let (status, bad) = app
        .post(
            &anna,
            &outcome,
            json!({"outcome": "reached", "note": "x".repeat(1001)}),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    let (status, _) = app
        .post(
            &anna,
            "/api/v1/callbacks/nope/outcome",
            json!({"outcome": "reached"}),
        )
        .await;
    assert_eq!(status, 404);
    let still = queue(&app, &anna, "").await;
    assert_eq!(
        (still.len(), still[0]["attempts"].as_u64()),
        (1, Some(0)),
        "refusals changed nothing"
    );

    // A listed tier is called back about any trip.
    let tiered = TestApp::spawn_with(|s| s.callbacks.rules.tiers = vec!["vip".into()]).await;
    let vera_conversation = tiered.start(&vip, "travel", "Хочу обсудить поездку").await;
    let (status, callback) = order(&tiered, &vip, &vera_conversation, "TR-9", "v").await;
    assert_eq!(
        (status, callback["basis"].as_str()),
        (201, Some("tier")),
        "{callback}"
    );
    let (status, refused) = order(
        &app,
        &vip,
        &app.start(&vip, "travel", "А здесь?").await,
        "TR-9",
        "v",
    )
    .await;
    assert_eq!(
        (status, refused["reason"].as_str()),
        (422, Some("not_urgent"))
    );
}
