//! The contract of several nodes on one database: two store handles, each
//! with its own feed, racing the writes a single writer would order.

use super::*;
use std::collections::HashMap;

/// One handle of a shared database and what it hands its sink.
pub struct Node {
    pub store: Arc<dyn Store>,
    pub feed: broadcast::Receiver<Arc<Event>>,
}

/// A conversation's messages as operators see them, notes included.
async fn every_message(store: &Arc<dyn Store>, conversation: &ConversationId) -> Vec<Message> {
    let query = MessageQuery {
        conversation_id: conversation.clone(),
        after_seq: 0,
        limit: 1000,
        include_internal: true,
    };
    store.messages(query).await.unwrap()
}

/// The conversations `scope` sees, with `status` if given.
async fn listed_in(
    store: &Arc<dyn Store>,
    scope: EventScope,
    status: Option<Status>,
) -> Vec<Conversation> {
    store
        .conversations(ConversationFilter {
            scope,
            status,
            department: None,
            limit: 1000,
        })
        .await
        .unwrap()
}

/// Every position a feed was handed so far.
fn drain(feed: &mut broadcast::Receiver<Arc<Event>>) -> Vec<u64> {
    let mut positions = Vec::new();
    while let Ok(event) = feed.try_recv() {
        positions.push(event.position.0);
    }
    positions
}

pub async fn starts_race_across_handles(a: Node, b: Node) {
    let stores = [a.store.clone(), b.store.clone()];
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = stores[i % 2].clone();
            tokio::spawn(async move {
                store
                    .start_conversation(start_command("c1", "bank", "m-1", "Карта заблокирована"))
                    .await
            })
        })
        .collect();
    let mut started = Vec::new();
    for task in tasks {
        started.push(task.await.unwrap().unwrap());
    }
    assert_eq!(
        started.iter().filter(|s| s.created).count(),
        1,
        "one start created the conversation, the others found it"
    );
    let id = &started[0].conversation.id;
    assert!(started.iter().all(|s| &s.conversation.id == id));
    assert!(
        started
            .iter()
            .all(|s| s.message.id == started[0].message.id)
    );
    for store in &stores {
        let listed = listed_in(
            store,
            EventScope::Customer(CustomerId::from_raw("c1")),
            None,
        )
        .await;
        assert_eq!(listed.len(), 1, "one conversation, seen from either handle");
    }
}

pub async fn sends_race_across_handles(a: Node, b: Node) {
    let stores = [a.store.clone(), b.store.clone()];
    let conv = start(&a.store, "c1", "travel", "m-0", "Вопрос о билете")
        .await
        .conversation
        .id;
    let who = Principal::Customer(customer("c1"));
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let (store, conv, who) = (stores[i % 2].clone(), conv.clone(), who.clone());
            tokio::spawn(async move {
                // Half are retries of one send, half distinct sends.
                let cmid = if i % 4 < 2 {
                    "retried".to_owned()
                } else {
                    format!("own-{i}")
                };
                let text = if cmid == "retried" {
                    "одно"
                } else {
                    "своё"
                };
                (
                    cmid.clone(),
                    post(&store, &conv, who, &cmid, text).await.unwrap(),
                )
            })
        })
        .collect();
    let mut retried = Vec::new();
    for task in tasks {
        let (cmid, posted) = task.await.unwrap();
        if cmid == "retried" {
            retried.push(posted);
        }
    }
    assert_eq!(retried.len(), 16);
    assert_eq!(retried.iter().filter(|p| p.created).count(), 1);
    assert!(
        retried
            .iter()
            .all(|p| p.message.id == retried[0].message.id)
    );
    let messages = every_message(&b.store, &conv).await;
    assert_eq!(
        messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=18).collect::<Vec<_>>(),
        "the first, one retried send and 16 others, gap-free"
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.client_msg_id.as_ref().map(ClientMsgId::as_str) == Some("retried"))
            .count(),
        1
    );

    // One id sent at once to two of the customer's conversations: the first
    // stored wins, retries to it return it, the other conversation's sends
    // are refused; nothing fails for the race itself.
    let other = start(&b.store, "c1", "marketplace", "m-other", "Другой вопрос")
        .await
        .conversation
        .id;
    let targets = [conv.clone(), other.clone()];
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (store, target, who) = (
                stores[i % 2].clone(),
                targets[(i / 2) % 2].clone(),
                who.clone(),
            );
            tokio::spawn(async move {
                let outcome = post(&store, &target, who, "twice", "одно и то же").await;
                (target, outcome)
            })
        })
        .collect();
    let mut stored: Vec<(ConversationId, Posted)> = Vec::new();
    let mut refused: Vec<ConversationId> = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (target, Ok(posted)) => stored.push((target, posted)),
            (target, Err(StoreError::Conflict(Conflict::ClientMsgIdReused))) => {
                refused.push(target)
            }
            (_, Err(other)) => panic!("the race failed a send: {other:?}"),
        }
    }
    assert_eq!(stored.iter().filter(|(_, p)| p.created).count(), 1);
    let winner = &stored[0].0;
    assert!(
        stored
            .iter()
            .all(|(target, p)| target == winner && p.message.id == stored[0].1.message.id)
    );
    assert_eq!((stored.len(), refused.len()), (8, 8));
    assert!(refused.iter().all(|target| target != winner));
}

