//! Formal claims through the real server: filing, the registry, the answer,
//! extensions, idempotency, who may set the receipt time, strangers, bad
//! input, the sweep's alerts and the calendar's override table.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

const MOSCOW: UtcOffset = match UtcOffset::from_hms(3, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

fn refund(cmid: &str) -> Value {
    json!({
        "type": "refund",
        "amount": {"value": "1299.00", "currency": "RUB"},
        "demand": "Вернуть деньги за чайник",
        "text": "Чайник пришёл с трещиной, прошу вернуть деньги.",
        "client_msg_id": cmid,
    })
}

fn date(raw: &Value) -> Date {
    hotline_domain::calendar::parse_iso_date(raw.as_str().expect("a date")).expect("YYYY-MM-DD")
}

fn received_on(claim: &Value) -> Date {
    OffsetDateTime::parse(
        claim["received_at"].as_str().expect("received_at"),
        &Rfc3339,
    )
    .expect("RFC 3339")
    .to_offset(MOSCOW)
    .date()
}

async fn file(app: &TestApp, token: &str, conversation: &str, body: Value) -> (u16, Value) {
    app.post(
        token,
        &format!("/api/v1/conversations/{conversation}/claims"),
        body,
    )
    .await
}

async fn messages(app: &TestApp, token: &str, conversation: &str) -> Vec<Value> {
    let (status, body) = app
        .get(
            token,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["messages"].as_array().expect("messages").clone()
}

/// A marketplace: Ivan's conversation, its operator Anna and its supervisor.
struct Shop {
    app: TestApp,
    ivan: String,
    anna: String,
    boss: String,
    conversation: String,
}

impl Shop {
    async fn open(configure: impl FnOnce(&mut hotline_server::settings::Settings)) -> Shop {
        let app = TestApp::spawn_with(configure).await;
        let ivan = app.customer_token("ivan");
        let anna = app
            .operator("anna@shop", Role::Operator, &["marketplace"])
            .await;
        let boss = app
            .operator("boss@shop", Role::Supervisor, &["marketplace"])
            .await;
        let conversation = app
            .start(&ivan, "marketplace", "Пришёл сломанный чайник")
            .await;
        Shop {
            app,
            ivan,
            anna,
            boss,
            conversation,
        }
    }
}

/// What `path` answers without a token: JSON, or the text as a JSON string.
async fn public(app: &TestApp, path: &str) -> Value {
    let text = app
        .http
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

async fn registry(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(token, &format!("/api/v1/claims{query}")).await;
    assert_eq!(status, 200, "{body}");
    body["claims"].as_array().expect("claims").clone()
}

#[tokio::test]
async fn a_claim_goes_from_filing_through_the_registry_to_its_answer() {
    let Shop {
        app,
        ivan,
        anna,
        boss,
        conversation,
    } = Shop::open(|_| {}).await;
    let travel_boss = app
        .operator("travel@shop", Role::Supervisor, &["travel"])
        .await;

    let (status, claim) = file(&app, &ivan, &conversation, refund("claim-1")).await;
    assert_eq!(status, 201, "{claim}");
    let number = claim["number"].as_str().unwrap();
    let year = OffsetDateTime::now_utc().to_offset(MOSCOW).year();
    assert!(number.starts_with(&format!("П-{year}-")), "{number}");
    assert_eq!(number.chars().count(), "П-2026-000001".chars().count());
    assert_eq!(
        (
            claim["type"].as_str(),
            claim["status"].as_str(),
            claim["channel"].as_str()
        ),
        (Some("refund"), Some("filed"), Some("chat"))
    );
    assert_eq!(claim["conversation_id"], conversation.as_str());
    assert_eq!(
        claim["amount"],
        json!({"value": "1299.00", "currency": "RUB"})
    );
    assert!(claim["legal_basis"].as_str().unwrap().contains("ст. 22"));
    // Ten calendar days from the day after receipt; the legal end a working day after it.
    let raw = date(&claim["raw_due_date"]);
    let due = date(&claim["due_date"]);
    assert_eq!((raw - received_on(&claim)).whole_days(), 10);
    assert!(due >= raw && (due - raw).whole_days() <= 10, "{claim}");
    assert_eq!(claim["provisional"], false);
    assert_eq!(
        claim["penalty"],
        json!({"value": "0.00", "currency": "RUB"})
    );
    assert_eq!(claim["alert"], Value::Null);
    assert_eq!(
        claim["extendable"], false,
        "the law allows no extension of a refund"
    );

    // Acknowledged in the chat with its number, from the platform.
    let chat = messages(&app, &ivan, &conversation).await;
    let last = chat.last().unwrap();
    assert_eq!(last["author"]["kind"], "system");
    assert!(last["text"].as_str().unwrap().contains(number), "{last}");

    // The registry is the supervisors', of their departments.
    let listed = registry(&app, &boss, "").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(registry(&app, &boss, "?status=open").await.len(), 1);
    assert_eq!(listed[0]["id"], claim["id"]);
    assert!(registry(&app, &travel_boss, "").await.is_empty());
    assert!(registry(&app, &boss, "?department=travel").await.is_empty());
    let (status, refused) = app.get(&anna, "/api/v1/claims").await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, _) = app.get(&ivan, "/api/v1/claims").await;
    assert_eq!(status, 403);

    let path = format!("/api/v1/claims/{}", claim["id"].as_str().unwrap());
    let (status, seen) = app.get(&anna, &path).await;
    assert_eq!((status, &seen["number"]), (200, &claim["number"]));
    let (status, _) = app.get(&ivan, &path).await;
    assert_eq!(status, 200, "the customer reads their claim");
    let in_conversation = format!("/api/v1/conversations/{conversation}/claims");
    let (status, listed) = app.get(&ivan, &in_conversation).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["claims"][0]["number"], claim["number"]);
    let (status, _) = app.get(&travel_boss, &in_conversation).await;
    assert_eq!(status, 404);

    // The operator starts from the type's template.
    let (status, template) = app.get(&anna, &format!("{path}/answer_template")).await;
    assert_eq!(status, 200, "{template}");
    assert!(template["text"].as_str().unwrap().contains(number));
    let (status, _) = app.get(&ivan, &format!("{path}/answer_template")).await;
    assert_eq!(status, 403);

    // The answer: only operators; delivered in the chat; the claim answered.
    let answer =
        json!({"text": "Деньги вернём на карту в течение трёх дней.", "client_msg_id": "answer-1"});
    let (status, _) = app
        .post(&ivan, &format!("{path}/answer"), answer.clone())
        .await;
    assert_eq!(status, 403);
    let (status, answered) = app
        .post(&anna, &format!("{path}/answer"), answer.clone())
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["status"], "answered");
    assert_eq!(answered["answer"]["text"], answer["text"]);
    assert_eq!(answered["answer"]["author"]["kind"], "operator");
    let chat = messages(&app, &ivan, &conversation).await;
    let delivered = chat.last().unwrap();
    assert_eq!(
        (
            delivered["author"]["kind"].as_str(),
            delivered["text"].as_str()
        ),
        (Some("operator"), answer["text"].as_str())
    );
    assert_eq!(delivered["id"], answered["answer"]["message_id"]);
    // A retry returns it; a second answer is refused.
    let (status, again) = app.post(&anna, &format!("{path}/answer"), answer).await;
    assert_eq!((status, &again["answer"]), (200, &answered["answer"]));
    let (status, refused) = app
        .post(
            &anna,
            &format!("{path}/answer"),
            json!({"text": "Другой ответ", "client_msg_id": "answer-2"}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );
    assert_eq!(messages(&app, &ivan, &conversation).await.len(), chat.len());

    assert_eq!(registry(&app, &boss, "?status=answered").await.len(), 1);
    assert!(registry(&app, &boss, "?status=open").await.is_empty());
    assert!(registry(&app, &boss, "?status=filed").await.is_empty());
}

#[tokio::test]
async fn filing_twice_with_one_client_msg_id_gives_one_claim() {
    let Shop {
        app,
        ivan,
        boss,
        conversation,
        ..
    } = Shop::open(|_| {}).await;
    let (status, first) = file(&app, &ivan, &conversation, refund("double-click")).await;
    assert_eq!(status, 201);
    let (status, second) = file(&app, &ivan, &conversation, refund("double-click")).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(
        (&second["id"], &second["number"]),
        (&first["id"], &first["number"])
    );
    assert_eq!(second["received_at"], first["received_at"]);
    assert_eq!(registry(&app, &boss, "").await.len(), 1);
    let acknowledgements = messages(&app, &ivan, &conversation)
        .await
        .into_iter()
        .filter(|m| m["author"]["kind"] == "system")
        .count();
    assert_eq!(acknowledgements, 1);
    // The same id for a different claim is a conflict.
    let mut other = refund("double-click");
    other["type"] = json!("repair");
    let (status, refused) = file(&app, &ivan, &conversation, other).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("client_msg_id_reused"))
    );
    // The next claim takes the next number.
    let (_, next) = file(&app, &ivan, &conversation, refund("second")).await;
    let seq = |claim: &Value| -> u32 {
        claim["number"]
            .as_str()
            .unwrap()
            .rsplit('-')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(seq(&next), seq(&first) + 1);
}

