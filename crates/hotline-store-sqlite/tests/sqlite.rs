//! The conformance suite on the embedded backend, each case on a fresh file.

use hotline_store::{EventSink, Store};
use hotline_store_sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;

async fn fresh(sink: Arc<dyn EventSink>) -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = SqliteStore::open(dir.path().join("hotline.db"), sink)
        .await
        .unwrap_or_else(|e| panic!("open: {e}"));
    // The directory must outlive the store; the OS cleans /tmp.
    std::mem::forget(dir);
    Arc::new(store)
}

hotline_store::store_conformance_suite!(fresh);

/// The store at `path`, for cases that do not follow its events.
async fn open(path: &Path) -> SqliteStore {
    let (sink, _) = hotline_store::conformance::feed();
    SqliteStore::open(path, sink)
        .await
        .unwrap_or_else(|e| panic!("open: {e}"))
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotline.db");
    let log_id;
    {
        let store = open(&path).await;
        log_id = store.log_id().to_owned();
        store
            .sync_departments(&hotline_domain::Department::defaults())
            .await
            .unwrap();
    }
    let store = open(&path).await;
    assert_eq!(
        store.log_id(),
        log_id,
        "the log keeps its name across restarts"
    );
    assert_eq!(
        store.departments().await.unwrap_or_default(),
        hotline_domain::Department::defaults()
    );
}

/// The live queue and the operators' loads are rebuilt from the tables.
#[tokio::test]
async fn routing_is_rebuilt_on_reopen() {
    use hotline_domain::*;
    use hotline_store::conformance::{customer, new_message};
    use hotline_store::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotline.db");
    let question = |who: &str| StartConversation {
        department: DepartmentId::parse("bank".into()).unwrap(),
        subject: Subject::General,
        initial_status: Status::Queued,
        customer: customer(who),
        first_message: new_message("m", &format!("вопрос клиента {who}")),
    };
    let (operator, ids) = {
        let store = open(&path).await;
        let operator = store
            .create_operator(NewOperator {
                email: "o@x".into(),
                name: "O".into(),
                role: Role::Operator,
                departments: vec![DepartmentId::parse("bank".into()).unwrap()],
                password_hash: "x".into(),
            })
            .await
            .unwrap();
        let change = PresenceChange {
            presence: Some(Presence::Online),
            capacity: Some(1),
        };
        store.set_presence(&operator.id, change).await.unwrap();
        let mut ids = Vec::new();
        for who in ["a", "b", "c"] {
            ids.push(
                store
                    .start_conversation(question(who))
                    .await
                    .unwrap()
                    .conversation
                    .id,
            );
        }
        (operator, ids)
    };
    let store = open(&path).await;
    let status = store.operator_status(&operator.id).await.unwrap();
    assert_eq!(
        (status.presence, status.capacity, status.load),
        (Presence::Online, 1, 1)
    );
    let third = store.conversation(&ids[2]).await.unwrap().unwrap();
    assert_eq!(third.queue.unwrap().position, 2);
    store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: ids[0].clone(),
            actor: Principal::Operator(operator.clone()),
            command: LifecycleCommand::Resolve,
        })
        .await
        .unwrap();
    let second = store.conversation(&ids[1]).await.unwrap().unwrap();
    assert_eq!(
        second.assignee.unwrap().id,
        operator.id,
        "the freed slot takes the next in line"
    );
}

/// A database written by release 0.1.0 (before migrations were recorded):
/// the demo's help center, a travel and a bank conversation with a file, a
/// hand-off, an assignment, an operator's reply and note, read marks.
const RELEASE_0_1_0: &[u8] = include_bytes!("fixtures/release-0.1.0.db.gz");

