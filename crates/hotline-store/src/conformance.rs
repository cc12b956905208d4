//! The contract of [`Store`](crate::Store), as tests every backend must pass.
//!
//! A backend's test file calls [`store_conformance_suite!`] with an async
//! function that opens a fresh, empty store handing its committed events to
//! the [`EventSink`] given; each case then becomes one `#[tokio::test]` of
//! that backend.

// Test code: a failed expectation is how a case reports failure.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod callbacks;
mod channels;
mod claims;
pub mod multi;
mod queues;
mod team;
mod webhooks;
pub use callbacks::*;
pub use channels::*;
pub use claims::*;
pub use multi::*;
pub use queues::*;
pub use team::*;
pub use webhooks::*;

use crate::*;
use hotline_domain::*;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Expands to one test per conformance case, each with a fresh store opened
/// by `$open` (an async function taking an `Arc<dyn EventSink>` and
/// returning `Arc<dyn Store>`, or `Option<Arc<dyn Store>>` for a backend
/// whose server may be absent: `None` skips the case, see [`Opened`]).
///
/// The second form, `store_conformance_suite!(open, shared = open_two)`,
/// adds the cases of several nodes on one database ([`multi`]): `open_two`
/// takes two sinks and opens two handles on one fresh database, each
/// handing its own commits to its sink (`Option<(Arc<dyn Store>,
/// Arc<dyn Store>)>`, `None` skips).
#[macro_export]
macro_rules! store_conformance_suite {
    ($open:expr, shared = $open_two:expr) => {
        $crate::store_conformance_suite!($open);
        $crate::store_conformance_suite!(@shared_cases $open_two;
            starts_race_across_handles,
            sends_race_across_handles,
            assignments_race_across_handles,
            positions_are_gap_free_across_handles
        );
    };
    ($open:expr) => {
        $crate::store_conformance_suite!(@cases $open;
            departments_round_trip,
            operators_and_sessions,
            start_is_idempotent,
            retries_of_one_send_create_one_message,
            seq_is_gap_free_under_concurrent_writers,
            a_failing_write_does_not_disturb_its_batch,
            strangers_get_not_found,
            internal_notes_never_reach_the_customer,
            lifecycle_is_persisted_with_events,
            a_resolved_conversation_is_rated_once_by_its_customer,
            reports_read_the_conversations_opened_in_a_period,
            attachments_are_claimed_once_by_their_uploader,
            conversations_are_listed_by_scope,
            resume_sees_every_event_once_in_order,
            customer_context_keeps_the_latest,
            redacting_a_message_rewrites_it_and_its_event,
            a_send_rechecks_what_screening_relied_on,
            audit_log_is_a_verifiable_chain,
            erasing_a_customer_leaves_nothing_of_theirs,
            a_customer_record_holds_what_their_token_said,
            assignment_is_race_free,
            queue_places_and_estimates_follow_the_queue,
            returning_customer_gets_their_operator,
            duplicate_requests_join_the_open_conversation,
            transfer_keeps_history_and_waiting_time,
            sla_breaches_become_events,
            a_resolved_conversation_never_breaches_first_response,
            articles_upsert_by_id_and_delete,
            feedback_is_tallied_and_unanswered_questions_listed,
            read_marks_move_forward_in_both_numberings,
            each_operator_counts_what_they_have_not_read,
            conversations_are_found_by_customer_order_and_words,
            canned_replies_are_saved_over_and_kept_as_tombstones,
            capacity_holds_while_operators_resolve,
            customer_tier_raises_priority,
            claims_are_filed_once_with_an_acknowledgement,
            claim_numbers_are_sequential_per_year,
            the_registry_is_sorted_by_legal_end,
            claims_are_answered_and_extended_by_the_rules,
            claim_alerts_are_recorded_once,
            a_rescheduled_claim_keeps_its_trigger,
            calendar_overrides_round_trip,
            a_call_back_is_queued_once_with_an_acknowledgement,
            call_outcomes_follow_the_rules,
            operators_are_invited_changed_and_deactivated,
            chats_follow_their_conversations,
            link_codes_link_a_chat_once,
            inbound_updates_are_taken_in_once,
            the_outbox_delivers_each_row_once_in_order,
            webhook_subscriptions_keep_their_secrets,
            webhook_deliveries_go_once_in_order_per_conversation
        );
        $crate::store_conformance_suite!(@feed_cases $open;
            committed_feed_is_in_commit_order,
            bot_messages_carry_suggestions_while_the_bot_handles_the_conversation,
            a_bot_answer_that_settles_the_matter_resolves_in_the_same_write
        );
    };
    (@cases $open:expr; $($case:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (sink, _) = $crate::conformance::feed();
                let Some(store) = $crate::conformance::Opened::into_store(($open)(sink).await)
                else {
                    return;
                };
                $crate::conformance::$case(store).await;
            }
        )+
    };
    // Cases that also read what the store hands its sink.
    (@feed_cases $open:expr; $($case:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (sink, committed) = $crate::conformance::feed();
                let Some(store) = $crate::conformance::Opened::into_store(($open)(sink).await)
                else {
                    return;
                };
                $crate::conformance::$case(store, committed).await;
            }
        )+
    };
    // Cases on two handles of one database, each with its own feed.
    (@shared_cases $open_two:expr; $($case:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let (sink_a, feed_a) = $crate::conformance::feed();
                let (sink_b, feed_b) = $crate::conformance::feed();
                let Some((a, b)) = ($open_two)(sink_a, sink_b).await else {
                    return;
                };
                $crate::conformance::$case(
                    $crate::conformance::Node { store: a, feed: feed_a },
                    $crate::conformance::Node { store: b, feed: feed_b },
                )
                .await;
            }
        )+
    };
}

/// What a backend's opener returns: a store, or, for a backend whose server
/// is not configured here, `None` (the opener says why) to skip the case.
pub trait Opened {
    fn into_store(self) -> Option<Arc<dyn Store>>;
}

impl Opened for Arc<dyn Store> {
    fn into_store(self) -> Option<Arc<dyn Store>> {
        Some(self)
    }
}

impl Opened for Option<Arc<dyn Store>> {
    fn into_store(self) -> Option<Arc<dyn Store>> {
        self
    }
}

/// A sink for a store under test, and a receiver of what it is handed.
pub fn feed() -> (Arc<dyn EventSink>, broadcast::Receiver<Arc<Event>>) {
    let (sender, receiver) = broadcast::channel(1024);
    (Arc::new(sender), receiver)
}

fn department(id: &str) -> DepartmentId {
    DepartmentId::parse(id.to_owned()).unwrap()
}

pub fn customer(id: &str) -> CustomerIdentity {
    CustomerIdentity {
        id: CustomerId::from_raw(id),
        name: format!("Customer {id}"),
        email: None,
        phone: Some("+79990000000".into()),
        amr: vec!["pwd".into()],
        auth_time: None,
        tier: None,
    }
}

pub fn new_message(client_msg_id: &str, text: &str) -> NewMessage {
    NewMessage {
        client_msg_id: ClientMsgId::parse(client_msg_id.to_owned()).unwrap(),
        text: MessageText::parse(text.to_owned(), 10_000).unwrap(),
        internal: false,
        attachment_ids: vec![],
    }
}

