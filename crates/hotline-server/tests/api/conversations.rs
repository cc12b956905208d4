use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn a_customer_and_an_operator_talk() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;

    let (status, started) = app
        .post(
            &ivan,
            "/api/v1/conversations",
            json!({"department": "travel", "topic": "baggage", "text": "Потеряли чемодан", "client_msg_id": "c-1"}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(
        started["status"], "queued",
        "no bot in this department: straight to the queue"
    );
    assert_eq!(
        started["subject"],
        json!({"kind": "topic", "topic": "baggage"})
    );
    assert_eq!(started["message"]["seq"], 1);
    assert_eq!(started["message"]["author"]["kind"], "customer");
    let id = started["id"].as_str().unwrap();

    let (status, listed) = app.get(&anna, "/api/v1/conversations?status=queued").await;
    assert_eq!(status, 200);
    assert_eq!(listed["conversations"][0]["id"], id);

    let (status, taken) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{id}/assign"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(
        (taken["status"].as_str(), taken["assignee"]["name"].as_str()),
        (Some("assigned"), Some("anna"))
    );

    let reply = app.send(&anna, id, "Здравствуйте! Уже ищем.").await;
    assert_eq!(
        (reply["seq"].as_i64(), reply["author"]["kind"].as_str()),
        (Some(2), Some("operator"))
    );

    let (status, messages) = app
        .get(&ivan, &format!("/api/v1/conversations/{id}/messages"))
        .await;
    assert_eq!(status, 200);
    let texts: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Потеряли чемодан", "Здравствуйте! Уже ищем."]);
    let (_, page) = app
        .get(
            &ivan,
            &format!("/api/v1/conversations/{id}/messages?after_seq=1&limit=1"),
        )
        .await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 1);
    assert_eq!(page["messages"][0]["seq"], 2);

    let (status, resolved) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{id}/resolve"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, resolved["status"].as_str()),
        (200, Some("resolved"))
    );
    app.send(&ivan, id, "Нашёлся, но сломан").await;
    let (_, again) = app.get(&ivan, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        again["status"], "queued",
        "a customer's message after a resolve reopens the queue"
    );
    let (status, reopened) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{id}/reopen"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, reopened["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );
}

#[tokio::test]
async fn departments_with_a_bot_start_with_the_bot_until_handoff() {
    let app = TestApp::spawn_with(|s| s.departments[0].bot = true).await;
    let (status, body) = app.get("", "/api/v1/departments").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["marketplace", "travel", "bank"],
        "buyers' departments"
    );
    assert!(
        body["departments"][1]["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "miles")
    );

    let olga = app.customer_token("olga");
    let id = app.start(&olga, "marketplace", "Где заказ?").await;
    let (_, conversation) = app.get(&olga, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(conversation["status"], "bot");
    let (status, handed) = app
        .post(
            &olga,
            &format!("/api/v1/conversations/{id}/handoff"),
            json!({}),
        )
        .await;
    assert_eq!((status, handed["status"].as_str()), (200, Some("queued")));
    let (status, again) = app
        .post(
            &olga,
            &format!("/api/v1/conversations/{id}/handoff"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, again["status"].as_str()),
        (200, Some("queued")),
        "a repeated handoff is harmless"
    );
}

#[tokio::test]
async fn retries_are_idempotent_and_reuse_with_another_body_conflicts() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let body = json!({"department": "marketplace", "order_id": "12345-0001", "text": "Не пришёл заказ", "client_msg_id": "start-1"});
    let (first, a) = app.post(&ivan, "/api/v1/conversations", body.clone()).await;
    let (second, b) = app.post(&ivan, "/api/v1/conversations", body).await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(a["id"], b["id"], "a double click makes one conversation");
    assert_eq!(
        a["subject"],
        json!({"kind": "order", "order_id": "12345-0001"})
    );
    let id = a["id"].as_str().unwrap();

    let path = format!("/api/v1/conversations/{id}/messages");
    let send = json!({"text": "Трек-номер не работает", "client_msg_id": "msg-7"});
    let requests = (0..20).map(|_| app.post(&ivan, &path, send.clone()));
    let results = futures_util::future::join_all(requests).await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let replayed = results.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(
        (created, replayed),
        (1, 19),
        "twenty concurrent retries store one message"
    );
    assert!(results.iter().all(|(_, m)| m["id"] == results[0].1["id"]));

    let (status, conflict) = app
        .post(
            &ivan,
            &path,
            json!({"text": "Совсем другой текст", "client_msg_id": "msg-7"}),
        )
        .await;
    assert_eq!(
        (status, conflict["error"]["code"].as_str()),
        (409, Some("client_msg_id_reused"))
    );
    let (_, messages) = app.get(&ivan, &path).await;
    assert_eq!(
        messages["messages"].as_array().unwrap().len(),
        2,
        "nothing extra stored"
    );
}

