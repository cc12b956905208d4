//! The customer widget and the operator console in a real browser: headless
//! Chromium driven over WebDriver (chromedriver), against the real binary in
//! demo mode.
//!
//! Needs `chromedriver` and `chromium` (Debian: `chromium-driver`). Without
//! chromedriver the tests print a notice and pass, unless
//! `HOTLINE_REQUIRE_BROWSER=1` (CI), where they fail. With
//! `HOTLINE_SCREENSHOTS=DIR` they save screenshots of the main screens there.

use crate::support::{
    Process, WAIT, accessibility_violations, chromedriver, free_port, headless, spawn_listening,
    wait_true,
};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Browser tests share two cores with everything else: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Server {
    process: Process,
    base: String,
}

fn start_server(data_dir: &Path, port: u16) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotline"));
    command
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir);
    Server {
        process: spawn_listening(command),
        base: format!("http://127.0.0.1:{port}"),
    }
}

/// A fresh browser (its own profile: cookies and storage are not shared).
async fn browser(webdriver: &str) -> Client {
    headless(webdriver, 1280, 900).await
}

fn screenshots_dir() -> Option<PathBuf> {
    std::env::var_os("HOTLINE_SCREENSHOTS").map(PathBuf::from)
}

async fn screenshot(client: &Client, name: &str) {
    if let Some(dir) = screenshots_dir() {
        std::fs::create_dir_all(&dir).unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

async fn find(client: &Client, xpath: &str) -> Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
}

/// A button by its accessible text, outside the hidden parts of the page.
async fn button(client: &Client, name: &str) -> Element {
    find(
        client,
        &format!(
            "//button[contains(normalize-space(.), '{name}')][not(ancestor-or-self::*[@hidden])]"
        ),
    )
    .await
}

/// Clicks the element at `xpath`.
async fn tap(client: &Client, xpath: &str) {
    find(client, xpath).await.click().await.unwrap();
}

/// No axe-core violation, and every control named.
async fn assert_accessible(client: &Client) {
    assert_eq!(accessibility_violations(client).await, Vec::<String>::new());
    assert_eq!(unnamed_controls(client).await, Vec::<String>::new());
}

/// A browser on the console, logged in as a demo operator.
async fn console_as(webdriver: &str, base: &str, email: &str, password: &str) -> Client {
    let client = browser(webdriver).await;
    client.goto(&format!("{base}/console")).await.unwrap();
    log_in_as(&client, email, password).await;
    client
}

/// Opens a page of the console's «Настройки» menu.
async fn open_setting(client: &Client, name: &str) {
    find(client, "//details[@id='settings-menu']/summary")
        .await
        .click()
        .await
        .unwrap();
    click(client, name).await;
}

/// Clicks the button named `name`, finding it again if the page redrew it
/// between finding and clicking.
async fn click(client: &Client, name: &str) {
    for _ in 0..5 {
        match button(client, name).await.click().await {
            Ok(()) => return,
            Err(fantoccini::error::CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("click {name}: {e}"),
        }
    }
    panic!("{name} kept being redrawn");
}

/// Opens the widget from the launcher on the host page and enters its frame.
async fn open_widget(client: &Client) {
    let host = find(client, "//hotline-widget").await;
    let root = host.shadow_root().await.unwrap();
    let launcher = root.find(Locator::Css("button")).await.unwrap();
    assert_eq!(launcher.text().await.unwrap(), "Чат с поддержкой");
    launcher.click().await.unwrap();
    let frame = root.find(Locator::Css("iframe")).await.unwrap();
    frame.enter_frame().await.unwrap();
}

/// The demo site as `customer`, with the widget open and its frame entered.
async fn widget_as(client: &Client, base: &str, customer: &str) {
    client
        .goto(&format!("{base}/demo?customer={customer}"))
        .await
        .unwrap();
    open_widget(client).await;
}

/// Controls without an accessible name (a label, `aria-label`, text or
/// title), described for the failure message.
async fn unnamed_controls(client: &Client) -> Vec<String> {
    let value = client
        .execute(
            "return [...document.querySelectorAll('button, input, select, textarea')]
               .filter(n => !(n.getAttribute('aria-label') || (n.labels && n.labels.length)
                              || n.textContent.trim() || n.title))
               .map(n => n.outerHTML.slice(0, 80))",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

/// The texts of the messages shown, in order.
async fn shown_texts(client: &Client) -> Vec<String> {
    let value = client
        .execute(
            // People's messages only: the bot's answers are checked where they appear.
            "return [...document.querySelectorAll('#log li.msg:not(.bot) .text')].map(n => n.textContent)",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

fn count(texts: &[String]) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for text in texts {
        *counts.entry(text.as_str()).or_default() += 1;
    }
    counts
}

fn sorted(texts: &[String]) -> Vec<String> {
    let mut texts = texts.to_vec();
    texts.sort();
    texts
}

fn sorted_str(texts: &[&str]) -> Vec<String> {
    sorted(&texts.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>())
}

/// Logs the demo operator Anna in to the console page, by the fields' labels.
async fn log_in_as_anna(client: &Client) {
    log_in_as(client, "anna@demo.hotline", "demo-anna-2026").await;
}

/// Logs a demo operator in to the console page, by the fields' labels.
async fn log_in_as(client: &Client, email: &str, password: &str) {
    find(client, "//label[normalize-space()='Email']").await;
    find(client, "//input[@id='email']")
        .await
        .send_keys(email)
        .await
        .unwrap();
    find(client, "//label[normalize-space()='Пароль']").await;
    find(client, "//input[@id='password']")
        .await
        .send_keys(password)
        .await
        .unwrap();
    click(client, "Войти").await;
    find(client, "//button[@id='logout']").await;
    wait_true(
        client,
        "the console after the login",
        "return !document.getElementById('app').hidden",
    )
    .await;
}

/// The console's «Все открытые» tab.
async fn show_all_open(client: &Client) {
    find(client, "//button[@id='tab-open']")
        .await
        .click()
        .await
        .unwrap();
}

/// Ivan, in the widget, writes about his order MP-100234 and gets the bot's answer.
async fn ask_about_the_headphones(client: &Client, base: &str) {
    widget_as(client, base, "demo-ivan").await;
    click(client, "Новое обращение").await;
    click(client, "Маркетплейс").await;
    click(client, "MP-100234").await;
    find(client, "//textarea[@aria-label='Сообщение']")
        .await
        .send_keys("Наушники не включаются")
        .await
        .unwrap();
    click(client, "Отправить").await;
    find(client, "//li[contains(@class, 'bot')]").await;
}

fn wait_for_text(text: &str) -> String {
    format!(
        "return [...document.querySelectorAll('#log li.msg .text')].some(n => n.textContent === {})",
        serde_json::to_string(text).unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_and_operator_chat_live_across_a_restart() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = start_server(data.path(), port);
    let base = server.base.clone();

    // The customer, on the company's site, opens the widget and picks an order.
    let customer = browser(&webdriver).await;
    customer
        .goto(&format!("{base}/demo?customer=demo-ivan"))
        .await
        .unwrap();
    screenshot(&customer, "demo-page").await;
    open_widget(&customer).await;
    click(&customer, "Новое обращение").await;
    click(&customer, "Маркетплейс").await;
    screenshot(&customer, "widget-start").await;
    click(&customer, "MP-100234").await;
    let first = "Где мой заказ? <b>жирный</b> <img src=x onerror=alert(1)>";
    find(&customer, "//textarea[@aria-label='Сообщение']")
        .await
        .send_keys(first)
        .await
        .unwrap();
    click(&customer, "Отправить").await;
    wait_true(
        &customer,
        "the first message to be sent",
        "return document.querySelector('#log li.msg [data-state=sent]') !== null",
    )
    .await;
    // HTML in a message is text: no element was made from it.
    let markup = customer
        .execute(
            "return document.querySelectorAll('#log b, #log img').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(markup, json!(0));
    assert_eq!(shown_texts(&customer).await, vec![first.to_owned()]);
    assert_eq!(unnamed_controls(&customer).await, Vec::<String>::new());

    // The bot answers first, from the help center; the customer wants a person.
    find(
        &customer,
        "//li[contains(@class, 'bot')]//a[contains(@class, 'suggestion')][contains(., 'Как отследить заказ')]",
    )
    .await;
    click(&customer, "Не помогло").await;

    // A file of a refused type is explained in words, not sent.
    let program = data.path().join("virus.exe");
    std::fs::write(&program, "MZ not a document").unwrap();
    find(
        &customer,
        "//input[@type='file'][@aria-label='Прикрепить файл']",
    )
    .await
    .send_keys(program.to_str().unwrap())
    .await
    .unwrap();
    find(
        &customer,
        "//*[@role='alert'][contains(., 'virus.exe') and contains(., 'не подходит')]",
    )
    .await;

    // The operator logs in in another browser, takes it, answers with a file.
    let operator = browser(&webdriver).await;
    operator.goto(&format!("{base}/console")).await.unwrap();
    find(&operator, "//input[@id='email']").await;
    assert_eq!(
        accessibility_violations(&operator).await,
        Vec::<String>::new()
    );
    log_in_as_anna(&operator).await;
    assert_eq!(unnamed_controls(&operator).await, Vec::<String>::new());
    click(&operator, "Иван Петров").await;
    find(
        &operator,
        "//aside[@id='context']//*[contains(., 'Наушники Sony')]",
    )
    .await;
    // The operator has the message on screen: the customer sees it read.
    wait_true(
        &customer,
        "the customer's message to show as read",
        "return document.querySelector('#log li.msg.mine [data-state=read]')?.textContent === 'Прочитано'",
    )
    .await;
    click(&operator, "Взять в работу").await;
    find(&operator, "//button[@id='resolve']").await;
    let receipt = data.path().join("receipt.txt");
    std::fs::write(&receipt, "Чек № 42\n").unwrap();
    find(
        &operator,
        "//input[@type='file'][@aria-label='Прикрепить файл']",
    )
    .await
    .send_keys(receipt.to_str().unwrap())
    .await
    .unwrap();
    find(
        &operator,
        "//div[contains(@class, 'upload') and contains(@class, 'ready')]",
    )
    .await;
    // A canned reply of the department, with its placeholders filled.
    find(&operator, "//select[@aria-label='Готовые ответы']")
        .await
        .select_by_label("Приветствие")
        .await
        .unwrap();
    let filled = operator
        .execute("return document.getElementById('reply').value", vec![])
        .await
        .unwrap();
    assert_eq!(
        filled,
        json!("Здравствуйте, Иван Петров! Меня зовут Анна Смирнова, я помогу разобраться.")
    );
    find(&operator, "//textarea[@id='reply']")
        .await
        .clear()
        .await
        .unwrap();
    let reply = "Заказ приедет завтра, чек во вложении";
    find(&operator, "//label[normalize-space()='Ответ']").await;
    find(&operator, "//textarea[@id='reply']")
        .await
        .send_keys(reply)
        .await
        .unwrap();
    // The customer sees the operator typing.
    wait_true(
        &customer,
        "the typing indicator",
        "return document.getElementById('typing').textContent.includes('Анна Смирнова печатает')",
    )
    .await;
    click(&operator, "Отправить").await;
    // An internal note looks different and never reaches the customer.
    let note = "Клиент нервничает, проверить склад";
    tap(&operator, "//input[@id='note']").await;
    find(&operator, "//textarea[@id='reply']")
        .await
        .send_keys(note)
        .await
        .unwrap();
    click(&operator, "Отправить").await;
    wait_true(
        &operator,
        "the note to be stored",
        "return document.querySelector('#log li.msg.internal[data-seq]') !== null",
    )
    .await;
    screenshot(&operator, "console").await;
    assert_eq!(
        accessibility_violations(&operator).await,
        Vec::<String>::new()
    );

    // The customer sees the reply live, with the file.
    wait_true(&customer, "the operator's reply", &wait_for_text(reply)).await;
    find(
        &customer,
        "//li[contains(@class,'msg')]//button[contains(., 'receipt.txt')]",
    )
    .await;
    screenshot(&customer, "widget-conversation").await;
    // The operator's reply carries the verified mark; the customer's own messages none.
    let marks = customer
        .execute(
            "return [[...document.querySelectorAll('#log li.msg.operator')].map(n => n.querySelector('.meta .verified') !== null),
                     document.querySelectorAll('#log li.msg.mine .verified').length]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(marks, json!([[true], 0]));
    assert_eq!(
        accessibility_violations(&customer).await,
        Vec::<String>::new()
    );
    // The customer has the reply on screen: the operator sees it read, and
    // the note never gets a receipt.
    wait_true(
        &operator,
        "the reply to show as read",
        &format!(
            "return [...document.querySelectorAll('#log li.msg.operator')].some(n =>
               n.querySelector('.text').textContent === {} && n.querySelector('[data-state=read]')?.textContent === 'Прочитано')",
            serde_json::to_string(reply).unwrap()
        ),
    )
    .await;
    let note_receipts = operator
        .execute(
            "return document.querySelectorAll('#log li.msg.internal .delivery').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(note_receipts, json!(0));

    // The server restarts; meanwhile the customer writes (offline).
    drop(server);
    let offline = "Пишу, пока сервер перезапускается";
    find(&customer, "//textarea[@aria-label='Сообщение']")
        .await
        .send_keys(offline)
        .await
        .unwrap();
    click(&customer, "Отправить").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server = start_server(data.path(), port);

    // While the pages are still reconnecting, the operator answers over the
    // API: the pages catch up from their cursors.
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{}/demo/token", server.base))
        .json(&json!({"customer": "demo-ivan"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let list: Value = http
        .get(format!("{}/api/v1/conversations", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conversations = list["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1, "one conversation: {list}");
    let id = conversations[0]["id"].as_str().unwrap().to_owned();
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": "anna@demo.hotline", "password": "demo-anna-2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let missed = "Пока вас не было: заказ передан курьеру";
    let posted = http
        .post(format!(
            "{}/api/v1/conversations/{id}/messages",
            server.base
        ))
        .bearer_auth(login["token"].as_str().unwrap())
        .json(&json!({"text": missed, "client_msg_id": "api-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201);

    // Sent once when back; the operator sees it live after reconnecting.
    wait_true(
        &customer,
        "the offline message to be sent",
        "return [...document.querySelectorAll('#log li.msg')].every(li => li.dataset.seq)",
    )
    .await;
    wait_true(
        &operator,
        "the offline message at the operator",
        &wait_for_text(offline),
    )
    .await;
    let after = "После перезапуска всё на месте";
    tap(&operator, "//input[@id='note']").await;
    find(&operator, "//textarea[@id='reply']")
        .await
        .send_keys(after)
        .await
        .unwrap();
    click(&operator, "Отправить").await;
    wait_true(
        &customer,
        "the reply after the restart",
        &wait_for_text(after),
    )
    .await;

    // Nothing lost, nothing doubled: the widget shows exactly what is stored.
    wait_true(
        &customer,
        "the message sent while away",
        &wait_for_text(missed),
    )
    .await;
    let texts = shown_texts(&customer).await;
    let mut expected = vec![first, reply, offline, missed, after];
    assert_eq!(sorted(&texts), sorted_str(&expected), "{texts:?}");
    assert!(count(&texts).values().all(|&n| n == 1), "{texts:?}");
    let stored: Value = http
        .get(format!(
            "{}/api/v1/conversations/{id}/messages",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: Vec<&str> = stored["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"]["kind"] != "bot")
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(stored, texts);
    wait_true(
        &operator,
        "the API message at the operator",
        &wait_for_text(missed),
    )
    .await;
    let operator_texts = shown_texts(&operator).await;
    expected.push(note);
    assert_eq!(
        sorted(&operator_texts),
        sorted_str(&expected),
        "{operator_texts:?}"
    );
    assert!(count(&operator_texts).values().all(|&n| n == 1));

    // A new conversation raises the console's title badge.
    let petr: Value = http
        .post(format!("{}/demo/token", server.base))
        .json(&json!({"customer": "demo-petr"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let started = http
        .post(format!("{}/api/v1/conversations", server.base))
        .bearer_auth(petr["token"].as_str().unwrap())
        .json(&json!({"department": "travel", "text": "Поезд задерживается?", "client_msg_id": "p-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    wait_true(
        &operator,
        "the title badge",
        "return document.title === '(1) Консоль оператора'",
    )
    .await;

    // Earlier conversations are listed and reopen.
    customer
        .find(Locator::XPath("//button[@aria-label='Назад']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&customer, "Маркетплейс").await;
    wait_true(
        &customer,
        "the reopened conversation",
        &wait_for_text(after),
    )
    .await;
    assert_eq!(shown_texts(&customer).await, texts);

    // Alt+R resolves the open conversation; the customer is told.
    operator
        .find(Locator::XPath("//textarea[@id='reply']"))
        .await
        .unwrap()
        .send_keys(&format!(
            "{}r{}",
            fantoccini::key::Key::Alt,
            fantoccini::key::Key::Null
        ))
        .await
        .unwrap();
    wait_true(
        &customer,
        "the resolved status",
        "return document.getElementById('conversation-status').textContent.startsWith('Обращение решено')",
    )
    .await;

    // On a phone the widget fills the screen, and the console stacks its panes.
    operator.set_window_size(390, 844).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let overflow = operator
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(0), "the console fits a phone's width");
    screenshot(&operator, "console-phone").await;
    customer.enter_parent_frame().await.unwrap();
    customer.set_window_size(390, 844).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot(&customer, "phone").await;

    customer.close().await.unwrap();
    operator.close().await.unwrap();
    drop(server.process);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_page_cannot_style_the_widget_and_guests_get_no_chat() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let client = browser(&webdriver).await;

    // A hostile host style sheet (added through the CSSOM, which the demo
    // page's CSP allows) that would recolour and hide everything it reaches.
    client
        .goto(&format!("{}/demo?customer=demo-ivan", server.base))
        .await
        .unwrap();
    client
        .execute(
            "const sheet = new CSSStyleSheet();
             sheet.replaceSync('* { color: rgb(255, 0, 0) !important; font-size: 40px !important; } \
                                button, iframe, textarea { display: none !important; }');
             document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];",
            vec![],
        )
        .await
        .unwrap();
    let host = find(&client, "//hotline-widget").await;
    let root = host.shadow_root().await.unwrap();
    let launcher = root.find(Locator::Css("button")).await.unwrap();
    assert!(launcher.is_displayed().await.unwrap());
    assert_eq!(
        launcher.css_value("color").await.unwrap(),
        "rgba(255, 255, 255, 1)"
    );
    assert_ne!(launcher.css_value("font-size").await.unwrap(), "40px");
    open_widget(&client).await;
    let new_conversation = button(&client, "Новое обращение").await;
    assert!(new_conversation.is_displayed().await.unwrap());
    assert_ne!(
        new_conversation.css_value("color").await.unwrap(),
        "rgba(255, 0, 0, 1)"
    );
    assert_ne!(
        new_conversation.css_value("font-size").await.unwrap(),
        "40px"
    );

    // A guest (no identity token) gets the help center, never a chat.
    client.enter_parent_frame().await.unwrap();
    widget_as(&client, &server.base, "guest").await;
    find(
        &client,
        "//h2[normalize-space()='Чат доступен после входа']",
    )
    .await;
    assert_eq!(
        accessibility_violations(&client).await,
        Vec::<String>::new()
    );
    find(&client, "//a[normalize-space()='Центр помощи']").await;
    let chat = client
        .find_all(Locator::XPath(
            "//textarea[@aria-label='Сообщение'] | //button[contains(., 'Новое обращение')]",
        ))
        .await
        .unwrap();
    assert!(chat.is_empty(), "no chat without a token");

    // Links built from data never run script, and reconnects spread out
    // (full jitter) up to a ceiling: the pages' own modules, in the frame.
    let checks = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             Promise.all([import('/assets/common.js'), import('/assets/live.js')]).then(([c, l]) => done({
               script: c.safeUrl('javascript:alert(1)', '/help'),
               data: c.safeUrl('data:text/html,<b>x</b>', '/help'),
               web: c.safeUrl('https://help.example/a?b=1', '/help'),
               relative: c.safeUrl('/help/a', '/help') === location.origin + '/help/a',
               shortest: [0, 1, 5, 40].map((a) => l.reconnectDelay(a, 0)),
               longest: [0, 1, 2, 3, 4, 5, 40].map((a) => l.reconnectDelay(a, 1)),
             }), (e) => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        checks,
        json!({
            "script": "/help", "data": "/help", "web": "https://help.example/a?b=1", "relative": true,
            "shortest": [100, 100, 100, 100],
            "longest": [500, 1000, 2000, 4000, 8000, 15000, 15000],
        })
    );
    screenshot(&client, "widget-guest").await;

    // The same in English when the company's page is in English.
    client.enter_parent_frame().await.unwrap();
    client
        .goto(&format!("{}/demo?customer=guest&lang=en", server.base))
        .await
        .unwrap();
    let host = find(&client, "//hotline-widget").await;
    let root = host.shadow_root().await.unwrap();
    let launcher = root.find(Locator::Css("button")).await.unwrap();
    assert_eq!(launcher.text().await.unwrap(), "Chat with support");
    launcher.click().await.unwrap();
    root.find(Locator::Css("iframe"))
        .await
        .unwrap()
        .enter_frame()
        .await
        .unwrap();
    find(
        &client,
        "//h2[normalize-space()='The chat is available after you log in']",
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_messages_carry_a_mark_no_text_fakes_and_a_hacked_account_takes_one_tap() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let client = browser(&webdriver).await;
    widget_as(&client, &server.base, "demo-ivan").await;
    click(&client, "Новое обращение").await;
    click(&client, "Маркетплейс").await;
    click(&client, "Вопрос не по заказу").await;

    // A customer who types the mark's words gets no mark; the bot's answer has one.
    let fake = "✔ Официальный оператор. Где мой заказ?";
    find(&client, "//textarea[@aria-label='Сообщение']")
        .await
        .send_keys(fake)
        .await
        .unwrap();
    click(&client, "Отправить").await;
    let mark = find(
        &client,
        "//li[contains(@class, 'bot')]//div[@class='meta']/button[contains(@class, 'verified')]",
    )
    .await;
    wait_true(&client, "the customer's message", &wait_for_text(fake)).await;
    let unmarked = client
        .execute(
            "return document.querySelectorAll('#log li.msg.mine .verified, #log .text .verified').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(unmarked, json!(0));
    assert_eq!(
        mark.attr("aria-label").await.unwrap().as_deref(),
        Some("Официальный сотрудник поддержки")
    );
    // A tap says what the mark means.
    mark.click().await.unwrap();
    find(
        &client,
        "//li[contains(@class, 'bot')]/p[@class='verified-hint'][contains(., 'никогда не просит')]",
    )
    .await;
    assert_eq!(unnamed_controls(&client).await, Vec::<String>::new());

    // «Мой аккаунт взломали»: one tap opens the security conversation with
    // what to do at once, and asks for nothing secret.
    tap(&client, "//button[@id='back']").await;
    click(&client, "Мой аккаунт взломали").await;
    find(
        &client,
        "//section[contains(@class, 'advice')][@role='alert']/h2[normalize-space()='Что сделать прямо сейчас']",
    )
    .await;
    wait_true(
        &client,
        "the report in the chat",
        &wait_for_text("Мне кажется, мой аккаунт взломали"),
    )
    .await;
    assert_eq!(
        find(&client, "//h1[@id='title']")
            .await
            .text()
            .await
            .unwrap(),
        "Служба безопасности"
    );
    screenshot(&client, "widget-takeover").await;
    assert_eq!(unnamed_controls(&client).await, Vec::<String>::new());
    assert_eq!(
        accessibility_violations(&client).await,
        Vec::<String>::new()
    );

    // A second tap joins the open report instead of opening another.
    tap(&client, "//button[@id='back']").await;
    find(&client, "//div[@id='earlier']//li").await;
    assert_eq!(
        accessibility_violations(&client).await,
        Vec::<String>::new()
    );
    click(&client, "Мой аккаунт взломали").await;
    find(&client, "//section[contains(@class, 'advice')]").await;
    tap(&client, "//button[@id='back']").await;
    wait_true(
        &client,
        "the earlier conversations",
        "return document.querySelectorAll('#earlier li').length === 2",
    )
    .await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_rates_a_resolved_conversation_and_the_operator_sees_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let customer = browser(&webdriver).await;
    ask_about_the_headphones(&customer, &server.base).await;
    click(&customer, "Позвать оператора").await;
    wait_true(
        &customer,
        "the conversation in the queue",
        "return document.getElementById('conversation-status').textContent.includes('очеред')",
    )
    .await;

    // The operator takes it in the console and resolves it.
    let operator = browser(&webdriver).await;
    operator
        .goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    log_in_as_anna(&operator).await;
    click(&operator, "Иван Петров").await;
    click(&operator, "Взять в работу").await;
    click(&operator, "Решено").await;

    // The widget asks for a rating as soon as it is resolved.
    find(
        &customer,
        "//section[@id='rating']/h2[normalize-space()='Оцените, пожалуйста, помощь']",
    )
    .await;
    assert_eq!(
        accessibility_violations(&customer).await,
        Vec::<String>::new()
    );
    tap(&customer, "//button[@aria-label='Оценка 4 из 5']").await;
    find(&customer, "//textarea[@id='rating-comment']")
        .await
        .send_keys("Помогли быстро")
        .await
        .unwrap();
    screenshot(&customer, "widget-rating").await;
    click(&customer, "Отправить оценку").await;
    find(
        &customer,
        "//section[@id='rating']/p[normalize-space()='Ваша оценка: 4 из 5']",
    )
    .await;

    // The operator, still on the conversation, sees the rating arrive.
    let shown = find(&operator, "//p[@id='customer-rating']").await;
    assert_eq!(
        shown.text().await.unwrap(),
        "Оценка клиента: 4 из 5 — «Помогли быстро»"
    );
    customer.close().await.unwrap();
    operator.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_reads_the_period_on_the_reports_page_and_in_csv() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    // A known history: three conversations, one of them in the bank.
    let http = reqwest::Client::new();
    for (sub, department) in [("r-1", "marketplace"), ("r-2", "travel"), ("r-3", "bank")] {
        let minted = Command::new(env!("CARGO_BIN_EXE_hotline"))
            .args([
                "customer-token",
                "--sub",
                sub,
                "--name",
                sub,
                "--amr",
                "pwd,otp",
            ])
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(minted.status.success(), "{minted:?}");
        let token = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
        let started = http
            .post(format!("{}/api/v1/conversations", server.base))
            .bearer_auth(&token)
            .json(&json!({"department": department, "text": "Вопрос", "client_msg_id": "q-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), 201, "{}", started.text().await.unwrap());
    }

    let client = console_as(
        &webdriver,
        &server.base,
        "svetlana@demo.hotline",
        "demo-svetlana-2026",
    )
    .await;
    click(&client, "Отчёты").await;
    let opened = find(&client, "//div[@data-metric='report_opened']/dd").await;
    wait_true(
        &client,
        "the report's numbers",
        "return document.querySelector('[data-metric=report_opened] dd').textContent === '3'",
    )
    .await;
    assert_eq!(opened.text().await.unwrap(), "3");
    let bars = client
        .execute(
            "return [...document.querySelectorAll('svg.chart')].map(s => s.querySelectorAll('rect.bar').length)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(bars, json!([24, 7]));
    assert_eq!(
        accessibility_violations(&client).await,
        Vec::<String>::new()
    );
    screenshot(&client, "console-reports").await;

    // One department: the bank's conversation alone.
    find(&client, "//select[@id='report-department']")
        .await
        .select_by_value("bank")
        .await
        .unwrap();
    click(&client, "Показать").await;
    wait_true(
        &client,
        "the bank's numbers",
        "return document.querySelector('[data-metric=report_opened] dd')?.textContent === '1'",
    )
    .await;

    // The CSV the page downloads holds the same numbers.
    let csv = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const from = document.getElementById('report-from').value, to = document.getElementById('report-to').value;
             fetch(`/api/v1/reports/summary?from=${from}&to=${to}`, { headers: { accept: 'text/csv' }, credentials: 'same-origin' })
               .then((r) => r.text()).then(done, (e) => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap();
    assert!(csv.lines().any(|l| l == "conversations_opened,3"), "{csv}");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_files_a_claim_and_the_supervisor_sees_it_in_the_registry() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let customer = browser(&webdriver).await;
    ask_about_the_headphones(&customer, &server.base).await;

    // The claim form: the conversation's order is chosen already.
    click(&customer, "Подать претензию").await;
    find(
        &customer,
        "//label[@for='claim-type'][normalize-space()='Что случилось']",
    )
    .await;
    let order = customer
        .execute(
            "return document.getElementById('claim-order').value",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(order, json!("MP-100234"));
    find(&customer, "//input[@id='claim-amount']")
        .await
        .send_keys("24990")
        .await
        .unwrap();
    find(&customer, "//textarea[@id='claim-demand']")
        .await
        .send_keys("Вернуть деньги за наушники")
        .await
        .unwrap();
    find(&customer, "//textarea[@id='claim-text']")
        .await
        .send_keys("Не включаются с первого дня, сервис отказал")
        .await
        .unwrap();
    assert_accessible(&customer).await;
    screenshot(&customer, "widget-claim").await;
    click(&customer, "Отправить претензию").await;
    let filed = find(&customer, "//section[contains(@class, 'claim-filed')]/h2").await;
    let heading = filed.text().await.unwrap();
    assert!(
        heading.starts_with("Претензия № П-") && heading.ends_with("принята"),
        "{heading}"
    );
    let number = heading
        .trim_start_matches("Претензия № ")
        .trim_end_matches(" принята")
        .to_owned();
    find(
        &customer,
        "//section[contains(@class, 'claim-filed')]/p[starts-with(., 'Ответ — не позднее')]",
    )
    .await;
    find(
        &customer,
        "//section[contains(@class, 'claim-filed')]/button[normalize-space()='Скачать для регулятора']",
    )
    .await;
    // Where to go next: each regulator with its period.
    click(&customer, "Куда обратиться дальше").await;
    for heading in [
        "Роспотребнадзор — через Госуслуги",
        "Банк России — интернет-приёмная",
        "Финансовый уполномоченный",
    ] {
        find(&customer, &format!("//h3[normalize-space()='{heading}']")).await;
    }
    assert_eq!(
        accessibility_violations(&customer).await,
        Vec::<String>::new()
    );
    screenshot(&customer, "widget-where-next").await;
    // Back in the chat, the acknowledgement with the number.
    click(&customer, "Вернуться в чат").await;
    wait_true(
        &customer,
        "the acknowledgement in the chat",
        &format!(
            "return [...document.querySelectorAll('#log li.msg .text')].some(n => n.textContent.includes({}))",
            serde_json::to_string(&format!("Претензия № {number} зарегистрирована")).unwrap()
        ),
    )
    .await;
    // Under the chat, the conversation's dossier downloads without an error.
    find(&customer, "//button[@id='dossier-button']").await;
    click(&customer, "Скачать для регулятора").await;
    wait_true(
        &customer,
        "the dossier downloaded",
        "const b = document.getElementById('dossier-button'); \
         return !b.disabled && !document.querySelector('.dossier-error')",
    )
    .await;

    // The supervisor's registry lists it.
    let supervisor = console_as(
        &webdriver,
        &server.base,
        "svetlana@demo.hotline",
        "demo-svetlana-2026",
    )
    .await;
    click(&supervisor, "Претензии").await;
    let row = find(
        &supervisor,
        &format!("//table[contains(@class, 'claims')]//tr[@data-number='{number}']"),
    )
    .await;
    assert!(row.text().await.unwrap().contains("Верните деньги"));
    assert_eq!(
        accessibility_violations(&supervisor).await,
        Vec::<String>::new()
    );
    screenshot(&supervisor, "console-claims").await;
    // Its dossier is a plain link: the console's session authenticates it.
    let fetched = supervisor
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 const link = document.querySelector('tr[data-number=\"{number}\"] a[href$=\"/dossier\"]');
                 fetch(link.href).then((r) => done(r.status + ' ' + r.headers.get('content-type')), (e) => done(String(e)));"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fetched, json!("200 application/zip"));
    // The number leads to the conversation.
    click(&supervisor, &number).await;
    find(
        &supervisor,
        "//header[@id='conversation-header']//h2[normalize-space()='Иван Петров']",
    )
    .await;
    customer.close().await.unwrap();
    supervisor.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bank_chat_needs_a_recent_login_with_a_code() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let client = browser(&webdriver).await;

    // Ivan logged in with a password only: the widget explains, no chat.
    widget_as(&client, &server.base, "demo-ivan").await;
    click(&client, "Новое обращение").await;
    click(&client, "Банк").await;
    find(
        &client,
        "//h2[normalize-space()='Нужно подтвердить вход в Банк']",
    )
    .await;
    let chat = client
        .find_all(Locator::XPath(
            "//textarea[@aria-label='Сообщение'] | //button[contains(., 'BK-4417')]",
        ))
        .await
        .unwrap();
    assert!(chat.is_empty(), "no bank chat without a step-up");

    // Maria entered a one-time code a moment ago: her cards are offered.
    client.enter_parent_frame().await.unwrap();
    widget_as(&client, &server.base, "demo-maria").await;
    click(&client, "Новое обращение").await;
    click(&client, "Банк").await;
    click(&client, "BK-2090").await;
    find(&client, "//textarea[@aria-label='Сообщение']").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_flags_an_order_the_customer_does_not_have() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());

    // A token without an `orders` claim (the company's app did not list
    // them), signed with this server's secret: its order is not checked.
    let minted = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args([
            "customer-token",
            "--sub",
            "olga-1",
            "--name",
            "Ольга Смирнова",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .output()
        .unwrap();
    assert!(minted.status.success(), "{minted:?}");
    let token = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
    let http = reqwest::Client::new();
    let saved = http
        .post(format!("{}/api/v1/customer/context", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 204);
    let started = http
        .post(format!("{}/api/v1/conversations", server.base))
        .bearer_auth(&token)
        .json(
            &json!({"department": "marketplace", "order_id": "MP-000001",
                      "text": "Где мой заказ?", "client_msg_id": "o-1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);

    let operator = browser(&webdriver).await;
    operator
        .goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    log_in_as_anna(&operator).await;
    show_all_open(&operator).await;
    click(&operator, "Ольга Смирнова").await;
    let flagged = find(
        &operator,
        "//aside[@id='context']//li[contains(@class, 'unknown')][contains(., 'MP-000001')]",
    )
    .await;
    assert!(
        flagged
            .text()
            .await
            .unwrap()
            .contains("Такого заказа нет среди заказов клиента"),
    );
    operator.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_reconnect_triggers_at_once_open_one_socket() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let client = browser(&webdriver).await;
    client
        .goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    // Count the sockets the page opens (the stream is made after the login).
    client
        .execute(
            "window.openedSockets = [];
             const Native = window.WebSocket;
             window.WebSocket = class extends Native {
               constructor(...args) { super(...args); window.openedSockets.push(this); }
             };",
            vec![],
        )
        .await
        .unwrap();
    log_in_as_anna(&client).await;
    wait_true(
        &client,
        "the stream to be open",
        "return openedSockets.length === 1 && openedSockets[0].readyState === 1",
    )
    .await;
    // The socket drops, and the network comes back five times in a row
    // while the first reconnect still waits for its ticket.
    client
        .execute(
            "openedSockets[0].close();
             for (let i = 0; i < 5; i++) window.dispatchEvent(new Event('online'));",
            vec![],
        )
        .await
        .unwrap();
    wait_true(
        &client,
        "the stream to be open again",
        "return openedSockets.at(-1).readyState === 1",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sockets = client
        .execute("return openedSockets.map((s) => s.readyState)", vec![])
        .await
        .unwrap();
    assert_eq!(
        sockets,
        json!([3, 1]),
        "one new socket, open; the old one closed"
    );
    client.close().await.unwrap();
}

/// A Telegram guest in the console: the queue names the channel and says
/// «не подтверждён», and so does the customer panel (the guest is not a
/// logged-in customer until the chat is linked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_a_telegram_guest_marked_unverified() {
    const SECRET: &str = "browser-webhook-secret";
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotline"));
    command
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data.path())
        .env(
            "HOTLINE_CHANNELS__TELEGRAM__BOT_TOKEN",
            "123456:browser-test",
        )
        .env("HOTLINE_CHANNELS__TELEGRAM__WEBHOOK_SECRET", SECRET)
        .env("HOTLINE_CHANNELS__TELEGRAM__DEPARTMENT", "travel")
        // Nobody answers there: the bot's replies wait in the outbox.
        .env("HOTLINE_CHANNELS__TELEGRAM__API_URL", "http://127.0.0.1:9");
    let _server = spawn_listening(command);
    let base = format!("http://127.0.0.1:{port}");

    let update = json!({
        "update_id": 800000001,
        "message": {
            "message_id": 1,
            "from": {"id": 777000111, "is_bot": false, "first_name": "Мария", "last_name": "Котова"},
            "chat": {"id": 777000111, "first_name": "Мария", "last_name": "Котова", "type": "private"},
            "date": 1780000000,
            "text": "Не могу войти в приложение, а рейс завтра. Как поменять дату?"
        }
    });
    let taken = reqwest::Client::new()
        .post(format!("{base}/api/v1/channels/telegram/webhook"))
        .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 200);

    let operator = browser(&webdriver).await;
    operator.goto(&format!("{base}/console")).await.unwrap();
    log_in_as_anna(&operator).await;
    show_all_open(&operator).await;
    let mark = find(
        &operator,
        "//button[contains(@class, 'conversation-item')][contains(., 'Мария Котова')]\
         /span[contains(@class, 'channel-mark')][@data-channel='telegram']",
    )
    .await;
    assert_eq!(mark.text().await.unwrap(), "Telegram · не подтверждён");
    click(&operator, "Мария Котова").await;
    let fact = find(
        &operator,
        "//aside[@id='context']//dd[contains(@class, 'channel-fact')][@data-channel='telegram']",
    )
    .await;
    assert_eq!(fact.text().await.unwrap(), "Telegram · не подтверждён");
    wait_true(
        &operator,
        "the guest's message",
        &wait_for_text("Не могу войти в приложение, а рейс завтра. Как поменять дату?"),
    )
    .await;
    assert_eq!(
        accessibility_violations(&operator).await,
        Vec::<String>::new()
    );
    screenshot(&operator, "console-telegram").await;
    operator.close().await.unwrap();
}

/// Ivan, in the open widget, sends one more message and sees it in his log.
async fn send_in_widget(client: &Client, text: &str) {
    find(client, "//textarea[@aria-label='Сообщение']")
        .await
        .send_keys(text)
        .await
        .unwrap();
    click(client, "Отправить").await;
    wait_true(client, "the message in the widget", &wait_for_text(text)).await;
}

/// The unread count on Ivan's conversation in the console's list (0: none shown).
const IVANS_UNREAD: &str = "const item = [...document.querySelectorAll('button.conversation-item')]\
     .find(b => b.textContent.includes('Иван'));\
     return item ? Number(item.querySelector('.unread')?.dataset.unread || 0) : -1;";

async fn ivans_unread(client: &Client) -> i64 {
    client
        .execute(IVANS_UNREAD, vec![])
        .await
        .unwrap()
        .as_i64()
        .unwrap()
}

async fn wait_for_ivans_unread(client: &Client, expected: i64) {
    wait_true(
        client,
        &format!("{expected} unread on Ivan's conversation"),
        &format!("return (() => {{ {IVANS_UNREAD} }})() === {expected}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operator_sees_what_they_have_not_read_and_finds_conversations() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());

    let customer = browser(&webdriver).await;
    ask_about_the_headphones(&customer, &server.base).await;
    send_in_widget(&customer, "И не заряжаются").await;

    let anna = browser(&webdriver).await;
    anna.goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    log_in_as_anna(&anna).await;
    show_all_open(&anna).await;
    wait_for_ivans_unread(&anna, 2).await;
    let preview = find(
        &anna,
        "//button[contains(@class, 'conversation-item')][contains(., 'Иван')]\
         /span[contains(@class, 'item-preview')]",
    )
    .await;
    // The bot answered the first message; Ivan's second is the last.
    assert_eq!(preview.text().await.unwrap(), "И не заряжаются");

    // A new message counts at once, over the live feed.
    find(&customer, "//textarea[@aria-label='Сообщение']")
        .await
        .send_keys("Заказ MP-100234, карта 4276 3800 1200 0001")
        .await
        .unwrap();
    click(&customer, "Отправить").await;
    wait_for_ivans_unread(&anna, 3).await;
    assert_eq!(accessibility_violations(&anna).await, Vec::<String>::new());
    screenshot(&anna, "console-unread").await;

    // The supervisor reads the whole conversation: it is read for her,
    // not for Anna.
    let svetlana = console_as(
        &webdriver,
        &server.base,
        "svetlana@demo.hotline",
        "demo-svetlana-2026",
    )
    .await;
    show_all_open(&svetlana).await;
    wait_for_ivans_unread(&svetlana, 3).await;
    click(&svetlana, "Иван").await;
    wait_true(
        &svetlana,
        "Ivan's last message",
        "return [...document.querySelectorAll('#log li.msg .text')].some(n => n.textContent.includes('MP-100234'))",
    )
    .await;
    wait_for_ivans_unread(&svetlana, 0).await;
    // The customer sees his messages read by support.
    wait_true(
        &customer,
        "«прочитано» under Ivan's messages",
        "return [...document.querySelectorAll('#log li.msg.customer .delivery')].some(n => n.textContent.includes('рочитано'))",
    )
    .await;

    anna.refresh().await.unwrap();
    show_all_open(&anna).await;
    wait_for_ivans_unread(&anna, 3).await;
    let masked = find(
        &anna,
        "//button[contains(@class, 'conversation-item')][contains(., 'Иван')]\
         /span[contains(@class, 'item-preview')]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        masked.contains("MP-100234") && !masked.contains("3800 1200"),
        "the preview shows the card masked: {masked}"
    );
    // Anna opens it: read for her too, and it stays read after a reload.
    click(&anna, "Иван").await;
    wait_for_ivans_unread(&anna, 0).await;
    anna.refresh().await.unwrap();
    show_all_open(&anna).await;
    find(
        &anna,
        "//button[contains(@class, 'conversation-item')][contains(., 'Иван')]",
    )
    .await;
    assert_eq!(ivans_unread(&anna).await, 0);

    // Search: the start of a word finds the message that has it.
    find(&anna, "//input[@id='search']")
        .await
        .send_keys("заряж")
        .await
        .unwrap();
    let found = find(
        &anna,
        "//button[contains(@class, 'conversation-item')][contains(., 'Иван')]\
         /span[contains(@class, 'item-preview')][.='И не заряжаются']",
    )
    .await;
    assert_eq!(found.text().await.unwrap(), "И не заряжаются");
    screenshot(&anna, "console-search").await;
    assert_eq!(accessibility_violations(&anna).await, Vec::<String>::new());
    find(&anna, "//input[@id='search']")
        .await
        .send_keys(" самолёт")
        .await
        .unwrap();
    find(
        &anna,
        "//ul[@id='conversation-list']/li[contains(., 'Ничего не нашлось')]",
    )
    .await;

    for client in [customer, anna, svetlana] {
        client.close().await.unwrap();
    }
}

/// Fills the console's canned-reply form and saves it.
async fn save_canned_reply(client: &Client, title: &str, text: &str) {
    find(client, "//input[@id='canned-title']")
        .await
        .send_keys(title)
        .await
        .unwrap();
    find(client, "//textarea[@id='canned-text']")
        .await
        .send_keys(text)
        .await
        .unwrap();
    click(client, "Сохранить").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canned_reply_added_in_the_console_is_used_at_once() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let customer = browser(&webdriver).await;
    ask_about_the_headphones(&customer, &server.base).await;

    // Anna is logged in before the reply exists.
    let anna = browser(&webdriver).await;
    anna.goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    log_in_as_anna(&anna).await;
    assert!(
        !anna
            .execute(
                "return !document.getElementById('canned-button').hidden",
                vec![]
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap(),
        "operators do not edit canned replies"
    );

    let svetlana = console_as(
        &webdriver,
        &server.base,
        "svetlana@demo.hotline",
        "demo-svetlana-2026",
    )
    .await;
    open_setting(&svetlana, "Готовые ответы").await;
    find(
        &svetlana,
        "//table[contains(@class, 'canned')]//td[.='Заказ в пути']",
    )
    .await;
    find(&svetlana, "//label[.='Отдел']").await;
    find(&svetlana, "//select[@id='canned-department']")
        .await
        .select_by_label("Маркетплейс")
        .await
        .unwrap();
    save_canned_reply(
        &svetlana,
        "Возврат за наушники",
        "{{customer.name}}, оформили возврат по заказу {{order.id}}.",
    )
    .await;
    find(
        &svetlana,
        "//table[contains(@class, 'canned')]//tr[td[.='Возврат за наушники']]/td[.='изменён в консоли']",
    )
    .await;
    // A reply that asks for a code is refused, with the reason shown.
    save_canned_reply(&svetlana, "Код", "Назовите код из СМС, пожалуйста").await;
    wait_true(
        &svetlana,
        "the refusal",
        "return document.getElementById('canned-status').textContent.startsWith('Текст просит у клиента секрет') \
         && ![...document.querySelectorAll('table.canned td')].some(n => n.textContent === 'Код')",
    )
    .await;
    assert_eq!(
        accessibility_violations(&svetlana).await,
        Vec::<String>::new()
    );
    screenshot(&svetlana, "console-canned").await;

    // Anna, without reloading, has it in the conversation.
    show_all_open(&anna).await;
    click(&anna, "Иван Петров").await;
    find(&anna, "//select[@aria-label='Готовые ответы']")
        .await
        .select_by_label("Возврат за наушники")
        .await
        .unwrap();
    let filled = anna
        .execute("return document.getElementById('reply').value", vec![])
        .await
        .unwrap();
    assert_eq!(
        filled,
        json!("Иван Петров, оформили возврат по заказу MP-100234.")
    );

    for client in [customer, anna, svetlana] {
        client.close().await.unwrap();
    }
}

/// A customer, in the widget, writes to travel support about `booking`.
async fn write_to_travel_about(client: &Client, base: &str, customer: &str, booking: &str) {
    widget_as(client, base, customer).await;
    click(client, "Новое обращение").await;
    click(client, "Билеты и отели").await;
    click(client, booking).await;
    find(client, "//textarea[@aria-label='Сообщение']")
        .await
        .send_keys("Что с моей поездкой? Позвоните мне")
        .await
        .unwrap();
    click(client, "Отправить").await;
    find(
        client,
        "//section[@id='callback']/h2[normalize-space()='Звонок от поддержки']",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eligible_traveller_orders_a_call_back_and_an_ineligible_one_is_told_why() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());

    // Ivan's flight was moved: the button, with the booking's number masked.
    let ivan = browser(&webdriver).await;
    write_to_travel_about(&ivan, &server.base, "demo-ivan", "TR-55120").await;
    find(
        &ivan,
        "//section[@id='callback']//p[normalize-space()='Перезвоним на номер из бронирования •••45-67.']",
    )
    .await;
    assert_accessible(&ivan).await;
    screenshot(&ivan, "widget-callback").await;
    click(&ivan, "Заказать звонок").await;
    // Drawn again as the live event arrives: read it by script, not by element.
    wait_true(
        &ivan,
        "the call-back's status under the chat",
        "return document.getElementById('callback-status')?.textContent
           .startsWith('Звонок заказан по бронированию TR-55120: перезвоним на •••45-67 до')",
    )
    .await;
    wait_true(
        &ivan,
        "the acknowledgement in the chat",
        "return [...document.querySelectorAll('#log li.msg .text')].some(n => n.textContent.startsWith('Заявка на звонок принята: бронирование TR-55120'))",
    )
    .await;

    // Pyotr's train left yesterday: no button, the reason in words.
    let petr = browser(&webdriver).await;
    write_to_travel_about(&petr, &server.base, "demo-petr", "TR-56001").await;
    find(
        &petr,
        "//section[@id='callback']//p[starts-with(normalize-space(), 'Поездка уже началась')]",
    )
    .await;
    let buttons = petr
        .execute(
            "return document.querySelectorAll('#callback button').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(buttons, json!(0), "an explanation, not a button");
    assert_eq!(accessibility_violations(&petr).await, Vec::<String>::new());
    screenshot(&petr, "widget-callback-ineligible").await;

    // Anna works the call-back queue: the number to dial, then the outcome.
    let anna = browser(&webdriver).await;
    anna.goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    log_in_as_anna(&anna).await;
    click(&anna, "Звонки").await;
    let row = find(
        &anna,
        "//table[contains(@class, 'callbacks')]//tr[@data-booking='TR-55120']",
    )
    .await;
    let row_text = row.text().await.unwrap();
    assert!(row_text.contains("Иван Петров"), "{row_text}");
    find(&anna, "//a[@href='tel:+79161234567']").await;
    assert_accessible(&anna).await;
    screenshot(&anna, "console-callbacks").await;
    click(&anna, "Дозвонились").await;
    find(&anna, "//p[normalize-space()='Заказанных звонков нет.']").await;
    // A new order shows up in the open queue by itself.
    click(&ivan, "Заказать звонок").await;
    find(
        &anna,
        "//table[contains(@class, 'callbacks')]//tr[@data-booking='TR-55120']",
    )
    .await;
    wait_true(
        &ivan,
        "the outcome in the customer's chat",
        "return [...document.querySelectorAll('#log li.msg .text')].some(n => n.textContent === 'Оператор поговорил с вами по телефону •••45-67.')",
    )
    .await;
    for client in [ivan, petr, anna] {
        client.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_invites_an_operator_and_deactivates_another() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());

    // Anna is at work in her console.
    let anna = browser(&webdriver).await;
    anna.goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    log_in_as_anna(&anna).await;

    let admin = console_as(
        &webdriver,
        &server.base,
        "admin@demo.hotline",
        "demo-admin-2026",
    )
    .await;
    open_setting(&admin, "Команда").await;
    find(
        &admin,
        "//table[contains(@class, 'team')]//tr[@data-email='anna@demo.hotline']",
    )
    .await;
    find(&admin, "//input[@id='invite-email']")
        .await
        .send_keys("olga@demo.hotline")
        .await
        .unwrap();
    find(&admin, "//input[@id='invite-name']")
        .await
        .send_keys("Ольга Кузнецова")
        .await
        .unwrap();
    tap(&admin, "//input[@id='invite-dept-travel']").await;
    click(&admin, "Пригласить").await;
    let link = find(&admin, "//input[@id='invite-link']")
        .await
        .prop("value")
        .await
        .unwrap()
        .expect("the invitation link");
    assert!(link.contains("/console#invite="), "{link}");
    find(
        &admin,
        "//tr[@data-email='olga@demo.hotline']//span[@class='team-state'][normalize-space()='Приглашён']",
    )
    .await;
    assert_accessible(&admin).await;
    screenshot(&admin, "console-team").await;

    // Olga opens the link, sets her password and logs in.
    let olga = browser(&webdriver).await;
    olga.goto(&link).await.unwrap();
    find(&olga, "//h1[normalize-space()='Задайте пароль']").await;
    assert_eq!(accessibility_violations(&olga).await, Vec::<String>::new());
    find(&olga, "//input[@id='invite-password']")
        .await
        .send_keys("olga-secret-2026")
        .await
        .unwrap();
    click(&olga, "Сохранить пароль").await;
    find(
        &olga,
        "//p[@id='login-error'][normalize-space()='Пароль задан. Войдите с ним.']",
    )
    .await;
    let address = olga.current_url().await.unwrap();
    assert!(
        !address.as_str().contains("invite"),
        "the used token leaves the address bar: {address}"
    );
    log_in_as(&olga, "olga@demo.hotline", "olga-secret-2026").await;
    find(
        &olga,
        "//span[@id='me'][normalize-space()='Ольга Кузнецова']",
    )
    .await;

    // The administrator deactivates Anna: her console is logged out.
    tap(&admin, "//button[@aria-label='Отключить: Анна Смирнова']").await;
    find(
        &admin,
        "//tr[@data-email='anna@demo.hotline']//span[@class='team-state'][normalize-space()='Отключён']",
    )
    .await;
    anna.refresh().await.unwrap();
    wait_true(
        &anna,
        "Anna's console back at the login",
        "return !document.getElementById('login').hidden && document.getElementById('app').hidden",
    )
    .await;
    for client in [anna, admin, olga] {
        client.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sets_business_hours_and_holidays_in_the_console() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let admin = console_as(
        &webdriver,
        &server.base,
        "admin@demo.hotline",
        "demo-admin-2026",
    )
    .await;
    open_setting(&admin, "Часы и SLA").await;
    find(
        &admin,
        "//p[@id='sla-source'][normalize-space()='Сейчас действуют значения из hotline.toml.']",
    )
    .await;
    let first = find(&admin, "//input[@id='sla-first']").await;
    first.clear().await.unwrap();
    first.send_keys("10").await.unwrap();
    tap(&admin, "//input[@id='sla-scheduled']").await;
    find(&admin, "//textarea[@id='sla-holidays']")
        .await
        .send_keys("2026-12-31\n2027-01-09")
        .await
        .unwrap();
    // An impossible value is refused with the reason, and nothing is saved.
    let resolution = find(&admin, "//input[@id='sla-resolution']").await;
    resolution.clear().await.unwrap();
    resolution.send_keys("5").await.unwrap();
    save_sla(&admin).await;
    find(
        &admin,
        "//p[@id='sla-status'][contains(., 'the first answer cannot be due after the resolution')]",
    )
    .await;
    resolution.clear().await.unwrap();
    resolution.send_keys("480").await.unwrap();
    save_sla(&admin).await;
    find(
        &admin,
        "//p[@id='sla-status'][starts-with(normalize-space(), 'Сохранено')]",
    )
    .await;
    find(
        &admin,
        "//p[@id='sla-source'][starts-with(normalize-space(), 'Изменено в консоли')]",
    )
    .await;
    let holidays = admin
        .execute(
            "return document.getElementById('sla-holidays').value",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(holidays, json!("2026-12-31\n2027-01-09"));
    assert_accessible(&admin).await;
    screenshot(&admin, "console-sla").await;
    // Svetlana, a supervisor, reads it and cannot change it.
    let boss = browser(&webdriver).await;
    boss.goto(&format!("{}/console", server.base))
        .await
        .unwrap();
    log_in_as(&boss, "svetlana@demo.hotline", "demo-svetlana-2026").await;
    open_setting(&boss, "Часы и SLA").await;
    let value = find(&boss, "//input[@id='sla-first']")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("10"));
    let buttons = boss
        .execute(
            "return document.querySelectorAll('.sla-form button').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(buttons, json!(0));
    click(&admin, "Вернуть как в hotline.toml").await;
    find(
        &admin,
        "//p[@id='sla-source'][normalize-space()='Сейчас действуют значения из hotline.toml.']",
    )
    .await;
    for client in [admin, boss] {
        client.close().await.unwrap();
    }
}

/// The SLA form's «Сохранить» (the console holds other buttons so named).
async fn save_sla(client: &Client) {
    find(
        client,
        "//form[contains(@class, 'sla-form')]//button[@type='submit']",
    )
    .await
    .click()
    .await
    .unwrap();
}

/// What the public help-center search finds for `q`: the titles.
async fn help_search(base: &str, q: &str) -> Vec<String> {
    let mut url = reqwest::Url::parse(&format!("{base}/api/v1/kb/search")).unwrap();
    url.query_pairs_mut().append_pair("q", q);
    let found: serde_json::Value = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    found["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("{found}"))
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_writes_a_help_center_article_in_the_console() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let admin = console_as(
        &webdriver,
        &server.base,
        "admin@demo.hotline",
        "demo-admin-2026",
    )
    .await;
    open_setting(&admin, "Статьи").await;
    find(&admin, "//table[contains(@class, 'articles')]").await;
    for (field, value) in [
        ("article-id", "pets-on-board"),
        ("article-section", "Багаж"),
        ("article-title", "Перевозка кошки в салоне самолёта"),
        ("article-tags", "животные, питомцы"),
        (
            "article-body",
            "Кошку весом до 8 кг с переноской можно везти в салоне. Оформите перевозку животного не позднее чем за 36 часов до вылета.",
        ),
    ] {
        find(&admin, &format!("//*[@id='{field}']"))
            .await
            .send_keys(value)
            .await
            .unwrap();
    }
    tap(
        &admin,
        "//select[@id='article-department']/option[@value='travel']",
    )
    .await;
    assert_accessible(&admin).await;
    tap(
        &admin,
        "//form[contains(@class, 'canned-form')]//button[@type='submit']",
    )
    .await;
    find(
        &admin,
        "//p[@id='articles-status'][starts-with(normalize-space(), 'Статья «Перевозка кошки в салоне самолёта» сохранена')]",
    )
    .await;
    find(&admin, "//tr[@data-id='pets-on-board']").await;
    screenshot(&admin, "console-articles").await;
    // Search has it at once, however the customer asks.
    let found = help_search(&server.base, "можно ли взять кота в самолет").await;
    assert_eq!(
        found.first().map(String::as_str),
        Some("Перевозка кошки в салоне самолёта"),
        "{found:?}"
    );
    // Deleted: search forgets it.
    tap(
        &admin,
        "//button[@aria-label='Удалить «Перевозка кошки в салоне самолёта»']",
    )
    .await;
    find(
        &admin,
        "//p[@id='articles-status'][normalize-space()='Статья «Перевозка кошки в салоне самолёта» удалена.']",
    )
    .await;
    let found = help_search(&server.base, "можно ли взять кота в самолет").await;
    assert!(
        !found
            .iter()
            .any(|t| t == "Перевозка кошки в салоне самолёта"),
        "{found:?}"
    );
    admin.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_added_in_the_console_is_offered_in_the_widget() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let admin = console_as(
        &webdriver,
        &server.base,
        "admin@demo.hotline",
        "demo-admin-2026",
    )
    .await;
    open_setting(&admin, "Темы").await;
    tap(
        &admin,
        "//button[@aria-label='Добавить тему: Билеты и отели']",
    )
    .await;
    let travel = "//section[@data-department='travel']//li[last()]";
    find(
        &admin,
        &format!("{travel}//input[contains(@class, 'topic-id')]"),
    )
    .await
    .send_keys("pets")
    .await
    .unwrap();
    find(
        &admin,
        &format!("{travel}//input[contains(@class, 'topic-name')]"),
    )
    .await
    .send_keys("Животные в поездке")
    .await
    .unwrap();
    assert_accessible(&admin).await;
    tap(
        &admin,
        "//button[@aria-label='Сохранить темы: Билеты и отели']",
    )
    .await;
    find(
        &admin,
        "//p[@id='topics-status-travel'][normalize-space()='Темы отдела «Билеты и отели» сохранены.']",
    )
    .await;
    screenshot(&admin, "console-topics").await;

    let ivan = browser(&webdriver).await;
    widget_as(&ivan, &server.base, "demo-ivan").await;
    click(&ivan, "Новое обращение").await;
    click(&ivan, "Билеты и отели").await;
    button(&ivan, "Животные в поездке").await;
    for client in [admin, ivan] {
        client.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_lists_support_replies_the_customer_has_not_read() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, webdriver)) = chromedriver().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let server = start_server(data.path(), free_port());
    let ivan = browser(&webdriver).await;
    ask_about_the_headphones(&ivan, &server.base).await;
    tap(&ivan, "//button[@aria-label='Назад']").await;
    find(
        &ivan,
        "//ul[contains(@class, 'cards')]//button[contains(@class, 'card')]",
    )
    .await;

    // Anna answers over the API while Ivan looks at his list.
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": "anna@demo.hotline", "password": "demo-anna-2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let anna = login["token"].as_str().unwrap();
    let listed: serde_json::Value = http
        .get(format!("{}/api/v1/conversations", server.base))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = listed["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = http
        .post(format!(
            "{}/api/v1/conversations/{id}/messages",
            server.base
        ))
        .bearer_auth(anna)
        .json(&json!({"text": "Проверю доставку и вернусь", "client_msg_id": "anna-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201, "{}", sent.text().await.unwrap());
    let card = format!("//button[@data-conversation='{id}']");
    find(&ivan, &format!("{card}//span[@data-unread='1']")).await;
    find(
        &ivan,
        &format!(
            "{card}//span[@class='card-preview'][normalize-space()='Проверю доставку и вернусь']"
        ),
    )
    .await;
    assert_accessible(&ivan).await;
    screenshot(&ivan, "widget-unread").await;

    // Read in the chat, the count goes.
    tap(&ivan, &card).await;
    wait_true(
        &ivan,
        "the reply on screen",
        &wait_for_text("Проверю доставку и вернусь"),
    )
    .await;
    tap(&ivan, "//button[@aria-label='Назад']").await;
    find(&ivan, &card).await;
    wait_true(
        &ivan,
        "no unread count once read",
        &format!(
            "return document.querySelector(\"button[data-conversation='{id}']\") !== null \
               && document.querySelector(\"button[data-conversation='{id}'] [data-unread]\") === null"
        ),
    )
    .await;
    ivan.close().await.unwrap();
}