#[tokio::test]
async fn only_an_operator_sets_the_receipt_time_and_channel() {
    let Shop {
        app,
        ivan,
        anna,
        boss,
        conversation,
    } = Shop::open(|_| {}).await;
    let before = messages(&app, &ivan, &conversation).await.len();
    for (field, value) in [
        ("received_at", json!("2026-11-01T10:00:00Z")),
        ("channel", json!("post")),
    ] {
        let mut body = refund("customer-sets-time");
        body[field] = value;
        let (status, refused) = file(&app, &ivan, &conversation, body).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (403, Some("operator_only_field")),
            "{field}"
        );
    }
    assert!(registry(&app, &boss, "").await.is_empty(), "nothing filed");
    assert_eq!(messages(&app, &ivan, &conversation).await.len(), before);

    // A letter that reached the company two days ago, registered by an operator.
    let received = (OffsetDateTime::now_utc() - time::Duration::days(2))
        .replace_nanosecond(0)
        .unwrap();
    let mut letter = refund("letter-1");
    letter["received_at"] = json!(received.format(&Rfc3339).unwrap());
    letter["channel"] = json!("post");
    let (status, claim) = file(&app, &anna, &conversation, letter).await;
    assert_eq!(status, 201, "{claim}");
    assert_eq!(claim["channel"], "post");
    assert_eq!(
        OffsetDateTime::parse(claim["received_at"].as_str().unwrap(), &Rfc3339).unwrap(),
        received
    );
    assert_eq!(claim["filed_by"]["kind"], "operator");
    assert_eq!(
        (date(&claim["raw_due_date"]) - received_on(&claim)).whole_days(),
        10
    );
    // Read back, the trigger is as registered.
    let (_, stored) = app
        .get(
            &anna,
            &format!("/api/v1/claims/{}", claim["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        (&stored["received_at"], &stored["channel"]),
        (&claim["received_at"], &claim["channel"])
    );
}

#[tokio::test]
async fn strangers_get_not_found() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let petr = app.customer_token("petr");
    let travel = app
        .operator("olga@shop", Role::Supervisor, &["travel"])
        .await;
    let conversation = app.start(&ivan, "marketplace", "Верните деньги").await;
    let (status, _) = file(&app, &petr, &conversation, refund("petr-1")).await;
    assert_eq!(status, 404);
    let (status, _) = file(&app, &travel, &conversation, refund("olga-1")).await;
    assert_eq!(status, 404);
    let (_, claim) = file(&app, &ivan, &conversation, refund("ivan-1")).await;
    let path = format!("/api/v1/claims/{}", claim["id"].as_str().unwrap());
    for token in [&petr, &travel] {
        let (status, body) = app.get(token, &path).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found"))
        );
        let (status, _) = app
            .post(
                token,
                &format!("{path}/answer"),
                json!({"text": "x", "client_msg_id": "a"}),
            )
            .await;
        assert!(status == 404 || status == 403, "{status}");
    }
    let (status, _) = app
        .post(
            &travel,
            &format!("{path}/extend"),
            json!({"reason": "нужны документы"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get(&ivan, "/api/v1/claims/no-such-claim").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_input_is_refused_with_a_code_and_changes_nothing() {
    let Shop {
        app,
        ivan,
        anna,
        boss,
        conversation,
    } = Shop::open(|_| {}).await;
    let before = messages(&app, &ivan, &conversation).await.len();
    let with = |field: &str, value: Value| {
        let mut body = refund("bad");
        body[field] = value;
        body
    };
    let future = (OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&Rfc3339)
        .unwrap();
    for (token, body, status, code) in [
        (
            &ivan,
            with("type", json!("complaint")),
            422,
            "unknown_claim_type",
        ),
        (
            &ivan,
            with("amount", json!({"value": "12.345", "currency": "RUB"})),
            422,
            "invalid_amount",
        ),
        (
            &ivan,
            with("amount", json!({"value": "12.00", "currency": "USD"})),
            422,
            "invalid_amount",
        ),
        (
            &ivan,
            with("amount", json!({"value": 12.5, "currency": "RUB"})),
            422,
            "invalid_field",
        ),
        (&ivan, with("demand", json!("  ")), 422, "empty_value"),
        (
            &ivan,
            with("cross_border", json!(true)),
            422,
            "not_applicable",
        ),
        (&ivan, with("colour", json!("red")), 422, "invalid_field"),
        (
            &ivan,
            with("client_msg_id", json!("has space")),
            422,
            "invalid_characters",
        ),
        (
            &anna,
            with("received_at", json!(future)),
            422,
            "received_in_future",
        ),
        (
            &anna,
            with("received_at", json!("yesterday")),
            422,
            "invalid_field",
        ),
        (
            &anna,
            with("channel", json!("pigeon")),
            422,
            "unknown_claim_channel",
        ),
    ] {
        let (got, error) = file(&app, token, &conversation, body.clone()).await;
        assert_eq!(
            (got, error["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(!error["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    for query in [
        "?status=closed",
        "?due_before=31.12.2026",
        "?department=Bad Dept",
    ] {
        let (status, error) = app.get(&boss, &format!("/api/v1/claims{query}")).await;
        assert_eq!(
            (status, error["error"]["code"].as_str()),
            (400, Some("invalid_query")),
            "{query}"
        );
    }
    assert!(registry(&app, &boss, "").await.is_empty());
    assert_eq!(messages(&app, &ivan, &conversation).await.len(), before);
}

#[tokio::test]
async fn a_period_is_extended_only_where_the_law_allows_it() {
    let Shop {
        app,
        ivan,
        anna,
        conversation,
        ..
    } = Shop::open(|_| {}).await;
    let mut request = refund("regulator-1");
    request["type"] = json!("regulator_request");
    let (status, claim) = file(&app, &anna, &conversation, request).await;
    assert_eq!(status, 201, "{claim}");
    assert_eq!(
        (date(&claim["raw_due_date"]) - received_on(&claim)).whole_days(),
        30
    );
    assert_eq!(claim["extendable"], true);
    let path = format!("/api/v1/claims/{}", claim["id"].as_str().unwrap());

    let reason = json!({"reason": "Запросили документы у продавца"});
    let (status, _) = app
        .post(&ivan, &format!("{path}/extend"), reason.clone())
        .await;
    assert_eq!(status, 403, "customers do not extend");
    let (status, extended) = app
        .post(&anna, &format!("{path}/extend"), reason.clone())
        .await;
    assert_eq!(status, 200, "{extended}");
    assert_eq!(extended["status"], "extended");
    assert_eq!(
        (date(&extended["raw_due_date"]) - received_on(&claim)).whole_days(),
        60
    );
    assert_eq!(
        extended["extension"]["previous_due_date"],
        claim["due_date"]
    );
    assert_eq!(extended["received_at"], claim["received_at"]);
    assert_eq!(extended["extendable"], false);
    let notice = messages(&app, &ivan, &conversation).await.pop().unwrap();
    assert_eq!(notice["author"]["kind"], "system");
    let text = notice["text"].as_str().unwrap();
    assert!(
        text.contains(claim["number"].as_str().unwrap()) && text.contains("продлён"),
        "{text}"
    );
    assert!(text.contains("Запросили документы у продавца"));

    let (status, refused) = app
        .post(&anna, &format!("{path}/extend"), reason.clone())
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );

    let (_, refund_claim) = file(&app, &ivan, &conversation, refund("refund-1")).await;
    let (status, refused) = app
        .post(
            &anna,
            &format!(
                "/api/v1/claims/{}/extend",
                refund_claim["id"].as_str().unwrap()
            ),
            reason,
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("extension_not_allowed"))
    );
}

#[tokio::test]
async fn an_overdue_claim_raises_events_and_accrues_its_penalty() {
    let Shop {
        app,
        ivan,
        anna,
        conversation,
        ..
    } = Shop::open(|s| s.queues.sweep_seconds = 1).await;
    let mut ws = app.ws(&anna, "").await;
    until_caught_up(&mut ws).await;
    let mut ivan_ws = app.ws(&ivan, "").await;
    until_caught_up(&mut ivan_ws).await;
    // A letter that came 40 days ago and was never answered.
    let mut letter = refund("late-letter");
    letter["received_at"] = json!(
        (OffsetDateTime::now_utc() - time::Duration::days(40))
            .format(&Rfc3339)
            .unwrap()
    );
    letter["channel"] = json!("email");
    let (status, claim) = file(&app, &anna, &conversation, letter).await;
    assert_eq!(status, 201, "{claim}");
    assert_eq!(claim["alert"], "overdue");
    let today = OffsetDateTime::now_utc().to_offset(MOSCOW).date();
    let days_late = (today - date(&claim["due_date"])).whole_days();
    assert!(days_late >= 20, "{claim}");
    // 1 % of 1299.00 a day (ЗоЗПП art. 23).
    let kopecks = 1299 * days_late;
    assert_eq!(
        claim["penalty"]["value"],
        format!("{}.{:02}", kopecks / 100, kopecks % 100)
    );
    assert_eq!(claim["penalty_basis"], "ЗоЗПП ст. 23 п. 1");

    // The sweep tells the operators, once per alert.
    let mut alerts = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while alerts.len() < 2 && tokio::time::Instant::now() < deadline {
        let frame = next_frame(&mut ws).await;
        let kind = frame["type"].as_str().unwrap_or("").to_owned();
        if kind.starts_with("claim.") && kind != "claim.filed" {
            assert_eq!(frame["data"]["claim_id"], claim["id"]);
            alerts.push(kind);
        }
    }
    assert_eq!(alerts, ["claim.due_soon", "claim.overdue"]);
    // Three more sweeps run; none tells it again.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    while let Some(frame) = silent_for(&mut ws, Duration::from_millis(300)).await {
        assert!(
            !frame["type"].as_str().unwrap_or("").starts_with("claim."),
            "told once: {frame}"
        );
    }
    // And Prometheus (the recorder is shared by this binary's servers: only
    // the series are checked, not their values).
    let metrics = public(&app, "/metrics").await;
    let metrics = metrics.as_str().unwrap();
    for series in [
        "hotline_claim_alerts_total{alert=\"overdue\"}",
        "hotline_claims_overdue{department=\"marketplace\"}",
        "hotline_claims_open{department=\"marketplace\"}",
    ] {
        assert!(metrics.contains(series), "{series} missing");
    }

    // The customer is told of the claim and its acknowledgement, not the alerts.
    let mut seen = Vec::new();
    while let Some(frame) = silent_for(&mut ivan_ws, Duration::from_millis(300)).await {
        seen.push(frame["type"].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(seen, ["claim.filed", "message.created"]);
}

#[tokio::test]
async fn administrators_keep_the_calendar_overrides() {
    let app = TestApp::spawn().await;
    let admin = app
        .operator("admin@shop", Role::Admin, &["marketplace"])
        .await;
    let anna = app
        .operator("anna@shop", Role::Operator, &["marketplace"])
        .await;
    let put = |token: &str, date: &str, body: Value| {
        let request = app
            .http
            .put(app.url(&format!("/api/v1/calendar/overrides/{date}")))
            .bearer_auth(token)
            .json(&body);
        async move { split(request.send().await.unwrap()).await }
    };
    let decree = json!({"working": false, "note": "Постановление о переносе выходных на 2028 год"});
    let (status, _) = put(&anna, "2028-01-09", decree.clone()).await;
    assert_eq!(status, 403);
    let (status, error) = put(&admin, "09.01.2028", decree.clone()).await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (400, Some("invalid_path"))
    );
    let (status, _) = put(&admin, "2028-01-09", decree).await;
    assert_eq!(status, 204);
    let (status, list) = app.get(&anna, "/api/v1/calendar/overrides").await;
    assert_eq!(status, 200);
    assert_eq!(
        list["overrides"],
        json!([{"date": "2028-01-09", "working": false, "note": "Постановление о переносе выходных на 2028 год"}])
    );
    let delete = |date: &str| {
        let request = app
            .http
            .delete(app.url(&format!("/api/v1/calendar/overrides/{date}")))
            .bearer_auth(&admin);
        async move { split(request.send().await.unwrap()).await.0 }
    };
    assert_eq!(delete("2028-01-09").await, 204);
    assert_eq!(delete("2028-01-09").await, 404);
}

#[tokio::test]
async fn the_claims_api_is_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let doc = public(&app, "/api/openapi.json").await;
    for path in [
        "/api/v1/conversations/{id}/claims",
        "/api/v1/claims",
        "/api/v1/claims/{id}",
        "/api/v1/claims/{id}/answer",
        "/api/v1/claims/{id}/extend",
        "/api/v1/calendar/overrides/{date}",
        "/api/v1/claims/{id}/dossier",
        "/api/v1/conversations/{id}/dossier",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is missing");
    }
    assert!(
        doc["paths"]["/api/v1/claims/{id}/dossier"]["get"]["responses"]["200"]["content"]
            ["application/zip"]
            .is_object(),
        "the dossier is a ZIP"
    );
    assert!(doc["components"]["schemas"]["ClaimView"].is_object());

    // The rule table is public: the filing form lists its types.
    let rules = public(&app, "/api/v1/claim_rules").await;
    let rules = rules["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 10);
    let bank = rules
        .iter()
        .find(|r| r["type"] == "bank_complaint")
        .unwrap();
    assert_eq!(bank["period"], json!({"days": 15, "count": "working"}));
    assert_eq!(bank["extension"]["extra_days"], 10);
}

#[tokio::test]
async fn a_calendar_change_moves_the_open_claims_deadlines() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let admin = app
        .operator("admin@shop", Role::Admin, &["marketplace"])
        .await;
    let conversation = app.start(&ivan, "marketplace", "Верните деньги").await;
    let (_, claim) = file(&app, &ivan, &conversation, refund("refund-1")).await;
    let path = format!("/api/v1/claims/{}", claim["id"].as_str().unwrap());
    let legal_end = claim["due_date"].as_str().unwrap().to_owned();
    let put = app
        .http
        .put(app.url(&format!("/api/v1/calendar/overrides/{legal_end}")))
        .bearer_auth(&admin)
        .json(&json!({"working": false, "note": "региональный выходной"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    let (_, moved) = app.get(&ivan, &path).await;
    assert!(
        date(&moved["due_date"]) > date(&claim["due_date"]),
        "{moved}"
    );
    assert_eq!(moved["raw_due_date"], claim["raw_due_date"]);
    assert_eq!(moved["received_at"], claim["received_at"]);
    let delete = app
        .http
        .delete(app.url(&format!("/api/v1/calendar/overrides/{legal_end}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 204);
    let (_, back) = app.get(&ivan, &path).await;
    assert_eq!(back["due_date"], claim["due_date"]);
}

#[tokio::test]
async fn a_bank_complaint_counts_working_days_and_guards_its_reads() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let boss = app.operator("boss@bank", Role::Supervisor, &["bank"]).await;
    let conversation = app
        .start(&ivan, "bank", "Списали комиссию без причины")
        .await;
    let (status, statement) =
        upload(&app, &ivan, "statement.txt", b"Statement: fee 990.00 RUB").await;
    assert_eq!(status, 201, "{statement}");
    let mut complaint = refund("complaint-1");
    complaint["type"] = json!("bank_complaint");
    complaint["attachment_ids"] = json!([statement["id"]]);
    let (status, claim) = file(&app, &ivan, &conversation, complaint).await;
    assert_eq!(status, 201, "{claim}");
    // 15 working days of the production calendar, no moving off a day off.
    let due = date(&claim["due_date"]);
    assert_eq!(claim["raw_due_date"], claim["due_date"]);
    let calendar = hotline_domain::calendar::WorkingCalendar::default();
    assert_eq!(calendar.working_days_between(received_on(&claim), due), 15);
    assert!(calendar.is_working_day(due));
    assert_eq!(claim["penalty"], Value::Null, "442-FZ sets no penalty");
    assert_eq!(claim["extendable"], true);
    // The file goes with the acknowledgement.
    let acknowledgement = messages(&app, &ivan, &conversation).await.pop().unwrap();
    assert_eq!(acknowledgement["author"]["kind"], "system");
    assert_eq!(acknowledgement["attachments"][0]["id"], statement["id"]);

    // A customer without a fresh second factor cannot read it.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let stale = customer_token_with("ivan", |c| c.auth_time = Some(now - 3600));
    let path = format!("/api/v1/claims/{}", claim["id"].as_str().unwrap());
    let (status, refused) = app.get(&stale, &path).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("step_up_required"))
    );
    // The supervisor's registry read of the bank's claims is in the audit log.
    assert_eq!(registry(&app, &boss, "").await.len(), 1);
    let audited = app
        .state
        .store
        .audit_entries(0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "conversation.read" && e.details["purpose"] == "claims_registry")
        .count();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn claims_are_screened_like_messages() {
    let Shop {
        app,
        ivan,
        anna,
        conversation,
        ..
    } = Shop::open(|_| {}).await;
    let mut body = refund("with-card");
    body["text"] = json!("Списали дважды с карты 4111 1111 1111 1111, код из смс 5521");
    let (status, claim) = file(&app, &ivan, &conversation, body).await;
    assert_eq!(status, 201, "{claim}");
    assert_eq!(
        claim["text"],
        "Списали дважды с карты •••• 1111, код из смс •••"
    );
    let path = format!("/api/v1/claims/{}", claim["id"].as_str().unwrap());
    let (_, stored) = app.get(&anna, &path).await;
    assert!(!stored.to_string().contains("4111 1111"), "{stored}");

    // The answer and the extension reason meet the operators' refusals.
    let (status, refused) = app
        .post(
            &anna,
            &format!("{path}/answer"),
            json!({"text": "Продиктуйте, пожалуйста, код из СМС", "client_msg_id": "ask"}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("secret_request_blocked"))
    );
    let (_, unchanged) = app.get(&anna, &path).await;
    assert_eq!(unchanged["status"], "filed");
}

/// `path` downloaded with `token`: the status, the content type and the body.
async fn download(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let response = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn only_those_who_may_read_the_conversation_download_its_dossier_and_each_download_is_audited()
 {
    let Shop {
        app,
        ivan,
        anna,
        boss,
        conversation,
    } = Shop::open(|_| {}).await;
    let (status, claim) = file(&app, &ivan, &conversation, refund("dossier-1")).await;
    assert_eq!(status, 201, "{claim}");
    let claim_path = format!("/api/v1/claims/{}/dossier", claim["id"].as_str().unwrap());
    let conversation_path = format!("/api/v1/conversations/{conversation}/dossier");

    // Another customer, and an operator of another department: as if there
    // were no such claim.
    let petr = app.customer_token("petr");
    let travel = app
        .operator("travel@shop", Role::Operator, &["travel"])
        .await;
    for (token, path) in [
        (&petr, &claim_path),
        (&petr, &conversation_path),
        (&travel, &claim_path),
        (&travel, &conversation_path),
    ] {
        let (status, _, body) = download(&app, token, path).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let (status, _, _) = download(&app, &ivan, "/api/v1/claims/no-such-claim/dossier").await;
    assert_eq!(status, 404);
    assert!(
        audited_dossiers(&app).await.is_empty(),
        "refusals read nothing"
    );

    // The customer, the operator and the supervisor get the ZIP.
    for token in [&ivan, &anna, &boss] {
        let (status, content_type, body) = download(&app, token, &claim_path).await;
        assert_eq!((status, content_type.as_str()), (200, "application/zip"));
        assert!(body.starts_with(b"PK\x03\x04"), "a ZIP");
    }
    let response = app
        .http
        .get(app.url(&conversation_path))
        .bearer_auth(&ivan)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"dossier-")
            && disposition.ends_with(".zip\""),
        "{disposition}"
    );
    let (status, _, body) = download(&app, &anna, &claim_path).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    // Every download, by whom.
    let audited = audited_dossiers(&app).await;
    let actors: Vec<(&str, &str)> = audited
        .iter()
        .map(|(kind, target)| (kind.as_str(), target.as_str()))
        .collect();
    assert_eq!(
        actors,
        [
            ("customer", conversation.as_str()),
            ("operator", conversation.as_str()),
            ("operator", conversation.as_str()),
            ("customer", conversation.as_str()),
            ("operator", conversation.as_str()),
        ]
    );
}

#[tokio::test]
async fn without_its_font_the_dossier_says_what_to_install() {
    let Shop {
        app,
        ivan,
        conversation,
        ..
    } = Shop::open(|settings| {
        settings.claims.dossier_font = "/nonexistent/DejaVuSans.ttf".into();
    })
    .await;
    let (status, _, body) = download(
        &app,
        &ivan,
        &format!("/api/v1/conversations/{conversation}/dossier"),
    )
    .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("dossier_unavailable"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fonts-dejavu-core"),
        "{body}"
    );
    assert!(audited_dossiers(&app).await.is_empty());
}

#[tokio::test]
async fn a_customer_downloads_dossiers_at_a_bounded_rate() {
    let Shop {
        app,
        ivan,
        conversation,
        ..
    } = Shop::open(|settings| {
        settings.security.rate_limits = hotline_server::security::limits::RateLimitSettings {
            dossiers_per_minute: 1,
            per_ip_factor: 100,
            ..hotline_server::security::limits::RateLimitSettings::off()
        };
    })
    .await;
    let path = format!("/api/v1/conversations/{conversation}/dossier");
    let (status, _, _) = download(&app, &ivan, &path).await;
    assert_eq!(status, 200);
    let (status, _, body) = download(&app, &ivan, &path).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(audited_dossiers(&app).await.len(), 1);
}

/// The audit log's dossier downloads, as (actor kind, conversation).
async fn audited_dossiers(app: &TestApp) -> Vec<(String, String)> {
    app.state
        .store
        .audit_entries(0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "conversation.read" && e.details["purpose"] == "dossier")
        .map(|e| (e.actor_kind, e.target.unwrap_or_default()))
        .collect()
}
