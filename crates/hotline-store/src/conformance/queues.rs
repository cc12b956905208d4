//! The queue's contract: routing, places, duplicates, transfers, SLA.

use super::*;
use std::collections::HashMap;

async fn online(store: &Arc<dyn Store>, operator: &OperatorPrincipal, capacity: u32) {
    store
        .set_presence(
            &operator.id,
            PresenceChange {
                presence: Some(Presence::Online),
                capacity: Some(capacity),
            },
        )
        .await
        .unwrap();
}

async fn start_about(
    store: &Arc<dyn Store>,
    who: &str,
    dept: &str,
    cmid: &str,
    text: &str,
    subject: Subject,
) -> StoreResult<Started> {
    store
        .start_conversation(StartConversation {
            department: department(dept),
            subject,
            initial_status: Status::Queued,
            customer: customer(who),
            first_message: new_message(cmid, text),
        })
        .await
}

fn order(id: &str) -> Subject {
    Subject::Order {
        order_id: OrderId::parse(id.to_owned()).unwrap(),
    }
}

async fn conversation(store: &Arc<dyn Store>, id: &ConversationId) -> Conversation {
    store.conversation(id).await.unwrap().expect("conversation")
}

/// Many starts, presence changes and capacity changes at once: no
/// conversation is assigned twice, no capacity is exceeded, the loads the
/// store reports match the conversations, and nobody with room is left idle
/// while someone waits.
pub async fn assignment_is_race_free(store: Arc<dyn Store>) {
    let mut operators = Vec::new();
    for i in 0..6 {
        operators.push(operator(&store, &format!("o{i}@x"), Role::Operator, &["bank"]).await);
    }
    let mut tasks = Vec::new();
    for i in 0..80 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            start_about(
                &store,
                &format!("c{i}"),
                "bank",
                "m",
                &format!("вопрос номер {i}"),
                Subject::General,
            )
            .await
            .unwrap();
        }));
    }
    for round in 0..30 {
        let store = store.clone();
        let op = operators[round % operators.len()].clone();
        tasks.push(tokio::spawn(async move {
            let presence = if round % 3 == 2 {
                Presence::Away
            } else {
                Presence::Online
            };
            let capacity = Some(1 + (round % 3) as u32);
            store
                .set_presence(
                    &op.id,
                    PresenceChange {
                        presence: Some(presence),
                        capacity,
                    },
                )
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Settle: everyone online with capacity 3.
    for op in &operators {
        online(&store, op, 3).await;
    }
    let bank = EventScope::Departments(vec![department("bank")]);
    let all = store
        .conversations(ConversationFilter {
            scope: bank.clone(),
            status: None,
            department: None,
            limit: 200,
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 80);
    let mut per_operator: HashMap<OperatorId, u32> = HashMap::new();
    for c in all.iter().filter(|c| c.status == Status::Assigned) {
        *per_operator
            .entry(c.assignee.clone().unwrap().id)
            .or_default() += 1;
    }
    for op in &operators {
        let status = store.operator_status(&op.id).await.unwrap();
        let held = per_operator.get(&op.id).copied().unwrap_or(0);
        assert_eq!(
            status.load, held,
            "the load the store keeps matches the conversations"
        );
        assert!(held <= 3, "{} holds {held} with capacity 3", op.name);
        // Capacities were lowered during the race, never exceeded at the time.
        assert_eq!(held, 3, "everyone is full while 80 wait for 18 slots");
    }
    let mut assignments: HashMap<String, usize> = HashMap::new();
    for e in all_events(&store, &bank, 5000).await {
        if e.kind == EventKind::ConversationUpdated && e.data["status"] == "assigned" {
            *assignments
                .entry(e.conversation_id.to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(assignments.len(), 18);
    assert!(
        assignments.values().all(|n| *n == 1),
        "assigned at most once each: {assignments:?}"
    );
    let mut positions: Vec<u32> = all
        .iter()
        .filter(|c| c.status == Status::Queued)
        .map(|c| c.queue.expect("a queued conversation has a place").position)
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=62).collect::<Vec<_>>());
}

/// Places and estimates: in order of arrival, urgent first, shifting (with
/// events) as operators take conversations; nobody online means no
/// assignment but still an estimate.
pub async fn queue_places_and_estimates_follow_the_queue(store: Arc<dyn Store>) {
    let first = start(&store, "c1", "bank", "m", "Как закрыть вклад?").await;
    let second = start(&store, "c2", "bank", "m", "Как открыть счёт?").await;
    let place1 = first.conversation.queue.expect("queued with a place");
    let place2 = second.conversation.queue.expect("queued with a place");
    assert_eq!((place1.position, place2.position), (1, 2));
    assert!(place2.estimated_wait_seconds > place1.estimated_wait_seconds);
    let urgent = start(&store, "c3", "bank", "m", "Мой аккаунт взломали, срочно!").await;
    assert_eq!(
        urgent.conversation.queue.unwrap().position,
        1,
        "account takeover jumps the queue"
    );
    assert_eq!(
        conversation(&store, &first.conversation.id)
            .await
            .queue
            .unwrap()
            .position,
        2
    );

    let o = operator(&store, "o@x", Role::Operator, &["bank"]).await;
    online(&store, &o, 1).await;
    let taken = conversation(&store, &urgent.conversation.id).await;
    assert_eq!((taken.status, taken.queue), (Status::Assigned, None));
    assert_eq!(taken.assignee.unwrap().id, o.id);
    let moved = conversation(&store, &second.conversation.id).await;
    assert_eq!(moved.queue.unwrap().position, 2);
    let updates: Vec<Event> = all_events(
        &store,
        &EventScope::Customer(CustomerId::from_raw("c2")),
        100,
    )
    .await
    .into_iter()
    .filter(|e| e.kind == EventKind::QueueUpdated)
    .collect();
    let positions: Vec<_> = updates
        .iter()
        .map(|e| e.data["position"].as_u64().unwrap())
        .collect();
    assert_eq!(
        positions,
        [2, 3, 2],
        "entered 2nd, pushed back by the urgent one, moved up"
    );
    assert!(
        updates
            .iter()
            .all(|e| e.data["estimated_wait_seconds"].as_u64().unwrap() > 0)
    );

    // Resolving frees the slot: the oldest waiting goes next.
    store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: urgent.conversation.id.clone(),
            actor: Principal::Operator(o.clone()),
            command: LifecycleCommand::Resolve,
        })
        .await
        .unwrap();
    assert_eq!(
        conversation(&store, &first.conversation.id).await.status,
        Status::Assigned
    );
    assert_eq!(
        conversation(&store, &second.conversation.id)
            .await
            .queue
            .unwrap()
            .position,
        1
    );
    assert_eq!(store.operator_status(&o.id).await.unwrap().load, 1);
}

/// A returning customer goes back to the operator who helped them, even
/// when another is less loaded.
pub async fn returning_customer_gets_their_operator(store: Arc<dyn Store>) {
    let a = operator(&store, "a@x", Role::Operator, &["travel"]).await;
    online(&store, &a, 3).await;
    let first = start(&store, "ivan", "travel", "m1", "Где мой багаж?").await;
    assert_eq!(first.conversation.assignee.as_ref().unwrap().id, a.id);
    store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: first.conversation.id.clone(),
            actor: Principal::Operator(a.clone()),
            command: LifecycleCommand::Resolve,
        })
        .await
        .unwrap();
    start(&store, "petr", "travel", "m1", "Сколько стоит перевес?").await;
    let b = operator(&store, "b@x", Role::Operator, &["travel"]).await;
    online(&store, &b, 3).await;
    let again = start(&store, "ivan", "travel", "m2", "Как вернуть билет?").await;
    assert_eq!(
        again.conversation.assignee.unwrap().id,
        a.id,
        "back to their operator although {} is idle",
        b.name
    );
    let stranger = start(&store, "olga", "travel", "m1", "Как поменять место?").await;
    assert_eq!(
        stranger.conversation.assignee.unwrap().id,
        b.id,
        "least loaded"
    );
}

/// The same order, the same topic or the same question joins the open
/// conversation; a different question does not; racing starts make one.
pub async fn duplicate_requests_join_the_open_conversation(store: Arc<dyn Store>) {
    let first = start_about(&store, "c1", "marketplace", "a", "Где заказ?", order("A-1"))
        .await
        .unwrap();
    let again = start_about(
        &store,
        "c1",
        "marketplace",
        "b",
        "Когда привезут?",
        order("A-1"),
    )
    .await
    .unwrap();
    assert!(again.joined_existing && !again.created);
    assert_eq!(again.conversation.id, first.conversation.id);
    assert_eq!(again.message.seq, 2, "the message joined the thread");
    let retry = start_about(
        &store,
        "c1",
        "marketplace",
        "b",
        "Когда привезут?",
        order("A-1"),
    )
    .await
    .unwrap();
    assert!(
        retry.joined_existing && retry.message.id == again.message.id,
        "a retry of a joining start"
    );

    let other_order = start_about(&store, "c1", "marketplace", "c", "Где заказ?", order("B-2"))
        .await
        .unwrap();
    assert!(other_order.created, "another order is another conversation");
    let topic = Subject::Topic {
        topic: TopicId::parse("returns".into()).unwrap(),
    };
    let t1 = start_about(
        &store,
        "c1",
        "marketplace",
        "d",
        "Хочу вернуть кроссовки",
        topic.clone(),
    )
    .await
    .unwrap();
    let t2 = start_about(&store, "c1", "marketplace", "e", "И ещё футболку", topic)
        .await
        .unwrap();
    assert_eq!((t1.created, t2.joined_existing), (true, true));
    assert_eq!(t2.conversation.id, t1.conversation.id);

    let q1 = start_about(
        &store,
        "c2",
        "bank",
        "a",
        "Не могу войти в приложение банка",
        Subject::General,
    )
    .await
    .unwrap();
    let q2 = start_about(
        &store,
        "c2",
        "bank",
        "b",
        "не могу войти в прилжение банка!!",
        Subject::General,
    )
    .await
    .unwrap();
    assert!(q2.joined_existing, "a near-identical question with a typo");
    assert_eq!(q2.conversation.id, q1.conversation.id);
    let q3 = start_about(
        &store,
        "c2",
        "bank",
        "c",
        "Как перевыпустить карту?",
        Subject::General,
    )
    .await
    .unwrap();
    assert!(q3.created, "a different question");

    let mut racers = Vec::new();
    for i in 0..10 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            start_about(
                &store,
                "c3",
                "travel",
                &format!("tab-{i}"),
                "Верните деньги за билет",
                order("T-7"),
            )
            .await
            .unwrap()
        }));
    }
    let mut ids = HashSet::new();
    for r in racers {
        ids.insert(r.await.unwrap().conversation.id);
    }
    assert_eq!(ids.len(), 1, "two tabs, one conversation");
}

