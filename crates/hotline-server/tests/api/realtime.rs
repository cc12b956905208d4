use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn operators_and_customers_receive_what_they_may_see_live() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let petr = app.customer_token("petr");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let bank = app
        .operator("bank@example.com", Role::Operator, &["bank"])
        .await;

    let mut anna_ws = app.ws(&anna, "").await;
    let mut ivan_ws = app.ws(&ivan, "").await;
    let mut petr_ws = app.ws(&petr, "").await;
    let mut bank_ws = app.ws(&bank, "").await;
    for ws in [&mut anna_ws, &mut ivan_ws, &mut petr_ws, &mut bank_ws] {
        let (missed, _) = until_caught_up(ws).await;
        assert!(missed.is_empty(), "a fresh connection starts at now");
    }

    let id = app.start(&ivan, "travel", "Не начислили мили").await;
    let created = next_frame(&mut anna_ws).await;
    assert_eq!(
        (created["type"].as_str(), created["data"]["id"].as_str()),
        (Some("conversation.created"), Some(id.as_str()))
    );
    let first = next_frame(&mut anna_ws).await;
    assert_eq!(
        (first["type"].as_str(), first["data"]["text"].as_str()),
        (Some("message.created"), Some("Не начислили мили"))
    );
    assert!(first["cursor"].is_string());

    app.post(
        &anna,
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"text": "заметка", "client_msg_id": "n", "internal": true}),
    )
    .await;
    app.send(&anna, &id, "Проверим и начислим").await;

    let mut ivan_saw = Vec::new();
    for _ in 0..5 {
        ivan_saw.push(next_frame(&mut ivan_ws).await);
    }
    let kinds: Vec<&str> = ivan_saw
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "conversation.created",
            "message.created",
            "queue.updated",
            "message.created",
            "conversation.updated"
        ]
    );
    assert_eq!(ivan_saw[2]["data"]["position"], 1, "first in the queue");
    assert_eq!(
        ivan_saw[3]["data"]["text"], "Проверим и начислим",
        "the note was skipped"
    );
    assert_eq!(
        ivan_saw[3]["data"]["seq"], 2,
        "and leaves no gap in the customer's numbering"
    );
    assert_eq!(ivan_saw[4]["data"]["last_seq"], 2);
    assert!(!ivan_saw.iter().any(|f| f.to_string().contains("заметка")));
    assert_eq!(
        silent_for(&mut ivan_ws, Duration::from_millis(300)).await,
        None
    );

    assert_eq!(
        silent_for(&mut petr_ws, Duration::from_millis(300)).await,
        None,
        "another customer sees nothing"
    );
    assert_eq!(
        silent_for(&mut bank_ws, Duration::from_millis(300)).await,
        None,
        "another department sees nothing"
    );

    send_ws(
        &mut ivan_ws,
        json!({"type": "typing", "conversation_id": id}),
    )
    .await;
    let mut anna_frames = Vec::new();
    loop {
        let frame = next_frame(&mut anna_ws).await;
        if frame["type"] == "typing" {
            assert_eq!(frame["data"]["author"]["kind"], "customer");
            break;
        }
        anna_frames.push(frame);
    }
    send_ws(
        &mut petr_ws,
        json!({"type": "typing", "conversation_id": id}),
    )
    .await;
    assert_eq!(
        next_frame(&mut petr_ws).await["code"],
        "not_found",
        "no typing into others' conversations"
    );
    // Typing into unknown conversations is answered a bounded number of times.
    for n in 0..40 {
        send_ws(
            &mut petr_ws,
            json!({"type": "typing", "conversation_id": format!("nope-{n}")}),
        )
        .await;
    }
    let mut refusals = 0;
    while let Some(frame) = silent_for(&mut petr_ws, Duration::from_millis(300)).await {
        assert_eq!(frame["code"], "not_found");
        refusals += 1;
    }
    assert!(
        refusals < 20,
        "each socket's typing lookups are limited ({refusals})"
    );
    send_ws(&mut petr_ws, json!({"type": "dance"})).await;
    assert_eq!(next_frame(&mut petr_ws).await["code"], "invalid_message");
    send_ws(&mut petr_ws, json!({"type": "ping"})).await;
    assert_eq!(next_frame(&mut petr_ws).await["type"], "pong");
}