#[tokio::test]
async fn a_database_of_release_0_1_0_upgrades_in_place() {
    use hotline_domain::{ConversationId, CustomerId, EventPosition};
    use hotline_store::{AuditStore, EventScope, KnowledgeStore, MessageQuery};
    use std::io::Read;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotline.db");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(RELEASE_0_1_0)
        .read_to_end(&mut bytes)
        .unwrap();
    std::fs::write(&path, bytes).unwrap();

    let store = open(&path).await;
    assert_eq!(store.log_id(), "df9c3bb3ff704e238ab40a0475e5c8ac");
    let bank = ConversationId::from_raw("01a2330d-588d-707c-9955-9231eff08eb7");
    let conversation = store.conversation(&bank).await.unwrap().unwrap();
    assert_eq!(conversation.department.as_str(), "bank");
    let messages = store
        .messages(MessageQuery {
            conversation_id: bank.clone(),
            after_seq: 0,
            limit: 100,
            include_internal: true,
        })
        .await
        .unwrap();
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts.contains(&"Здравствуйте! Проверю списание."),
        "{texts:?}"
    );
    assert!(messages.iter().any(|m| m.internal));
    assert_eq!(messages[0].attachments.len(), 1);
    assert_eq!(store.articles().await.unwrap().len(), 70);
    let events = store
        .events_after(
            EventPosition::START,
            &EventScope::Customer(CustomerId::from_raw("ivan")),
            1000,
        )
        .await
        .unwrap();
    assert!(events.events.len() >= 10, "{}", events.events.len());
    let audit = store.audit_entries(0, 1000).await.unwrap();
    assert!(!audit.is_empty());
    hotline_store::audit::verify_chain(None, &audit).unwrap();
    drop(store);

    // Every migration is recorded once; opening again applies nothing.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let recorded: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let every: Vec<i64> = hotline_store_sqlite::migrations::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(recorded, every, "each migration recorded once");
    let claims_table: i64 = conn
        .query_row("SELECT COUNT(*) FROM claims", [], |r| r.get(0))
        .unwrap();
    assert_eq!(claims_table, 0, "0003 added the claims table");
    drop(conn);
    let store = open(&path).await;
    assert_eq!(store.conversation(&bank).await.unwrap().unwrap().id, bank);
}

/// The receipt time and channel of a claim are the legal trigger: the
/// database itself refuses to rewrite them, whatever code runs.
#[tokio::test]
async fn the_database_refuses_to_rewrite_a_claims_trigger() {
    use hotline_domain::claims::{ClaimChannel, ClaimType, Deadline};
    use hotline_domain::*;
    use hotline_store::claims::{FileClaim, NewClaim};
    use hotline_store::conformance::{customer, new_message};
    use hotline_store::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotline.db");
    let store = open(&path).await;
    store
        .sync_departments(&Department::defaults())
        .await
        .unwrap();
    let started = store
        .start_conversation(StartConversation {
            department: DepartmentId::parse("marketplace".into()).unwrap(),
            subject: Subject::General,
            initial_status: Status::Queued,
            customer: customer("ivan"),
            first_message: new_message("first", "Верните деньги"),
        })
        .await
        .unwrap();
    let received = time::macros::datetime!(2026-11-25 09:00 UTC);
    let date = time::macros::date!(2026 - 12 - 07);
    store
        .file_claim(FileClaim {
            conversation_id: started.conversation.id.clone(),
            filer: Principal::Customer(customer("ivan")),
            claim: NewClaim {
                claim_type: ClaimType::Refund,
                order_id: None,
                amount: None,
                demand: "вернуть деньги".into(),
                text: "Товар с браком".into(),
                cross_border: false,
                channel: ClaimChannel::Chat,
                received_at: received,
                client_msg_id: ClientMsgId::parse("claim".into()).unwrap(),
                attachment_ids: vec![],
            },
            deadline: Deadline {
                raw_due_date: date,
                due_date: date,
                provisional: false,
            },
            number_year: 2026,
            legal_offset: time::UtcOffset::UTC,
        })
        .await
        .unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    for update in [
        "UPDATE claims SET received_at = received_at - 86400000000",
        "UPDATE claims SET channel = 'post'",
    ] {
        let refused = conn.execute(update, []).unwrap_err().to_string();
        assert!(refused.contains("never rewritten"), "{update}: {refused}");
    }
    // What a transition writes is allowed.
    assert_eq!(
        conn.execute(
            "UPDATE claims SET status = 'answered', received_at = received_at",
            []
        )
        .unwrap(),
        1
    );
}
