//! «Оцените, пожалуйста, помощь»: a customer rates a resolved conversation
//! once; operators see it on the conversation.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::json;

#[tokio::test]
async fn a_customer_rates_a_resolved_conversation_once() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let petr = app.customer_token("petr");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let id = app.start(&ivan, "travel", "Потеряли чемодан").await;
    let rating = format!("/api/v1/conversations/{id}/rating");

    // Not before it is resolved.
    let (status, body) = app.post(&ivan, &rating, json!({"score": 5})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_transition")),
        "{body}"
    );
    let (status, _) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{id}/assign"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{id}/resolve"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);

    // Bad input changes nothing, and only the customer rates.
    for (token, body, expected, code) in [
        (&ivan, json!({"score": 0}), 422, "out_of_range"),
        (&ivan, json!({"score": 6}), 422, "out_of_range"),
        (&ivan, json!({"score": "5"}), 422, "invalid_field"),
        (
            &ivan,
            json!({"score": 4, "comment": "я".repeat(2001)}),
            422,
            "too_long",
        ),
        (&petr, json!({"score": 1}), 404, "not_found"),
        (&anna, json!({"score": 5}), 403, "forbidden"),
    ] {
        let (status, answer) = app.post(token, &rating, body.clone()).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (expected, Some(code)),
            "{body}: {answer}"
        );
    }
    let (_, unrated) = app.get(&anna, &format!("/api/v1/conversations/{id}")).await;
    assert!(unrated.get("rating").is_none(), "{unrated}");

    // A card number in the comment is masked like in any message.
    let (status, rated) = app
        .post(
            &ivan,
            &rating,
            json!({"score": 4, "comment": "Нашли чемодан. Моя карта 4111 1111 1111 1111"}),
        )
        .await;
    assert_eq!(status, 201, "{rated}");
    assert_eq!(rated["rating"]["score"], 4);
    let comment = rated["rating"]["comment"].as_str().unwrap();
    assert!(comment.starts_with("Нашли чемодан."), "{comment}");
    assert!(!comment.contains("4111 1111"), "{comment}");

    // The operator sees it on the conversation.
    let (_, seen) = app.get(&anna, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(seen["rating"], rated["rating"]);

    // Once.
    let (status, body) = app.post(&ivan, &rating, json!({"score": 1})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("already_rated"))
    );
    let (_, seen) = app.get(&ivan, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(seen["rating"]["score"], 4);
}