/// Writers keep writing while a reader disconnects and resumes several times
/// from its last cursor: it must see every event once, in order.
#[tokio::test]
async fn resume_by_cursor_misses_nothing_and_repeats_nothing_under_concurrent_writers() {
    let app = TestApp::spawn().await;
    let anna = app
        .operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let customers: Vec<String> = (0..6)
        .map(|i| app.customer_token(&format!("c{i}")))
        .collect();
    let mut ws = app.ws(&anna, "").await;
    let (_, mut cursor) = until_caught_up(&mut ws).await;

    let writers: Vec<_> = customers
        .iter()
        .cloned()
        .map(|token| {
            let http = app.http.clone();
            let base = app.url("");
            tokio::spawn(async move {
                let start =
                    json!({"department": "marketplace", "text": "start", "client_msg_id": "s"});
                let r: Value = http
                    .post(format!("{base}/api/v1/conversations"))
                    .bearer_auth(&token)
                    .json(&start)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let id = r["id"].as_str().unwrap().to_owned();
                let mut sent = vec![format!("{id}/s")];
                for i in 0..40 {
                    let body = json!({"text": format!("m{i}"), "client_msg_id": format!("m{i}")});
                    let response = http
                        .post(format!("{base}/api/v1/conversations/{id}/messages"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 201);
                    sent.push(format!("{id}/m{i}"));
                }
                sent
            })
        })
        .collect();

    let mut seen: Vec<String> = Vec::new();
    let mut positions: Vec<u64> = Vec::new();
    let mut reconnects = 0;
    let position = |cursor: &str| cursor.rsplit('.').next().unwrap().parse::<u64>().unwrap();
    // `conversation/client_msg_id` of a message.created frame.
    let message_key = |frame: &Value| {
        (frame["type"] == "message.created").then(|| {
            let data = &frame["data"];
            format!(
                "{}/{}",
                data["conversation_id"].as_str().unwrap(),
                data["client_msg_id"].as_str().unwrap()
            )
        })
    };
    loop {
        // Read a few frames, then drop the connection abruptly and resume.
        for _ in 0..15 {
            match silent_for(&mut ws, Duration::from_millis(500)).await {
                Some(frame) => {
                    seen.extend(message_key(&frame));
                    if let Some(c) = frame["cursor"].as_str() {
                        positions.push(position(c));
                        cursor = c.to_owned();
                    }
                }
                None => break,
            }
        }
        if writers.iter().all(|w| w.is_finished())
            && silent_for(&mut ws, Duration::from_millis(300))
                .await
                .is_none()
        {
            break;
        }
        drop(ws);
        reconnects += 1;
        ws = app.ws(&anna, &format!("?after={cursor}")).await;
        let (missed, caught_up) = until_caught_up(&mut ws).await;
        for frame in missed {
            seen.extend(message_key(&frame));
            positions.push(position(frame["cursor"].as_str().unwrap()));
        }
        cursor = caught_up;
    }
    let mut expected = Vec::new();
    for w in writers {
        expected.extend(w.await.unwrap());
    }
    assert!(
        reconnects >= 3,
        "the test must really reconnect ({reconnects})"
    );
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "events arrive in order, never twice"
    );
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    let expected_set: HashSet<&String> = expected.iter().collect();
    assert_eq!(
        unique, expected_set,
        "every acknowledged message was delivered"
    );
}

