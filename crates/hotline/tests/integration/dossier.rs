//! The regulator dossier from outside: the real binary, a claim filed with
//! a file, both sides writing (a card number masked, an internal note), the
//! ZIP downloaded and opened as a regulator would — the manifest's
//! checksums, the PDF's first page drawn by Debian's `pdftoppm`, its text
//! read by `pdftotext`.

use crate::durability::{start_server, token};
use crate::support::{NewOperator, Process, add_operator, login, tool_available};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::process::Command;

const OPERATOR_NAME: &str = "Анна Смирнова";

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// The ZIP's files by name.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().into_owned(), content)
        })
        .collect()
}

/// How many pixels of a binary PGM (`pdftoppm -gray`) are darker than
/// light grey.
fn dark_pixels(pgm: &[u8]) -> usize {
    // "P5\n<width> <height>\n<max>\n" then one byte per pixel.
    let mut fields = 0;
    let mut start = 0;
    let mut in_field = false;
    for (i, b) in pgm.iter().enumerate() {
        if b.is_ascii_whitespace() {
            if in_field {
                fields += 1;
                in_field = false;
                if fields == 4 {
                    start = i + 1;
                    break;
                }
            }
        } else {
            in_field = true;
        }
    }
    assert!(pgm.starts_with(b"P5") && start > 0, "a binary PGM");
    pgm[start..].iter().filter(|p| **p < 200).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dossier_holds_the_dialogue_as_the_customer_saw_it_with_checksums() {
    let dir = tempfile::tempdir().unwrap();
    add_operator(
        dir.path(),
        NewOperator {
            email: "anna@shop.example",
            name: OPERATOR_NAME,
            role: "operator",
            departments: "marketplace",
            password: "long-enough-password",
        },
    );
    let (server, base) = start_server(dir.path());
    let _server = Process(server);
    let http = reqwest::Client::new();
    let anna = login(&http, &base, "anna@shop.example", "long-enough-password").await;
    let ivan = token("ivan");

    let started = post(
        &http,
        format!("{base}/api/v1/conversations"),
        &ivan,
        json!({"department": "marketplace", "client_msg_id": "d1",
               "text": "Чайник пришёл с трещиной, оплачивал картой 4111 1111 1111 1111"}),
    )
    .await;
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(
        started["message"]["text"],
        "Чайник пришёл с трещиной, оплачивал картой •••• 1111"
    );
    let messages = format!("{base}/api/v1/conversations/{id}/messages");
    post(
        &http,
        format!("{base}/api/v1/conversations/{id}/assign"),
        &anna,
        json!({}),
    )
    .await;
    let reply = "Здравствуйте! Очень жаль, что так вышло. Пришлите, пожалуйста, фото чайника и чек — \
                 мы оформим возврат. Это длинное сообщение, чтобы проверить перенос строк в PDF: \
                 оно заведомо шире одной строки страницы формата A4.";
    post(
        &http,
        messages.clone(),
        &anna,
        json!({"text": reply, "client_msg_id": "r1"}),
    )
    .await;
    post(
        &http,
        messages.clone(),
        &anna,
        json!({"text": "Служебно: клиент постоянный, вернуть без экспертизы",
               "client_msg_id": "n1", "internal": true}),
    )
    .await;
    let upload = async |token: &str, name: &str, content: &[u8]| {
        let uploaded = crate::support::upload(&http, &base, token, name, content).await;
        uploaded["id"].as_str().expect("uploaded").to_owned()
    };
    let note_file = upload(&anna, "служебное.txt", b"only for operators").await;
    post(
        &http,
        messages.clone(),
        &anna,
        json!({"text": "Заметка с файлом", "client_msg_id": "n2", "internal": true,
               "attachment_ids": [note_file]}),
    )
    .await;
    post(
        &http,
        messages.clone(),
        &ivan,
        json!({"text": "Спасибо, отправляю претензию с чеком", "client_msg_id": "d2"}),
    )
    .await;
    let receipt: &[u8] = b"%PDF-1.4 receipt of the kettle";
    let receipt_id = upload(&ivan, "чек-чайник.pdf", receipt).await;
    let claim = post(
        &http,
        format!("{base}/api/v1/conversations/{id}/claims"),
        &ivan,
        json!({"type": "refund", "amount": {"value": "1299.00", "currency": "RUB"},
               "demand": "Вернуть деньги за чайник",
               "text": "Чайник пришёл с трещиной, прошу вернуть деньги.",
               "attachment_ids": [receipt_id], "client_msg_id": "c1"}),
    )
    .await;
    let number = claim["number"].as_str().unwrap().to_owned();

    let response = http
        .get(format!(
            "{base}/api/v1/claims/{}/dossier",
            claim["id"].as_str().unwrap()
        ))
        .bearer_auth(&ivan)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"dossier-{}.zip\"",
            number.replace('П', "P")
        )
    );
    let files = unzip(&response.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let attachment = format!("attachments/{receipt_id}-чек-чайник.pdf");
    assert_eq!(
        names,
        [
            attachment.as_str(),
            "transcript.pdf",
            "claim.json",
            "manifest.json"
        ],
        "the customer's file, never the internal note's"
    );
    let file = |name: &str| &files.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(file(&attachment).as_slice(), receipt);

    // The manifest lists every other file with its SHA-256.
    let manifest: Value = serde_json::from_slice(file("manifest.json")).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), files.len() - 1);
    for entry in listed {
        let path = entry["path"].as_str().unwrap();
        let content = file(path);
        assert_eq!(
            entry["sha256"],
            Sha256::digest(content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "{path}"
        );
        assert_eq!(entry["bytes"], content.len());
    }
    assert_eq!(manifest["claims"], json!([number]));
    assert_eq!(manifest["time_zone"], "UTC+03:00");

    let claim_json: Value = serde_json::from_slice(file("claim.json")).unwrap();
    assert_eq!(claim_json["number"], number.as_str());
    assert_eq!(claim_json["due_date"], claim["due_date"]);
    assert_eq!(claim_json["raw_due_date"], claim["raw_due_date"]);
    assert!(
        claim_json["legal_basis"]
            .as_str()
            .unwrap()
            .contains("ст. 22")
    );

    // The conversation's dossier lists its claims.
    let response = http
        .get(format!("{base}/api/v1/conversations/{id}/dossier"))
        .bearer_auth(&anna)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let whole = unzip(&response.bytes().await.unwrap());
    let claims: Value =
        serde_json::from_slice(&whole.iter().find(|(n, _)| n == "claim.json").unwrap().1).unwrap();
    assert_eq!(claims["claims"][0]["number"], number.as_str());

    let pdf = file("transcript.pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let work = tempfile::tempdir().unwrap();
    let pdf_path = work.path().join("transcript.pdf");
    std::fs::write(&pdf_path, pdf).unwrap();
    check_first_page(&pdf_path, work.path());
    check_text(&pdf_path, &number, reply);
}

/// The first page, drawn at 50 dpi, is not blank.
fn check_first_page(pdf: &Path, work: &Path) {
    if !tool_available("pdftoppm") {
        return;
    }
    let out = work.join("page");
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", "50", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "pdftoppm reads the PDF");
    let page = std::fs::read(work.join("page.pgm")).unwrap();
    let dark = dark_pixels(&page);
    assert!(dark > 500, "the first page shows text ({dark} dark pixels)");
    // docs/claims.md shows this page.
    if let Some(dir) = std::env::var_os("HOTLINE_SCREENSHOTS") {
        let status = Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
            .arg(pdf)
            .arg(Path::new(&dir).join("dossier-transcript"))
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// The PDF's text: both sides, the operator as the customer saw her, the
/// card masked as in the chat; no internal note, no card number.
fn check_text(pdf: &Path, number: &str, reply: &str) {
    if !tool_available("pdftotext") {
        return;
    }
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success(), "pdftotext reads the PDF");
    let text = String::from_utf8(output.stdout).unwrap();
    // Lines are wrapped: compare with the whitespace squeezed.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Чайник пришёл с трещиной, оплачивал картой •••• 1111",
        "Спасибо, отправляю претензию с чеком",
        reply,
        OPERATOR_NAME,
        number,
        "чек-чайник.pdf",
        "UTC+03:00",
    ] {
        let expected = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&expected),
            "{expected:?} is missing from:\n{text}"
        );
    }
    for absent in [
        "Служебно",
        "Заметка с файлом",
        "служебное.txt",
        "4111 1111",
        "4111111111111111",
    ] {
        assert!(!flat.contains(absent), "{absent:?} is in the PDF:\n{text}");
    }
    assert!(text.contains("стр. 1 из"), "{text}");
}
