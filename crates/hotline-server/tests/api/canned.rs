//! Canned replies changed over the API: the file's replies are the start,
//! the console's changes win over them at once, every change is audited,
//! and a reply that asks for a secret is refused.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};

fn titles(body: &Value, department: &str) -> Vec<String> {
    body["canned_replies"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|r| r["department"] == department)
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn supervisors_change_canned_replies_without_a_restart() {
    let app = TestApp::spawn().await;
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let sveta = app
        .operator("sveta@example.com", Role::Supervisor, &["travel"])
        .await;
    let (status, body) = app.get(&anna, "/api/v1/canned-replies").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(titles(&body, "travel"), ["Приветствие", "Проверяем бронь"]);
    assert_eq!(
        titles(&body, "bank"),
        Vec::<String>::new(),
        "not Anna's department"
    );
    let greeting = body["canned_replies"][0].clone();
    assert_eq!(greeting["source"], "file");

    // The supervisor adds one; Anna has it at once.
    let (status, added) = app
        .post(
            &sveta,
            "/api/v1/canned-replies",
            json!({"department": "travel", "title": "Багаж", "text": "Норма багажа указана в маршрутной квитанции, {{customer.name}}."}),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["source"], "console");
    let (_, body) = app.get(&anna, "/api/v1/canned-replies").await;
    assert_eq!(
        titles(&body, "travel"),
        ["Багаж", "Приветствие", "Проверяем бронь"]
    );

    // The file's greeting, changed and then deleted: it stays deleted.
    let path = format!(
        "/api/v1/canned-replies/{}",
        greeting["id"].as_str().unwrap().replace(':', "%3A")
    );
    let (status, changed) = app
        .put(
            &sveta,
            &path,
            json!({"department": "travel", "title": "Приветствие", "text": "Добрый день! Я {{operator.name}}."}),
        )
        .await;
    assert_eq!(
        (status, changed["source"].as_str()),
        (200, Some("console")),
        "{changed}"
    );
    let (status, _) = app.delete(&sveta, &path).await;
    assert_eq!(status, 204);
    let (_, body) = app.get(&anna, "/api/v1/canned-replies").await;
    assert_eq!(titles(&body, "travel"), ["Багаж", "Проверяем бронь"]);
    let (status, _) = app.delete(&sveta, &path).await;
    assert_eq!(status, 404, "gone");

    // Refused: operators, other departments, secrets, look-alike links, nonsense.
    let reply = |department: &str, text: &str| json!({"department": department, "title": "Проверка", "text": text});
    let (status, _) = app
        .post(
            &anna,
            "/api/v1/canned-replies",
            reply("travel", "Добрый день"),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .post(
            &sveta,
            "/api/v1/canned-replies",
            reply("bank", "Добрый день"),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = app
        .post(
            &sveta,
            "/api/v1/canned-replies",
            reply(
                "travel",
                "Назовите, пожалуйста, код из СМС для подтверждения",
            ),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("secret_request_blocked")),
        "{body}"
    );
    let (status, body) = app
        .post(&sveta, "/api/v1/canned-replies", reply("travel", "  "))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field")),
        "{body}"
    );
    let (status, body) = app
        .post(
            &sveta,
            "/api/v1/canned-replies",
            reply("nowhere", "Добрый день"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("unknown_department")),
        "{body}"
    );
    let (_, body) = app.get(&anna, "/api/v1/canned-replies").await;
    assert_eq!(
        titles(&body, "travel"),
        ["Багаж", "Проверяем бронь"],
        "nothing changed"
    );

    // Who, what, before and after.
    let entries = app.state.store.audit_entries(0, 500).await.unwrap();
    let changes: Vec<&hotline_store::AuditEntry> = entries
        .iter()
        .filter(|e| e.action.starts_with("canned_reply."))
        .collect();
    assert_eq!(
        changes
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        [
            "canned_reply.saved",
            "canned_reply.saved",
            "canned_reply.deleted"
        ]
    );
    assert_eq!(changes[0].details["before"], Value::Null);
    assert_eq!(changes[1].details["before"]["source"], "file");
    assert_eq!(
        changes[1].details["after"]["text"],
        "Добрый день! Я {{operator.name}}."
    );
    assert!(changes.iter().all(|e| e.actor_kind == "operator"));
}