/// A transfer keeps the history and places the conversation by how long the
/// customer has waited.
pub async fn transfer_keeps_history_and_waiting_time(store: Arc<dyn Store>) {
    let bank_op = operator(&store, "b@x", Role::Operator, &["bank"]).await;
    let early = start(&store, "c1", "bank", "m", "Вопрос про мили на карте").await;
    post(
        &store,
        &early.conversation.id,
        Principal::Operator(bank_op.clone()),
        "r",
        "Передам коллегам",
    )
    .await
    .unwrap();
    let later = start(&store, "c2", "travel", "m", "Сколько миль за перелёт?").await;
    assert_eq!(later.conversation.queue.unwrap().position, 1);
    let moved = store
        .transfer(Transfer {
            conversation_id: early.conversation.id.clone(),
            actor: Principal::Operator(bank_op.clone()),
            department: department("travel"),
        })
        .await
        .unwrap();
    assert_eq!(
        (moved.department.as_str(), moved.status),
        ("travel", Status::Queued)
    );
    assert_eq!(moved.queue.unwrap().position, 1, "waited longer, so ahead");
    assert_eq!(
        conversation(&store, &later.conversation.id)
            .await
            .queue
            .unwrap()
            .position,
        2
    );
    assert_eq!(
        store.operator_status(&bank_op.id).await.unwrap().load,
        0,
        "the slot is freed"
    );
    let travel_op = operator(&store, "t@x", Role::Operator, &["travel"]).await;
    let history = store
        .messages(MessageQuery {
            conversation_id: moved.id.clone(),
            after_seq: 0,
            limit: 10,
            include_internal: true,
        })
        .await
        .unwrap();
    assert_eq!(history.len(), 2, "the whole history moves along");
    assert!(Principal::Operator(travel_op).can_access(&moved));
    let refused = store
        .transfer(Transfer {
            conversation_id: moved.id.clone(),
            actor: Principal::Operator(bank_op),
            department: department("bank"),
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound)),
        "no longer theirs"
    );
}

