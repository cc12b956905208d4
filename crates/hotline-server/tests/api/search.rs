//! Operators search conversations through the real server: their
//! departments only, by name, order and words, audited in the bank.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};

/// (conversation id, matched message's seq) of each hit.
fn hits(body: &Value) -> Vec<(String, Option<i64>)> {
    body["conversations"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["matched_message"]["seq"].as_i64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn operators_find_conversations_of_their_departments() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let travel = app
        .start(&ivan, "travel", "Где мой возврат за билет?")
        .await;
    let bank = app
        .start(
            &ivan,
            "bank",
            "Возврат по карте 4276 3800 1200 0001 не пришёл",
        )
        .await;
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let sveta = app
        .operator("sveta@example.com", Role::Supervisor, &["travel", "bank"])
        .await;
    let search = |token: String, q: &str| {
        let app = &app;
        let path = format!("/api/v1/search/conversations?q={}", urlencoding(q));
        async move { app.get(&token, &path).await }
    };

    let (status, body) = search(anna.clone(), "возвр").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        hits(&body),
        [(travel.clone(), Some(1))],
        "Anna's department only"
    );
    let (_, body) = search(sveta.clone(), "возврат").await;
    assert_eq!(
        hits(&body),
        [(bank.clone(), Some(1)), (travel.clone(), Some(1))],
        "latest first"
    );
    // Found by the customer's name; the card stays masked, and the raw
    // number finds nothing (it is not stored).
    let (_, body) = search(sveta.clone(), "Клиент ivan").await;
    assert_eq!(hits(&body).len(), 2, "{body}");
    let (_, body) = search(sveta.clone(), "4276 3800").await;
    assert_eq!(hits(&body), []);
    let (_, body) = search(sveta.clone(), "0001 карте").await;
    let text = body["conversations"][0]["matched_message"]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(text.contains("•••• 0001"), "{text}");

    // The supervisor's searches that showed bank conversations are audited.
    let entries = app.state.store.audit_entries(0, 500).await.unwrap();
    let searched: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "conversations.listed" && e.details["purpose"] == "search")
        .collect();
    assert_eq!(searched.len(), 3, "{searched:?}");
    assert_eq!(searched[0].details["conversations"], json!([bank]));
    assert_eq!(searched[0].details["query"], json!(["возврат"]));

    // Customers do not search; nonsense is a clear error.
    let (status, body) = search(ivan.clone(), "возврат").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    for q in ["", "  --  ", &"я".repeat(201)] {
        let (status, body) = search(anna.clone(), q).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_query")),
            "{q:?}: {body}"
        );
    }
    let (status, _) = app
        .get(&anna, "/api/v1/search/conversations?q=x&limit=0")
        .await;
    assert_eq!(status, 400);
    let (status, _) = app.get(&anna, "/api/v1/search/conversations").await;
    assert_eq!(status, 400, "q is required");
}

fn urlencoding(raw: &str) -> String {
    let mut url = reqwest::Url::parse("http://hotline/").unwrap();
    url.query_pairs_mut().append_pair("q", raw);
    url.query().unwrap().trim_start_matches("q=").to_owned()
}
