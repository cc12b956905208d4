//! The security layer through the API: operators cannot ask for secrets or
//! send look-alike links, customers' secrets are masked, the bank needs a
//! step-up login.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::json;

async fn message_count(app: &TestApp, token: &str, conversation: &str) -> usize {
    let (status, body) = app
        .get(
            token,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["messages"].as_array().unwrap().len()
}

async fn operator_send(
    app: &TestApp,
    token: &str,
    conversation: &str,
    text: &str,
    internal: bool,
) -> (u16, serde_json::Value) {
    app.post(
        token,
        &format!("/api/v1/conversations/{conversation}/messages"),
        json!({"text": text, "client_msg_id": uuid::Uuid::new_v4().to_string(), "internal": internal}),
    )
    .await
}

#[tokio::test]
async fn operators_cannot_ask_for_secrets_but_may_warn() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("c1");
    let conversation = app.start(&customer, "bank", "Не проходит перевод").await;
    let operator = app
        .operator("op@example.com", Role::Operator, &["bank"])
        .await;

    for request in [
        "Продиктуйте, пожалуйста, цифры с обратной стороны карты",
        "Назовите код, который пришёл",
        "Could you send me your card number?",
        "Никому не сообщайте код, но мне назовите его",
    ] {
        let (status, body) = operator_send(&app, &operator, &conversation, request, false).await;
        assert_eq!(status, 422, "{request}: {body}");
        assert_eq!(body["error"]["code"], "secret_request_blocked");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("support never asks")
        );
    }
    assert_eq!(
        message_count(&app, &operator, &conversation).await,
        1,
        "nothing stored"
    );

    for warning in [
        "Никогда не сообщайте код из СМС — даже нам",
        "Мы не спрашиваем CVV",
        "Назовите, пожалуйста, номер заказа",
    ] {
        let (status, body) = operator_send(&app, &operator, &conversation, warning, false).await;
        assert_eq!(status, 201, "{warning}: {body}");
    }
    // Internal notes are not read by customers: they may name anything.
    let (status, _) = operator_send(
        &app,
        &operator,
        &conversation,
        "Клиент просил назвать код из смс — объяснил, что не нужно",
        true,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(message_count(&app, &operator, &conversation).await, 5);
}

