//! The public help center in a real browser (headless Chromium over
//! chromedriver) against the real binary: search as you type, safe article
//! pages under the strict CSP, a phone-sized screen.
//!
//! Needs `chromedriver` and `chromium`; without chromedriver the test prints
//! a notice and passes, unless `HOTLINE_REQUIRE_BROWSER=1`.

use crate::support::{
    Process, accessibility_violations, chromedriver, free_port, headless, spawn_listening,
    wait_true,
};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// An article that would run code if its Markdown were rendered unsafely.
const HOSTILE: &str = "---\nid: hostile\ndepartment: bank\nsection: Проверка\ntitle: <img src=x onerror=\"window.pwned=1\">\n---\n<script>window.pwned=2</script>\n\n<img src=x onerror=\"window.pwned=3\">\n\n<svg onload=\"window.pwned=4\"></svg>\n\n[нажми](javascript:window.pwned=5)\n";

fn hotline(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotline"));
    command
        .arg("--data-dir")
        .arg(data)
        .current_dir(data)
        .env("NO_COLOR", "1");
    command
}

/// The server on a data directory holding the repository's demo help center
/// and one hostile article.
fn start_server(data: &Path) -> (Process, String) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/help-center");
    let hostile = data.join("hostile");
    std::fs::create_dir_all(&hostile).unwrap();
    std::fs::write(hostile.join("hostile.md"), HOSTILE).unwrap();
    for dir in [demo.as_path(), hostile.as_path()] {
        let import = hotline(data)
            .args(["kb", "import"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            import.status.success(),
            "{}",
            String::from_utf8_lossy(&import.stderr)
        );
    }
    let port = free_port();
    let mut command = hotline(data);
    command.args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    (spawn_listening(command), format!("http://127.0.0.1:{port}"))
}

/// A phone-sized headless browser.
async fn phone(webdriver: &str) -> Client {
    headless(webdriver, 390, 844).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_as_you_type_on_a_phone() {
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let (_server, base) = start_server(data.path());
    let client = phone(&webdriver).await;

    client.goto(&format!("{base}/help")).await.unwrap();
    assert_eq!(
        client.title().await.unwrap(),
        "Помощь — ответы на частые вопросы"
    );
    // Readable on a phone: nothing wider than the screen.
    wait_true(
        &client,
        "no horizontal scrolling",
        "return document.documentElement.scrollWidth <= window.innerWidth;",
    )
    .await;

    // The wrong keyboard layout («возврат денег за отменённый заказ»), typed
    // as a customer would; results appear only if help.js runs under the
    // page's strict CSP.
    let input = client.find(Locator::Id("help-search")).await.unwrap();
    input
        .send_keys("djpdhfn ltytu pf jnvtyeyysq pfrfp")
        .await
        .unwrap();
    wait_true(
        &client,
        "results as you type",
        "const list = document.getElementById('help-results');
         return !list.hidden && list.querySelectorAll('li a').length > 0;",
    )
    .await;
    assert_eq!(
        accessibility_violations(&client).await,
        Vec::<String>::new()
    );
    let first = client
        .find(Locator::Css("#help-results li a"))
        .await
        .unwrap();
    let href = first.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/help/articles/"), "{href}");
    let title = first.text().await.unwrap();
    first.click().await.unwrap();
    wait_true(
        &client,
        "the article page",
        "return location.pathname.startsWith('/help/articles/');",
    )
    .await;
    let heading = client.find(Locator::Css("article h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), title);
    assert!(client.title().await.unwrap().ends_with("— Помощь"));
    assert_eq!(
        accessibility_violations(&client).await,
        Vec::<String>::new()
    );
    // Its section, through the breadcrumbs.
    let crumbs: Vec<String> = serde_json::from_value(
        client
            .execute(
                "return [...document.querySelectorAll('nav a[href]')].map(a => a.getAttribute('href'))
                   .filter(h => /^\\/help\\/[^/]+\\/[^/]+$/.test(h) && !h.startsWith('/help/articles/'))",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    let section = crumbs
        .first()
        .expect("a breadcrumb to the article's section");
    client.goto(&format!("{base}{section}")).await.unwrap();
    client.find(Locator::Css("h1")).await.unwrap();
    assert_eq!(
        accessibility_violations(&client).await,
        Vec::<String>::new()
    );

    // Hostile Markdown stays text in a real browser.
    client
        .goto(&format!("{base}/help/articles/hostile"))
        .await
        .unwrap();
    let link = match client.find(Locator::Css("article .body a")).await {
        Ok(link) => link,
        Err(e) => panic!("{e}: {}", client.source().await.unwrap_or_default()),
    };
    assert_eq!(link.text().await.unwrap(), "нажми");
    link.click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pwned = client
        .execute("return window.pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, Value::Bool(true), "no script ran");
    let heading = client.find(Locator::Css("article h1")).await.unwrap();
    assert_eq!(
        heading.text().await.unwrap(),
        "<img src=x onerror=\"window.pwned=1\">"
    );
    let images = client
        .execute(
            "return document.querySelectorAll('article img, article script, article svg').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(images, json!(0));
    client.close().await.unwrap();
}
