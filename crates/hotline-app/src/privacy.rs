//! Personal-data requests (152-FZ) and retention: exporting and erasing a
//! customer, deleting old resolved conversations. Every one is recorded in
//! the audit log.

use crate::audit::{self, Actor};
use crate::error::{AppError, AppResult};
use crate::files::Files;
use hotline_domain::{CustomerId, CustomerIdentity, ErrorCode, Principal};
use hotline_store::callbacks::CallbackFilter;
use hotline_store::claims::ClaimFilter;
use hotline_store::{ConversationFilter, Erased, EventScope, MessageQuery, Store};
use std::path::Path;

/// A conversation's claims, and its call-backs, exported at most (far above any real one).
const MAX_EXPORTED_PER_CONVERSATION: usize = 1000;

/// A claim as the customer's export shows it: everything it holds about them.
fn claim_record(claim: &hotline_domain::Claim) -> serde_json::Value {
    serde_json::json!({
        "number": claim.number.to_string(),
        "type": claim.claim_type,
        "status": claim.status,
        "order_id": claim.order_id.as_ref().map(|o| o.as_str()),
        "amount": claim.amount.map(|m| m.to_string()),
        "demand": claim.demand,
        "text": claim.text,
        "channel": claim.channel,
        "received_at": claim.received_at.format(&time::format_description::well_known::Rfc3339).ok(),
        "due_date": claim.deadline.due_date.to_string(),
        "raw_due_date": claim.deadline.raw_due_date.to_string(),
        "filed_by": claim.filed_by,
        "extension": claim.extension,
        "answer": claim.answer,
    })
}

/// A customer's conversations exported at most (far above any real one).
const MAX_EXPORTED_CONVERSATIONS: usize = 100_000;

/// What an erasure did.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub erased: Erased,
    pub files_removed: usize,
    /// Whether the erased text also left the write-ahead log at once (a busy
    /// database checkpoints later).
    pub checkpointed: bool,
}

/// Deletes a customer's conversations, messages and files. Irreversible.
pub async fn erase_customer(
    store: &dyn Store,
    files: &Files,
    actor: Actor,
    customer: &CustomerId,
) -> AppResult<Erasure> {
    let erased = store.erase_customer(customer).await?;
    let checkpointed = store.checkpoint().await?;
    let files_removed = files.remove(&erased.orphaned_files);
    audit::record(
        store,
        actor,
        "customer.erase",
        Some(customer.as_str()),
        serde_json::json!({
            "conversations": erased.conversations,
            "messages": erased.messages,
            "attachments": erased.attachments,
            "files_removed": files_removed,
        }),
    )
    .await?;
    Ok(Erasure {
        erased,
        files_removed,
        checkpointed,
    })
}

/// One retention pass: deletes resolved conversations last active more
/// than `days` ago (0 keeps them); returns how many were deleted.
pub async fn sweep_retention(store: &dyn Store, files: &Files, days: u32) -> AppResult<usize> {
    if days == 0 {
        return Ok(0);
    }
    let days = i64::from(days);
    let cutoff = time::OffsetDateTime::now_utc().unix_timestamp() - days * 86_400;
    let erased = store.delete_resolved_before(cutoff).await?;
    let files_removed = files.remove(&erased.orphaned_files);
    if erased.conversations > 0 {
        store.checkpoint().await?;
        audit::record(
            store,
            Actor::system("retention"),
            "retention.deleted",
            None,
            serde_json::json!({
                "conversations": erased.conversations,
                "messages": erased.messages,
                "files_removed": files_removed,
                "older_than_days": days,
            }),
        )
        .await?;
        tracing::info!(
            conversations = erased.conversations,
            "retention: deleted resolved conversations"
        );
    }
    Ok(erased.conversations)
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub conversations: usize,
    pub attachment_files: usize,
}

