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

#[tokio::test]
async fn a_departments_topics_changed_in_the_console_are_offered_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.operator("root@shop", Role::Admin, &["travel"]).await;
    let boss = app
        .operator("boss@shop", Role::Supervisor, &["travel"])
        .await;
    let ivan = app.customer_token("ivan");
    let topics_of = |departments: &serde_json::Value| -> Vec<String> {
        departments
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == "travel")
            .unwrap()["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, listed) = app.get(&ivan, "/api/v1/departments").await;
    let from_file = topics_of(&listed["departments"]);
    assert!(from_file.contains(&"baggage".to_owned()), "{from_file:?}");

    let path = "/api/v1/settings/topics/travel";
    let new = json!({"topics": [{"id": "pets", "name": "Животные в поездке"}, {"id": "baggage", "name": "Багаж"}]});
    let (status, _) = app.put(&boss, path, new.clone()).await;
    assert_eq!(status, 403);
    for bad in [
        json!({"topics": [{"id": "Pets!", "name": "Животные"}]}),
        json!({"topics": [{"id": "pets", "name": " "}]}),
        json!({"topics": [{"id": "pets", "name": "А"}, {"id": "pets", "name": "Б"}]}),
    ] {
        let (status, refused) = app.put(&admin, path, bad.clone()).await;
        assert_eq!(status, 422, "{bad} → {refused}");
    }
    let (status, _) = app
        .put(&admin, "/api/v1/settings/topics/moon", new.clone())
        .await;
    assert_eq!(status, 422);

    let (status, saved) = app.put(&admin, path, new).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["source"], "console");
    let (_, listed) = app.get(&ivan, "/api/v1/departments").await;
    assert_eq!(topics_of(&listed["departments"]), ["pets", "baggage"]);
    let start = |topic: &str| {
        json!({"department": "travel", "topic": topic, "text": "Можно с котом?",
               "client_msg_id": format!("start-{topic}")})
    };
    let (status, started) = app
        .post(&ivan, "/api/v1/conversations", start("pets"))
        .await;
    assert_eq!(status, 201, "{started}");
    let removed = from_file.iter().find(|t| *t != "baggage").unwrap();
    let (status, refused) = app
        .post(&ivan, "/api/v1/conversations", start(removed))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("unknown_topic")),
        "{refused}"
    );

    let (_, seen) = app.get(&boss, "/api/v1/settings/topics").await;
    let travel = seen["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "travel")
        .unwrap()
        .clone();
    assert_eq!(travel["source"], "console");

    let (status, reset) = app.delete(&admin, path).await;
    assert_eq!((status, reset["source"].as_str()), (200, Some("file")));
    let (_, listed) = app.get(&ivan, "/api/v1/departments").await;
    assert_eq!(topics_of(&listed["departments"]), from_file);
    let (_, audit) = app.get(&admin, "/api/v1/audit?limit=500").await;
    let targets: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("settings."))
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["departments.travel.topics", "departments.travel.topics"]
    );
}
