//! `hotline audit …` and `hotline customer …`: checking the audit log and
//! answering personal-data requests (152-FZ: export, erase).

use anyhow::Context;
use clap::Subcommand;
use hotline_domain::{CustomerId, CustomerIdentity, Principal};
use hotline_server::settings::Settings;
use hotline_store::audit::verify_chain;
use hotline_store::{ConversationFilter, EventScope, MessageQuery, NewAuditEntry, Store};
use std::path::PathBuf;
use std::sync::Arc;

/// Audit entries read per page while verifying.
const VERIFY_PAGE: usize = 1000;
/// A customer's conversations exported at most (far above any real one).
const MAX_EXPORTED_CONVERSATIONS: usize = 100_000;

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
    let store = hotline_server::open_store(&settings).await?;
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
    match last {
        Some((seq, hash)) => println!("audit log intact: {seq} entries, last hash {hash}"),
        None => println!("audit log intact: empty"),
    }
    Ok(())
}

pub async fn customer(settings: Settings, command: CustomerCommand) -> anyhow::Result<()> {
    let store = hotline_server::open_store(&settings).await?;
    let attachments_dir = settings.data_dir.join("attachments");
    match command {
        CustomerCommand::Export { sub, out } => {
            let out = out.unwrap_or_else(|| PathBuf::from(format!("export-{sub}")));
            export(&store, &attachments_dir, &sub, &out).await?;
            record(&store, "customer.export", &sub, serde_json::json!({})).await?;
            println!("exported customer {sub} to {}", out.display());
        }
        CustomerCommand::Erase { sub, yes } => {
            anyhow::ensure!(
                yes,
                "erasing customer {sub} cannot be undone; run again with --yes to confirm (export first with `hotline customer export --sub {sub}`)"
            );
            let erased = store
                .erase_customer(&CustomerId::from_raw(sub.clone()))
                .await?;
            if !store.checkpoint().await? {
                eprintln!(
                    "the database is busy: the erased data leaves the write-ahead log at the next checkpoint"
                );
            }
            let files = hotline_server::security::retention::remove_files(
                &attachments_dir,
                &erased.orphaned_files,
            );
            record(
                &store,
                "customer.erase",
                &sub,
                serde_json::json!({
                    "conversations": erased.conversations,
                    "messages": erased.messages,
                    "attachments": erased.attachments,
                    "files_removed": files,
                }),
            )
            .await?;
            println!(
                "erased customer {sub}: {} conversations, {} messages, {} attachments ({files} files removed)",
                erased.conversations, erased.messages, erased.attachments
            );
        }
    }
    Ok(())
}

async fn record(
    store: &Arc<dyn Store>,
    action: &str,
    sub: &str,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    store
        .append_audit(NewAuditEntry {
            actor_kind: "cli".into(),
            actor_id: who,
            action: action.into(),
            target: Some(sub.to_owned()),
            details,
        })
        .await
        .context("cannot write the audit log")?;
    Ok(())
}

async fn export(
    store: &Arc<dyn Store>,
    attachments_dir: &std::path::Path,
    sub: &str,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        !out.exists(),
        "{} already exists; choose another --out",
        out.display()
    );
    std::fs::create_dir_all(out.join("attachments"))
        .with_context(|| format!("cannot create {}", out.display()))?;
    let customer = Principal::Customer(CustomerIdentity {
        id: CustomerId::from_raw(sub.to_owned()),
        name: String::new(),
        email: None,
        phone: None,
        amr: Vec::new(),
        auth_time: None,
        tier: None,
    });
    let conversations = store
        .conversations(ConversationFilter {
            scope: EventScope::of(&customer),
            status: None,
            department: None,
            limit: MAX_EXPORTED_CONVERSATIONS,
        })
        .await?;
    let mut exported = Vec::new();
    let mut files = 0;
    for (i, conversation) in conversations.into_iter().enumerate() {
        eprint!("\rconversation {} …", i + 1);
        let mut messages = Vec::new();
        let mut after_seq = 0;
        loop {
            let page = store
                .messages(MessageQuery {
                    conversation_id: conversation.id.clone(),
                    after_seq,
                    limit: 500,
                    include_internal: false,
                })
                .await?;
            let Some(last) = page.last() else { break };
            after_seq = last.public_seq.unwrap_or(last.seq);
            messages.extend(page.into_iter().map(|m| m.seen_by(&customer)));
        }
        for attachment in messages.iter().flat_map(|m| &m.attachments) {
            if let Some(record) = store.attachment(&attachment.id).await? {
                let from = attachments_dir
                    .join(&record.sha256[..2])
                    .join(&record.sha256);
                let to = out.join("attachments").join(attachment.id.as_str());
                std::fs::copy(&from, &to).with_context(|| {
                    format!("cannot copy {} to {}", from.display(), to.display())
                })?;
                files += 1;
            }
        }
        exported.push(serde_json::json!({
            "conversation": conversation.seen_by(&customer),
            "messages": messages,
        }));
    }
    eprintln!();
    let document = serde_json::json!({
        "customer": sub,
        "exported_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?,
        "conversations": exported,
        "attachment_files": files,
        "note": "attachments/<id> holds each file listed in a message's attachments",
    });
    std::fs::write(
        out.join("customer.json"),
        serde_json::to_vec_pretty(&document)?,
    )
    .context("cannot write customer.json")?;
    Ok(())
}
