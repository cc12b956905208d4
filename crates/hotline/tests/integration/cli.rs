//! The `hotline` command line, run as a user would run it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn hotline(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .current_dir(dir)
        .env_remove("HOTLINE_IDENTITY_SECRET")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn operator_add_validates_and_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let add = |email: &str, departments: &str, role: &str, password: &str| {
        hotline(
            dir.path(),
            &[
                "operator",
                "add",
                "--email",
                email,
                "--name",
                "Анна",
                "--role",
                role,
                "--departments",
                departments,
                "--password-stdin",
            ],
            password,
        )
    };
    let ok = add(
        "Anna@Example.com",
        "travel,bank",
        "supervisor",
        "long-enough-password\n",
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("created supervisor anna@example.com"),
        "{}",
        text(&ok.stdout)
    );
    assert!(text(&ok.stdout).contains("bank, travel"));

    let cases = [
        (
            add(
                "anna@example.com",
                "travel",
                "operator",
                "long-enough-password\n",
            ),
            "already exists",
        ),
        (
            add(
                "b@example.com",
                "cars",
                "operator",
                "long-enough-password\n",
            ),
            "unknown department `cars`",
        ),
        (
            add("c@example.com", "travel", "king", "long-enough-password\n"),
            "unknown role `king`",
        ),
        (
            add("d@example.com", "travel", "operator", "short\n"),
            "at least 8 characters",
        ),
        (
            add(
                "not-an-email",
                "travel",
                "operator",
                "long-enough-password\n",
            ),
            "is not an e-mail address",
        ),
    ];
    let moved = hotline(
        dir.path(),
        &[
            "operator",
            "departments",
            "--email",
            "ANNA@example.com",
            "--departments",
            "marketplace",
        ],
        "",
    );
    assert!(moved.status.success(), "{}", text(&moved.stderr));
    assert!(
        text(&moved.stdout).contains("anna@example.com now serves: marketplace"),
        "{}",
        text(&moved.stdout)
    );
    let nobody = hotline(
        dir.path(),
        &[
            "operator",
            "departments",
            "--email",
            "x@example.com",
            "--departments",
            "bank",
        ],
        "",
    );
    assert!(!nobody.status.success());
    assert!(text(&nobody.stderr).contains("no operator has the e-mail x@example.com"));

    for (output, expected) in cases {
        assert!(!output.status.success());
        assert!(
            text(&output.stderr).contains(expected),
            "expected `{expected}` in: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn customer_tokens_are_signed_with_the_generated_secret_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let out = hotline(
        dir.path(),
        &[
            "customer-token",
            "--sub",
            "42",
            "--name",
            "Иван",
            "--amr",
            "pwd,otp",
            "--ttl",
            "30m",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let secret = std::fs::read_to_string(dir.path().join("identity-secret")).unwrap();
    assert!(
        secret.len() >= 32,
        "a generated secret is kept in the data directory"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("identity-secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read the secret");
    }
    let verifier = hotline_server::auth::identity::IdentityVerifier::new(
        &Default::default(),
        Some(secret.trim()),
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let customer = verifier.verify(&token, now).unwrap().customer;
    assert_eq!(
        (customer.id.as_str(), customer.name.as_str()),
        ("42", "Иван")
    );
    assert_eq!(customer.amr, ["pwd", "otp"]);
    assert!(
        customer.auth_time.is_some(),
        "a strong method records when it happened"
    );

    let too_long = hotline(
        dir.path(),
        &[
            "customer-token",
            "--sub",
            "42",
            "--name",
            "Иван",
            "--ttl",
            "2d",
        ],
        "",
    );
    assert!(!too_long.status.success());
    assert!(
        text(&too_long.stderr).contains("at most 86400 seconds"),
        "{}",
        text(&too_long.stderr)
    );
}

#[test]
fn config_print_shows_settings_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hotline.toml"),
        "max_message_chars = 2000\n[identity]\nsecret = \"a-very-secret-value-0001\"\n",
    )
    .unwrap();
    let out = hotline(dir.path(), &["config", "print"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("max_message_chars = 2000"), "{printed}");
    assert!(printed.contains("<redacted>"));
    assert!(!printed.contains("a-very-secret-value-0001"));

    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hotline.example.toml");
    let out = hotline(
        dir.path(),
        &["config", "print", "--config", example.to_str().unwrap()],
        "",
    );
    assert!(
        out.status.success(),
        "the shipped example parses: {}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("https://shop.example"));

    std::fs::write(dir.path().join("hotline.toml"), "max_mesage_chars = 5\n").unwrap();
    let typo = hotline(dir.path(), &["config", "print"], "");
    assert!(
        !typo.status.success(),
        "a misspelt setting is an error, not silently ignored"
    );
    assert!(
        text(&typo.stderr).contains("max_mesage_chars"),
        "{}",
        text(&typo.stderr)
    );
}

#[test]
fn queue_settings_come_from_the_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["config", "print", "--data-dir"])
        .arg(dir.path())
        .current_dir(dir.path())
        .env("HOTLINE_QUEUES__AWAY_GRACE_SECONDS", "77")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("away_grace_seconds = 77"), "{printed}");
}