/// The `sla.breached` events of the bank department, oldest first.
async fn bank_breaches(store: &Arc<dyn Store>) -> Vec<Event> {
    all_events(
        store,
        &EventScope::Departments(vec![department("bank")]),
        100,
    )
    .await
    .into_iter()
    .filter(|e| e.kind == EventKind::SlaBreached)
    .collect()
}

/// Missed targets become operator-only events, once; a reply in time
/// (not the customer's own) stops the clock.
pub async fn sla_breaches_become_events(store: Arc<dyn Store>) {
    let mut config = QueueConfig::default();
    config.sla.targets.first_response_minutes = 0;
    store.configure_queues(config).await.unwrap();
    let late = start(&store, "c1", "bank", "m", "Вопрос без ответа").await;
    post(
        &store,
        &late.conversation.id,
        Principal::Customer(customer("c1")),
        "m2",
        "Ау?",
    )
    .await
    .unwrap();
    let answered = start(&store, "c2", "bank", "m", "Вопрос с ответом").await;
    let o = operator(&store, "o@x", Role::Operator, &["bank"]).await;
    post(
        &store,
        &answered.conversation.id,
        Principal::Operator(o),
        "r",
        "Отвечаю",
    )
    .await
    .unwrap();
    assert_eq!(store.sweep_sla().await.unwrap(), 1);
    assert_eq!(store.sweep_sla().await.unwrap(), 0, "once");
    let breaches = bank_breaches(&store).await;
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0].conversation_id, late.conversation.id);
    assert_eq!(breaches[0].data["target"], "first_response");
    assert!(breaches[0].internal, "customers do not see breaches");
    let live = store.live_stats(&[department("bank")]).await.unwrap();
    assert_eq!(live[0].sla_breaches_today, 1);
    assert_eq!(live[0].queue_length, 1);
    assert!(live[0].first_response_p50_seconds.is_some());
}