async fn operator(
    store: &Arc<dyn Store>,
    email: &str,
    role: Role,
    departments: &[&str],
) -> OperatorPrincipal {
    store
        .create_operator(NewOperator {
            email: email.into(),
            name: email.split('@').next().unwrap_or(email).into(),
            role,
            departments: departments.iter().map(|d| department(d)).collect(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
                .into(),
        })
        .await
        .unwrap_or_else(|e| panic!("create operator: {e}"))
}

/// A customer's general question to a department's queue.
fn start_command(who: &str, dept: &str, cmid: &str, text: &str) -> StartConversation {
    StartConversation {
        department: department(dept),
        subject: Subject::General,
        initial_status: Status::Queued,
        customer: customer(who),
        first_message: new_message(cmid, text),
    }
}

async fn start(store: &Arc<dyn Store>, who: &str, dept: &str, cmid: &str, text: &str) -> Started {
    store
        .start_conversation(start_command(who, dept, cmid, text))
        .await
        .unwrap_or_else(|e| panic!("start conversation: {e}"))
}

async fn post(
    store: &Arc<dyn Store>,
    conv: &ConversationId,
    author: Principal,
    cmid: &str,
    text: &str,
) -> StoreResult<Posted> {
    store
        .post_message(PostMessage {
            conversation_id: conv.clone(),
            author,
            message: new_message(cmid, text),
            screened: Default::default(),
        })
        .await
}

/// The conversation and message events, without the queue's own
/// (`queue.updated`, `sla.breached`), which the queue cases check.
fn lifecycle_events(events: Vec<Event>) -> Vec<Event> {
    events
        .into_iter()
        .filter(|e| !matches!(e.kind, EventKind::QueueUpdated | EventKind::SlaBreached))
        .collect()
}

async fn all_events(store: &Arc<dyn Store>, scope: &EventScope, page: usize) -> Vec<Event> {
    let mut out = Vec::new();
    let mut at = EventPosition::START;
    loop {
        let got = store
            .events_after(at, scope, page)
            .await
            .unwrap_or_else(|e| panic!("events: {e}"));
        assert!(got.through >= at, "a page never moves backwards");
        let done = got.events.len() < page;
        at = got.through;
        out.extend(got.events);
        if done {
            return out;
        }
    }
}

pub async fn departments_round_trip(store: Arc<dyn Store>) {
    let mut departments = Department::defaults();
    store.sync_departments(&departments).await.unwrap();
    assert_eq!(store.departments().await.unwrap_or_default(), departments);
    departments[0].name = "Покупки".into();
    departments[0].bot = true;
    store.sync_departments(&departments).await.unwrap();
    assert_eq!(
        store.departments().await.unwrap_or_default(),
        departments,
        "sync updates in place"
    );
}

pub async fn operators_and_sessions(store: Arc<dyn Store>) {
    let anna = operator(
        &store,
        "anna@example.com",
        Role::Operator,
        &["travel", "bank"],
    )
    .await;
    let again = store
        .create_operator(NewOperator {
            email: "anna@example.com".into(),
            name: "Other".into(),
            role: Role::Admin,
            departments: vec![],
            password_hash: "x".into(),
        })
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Conflict(Conflict::OperatorEmailTaken))
        ),
        "{again:?}"
    );

    let found = store
        .operator_by_email("anna@example.com")
        .await
        .ok()
        .flatten()
        .expect("operator by email");
    assert_eq!(found.operator, anna);
    assert!(found.password_hash.starts_with("$argon2id$"));
    assert!(
        store
            .operator_by_email("nobody@example.com")
            .await
            .ok()
            .flatten()
            .is_none()
    );

    store
        .create_session(NewSession {
            token_hash: "h1".into(),
            operator_id: anna.id.clone(),
            expires_at_unix: 2_000,
        })
        .await
        .unwrap();
    assert_eq!(
        store.session_operator("h1", 1_999).await.ok().flatten(),
        Some(anna.clone())
    );
    assert_eq!(
        store.session_operator("h1", 2_000).await.ok().flatten(),
        None,
        "expired sessions are gone"
    );
    assert_eq!(
        store.session_operator("h2", 1_000).await.ok().flatten(),
        None
    );
    let moved = store
        .set_operator_departments(
            &anna.id,
            vec![department("marketplace"), department("marketplace")],
        )
        .await
        .unwrap();
    assert_eq!(moved.departments, [department("marketplace")]);
    let now_serving = store
        .session_operator("h1", 1_000)
        .await
        .ok()
        .flatten()
        .expect("session");
    assert_eq!(
        now_serving.departments,
        [department("marketplace")],
        "sessions see the change at once"
    );
    let unknown = store
        .set_operator_departments(&OperatorId::generate(), vec![])
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    store.delete_session("h1").await.unwrap();
    assert_eq!(
        store.session_operator("h1", 1_000).await.ok().flatten(),
        None,
        "logout ends the session"
    );
}

pub async fn start_is_idempotent(store: Arc<dyn Store>) {
    let first = start(&store, "c1", "travel", "m-1", "Где мой багаж?").await;
    assert!(first.created);
    assert_eq!((first.message.seq, first.conversation.last_seq), (1, 1));
    let retry = start(&store, "c1", "travel", "m-1", "Где мой багаж?").await;
    assert!(!retry.created, "a retry creates nothing");
    assert_eq!(retry.conversation.id, first.conversation.id);
    assert_eq!(retry.message, first.message);

    let changed = store
        .start_conversation(StartConversation {
            department: department("travel"),
            subject: Subject::General,
            initial_status: Status::Queued,
            customer: customer("c1"),
            first_message: new_message("m-1", "Другой текст"),
        })
        .await;
    assert!(
        matches!(
            changed,
            Err(StoreError::Conflict(Conflict::ClientMsgIdReused))
        ),
        "{changed:?}"
    );

    let other = start(&store, "c2", "travel", "m-1", "Где мой багаж?").await;
    assert!(other.created, "client_msg_id is scoped to its author");
    let listed = store
        .conversations(ConversationFilter {
            scope: EventScope::Customer(CustomerId::from_raw("c1")),
            status: None,
            department: None,
            limit: 10,
        })
        .await
        .unwrap_or_default();
    assert_eq!(listed.len(), 1);
}

pub async fn retries_of_one_send_create_one_message(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "marketplace", "m-0", "Здравствуйте").await;
    let conv = started.conversation.id.clone();
    let who = Principal::Customer(customer("c1"));
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let (store, conv, who) = (store.clone(), conv.clone(), who.clone());
            tokio::spawn(async move {
                post(&store, &conv, who, "retry-me", "Заказ не пришёл").await
            })
        })
        .collect();
    let mut created = 0;
    let mut ids = HashSet::new();
    for task in tasks {
        let posted = task.await.unwrap().unwrap();
        created += usize::from(posted.created);
        ids.insert(posted.message.id.clone());
    }
    assert_eq!(
        (created, ids.len()),
        (1, 1),
        "forty concurrent retries, one message"
    );
    let messages = store
        .messages(MessageQuery {
            conversation_id: conv,
            after_seq: 0,
            limit: 100,
            include_internal: true,
        })
        .await
        .unwrap_or_default();
    assert_eq!(messages.len(), 2);
}

pub async fn seq_is_gap_free_under_concurrent_writers(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "bank", "m-0", "Карта заблокирована").await;
    let conv = started.conversation.id.clone();
    let anna =
        Principal::Operator(operator(&store, "anna@example.com", Role::Operator, &["bank"]).await);
    let customer = Principal::Customer(customer("c1"));
    let tasks: Vec<_> = (0..16)
        .map(|writer| {
            let (store, conv) = (store.clone(), conv.clone());
            let who = if writer % 2 == 0 {
                customer.clone()
            } else {
                anna.clone()
            };
            tokio::spawn(async move {
                for i in 0..25 {
                    post(
                        &store,
                        &conv,
                        who.clone(),
                        &format!("w{writer}-{i}"),
                        "текст",
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let messages = store
        .messages(MessageQuery {
            conversation_id: conv.clone(),
            after_seq: 0,
            limit: 1000,
            include_internal: true,
        })
        .await
        .unwrap_or_default();
    let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=401).collect::<Vec<_>>(),
        "1..=N, in order, no gap"
    );
    let page = store
        .messages(MessageQuery {
            conversation_id: conv.clone(),
            after_seq: 100,
            limit: 10,
            include_internal: true,
        })
        .await
        .unwrap_or_default();
    assert_eq!(
        page.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (101..=110).collect::<Vec<_>>()
    );
    let conversation = store
        .conversation(&conv)
        .await
        .ok()
        .flatten()
        .expect("conversation");
    assert_eq!(conversation.last_seq, 401);
}

pub async fn a_failing_write_does_not_disturb_its_batch(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "travel", "m-0", "Вопрос").await;
    let conv = started.conversation.id.clone();
    let who = Principal::Customer(customer("c1"));
    post(&store, &conv, who.clone(), "taken", "первый")
        .await
        .unwrap();
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let (store, conv, who) = (store.clone(), conv.clone(), who.clone());
            tokio::spawn(async move {
                if i % 3 == 0 {
                    post(&store, &conv, who, "taken", &format!("другой {i}")).await
                } else {
                    post(&store, &conv, who, &format!("ok-{i}"), "текст").await
                }
            })
        })
        .collect();
    let (mut ok, mut conflicts) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(p) if p.created => ok += 1,
            Err(StoreError::Conflict(_)) => conflicts += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, conflicts), (40, 20));
    let messages = store
        .messages(MessageQuery {
            conversation_id: conv,
            after_seq: 0,
            limit: 1000,
            include_internal: true,
        })
        .await
        .unwrap_or_default();
    assert_eq!(messages.len(), 42);
    assert_eq!(
        messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=42).collect::<Vec<_>>()
    );
    let events = lifecycle_events(
        all_events(
            &store,
            &EventScope::Customer(CustomerId::from_raw("c1")),
            1000,
        )
        .await,
    );
    assert_eq!(
        events.len(),
        43,
        "one conversation.created and one message.created per stored message"
    );
}

