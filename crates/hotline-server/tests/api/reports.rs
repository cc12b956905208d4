//! The supervisors' summary over a seeded history: known conversations
//! give known numbers, in JSON and in CSV.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::json;

#[tokio::test]
async fn a_seeded_history_gives_known_numbers_in_json_and_csv() {
    let app = TestApp::spawn().await;
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let boss = app
        .operator("boss@example.com", Role::Supervisor, &["travel"])
        .await;
    // Three travel conversations: two answered and resolved (rated 5 and
    // 2), one still waiting; a bank one the supervisor does not serve.
    let mut ids = Vec::new();
    for (n, sub) in ["r1", "r2", "r3"].iter().enumerate() {
        let id = app
            .start(&app.customer_token(sub), "travel", &format!("Вопрос {n}"))
            .await;
        ids.push(id);
    }
    app.start(&app.customer_token("r4"), "bank", "Карта").await;
    for (id, sub, score) in [(&ids[0], "r1", 5), (&ids[1], "r2", 2)] {
        let (status, _) = app
            .post(
                &anna,
                &format!("/api/v1/conversations/{id}/assign"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        app.send(&anna, id, "Здравствуйте, помогу").await;
        let (status, _) = app
            .post(
                &anna,
                &format!("/api/v1/conversations/{id}/resolve"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = app
            .post(
                &app.customer_token(sub),
                &format!("/api/v1/conversations/{id}/rating"),
                json!({"score": score}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+3))
        .date();
    // From yesterday, so that a run across midnight still covers them all.
    let yesterday = today.previous_day().unwrap();
    let path = format!("/api/v1/reports/summary?from={yesterday}&to={today}");

    let (status, report) = app.get(&boss, &path).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["conversations_opened"], 3, "{report}");
    assert_eq!(report["conversations_resolved"], 2);
    assert_eq!(report["bot_only_resolved"], 0);
    assert_eq!(report["first_response_seconds"]["count"], 2);
    assert_eq!(report["resolution_seconds"]["count"], 2);
    assert_eq!(report["sla_breached"], 0);
    assert_eq!(
        report["csat"],
        json!({"count": 2, "average": 3.5, "satisfied_share": 0.5})
    );
    let by_hour: u64 = report["by_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_hour, 3);

    // Per operator: anna had two of them.
    let (_, mine) = app
        .get(
            &boss,
            &format!("{path}&operator_id={}", operator_id(&app, &anna).await),
        )
        .await;
    assert_eq!(mine["conversations_opened"], 2, "{mine}");

    // The same numbers as CSV.
    let csv = app
        .http
        .get(app.url(&path))
        .bearer_auth(&boss)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    for line in [
        "metric,value",
        "conversations_opened,3",
        "conversations_resolved,2",
        "csat_average,3.5",
        "csat_satisfied_share,0.5",
    ] {
        assert!(csv.lines().any(|l| l == line), "{line} in\n{csv}");
    }

    // Who may ask, and for what.
    let (status, body) = app.get(&anna, &path).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, _) = app.get(&app.customer_token("r1"), &path).await;
    assert_eq!(status, 403);
    let (status, _) = app.get(&boss, &format!("{path}&department=bank")).await;
    assert_eq!(status, 403);
    for bad in [
        format!("/api/v1/reports/summary?from=yesterday&to={today}"),
        format!("/api/v1/reports/summary?from={today}&to={today}&tz=Moscow"),
        "/api/v1/reports/summary?from=2026-12-02&to=2026-11-01".to_owned(),
        "/api/v1/reports/summary?from=2020-01-01&to=2026-01-01".to_owned(),
    ] {
        let (status, body) = app.get(&boss, &bad).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_query")),
            "{bad}"
        );
    }
}

async fn operator_id(app: &TestApp, token: &str) -> String {
    let (_, me) = app.get(token, "/api/v1/me").await;
    me["operator"]["id"]
        .as_str()
        .or(me["id"].as_str())
        .unwrap()
        .to_owned()
}