#[tokio::test]
async fn operator_links_must_point_to_allowed_domains() {
    let app = TestApp::spawn_with(|s| s.allowed_link_domains = vec!["shop.example".into()]).await;
    let customer = app.customer_token("c1");
    let conversation = app.start(&customer, "marketplace", "Где возврат?").await;
    let operator = app
        .operator("op@example.com", Role::Operator, &["marketplace"])
        .await;

    let (status, _) = operator_send(
        &app,
        &operator,
        &conversation,
        "Инструкция: https://help.shop.example/returns",
        false,
    )
    .await;
    assert_eq!(status, 201);
    for (link, how) in [
        ("https://returns-help.org/form", "not among the allowed"),
        ("https://shop-example.com/returns", "imitates"),
        ("https://shоp.example/returns", "imitates"), // Cyrillic «о»
        ("https://sh0p.example", "imitates"),
        ("shop.example.refund-now.ru", "imitates"),
        ("javascript:alert(1)", "not a safe link"),
    ] {
        let (status, body) = operator_send(
            &app,
            &operator,
            &conversation,
            &format!("Смотрите {link}"),
            false,
        )
        .await;
        assert_eq!(status, 422, "{link}: {body}");
        assert_eq!(body["error"]["code"], "suspicious_link", "{link}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(how),
            "{link}: {body}"
        );
    }
    // A customer's link is flagged, never refused.
    let (status, body) = app
        .post(
            &customer,
            &format!("/api/v1/conversations/{conversation}/messages"),
            json!({"text": "мне прислали https://sh0p.example/refund", "client_msg_id": "c-link"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["flagged_links"][0]["verdict"], "look_alike");
    assert_eq!(body["flagged_links"][0]["how"], "homoglyph");
    // The operator sees the flag when reading; the customer does not.
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let (_, read) = app.get(&operator, &path).await;
    let last = read["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["flagged_links"][0]["host"], "sh0p.example");
    assert!(read["messages"][0].get("flagged_links").is_none());
    let (_, own) = app.get(&customer, &path).await;
    assert!(!own.to_string().contains("flagged_links"));
}

#[tokio::test]
async fn customers_secrets_are_masked_and_the_sender_is_told() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("c1");
    let conversation = app
        .start(&customer, "marketplace", "Вопрос по оплате")
        .await;
    let body = app
        .send(
            &customer,
            &conversation,
            "карта 4111 1111 1111 1111, код из смс 5521",
        )
        .await;
    assert_eq!(body["text"], "карта •••• 1111, код из смс •••");
    assert_eq!(
        body["redactions"],
        json!([{"kind": "card_number", "last4": "1111"}, {"kind": "one_time_code"}])
    );
    // Look-alikes pass untouched, and say nothing.
    let body = app
        .send(
            &customer,
            &conversation,
            "Заказ 4111111111111111 от 12.03.2026, телефон +7 916 123-45-67",
        )
        .await;
    assert_eq!(
        body["text"],
        "Заказ 4111111111111111 от 12.03.2026, телефон +7 916 123-45-67"
    );
    assert!(body.get("redactions").is_none());
    // Others read the masked text only, without the sender's report.
    let operator = app
        .operator("op@example.com", Role::Operator, &["marketplace"])
        .await;
    let (_, list) = app
        .get(
            &operator,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(
        list["messages"][1]["text"],
        "карта •••• 1111, код из смс •••"
    );
    assert!(list["messages"][1].get("redactions").is_none());
}

#[tokio::test]
async fn the_bank_needs_a_fresh_second_factor() {
    let app = TestApp::spawn().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let start = |token: String| {
        let app = &app;
        async move {
            app.post(
                &token,
                "/api/v1/conversations",
                json!({"department": "bank", "text": "Перевод не дошёл", "client_msg_id": uuid::Uuid::new_v4().to_string()}),
            )
            .await
        }
    };
    for (amr, auth_time) in [
        (vec!["pwd"], Some(now)),
        (vec!["pwd", "otp"], None),
        (vec!["pwd", "otp"], Some(now - 16 * 60)),
        (vec!["pwd", "otp"], Some(now + 3600)),
    ] {
        let token = customer_token_with("c1", |c| {
            c.amr = amr.iter().map(|m| (*m).to_owned()).collect();
            c.auth_time = auth_time;
        });
        let (status, body) = start(token).await;
        assert_eq!(status, 403, "{amr:?} {auth_time:?}: {body}");
        assert_eq!(body["error"]["code"], "step_up_required");
    }
    let fresh = customer_token_with("c1", |c| {
        c.amr = vec!["pwd".into(), "pin".into()];
        c.auth_time = Some(now - 14 * 60);
    });
    let (status, body) = start(fresh).await;
    assert_eq!(status, 201, "{body}");
    let conversation = body["id"].as_str().unwrap();

    // The same customer, with a stale login, cannot read it any more.
    let stale = customer_token_with("c1", |c| c.auth_time = Some(now - 3600));
    let (status, body) = app
        .get(
            &stale,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    // Other departments do not ask for it.
    let weak = customer_token_with("c1", |c| {
        c.amr = vec!["pwd".into()];
        c.auth_time = None;
    });
    app.start(&weak, "travel", "Вопрос по милям").await;
    // Operators of other departments do not see bank conversations.
    let travel = app
        .operator("t@example.com", Role::Supervisor, &["travel"])
        .await;
    let (status, _) = app
        .get(&travel, &format!("/api/v1/conversations/{conversation}"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn audit_log_records_logins_bank_reads_and_refusals_for_admins_only() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("c1");
    let conversation = app.start(&customer, "bank", "Карта заблокирована").await;
    let operator = app
        .operator("op@example.com", Role::Operator, &["bank"])
        .await;
    let (status, _) = app
        .get(
            &operator,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) =
        operator_send(&app, &operator, &conversation, "Назовите код из смс", false).await;
    assert_eq!(status, 422);
    let (status, _) = app
        .post(
            &operator,
            &format!("/api/v1/conversations/{conversation}/assign"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let failed = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "op@example.com", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 401);

    let (status, body) = app.get(&operator, "/api/v1/audit").await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = app.get(&customer, "/api/v1/audit").await;
    assert_eq!(status, 403);
    let admin = app
        .operator("admin@example.com", Role::Admin, &["bank"])
        .await;
    let (status, body) = app.get(&admin, "/api/v1/audit").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["chain_intact"], true);
    let actions: Vec<&str> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "config.changed",
            "login",
            "conversation.read",
            "message.secret_request_blocked",
            "conversation.assign",
            "login_failed",
            "login"
        ]
    );
    assert_eq!(body["entries"][3]["details"]["requested"], "one_time_code");
    assert_eq!(body["entries"][2]["target"], conversation.as_str());
    // Paging keeps the chain check.
    let (_, page) = app.get(&admin, "/api/v1/audit?after=3&limit=2").await;
    assert_eq!(page["entries"][0]["seq"], 4);
    assert_eq!(page["chain_intact"], true);
    let (status, _) = app.get(&admin, "/api/v1/audit?limit=0").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_account_takeover_report_opens_a_security_conversation() {
    let app = TestApp::spawn().await;
    let security = app
        .operator("sec@example.com", Role::Operator, &["security"])
        .await;
    let mut ws = app.ws(&security, "").await;
    let (_, _) = until_caught_up(&mut ws).await;
    // Reporting works without a step-up login: the account may be lost.
    let customer = customer_token_with("c1", |c| {
        c.amr = vec!["pwd".into()];
        c.auth_time = None;
    });
    let report = json!({"client_msg_id": "r1", "text": "Мне пришла смс с кодом 482913, я его не запрашивал"});
    let (status, body) = app
        .post(
            &customer,
            "/api/v1/security/account-takeover",
            report.clone(),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["department"], "security");
    assert_eq!(
        body["subject"],
        json!({"kind": "topic", "topic": "account_takeover"})
    );
    assert_eq!(body["status"], "queued");
    assert_eq!(
        body["message"]["text"],
        "Мне пришла смс с кодом •••, я его не запрашивал"
    );
    let (status, again) = app
        .post(&customer, "/api/v1/security/account-takeover", report)
        .await;
    assert_eq!((status, &again["id"]), (200, &body["id"]));

    let frame = next_frame(&mut ws).await;
    assert_eq!(frame["type"], "conversation.created");
    assert_eq!(frame["data"]["subject"]["topic"], "account_takeover");

    // Operators cannot file reports; customers do not see the queue in their list.
    let (status, _) = app
        .post(
            &security,
            "/api/v1/security/account-takeover",
            json!({"client_msg_id": "x"}),
        )
        .await;
    assert_eq!(status, 403);
    let (_, departments) = app.get("", "/api/v1/departments").await;
    assert!(!departments.to_string().contains("\"security\""));
}

#[tokio::test]
async fn retention_deletes_old_resolved_conversations_only() {
    let app = TestApp::spawn_with(|s| s.security.retention_days = 30).await;
    let customer = app.customer_token("c1");
    let resolved = app.start(&customer, "travel", "Спасибо, решено").await;
    let open = app.start(&customer, "travel", "Ещё вопрос").await;
    let operator = app
        .operator("op@example.com", Role::Operator, &["travel"])
        .await;
    for step in ["assign", "resolve"] {
        let (status, _) = app
            .post(
                &operator,
                &format!("/api/v1/conversations/{resolved}/{step}"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
    }
    // Nothing is 30 days old yet.
    assert_eq!(app.retention.sweep().await.unwrap(), 0);
    let in_the_future = time::OffsetDateTime::now_utc().unix_timestamp() + 31 * 86_400;
    let erased = app
        .state
        .store
        .delete_resolved_before(in_the_future - 30 * 86_400)
        .await
        .unwrap();
    assert_eq!(erased.conversations, 1);
    let (status, _) = app
        .get(&operator, &format!("/api/v1/conversations/{resolved}"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(&operator, &format!("/api/v1/conversations/{open}"))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let app = TestApp::spawn_with(|s| {
        s.security.rate_limits = hotline_server::security::limits::RateLimitSettings {
            messages_per_minute: 3,
            conversations_per_hour: 2,
            uploads_per_minute: 2,
            dossiers_per_minute: 0,
            per_ip_factor: 2,
            logins_per_minute_per_ip: 100,
            login_failures_before_backoff: 2,
        }
    })
    .await;
    let anna = app.customer_token("anna");
    let conversation = app.start(&anna, "travel", "Вопрос").await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    for i in 0..3 {
        let (status, _) = app
            .post(
                &anna,
                &path,
                json!({"text": "ещё", "client_msg_id": format!("a{i}")}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let response = app
        .http
        .post(app.url(&path))
        .bearer_auth(&anna)
        .json(&json!({"text": "ещё", "client_msg_id": "a4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let (_, body) = split(response).await;
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another customer has their own budget, until the address runs out (3 × 2).
    let boris = app.customer_token("boris");
    let second = app.start(&boris, "travel", "Другой вопрос").await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let (status, _) = app
            .post(
                &boris,
                &format!("/api/v1/conversations/{second}/messages"),
                json!({"text": "б", "client_msg_id": format!("b{i}")}),
            )
            .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [201, 201, 429, 429],
        "the address allows 6 messages a minute"
    );
    // Conversation starts: 2 an hour per customer.
    let (status, _) = app
        .post(
            &anna,
            "/api/v1/conversations",
            json!({"department": "travel", "text": "т", "client_msg_id": "s2"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .post(
            &anna,
            "/api/v1/conversations",
            json!({"department": "travel", "text": "т", "client_msg_id": "s3"}),
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn failed_logins_back_off_per_email() {
    let app = TestApp::spawn_with(|s| {
        s.security.rate_limits.login_failures_before_backoff = 2;
    })
    .await;
    app.operator("op@example.com", Role::Operator, &["travel"])
        .await;
    let login = |password: &'static str| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "OP@example.com", "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(login("wrong-1").await.status(), 401);
    assert_eq!(login("wrong-2").await.status(), 401);
    // Now even the right password waits.
    let refused = login("password-123").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "1");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(login("password-123").await.status(), 200);
    // Success resets the count.
    assert_eq!(login("wrong-3").await.status(), 401);
    assert_eq!(login("password-123").await.status(), 200);
}

#[tokio::test]
async fn configuration_changes_are_audited_once_each() {
    let app = TestApp::spawn().await;
    let dir = app.stop().await;
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let dir = app.stop().await;
    let app = TestApp::spawn_in(dir, |s| {
        s.allowed_link_domains = vec!["shop.example".into()]
    })
    .await;
    let changes = app.state.store.audit_entries(0, 100).await.unwrap();
    let changes: Vec<_> = changes
        .iter()
        .filter(|e| e.action == "config.changed")
        .collect();
    assert_eq!(
        changes.len(),
        2,
        "the restart with the same settings records nothing"
    );
    assert_eq!(changes[1].details["previous"], changes[0].details["sha256"]);
}

#[tokio::test]
async fn bank_events_need_the_step_up_login_too() {
    let app = TestApp::spawn().await;
    let strong = app.customer_token("c1");
    let conversation = app.start(&strong, "bank", "Перевод не дошёл").await;
    let travel = app.start(&strong, "travel", "Вопрос по милям").await;
    let stale = customer_token_with("c1", |c| c.auth_time = Some(0));
    let mut weak_ws = app.ws(&stale, "").await;
    let (_, before) = until_caught_up(&mut weak_ws).await;
    let mut strong_ws = app.ws(&strong, "").await;
    until_caught_up(&mut strong_ws).await;

    let bank = app
        .operator("b@example.com", Role::Operator, &["bank", "travel"])
        .await;
    app.send(&bank, &conversation, "Проверяем перевод").await;
    app.send(&bank, &travel, "Мили начислены").await;
    let frame = next_frame(&mut strong_ws).await;
    assert_eq!(frame["data"]["text"], "Проверяем перевод");
    // The stale login sees the travel answer only…
    let frame = next_frame(&mut weak_ws).await;
    assert_eq!(frame["data"]["text"], "Мили начислены", "{frame}");
    // …and neither the log (resume, long-poll) gives the bank away.
    let mut resumed = app.ws(&stale, &format!("?after={before}")).await;
    let (frames, _) = until_caught_up(&mut resumed).await;
    assert!(!frames.is_empty());
    assert!(
        frames
            .iter()
            .all(|f| !f.to_string().contains(&conversation)),
        "{frames:?}"
    );
    let (status, body) = app
        .get(&stale, &format!("/api/v1/events?after={before}&wait=0"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body["events"].as_array().unwrap().is_empty());
    assert!(!body.to_string().contains(&conversation), "{body}");
}

#[tokio::test]
async fn canned_replies_that_ask_for_secrets_or_bad_links_stop_start_up() {
    use hotline_app::canned::CannedReply;
    let build_with = |text: &str| {
        let text = text.to_owned();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let mut settings = hotline_server::settings::Settings {
                data_dir: dir.path().to_path_buf(),
                ..Default::default()
            };
            settings.identity.secret = Some(SECRET.into());
            settings.allowed_link_domains = vec!["shop.example".into()];
            settings.canned_replies = vec![CannedReply {
                department: "bank".into(),
                title: "Проверка".into(),
                text,
            }];
            let (store, bus) = crate::helpers::open_backend(&settings).await.unwrap();
            hotline_server::build(settings, store, bus)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    };
    let asks = build_with("Продиктуйте, пожалуйста, код из СМС").await;
    assert!(
        asks.as_ref()
            .is_err_and(|e| e.contains("«Проверка»") && e.contains("secret")),
        "{asks:?}"
    );
    let look_alike = build_with("Оплатите на https://sh0p.example/pay").await;
    assert!(
        look_alike
            .as_ref()
            .is_err_and(|e| e.contains("sh0p.example") && e.contains("allowed_link_domains")),
        "{look_alike:?}"
    );
    // Placeholders are not links: «{{customer.name}}» is filled in later.
    let warning = build_with(
        "{{customer.name}}, никогда не сообщайте код из СМС, даже нам. https://shop.example/help",
    )
    .await;
    assert_eq!(warning, Ok(()));
}

#[tokio::test]
async fn a_transfer_into_the_bank_applies_its_rules_to_the_next_message() {
    let app = TestApp::spawn().await;
    let anna = app
        .operator(
            "anna@example.com",
            Role::Supervisor,
            &["marketplace", "bank"],
        )
        .await;
    let weak = customer_token_with("c1", |c| {
        c.amr = vec!["pwd".into()];
        c.auth_time = None;
    });
    let id = app
        .start(&weak, "marketplace", "Списали деньги дважды")
        .await;
    // Screening has now seen the conversation in the marketplace.
    app.send(&weak, &id, "Проверьте, пожалуйста").await;
    let path = format!("/api/v1/conversations/{id}/messages");
    let post = |token: String, text: &'static str| {
        let (app, path) = (&app, &path);
        async move {
            app.post(
                &token,
                path,
                json!({"text": text, "client_msg_id": uuid::Uuid::new_v4().to_string()}),
            )
            .await
        }
    };
    // A stranger is turned away by the remembered owner as by the store.
    let (status, _) = post(app.customer_token("c2"), "чужой").await;
    assert_eq!(status, 404);

    let (status, moved) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{id}/transfer"),
            json!({"department": "bank"}),
        )
        .await;
    assert_eq!((status, moved["department"].as_str()), (200, Some("bank")));
    let (status, body) = post(weak.clone(), "Так что с деньгами?").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("step_up_required")),
        "{body}"
    );
    // The bank's strict masking applies too: a Luhn-valid run without card words.
    let strong = customer_token_with("c1", |c| {
        c.amr = vec!["pwd".into(), "otp".into()];
        c.auth_time = Some(time::OffsetDateTime::now_utc().unix_timestamp());
    });
    let (status, body) = post(strong, "номер 4111 1111 1111 1111 вот").await;
    assert_eq!(status, 201, "{body}");
    assert!(
        !body["text"].as_str().unwrap().contains("4111 1111"),
        "{body}"
    );
}

#[tokio::test]
async fn the_per_customer_limit_holds_however_the_scheme_is_spelt() {
    let app = TestApp::spawn_with(|s| {
        s.security.rate_limits = hotline_server::security::limits::RateLimitSettings {
            messages_per_minute: 1,
            per_ip_factor: 100,
            ..hotline_server::security::limits::RateLimitSettings::off()
        }
    })
    .await;
    let anna = app.customer_token("anna");
    let conversation = app.start(&anna, "travel", "Вопрос").await;
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let mut statuses = Vec::new();
    // RFC 7235: the scheme is case-insensitive, so the limit must be too.
    for (i, scheme) in ["Bearer", "bearer", "BEARER"].iter().enumerate() {
        let response = app
            .http
            .post(app.url(&path))
            .header("authorization", format!("{scheme} {anna}"))
            .json(&json!({"text": "ещё", "client_msg_id": format!("a{i}")}))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [201, 429, 429]);
}

/// The conversation's messages as stored, oldest first.
async fn stored_texts(app: &TestApp, token: &str, conversation: &str) -> Vec<String> {
    let (_, listed) = app
        .get(
            token,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    listed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

/// The pieces come one word at a time: the first reads the customer's
/// history from the store, the later ones from screening's memory, which
/// must have followed every message written since.
#[tokio::test]
async fn a_card_in_four_pieces_is_caught_from_screenings_memory() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("olga");
    let conversation = app.start(&customer, "marketplace", "Номер карты:").await;
    for piece in ["4111", "1111", "1111"] {
        let sent = app.send(&customer, &conversation, piece).await;
        let redactions = sent["redactions"].as_array();
        assert!(redactions.is_none_or(Vec::is_empty), "{sent}");
    }
    let last = app.send(&customer, &conversation, "1111").await;
    assert_eq!(last["redactions"][0]["kind"], "card_number", "{last}");
    let texts = stored_texts(&app, &customer, &conversation).await;
    assert_eq!(texts, ["Номер карты:", "•••", "•••", "•••", "•••• 1111"]);
}

#[tokio::test]
async fn each_limit_counts_only_the_routes_it_governs() {
    let app = TestApp::spawn_with(|s| {
        s.security.rate_limits = hotline_server::security::limits::RateLimitSettings {
            messages_per_minute: 1,
            conversations_per_hour: 1,
            uploads_per_minute: 1,
            dossiers_per_minute: 0,
            per_ip_factor: 100,
            ..hotline_server::security::limits::RateLimitSettings::off()
        }
    })
    .await;
    let anna = app.customer_token("anna");
    let conversation = app.start(&anna, "travel", "Вопрос").await;
    // A takeover report starts a conversation: the same budget, used up.
    let (status, _) = app
        .post(
            &anna,
            "/api/v1/security/account-takeover",
            json!({"client_msg_id": "t1"}),
        )
        .await;
    assert_eq!(status, 429);
    let messages = format!("/api/v1/conversations/{conversation}/messages");
    let (status, _) = app
        .post(
            &anna,
            &messages,
            json!({"text": "ещё", "client_msg_id": "m1"}),
        )
        .await;
    assert_eq!(status, 201);
    // Reading the same path, and other writes, are not limited.
    for _ in 0..3 {
        assert_eq!(app.get(&anna, &messages).await.0, 200);
        assert_eq!(app.get(&anna, "/api/v1/conversations").await.0, 200);
    }
    let (status, _) = app
        .post(
            &anna,
            &format!("/api/v1/conversations/{conversation}/read"),
            json!({"seq": 1}),
        )
        .await;
    assert_eq!(status, 200);
    // Uploads have a budget of their own.
    assert_eq!(upload(&app, &anna, "a.txt", b"first").await.0, 201);
    assert_eq!(upload(&app, &anna, "b.txt", b"second").await.0, 429);
    let (status, _) = app
        .post(
            &anna,
            &messages,
            json!({"text": "ещё", "client_msg_id": "m2"}),
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn a_card_typed_in_pieces_is_masked_in_every_message() {
    let app = TestApp::spawn().await;
    let customer = app.customer_token("ivan");
    let conversation = app
        .start(&customer, "marketplace", "Хочу привязать карту 4111 1111")
        .await;
    app.send(&customer, &conversation, "сейчас, ищу остальное")
        .await;
    let last = app.send(&customer, &conversation, "1111 1111").await;
    assert_eq!(last["redactions"][0]["kind"], "card_number", "{last}");
    let texts = stored_texts(&app, &customer, &conversation).await;
    // Only the card's last four digits stay visible, in its last piece.
    assert_eq!(
        texts,
        [
            "Хочу привязать карту •••",
            "сейчас, ищу остальное",
            "•••• 1111"
        ]
    );
}
