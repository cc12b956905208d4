//! Read receipts through the real server: each side in its own numbering,
//! marks that never move back, the other side told over the WebSocket.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn each_side_reads_in_its_own_numbering_and_the_other_side_hears_it() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let petr = app.customer_token("petr");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let id = app.start(&ivan, "travel", "Где мой возврат?").await;
    let (status, _) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{id}/messages"),
            json!({"text": "заметка", "client_msg_id": "note", "internal": true}),
        )
        .await;
    assert_eq!(status, 201);
    // seq 3 for operators, 2 for the customer.
    app.send(&anna, &id, "Возврат уже в пути").await;

    let mut anna_ws = app.ws(&anna, "").await;
    let mut ivan_ws = app.ws(&ivan, "").await;
    until_caught_up(&mut anna_ws).await;
    until_caught_up(&mut ivan_ws).await;
    let read = format!("/api/v1/conversations/{id}/read");

    let (status, body) = app.post(&ivan, &read, json!({"seq": 3})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("read_beyond_last")),
        "{body}"
    );
    let (status, body) = app.post(&ivan, &read, json!({"seq": 2})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"conversation_id": id, "customer_read_seq": 2, "operators_read_seq": 0, "my_read_seq": 2})
    );
    let heard = next_frame(&mut anna_ws).await;
    assert_eq!(heard["type"], "messages.read");
    assert_eq!(
        heard["data"],
        json!({"conversation_id": id, "reader": "customer", "seq": 3, "public_seq": 2}),
        "operators get their own numbering and the customer's"
    );

    // Lower or equal: nothing changes, nobody is told.
    let (status, body) = app.post(&ivan, &read, json!({"seq": 1})).await;
    assert_eq!((status, body["customer_read_seq"].as_u64()), (200, Some(2)));
    assert_eq!(
        silent_for(&mut anna_ws, Duration::from_millis(300)).await,
        None
    );

    let (status, body) = app.post(&anna, &read, json!({"seq": 3})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["customer_read_seq"].as_u64(),
            body["operators_read_seq"].as_u64()
        ),
        (Some(3), Some(3))
    );
    let mut ivan_heard = None;
    for _ in 0..3 {
        let frame = next_frame(&mut ivan_ws).await;
        if frame["type"] == "messages.read" && frame["data"]["reader"] == "operators" {
            ivan_heard = Some(frame);
            break;
        }
    }
    let ivan_heard = ivan_heard.expect("the customer hears the operators' read");
    assert_eq!(
        ivan_heard["data"],
        json!({"conversation_id": id, "reader": "operators", "seq": 2}),
        "in the customer's numbering, nothing about notes"
    );
    let (status, body) = app.get(&ivan, &read).await;
    assert_eq!(
        (
            status,
            body["customer_read_seq"].as_u64(),
            body["operators_read_seq"].as_u64()
        ),
        (200, Some(2), Some(2))
    );

    // Strangers, nonsense and a missing conversation change nothing.
    let (status, _) = app.post(&petr, &read, json!({"seq": 1})).await;
    assert_eq!(status, 404);
    let (status, _) = app.get(&petr, &read).await;
    assert_eq!(status, 404);
    let (status, body) = app.post(&ivan, &read, json!({"seq": -1})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field"))
    );
    let (status, _) = app
        .post(&ivan, "/api/v1/conversations/nope/read", json!({"seq": 1}))
        .await;
    assert_eq!(status, 404);
    let (_, body) = app.get(&anna, &read).await;
    assert_eq!(
        (
            body["customer_read_seq"].as_u64(),
            body["operators_read_seq"].as_u64()
        ),
        (Some(3), Some(3))
    );

    let (_, doc) = app.get("", "/api/openapi.json").await;
    let documented = &doc["paths"]["/api/v1/conversations/{id}/read"];
    assert!(documented["get"].is_object() && documented["post"].is_object());
}

#[tokio::test]
async fn lists_show_the_last_message_and_each_readers_unread_count() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let sveta = app
        .operator("sveta@example.com", Role::Supervisor, &["travel"])
        .await;
    let id = app.start(&ivan, "travel", "Где мой возврат?").await;
    app.send(&anna, &id, "Проверяю").await;
    app.send(&ivan, &id, "Карта 4276 3800 1200 0001, верните на неё")
        .await;
    let listed = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let (status, body) = app.get(&token, "/api/v1/conversations").await;
            assert_eq!(status, 200, "{body}");
            body["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id.as_str())
                .cloned()
                .expect("the conversation is listed")
        }
    };

    let seen = listed(anna.clone()).await;
    assert_eq!(seen["unread"], 2, "{seen}");
    let last = &seen["last_message"];
    assert_eq!(
        (last["seq"].as_i64(), last["author"]["kind"].as_str()),
        (Some(3), Some("customer"))
    );
    let text = last["text"].as_str().unwrap();
    assert!(
        text.contains("•••• 0001") && !text.contains("3800"),
        "masked: {text}"
    );
    assert_eq!(listed(ivan.clone()).await["unread"], 1, "Anna's reply");

    // The supervisor reads it all; Anna still has two to read.
    let read = format!("/api/v1/conversations/{id}/read");
    let (status, body) = app.post(&sveta, &read, json!({"seq": 3})).await;
    assert_eq!(
        (status, body["my_read_seq"].as_u64()),
        (200, Some(3)),
        "{body}"
    );
    assert_eq!(listed(sveta.clone()).await["unread"], 0);
    assert_eq!(listed(anna.clone()).await["unread"], 2);
    let (_, body) = app.get(&anna, &read).await;
    assert_eq!(
        (
            body["operators_read_seq"].as_u64(),
            body["my_read_seq"].as_u64()
        ),
        (Some(3), Some(0))
    );
    let (status, body) = app.post(&anna, &read, json!({"seq": 3})).await;
    assert_eq!(
        (status, body["my_read_seq"].as_u64()),
        (200, Some(3)),
        "{body}"
    );
    assert_eq!(listed(anna.clone()).await["unread"], 0);

    // A long message is cut in the list, whole in the history.
    let long = "Очень длинная история. ".repeat(20);
    app.send(&ivan, &id, &long).await;
    let seen = listed(anna.clone()).await;
    let last = &seen["last_message"];
    assert_eq!(last["truncated"], true);
    assert_eq!(last["text"].as_str().unwrap().chars().count(), 160);
    assert_eq!(seen["unread"], 1);
}
