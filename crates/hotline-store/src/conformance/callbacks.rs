//! The call-backs' contract: one waiting call-back per conversation, orders
//! idempotent by the customer's id, each step in the chat, events without
//! the phone, the queue by due time, outcomes by the rules, erasure.

use super::*;
use crate::callbacks::*;
use hotline_domain::callback::{Booking, CallbackBasis};
use time::{Duration, UtcOffset};

const SLA: Duration = Duration::minutes(15);

fn booking(id: &str) -> Booking {
    Booking {
        booking_id: OrderId::parse(id.to_owned()).unwrap(),
        route: "Москва — Сочи".into(),
        passenger: "Иван Петров".into(),
        phone: "+79161234567".into(),
        departure_at: None,
        disrupted: true,
    }
}

fn order(conversation: &Conversation, who: &str, booking_id: &str, cmid: &str) -> RequestCallback {
    RequestCallback {
        conversation_id: conversation.id.clone(),
        requester: Principal::Customer(customer(who)),
        booking: booking(booking_id),
        basis: CallbackBasis::Disrupted,
        client_msg_id: ClientMsgId::parse(cmid.to_owned()).unwrap(),
        sla: SLA,
        legal_offset: UtcOffset::UTC,
    }
}

fn call(
    callback: &Callback,
    operator: &OperatorPrincipal,
    outcome: CallbackOutcome,
) -> RecordCallbackOutcome {
    RecordCallbackOutcome {
        callback_id: callback.id.clone(),
        operator: Principal::Operator(operator.clone()),
        outcome,
        note: Some("перезвонить после обеда".into()),
        sla: SLA,
        legal_offset: UtcOffset::UTC,
    }
}

async fn travel_conversation(store: &Arc<dyn Store>, who: &str) -> Conversation {
    store
        .sync_departments(&Department::defaults())
        .await
        .unwrap();
    start(
        store,
        who,
        "travel",
        &format!("start-{who}"),
        "Рейс отменили",
    )
    .await
    .conversation
}