pub async fn strangers_get_not_found(store: Arc<dyn Store>) {
    let started = start(&store, "alice", "bank", "m-0", "Списали деньги").await;
    let conv = started.conversation.id.clone();
    let mallory = Principal::Customer(customer("mallory"));
    let r = post(&store, &conv, mallory.clone(), "x", "привет").await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    let travel_only =
        Principal::Operator(operator(&store, "t@example.com", Role::Admin, &["travel"]).await);
    let r = post(&store, &conv, travel_only.clone(), "x", "привет").await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    for actor in [mallory, travel_only] {
        let r = store
            .change_lifecycle(ChangeLifecycle {
                conversation_id: conv.clone(),
                actor,
                command: LifecycleCommand::Resolve,
            })
            .await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    }
    let unknown = post(
        &store,
        &ConversationId::generate(),
        Principal::Customer(customer("alice")),
        "y",
        "a",
    )
    .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)));
    let conversation = store
        .conversation(&conv)
        .await
        .ok()
        .flatten()
        .expect("conversation");
    assert_eq!(
        (conversation.last_seq, conversation.status),
        (1, Status::Queued),
        "nothing changed"
    );
}

pub async fn internal_notes_never_reach_the_customer(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "travel", "m-0", "Вопрос").await;
    let conv = started.conversation.id.clone();
    let anna = Principal::Operator(
        operator(&store, "anna@example.com", Role::Operator, &["travel"]).await,
    );
    let mut note = new_message("note-1", "клиент грубит, проверить бронь");
    note.internal = true;
    let posted = store
        .post_message(PostMessage {
            conversation_id: conv.clone(),
            author: anna.clone(),
            message: note,
            screened: Default::default(),
        })
        .await
        .unwrap();
    assert!(posted.message.internal);
    assert_eq!(
        posted.conversation.updated_at, started.conversation.updated_at,
        "a note is not activity the customer sees"
    );
    assert_eq!(
        posted.conversation.status,
        Status::Queued,
        "a note does not take the conversation"
    );
    post(&store, &conv, anna, "reply-1", "Здравствуйте!")
        .await
        .unwrap();

    let mut customers_note = new_message("c-note", "секрет");
    customers_note.internal = true;
    let r = store
        .post_message(PostMessage {
            conversation_id: conv.clone(),
            author: Principal::Customer(customer("c1")),
            message: customers_note,
            screened: Default::default(),
        })
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::Domain(DomainError::InternalNoteByCustomer))
        ),
        "{r:?}"
    );

    let query = |include_internal| MessageQuery {
        conversation_id: conv.clone(),
        after_seq: 0,
        limit: 10,
        include_internal,
    };
    assert_eq!(
        store.messages(query(true)).await.unwrap_or_default().len(),
        3
    );
    let customer_view = store.messages(query(false)).await.unwrap_or_default();
    assert_eq!(
        customer_view
            .iter()
            .map(|m| (m.seq, m.public_seq))
            .collect::<Vec<_>>(),
        [(1, Some(1)), (3, Some(2))],
        "customers count only what they see: no gap where the note is"
    );
    let after_first = MessageQuery {
        conversation_id: conv.clone(),
        after_seq: 1,
        limit: 10,
        include_internal: false,
    };
    let page = store.messages(after_first).await.unwrap_or_default();
    assert_eq!(
        page.iter().map(|m| m.public_seq).collect::<Vec<_>>(),
        [Some(2)]
    );
    let conversation = store
        .conversation(&conv)
        .await
        .ok()
        .flatten()
        .expect("conversation");
    assert_eq!(
        (conversation.last_seq, conversation.last_public_seq),
        (3, 2)
    );
    let note = store
        .messages(query(true))
        .await
        .unwrap_or_default()
        .remove(1);
    assert_eq!((note.seq, note.public_seq, note.internal), (2, None, true));

    let customer_events = all_events(
        &store,
        &EventScope::Customer(CustomerId::from_raw("c1")),
        100,
    )
    .await;
    assert!(customer_events.iter().all(|e| !e.internal));
    assert!(
        !customer_events
            .iter()
            .any(|e| e.data.to_string().contains("грубит"))
    );
    let operator_events = all_events(
        &store,
        &EventScope::Departments(vec![department("travel")]),
        100,
    )
    .await;
    assert!(
        operator_events
            .iter()
            .any(|e| e.data.to_string().contains("грубит"))
    );
}

pub async fn a_resolved_conversation_is_rated_once_by_its_customer(store: Arc<dyn Store>) {
    let started = store
        .start_conversation(StartConversation {
            department: department("travel"),
            subject: Subject::General,
            initial_status: Status::Queued,
            customer: customer("c1"),
            first_message: new_message("m-0", "Верните деньги за билет"),
        })
        .await
        .unwrap();
    let conv = started.conversation.id.clone();
    let anna = Principal::Operator(
        operator(&store, "anna@example.com", Role::Operator, &["travel"]).await,
    );
    let rate = |who: &str, score: i64, comment: Option<&str>| {
        store.rate_conversation(RateConversation {
            conversation_id: conv.clone(),
            customer: CustomerId::from_raw(who),
            score,
            comment: comment.map(str::to_owned),
        })
    };
    let r = rate("c1", 5, None).await;
    assert!(
        matches!(
            r,
            Err(StoreError::Domain(DomainError::InvalidTransition { .. }))
        ),
        "not before it is resolved: {r:?}"
    );
    for command in [LifecycleCommand::Take, LifecycleCommand::Resolve] {
        store
            .change_lifecycle(ChangeLifecycle {
                conversation_id: conv.clone(),
                actor: anna.clone(),
                command,
            })
            .await
            .unwrap();
    }
    let r = rate("c2", 1, None).await;
    assert!(
        matches!(r, Err(StoreError::NotFound)),
        "someone else's: {r:?}"
    );
    let r = rate("c1", 6, None).await;
    assert!(
        matches!(r, Err(StoreError::Domain(DomainError::OutOfRange { .. }))),
        "{r:?}"
    );
    let after = store.event_bounds().await.unwrap().head;
    let rated = rate("c1", 4, Some("  Быстро вернули  ")).await.unwrap();
    let rating = rated.rating.clone().expect("rated");
    assert_eq!(
        (rating.score, rating.comment.as_deref()),
        (4, Some("Быстро вернули"))
    );
    // Stored, and announced to whoever follows the conversation.
    let stored = store.conversation(&conv).await.unwrap().unwrap();
    assert_eq!(stored.rating, Some(rating.clone()));
    let page = store
        .events_after(
            after,
            &EventScope::Departments(vec![department("travel")]),
            10,
        )
        .await
        .unwrap();
    let announced: Vec<_> = page
        .events
        .iter()
        .filter(|e| e.kind == EventKind::ConversationUpdated)
        .collect();
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0].data["rating"]["score"], 4);
    // Once: a second rating changes nothing.
    let r = rate("c1", 1, Some("передумал")).await;
    assert!(
        matches!(r, Err(StoreError::Domain(DomainError::AlreadyRated))),
        "{r:?}"
    );
    assert_eq!(
        store.conversation(&conv).await.unwrap().unwrap().rating,
        Some(rating)
    );
}

pub async fn reports_read_the_conversations_opened_in_a_period(store: Arc<dyn Store>) {
    let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let start = |department_id: &str, cmid: &str| {
        store.start_conversation(StartConversation {
            department: department(department_id),
            subject: Subject::General,
            initial_status: Status::Queued,
            customer: customer("c1"),
            first_message: new_message(cmid, "Помогите"),
        })
    };
    let travel = start("travel", "t-1").await.unwrap().conversation.id;
    let bank = start("bank", "b-1").await.unwrap().conversation.id;
    let anna = operator(&store, "anna@example.com", Role::Operator, &["travel"]).await;
    let change = |command| {
        store.change_lifecycle(ChangeLifecycle {
            conversation_id: travel.clone(),
            actor: Principal::Operator(anna.clone()),
            command,
        })
    };
    change(LifecycleCommand::Take).await.unwrap();
    post(
        &store,
        &travel,
        Principal::Operator(anna.clone()),
        "a-1",
        "Здравствуйте",
    )
    .await
    .unwrap();
    change(LifecycleCommand::Resolve).await.unwrap();
    store
        .rate_conversation(RateConversation {
            conversation_id: travel.clone(),
            customer: CustomerId::from_raw("c1"),
            score: 5,
            comment: None,
        })
        .await
        .unwrap();
    let after = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    let facts = |from, to, departments: &[&str], operator: Option<OperatorId>| {
        store.conversation_facts(FactsQuery {
            from,
            to,
            departments: departments.iter().map(|d| department(d)).collect(),
            operator,
        })
    };

    let travel_facts = facts(before, after, &["travel"], None).await.unwrap();
    assert_eq!(travel_facts.len(), 1, "{travel_facts:?}");
    let f = &travel_facts[0];
    assert_eq!(
        (f.status, f.assignee.as_ref()),
        (Status::Resolved, Some(&anna.id))
    );
    let clocks = [
        f.waiting_since,
        f.assigned_at,
        f.first_response_at,
        f.resolved_at,
    ];
    assert!(clocks.iter().all(Option::is_some), "{f:?}");
    assert!(clocks.windows(2).all(|w| w[0] <= w[1]), "in order: {f:?}");
    assert_eq!(f.rating.as_ref().map(|r| r.score), Some(5));
    assert!(!f.sla_breached);

    let both = facts(before, after, &["travel", "bank"], None)
        .await
        .unwrap();
    assert_eq!(both.len(), 2);
    assert_eq!(both[1].status, Status::Queued, "oldest first: {bank}");
    let anna_only = facts(before, after, &["travel", "bank"], Some(anna.id.clone()));
    assert_eq!(anna_only.await.unwrap().len(), 1);
    let earlier = facts(before - time::Duration::hours(1), before, &["travel"], None);
    assert!(earlier.await.unwrap().is_empty());
}