#[tokio::test]
async fn strangers_see_nothing_and_get_404() {
    let app = TestApp::spawn().await;
    let alice = app.customer_token("alice");
    let mallory = app.customer_token("mallory");
    let travel = app
        .operator("t@example.com", Role::Operator, &["travel"])
        .await;
    let bank = app
        .operator("b@example.com", Role::Operator, &["bank"])
        .await;
    let id = app.start(&alice, "bank", "Списали деньги дважды").await;

    for token in [&mallory, &travel] {
        for path in [
            format!("/api/v1/conversations/{id}"),
            format!("/api/v1/conversations/{id}/messages"),
        ] {
            let (status, body) = app.get(token, &path).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (404, Some("not_found")),
                "{path}"
            );
        }
        for action in ["messages", "handoff", "assign", "resolve", "reopen"] {
            let body = json!({"text": "x", "client_msg_id": "x1"});
            let (status, _) = app
                .post(token, &format!("/api/v1/conversations/{id}/{action}"), body)
                .await;
            assert_eq!(status, 404, "{action}");
        }
        let (_, listed) = app.get(token, "/api/v1/conversations").await;
        assert_eq!(listed["conversations"], json!([]));
    }
    let (_, listed) = app
        .get(&bank, "/api/v1/conversations?department=travel")
        .await;
    assert_eq!(
        listed["conversations"],
        json!([]),
        "a filter never widens an operator's view"
    );
    let (_, listed) = app.get(&bank, "/api/v1/conversations").await;
    assert_eq!(listed["conversations"][0]["id"], id);
    let (_, messages) = app
        .get(&alice, &format!("/api/v1/conversations/{id}/messages"))
        .await;
    assert_eq!(
        messages["messages"].as_array().unwrap().len(),
        1,
        "nothing was written by the strangers"
    );
}