/// A conversation resolved before anyone answered it cannot miss its first
/// response: however late the sweep, no `sla.breached` is said of it.
pub async fn a_resolved_conversation_never_breaches_first_response(store: Arc<dyn Store>) {
    let mut config = QueueConfig::default();
    config.sla.targets.first_response_minutes = 0;
    store.configure_queues(config).await.unwrap();
    let withdrawn = start(&store, "c1", "bank", "m", "Уже не нужно").await;
    store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: withdrawn.conversation.id.clone(),
            actor: Principal::Customer(customer("c1")),
            command: LifecycleCommand::Resolve,
        })
        .await
        .unwrap();
    let waiting = start(&store, "c2", "bank", "m", "Вопрос без ответа").await;
    assert_eq!(store.sweep_sla().await.unwrap(), 1, "only the open one");
    assert_eq!(store.sweep_sla().await.unwrap(), 0, "nor on a later sweep");
    let breached: Vec<ConversationId> = bank_breaches(&store)
        .await
        .into_iter()
        .map(|e| e.conversation_id)
        .collect();
    assert_eq!(breached, vec![waiting.conversation.id]);
    let live = store.live_stats(&[department("bank")]).await.unwrap();
    assert_eq!(live[0].sla_breaches_today, 1, "the supervisor counts one");
}