pub async fn lifecycle_is_persisted_with_events(store: Arc<dyn Store>) {
    let started = store
        .start_conversation(StartConversation {
            department: department("travel"),
            subject: Subject::Topic {
                topic: TopicId::parse("miles".into()).unwrap(),
            },
            initial_status: Status::Bot,
            customer: customer("c1"),
            first_message: new_message("m-0", "Не начислили мили"),
        })
        .await
        .unwrap();
    let conv = started.conversation.id.clone();
    assert_eq!(started.conversation.status, Status::Bot);
    let customer = Principal::Customer(customer("c1"));
    let anna = Principal::Operator(
        operator(&store, "anna@example.com", Role::Operator, &["travel"]).await,
    );
    let boss = Principal::Operator(
        operator(&store, "boss@example.com", Role::Supervisor, &["travel"]).await,
    );
    let banker = operator(&store, "bank@example.com", Role::Operator, &["bank"]).await;
    let change = |actor: &Principal, command| {
        store.change_lifecycle(ChangeLifecycle {
            conversation_id: conv.clone(),
            actor: actor.clone(),
            command,
        })
    };

    assert_eq!(
        change(&customer, LifecycleCommand::Handoff)
            .await
            .map(|c| c.status)
            .ok(),
        Some(Status::Queued)
    );
    let taken = change(&anna, LifecycleCommand::Take).await.unwrap();
    assert_eq!(taken.assignee.map(|a| a.name), Some("anna".to_owned()));
    let r = change(&boss, LifecycleCommand::AssignTo(banker.id.clone())).await;
    assert!(matches!(r, Err(StoreError::InvalidAssignee(_))), "{r:?}");
    let r = change(&anna, LifecycleCommand::Reopen).await;
    assert!(
        matches!(
            r,
            Err(StoreError::Domain(DomainError::InvalidTransition { .. }))
        ),
        "{r:?}"
    );
    assert_eq!(
        change(&anna, LifecycleCommand::Resolve)
            .await
            .map(|c| c.status)
            .ok(),
        Some(Status::Resolved)
    );
    let again = post(&store, &conv, customer.clone(), "m-1", "Всё ещё нет миль")
        .await
        .unwrap();
    assert_eq!(
        again.conversation.status,
        Status::Queued,
        "writing after a resolve queues it again"
    );

    let stored = store
        .conversation(&conv)
        .await
        .ok()
        .flatten()
        .expect("conversation");
    assert_eq!(stored, again.conversation);
    let kinds: Vec<EventKind> =
        lifecycle_events(all_events(&store, &EventScope::of(&customer), 100).await)
            .iter()
            .map(|e| e.kind)
            .collect();
    use EventKind::*;
    assert_eq!(
        kinds,
        [
            ConversationCreated,
            MessageCreated,
            ConversationUpdated,
            ConversationUpdated,
            ConversationUpdated,
            MessageCreated,
            ConversationUpdated
        ]
    );
}

pub async fn attachments_are_claimed_once_by_their_uploader(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "marketplace", "m-0", "Чек прилагаю").await;
    let conv = started.conversation.id.clone();
    let c1 = Principal::Customer(customer("c1"));
    let upload = |who: &Principal| {
        let id = AttachmentId::generate();
        let new = NewAttachment {
            info: AttachmentInfo {
                id: id.clone(),
                name: "чек.pdf".into(),
                size: 1234,
                content_type: "application/pdf".into(),
            },
            sha256: "ab".repeat(32),
            uploader: Uploader::of(who),
        };
        (id, new)
    };
    let (mine, new) = upload(&c1);
    store.put_attachment(new).await.unwrap();
    let (theirs, new) = upload(&Principal::Customer(customer("c2")));
    store.put_attachment(new).await.unwrap();

    let send = |cmid: &str, ids: Vec<AttachmentId>| {
        let mut message = new_message(cmid, "вот");
        message.attachment_ids = ids;
        store.post_message(PostMessage {
            conversation_id: conv.clone(),
            author: c1.clone(),
            message,
            screened: Default::default(),
        })
    };
    let r = send("m-1", vec![theirs.clone()]).await;
    assert!(
        matches!(r, Err(StoreError::InvalidAttachment(_))),
        "someone else's upload: {r:?}"
    );
    let sent = send("m-2", vec![mine.clone()]).await.unwrap();
    assert_eq!(sent.message.attachments.len(), 1);
    assert_eq!(sent.message.attachments[0].name, "чек.pdf");
    let r = send("m-3", vec![mine.clone()]).await;
    assert!(
        matches!(r, Err(StoreError::InvalidAttachment(_))),
        "already sent: {r:?}"
    );
    let retry = send("m-2", vec![mine.clone()]).await.unwrap();
    assert!(
        !retry.created,
        "a retry with the same attachment is recognised"
    );

    let record = store
        .attachment(&mine)
        .await
        .ok()
        .flatten()
        .expect("attachment");
    assert_eq!(record.conversation_id, Some(conv.clone()));
    let loose = store
        .attachment(&theirs)
        .await
        .ok()
        .flatten()
        .expect("attachment");
    assert_eq!(loose.conversation_id, None);
    assert_eq!(
        sent.conversation.last_seq, 2,
        "the refused sends took no seq"
    );
}

pub async fn conversations_are_listed_by_scope(store: Arc<dyn Store>) {
    start(&store, "c1", "travel", "a", "один").await;
    start(&store, "c1", "bank", "b", "два").await;
    start(&store, "c2", "bank", "c", "три").await;
    let list = |scope, status, department: Option<&str>| {
        store.conversations(ConversationFilter {
            scope,
            status,
            department: department.map(department_of),
            limit: 50,
        })
    };
    fn department_of(id: &str) -> DepartmentId {
        department(id)
    }
    let c1 = EventScope::Customer(CustomerId::from_raw("c1"));
    assert_eq!(
        list(c1.clone(), None, None).await.unwrap_or_default().len(),
        2
    );
    assert_eq!(
        list(c1, None, Some("bank")).await.unwrap_or_default().len(),
        1
    );
    let bank = EventScope::Departments(vec![department("bank")]);
    let found = list(bank.clone(), Some(Status::Queued), None)
        .await
        .unwrap_or_default();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].customer.id.as_str(), "c2", "newest first");
    assert!(
        list(bank.clone(), Some(Status::Resolved), None)
            .await
            .unwrap_or_default()
            .is_empty()
    );
    assert!(
        list(bank, None, Some("travel"))
            .await
            .unwrap_or_default()
            .is_empty(),
        "a filter never widens the scope"
    );
}