/// Conversations assigned now, by operator.
async fn assigned(store: &Arc<dyn Store>, dept: &str) -> HashMap<OperatorId, Vec<ConversationId>> {
    let mut by_operator: HashMap<OperatorId, Vec<ConversationId>> = HashMap::new();
    let scope = EventScope::Departments(vec![department(dept)]);
    for c in listed_in(store, scope, Some(Status::Assigned)).await {
        let assignee = c
            .assignee
            .expect("an assigned conversation has an assignee");
        by_operator.entry(assignee.id).or_default().push(c.id);
    }
    by_operator
}

async fn queued(store: &Arc<dyn Store>, dept: &str) -> usize {
    let scope = EventScope::Departments(vec![department(dept)]);
    listed_in(store, scope, Some(Status::Queued)).await.len()
}

pub async fn assignments_race_across_handles(a: Node, b: Node) {
    const CAPACITY: u32 = 2;
    const CUSTOMERS: usize = 20;
    let stores = [a.store.clone(), b.store.clone()];
    let mut operators = Vec::new();
    for name in ["anna", "boris", "vera"] {
        operators.push(
            operator(
                &a.store,
                &format!("{name}@example.com"),
                Role::Operator,
                &["bank"],
            )
            .await,
        );
    }
    // Operators come online while customers start, through both handles.
    let mut tasks = Vec::new();
    for (i, op) in operators.iter().enumerate() {
        let (store, id) = (stores[i % 2].clone(), op.id.clone());
        tasks.push(tokio::spawn(async move {
            let change = PresenceChange {
                presence: Some(Presence::Online),
                capacity: Some(CAPACITY),
            };
            store.set_presence(&id, change).await.map(|_| ())
        }));
    }
    for i in 0..CUSTOMERS {
        let store = stores[(i + 1) % 2].clone();
        tasks.push(tokio::spawn(async move {
            let who = format!("c{i}");
            store
                .start_conversation(start_command(&who, "bank", "m-1", &format!("вопрос {i}")))
                .await
                .map(|_| ())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let mut resolved = 0;
    loop {
        let now = assigned(&b.store, "bank").await;
        let waiting = queued(&a.store, "bank").await;
        let held: usize = now.values().map(Vec::len).sum();
        for op in &operators {
            let mine = now.get(&op.id).map_or(0, Vec::len);
            assert!(mine <= CAPACITY as usize, "{} holds {mine}", op.name);
            for store in &stores {
                let status = store.operator_status(&op.id).await.unwrap();
                assert_eq!(status.load as usize, mine, "{}'s load matches", op.name);
            }
        }
        assert_eq!(
            resolved + held + waiting,
            CUSTOMERS,
            "no conversation lost or doubled"
        );
        assert_eq!(
            held,
            (CUSTOMERS - resolved).min(operators.len() * CAPACITY as usize),
            "every free slot is filled while anyone waits"
        );
        if held == 0 {
            break;
        }
        // Everyone resolves what they hold at once, through both handles;
        // each resolve gives the freed slot the next in line.
        let mut tasks = Vec::new();
        for (i, op) in operators.iter().enumerate() {
            for conversation in now.get(&op.id).cloned().unwrap_or_default() {
                let store = stores[(i + tasks.len()) % 2].clone();
                let actor = Principal::Operator(op.clone());
                tasks.push(tokio::spawn(async move {
                    store
                        .change_lifecycle(ChangeLifecycle {
                            conversation_id: conversation,
                            actor,
                            command: LifecycleCommand::Resolve,
                        })
                        .await
                        .map(|_| ())
                }));
            }
        }
        resolved += tasks.len();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    }
    assert_eq!(resolved, CUSTOMERS);
    // Each conversation was given to an operator exactly once.
    let events = all_events(
        &a.store,
        &EventScope::Departments(vec![department("bank")]),
        500,
    )
    .await;
    let mut assignments: HashMap<ConversationId, usize> = HashMap::new();
    for event in &events {
        if event.kind == EventKind::ConversationUpdated && event.data["status"] == "assigned" {
            *assignments
                .entry(event.conversation_id.clone())
                .or_default() += 1;
        }
    }
    assert_eq!(assignments.len(), CUSTOMERS);
    assert!(
        assignments.values().all(|n| *n == 1),
        "assigned twice: {assignments:?}"
    );
}

pub async fn positions_are_gap_free_across_handles(mut a: Node, mut b: Node) {
    let stores = [a.store.clone(), b.store.clone()];
    let scope = EventScope::Departments(vec![department("travel"), department("marketplace")]);
    let mut conversations = Vec::new();
    for (i, dept) in ["travel", "marketplace", "travel", "marketplace"]
        .iter()
        .enumerate()
    {
        let who = format!("c{i}");
        let started = start(&stores[i % 2], &who, dept, "m-0", "вопрос").await;
        conversations.push((who, started.conversation.id));
    }
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    // A reader following the log from the second handle while both write:
    // every page continues exactly where the last one ended.
    let reader = {
        let (store, scope, writing) = (b.store.clone(), scope.clone(), writing.clone());
        tokio::spawn(async move {
            let mut at = EventPosition::START;
            loop {
                let done = !writing.load(std::sync::atomic::Ordering::SeqCst);
                let page = store.events_after(at, &scope, 50).await.unwrap();
                for (offset, event) in page.events.iter().enumerate() {
                    assert_eq!(
                        event.position.0,
                        at.0 + offset as u64 + 1,
                        "a reader at {} saw {} before an earlier position",
                        at.0,
                        event.position.0
                    );
                }
                at = page.through;
                if done && page.events.is_empty() {
                    return at;
                }
            }
        })
    };
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let store = stores[w % 2].clone();
            let (who, conv) = conversations[w % conversations.len()].clone();
            tokio::spawn(async move {
                let author = Principal::Customer(customer(&who));
                for i in 0..20 {
                    post(&store, &conv, author.clone(), &format!("w{w}-{i}"), "текст")
                        .await
                        .unwrap();
                    if i % 5 == 0 {
                        // Rolled back: the same id with another text.
                        let refused = post(
                            &store,
                            &conv,
                            author.clone(),
                            &format!("w{w}-{i}"),
                            "другой",
                        )
                        .await;
                        assert!(
                            matches!(refused, Err(StoreError::Conflict(_))),
                            "{refused:?}"
                        );
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    writing.store(false, std::sync::atomic::Ordering::SeqCst);
    let read_through = reader.await.unwrap();
    let head = a.store.event_bounds().await.unwrap().head;
    assert_eq!(read_through, head);
    assert_eq!(b.store.event_bounds().await.unwrap().head, head);
    let all: Vec<u64> = all_events(&a.store, &scope, 100)
        .await
        .iter()
        .map(|e| e.position.0)
        .collect();
    assert_eq!(all, (1..=head.0).collect::<Vec<_>>(), "no gap, none twice");
    // Each handle hands its own commits to its sink, in position order;
    // together they handed every event once.
    let (from_a, from_b) = (drain(&mut a.feed), drain(&mut b.feed));
    for feed in [&from_a, &from_b] {
        assert!(feed.windows(2).all(|w| w[0] < w[1]), "in order: {feed:?}");
        assert!(!feed.is_empty(), "both handles wrote");
    }
    let mut both: Vec<u64> = from_a.into_iter().chain(from_b).collect();
    both.sort_unstable();
    assert_eq!(both, all);
}