/// Writes everything Hotline holds about a customer into the new directory
/// `out`: `customer.json` (their conversations and messages as they see
/// them) and `attachments/<id>` for every file in those messages.
/// `progress` hears each conversation's number as it is written.
pub async fn export_customer(
    store: &dyn Store,
    files: &Files,
    actor: Actor,
    customer: &CustomerId,
    out: &Path,
    mut progress: impl FnMut(usize),
) -> AppResult<Exported> {
    if out.exists() {
        return Err(AppError::invalid(
            ErrorCode::ExportExists,
            format!("{} already exists; choose another directory", out.display()),
        ));
    }
    let io = |what: String| {
        move |e: std::io::Error| AppError::invalid(ErrorCode::ExportFailed, format!("{what}: {e}"))
    };
    std::fs::create_dir_all(out.join("attachments"))
        .map_err(io(format!("cannot create {}", out.display())))?;
    let reader = Principal::Customer(CustomerIdentity {
        id: customer.clone(),
        name: String::new(),
        email: None,
        phone: None,
        amr: Vec::new(),
        auth_time: None,
        tier: None,
    });
    let conversations = store
        .conversations(ConversationFilter {
            scope: EventScope::of(&reader),
            status: None,
            department: None,
            limit: MAX_EXPORTED_CONVERSATIONS,
        })
        .await?;
    let mut exported = Vec::new();
    let mut attachment_files = 0;
    for (i, conversation) in conversations.into_iter().enumerate() {
        progress(i + 1);
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
            messages.extend(page.into_iter().map(|m| m.seen_by(&reader)));
        }
        for attachment in messages.iter().flat_map(|m| &m.attachments) {
            if let Some(record) = store.attachment(&attachment.id).await? {
                let from = files.local(store, &record.sha256).await?;
                let to = out.join("attachments").join(attachment.id.as_str());
                std::fs::copy(&from, &to).map_err(io(format!(
                    "cannot copy {} to {}",
                    from.display(),
                    to.display()
                )))?;
                attachment_files += 1;
            }
        }
        let claims = store
            .claims(ClaimFilter {
                departments: None,
                conversation_id: Some(conversation.id.clone()),
                statuses: Vec::new(),
                due_before: None,
                without_overdue_alert: false,
                limit: MAX_EXPORTED_PER_CONVERSATION,
            })
            .await?;
        // Call-backs hold the booking's phone and name: theirs to see.
        let callbacks = store
            .callbacks(CallbackFilter {
                conversation_id: Some(conversation.id.clone()),
                limit: MAX_EXPORTED_PER_CONVERSATION,
                ..CallbackFilter::default()
            })
            .await?;
        exported.push(serde_json::json!({
            "conversation": conversation.seen_by(&reader),
            "messages": messages,
            "claims": claims.iter().map(claim_record).collect::<Vec<_>>(),
            "callbacks": callbacks,
        }));
    }
    let count = exported.len();
    // What the identity tokens stated (contacts, tier) and the context the
    // widget handed in (orders, how they logged in), and files never sent.
    let record = store.customer_record(customer).await?.unwrap_or_default();
    for file in &record.unsent_files {
        let to = out.join("attachments").join(file.info.id.as_str());
        std::fs::copy(files.local(store, &file.sha256).await?, &to)
            .map_err(io(format!("cannot copy to {}", to.display())))?;
        attachment_files += 1;
    }
    let context = match store.customer_context(customer).await? {
        Some((json, _)) => serde_json::from_str(&json).map_err(AppError::internal)?,
        None => serde_json::Value::Null,
    };
    let document = serde_json::json!({
        "customer": customer.as_str(),
        "profile": {
            "name": record.name,
            "email": record.email,
            "phone": record.phone,
            "tier": record.tier,
        },
        "context": context,
        "unsent_files": record.unsent_files.iter().map(|f| &f.info).collect::<Vec<_>>(),
        "exported_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(AppError::internal)?,
        "conversations": exported,
        "attachment_files": attachment_files,
        "note": "attachments/<id> holds each file listed in a message's attachments",
    });
    let json = serde_json::to_vec_pretty(&document).map_err(AppError::internal)?;
    std::fs::write(out.join("customer.json"), json)
        .map_err(io("cannot write customer.json".to_owned()))?;
    audit::record(
        store,
        actor,
        "customer.export",
        Some(customer.as_str()),
        serde_json::json!({}),
    )
    .await?;
    Ok(Exported {
        conversations: count,
        attachment_files,
    })
}
