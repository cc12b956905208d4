//! Queues over HTTP: presence, automatic assignment, places, duplicates,
//! transfers, live stats and presence from the console's connection.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};
use std::time::Duration;

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = app
        .http
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    split(response).await
}

async fn start_body(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    app.post(token, "/api/v1/conversations", body).await
}

#[tokio::test]
async fn presence_assigns_places_queue_and_reports_live() {
    // A department of its own: the metrics recorder is shared by every
    // server in this test binary.
    let app = TestApp::spawn_with(|s| {
        s.queues.sweep_seconds = 1;
        s.departments.push(hotline_domain::Department {
            id: hotline_domain::DepartmentId::parse("insurance".into()).unwrap(),
            name: "Страхование".into(),
            topics: vec![],
            bot: false,
            channels: None,
            audience: Default::default(),
        });
    })
    .await;
    let anna = app
        .operator("anna@bank", Role::Operator, &["insurance"])
        .await;
    let boss = app
        .operator("boss@bank", Role::Supervisor, &["insurance"])
        .await;
    let ivan = app.customer_token("ivan");

    for (body, code) in [
        (json!({"capacity": 0}), "invalid_capacity"),
        (json!({}), "nothing_to_change"),
    ] {
        let (status, error) = put(&app, &anna, "/api/v1/operators/me/presence", body).await;
        assert_eq!((status, error["error"]["code"].as_str()), (422, Some(code)));
    }
    let (status, _) = put(
        &app,
        &anna,
        "/api/v1/operators/me/presence",
        json!({"presence": "busy"}),
    )
    .await;
    assert_eq!(status, 422, "an unknown presence is refused");
    let (status, _) = put(
        &app,
        &ivan,
        "/api/v1/operators/me/presence",
        json!({"presence": "online"}),
    )
    .await;
    assert_eq!(status, 403);

    let id = app.start(&ivan, "insurance", "Как закрыть вклад?").await;
    let (_, queued) = app.get(&ivan, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(queued["status"], "queued", "nobody online yet");
    assert_eq!(queued["queue"]["position"], 1);
    assert!(queued["queue"]["estimated_wait_seconds"].as_u64().unwrap() > 0);

    let (status, me) = put(
        &app,
        &anna,
        "/api/v1/operators/me/presence",
        json!({"presence": "online", "capacity": 2}),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (
            me["presence"].as_str(),
            me["capacity"].as_u64(),
            me["load"].as_u64()
        ),
        (Some("online"), Some(2), Some(1))
    );
    let (_, assigned) = app.get(&ivan, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(
        (assigned["status"].as_str(), assigned.get("queue")),
        (Some("assigned"), None)
    );

    let (_, second) = start_body(
        &app,
        &app.customer_token("petr"),
        json!({"department": "insurance", "text": "Карта не работает", "client_msg_id": "p"}),
    )
    .await;
    assert_eq!(second["status"], "assigned", "anna still has room");
    let (_, third) = start_body(
        &app,
        &app.customer_token("olga"),
        json!({"department": "insurance", "text": "Как оформить кредит?", "client_msg_id": "o"}),
    )
    .await;
    assert_eq!(
        (
            third["status"].as_str(),
            third["queue"]["position"].as_u64()
        ),
        (Some("queued"), Some(1))
    );

    let (status, _) = app.get(&anna, "/api/v1/stats/live").await;
    assert_eq!(status, 403, "supervisors only");
    let (status, live) = app.get(&boss, "/api/v1/stats/live").await;
    assert_eq!(status, 200, "{live}");
    let insurance = &live["departments"][0];
    assert_eq!(
        (
            insurance["department"].as_str(),
            insurance["queue_length"].as_u64(),
            insurance["operators_online"].as_u64()
        ),
        (Some("insurance"), Some(1), Some(1))
    );
    assert_eq!(insurance["operators"][0]["load"], 2);
    assert_eq!(
        insurance["mean_handle_seconds"], 600.0,
        "the documented fallback before any history"
    );

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hotline_queue_length{department=\"insurance\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("hotline_operators_online{department=\"insurance\"} 1"));
}

#[tokio::test]
async fn a_repeated_request_joins_the_open_conversation() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let first = json!({"department": "marketplace", "order_id": "A-1", "text": "Где заказ?", "client_msg_id": "a"});
    let (status, created) = start_body(&app, &ivan, first).await;
    assert_eq!(
        (status, created["joined_existing"].as_bool()),
        (201, Some(false))
    );
    let again = json!({"department": "marketplace", "order_id": "A-1", "text": "Так где же заказ?", "client_msg_id": "b"});
    let (status, joined) = start_body(&app, &ivan, again).await;
    assert_eq!(
        (status, joined["joined_existing"].as_bool()),
        (200, Some(true))
    );
    assert_eq!(joined["id"], created["id"]);
    assert_eq!(joined["message"]["seq"], 2);

    let mut tabs = Vec::new();
    for i in 0..5 {
        let http = app.http.clone();
        let url = app.url("/api/v1/conversations");
        let token = ivan.clone();
        tabs.push(tokio::spawn(async move {
            let body = json!({"department": "travel", "text": "Верните деньги за билет", "client_msg_id": format!("tab-{i}")});
            http.post(url).bearer_auth(token).json(&body).send().await.unwrap().json::<Value>().await.unwrap()["id"].clone()
        }));
    }
    let mut ids = Vec::new();
    for tab in tabs {
        ids.push(tab.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "five tabs, one conversation: {ids:?}");
    let (_, mine) = app.get(&ivan, "/api/v1/conversations").await;
    assert_eq!(mine["conversations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn transfer_moves_a_conversation_between_departments() {
    let app = TestApp::spawn().await;
    let anna = app.operator("anna@bank", Role::Operator, &["bank"]).await;
    let tom = app
        .operator("tom@travel", Role::Operator, &["travel"])
        .await;
    let ivan = app.customer_token("ivan");
    let id = app
        .start(&ivan, "bank", "Мили за покупки по карте не пришли")
        .await;
    let path = format!("/api/v1/conversations/{id}/transfer");
    let (status, error) = app
        .post(&anna, &path, json!({"department": "nowhere"}))
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (422, Some("unknown_department"))
    );
    let (status, _) = app
        .post(&ivan, &path, json!({"department": "travel"}))
        .await;
    assert_eq!(status, 403);
    let (status, _) = app.post(&tom, &path, json!({"department": "travel"})).await;
    assert_eq!(status, 404, "not his department's conversation");
    let (status, moved) = app
        .post(&anna, &path, json!({"department": "travel"}))
        .await;
    assert_eq!(
        (
            status,
            moved["department"].as_str(),
            moved["status"].as_str()
        ),
        (200, Some("travel"), Some("queued"))
    );
    let (status, _) = app
        .get(&tom, &format!("/api/v1/conversations/{id}/messages"))
        .await;
    assert_eq!(status, 200, "the new department reads the whole history");
    let (status, _) = app.get(&anna, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(status, 404, "the old one no longer does");
}

#[tokio::test]
async fn an_operator_whose_console_disconnects_goes_away() {
    let app = TestApp::spawn_with(|s| s.queues.away_grace_seconds = 1).await;
    let anna = app.operator("anna@bank", Role::Operator, &["bank"]).await;
    put(
        &app,
        &anna,
        "/api/v1/operators/me/presence",
        json!({"presence": "online"}),
    )
    .await;
    let ws = app.ws(&anna, "").await;
    drop(ws);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, me) = app.get(&anna, "/api/v1/operators/me/presence").await;
    assert_eq!(me["presence"], "online", "within the grace period");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, me) = app.get(&anna, "/api/v1/operators/me/presence").await;
    assert_eq!(me["presence"], "away");
    let id = app
        .start(&app.customer_token("ivan"), "bank", "Вопрос")
        .await;
    let (_, c) = app.get(&anna, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(c["status"], "queued", "an away operator takes nothing new");
    let _back = app.ws(&anna, "").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, me) = app.get(&anna, "/api/v1/operators/me/presence").await;
    assert_eq!(
        (me["presence"].as_str(), me["load"].as_u64()),
        (Some("online"), Some(1)),
        "back, and given the waiting one"
    );
}

#[tokio::test]
async fn operators_left_online_by_a_restart_go_away_unless_they_reconnect() {
    let app = TestApp::spawn_with(|s| s.queues.away_grace_seconds = 1).await;
    let anna = app.operator("anna@bank", Role::Operator, &["bank"]).await;
    let boris = app.operator("boris@bank", Role::Operator, &["bank"]).await;
    for token in [&anna, &boris] {
        put(
            &app,
            token,
            "/api/v1/operators/me/presence",
            json!({"presence": "online"}),
        )
        .await;
    }
    let dir = app.stop().await;
    let app = TestApp::spawn_in(dir, |s| s.queues.away_grace_seconds = 1).await;
    let _anna_console = app.ws(&anna, "").await;
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let (_, a) = app.get(&anna, "/api/v1/operators/me/presence").await;
    let (_, b) = app.get(&boris, "/api/v1/operators/me/presence").await;
    assert_eq!(
        (a["presence"].as_str(), b["presence"].as_str()),
        (Some("online"), Some("away"))
    );
}

#[tokio::test]
async fn a_vip_tier_is_served_before_an_older_normal_request() {
    let app = TestApp::spawn_with(|s| {
        s.queues
            .priorities
            .tiers
            .insert("vip".into(), hotline_domain::Priority::High);
    })
    .await;
    let anna = app
        .operator("anna@shop", Role::Operator, &["marketplace"])
        .await;
    let olga = app.customer_token("olga");
    let vera = customer_token_with("vera", |c| c.tier = Some("vip".into()));

    let older = app.start(&olga, "marketplace", "Где мой заказ?").await;
    let vip = app.start(&vera, "marketplace", "Где мой заказ?").await;
    let (_, queued) = app
        .get(&vera, &format!("/api/v1/conversations/{vip}"))
        .await;
    assert_eq!(
        (
            queued["status"].as_str(),
            queued["queue"]["position"].as_u64()
        ),
        (Some("queued"), Some(1)),
        "the vip request is ahead although it came later"
    );

    let (status, me) = put(
        &app,
        &anna,
        "/api/v1/operators/me/presence",
        json!({"presence": "online", "capacity": 1}),
    )
    .await;
    assert_eq!((status, me["load"].as_u64()), (200, Some(1)), "{me}");
    let (_, served) = app
        .get(&vera, &format!("/api/v1/conversations/{vip}"))
        .await;
    assert_eq!(served["status"], "assigned", "{served}");
    let (_, waiting) = app
        .get(&olga, &format!("/api/v1/conversations/{older}"))
        .await;
    assert_eq!(
        (
            waiting["status"].as_str(),
            waiting["queue"]["position"].as_u64()
        ),
        (Some("queued"), Some(1)),
        "{waiting}"
    );
}