pub async fn resume_sees_every_event_once_in_order(store: Arc<dyn Store>) {
    let anna = Principal::Operator(
        operator(&store, "anna@example.com", Role::Operator, &["travel"]).await,
    );
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (store, anna) = (store.clone(), anna.clone());
            tokio::spawn(async move {
                let who = format!("c{w}");
                let started = start(
                    &store,
                    &who,
                    if w % 2 == 0 { "travel" } else { "bank" },
                    "m-0",
                    "вопрос",
                )
                .await;
                for i in 0..20 {
                    let author = if i % 4 == 3 && w % 2 == 0 {
                        anna.clone()
                    } else {
                        Principal::Customer(customer(&who))
                    };
                    post(
                        &store,
                        &started.conversation.id,
                        author,
                        &format!("m-{w}-{i}"),
                        "текст",
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    // Read while the writers write, in small pages, resuming from each page's end.
    let travel = EventScope::Departments(vec![department("travel")]);
    let mut seen: Vec<Event> = Vec::new();
    let mut at = EventPosition::START;
    let mut finished = false;
    loop {
        let all_done = writers.iter().all(|w| w.is_finished());
        let page = store.events_after(at, &travel, 7).await.unwrap();
        at = page.through;
        seen.extend(page.events);
        if finished && at == store.event_bounds().await.map(|b| b.head).unwrap_or(at) {
            break;
        }
        finished = all_done;
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await.unwrap();
    }
    let positions: Vec<u64> = seen.iter().map(|e| e.position.0).collect();
    assert!(
        positions.windows(2).all(|p| p[0] < p[1]),
        "in order, no duplicate"
    );
    let reference = all_events(&store, &travel, 1000).await;
    assert_eq!(
        seen, reference,
        "nothing missed while reading during writes"
    );
    assert_eq!(
        lifecycle_events(reference.clone()).len(),
        4 * (2 + 20) + 4,
        "4 conversations, their messages, and the operators' takes"
    );
    assert!(reference.iter().all(|e| e.department.as_str() == "travel"));
    let everything = all_events(
        &store,
        &EventScope::Departments(vec![department("travel"), department("bank")]),
        1000,
    )
    .await;
    let all: Vec<u64> = everything.iter().map(|e| e.position.0).collect();
    assert_eq!(
        all,
        (1..=all.len() as u64).collect::<Vec<_>>(),
        "committed positions are dense"
    );

    let bounds = store.event_bounds().await.unwrap();
    assert_eq!(bounds.head.0, all.len() as u64);
    let future = store
        .events_after(EventPosition(bounds.head.0 + 50), &travel, 10)
        .await
        .unwrap();
    assert!(future.events.is_empty());
}

pub async fn committed_feed_is_in_commit_order(
    store: Arc<dyn Store>,
    mut feed: broadcast::Receiver<Arc<Event>>,
) {
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let who = format!("c{w}");
                let started = start(&store, &who, "marketplace", "m-0", "вопрос").await;
                for i in 0..10 {
                    post(
                        &store,
                        &started.conversation.id,
                        Principal::Customer(customer(&who)),
                        &format!("{i}"),
                        "т",
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let expected = 6 * 12;
    let mut positions = Vec::new();
    while positions.len() < expected {
        let event = feed.recv().await.unwrap_or_else(|e| panic!("feed: {e}"));
        positions.push(event.position.0);
    }
    assert_eq!(positions, (1..=expected as u64).collect::<Vec<_>>());
}

pub async fn customer_context_keeps_the_latest(store: Arc<dyn Store>) {
    let ivan = CustomerId::from_raw("ivan".to_owned());
    assert_eq!(store.customer_context(&ivan).await.unwrap(), None);
    store
        .save_customer_context(&ivan, r#"{"orders":[1]}"#.into(), 10)
        .await
        .unwrap();
    store
        .save_customer_context(&ivan, r#"{"orders":[2]}"#.into(), 20)
        .await
        .unwrap();
    assert_eq!(
        store.customer_context(&ivan).await.unwrap(),
        Some((r#"{"orders":[2]}"#.to_owned(), 20))
    );
    let other = CustomerId::from_raw("petr".to_owned());
    assert_eq!(store.customer_context(&other).await.unwrap(), None);
}

pub async fn redacting_a_message_rewrites_it_and_its_event(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "bank", "m-1", "карта 4111 1111").await;
    let id = started.conversation.id.clone();
    store
        .redact_message(&id, started.message.seq, "карта •••".into())
        .await
        .unwrap();
    let messages = store
        .messages(MessageQuery {
            conversation_id: id.clone(),
            after_seq: 0,
            limit: 10,
            include_internal: true,
        })
        .await
        .unwrap();
    assert_eq!(messages[0].text, "карта •••");
    let bank = EventScope::of(&Principal::Customer(customer("c1")));
    let page = store
        .events_after(EventPosition::START, &bank, 10)
        .await
        .unwrap();
    let created = page
        .events
        .iter()
        .find(|e| e.kind == EventKind::MessageCreated)
        .unwrap();
    assert_eq!(created.data["text"], "карта •••");
    assert!(matches!(
        store.redact_message(&id, 99, "x".into()).await,
        Err(StoreError::NotFound)
    ));
}

fn remask(seq: i64, read_as: &str, masked: &str) -> Remask {
    Remask {
        seq,
        read_as: read_as.into(),
        masked: masked.into(),
    }
}

/// What screening relied on is checked in the write's transaction — the
/// conversation's department and, when earlier messages are to be masked
/// again, that no message came in since and that they still read as
/// screening read them — and those earlier messages are rewritten in that
/// same transaction.
pub async fn a_send_rechecks_what_screening_relied_on(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "bank", "m-1", "карта 4111 1111").await;
    let id = started.conversation.id.clone();
    let first = started.message.seq;
    let author = Principal::Customer(customer("c1"));
    let send = |cmid: &str, text: &str, relied_on: ScreenedFor| PostMessage {
        conversation_id: id.clone(),
        author: author.clone(),
        message: new_message(cmid, text),
        screened: relied_on,
    };
    let texts = |store: Arc<dyn Store>, id: ConversationId| async move {
        store
            .messages(MessageQuery {
                conversation_id: id,
                after_seq: 0,
                limit: 10,
                include_internal: true,
            })
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.text)
            .collect::<Vec<_>>()
    };
    let moved = store
        .post_message(send(
            "m-2",
            "1111 ••••",
            ScreenedFor {
                department: Some(department("travel")),
                remask: vec![remask(first, "карта 4111 1111", "карта ••••")],
                last_seq: Some(first),
            },
        ))
        .await;
    assert!(
        matches!(
            moved,
            Err(StoreError::Conflict(Conflict::ConversationMoved))
        ),
        "{moved:?}"
    );
    assert_eq!(
        texts(store.clone(), id.clone()).await,
        ["карта 4111 1111"],
        "a refused send changes nothing"
    );

    // Another message came in after screening read the history.
    post(&store, &id, author.clone(), "m-3", "и ещё")
        .await
        .unwrap();
    let outdated = store
        .post_message(send(
            "m-4",
            "1111 ••••",
            ScreenedFor {
                department: Some(department("bank")),
                remask: vec![remask(first, "карта 4111 1111", "карта ••••")],
                last_seq: Some(first),
            },
        ))
        .await;
    assert!(
        matches!(
            outdated,
            Err(StoreError::Conflict(Conflict::ScreeningOutdated))
        ),
        "{outdated:?}"
    );
    assert_eq!(
        texts(store.clone(), id.clone()).await,
        ["карта 4111 1111", "и ещё"]
    );

    // Screening read the earlier message as something it no longer is
    // (from a cache, say, after the customer's data was erased).
    let stale = store
        .post_message(send(
            "m-4",
            "1111 ••••",
            ScreenedFor {
                department: Some(department("bank")),
                remask: vec![remask(first, "карта 4111 2222", "карта ••••")],
                last_seq: Some(first + 1),
            },
        ))
        .await;
    assert!(
        matches!(
            stale,
            Err(StoreError::Conflict(Conflict::ScreeningOutdated))
        ),
        "{stale:?}"
    );
    assert_eq!(
        texts(store.clone(), id.clone()).await,
        ["карта 4111 1111", "и ещё"],
        "a refused send changes nothing"
    );

    let posted = store
        .post_message(send(
            "m-4",
            "1111 ••••",
            ScreenedFor {
                department: Some(department("bank")),
                remask: vec![remask(first, "карта 4111 1111", "карта ••••")],
                last_seq: Some(first + 1),
            },
        ))
        .await
        .unwrap();
    assert!(posted.created);
    assert_eq!(
        texts(store.clone(), id.clone()).await,
        ["карта ••••", "и ещё", "1111 ••••"]
    );
    let page = store
        .events_after(EventPosition::START, &EventScope::of(&author), 100)
        .await
        .unwrap();
    assert!(
        page.events
            .iter()
            .filter(|e| e.kind == EventKind::MessageCreated)
            .all(|e| !e.data["text"].as_str().unwrap_or_default().contains("4111")),
        "the events are rewritten too"
    );
}

pub async fn audit_log_is_a_verifiable_chain(store: Arc<dyn Store>) {
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..5 {
                    store
                        .append_audit(NewAuditEntry {
                            actor_kind: "operator".into(),
                            actor_id: format!("o{w}"),
                            action: "conversation.read".into(),
                            target: Some(format!("c{i}")),
                            details: serde_json::json!({"department": "bank", "i": i}),
                        })
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let entries = store.audit_entries(0, 100).await.unwrap();
    assert_eq!(entries.len(), 20);
    assert_eq!(entries[0].prev_hash, audit::GENESIS_HASH);
    let (last_seq, _) = audit::verify_chain(None, &entries).unwrap().unwrap();
    assert_eq!(last_seq, 20);
    let newest = store
        .last_audit_of("conversation.read")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newest.seq, 20);
    assert!(store.last_audit_of("login").await.unwrap().is_none());
    // Paged verification agrees.
    let first = &entries[..7];
    let (seq, hash) = audit::verify_chain(None, first).unwrap().unwrap();
    audit::verify_chain(Some((seq, &hash)), &entries[7..]).unwrap();

    let mut edited = entries.clone();
    edited[4].details = serde_json::json!({"department": "travel"});
    assert_eq!(audit::verify_chain(None, &edited).unwrap_err().seq, 5);
    let mut removed = entries.clone();
    removed.remove(9);
    assert_eq!(audit::verify_chain(None, &removed).unwrap_err().seq, 10);
    let mut relinked = entries;
    relinked.remove(9);
    for (i, e) in relinked.iter_mut().enumerate().skip(9) {
        e.seq = i as i64 + 1;
    }
    assert_eq!(audit::verify_chain(None, &relinked).unwrap_err().seq, 10);
}

/// For the personal-data export: the customer's facts as their token last
/// stated them, and the files they uploaded but never sent.
pub async fn a_customer_record_holds_what_their_token_said(store: Arc<dyn Store>) {
    assert!(
        store
            .customer_record(&CustomerId::from_raw("nobody"))
            .await
            .unwrap()
            .is_none()
    );
    start(&store, "c1", "travel", "m-1", "вопрос").await;
    let unsent = AttachmentId::from_raw("att-unsent");
    store
        .put_attachment(NewAttachment {
            info: AttachmentInfo {
                id: unsent.clone(),
                name: "скан.pdf".into(),
                size: 3,
                content_type: "application/pdf".into(),
            },
            sha256: "ab".repeat(32),
            uploader: Uploader {
                kind: "customer".into(),
                id: "c1".into(),
            },
        })
        .await
        .unwrap();
    let record = store
        .customer_record(&CustomerId::from_raw("c1"))
        .await
        .unwrap()
        .expect("a customer who wrote has a record");
    assert_eq!(record.name, "Customer c1");
    assert_eq!(record.phone.as_deref(), Some("+79990000000"));
    let files: Vec<&AttachmentId> = record.unsent_files.iter().map(|f| &f.info.id).collect();
    assert_eq!(files, [&unsent]);
}

pub async fn erasing_a_customer_leaves_nothing_of_theirs(store: Arc<dyn Store>) {
    let gone = start(&store, "gone", "travel", "m-1", "мой паспорт 4510 123456").await;
    post(
        &store,
        &gone.conversation.id,
        Principal::Customer(customer("gone")),
        "m-2",
        "и телефон",
    )
    .await
    .unwrap();
    let kept = start(&store, "kept", "travel", "m-1", "вопрос").await;
    store
        .mark_read(
            &gone.conversation.id,
            &Principal::Customer(customer("gone")),
            1,
        )
        .await
        .unwrap();
    store
        .save_customer_context(
            &CustomerId::from_raw("gone"),
            r#"{"phone":"+79161234567"}"#.into(),
            10,
        )
        .await
        .unwrap();
    let queued = |store: Arc<dyn Store>| async move {
        store.live_stats(&[department("travel")]).await.unwrap()[0].queue_length
    };
    assert_eq!(queued(store.clone()).await, 2);

    let erased = store
        .erase_customer(&CustomerId::from_raw("gone"))
        .await
        .unwrap();
    assert_eq!((erased.conversations, erased.messages), (1, 2));
    assert_eq!(
        store
            .customer_context(&CustomerId::from_raw("gone"))
            .await
            .unwrap(),
        None
    );
    // Routing forgot the erased conversation.
    assert_eq!(queued(store.clone()).await, 1);
    assert!(
        store
            .conversation(&gone.conversation.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .conversation(&kept.conversation.id)
            .await
            .unwrap()
            .is_some()
    );
    // Events keep their positions, without the text.
    let travel = EventScope::Departments(vec![department("travel")]);
    let page = store
        .events_after(EventPosition::START, &travel, 100)
        .await
        .unwrap();
    let positions: Vec<u64> = page.events.iter().map(|e| e.position.0).collect();
    assert_eq!(positions, (1..=positions.len() as u64).collect::<Vec<_>>());
    for event in page
        .events
        .iter()
        .filter(|e| e.conversation_id == gone.conversation.id)
    {
        assert!(!event.data.to_string().contains("4510"), "{}", event.data);
        assert!(
            !event.data.to_string().contains("Customer gone"),
            "{}",
            event.data
        );
    }
    assert_eq!(
        store
            .erase_customer(&CustomerId::from_raw("gone"))
            .await
            .unwrap(),
        Erased::default()
    );
    assert!(
        store.checkpoint().await.unwrap(),
        "nothing holds the log back"
    );

    // Retention: only resolved conversations older than the cut-off go.
    let later = time::OffsetDateTime::now_utc().unix_timestamp() + 10;
    assert_eq!(
        store
            .delete_resolved_before(later)
            .await
            .unwrap()
            .conversations,
        0
    );
    let operator = operator(&store, "o@example.com", Role::Operator, &["travel"]).await;
    for command in [LifecycleCommand::Take, LifecycleCommand::Resolve] {
        store
            .change_lifecycle(ChangeLifecycle {
                conversation_id: kept.conversation.id.clone(),
                actor: Principal::Operator(operator.clone()),
                command,
            })
            .await
            .unwrap();
    }
    let earlier = later - 3600;
    assert_eq!(
        store
            .delete_resolved_before(earlier)
            .await
            .unwrap()
            .conversations,
        0
    );
    assert_eq!(
        store
            .delete_resolved_before(later)
            .await
            .unwrap()
            .conversations,
        1
    );
    assert!(
        store
            .conversation(&kept.conversation.id)
            .await
            .unwrap()
            .is_none()
    );
}

// Help center ----------------------------------------------------------------

fn article(id: &str, department: &str, title: &str, minute: u8) -> Article {
    Article::new(
        ArticleDraft {
            id: id.into(),
            department: department.into(),
            section: "Возвраты и отмена".into(),
            title: title.into(),
            tags: vec!["возврат".into()],
            body: format!("# {title}\n\nТекст статьи."),
        },
        time::macros::datetime!(2026-11-20 10:00 UTC) + time::Duration::minutes(minute.into()),
    )
    .unwrap()
}

pub async fn articles_upsert_by_id_and_delete(store: Arc<dyn Store>) {
    use crate::kb::ArticleChange;
    let refund = article("refund", "marketplace", "Возврат денег", 0);
    let miles = article("miles", "travel", "Мили", 0);
    assert_eq!(
        store.upsert_article(refund.clone()).await.unwrap(),
        ArticleChange::Created
    );
    assert_eq!(
        store.upsert_article(miles.clone()).await.unwrap(),
        ArticleChange::Created
    );
    assert_eq!(
        store.article(&refund.id).await.unwrap(),
        Some(refund.clone())
    );

    // The same content again, with a later time: nothing is written.
    let again = Article {
        updated_at: refund.updated_at + time::Duration::hours(1),
        ..refund.clone()
    };
    assert_eq!(
        store.upsert_article(again).await.unwrap(),
        ArticleChange::Unchanged
    );
    assert_eq!(
        store.article(&refund.id).await.unwrap().unwrap().updated_at,
        refund.updated_at
    );

    let edited = article("refund", "marketplace", "Когда вернутся деньги", 5);
    assert_eq!(
        store.upsert_article(edited.clone()).await.unwrap(),
        ArticleChange::Updated
    );
    assert_eq!(
        store.article(&refund.id).await.unwrap(),
        Some(edited.clone())
    );

    let all = store.articles().await.unwrap();
    assert_eq!(
        all,
        vec![edited.clone(), miles.clone()],
        "by department, then title"
    );

    store.delete_article(&edited.id).await.unwrap();
    assert_eq!(store.article(&edited.id).await.unwrap(), None);
    assert!(matches!(
        store.delete_article(&edited.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.articles().await.unwrap(), vec![miles]);
}

pub async fn feedback_is_tallied_and_unanswered_questions_listed(store: Arc<dyn Store>) {
    use crate::kb::{FeedbackOutcome, FeedbackTally, NewFeedback};
    let refund = article("refund", "marketplace", "Возврат денег", 0);
    let cancel = article("cancel", "marketplace", "Отмена заказа", 0);
    let feedback = |query: &str, articles: Vec<ArticleId>, outcome| NewFeedback {
        query: query.into(),
        department: Some(department("marketplace")),
        articles,
        outcome,
        conversation_id: None,
    };
    let both = vec![refund.id.clone(), cancel.id.clone()];
    for f in [
        feedback("Как вернуть деньги", both.clone(), FeedbackOutcome::Helped),
        feedback(
            "как  вернуть деньги",
            vec![refund.id.clone()],
            FeedbackOutcome::Helped,
        ),
        feedback("Где мой заказ", both.clone(), FeedbackOutcome::NotHelped),
        feedback("Сколько стоит слон", vec![], FeedbackOutcome::NoAnswer),
        feedback("сколько стоит слон", vec![], FeedbackOutcome::NoAnswer),
        feedback("Ещё вопрос", vec![], FeedbackOutcome::NoAnswer),
    ] {
        store.record_feedback(f).await.unwrap();
    }
    assert_eq!(
        store.article_feedback(&refund.id).await.unwrap(),
        FeedbackTally {
            helped: 2,
            not_helped: 1
        }
    );
    assert_eq!(
        store.article_feedback(&cancel.id).await.unwrap(),
        FeedbackTally {
            helped: 1,
            not_helped: 1
        }
    );

    let unanswered = store.unanswered_questions(10).await.unwrap();
    let summary: Vec<(&str, u64, u64)> = unanswered
        .iter()
        .map(|q| (q.query.as_str(), q.no_answer, q.not_helped))
        .collect();
    // Grouped regardless of case and spacing, the latest wording shown, the
    // most often unanswered first; a question that helped is not listed.
    assert_eq!(
        summary,
        [
            ("сколько стоит слон", 2, 0),
            ("Ещё вопрос", 1, 0),
            ("Где мой заказ", 0, 1)
        ]
    );
    assert_eq!(unanswered[0].department, Some(department("marketplace")));
    assert_eq!(store.unanswered_questions(1).await.unwrap().len(), 1);
}

pub async fn bot_messages_carry_suggestions_while_the_bot_handles_the_conversation(
    store: Arc<dyn Store>,
    mut feed: broadcast::Receiver<Arc<Event>>,
) {
    use crate::kb::PostBotMessage;
    let started = store
        .start_conversation(StartConversation {
            department: department("marketplace"),
            subject: Subject::General,
            initial_status: Status::Bot,
            customer: customer("c1"),
            first_message: new_message("m-1", "как вернуть деньги"),
        })
        .await
        .unwrap();
    let conv = started.conversation.id.clone();
    // Only the bot's message is of interest here.
    while feed.try_recv().is_ok() {}
    let suggestion = ArticleSuggestion::of(
        ArticleId::parse("refund".into()).unwrap(),
        "Возврат денег".into(),
    );
    let posted = store
        .post_bot_message(PostBotMessage {
            conversation_id: conv.clone(),
            text: MessageText::parse("Возможно, это поможет:".into(), 10_000).unwrap(),
            suggestions: vec![suggestion.clone()],
            resolves: false,
        })
        .await
        .unwrap();
    assert_eq!(posted.message.seq, 2);
    assert_eq!(posted.message.author.kind, AuthorKind::Bot);
    assert_eq!(posted.message.suggestions, vec![suggestion.clone()]);
    assert_eq!(posted.conversation.status, Status::Bot);
    assert_eq!(suggestion.url, "/help/articles/refund");

    let event = feed.recv().await.unwrap();
    assert_eq!(event.kind, EventKind::MessageCreated);
    assert_eq!(event.data["suggestions"][0]["id"], "refund");

    let messages = store
        .messages(MessageQuery {
            conversation_id: conv.clone(),
            after_seq: 0,
            limit: 10,
            include_internal: false,
        })
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[1], posted.message,
        "read back equal, suggestions included"
    );
    assert!(messages[0].suggestions.is_empty());
    assert_eq!(
        store.conversation(&conv).await.unwrap().unwrap().last_seq,
        2
    );

    // Once an operator is called the bot keeps quiet.
    store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: conv.clone(),
            actor: Principal::Customer(customer("c1")),
            command: LifecycleCommand::Handoff,
        })
        .await
        .unwrap();
    let late = store
        .post_bot_message(PostBotMessage {
            conversation_id: conv.clone(),
            text: MessageText::parse("ещё".into(), 10_000).unwrap(),
            suggestions: vec![],
            resolves: false,
        })
        .await;
    assert!(matches!(
        late,
        Err(StoreError::Domain(DomainError::InvalidTransition { .. }))
    ));
    let unknown = store
        .post_bot_message(PostBotMessage {
            conversation_id: ConversationId::from_raw("nope"),
            text: MessageText::parse("ещё".into(), 10_000).unwrap(),
            suggestions: vec![],
            resolves: false,
        })
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)));
}

pub async fn a_bot_answer_that_settles_the_matter_resolves_in_the_same_write(
    store: Arc<dyn Store>,
    mut feed: broadcast::Receiver<Arc<Event>>,
) {
    use crate::kb::PostBotMessage;
    let started = store
        .start_conversation(StartConversation {
            department: department("bank"),
            subject: Subject::General,
            initial_status: Status::Bot,
            customer: customer("c1"),
            first_message: new_message("m-1", "Я журналист, нужен комментарий"),
        })
        .await
        .unwrap();
    let conv = started.conversation.id.clone();
    while feed.try_recv().is_ok() {}
    let posted = store
        .post_bot_message(PostBotMessage {
            conversation_id: conv.clone(),
            text: MessageText::parse("Для прессы: press@example.com".into(), 10_000).unwrap(),
            suggestions: vec![],
            resolves: true,
        })
        .await
        .unwrap();
    assert_eq!(posted.conversation.status, Status::Resolved);
    assert_eq!(posted.conversation.queue, None, "nothing waits in a queue");
    let stored = store.conversation(&conv).await.unwrap().unwrap();
    assert_eq!(stored.status, Status::Resolved);
    assert_eq!(stored.last_seq, 2);
    let kinds: Vec<EventKind> = std::iter::from_fn(|| feed.try_recv().ok())
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&EventKind::MessageCreated), "{kinds:?}");
    assert!(kinds.contains(&EventKind::ConversationUpdated), "{kinds:?}");
    // The customer can still call an operator.
    let handed = store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: conv.clone(),
            actor: Principal::Customer(customer("c1")),
            command: LifecycleCommand::Handoff,
        })
        .await
        .unwrap();
    assert_eq!(handed.status, Status::Queued);
}

