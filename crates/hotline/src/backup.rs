//! `hotline backup DIR` and `hotline restore DIR`: the embedded database and
//! its attachments, copied while the server runs and put back while it does
//! not. PostgreSQL deployments use `pg_dump` (docs/deploy.md).

use anyhow::Context;
use hotline_server::settings::Settings;
use hotline_store_sqlite::backup::{self, Contents};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const ATTACHMENTS: &str = "attachments";
/// Held by `hotline serve` and `hotline restore` for as long as they run.
pub const LOCK_FILE: &str = "hotline.lock";

/// The lock on a data directory: a second server or a restore into a
/// directory being served is refused instead of corrupting it.
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock, waiting up to `patience` for a process that is
    /// exiting (a server killed a moment ago) to let it go.
    pub fn take(data_dir: &Path, doing: &str, patience: Duration) -> anyhow::Result<DataDirLock> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
        let path = data_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let deadline = std::time::Instant::now() + patience;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(DataDirLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                    "cannot {doing}: another Hotline process is using {} (it holds {}); stop it first",
                    data_dir.display(),
                    path.display()
                ),
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
    }

    /// The lock `hotline serve` holds, when it serves the embedded database.
    pub fn for_serving(settings: &Settings) -> anyhow::Result<Option<DataDirLock>> {
        if database_file(settings).is_err() {
            return Ok(None);
        }
        DataDirLock::take(&settings.data_dir, "serve", Duration::from_secs(10)).map(Some)
    }
}

/// The embedded database's file, or why there is none to copy.
fn database_file(settings: &Settings) -> anyhow::Result<PathBuf> {
    match settings.database_url.as_deref() {
        None | Some("") => Ok(settings.data_dir.join(crate::store::DATABASE_FILE)),
        Some(url) => match url.split_once("://") {
            Some(("sqlite", path)) => Ok(path.into()),
            _ => anyhow::bail!(
                "hotline backup and restore copy the embedded SQLite database; for {url} use the database's own tools (pg_dump and pg_restore, see docs/deploy.md)"
            ),
        },
    }
}

pub async fn backup(settings: Settings, dir: PathBuf) -> anyhow::Result<()> {
    let source = database_file(&settings)?;
    anyhow::ensure!(
        source.is_file(),
        "there is no database at {} to back up (is --data-dir right?)",
        source.display()
    );
    let dest = dir.join(crate::store::DATABASE_FILE);
    anyhow::ensure!(
        !dest.exists(),
        "{} already holds a backup; choose a new directory (attachments already there are reused)",
        dir.display()
    );
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Written beside its final name and renamed once whole, so a crash
    // never leaves something that looks like a backup.
    let partial = dir.join(format!("{}.partial", crate::store::DATABASE_FILE));
    let _ = std::fs::remove_file(&partial);

    let expected = file_size(&source) + file_size(&source.with_extension("db-wal"));
    let copy = tokio::task::spawn_blocking({
        let (source, partial) = (source.clone(), partial.clone());
        move || backup::backup(&source, &partial)
    });
    tokio::pin!(copy);
    let copied = loop {
        tokio::select! {
            done = &mut copy => break done,
            () = tokio::time::sleep(Duration::from_millis(250)) => {
                eprint!("\rcopying the database: {} of about {}", megabytes(file_size(&partial)), megabytes(expected));
            }
        }
    };
    eprintln!("\rcopying the database: done{:30}", "");
    copied?.with_context(|| format!("cannot copy {}", source.display()))?;
    File::open(&partial)?.sync_all()?;
    let contents = backup::inspect(&partial).context("the copy does not check out")?;
    std::fs::rename(&partial, &dest)?;

    let files = copy_attachments(&settings.data_dir.join(ATTACHMENTS), &dir.join(ATTACHMENTS))?;
    sync_dir(&dir)?;
    println!(
        "backed up to {}: {}, {files} attachment files",
        dir.display(),
        describe(&contents, file_size(&dest))
    );
    Ok(())
}

pub async fn restore(settings: Settings, dir: PathBuf) -> anyhow::Result<()> {
    let target = database_file(&settings)?;
    let source = dir.join(crate::store::DATABASE_FILE);
    let contents = backup::inspect(&source).with_context(|| {
        format!(
            "{} does not hold a backup to restore; nothing was changed",
            dir.display()
        )
    })?;
    let data_dir = target.parent().unwrap_or(Path::new(".")).to_path_buf();
    let _lock = DataDirLock::take(&settings.data_dir, "restore", Duration::ZERO)?;

    let restoring = target.with_extension("db.restoring");
    let _ = std::fs::remove_file(&restoring);
    eprintln!("copying the database ({})", megabytes(file_size(&source)));
    std::fs::copy(&source, &restoring)
        .with_context(|| format!("cannot write {}", restoring.display()))?;
    let log_id = backup::renew_log_id(&restoring)?;
    File::open(&restoring)?.sync_all()?;

    // The database it replaces is kept, whole (its WAL folded in), beside it.
    let kept = if target.exists() {
        backup::checkpoint(&target)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let kept = target.with_extension(format!("db.before-restore-{now}"));
        std::fs::rename(&target, &kept)?;
        for leftover in ["db-wal", "db-shm"] {
            let _ = std::fs::remove_file(target.with_extension(leftover));
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&restoring, &target)?;
    sync_dir(&data_dir)?;

    let files = copy_attachments(&dir.join(ATTACHMENTS), &settings.data_dir.join(ATTACHMENTS))?;
    // Opening it applies any newer migrations, as a server start would.
    let store = crate::store::open(&settings).await?;
    let audit = crate::security::verify_audit(store.as_ref()).await?;
    println!(
        "restored {} into {}: {}, {files} attachment files; {audit}",
        dir.display(),
        target.display(),
        describe(&contents, file_size(&target))
    );
    println!("the event log has a new id ({log_id}): clients reload once and carry on");
    if let Some(kept) = kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    Ok(())
}

/// Copies the content-addressed files `from` has and `to` lacks (a file's
/// name is its SHA-256, so one of the same name is the same file).
fn copy_attachments(from: &Path, to: &Path) -> anyhow::Result<usize> {
    let mut missing = Vec::new();
    if from.is_dir() {
        for shard in std::fs::read_dir(from)? {
            let shard = shard?.path();
            if !shard.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&shard)? {
                let file = file?.path();
                let (Some(shard_name), Some(name)) = (shard.file_name(), file.file_name()) else {
                    continue;
                };
                let dest = to.join(shard_name).join(name);
                if file.is_file() && !dest.exists() {
                    missing.push((file, dest));
                }
            }
        }
    }
    let total = missing.len();
    for (done, (file, dest)) in missing.into_iter().enumerate() {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let partial = dest.with_extension("partial");
        std::fs::copy(&file, &partial)
            .with_context(|| format!("cannot copy {}", file.display()))?;
        File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, &dest)?;
        if done % 50 == 0 || done + 1 == total {
            eprint!("\rcopying attachments: {}/{total}", done + 1);
            let _ = std::io::stderr().flush();
        }
    }
    if total > 0 {
        eprintln!();
    }
    Ok(total)
}

fn describe(contents: &Contents, bytes: u64) -> String {
    format!(
        "{} conversations, {} messages, {} events, {} audit entries, schema version {}, {}",
        contents.conversations,
        contents.messages,
        contents.events,
        contents.audit_entries,
        contents.schema_version,
        megabytes(bytes)
    )
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// A rename is durable once its directory is synced.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}
