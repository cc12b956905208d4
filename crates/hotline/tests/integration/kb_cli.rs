//! `hotline kb import` / `export`, run as an administrator would.

use std::path::Path;
use std::process::{Command, Output};

fn hotline(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .current_dir(data)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const REFUND: &str = "---\nid: refund-cancelled-order\ndepartment: marketplace\nsection: Возвраты и отмена\ntitle: Когда вернутся деньги за отменённый заказ\ntags: [возврат, отмена]\n---\nДеньги вернутся **за 3–10 дней**.\n";
const MILES: &str = "---\nid: miles-expire\ndepartment: travel\nsection: Мили\ntitle: 'Сгорают ли мили: сроки'\ntags:\n  - мили\nupdated_at: 2026-01-02T03:04:05Z\n---\nМили действуют два года.\n";

#[test]
fn import_is_idempotent_and_export_writes_the_same_format_back() {
    let data = tempfile::tempdir().unwrap();
    let source = tempfile::tempdir().unwrap();
    write(source.path(), "marketplace/refund.md", REFUND);
    write(source.path(), "travel/miles.md", MILES);
    write(source.path(), "README.txt", "not an article");
    let dir = source.path().to_str().unwrap();

    let first = hotline(data.path(), &["kb", "import", dir]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("imported 2 articles: 2 created, 0 updated, 0 unchanged"),
        "{}",
        text(&first.stdout)
    );
    assert!(
        text(&first.stderr).contains("stored 2/2"),
        "progress: {}",
        text(&first.stderr)
    );

    let again = hotline(data.path(), &["kb", "import", dir]);
    assert!(
        text(&again.stdout).contains("0 created, 0 updated, 2 unchanged"),
        "{}",
        text(&again.stdout)
    );

    write(
        source.path(),
        "marketplace/refund.md",
        &REFUND.replace("3–10", "5–10"),
    );
    let edited = hotline(data.path(), &["kb", "import", dir]);
    assert!(
        text(&edited.stdout).contains("0 created, 1 updated, 1 unchanged"),
        "{}",
        text(&edited.stdout)
    );

    let out = tempfile::tempdir().unwrap();
    let export = hotline(data.path(), &["kb", "export", out.path().to_str().unwrap()]);
    assert!(export.status.success(), "{}", text(&export.stderr));
    let miles = std::fs::read_to_string(out.path().join("travel/miles-expire.md")).unwrap();
    assert!(
        miles.contains("updated_at: 2026-01-02T03:04:05Z"),
        "{miles}"
    );
    assert!(
        miles.contains("title: \"Сгорают ли мили: сроки\""),
        "{miles}"
    );
    let refund =
        std::fs::read_to_string(out.path().join("marketplace/refund-cancelled-order.md")).unwrap();
    assert!(refund.contains("за 5–10 дней"), "{refund}");

    // The export imports back as unchanged: the formats agree.
    let back = hotline(data.path(), &["kb", "import", out.path().to_str().unwrap()]);
    assert!(
        text(&back.stdout).contains("0 created, 0 updated, 2 unchanged"),
        "{}",
        text(&back.stdout)
    );
}

#[test]
fn a_malformed_file_is_reported_with_path_and_line_and_nothing_is_imported() {
    let data = tempfile::tempdir().unwrap();
    let source = tempfile::tempdir().unwrap();
    write(source.path(), "a-good.md", REFUND);
    write(
        source.path(),
        "b-bad.md",
        "---\nid: bad\ndepartment: marketplace\nsection: s\ntitel: опечатка\n---\nтекст\n",
    );
    write(
        source.path(),
        "c-dup.md",
        &REFUND.replace("Деньги", "Средства"),
    );
    let import = hotline(
        data.path(),
        &["kb", "import", source.path().to_str().unwrap()],
    );
    assert!(!import.status.success());
    let stderr = text(&import.stderr);
    assert!(
        stderr.contains("b-bad.md:5: unknown field `titel`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("c-dup.md:2: the id `refund-cancelled-order` is already used by"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let out = tempfile::tempdir().unwrap();
    let export = hotline(data.path(), &["kb", "export", out.path().to_str().unwrap()]);
    assert!(
        text(&export.stdout).contains("exported 0 articles"),
        "{}",
        text(&export.stdout)
    );

    let unknown = tempfile::tempdir().unwrap();
    write(
        unknown.path(),
        "x.md",
        &REFUND.replace("marketplace", "pets"),
    );
    let import = hotline(
        data.path(),
        &["kb", "import", unknown.path().to_str().unwrap()],
    );
    assert!(!import.status.success());
    assert!(
        text(&import.stderr).contains("unknown department `pets`"),
        "{}",
        text(&import.stderr)
    );
}