pub async fn canned_replies_are_saved_over_and_kept_as_tombstones(store: Arc<dyn Store>) {
    assert_eq!(store.stored_canned_replies().await.unwrap(), []);
    let at = time::macros::datetime!(2026-12-03 10:00 UTC);
    let reply = StoredCannedReply {
        id: "travel:Приветствие".into(),
        department: department("travel"),
        title: "Приветствие".into(),
        text: "Здравствуйте, {{customer.name}}!".into(),
        deleted: false,
        updated_by: OperatorId::from_raw("op-1"),
        updated_at: at,
    };
    assert_eq!(store.save_canned_reply(reply.clone()).await.unwrap(), None);
    let edited = StoredCannedReply {
        text: "Добрый день, {{customer.name}}!".into(),
        updated_at: at + time::Duration::minutes(1),
        ..reply.clone()
    };
    assert_eq!(
        store.save_canned_reply(edited.clone()).await.unwrap(),
        Some(reply.clone()),
        "the row before, for the audit log"
    );
    let gone = StoredCannedReply {
        deleted: true,
        updated_by: OperatorId::from_raw("op-2"),
        ..edited.clone()
    };
    assert_eq!(
        store.save_canned_reply(gone.clone()).await.unwrap(),
        Some(edited)
    );
    let other = StoredCannedReply {
        id: "01-new".into(),
        department: department("bank"),
        ..reply
    };
    store.save_canned_reply(other.clone()).await.unwrap();
    assert_eq!(
        store.stored_canned_replies().await.unwrap(),
        [other, gone],
        "by id, tombstones included"
    );
}