#[tokio::test]
async fn internal_notes_stay_with_operators() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let id = app.start(&ivan, "marketplace", "Верните деньги").await;
    let path = format!("/api/v1/conversations/{id}/messages");
    let (status, note) = app
        .post(
            &anna,
            &path,
            json!({"text": "Проверить возврат в 1С", "client_msg_id": "n1", "internal": true}),
        )
        .await;
    assert_eq!((status, note["internal"].as_bool()), (201, Some(true)));
    let (status, refused) = app
        .post(
            &ivan,
            &path,
            json!({"text": "я тоже хочу заметку", "client_msg_id": "n2", "internal": true}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("internal_note_by_customer"))
    );

    let (_, conversation) = app.get(&anna, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        conversation["status"], "queued",
        "a note does not take the conversation"
    );

    app.send(&anna, &id, "Деньги вернутся за 3 дня").await;
    let (_, customer_view) = app.get(&ivan, &path).await;
    let seqs: Vec<i64> = customer_view["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2], "no gap betrays the note");
    assert!(!customer_view.to_string().contains("1С"));
    assert!(!customer_view.to_string().contains("public_seq"));
    let (_, conversation) = app.get(&ivan, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(conversation["last_seq"], 2);

    let (_, operator_view) = app.get(&anna, &path).await;
    let seqs: Vec<i64> = operator_view["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(operator_view["messages"][2]["public_seq"], 2);
    let (_, conversation) = app.get(&anna, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        (
            conversation["last_seq"].as_i64(),
            conversation["last_public_seq"].as_i64()
        ),
        (Some(3), Some(2))
    );
}

#[tokio::test]
async fn supervisors_reassign_and_operators_cannot_steal() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let boris = app
        .operator("boris@example.com", Role::Operator, &["travel"])
        .await;
    let boss = app
        .operator("boss@example.com", Role::Supervisor, &["travel"])
        .await;
    let id = app.start(&ivan, "travel", "Перенести бронь").await;
    let assign = format!("/api/v1/conversations/{id}/assign");
    assert_eq!(app.post(&anna, &assign, json!({})).await.0, 200);
    let (status, body) = app.post(&boris, &assign, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("already_assigned"))
    );
    let (_, me) = app.get(&boris, "/api/v1/me").await;
    let boris_id = me["id"].as_str().unwrap();
    let (status, body) = app
        .post(&anna, &assign, json!({"operator_id": boris_id}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, body) = app
        .post(&boss, &assign, json!({"operator_id": boris_id}))
        .await;
    assert_eq!(
        (status, body["assignee"]["name"].as_str()),
        (200, Some("boris"))
    );
    let (status, body) = app
        .post(&boss, &assign, json!({"operator_id": "no-such-operator"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_assignee"))
    );
    let (status, body) = app.post(&ivan, &assign, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_stores_nothing() {
    let app = TestApp::spawn_with(|s| s.max_message_chars = 50).await;
    let ivan = app.customer_token("ivan");
    let start = "/api/v1/conversations";
    let cases = [
        (
            json!({"department": "cars", "text": "hi", "client_msg_id": "a"}),
            422,
            "unknown_department",
        ),
        (
            json!({"department": "../x", "text": "hi", "client_msg_id": "a"}),
            422,
            "unknown_department",
        ),
        (
            json!({"department": "travel", "topic": "cards", "text": "hi", "client_msg_id": "a"}),
            422,
            "unknown_topic",
        ),
        (
            json!({"department": "travel", "topic": "miles", "order_id": "1", "text": "hi", "client_msg_id": "a"}),
            422,
            "ambiguous_subject",
        ),
        (
            json!({"department": "travel", "text": "   ", "client_msg_id": "a"}),
            422,
            "empty_value",
        ),
        (
            json!({"department": "travel", "text": "я".repeat(51), "client_msg_id": "a"}),
            422,
            "too_long",
        ),
        (
            json!({"department": "travel", "text": "a\u{0}b", "client_msg_id": "a"}),
            422,
            "invalid_characters",
        ),
        (
            json!({"department": "travel", "text": "hi", "client_msg_id": "has space"}),
            422,
            "invalid_characters",
        ),
        (
            json!({"department": "travel", "text": 42, "client_msg_id": "a"}),
            422,
            "invalid_field",
        ),
        (
            json!({"department": "travel", "client_msg_id": "a"}),
            422,
            "invalid_field",
        ),
        (
            json!({"department": "travel", "text": "hi", "client_msg_id": "a", "order_id": "12\u{202e}3"}),
            422,
            "invalid_characters",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = app.post(&ivan, start, body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    assert!(
        app.post(
            &ivan,
            start,
            json!({"department": "travel", "text": "я".repeat(50), "client_msg_id": "ok"})
        )
        .await
        .0 == 201
    );

    let raw = |body: Vec<u8>, content_type: &'static str| {
        app.http
            .post(app.url(start))
            .bearer_auth(&ivan)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let (status, answer) = split(
        raw(b"{not json".to_vec(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_json"))
    );
    let mut invalid_utf8 = br#"{"department": "travel", "text": "#.to_vec();
    invalid_utf8.extend_from_slice(b"\"\xff\xfe\", \"client_msg_id\": \"u\"}");
    let (status, answer) = split(raw(invalid_utf8, "application/json").await.unwrap()).await;
    assert_eq!(status / 100, 4, "{answer}");
    assert!(answer["error"]["code"].is_string());
    let (status, answer) = split(raw(b"{}".to_vec(), "text/plain").await.unwrap()).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let huge = format!(
        r#"{{"department": "travel", "text": "{}", "client_msg_id": "big"}}"#,
        "x".repeat(300 * 1024)
    );
    let (status, answer) = split(raw(huge.into_bytes(), "application/json").await.unwrap()).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (413, Some("body_too_large"))
    );

    let (status, answer) = app.get(&ivan, "/api/v1/conversations?status=lost").await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (status, answer) = app
        .get(&ivan, "/api/v1/conversations?department=Bad!")
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (status, answer) = app.get(&ivan, "/api/v1/conversations?limit=abc").await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (status, _) = app
        .get(&ivan, "/api/v1/conversations/does-not-exist/messages")
        .await;
    assert_eq!(status, 404);
    let (status, answer) = app.get(&ivan, "/api/v1/nowhere").await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    let (_, listed) = app.get(&ivan, "/api/v1/conversations").await;
    assert_eq!(
        listed["conversations"].as_array().unwrap().len(),
        1,
        "only the valid request stored anything"
    );
}

#[tokio::test]
async fn html_in_messages_is_kept_verbatim_as_data() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let text = "<script>alert(1)</script><img src=x onerror=alert(2)> и ёжик";
    let id = app.start(&ivan, "marketplace", text).await;
    let (_, messages) = app
        .get(&ivan, &format!("/api/v1/conversations/{id}/messages"))
        .await;
    assert_eq!(
        messages["messages"][0]["text"], text,
        "stored and returned exactly; escaping is the renderer's job"
    );
    let response = app
        .http
        .get(app.url(&format!("/api/v1/conversations/{id}")))
        .bearer_auth(&ivan)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(
        response.headers().contains_key("x-request-id"),
        "every answer carries a request id"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get("", "/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/conversations",
        "/api/v1/conversations/{id}/messages",
        "/api/v1/conversations/{id}/assign",
        "/api/v1/attachments",
        "/api/v1/attachments/{id}",
        "/api/v1/ws",
        "/api/v1/events",
        "/api/v1/auth/login",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    assert!(doc["components"]["schemas"]["Message"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn metrics_count_what_happens() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    app.start(&ivan, "travel", "Сколько стоит багаж?").await;
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let body = response.text().await.unwrap();
    let created: f64 = body
        .lines()
        .find(|l| l.starts_with("hotline_messages_created_total{author=\"customer\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no message counter in:\n{body}"));
    assert!(created >= 1.0);
    assert!(body.contains("hotline_store_commit_seconds"), "{body}");
}

fn listed_ids(listed: &Value, key: &str) -> Vec<String> {
    listed[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Sellers have their own department, opened with a seller's token (`role:
/// seller`), and are never mixed with buyers: neither side can write to the
/// other's, a seller's conversations are not the same person's buyer
/// conversations, and the sellers' operators see only sellers.
#[tokio::test]
async fn sellers_have_their_own_department_and_are_never_mixed_with_buyers() {
    let app = TestApp::spawn().await;
    let seller = customer_token_with("42", |c| c.role = Some("seller".into()));
    let buyer = customer_token_with("42", |_| {});

    let (_, listed) = app.get(&seller, "/api/v1/departments").await;
    assert_eq!(listed_ids(&listed, "departments"), ["sellers"]);
    let topics: Vec<&str> = listed["departments"][0]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["payouts", "listings", "logistics"]);
    let (_, listed) = app.get(&buyer, "/api/v1/departments").await;
    assert!(!listed_ids(&listed, "departments").contains(&"sellers".to_owned()));

    let (status, started) = app
        .post(
            &seller,
            "/api/v1/conversations",
            json!({"department": "sellers", "topic": "payouts", "client_msg_id": "m-1",
                   "text": "Не пришла выплата за ноябрь"}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let sellers_conversation = started["id"].as_str().unwrap().to_owned();
    let bought = app.start(&buyer, "marketplace", "Где мой заказ?").await;

    for (token, department) in [(&buyer, "sellers"), (&seller, "marketplace")] {
        let (status, body) = app
            .post(
                token,
                "/api/v1/conversations",
                json!({"department": department, "client_msg_id": "m-2", "text": "вопрос"}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("wrong_audience")),
            "{department}: {body}"
        );
    }
    let (_, mine) = app.get(&seller, "/api/v1/conversations").await;
    assert_eq!(
        listed_ids(&mine, "conversations"),
        std::slice::from_ref(&sellers_conversation)
    );
    let (_, mine) = app.get(&buyer, "/api/v1/conversations").await;
    assert_eq!(
        listed_ids(&mine, "conversations"),
        std::slice::from_ref(&bought)
    );
    let (status, _) = app
        .get(
            &buyer,
            &format!("/api/v1/conversations/{sellers_conversation}"),
        )
        .await;
    assert_eq!(status, 404, "the buyer account does not read the seller's");

    let sellers_desk = app
        .operator("desk@sellers", Role::Operator, &["sellers"])
        .await;
    let (_, queue) = app.get(&sellers_desk, "/api/v1/conversations").await;
    assert_eq!(listed_ids(&queue, "conversations"), [sellers_conversation]);
    let marketplace_desk = app
        .operator("desk@marketplace", Role::Operator, &["marketplace"])
        .await;
    let (_, queue) = app.get(&marketplace_desk, "/api/v1/conversations").await;
    assert_eq!(listed_ids(&queue, "conversations"), [bought]);

    let unknown = customer_token_with("43", |c| c.role = Some("admin".into()));
    let (status, body) = app.get(&unknown, "/api/v1/conversations").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("invalid_token")),
        "{body}"
    );
    let forged = customer_token_with("seller:43", |_| {});
    let (status, _) = app.get(&forged, "/api/v1/conversations").await;
    assert_eq!(
        status, 401,
        "Hotline's seller ids cannot be claimed as a sub"
    );
}