async fn system_texts(store: &Arc<dyn Store>, conversation: &Conversation) -> Vec<String> {
    store
        .messages(MessageQuery {
            conversation_id: conversation.id.clone(),
            after_seq: 0,
            limit: 50,
            include_internal: true,
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.author.kind == AuthorKind::System)
        .map(|m| m.text)
        .collect()
}

fn waiting_in(departments: &[&str]) -> CallbackFilter {
    CallbackFilter {
        departments: Some(departments.iter().map(|d| department(d)).collect()),
        statuses: vec![CallbackStatus::Waiting],
        limit: 100,
        ..CallbackFilter::default()
    }
}

pub async fn a_call_back_is_queued_once_with_an_acknowledgement(store: Arc<dyn Store>) {
    let conversation = travel_conversation(&store, "ivan").await;
    let first = store
        .request_callback(order(&conversation, "ivan", "TR-1", "cb-1"))
        .await
        .unwrap();
    assert!(first.created);
    let callback = &first.callback;
    assert_eq!(
        (callback.status, callback.attempts, callback.outcome),
        (CallbackStatus::Waiting, 0, None)
    );
    assert_eq!(callback.due_at - callback.requested_at, SLA);
    assert_eq!(callback.department, conversation.department);
    assert_eq!(
        store.callback(&callback.id).await.unwrap().as_ref(),
        Some(callback)
    );

    // A retry and a second order while it waits return it unchanged.
    for cmid in ["cb-1", "cb-2"] {
        let again = store
            .request_callback(order(&conversation, "ivan", "TR-2", cmid))
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(&again.callback, callback);
    }
    let acknowledged = system_texts(&store, &conversation).await;
    assert_eq!(acknowledged.len(), 1, "{acknowledged:?}");
    assert!(acknowledged[0].contains("TR-1") && acknowledged[0].contains("•••45-67"));

    // The customer's events tell of it, without the phone or the name.
    let events = all_events(
        &store,
        &EventScope::Customer(CustomerId::from_raw("ivan")),
        100,
    )
    .await;
    let requested: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::CallbackRequested)
        .collect();
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0].data["booking_id"], "TR-1");
    let data = requested[0].data.to_string();
    assert!(
        !data.contains("1234567") && !data.contains("Петров"),
        "{data}"
    );

    // Strangers cannot order in someone else's conversation; another
    // conversation may not reuse the customer's id.
    assert!(matches!(
        store
            .request_callback(order(&conversation, "mallory", "TR-1", "x"))
            .await,
        Err(StoreError::NotFound)
    ));
    let other = start(&store, "ivan", "travel", "start-ivan-2", "Ещё вопрос")
        .await
        .conversation;
    assert!(matches!(
        store
            .request_callback(order(&other, "ivan", "TR-1", "cb-1"))
            .await,
        Err(StoreError::Conflict(Conflict::ClientMsgIdReused))
    ));

    // The queue: by department and status, earliest due first.
    let second = store
        .request_callback(order(&other, "ivan", "TR-3", "cb-3"))
        .await
        .unwrap();
    assert!(second.created);
    let queue = store.callbacks(waiting_in(&["travel"])).await.unwrap();
    let ids: Vec<&CallbackId> = queue.iter().map(|c| &c.id).collect();
    assert_eq!(ids, [&callback.id, &second.callback.id]);
    assert!(
        store
            .callbacks(waiting_in(&["bank"]))
            .await
            .unwrap()
            .is_empty()
    );
    let of_other = store
        .callbacks(CallbackFilter {
            conversation_id: Some(other.id.clone()),
            limit: 10,
            ..CallbackFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(of_other.len(), 1);

    // Erasing the customer takes their call-backs, phone and all.
    store
        .erase_customer(&CustomerId::from_raw("ivan"))
        .await
        .unwrap();
    assert_eq!(store.callback(&callback.id).await.unwrap(), None);
    assert!(
        store
            .callbacks(waiting_in(&["travel"]))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn call_outcomes_follow_the_rules(store: Arc<dyn Store>) {
    let conversation = travel_conversation(&store, "ivan").await;
    let agent = operator(&store, "agent@x", Role::Operator, &["travel"]).await;
    let outsider = operator(&store, "outsider@x", Role::Operator, &["bank"]).await;
    let callback = store
        .request_callback(order(&conversation, "ivan", "TR-1", "cb-1"))
        .await
        .unwrap()
        .callback;

    assert!(matches!(
        store
            .record_callback_outcome(call(&callback, &outsider, CallbackOutcome::Reached))
            .await,
        Err(StoreError::NotFound)
    ));
    let mut missing = call(&callback, &agent, CallbackOutcome::Reached);
    missing.callback_id = CallbackId::from_raw("nope");
    assert!(matches!(
        store.record_callback_outcome(missing).await,
        Err(StoreError::NotFound)
    ));

    let later = store
        .record_callback_outcome(call(&callback, &agent, CallbackOutcome::CallbackAgain))
        .await
        .unwrap();
    assert_eq!((later.status, later.attempts), (CallbackStatus::Waiting, 1));
    assert_eq!(later.handled_by.as_ref(), Some(&agent.id));
    assert!(later.due_at > callback.due_at, "due anew from the call");
    assert_eq!(
        store.callback(&callback.id).await.unwrap().as_ref(),
        Some(&later)
    );
    let queue = store.callbacks(waiting_in(&["travel"])).await.unwrap();
    assert_eq!(queue[0].due_at, later.due_at);

    let done = store
        .record_callback_outcome(call(&callback, &agent, CallbackOutcome::NoAnswer))
        .await
        .unwrap();
    assert_eq!(
        (done.status, done.outcome, done.attempts),
        (CallbackStatus::Done, Some(CallbackOutcome::NoAnswer), 2)
    );
    assert!(matches!(
        store
            .record_callback_outcome(call(&callback, &agent, CallbackOutcome::Reached))
            .await,
        Err(StoreError::Domain(DomainError::CallbackDone))
    ));
    assert!(
        store
            .callbacks(waiting_in(&["travel"]))
            .await
            .unwrap()
            .is_empty()
    );

    // Each call is told in the chat; a new order may follow a done one.
    let told = system_texts(&store, &conversation).await;
    assert_eq!(told.len(), 3, "{told:?}");
    assert!(told[2].contains("не дозвонились"), "{told:?}");
    let events = all_events(
        &store,
        &EventScope::Customer(CustomerId::from_raw("ivan")),
        100,
    )
    .await;
    let updates = events
        .iter()
        .filter(|e| e.kind == EventKind::CallbackUpdated)
        .count();
    assert_eq!(updates, 2);
    let next = store
        .request_callback(order(&conversation, "ivan", "TR-1", "cb-2"))
        .await
        .unwrap();
    assert!(next.created);
    assert_ne!(next.callback.id, callback.id);
}