pub async fn conversations_are_found_by_customer_order_and_words(store: Arc<dyn Store>) {
    let refund = start(
        &store,
        "ivan",
        "travel",
        "m-1",
        "Где мой возврат за билет? Ёлки, неделя прошла",
    )
    .await;
    let refund = refund.conversation.id.clone();
    let mut about_order = start_command("maria-k", "marketplace", "m-2", "Наушники не включаются");
    about_order.subject = Subject::Order {
        order_id: hotline_domain::OrderId::parse("MP-100234".into()).unwrap(),
    };
    let order = store.start_conversation(about_order).await.unwrap();
    let order = order.conversation.id.clone();
    let anna = Principal::Operator(
        operator(&store, "anna@example.com", Role::Operator, &["travel"]).await,
    );
    post(
        &store,
        &refund,
        anna.clone(),
        "r-1",
        "Возврат оформлен, деньги придут за 10 дней",
    )
    .await
    .unwrap();
    let find = |query: &str, departments: &[&str]| {
        let store = store.clone();
        let search = ConversationSearch {
            terms: hotline_domain::search::SearchTerms::parse(query).unwrap(),
            departments: departments.iter().map(|d| department(d)).collect(),
            limit: 20,
        };
        async move {
            store
                .search_conversations(search)
                .await
                .unwrap()
                .into_iter()
                .map(|hit| (hit.conversation.id.to_string(), hit.message.map(|m| m.seq)))
                .collect::<Vec<_>>()
        }
    };
    let both = ["travel", "marketplace"];
    let (refund, order) = (refund.to_string(), order.to_string());

    // Words of the messages, as prefixes, all of them in one message; the
    // latest such message is the hit.
    assert_eq!(find("возврат", &both).await, [(refund.clone(), Some(2))]);
    assert_eq!(find("ВОЗВР", &both).await, [(refund.clone(), Some(2))]);
    assert_eq!(
        find("возврат билет", &both).await,
        [(refund.clone(), Some(1))]
    );
    assert_eq!(find("возврат самолёт", &both).await, []);
    assert_eq!(find("ёлки", &both).await, [(refund.clone(), Some(1))]);
    // The customer's name and id, and the order, without a message.
    assert_eq!(find("customer ivan", &both).await, [(refund.clone(), None)]);
    assert_eq!(find("maria-k", &both).await, [(order.clone(), None)]);
    assert_eq!(find("MP-100234", &both).await, [(order.clone(), None)]);
    assert_eq!(find("100234", &both).await, [(order.clone(), None)]);
    // Latest activity first: Anna answered the refund last.
    assert_eq!(
        find("customer", &both).await,
        [(refund.clone(), None), (order.clone(), None)]
    );
    // Only the operator's departments.
    assert_eq!(find("возврат", &["marketplace", "bank"]).await, []);
    assert_eq!(
        find("наушники", &["marketplace"]).await,
        [(order.clone(), Some(1))]
    );

    // Erased customers leave no words behind.
    store
        .erase_customer(&CustomerId::from_raw("ivan"))
        .await
        .unwrap();
    assert_eq!(find("возврат", &both).await, []);
    assert_eq!(find("customer ivan", &both).await, []);
}

