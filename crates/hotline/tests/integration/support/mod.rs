//! What the browser tests share: child processes, chromedriver, a headless
//! Chromium session, waiting on the page.

// Each test binary uses its own part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(20);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `command` (a `hotline serve`) and returns once it logs that it
/// listens; its log is drained in the background so it never blocks.
pub fn spawn_listening(mut command: Command) -> Process {
    let mut child = command
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hotline");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("the server starts").unwrap();
        if line.contains("listening on http://") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Process(child)
}

/// An operator for [`add_operator`].
pub struct NewOperator<'a> {
    pub email: &'a str,
    pub name: &'a str,
    /// `operator`, `supervisor` or `admin`.
    pub role: &'a str,
    /// Comma-separated.
    pub departments: &'a str,
    pub password: &'a str,
}

/// Adds an operator with `hotline operator add` (the password on stdin).
pub fn add_operator(dir: &Path, operator: NewOperator<'_>) {
    let NewOperator {
        email,
        name,
        role,
        departments,
        password,
    } = operator;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["operator", "add", "--email", email, "--name", name])
        .args(["--role", role, "--departments", departments])
        .args(["--password-stdin", "--data-dir"])
        .arg(dir)
        .env("HOTLINE_IDENTITY_SECRET", crate::durability::SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

/// chromedriver on a free port, or `None` (with a notice) when it is not
/// installed and the browser is not required (`HOTLINE_REQUIRE_BROWSER=1`
/// makes its absence a failure, as in CI).
pub async fn chromedriver() -> Option<(Process, String)> {
    let binary = std::env::var("HOTLINE_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = free_port();
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(child) => Process(child),
        Err(e) => {
            assert!(
                std::env::var("HOTLINE_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "HOTLINE_REQUIRE_BROWSER=1 but chromedriver cannot start: {e}"
            );
            eprintln!(
                "notice: browser tests skipped: cannot start `{binary}` ({e}); \
                 install chromium and chromium-driver"
            );
            return None;
        }
    };
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            return Some((child, url));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

/// A fresh headless Chromium (its own profile: cookies and storage are not
/// shared) with a window of `width` × `height`, in Russian.
pub async fn headless(webdriver: &str, width: u32, height: u32) -> Client {
    let mut options = json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 format!("--window-size={width},{height}"), "--lang=ru-RU"],
        "prefs": {"intl.accept_languages": "ru-RU,ru"},
    });
    if Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(webdriver)
        .await
        .expect("open a browser session")
}

/// Waits until `script` returns `true` in the page.
pub async fn wait_true(client: &Client, what: &str, script: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if client.execute(script, vec![]).await.unwrap() == Value::Bool(true) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The WCAG 2.1 A/AA rules axe-core finds broken in the document the client
/// is in (enter a frame first to check the frame), one line per rule with
/// the elements. axe-core comes from npm: `.ci/run` installs it and names its
/// `axe.min.js` in `HOTLINE_AXE_JS`; without it the check is skipped with a
/// notice, unless the browser is required.
pub async fn accessibility_violations(client: &Client) -> Vec<String> {
    let Some(path) = std::env::var_os("HOTLINE_AXE_JS") else {
        assert!(
            std::env::var("HOTLINE_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "HOTLINE_REQUIRE_BROWSER=1 but HOTLINE_AXE_JS is not set: \
             npm install axe-core and point HOTLINE_AXE_JS at its axe.min.js"
        );
        eprintln!(
            "notice: accessibility check skipped: set HOTLINE_AXE_JS to axe-core's axe.min.js"
        );
        return Vec::new();
    };
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("HOTLINE_AXE_JS={}: {e}", path.to_string_lossy()));
    client
        .execute(&format!("{source}\nreturn typeof axe"), vec![])
        .await
        .unwrap();
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)),
                     (e) => done(['axe-core failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// An operator's bearer token from `POST /api/v1/auth/login`.
pub async fn login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().expect("logged in").to_owned()
}

/// Whether the command-line `tool` (Debian's poppler-utils: `pdftoppm`,
/// `pdftotext`) runs here. When it does not, the caller skips with a notice,
/// unless `HOTLINE_REQUIRE_BROWSER=1` (CI), which makes its absence a failure.
pub fn tool_available(tool: &str) -> bool {
    let runs = Command::new(tool)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !runs {
        assert!(
            std::env::var("HOTLINE_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "HOTLINE_REQUIRE_BROWSER=1 but `{tool}` cannot run: install poppler-utils"
        );
        eprintln!("notice: `{tool}` is missing (install poppler-utils): its checks are skipped");
    }
    runs
}

/// Uploads `content` as `name` with `POST /api/v1/attachments`; the
/// attachment as the server answers it.
pub async fn upload(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    name: &str,
    content: &[u8],
) -> Value {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(content.to_vec()).file_name(name.to_owned()),
    );
    http.post(format!("{base}/api/v1/attachments"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