#[tokio::test]
async fn bad_cursors_get_a_resync_answer_never_silence() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let id = app.start(&ivan, "bank", "Вопрос").await;
    let mut ws = app.ws(&ivan, "").await;
    let (_, cursor) = until_caught_up(&mut ws).await;
    let log = cursor.split('.').next().unwrap().to_owned();

    let mut future = app.ws(&ivan, &format!("?after={log}.999999")).await;
    let resync = next_frame(&mut future).await;
    assert_eq!(
        (resync["type"].as_str(), resync["reason"].as_str()),
        (Some("resync"), Some("cursor_from_future"))
    );
    assert_eq!(
        resync["cursor"],
        cursor.as_str(),
        "continue from the newest event"
    );
    assert_eq!(next_frame(&mut future).await["type"], "caught_up");
    app.send(&ivan, &id, "дальше").await;
    assert_eq!(
        next_frame(&mut future).await["type"],
        "message.created",
        "the socket stays useful after a resync"
    );

    let mut foreign = app.ws(&ivan, "?after=0123abcd.1").await;
    assert_eq!(next_frame(&mut foreign).await["reason"], "foreign_cursor");

    let (status, body) = app
        .get(&ivan, &format!("/api/v1/events?after={log}.999999&wait=0"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (410, Some("cursor_from_future"))
    );
    assert!(body["cursor"].is_string());
    let (status, body) = app.get(&ivan, "/api/v1/events?after=garbage&wait=0").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
    let response = app
        .http
        .get(
            app.ws_url("/api/v1/ws?after=garbage")
                .replace("ws://", "http://"),
        )
        .bearer_auth(&ivan)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16() / 100, 4);
}

#[tokio::test]
async fn long_poll_delivers_the_same_events() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let (status, now) = app.get(&ivan, "/api/v1/events?wait=0").await;
    assert_eq!((status, now["caught_up"].as_bool()), (200, Some(true)));
    let cursor = now["cursor"].as_str().unwrap().to_owned();

    let poll = {
        let http = app.http.clone();
        let url = app.url(&format!("/api/v1/events?after={cursor}&wait=10"));
        let token = ivan.clone();
        tokio::spawn(async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let id = app.start(&ivan, "travel", "Мили").await;
    let batch = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the poll wakes up")
        .unwrap();
    assert_eq!(batch["events"][0]["type"], "conversation.created");
    assert_eq!(batch["events"][0]["data"]["id"], id.as_str());

    let (_, all) = app
        .get(&ivan, &format!("/api/v1/events?after={cursor}&wait=0"))
        .await;
    let kinds: Vec<&str> = all["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["conversation.created", "message.created", "queue.updated"]
    );
    assert_eq!(all["caught_up"], true);
    let (_, rest) = app
        .get(
            &ivan,
            &format!(
                "/api/v1/events?after={}&wait=0",
                all["cursor"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(rest["events"], json!([]));
    let (status, _) = app.get(&ivan, "/api/v1/events?wait=61").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn browsers_need_an_allowed_origin_and_a_single_use_ticket() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let connect = |query: String, origin: Option<&'static str>| {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = app
            .ws_url(&format!("/api/v1/ws{query}"))
            .into_client_request()
            .unwrap();
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", origin.parse().unwrap());
        }
        tokio_tungstenite::connect_async(request)
    };
    let (status, ticket) = app.post(&ivan, "/api/v1/ws/ticket", json!({})).await;
    assert_eq!(status, 200);
    let ticket = ticket["ticket"].as_str().unwrap().to_owned();

    let refused = connect(format!("?ticket={ticket}"), Some("https://evil.example")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a foreign origin must be refused: {:?}", other.map(|_| ())),
    }
    let (mut ws, _) = connect(format!("?ticket={ticket}"), Some("https://shop.example"))
        .await
        .expect("allowed origin");
    until_caught_up(&mut ws).await;
    let reused = connect(format!("?ticket={ticket}"), Some("https://shop.example")).await;
    match reused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("a ticket works once: {:?}", other.map(|_| ())),
    }
    let no_auth = connect(String::new(), None).await;
    assert!(
        matches!(no_auth, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 401)
    );
}

async fn close_code(ws: &mut Ws) -> Option<u16> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the server ends the connection")
}

