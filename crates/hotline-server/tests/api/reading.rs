//! The one door for reading a conversation (`App::open_conversation`): every
//! path that shows a bank conversation or what hangs on it asks a customer
//! for a fresh second factor and records operators' reads in the audit log.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn upload_statement(app: &TestApp, token: &str) -> String {
    let (status, body) = upload(app, token, "выписка.pdf", PDF).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn download(app: &TestApp, token: &str, attachment: &str) -> (u16, Vec<u8>) {
    let response = app
        .http
        .get(app.url(&format!("/api/v1/attachments/{attachment}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// A bank conversation whose first message carries a file; returns the
/// conversation's and the file's ids.
async fn bank_conversation_with_file(app: &TestApp, customer: &str) -> (String, String) {
    let attachment = upload_statement(app, customer).await;
    let (status, body) = app
        .post(
            customer,
            "/api/v1/conversations",
            json!({"department": "bank", "text": "Выписка во вложении", "client_msg_id": "first",
                   "attachment_ids": [attachment]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (body["id"].as_str().unwrap().to_owned(), attachment)
}

fn stale_token(sub: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    customer_token_with(sub, |c| c.auth_time = Some(now - 3600))
}

#[tokio::test]
async fn every_read_of_a_bank_conversation_needs_a_fresh_second_factor() {
    let app = TestApp::spawn().await;
    let fresh = app.customer_token("ivan");
    let (conversation, attachment) = bank_conversation_with_file(&app, &fresh).await;
    let stale = stale_token("ivan");

    let (status, body) = download(&app, &fresh, &attachment).await;
    assert_eq!((status, body.as_slice()), (200, PDF));
    let (status, _) = download(&app, &stale, &attachment).await;
    assert_eq!(
        status, 403,
        "the file of a bank conversation, without step-up"
    );

    for path in [
        format!("/api/v1/conversations/{conversation}"),
        format!("/api/v1/conversations/{conversation}/messages"),
        format!("/api/v1/conversations/{conversation}/read"),
    ] {
        let (status, body) = app.get(&stale, &path).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("step_up_required")),
            "{path}"
        );
        let (status, body) = app.get(&fresh, &path).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, body) = app
        .post(
            &stale,
            &format!("/api/v1/conversations/{conversation}/read"),
            json!({"seq": 1}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("step_up_required"))
    );

    // Nor is the conversation listed to the stale login; other departments are.
    app.start(&stale, "travel", "Вопрос по бронированию").await;
    let (_, listed) = app.get(&stale, "/api/v1/conversations").await;
    let departments: Vec<&str> = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["department"].as_str().unwrap())
        .collect();
    assert_eq!(departments, ["travel"]);
    let (_, listed) = app.get(&fresh, "/api/v1/conversations").await;
    assert_eq!(listed["conversations"].as_array().unwrap().len(), 2);
}

/// The `conversation.read` entries of the audit log, as (target, purpose).
async fn audited_reads(app: &TestApp) -> Vec<(String, String)> {
    let entries = app.state.store.audit_entries(0, 500).await.unwrap();
    entries
        .into_iter()
        .filter(|e| e.action == "conversation.read")
        .map(|e| {
            (
                e.target.unwrap_or_default(),
                e.details["purpose"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn operators_reads_of_bank_files_and_customer_context_are_audited() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("ivan");
    let (conversation, attachment) = bank_conversation_with_file(&app, &customer).await;
    let operator = app
        .operator("bank@example.com", Role::Operator, &["bank", "travel"])
        .await;
    assert!(audited_reads(&app).await.is_empty());

    let (status, _) = download(&app, &operator, &attachment).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .get(
            &operator,
            &format!("/api/v1/conversations/{conversation}/customer"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .get(
            &operator,
            &format!("/api/v1/conversations/{conversation}/read"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        audited_reads(&app).await,
        [
            (conversation.clone(), "attachment".to_owned()),
            (conversation.clone(), "customer_context".to_owned()),
            (conversation.clone(), "read_marks".to_owned()),
        ]
    );

    // Reads outside the step-up departments are not audited.
    let travel = app
        .start(&customer, "travel", "Вопрос по бронированию")
        .await;
    let (status, _): (u16, Value) = app
        .get(
            &operator,
            &format!("/api/v1/conversations/{travel}/customer"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(audited_reads(&app).await.len(), 3);
}
