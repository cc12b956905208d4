//! The help center through the real server: admin REST, public search and
//! suggestions, the answer bot in conversations, the public pages.

use crate::helpers::*;
use hotline_domain::Role;
use serde_json::{Value, json};

fn refund_article() -> Value {
    json!({
        "id": "refund-cancelled-order",
        "department": "marketplace",
        "section": "Возвраты и отмена",
        "title": "Когда вернутся деньги за отменённый заказ",
        "tags": ["возврат", "отмена"],
        "body": "Если заказ отменён, деньги вернутся на карту, которой вы платили, в течение 3–10 рабочих дней.\n\nСрок зависит от банка.\n"
    })
}

fn delivery_article() -> Value {
    json!({
        "id": "courier-delivery-time",
        "department": "marketplace",
        "section": "Доставка",
        "title": "Сколько идёт курьерская доставка",
        "tags": ["доставка", "курьер"],
        "body": "Курьер привезёт заказ в выбранный день. Время доставки видно в карточке заказа.\n"
    })
}

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

async fn delete(app: &TestApp, token: &str, path: &str) -> u16 {
    app.http
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn public_get(app: &TestApp, path: &str) -> (u16, Value) {
    split(app.http.get(app.url(path)).send().await.unwrap()).await
}

fn hit_ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {body}"))
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn admin_with_articles(app: &TestApp) -> String {
    let admin = app
        .operator("admin@example.com", Role::Admin, &["marketplace"])
        .await;
    for article in [refund_article(), delivery_article()] {
        let (status, body) = app.post(&admin, "/api/v1/kb/articles", article).await;
        assert_eq!(status, 201, "{body}");
    }
    admin
}

#[tokio::test]
async fn administrators_edit_articles_and_search_follows_at_once() {
    let app = TestApp::spawn().await;
    let admin = admin_with_articles(&app).await;

    let (status, body) = public_get(
        &app,
        "/api/v1/kb/search?q=когда%20вернут%20деньги%20за%20отмененный%20заказ",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        hit_ids(&body, "hits").first().map(String::as_str),
        Some("refund-cancelled-order"),
        "{body}"
    );
    let hit = &body["hits"][0];
    assert_eq!(hit["department"], "marketplace");
    assert_eq!(hit["section"], "Возвраты и отмена");
    assert_eq!(hit["url"], "/help/articles/refund-cancelled-order");
    assert!(hit["score"].as_f64().unwrap() > 0.0);

    // Edit: the new title is what search shows.
    let mut edited = refund_article();
    edited["title"] = json!("Возврат денег за отменённый заказ");
    let (status, body) = put(
        &app,
        &admin,
        "/api/v1/kb/articles/refund-cancelled-order",
        edited.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = public_get(&app, "/api/v1/kb/search?q=возврат%20денег").await;
    assert_eq!(
        body["hits"][0]["title"], "Возврат денег за отменённый заказ",
        "{body}"
    );

    // The same again changes nothing, and keeps the time of the last change.
    let (status, again) = put(
        &app,
        &admin,
        "/api/v1/kb/articles/refund-cancelled-order",
        edited,
    )
    .await;
    assert_eq!(status, 200);
    let (_, read) = app
        .get(&admin, "/api/v1/kb/articles/refund-cancelled-order")
        .await;
    assert_eq!(read["updated_at"], again["updated_at"]);
    assert_eq!(read["feedback"], json!({"helped": 0, "not_helped": 0}));

    // Create through PUT.
    let mut fresh = delivery_article();
    fresh["title"] = json!("Самовывоз из пункта выдачи");
    fresh["body"] = json!("Заказ хранится в пункте выдачи семь дней.");
    let (status, _) = put(&app, &admin, "/api/v1/kb/articles/pickup-point", fresh).await;
    assert_eq!(status, 201);
    let (_, list) = app.get(&admin, "/api/v1/kb/articles").await;
    assert_eq!(list["articles"].as_array().unwrap().len(), 3);

    // Delete: search stops finding it at once.
    assert_eq!(
        delete(&app, &admin, "/api/v1/kb/articles/refund-cancelled-order").await,
        204
    );
    let (_, body) = public_get(&app, "/api/v1/kb/search?q=возврат%20денег").await;
    assert!(
        !hit_ids(&body, "hits").contains(&"refund-cancelled-order".to_owned()),
        "{body}"
    );
    assert_eq!(
        delete(&app, &admin, "/api/v1/kb/articles/refund-cancelled-order").await,
        404
    );
    let (status, _) = app
        .get(&admin, "/api/v1/kb/articles/refund-cancelled-order")
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn only_administrators_write_and_bad_articles_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = admin_with_articles(&app).await;
    let supervisor = app
        .operator("sup@example.com", Role::Supervisor, &["marketplace"])
        .await;
    let operator = app
        .operator("op@example.com", Role::Operator, &["marketplace"])
        .await;
    let customer = app.customer_token("c1");

    let mut other = refund_article();
    other["id"] = json!("another");
    for token in [&supervisor, &operator, &customer] {
        let (status, body) = app.post(token, "/api/v1/kb/articles", other.clone()).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(
            delete(&app, token, "/api/v1/kb/articles/refund-cancelled-order").await,
            403
        );
    }
    // Supervisors read (the list and the unanswered questions); others do not.
    assert_eq!(app.get(&supervisor, "/api/v1/kb/articles").await.0, 200);
    assert_eq!(app.get(&supervisor, "/api/v1/kb/unanswered").await.0, 200);
    assert_eq!(app.get(&operator, "/api/v1/kb/articles").await.0, 403);
    assert_eq!(app.get(&customer, "/api/v1/kb/unanswered").await.0, 403);
    let no_token = app
        .http
        .get(app.url("/api/v1/kb/articles"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);

    let (status, body) = app
        .post(&admin, "/api/v1/kb/articles", refund_article())
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("article_exists"))
    );

    let cases: Vec<(Value, &str)> = vec![
        (json!({"id": "../etc/passwd"}), "invalid_characters"),
        (json!({"id": "Big-Id"}), "invalid_characters"),
        (json!({"department": "pets"}), "unknown_department"),
        (json!({"title": "  "}), "empty_value"),
        (json!({"title": "a\u{202e}b"}), "invalid_characters"),
        (json!({"title": "я".repeat(201)}), "too_long"),
        (json!({"body": "a\u{0}b"}), "invalid_characters"),
        (
            json!({"tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "too_many",
        ),
    ];
    for (change, code) in cases {
        let mut article = refund_article();
        article["id"] = json!("new-article");
        for (key, value) in change.as_object().unwrap() {
            article[key] = value.clone();
        }
        let (status, body) = app.post(&admin, "/api/v1/kb/articles", article).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some(code)),
            "{change}: {body}"
        );
    }
    let (status, body) = app
        .post(&admin, "/api/v1/kb/articles", json!({"id": "x"}))
        .await;
    assert_eq!(status, 422, "{body}");
    let (_, list) = app.get(&admin, "/api/v1/kb/articles").await;
    assert_eq!(
        list["articles"].as_array().unwrap().len(),
        2,
        "nothing was added"
    );
}

#[tokio::test]
async fn search_and_suggest_are_public_and_check_their_input() {
    let app = TestApp::spawn().await;
    admin_with_articles(&app).await;

    let (status, body) = public_get(
        &app,
        "/api/v1/kb/suggest?q=вернут%20ли%20деньги%20за%20отмену%20заказа&department=marketplace",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ids = hit_ids(&body, "suggestions");
    assert!(ids.len() <= 3);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("refund-cancelled-order"),
        "{body}"
    );

    let (_, body) = public_get(&app, "/api/v1/kb/suggest?q=").await;
    assert_eq!(body, json!({"suggestions": []}));
    let (_, body) = public_get(&app, "/api/v1/kb/search?q=%20%20").await;
    assert_eq!(body, json!({"hits": []}));

    for bad in [
        "/api/v1/kb/search?q=a&limit=0",
        "/api/v1/kb/search?q=a&limit=51",
        "/api/v1/kb/search?q=a&limit=x",
        "/api/v1/kb/search?q=a&department=Bad%20Dept",
        "/api/v1/kb/suggest?q=a&department=../x",
    ] {
        let (status, body) = public_get(&app, bad).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_query")),
            "{bad}: {body}"
        );
    }
    // A very long story is cut, not refused.
    let story = "%D1%8F%20".repeat(5000) + "деньги";
    let response = app
        .http
        .get(app.url(&format!("/api/v1/kb/search?q={story}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn messages(app: &TestApp, token: &str, conversation: &str) -> Vec<Value> {
    let (status, body) = app
        .get(
            token,
            &format!("/api/v1/conversations/{conversation}/messages"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["messages"].as_array().unwrap().clone()
}

/// «Мне звонили из поддержки…»: the bot gives the rule of official support
/// instead of articles, even when some article's words match.
#[tokio::test]
async fn the_bot_warns_a_customer_contacted_by_someone_posing_as_support() {
    let app = TestApp::spawn().await;
    admin_with_articles(&app).await;
    let customer = app.customer_token("c2");
    let (status, started) = app
        .post(
            &customer,
            "/api/v1/conversations",
            json!({"department": "marketplace", "client_msg_id": "m-1",
                   "text": "Мне позвонили из вашей поддержки и просят код из смс для возврата денег за заказ"}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let conversation = started["id"].as_str().unwrap().to_owned();
    let all = messages(&app, &customer, &conversation).await;
    let bot = &all[1];
    assert_eq!(bot["author"]["kind"], "bot");
    let text = bot["text"].as_str().unwrap();
    assert!(text.contains("никогда не просит коды"), "{text}");
    assert!(text.contains("Позвать оператора"), "{text}");
    assert!(
        bot["suggestions"].as_array().is_none_or(Vec::is_empty),
        "{bot}"
    );
}

#[tokio::test]
async fn the_bot_answers_the_first_message_and_helped_resolves() {
    let app = TestApp::spawn().await;
    let admin = admin_with_articles(&app).await;
    let customer = app.customer_token("c1");

    let (status, started) = app
        .post(
            &customer,
            "/api/v1/conversations",
            json!({"department": "marketplace", "text": "здравствуйте, я отменил заказ вчера, когда вернут деньги?", "client_msg_id": "m-1"}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["status"], "bot");
    let conversation = started["id"].as_str().unwrap().to_owned();

    let all = messages(&app, &customer, &conversation).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let bot = &all[1];
    assert_eq!(bot["author"]["kind"], "bot");
    assert_eq!(bot["seq"], 2);
    let suggestion = &bot["suggestions"][0];
    assert_eq!(suggestion["id"], "refund-cancelled-order", "{bot}");
    assert_eq!(
        suggestion["title"],
        "Когда вернутся деньги за отменённый заказ"
    );
    assert_eq!(suggestion["url"], "/help/articles/refund-cancelled-order");
    assert!(bot["text"].as_str().unwrap().contains("Помогло"));
    assert!(
        all[0].get("suggestions").is_none(),
        "only bot messages carry suggestions"
    );

    // A retried start does not make the bot answer twice.
    let (status, _) = app
        .post(
            &customer,
            "/api/v1/conversations",
            json!({"department": "marketplace", "text": "здравствуйте, я отменил заказ вчера, когда вернут деньги?", "client_msg_id": "m-1"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(messages(&app, &customer, &conversation).await.len(), 2);

    // Only the customer rates, and only their own conversation.
    let operator = app
        .operator("op@example.com", Role::Operator, &["marketplace"])
        .await;
    let path = format!("/api/v1/conversations/{conversation}/bot-feedback");
    assert_eq!(
        app.post(&operator, &path, json!({"helped": true})).await.0,
        403
    );
    assert_eq!(
        app.post(&app.customer_token("c2"), &path, json!({"helped": true}))
            .await
            .0,
        404
    );
    assert_eq!(
        app.post(&customer, &path, json!({"helped": "yes"})).await.0,
        422
    );

    let (status, body) = app.post(&customer, &path, json!({"helped": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "resolved");
    let (status, body) = app.post(&customer, &path, json!({"helped": true})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );

    let (_, article) = app
        .get(&admin, "/api/v1/kb/articles/refund-cancelled-order")
        .await;
    assert_eq!(article["feedback"]["helped"], 1, "{article}");
}

#[tokio::test]
async fn not_helped_calls_an_operator_and_lists_the_question_for_administrators() {
    let app = TestApp::spawn().await;
    let admin = admin_with_articles(&app).await;
    let customer = app.customer_token("c1");

    let helped_not = app
        .start(
            &customer,
            "marketplace",
            "когда вернут деньги за отменённый заказ",
        )
        .await;
    let (status, body) = app
        .post(
            &customer,
            &format!("/api/v1/conversations/{helped_not}/bot-feedback"),
            json!({"helped": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "queued");

    // A question no article answers: the bot says so and offers an operator.
    let nothing = app
        .start(
            &customer,
            "marketplace",
            "какой пароль от вайфая в вашем офисе",
        )
        .await;
    let all = messages(&app, &customer, &nothing).await;
    assert_eq!(all[1]["author"]["kind"], "bot");
    assert!(all[1].get("suggestions").is_none(), "{}", all[1]);
    assert!(
        all[1]["text"]
            .as_str()
            .unwrap()
            .contains("Позвать оператора"),
        "{}",
        all[1]
    );
    let (status, body) = app
        .post(
            &customer,
            &format!("/api/v1/conversations/{nothing}/handoff"),
            json!({}),
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("queued")));

    let (status, body) = app.get(&admin, "/api/v1/kb/unanswered").await;
    assert_eq!(status, 200, "{body}");
    let questions: Vec<(&str, u64, u64)> = body["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["query"].as_str().unwrap(),
                q["no_answer"].as_u64().unwrap(),
                q["not_helped"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        questions.contains(&("какой пароль от вайфая в вашем офисе", 1, 0)),
        "{body}"
    );
    assert!(
        questions.contains(&("когда вернут деньги за отменённый заказ", 0, 1)),
        "{body}"
    );
    let (_, article) = app
        .get(&admin, "/api/v1/kb/articles/refund-cancelled-order")
        .await;
    assert_eq!(article["feedback"]["not_helped"], 1, "{article}");
}

#[tokio::test]
async fn departments_without_articles_start_in_the_queue() {
    let app = TestApp::spawn().await;
    admin_with_articles(&app).await;
    let customer = app.customer_token("c1");
    let (status, started) = app
        .post(
            &customer,
            "/api/v1/conversations",
            json!({"department": "travel", "text": "не начислили мили", "client_msg_id": "t-1"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(started["status"], "queued");
    let conversation = started["id"].as_str().unwrap();
    assert_eq!(
        messages(&app, &customer, conversation).await.len(),
        1,
        "no bot message"
    );
    let (status, body) = app
        .post(
            &customer,
            &format!("/api/v1/conversations/{conversation}/bot-feedback"),
            json!({"helped": true}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invalid_transition"))
    );
}

#[tokio::test]
async fn the_index_is_rebuilt_from_the_store_on_start() {
    let app = TestApp::spawn().await;
    admin_with_articles(&app).await;
    let dir = app.stop().await;
    // Written to the store while the server is down (as `hotline kb import` does).
    {
        let settings = hotline_server::settings::Settings {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        let store = crate::helpers::open_store(&settings).await.unwrap();
        let article = hotline_domain::Article::new(
            serde_json::from_value(json!({
                "id": "miles-expire", "department": "travel", "section": "Мили",
                "title": "Сгорают ли мили", "tags": ["мили"], "body": "Мили действуют два года с даты начисления."
            }))
            .unwrap(),
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        store.upsert_article(article).await.unwrap();
        store
            .delete_article(
                &hotline_domain::ArticleId::parse("courier-delivery-time".into()).unwrap(),
            )
            .await
            .unwrap();
    }
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let (_, body) = public_get(&app, "/api/v1/kb/search?q=сгорают%20мили").await;
    assert_eq!(
        hit_ids(&body, "hits").first().map(String::as_str),
        Some("miles-expire"),
        "{body}"
    );
    let (_, body) = public_get(&app, "/api/v1/kb/search?q=курьерская%20доставка").await;
    assert!(
        !hit_ids(&body, "hits").contains(&"courier-delivery-time".to_owned()),
        "deleted in the store: {body}"
    );
    let (_, body) = public_get(&app, "/api/v1/kb/search?q=вернутся%20деньги").await;
    assert_eq!(
        hit_ids(&body, "hits").first().map(String::as_str),
        Some("refund-cancelled-order")
    );

    // An import beside the running server shows after a reindex.
    let store = app.state.store.clone();
    let mut article = store
        .article(&hotline_domain::ArticleId::parse("miles-expire".into()).unwrap())
        .await
        .unwrap()
        .unwrap();
    article.title = "Срок действия миль".into();
    store.upsert_article(article).await.unwrap();
    let admin = app
        .operator("admin2@example.com", Role::Admin, &["travel"])
        .await;
    let supervisor = app
        .operator("sup@example.com", Role::Supervisor, &["travel"])
        .await;
    assert_eq!(
        app.post(&supervisor, "/api/v1/kb/reindex", json!({}))
            .await
            .0,
        403
    );
    let (status, body) = app.post(&admin, "/api/v1/kb/reindex", json!({})).await;
    assert_eq!(
        (status, body["articles"].as_u64()),
        (200, Some(2)),
        "{body}"
    );
    let (_, body) = public_get(&app, "/api/v1/kb/search?q=сгорают%20мили").await;
    assert_eq!(body["hits"][0]["title"], "Срок действия миль", "{body}");

    // Travel now has an article, so its conversations start with the bot.
    let customer = app.customer_token("c1");
    let (_, started) = app
        .post(
            &customer,
            "/api/v1/conversations",
            json!({"department": "travel", "text": "сгорают ли мили", "client_msg_id": "t-2"}),
        )
        .await;
    assert_eq!(started["status"], "bot");
}

async fn page(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = app.http.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn help_pages_render_articles_safely_and_are_indexable() {
    let app = TestApp::spawn().await;
    let admin = admin_with_articles(&app).await;
    let mut hostile = delivery_article();
    hostile["id"] = json!("hostile");
    hostile["title"] = json!("Заголовок <script>alert(1)</script>");
    hostile["body"] = json!(
        "Текст <script>alert(2)</script> <img src=x onerror=alert(3)>\n\n[ссылка](javascript:alert(4))\n\n**важно**\n"
    );
    assert_eq!(
        app.post(&admin, "/api/v1/kb/articles", hostile).await.0,
        201
    );

    let (status, headers, html) = page(&app, "/help").await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(html.contains("<title>Помощь — ответы на частые вопросы</title>"));
    assert!(html.contains("<h2>Маркетплейс</h2>"), "{html}");
    assert!(html.contains("/help/marketplace/%D0%92%D0%BE%D0%B7%D0%B2%D1%80%D0%B0%D1%82%D1%8B%20%D0%B8%20%D0%BE%D1%82%D0%BC%D0%B5%D0%BD%D0%B0"), "{html}");
    assert!(html.contains(r#"<meta name="viewport""#));
    assert!(!html.contains("<script>"), "no inline scripts");

    let (status, _, html) = page(&app, "/help/marketplace/Возвраты%20и%20отмена").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<title>Возвраты и отмена — Маркетплейс — Помощь</title>"),
        "{html}"
    );
    assert!(html.contains(r#"<a href="/help/articles/refund-cancelled-order">Когда вернутся деньги за отменённый заказ</a>"#), "{html}");

    let (status, _, html) = page(&app, "/help/articles/refund-cancelled-order").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<title>Когда вернутся деньги за отменённый заказ — Помощь</title>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<meta name="description" content="Если заказ отменён, деньги вернутся"#),
        "{html}"
    );

    let (_, _, html) = page(&app, "/help/articles/hostile").await;
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("<strong>важно</strong>"), "{html}");

    let (_, _, html) = page(&app, "/help?q=%3Cscript%3Eвернут%20деньги").await;
    assert!(
        html.contains("Результаты поиска: «&#60;script&#62;вернут деньги»"),
        "{html}"
    );
    assert!(
        html.contains("/help/articles/refund-cancelled-order"),
        "{html}"
    );

    // A section name with a slash and a question mark still has its page.
    let mut odd = delivery_article();
    odd["id"] = json!("installments");
    odd["section"] = json!("Оплата / рассрочка?");
    assert_eq!(app.post(&admin, "/api/v1/kb/articles", odd).await.0, 201);
    let (_, _, home) = page(&app, "/help").await;
    let link = home
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap())
        .find(|href| href.starts_with("/help/marketplace/") && href.contains("%2F"))
        .expect("a link to the section")
        .to_owned();
    let (status, _, html) = page(&app, &link).await;
    assert_eq!(status, 200, "{link}");
    assert!(html.contains("<h1>Оплата / рассрочка?</h1>"), "{html}");

    for missing in [
        "/help/articles/nope",
        "/help/articles/..%2Fetc",
        "/help/marketplace/Нет%20такого",
        "/help/Bad/x",
    ] {
        let (status, _, html) = page(&app, missing).await;
        assert_eq!(status, 404, "{missing}");
        assert!(html.contains("Страница не найдена"));
    }

    let (status, headers, xml) = page(&app, "/sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let base = format!("http://{}", app.addr);
    assert!(
        xml.contains(&format!(
            "<loc>{base}/help/articles/refund-cancelled-order</loc><lastmod>"
        )),
        "{xml}"
    );
    assert!(xml.contains(&format!("<loc>{base}/help</loc>")), "{xml}");

    let (_, openapi) = public_get(&app, "/api/openapi.json").await;
    for path in [
        "/api/v1/kb/articles",
        "/api/v1/kb/articles/{id}",
        "/api/v1/kb/search",
        "/api/v1/kb/suggest",
        "/api/v1/kb/unanswered",
        "/api/v1/conversations/{id}/bot-feedback",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "{path} documented");
    }

    let (status, headers, js) = page(&app, "/help/assets/help.js").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.contains("/api/v1/kb/search"));
    assert!(
        !js.contains("innerHTML"),
        "results are built with textContent"
    );
}

/// What authors type (titles, sections, bodies) and what visitors search
/// for reaches every help page escaped: in text, in attributes and in
/// `<title>`.
#[tokio::test]
async fn help_pages_escape_what_authors_and_visitors_type() {
    const HOSTILE: &str = r#""'></title></script><script>alert(1)</script>"#;
    const ESCAPED: &str =
        "&#34;&#39;&#62;&#60;/title&#62;&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;";
    let app = TestApp::spawn().await;
    let admin = admin_with_articles(&app).await;
    let mut hostile = delivery_article();
    hostile["id"] = json!("hostile-quotes");
    hostile["title"] = json!(format!("Доставка {HOSTILE}"));
    hostile["section"] = json!(format!("Раздел {HOSTILE}"));
    hostile["body"] = json!(format!(
        "Курьер {HOSTILE} привезёт заказ.\n\n[ссылка](/x \"t{HOSTILE}\")\n"
    ));
    let (status, body) = app.post(&admin, "/api/v1/kb/articles", hostile).await;
    assert_eq!(status, 201, "{body}");

    let no_markup = |html: &str, path: &str| {
        assert!(!html.contains("<script>"), "{path}: {html}");
        assert!(!html.contains("</title></script>"), "{path}: {html}");
        assert!(!html.contains(r#""'>"#), "{path}: {html}");
        assert_eq!(html.matches("<title>").count(), 1, "{path}");
    };

    let (_, _, home) = page(&app, "/help").await;
    no_markup(&home, "/help");
    assert!(home.contains(&format!(">Раздел {ESCAPED}</a>")), "{home}");
    let section = home
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap())
        .find(|href| href.starts_with("/help/marketplace/%D0%A0%D0%B0%D0%B7"))
        .expect("a link to the section")
        .to_owned();
    assert!(section.contains("%22%27%3E%3C%2Ftitle%3E"), "{section}");

    let (status, _, html) = page(&app, &section).await;
    assert_eq!(status, 200, "{section}");
    no_markup(&html, &section);
    assert!(
        html.contains(&format!(
            "<title>Раздел {ESCAPED} — Маркетплейс — Помощь</title>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<meta name="description" content="Раздел {ESCAPED}: Доставка {ESCAPED}">"#
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("<h1>Раздел {ESCAPED}</h1>")),
        "{html}"
    );

    let (_, _, html) = page(&app, "/help/articles/hostile-quotes").await;
    no_markup(&html, "/help/articles/hostile-quotes");
    assert!(
        html.contains(&format!("<title>Доставка {ESCAPED} — Помощь</title>")),
        "{html}"
    );
    assert!(
        html.contains(&format!("<h1>Доставка {ESCAPED}</h1>")),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#" › <a href="{section}">Раздел {ESCAPED}</a></nav>"#
        )),
        "{html}"
    );
    assert!(
        html.contains(r#"<meta name="description" content="Курьер &#34;&#39;&#62;"#),
        "{html}"
    );
    // The body is Markdown: its raw HTML is shown as text.
    assert!(
        html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"),
        "{html}"
    );

    let (_, _, html) = page(
        &app,
        "/help?q=%22%27%3E%3C%2Ftitle%3E%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    )
    .await;
    no_markup(&html, "/help?q=");
    assert!(
        html.contains(&format!(
            "<title>{ESCAPED} — поиск по разделу «Помощь»</title>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("<h1>Результаты поиска: «{ESCAPED}»</h1>")),
        "{html}"
    );
}

#[tokio::test]
async fn the_demo_help_center_imports_into_a_store_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    {
        let settings = hotline_server::settings::Settings {
            data_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        let store = crate::helpers::open_store(&settings).await.unwrap();
        let report = hotline_server::help::demo_articles::import_demo_help_center(store.as_ref())
            .await
            .unwrap();
        assert!(report.created >= 60, "{report}");
        let again = hotline_server::help::demo_articles::import_demo_help_center(store.as_ref())
            .await
            .unwrap();
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, report.created)
        );
    }
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let html = page(&app, "/help").await.2;
    for department in ["marketplace", "travel", "bank"] {
        assert!(
            html.contains(&format!(r#"id="{department}""#)),
            "{department} has articles"
        );
    }
    // Every department has articles now, so every conversation starts with the bot.
    let customer = app.customer_token("c1");
    let conversation = app
        .start(&customer, "travel", "djpdhfn ltytu pf ,bktn")
        .await;
    let all = messages(&app, &customer, &conversation).await;
    assert_eq!(all[1]["author"]["kind"], "bot", "{all:?}");
}

#[tokio::test]
async fn the_demo_help_center_loads_into_a_running_server() {
    let app = TestApp::spawn().await;
    let (_, before) = public_get(
        &app,
        "/api/v1/kb/search?q=%D0%B2%D0%B0%D0%B7%D0%B2%D1%80%D0%B0%D1%82",
    )
    .await;
    assert_eq!(before, json!({"hits": []}));
    let report =
        hotline_server::help::demo_articles::load_demo_help_center(app.state.app.help_center())
            .await
            .unwrap();
    assert!(report.created >= 60, "{report}");
    // «вазврат» (a typo) finds the refund articles at once.
    let (_, after) = public_get(
        &app,
        "/api/v1/kb/search?q=%D0%B2%D0%B0%D0%B7%D0%B2%D1%80%D0%B0%D1%82",
    )
    .await;
    assert!(!hit_ids(&after, "hits").is_empty(), "{after}");
}

/// A journalist is not a customer: the bot gives the press office's address
/// and resolves the conversation, in a department where it does not
/// otherwise answer; nothing reaches the operators' queue, and the
/// journalist can still call an operator. A kind without an address
/// (investors here) goes to support as any request.
#[tokio::test]
async fn press_and_partners_get_their_address_and_nothing_waits_in_a_queue() {
    let app = TestApp::spawn_with(|s| {
        s.contacts.press = Some("press@example.com".into());
        s.contacts.partners = Some("https://example.com/partners".into());
    })
    .await;
    let operator = app
        .operator("op@example.com", Role::Operator, &["bank"])
        .await;
    let journalist = app.customer_token("j1");
    let (status, started) = app
        .post(
            &journalist,
            "/api/v1/conversations",
            json!({"department": "bank", "client_msg_id": "m-1",
                   "text": "Добрый день, я журналист РБК, нужен комментарий о новых тарифах"}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["status"], "resolved", "{started}");
    let conversation = started["id"].as_str().unwrap().to_owned();
    let all = messages(&app, &journalist, &conversation).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["author"]["kind"], "bot");
    let text = all[1]["text"].as_str().unwrap();
    assert!(text.contains("пресс-служба: press@example.com"), "{text}");
    assert!(text.contains("Позвать оператора"), "{text}");

    let partner = app.customer_token("p1");
    let (_, proposal) = app
        .post(
            &partner,
            "/api/v1/conversations",
            json!({"department": "bank", "client_msg_id": "m-1",
                   "text": "We'd like to discuss a partnership with your company"}),
        )
        .await;
    assert_eq!(proposal["status"], "resolved", "{proposal}");
    let answer = messages(&app, &partner, proposal["id"].as_str().unwrap()).await;
    let answer = answer[1]["text"].as_str().unwrap();
    assert!(answer.contains("https://example.com/partners"), "{answer}");
    assert!(answer.starts_with("Partnership proposals"), "{answer}");

    let investor = app.customer_token("i1");
    let queued = app
        .start(&investor, "bank", "Я акционер, когда собрание акционеров?")
        .await;
    let customer = app.customer_token("c1");
    let question = app.start(&customer, "bank", "Как закрыть вклад?").await;
    let (status, listed) = app
        .get(&operator, "/api/v1/conversations?status=queued")
        .await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&str> = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{listed}");
    assert!(ids.contains(&queued.as_str()) && ids.contains(&question.as_str()));

    // «Позвать оператора» still works.
    let (status, body) = app
        .post(
            &journalist,
            &format!("/api/v1/conversations/{conversation}/handoff"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("queued")),
        "{body}"
    );
}

#[tokio::test]
async fn article_changes_are_audited_with_the_article_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.operator("root@shop", Role::Admin, &["travel"]).await;
    let fields = |title: &str| {
        json!({"department": "travel", "section": "Багаж", "title": title,
               "body": "Сдайте багаж на стойке регистрации."})
    };
    let (status, _) = app
        .put(
            &admin,
            "/api/v1/kb/articles/bags",
            fields("Как сдать багаж"),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = app
        .put(
            &admin,
            "/api/v1/kb/articles/bags",
            fields("Как сдать багаж"),
        )
        .await;
    assert_eq!(status, 200, "unchanged: not audited again");
    let (status, _) = app
        .put(&admin, "/api/v1/kb/articles/bags", fields("Сдать багаж"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.delete(&admin, "/api/v1/kb/articles/bags").await;
    assert_eq!(status, 204);
    let (_, audit) = app.get(&admin, "/api/v1/audit?limit=500").await;
    let changes: Vec<(String, Value, Value)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("article."))
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["details"]["before"]["title"].clone(),
                e["details"]["after"]["title"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (
                "article.saved".to_owned(),
                Value::Null,
                json!("Как сдать багаж")
            ),
            (
                "article.saved".to_owned(),
                json!("Как сдать багаж"),
                json!("Сдать багаж")
            ),
            (
                "article.deleted".to_owned(),
                json!("Сдать багаж"),
                Value::Null
            ),
        ]
    );
}