#[tokio::test]
async fn oversized_binary_and_broken_client_frames_close_the_socket() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");

    let mut ws = app.ws(&ivan, "").await;
    until_caught_up(&mut ws).await;
    let _ = ws.send(Message::Text("x".repeat(70 * 1024).into())).await;
    assert_eq!(close_code(&mut ws).await, Some(1009), "over 64 KiB");

    let mut ws = app.ws(&ivan, "").await;
    until_caught_up(&mut ws).await;
    ws.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(close_code(&mut ws).await, Some(1003), "binary frames");

    let mut ws = app.ws(&ivan, "").await;
    until_caught_up(&mut ws).await;
    let broken = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    ws.send(Message::Frame(broken)).await.unwrap();
    assert_eq!(close_code(&mut ws).await, Some(1007), "invalid UTF-8");

    // The server is unharmed.
    let mut ws = app.ws(&ivan, "").await;
    until_caught_up(&mut ws).await;
}

#[tokio::test]
async fn a_server_restart_loses_nothing_and_clients_resume() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let id = app.start(&ivan, "marketplace", "до перезапуска").await;
    let mut ws = app.ws(&anna, "").await;
    let (_, cursor) = until_caught_up(&mut ws).await;
    let dir = app.stop().await;
    // The server closes sockets on shutdown with 1012 so clients know to come back.
    let mut closed_with = None;
    while let Ok(Some(Ok(message))) = tokio::time::timeout(
        Duration::from_secs(5),
        futures_util::StreamExt::next(&mut ws),
    )
    .await
    {
        if let tokio_tungstenite::tungstenite::Message::Close(frame) = message {
            closed_with = frame.map(|f| u16::from(f.code));
            break;
        }
    }
    assert_eq!(closed_with, Some(1012));

    let app = TestApp::spawn_in(dir, |_| {}).await;
    app.send(&ivan, &id, "после перезапуска").await;
    let mut ws = app.ws(&anna, &format!("?after={cursor}")).await;
    let (missed, _) = until_caught_up(&mut ws).await;
    let texts: Vec<&str> = missed
        .iter()
        .filter_map(|f| f["data"]["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["после перезапуска"],
        "the session and the cursor survive the restart"
    );
}

#[tokio::test]
async fn sockets_close_when_the_session_ends_or_the_token_expires() {
    let app = TestApp::spawn_with(|s| s.ws_ping_seconds = 1).await;
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel"])
        .await;
    let mut operator_ws = app.ws(&anna, "").await;
    until_caught_up(&mut operator_ws).await;
    let out = app
        .http
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(
        close_code(&mut operator_ws).await,
        Some(1008),
        "logging out reaches open sockets"
    );

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let short = customer_token_with("ivan", |c| c.exp = now + 2);
    let mut customer_ws = app.ws(&short, "").await;
    until_caught_up(&mut customer_ws).await;
    assert_eq!(
        close_code(&mut customer_ws).await,
        Some(1008),
        "an expired identity token ends the socket"
    );
    let fresh = app.customer_token("ivan");
    let mut again = app.ws(&fresh, "").await;
    until_caught_up(&mut again).await;
}

#[tokio::test]
async fn an_operator_removed_from_a_department_stops_seeing_it() {
    let app = TestApp::spawn_with(|s| s.ws_ping_seconds = 1).await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["travel", "bank"])
        .await;
    let id = app.start(&ivan, "bank", "Карта не работает").await;
    let mut ws = app.ws(&anna, "").await;
    until_caught_up(&mut ws).await;

    let (_, me) = app.get(&anna, "/api/v1/me").await;
    let anna_id = hotline_domain::OperatorId::from_raw(me["id"].as_str().unwrap());
    let travel = hotline_domain::DepartmentId::parse("travel".into()).unwrap();
    app.state
        .store
        .set_operator_departments(&anna_id, vec![travel])
        .await
        .unwrap();

    let (status, _) = app.get(&anna, &format!("/api/v1/conversations/{id}")).await;
    assert_eq!(status, 404, "REST: at once");
    // The socket re-checks on its next ping (1 s here); then bank events stop.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    app.send(&ivan, &id, "Алло?").await;
    assert_eq!(
        silent_for(&mut ws, Duration::from_millis(800)).await,
        None,
        "WebSocket: within a ping"
    );
    let other = app.start(&ivan, "travel", "А мили?").await;
    let created = next_frame(&mut ws).await;
    assert_eq!(
        created["data"]["id"],
        other.as_str(),
        "the departments kept still flow"
    );
}