/// Starts and resolves racing: replaying the event log in commit order, no
/// operator ever holds more than their capacity and no conversation is
/// handed to a second operator while the first still has it.
pub async fn capacity_holds_while_operators_resolve(store: Arc<dyn Store>) {
    let mut operators = Vec::new();
    for i in 0..4 {
        let op = operator(&store, &format!("r{i}@x"), Role::Operator, &["travel"]).await;
        online(&store, &op, 2).await;
        operators.push(op);
    }
    let mut tasks = Vec::new();
    for i in 0..60 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            start_about(
                &store,
                &format!("t{i}"),
                "travel",
                "m",
                &format!("билет номер {i}"),
                Subject::General,
            )
            .await
            .unwrap();
        }));
    }
    for op in operators.clone() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            for _ in 0..1000 {
                if done == 6 {
                    break;
                }
                let mine = store
                    .conversations(ConversationFilter {
                        scope: EventScope::Departments(vec![department("travel")]),
                        status: Some(Status::Assigned),
                        department: None,
                        limit: 200,
                    })
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|c| c.assignee.as_ref().is_some_and(|a| a.id == op.id));
                if let Some(c) = mine {
                    store
                        .change_lifecycle(ChangeLifecycle {
                            conversation_id: c.id,
                            actor: Principal::Operator(op.clone()),
                            command: LifecycleCommand::Resolve,
                        })
                        .await
                        .unwrap();
                    done += 1;
                } else {
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut holder: HashMap<String, String> = HashMap::new();
    let mut held: HashMap<String, u32> = HashMap::new();
    let mut assignments = 0;
    for e in all_events(
        &store,
        &EventScope::Departments(vec![department("travel")]),
        5000,
    )
    .await
    {
        if e.kind != EventKind::ConversationUpdated {
            continue;
        }
        let id = e.conversation_id.to_string();
        let now_with = (e.data["status"] == "assigned")
            .then(|| e.data["assignee"]["id"].as_str().unwrap().to_owned());
        let before = holder.get(&id).cloned();
        if before == now_with {
            continue;
        }
        if let Some(old) = &before {
            *held.get_mut(old).unwrap() -= 1;
            holder.remove(&id);
        }
        if let Some(new) = now_with {
            assert!(before.is_none(), "{id} handed over while held");
            let count = held.entry(new.clone()).or_default();
            *count += 1;
            assert!(*count <= 2, "{new} holds {count} with capacity 2");
            holder.insert(id, new);
            assignments += 1;
        }
    }
    let resolved = store
        .conversations(ConversationFilter {
            scope: EventScope::Departments(vec![department("travel")]),
            status: Some(Status::Resolved),
            department: None,
            limit: 200,
        })
        .await
        .unwrap()
        .len();
    assert_eq!(
        resolved, 24,
        "each operator resolved six while starts went on"
    );
    assert_eq!(
        assignments,
        resolved + 8,
        "every freed slot was refilled from the queue"
    );
}

/// The customer's tier (from their token) raises priority by the rules, both
/// when they start and when their message reopens a resolved conversation:
/// the store keeps the tier of their latest token.
pub async fn customer_tier_raises_priority(store: Arc<dyn Store>) {
    let mut config = QueueConfig::default();
    config.priorities.tiers.insert("vip".into(), Priority::High);
    store.configure_queues(config).await.unwrap();
    let vip = |id: &str| CustomerIdentity {
        tier: Some("vip".into()),
        ..customer(id)
    };
    let o = operator(&store, "o@x", Role::Operator, &["travel"]).await;
    online(&store, &o, 1).await;
    let returning = start(&store, "c1", "travel", "m", "Где мой билет?").await;
    store
        .change_lifecycle(ChangeLifecycle {
            conversation_id: returning.conversation.id.clone(),
            actor: Principal::Operator(o.clone()),
            command: LifecycleCommand::Resolve,
        })
        .await
        .unwrap();
    let busy = start(&store, "c2", "travel", "m", "Как сдать билет?").await;
    assert_eq!(busy.conversation.status, Status::Assigned);
    let plain = start(&store, "c3", "travel", "m", "Можно поменять место?").await;
    assert_eq!(plain.conversation.queue.unwrap().position, 1);

    // c1 is now a vip and writes again: back in the queue, ahead of c3.
    post(
        &store,
        &returning.conversation.id,
        Principal::Customer(vip("c1")),
        "m2",
        "Билет так и не пришёл",
    )
    .await
    .unwrap();
    let reopened = conversation(&store, &returning.conversation.id).await;
    assert_eq!(
        (reopened.status, reopened.queue.map(|q| q.position)),
        (Status::Queued, Some(1)),
        "the reopened vip request is ahead of an older normal one"
    );
    let newcomer = store
        .start_conversation(StartConversation {
            department: department("travel"),
            subject: Subject::General,
            initial_status: Status::Queued,
            customer: vip("c4"),
            first_message: new_message("m", "Нужна справка о поездке"),
        })
        .await
        .unwrap();
    assert_eq!(
        newcomer.conversation.queue.unwrap().position,
        2,
        "a vip start goes ahead of normal requests, behind older vip ones"
    );
    assert_eq!(
        conversation(&store, &plain.conversation.id)
            .await
            .queue
            .unwrap()
            .position,
        3
    );
}
