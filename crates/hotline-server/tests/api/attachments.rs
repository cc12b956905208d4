use crate::helpers::*;
use hotline_domain::Role;
use serde_json::json;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
];
const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\x00\x00";

#[tokio::test]
async fn files_travel_with_messages_and_only_to_those_who_may_read_them() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let mallory = app.customer_token("mallory");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let stranger = app
        .operator("s@example.com", Role::Operator, &["bank"])
        .await;
    let id = app.start(&ivan, "marketplace", "Пришёл не тот товар").await;

    let (status, receipt) = upload(&app, &ivan, "../../Чек №5.pdf", PDF).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["content_type"], "application/pdf");
    assert_eq!(
        receipt["name"], "Чек №5.pdf",
        "only the last path component is kept"
    );
    assert_eq!(receipt["size"], PDF.len());
    let attachment = receipt["id"].as_str().unwrap();

    let messages = format!("/api/v1/conversations/{id}/messages");
    let (status, body) =
        app.post(&mallory, "/api/v1/conversations", json!({"department": "marketplace", "text": "мой файл", "client_msg_id": "m", "attachment_ids": [attachment]})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_attachment")),
        "not mallory's upload"
    );
    let eleven: Vec<&str> = std::iter::repeat_n(attachment, 11).collect();
    let (status, body) = app
        .post(
            &ivan,
            &messages,
            json!({"text": "много", "client_msg_id": "att-0", "attachment_ids": eleven}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("too_many")),
        "never silently dropped"
    );
    let (status, sent) =
        app.post(&ivan, &messages, json!({"text": "Чек во вложении", "client_msg_id": "att-1", "attachment_ids": [attachment]})).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["attachments"][0]["id"], attachment);

    let download = |token: &str| {
        app.http
            .get(app.url(&format!("/api/v1/attachments/{attachment}")))
            .bearer_auth(token.to_owned())
            .send()
    };
    for token in [&ivan, &anna] {
        let response = download(token).await.unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''%D0%A7%D0%B5%D0%BA"),
            "{disposition}"
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);
    }
    for token in [&mallory, &stranger] {
        assert_eq!(download(token).await.unwrap().status(), 404);
    }
    assert_eq!(
        app.http
            .get(app.url("/api/v1/attachments/nope"))
            .bearer_auth(&ivan)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn types_are_sniffed_from_content_and_sizes_limited() {
    let app = TestApp::spawn_with(|s| s.max_attachment_bytes = 4096).await;
    let ivan = app.customer_token("ivan");
    let (status, png) = upload(&app, &ivan, "screenshot.txt", PNG).await;
    assert_eq!(
        (status, png["content_type"].as_str()),
        (201, Some("image/png")),
        "the name does not decide the type"
    );
    let (status, text) = upload(&app, &ivan, "note.txt", "Номер заказа 123".as_bytes()).await;
    assert_eq!(
        (status, text["content_type"].as_str()),
        (201, Some("text/plain; charset=utf-8"))
    );
    let (status, body) = upload(&app, &ivan, "invoice.pdf", EXE).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("unsupported_attachment_type"))
    );
    let (status, body) = upload(&app, &ivan, "binary.pdf", &[0u8, 1, 2, 3, 0, 0xff]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("unsupported_attachment_type"))
    );
    let mut big = PDF.to_vec();
    big.resize(5000, b' ');
    let (status, body) = upload(&app, &ivan, "big.pdf", &big).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("attachment_too_large"))
    );
    let (status, body) = upload(&app, &ivan, "empty.pdf", b"").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("empty_file"))
    );
    let form = reqwest::multipart::Form::new().text("other", "value");
    let response = app
        .http
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(&ivan)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = split(response).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("missing_file"))
    );
    let not_multipart = app
        .http
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(&ivan)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let (status, body) = split(not_multipart).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_multipart"))
    );
    let leftovers = std::fs::read_dir(app.dir.path().join("attachments/tmp"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 0, "refused uploads leave no temporary files");
}

#[tokio::test]
async fn files_in_internal_notes_stay_hidden_from_the_customer() {
    let app = TestApp::spawn().await;
    let ivan = app.customer_token("ivan");
    let anna = app
        .operator("anna@example.com", Role::Operator, &["marketplace"])
        .await;
    let id = app.start(&ivan, "marketplace", "Вопрос").await;
    let (_, upload) = upload(&app, &anna, "проверка.png", PNG).await;
    let attachment = upload["id"].as_str().unwrap();
    let (status, _) = app
        .post(&anna, &format!("/api/v1/conversations/{id}/messages"), json!({"text": "скрин из админки", "client_msg_id": "n", "internal": true, "attachment_ids": [attachment]}))
        .await;
    assert_eq!(status, 201);
    let path = format!("/api/v1/attachments/{attachment}");
    assert_eq!(app.get(&ivan, &path).await.0, 404);
    assert_eq!(
        app.http
            .get(app.url(&path))
            .bearer_auth(&anna)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
