//! `hotline audit …` and `hotline customer …`: checking the audit log and
//! answering personal-data requests (152-FZ: export, erase).

use clap::Subcommand;
use hotline_app::audit::Actor;
use hotline_app::files::Files;
use hotline_app::privacy;
use hotline_domain::CustomerId;
use hotline_server::settings::Settings;
use hotline_store::Store;
use hotline_store::audit::verify_chain;
use std::path::PathBuf;

/// Audit entries read per page while verifying.
const VERIFY_PAGE: usize = 1000;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the whole audit log; says where it breaks.
    Verify,
}

#[derive(Subcommand)]
pub enum CustomerCommand {
    /// Write everything Hotline holds about a customer into a directory:
    /// `customer.json` and the files they sent.
    Export {
        /// The customer's id (the identity token's `sub`).
        #[arg(long)]
        sub: String,
        /// Directory to create (default `export-<sub>`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Delete a customer's conversations, messages and files. Irreversible;
    /// recorded in the audit log.
    Erase {
        #[arg(long)]
        sub: String,
        /// Confirm: without it nothing is deleted.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn audit(settings: Settings, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify = command;
    let store = crate::store::open(&settings).await?;
    println!("{}", verify_audit(store.as_ref()).await?);
    Ok(())
}

/// Checks the whole audit chain, with progress; says how it ends, or fails
/// naming the first broken entry.
pub async fn verify_audit(store: &dyn Store) -> anyhow::Result<String> {
    let mut last: Option<(i64, String)> = None;
    loop {
        let after = last.as_ref().map_or(0, |l| l.0);
        let page = store.audit_entries(after, VERIFY_PAGE).await?;
        if page.is_empty() {
            break;
        }
        match verify_chain(last.as_ref().map(|(s, h)| (*s, h.as_str())), &page) {
            Ok(end) => last = end,
            Err(broken) => {
                anyhow::bail!(
                    "the audit log is broken at entry {}: {}; entries from {} on cannot be trusted (restore the database from a backup to compare)",
                    broken.seq,
                    broken.reason,
                    broken.seq
                );
            }
        }
        eprint!("\rverified {} entries", after as usize + page.len());
    }
    eprintln!();
    Ok(match last {
        Some((seq, hash)) => format!("audit log intact: {seq} entries, last hash {hash}"),
        None => "audit log intact: empty".to_owned(),
    })
}

pub async fn customer(settings: Settings, command: CustomerCommand) -> anyhow::Result<()> {
    let store = crate::store::open(&settings).await?;
    let files = Files::new(settings.data_dir.join("attachments"));
    let actor = || Actor {
        kind: "cli",
        id: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
    };
    match command {
        CustomerCommand::Export { sub, out } => {
            let out = out.unwrap_or_else(|| PathBuf::from(format!("export-{sub}")));
            let customer = CustomerId::from_raw(sub.clone());
            let exported =
                privacy::export_customer(store.as_ref(), &files, actor(), &customer, &out, |n| {
                    eprint!("\rconversation {n} …")
                })
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            eprintln!();
            println!(
                "exported customer {sub} to {}: {} conversations, {} files",
                out.display(),
                exported.conversations,
                exported.attachment_files
            );
        }
        CustomerCommand::Erase { sub, yes } => {
            anyhow::ensure!(
                yes,
                "erasing customer {sub} cannot be undone; run again with --yes to confirm (export first with `hotline customer export --sub {sub}`)"
            );
            let erasure = privacy::erase_customer(
                store.as_ref(),
                &files,
                actor(),
                &CustomerId::from_raw(sub.clone()),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            if !erasure.checkpointed {
                eprintln!(
                    "the database is busy: the erased data leaves the write-ahead log at the next checkpoint"
                );
            }
            let erased = &erasure.erased;
            println!(
                "erased customer {sub}: {} conversations, {} messages, {} attachments ({} files removed)",
                erased.conversations, erased.messages, erased.attachments, erasure.files_removed
            );
        }
    }
    Ok(())
}