#[test]
fn config_print_says_where_each_value_came_from() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hotline.toml"),
        "max_message_chars = 3000\n[identity]\nissuer = \"https://id.example.com\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["config", "print", "--data-dir"])
        .arg(dir.path())
        .current_dir(dir.path())
        .env("HOTLINE_QUEUES__AWAY_GRACE_SECONDS", "77")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let origin = |key: &str| {
        printed
            .lines()
            .filter_map(|line| line.strip_prefix("#   "))
            .find_map(|line| {
                let (k, from) = line.split_once(' ')?;
                (k == key).then(|| from.trim().to_owned())
            })
    };
    let file = dir.path().join("hotline.toml");
    assert_eq!(
        origin("max_message_chars"),
        Some(file.display().to_string()),
        "{printed}"
    );
    assert_eq!(origin("identity.issuer"), Some(file.display().to_string()));
    assert_eq!(
        origin("queues.away_grace_seconds").as_deref(),
        Some("HOTLINE_QUEUES__AWAY_GRACE_SECONDS")
    );
    assert_eq!(
        origin("data_dir").as_deref(),
        Some("--data-dir or HOTLINE_DATA_DIR")
    );
    assert_eq!(origin("session_hours"), None, "a default is not listed");
    assert!(printed.contains("Canned replies changed in the console"));
}

#[test]
fn the_database_comes_from_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let run = |url: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hotline"))
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .current_dir(dir.path())
            .env("HOTLINE_DATABASE_URL", url)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let printed = run(
        "postgres://hotline:s3cret-pw@db.internal/hotline",
        &["config", "print"],
    );
    let printed = text(&printed.stdout);
    assert!(
        printed.contains("postgres://hotline:<redacted>@db.internal/hotline"),
        "{printed}"
    );
    assert!(!printed.contains("s3cret-pw"));

    let refused = run("mysql://hotline@db.internal/hotline", &["audit", "verify"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("no `mysql` backend"),
        "{}",
        text(&refused.stderr)
    );
    // A postgres:// URL is PostgreSQL's: here a server that is not there.
    let unreachable = run(
        "postgres://hotline:s3cret-pw@127.0.0.1:1/hotline",
        &["audit", "verify"],
    );
    assert!(!unreachable.status.success());
    let stderr = text(&unreachable.stderr);
    assert!(
        stderr.contains(
            "cannot open the PostgreSQL database postgres://hotline:<redacted>@127.0.0.1:1/hotline"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");

    let elsewhere = dir.path().join("elsewhere.db");
    let url = format!("sqlite://{}", elsewhere.display());
    let verified = run(&url, &["audit", "verify"]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    assert!(elsewhere.exists(), "the database is where the URL says");
    assert!(!dir.path().join("hotline.db").exists());
}

/// With `HOTLINE_TEST_PG_URL`, the binary runs on a fresh PostgreSQL database.
#[test]
fn a_postgres_database_url_opens_postgresql() {
    let Ok(server) = std::env::var("HOTLINE_TEST_PG_URL") else {
        eprintln!("skipped: set HOTLINE_TEST_PG_URL=postgres://… to run");
        return;
    };
    let name = format!("hotline_cli_{}", std::process::id());
    let admin = |sql: String| {
        let server = server.clone();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client.batch_execute(&sql).await.unwrap();
            })
    };
    // One statement a call: neither runs inside a transaction block.
    admin(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    admin(format!("CREATE DATABASE {name}"));
    let (base, _) = server.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let dir = tempfile::tempdir().unwrap();
    let verified = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["audit", "verify", "--data-dir"])
        .arg(dir.path())
        .env("HOTLINE_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    assert!(
        !dir.path().join("hotline.db").exists(),
        "no SQLite file beside a PostgreSQL database"
    );
    let migrated = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let row = client
            .query_one("SELECT COUNT(*) FROM schema_migrations", &[])
            .await
            .unwrap();
        row.get::<_, i64>(0)
    });
    assert_eq!(
        migrated,
        hotline_store_postgres::migrations::MIGRATIONS.len() as i64,
        "the schema is PostgreSQL's, each migration applied once"
    );
    admin(format!("DROP DATABASE {name} WITH (FORCE)"));
}

#[test]
fn config_print_shows_the_sla_policy_saved_in_the_console() {
    let dir = tempfile::tempdir().unwrap();
    // Before any database exists, none is created to look.
    let out = hotline(dir.path(), &["config", "print"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!dir.path().join("hotline.db").exists());

    let added = hotline(
        dir.path(),
        &[
            "operator",
            "add",
            "--email",
            "root@example.com",
            "--name",
            "Алексей",
            "--role",
            "admin",
            "--departments",
            "travel",
            "--password-stdin",
        ],
        "long-enough-password\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    // What the console's PUT /api/v1/settings/sla stores.
    let db = rusqlite::Connection::open(dir.path().join("hotline.db")).unwrap();
    db.execute(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('queues.sla', ?1, 0, 'op-1')",
        [r#"{"targets": {"first_response_minutes": 7, "resolution_minutes": 300}}"#],
    )
    .unwrap();
    db.execute(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('departments.travel.topics', ?1, 0, 'op-1')",
        [r#"[{"id": "pets", "name": "Животные в поездке"}]"#],
    )
    .unwrap();
    let out = hotline(dir.path(), &["config", "print"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("first_response_minutes = 7"), "{printed}");
    assert!(printed.contains("Животные в поездке"), "{printed}");
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("#   departments[travel].topics") && l.contains("the console")),
        "{printed}"
    );
    let origin = printed
        .lines()
        .find(|l| l.starts_with("#   queues.sla "))
        .unwrap_or_else(|| panic!("no origin line for queues.sla: {printed}"));
    assert!(
        origin.contains("the console (1970-01-01, operator op-1)"),
        "{origin}"
    );
}
