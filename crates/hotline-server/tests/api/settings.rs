//! The SLA policy changed in the console through the real server: it wins
//! over the file, survives a restart, is refused when it cannot be counted,
//! is audited, and goes back to the file's on reset.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::json;

#[tokio::test]
async fn an_administrator_changes_the_sla_policy_and_it_wins_over_the_file() {
    let app = TestApp::spawn().await;
    let admin = app.operator("root@shop", Role::Admin, &["travel"]).await;
    let boss = app
        .operator("boss@shop", Role::Supervisor, &["travel"])
        .await;
    let agent = app.operator("anna@shop", Role::Operator, &["travel"]).await;

    let (status, from_file) = app.get(&boss, "/api/v1/settings/sla").await;
    assert_eq!(status, 200, "{from_file}");
    assert_eq!(from_file["source"], "file");
    assert_eq!(from_file["policy"]["targets"]["first_response_minutes"], 15);
    let (status, _) = app.get(&agent, "/api/v1/settings/sla").await;
    assert_eq!(status, 403);

    let mut policy = from_file["policy"].clone();
    policy["targets"] = json!({"first_response_minutes": 10, "resolution_minutes": 480});
    policy["business_hours"] = json!({
        "utc_offset_hours": 3, "opens": "09:00", "closes": "21:00",
        "weekdays": [1, 2, 3, 4, 5, 6], "holidays": ["2026-12-31"], "russian_calendar": true
    });
    let (status, _) = app.put(&boss, "/api/v1/settings/sla", policy.clone()).await;
    assert_eq!(status, 403, "supervisors read, administrators change");
    for (field, bad) in [
        (
            "targets",
            json!({"first_response_minutes": 0, "resolution_minutes": 480}),
        ),
        (
            "targets",
            json!({"first_response_minutes": 600, "resolution_minutes": 480}),
        ),
        (
            "business_hours",
            json!({"opens": "21:00", "closes": "09:00"}),
        ),
        ("business_hours", json!({"holidays": ["31.12.2026"]})),
        ("departments", json!({"moon": {}})),
    ] {
        let mut wrong = policy.clone();
        wrong[field] = bad;
        let (status, refused) = app.put(&admin, "/api/v1/settings/sla", wrong).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (422, Some("invalid_setting")),
            "{refused}"
        );
    }
    let (status, _) = app.get(&boss, "/api/v1/settings/sla").await;
    assert_eq!(status, 200);

    let (status, saved) = app
        .put(&admin, "/api/v1/settings/sla", policy.clone())
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["source"], "console");
    assert_eq!(
        saved["policy"]["business_hours"]["holidays"],
        json!(["2026-12-31"])
    );
    assert!(saved["updated_at"].is_string());

    let (_, audit) = app.get(&admin, "/api/v1/audit?limit=500").await;
    let change = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "settings.changed")
        .expect("audited");
    assert_eq!(
        change["details"]["before"]["targets"]["first_response_minutes"],
        15
    );
    assert_eq!(
        change["details"]["after"]["targets"]["first_response_minutes"],
        10
    );

    // A restart keeps the console's policy over the file's.
    let dir = app.stop().await;
    let again = TestApp::spawn_in(dir, |_| {}).await;
    let admin = again.operator("root2@shop", Role::Admin, &["travel"]).await;
    let (_, kept) = again.get(&admin, "/api/v1/settings/sla").await;
    assert_eq!(kept["source"], "console", "{kept}");
    assert_eq!(kept["policy"]["targets"]["first_response_minutes"], 10);
    let (status, reset) = again.delete(&admin, "/api/v1/settings/sla").await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(
        (
            reset["source"].as_str(),
            reset["policy"]["targets"]["first_response_minutes"].as_u64()
        ),
        (Some("file"), Some(15))
    );
}