pub async fn each_operator_counts_what_they_have_not_read(store: Arc<dyn Store>) {
    // seq 1: the customer's first message.
    let started = start(&store, "c1", "travel", "m-1", "Где мой билет?").await;
    let conv = started.conversation.id.clone();
    let ivan = Principal::Customer(customer("c1"));
    let anna = Principal::Operator(
        operator(&store, "anna@example.com", Role::Operator, &["travel"]).await,
    );
    let sveta = Principal::Operator(
        operator(&store, "sveta@example.com", Role::Supervisor, &["travel"]).await,
    );
    // seq 2 from Anna, seq 3 and 4 from the customer, seq 5 Anna's note.
    post(&store, &conv, anna.clone(), "reply-1", "Проверяю")
        .await
        .unwrap();
    post(&store, &conv, ivan.clone(), "m-2", "Жду")
        .await
        .unwrap();
    post(
        &store,
        &conv,
        ivan.clone(),
        "m-3",
        "Очень жду, вылет завтра",
    )
    .await
    .unwrap();
    let mut note = new_message("note-1", "позвонить перевозчику");
    note.internal = true;
    store
        .post_message(PostMessage {
            conversation_id: conv.clone(),
            author: anna.clone(),
            message: note,
            screened: Default::default(),
        })
        .await
        .unwrap();
    let digest = |reader: Principal| {
        let (store, conv) = (store.clone(), conv.clone());
        async move {
            let mut digests = store.digests(&[conv], &reader).await.unwrap();
            assert_eq!(digests.len(), 1);
            digests.remove(0)
        }
    };

    let anna_sees = digest(anna.clone()).await;
    assert_eq!(anna_sees.unread, 3, "the customer's three messages");
    let last = anna_sees.last_message.expect("a last message");
    assert_eq!((last.seq, last.internal), (5, true), "operators see notes");
    let ivan_sees = digest(ivan.clone()).await;
    assert_eq!(
        ivan_sees.unread, 1,
        "Anna's reply; the note is not the customer's"
    );
    let last = ivan_sees.last_message.expect("a last message");
    assert_eq!(
        (last.seq, last.text.as_str()),
        (4, "Очень жду, вылет завтра")
    );

    // The supervisor reads everything: the customer sees it read, Anna
    // still has three to read.
    assert!(matches!(
        store.mark_read(&conv, &sveta, 5).await.unwrap(),
        ReadOutcome::Moved(_)
    ));
    assert_eq!(digest(sveta.clone()).await.unread, 0);
    assert_eq!(digest(anna.clone()).await.unread, 3);
    let state = store.read_state(&conv, &anna).await.unwrap();
    assert_eq!((state.operators.seq, state.own), (5, 0));

    // Anna reads up to seq 3: the operators' mark stays, hers moves.
    let ReadOutcome::Unchanged(state) = store.mark_read(&conv, &anna, 3).await.unwrap() else {
        panic!("the operators' mark is already further");
    };
    assert_eq!((state.operators.seq, state.own), (5, 3));
    assert_eq!(digest(anna.clone()).await.unread, 1);
    // and never back.
    let ReadOutcome::Unchanged(state) = store.mark_read(&conv, &anna, 1).await.unwrap() else {
        panic!("a lower mark changes nothing");
    };
    assert_eq!(state.own, 3);
    assert_eq!(digest(anna.clone()).await.unread, 1);

    // The customer reads Anna's reply.
    store.mark_read(&conv, &ivan, 2).await.unwrap();
    assert_eq!(digest(ivan.clone()).await.unread, 0);
}

pub async fn read_marks_move_forward_in_both_numberings(store: Arc<dyn Store>) {
    let started = start(&store, "c1", "travel", "m-1", "Вопрос").await;
    let conv = started.conversation.id.clone();
    let ivan = Principal::Customer(customer("c1"));
    let anna = Principal::Operator(
        operator(&store, "anna@example.com", Role::Operator, &["travel"]).await,
    );
    let mut note = new_message("note-1", "проверить бронь");
    note.internal = true;
    store
        .post_message(PostMessage {
            conversation_id: conv.clone(),
            author: anna.clone(),
            message: note,
            screened: Default::default(),
        })
        .await
        .unwrap();
    // seq 3, public_seq 2.
    post(&store, &conv, anna.clone(), "reply-1", "Здравствуйте!")
        .await
        .unwrap();

    let customer_read = |seq| {
        let store = store.clone();
        let (conv, ivan) = (conv.clone(), ivan.clone());
        async move { store.mark_read(&conv, &ivan, seq).await.unwrap() }
    };
    assert_eq!(
        customer_read(3).await,
        ReadOutcome::BeyondLast { last: 2 },
        "customers count only the messages they see"
    );
    let both = ReadState {
        customer: ReadMark {
            seq: 3,
            public_seq: 2,
        },
        operators: ReadMark::default(),
        own: 2,
    };
    assert_eq!(customer_read(2).await, ReadOutcome::Moved(both));
    assert_eq!(customer_read(1).await, ReadOutcome::Unchanged(both));
    assert_eq!(customer_read(2).await, ReadOutcome::Unchanged(both));

    // The operators read the customer's message, then the note after it:
    // the second is news to the operators only.
    assert!(matches!(
        store.mark_read(&conv, &anna, 1).await.unwrap(),
        ReadOutcome::Moved(_)
    ));
    let moved = store.mark_read(&conv, &anna, 2).await.unwrap();
    let both = ReadState {
        operators: ReadMark {
            seq: 2,
            public_seq: 1,
        },
        ..both
    };
    assert_eq!(moved, ReadOutcome::Moved(both));
    assert_eq!(
        store.mark_read(&conv, &anna, 4).await.unwrap(),
        ReadOutcome::BeyondLast { last: 3 }
    );
    assert_eq!(store.read_state(&conv, &ivan).await.unwrap(), both);
    assert_eq!(
        store.read_state(&conv, &anna).await.unwrap(),
        ReadState { own: 2, ..both },
        "an operator's own mark is where they read"
    );

    let stranger = Principal::Customer(customer("c2"));
    let elsewhere =
        Principal::Operator(operator(&store, "oleg@example.com", Role::Operator, &["bank"]).await);
    for outsider in [&stranger, &elsewhere] {
        assert!(matches!(
            store.mark_read(&conv, outsider, 1).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.read_state(&conv, outsider).await,
            Err(StoreError::NotFound)
        ));
    }

    let receipts = |events: Vec<Event>| {
        events
            .into_iter()
            .filter(|e| e.kind == EventKind::MessagesRead)
            .map(|e| (e.data["reader"].clone(), e.data["seq"].clone(), e.internal))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        receipts(all_events(&store, &EventScope::of(&ivan), 100).await),
        vec![
            ("customer".into(), 3.into(), false),
            ("operators".into(), 1.into(), false)
        ],
        "the customer never learns that a note was read"
    );
    assert_eq!(
        receipts(all_events(&store, &EventScope::of(&anna), 100).await),
        vec![
            ("customer".into(), 3.into(), false),
            ("operators".into(), 1.into(), false),
            ("operators".into(), 2.into(), true)
        ]
    );

    // Reading the reply the customer can see is news to the customer.
    let moved = store.mark_read(&conv, &anna, 3).await.unwrap();
    assert!(
        matches!(moved, ReadOutcome::Moved(s) if s.operators == ReadMark { seq: 3, public_seq: 2 })
    );
    let last = all_events(&store, &EventScope::of(&ivan), 100)
        .await
        .pop()
        .unwrap();
    assert_eq!(last.kind, EventKind::MessagesRead);
    assert!(!last.internal);
    assert_eq!(
        last.data_seen_by(&ivan)["seq"],
        2,
        "in the customer's numbering"
    );
}
