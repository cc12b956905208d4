//! `routing`: how long one assignment decision takes with a deep queue and
//! many operators, in process (no server): the in-memory [`Router`] the
//! store's writer consults for every assignment.
//!
//! Each round an operator finishes a conversation and is given the next one
//! (`next_for`, dequeue, load), and a new conversation arrives and looks for
//! an operator with room (`choose_operator`, enqueue): the two decisions the
//! writer takes. The queue stays at its depth; everyone stays full.

use crate::report::{self, Table};
use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use hotline_domain::routing::OperatorSlot;
use hotline_domain::{ConversationId, DepartmentId, OperatorId, Presence, Priority, Router};
use rand::Rng;
use serde::Serialize;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Conversations waiting.
    #[arg(long, default_value_t = 10_000)]
    queued: usize,
    /// Operators online (each serves one or two of the departments).
    #[arg(long, default_value_t = 500)]
    operators: usize,
    #[arg(long, default_value_t = 3)]
    departments: usize,
    /// Decisions to time.
    #[arg(long, default_value_t = 100_000)]
    rounds: usize,
    /// Also time whole writes through the SQLite store (in a temporary
    /// file): resolves that hand the freed slot to the next in line, against
    /// plain messages.
    #[arg(long)]
    with_store: bool,
}

#[derive(Serialize)]
struct Line {
    scenario: &'static str,
    queued: usize,
    operators: usize,
    rounds: usize,
    next_for_p50_us: f64,
    next_for_p99_us: f64,
    next_for_max_us: f64,
    choose_p50_us: f64,
    choose_p99_us: f64,
    choose_max_us: f64,
    place_of_last_p50_us: f64,
}

pub async fn run(args: Args) -> Result<()> {
    anyhow::ensure!(
        args.departments > 0 && args.operators > 0,
        "need departments and operators"
    );
    let departments: Vec<DepartmentId> = (0..args.departments)
        .map(|d| DepartmentId::parse(format!("dept{d}")))
        .collect::<Result<_, _>>()?;
    let mut rng = rand::rng();
    let mut router = Router::default();
    let operators: Vec<OperatorId> = (0..args.operators)
        .map(|i| OperatorId::from_raw(format!("op{i}")))
        .collect();
    for (i, id) in operators.iter().enumerate() {
        let mut serves = vec![departments[i % departments.len()].clone()];
        if i % 2 == 0 {
            serves.push(departments[(i + 1) % departments.len()].clone());
        }
        router.put_operator(
            id.clone(),
            OperatorSlot {
                departments: serves,
                presence: Presence::Online,
                capacity: 3,
                load: 3,
                idle_since: i as i64,
            },
        );
    }
    let priorities = [
        Priority::Low,
        Priority::Normal,
        Priority::Normal,
        Priority::High,
    ];
    let mut clock: i64 = 1_000_000;
    let mut next_id = 0u64;
    let mut arrive = |router: &mut Router, rng: &mut rand::rngs::ThreadRng, clock: i64| {
        next_id += 1;
        let department = departments[rng.random_range(0..departments.len())].clone();
        let priority = priorities[rng.random_range(0..priorities.len())];
        router.enqueue(
            ConversationId::from_raw(format!("c{next_id}")),
            department.clone(),
            priority,
            clock,
        );
        department
    };
    for _ in 0..args.queued {
        clock += 1;
        arrive(&mut router, &mut rng, clock);
    }
    let nanos = || Histogram::<u64>::new_with_bounds(1, 1_000_000_000, 3);
    let mut next_for = nanos()?;
    let mut choose = nanos()?;
    let mut place = nanos()?;
    let mut nanos_next = Vec::with_capacity(args.rounds);
    let mut nanos_choose = Vec::with_capacity(args.rounds);
    for _ in 0..args.rounds {
        clock += 1;
        let operator = &operators[rng.random_range(0..operators.len())];
        router.add_load(operator, -1, clock);
        let started = Instant::now();
        let next = router.next_for(operator);
        if let Some(id) = &next {
            router.dequeue(id);
            router.add_load(operator, 1, clock);
        }
        nanos_next.push(started.elapsed());
        let department = arrive(&mut router, &mut rng, clock);
        let started = Instant::now();
        let chosen = router.choose_operator(&department, None);
        nanos_choose.push(started.elapsed());
        anyhow::ensure!(chosen.is_none(), "everyone is full, nobody can be chosen");
    }
    let record = |h: &mut Histogram<u64>, d: std::time::Duration| {
        h.saturating_record(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    };
    for d in nanos_next {
        record(&mut next_for, d);
    }
    for d in nanos_choose {
        record(&mut choose, d);
    }
    // The place of the last in line: what a read of a queued conversation costs.
    let last = router
        .queue(&departments[0])
        .last()
        .map(|(id, _)| id.clone())
        .context("the queue is empty")?;
    for _ in 0..1000 {
        let started = Instant::now();
        std::hint::black_box(router.position(&last));
        record(&mut place, started.elapsed());
    }
    let us = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let max_us = |h: &Histogram<u64>| h.max() as f64 / 1000.0;
    let line = Line {
        scenario: "routing",
        queued: args.queued,
        operators: args.operators,
        rounds: args.rounds,
        next_for_p50_us: us(&next_for, 0.5),
        next_for_p99_us: us(&next_for, 0.99),
        next_for_max_us: max_us(&next_for),
        choose_p50_us: us(&choose, 0.5),
        choose_p99_us: us(&choose, 0.99),
        choose_max_us: max_us(&choose),
        place_of_last_p50_us: us(&place, 0.5),
    };
    let mut table = Table::new(format!(
        "routing: {} queued, {} operators online, {} decisions each",
        args.queued, args.operators, args.rounds
    ));
    table
        .row(
            "next for a freed operator p50 / p99 / max",
            format!(
                "{:.1} / {:.1} / {:.1} µs",
                line.next_for_p50_us, line.next_for_p99_us, line.next_for_max_us
            ),
        )
        .row(
            "operator for a newcomer p50 / p99 / max",
            format!(
                "{:.1} / {:.1} / {:.1} µs",
                line.choose_p50_us, line.choose_p99_us, line.choose_max_us
            ),
        )
        .row(
            "place of the last in line p50",
            format!("{:.1} µs", line.place_of_last_p50_us),
        );
    table.print();
    report::print_json(&line);
    if args.with_store {
        store_writes(&args).await?;
    }
    Ok(())
}

/// The `n`th benchmark customer's general question, opening a conversation.
pub(crate) fn numbered_start(
    n: usize,
    department: hotline_domain::DepartmentId,
    initial_status: hotline_domain::Status,
) -> Result<hotline_store::StartConversation> {
    use hotline_domain::*;
    Ok(hotline_store::StartConversation {
        department,
        subject: Subject::General,
        initial_status,
        customer: CustomerIdentity {
            id: CustomerId::from_raw(format!("c{n}")),
            name: format!("Customer {n}"),
            email: None,
            phone: None,
            amr: vec![],
            auth_time: None,
            tier: None,
        },
        first_message: hotline_store::NewMessage {
            client_msg_id: ClientMsgId::parse(format!("m{n}"))?,
            text: MessageText::parse(format!("вопрос {n}"), 10_000)?,
            internal: false,
            attachment_ids: vec![],
        },
    })
}

#[derive(Serialize)]
struct StoreLine {
    scenario: &'static str,
    queued: usize,
    operators: usize,
    resolve_and_assign_p50_ms: f64,
    resolve_and_assign_p99_ms: f64,
    message_p50_ms: f64,
    message_p99_ms: f64,
}

/// Whole writes with a deep queue: a resolve (which frees a slot, assigns
/// the next conversation and announces the shifted places) against a plain
/// message in the same store. Both include the group commit's fsync.
async fn store_writes(args: &Args) -> Result<()> {
    use hotline_domain::*;
    use hotline_store::*;
    use std::sync::Arc;
    let dir = std::env::temp_dir().join(format!("hotline-routing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // Nobody follows the events live here: the writes are what is timed.
    let sink: Arc<dyn EventSink> = Arc::new(tokio::sync::broadcast::channel::<Arc<Event>>(1).0);
    let store: Arc<dyn Store> =
        Arc::new(hotline_store_sqlite::SqliteStore::open(dir.join("hotline.db"), sink).await?);
    let department = DepartmentId::parse("marketplace".into())?;
    let mut operators = Vec::new();
    for i in 0..args.operators {
        let operator = store
            .create_operator(NewOperator {
                email: format!("op{i}@bench.local"),
                name: format!("Operator {i}"),
                role: Role::Operator,
                departments: vec![department.clone()],
                password_hash: "-".into(),
            })
            .await?;
        let online = PresenceChange {
            presence: Some(Presence::Online),
            capacity: Some(3),
        };
        store.set_presence(&operator.id, online).await?;
        operators.push(operator);
    }
    let total = args.operators * 3 + args.queued;
    eprintln!(
        "starting {total} conversations ({} assigned, {} queued)…",
        args.operators * 3,
        args.queued
    );
    let mut started = Vec::with_capacity(total);
    for chunk in (0..total).collect::<Vec<_>>().chunks(512) {
        let mut batch = Vec::new();
        for n in chunk {
            let store = store.clone();
            let department = department.clone();
            let n = *n;
            batch.push(tokio::spawn(async move {
                store
                    .start_conversation(numbered_start(n, department, Status::Queued)?)
                    .await
                    .map_err(anyhow::Error::from)
            }));
        }
        for task in batch {
            started.push(task.await??.conversation);
        }
    }
    let mut resolves = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut messages = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut assigned: Vec<Conversation> = started
        .into_iter()
        .filter(|c| c.status == Status::Assigned)
        .collect();
    for round in 0..300 {
        let conversation = assigned.swap_remove(round % assigned.len());
        let Some(assignee) = conversation.assignee.clone() else {
            continue;
        };
        let Some(operator) = operators.iter().find(|o| o.id == assignee.id).cloned() else {
            continue;
        };
        let actor = Principal::Operator(operator);
        let begin = Instant::now();
        store
            .post_message(PostMessage {
                conversation_id: conversation.id.clone(),
                author: actor.clone(),
                message: NewMessage {
                    client_msg_id: ClientMsgId::parse(format!("r{round}"))?,
                    text: MessageText::parse("ответ".into(), 10_000)?,
                    internal: false,
                    attachment_ids: vec![],
                },
                screened: Default::default(),
            })
            .await?;
        messages.saturating_record(begin.elapsed().as_micros() as u64);
        let begin = Instant::now();
        store
            .change_lifecycle(ChangeLifecycle {
                conversation_id: conversation.id.clone(),
                actor,
                command: LifecycleCommand::Resolve,
            })
            .await?;
        resolves.saturating_record(begin.elapsed().as_micros() as u64);
        // The conversation that took the freed slot can be resolved later.
        let taken = store
            .conversations(ConversationFilter {
                scope: EventScope::Departments(vec![department.clone()]),
                status: Some(Status::Assigned),
                department: None,
                limit: 1,
            })
            .await?;
        assigned.extend(taken);
    }
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let line = StoreLine {
        scenario: "routing-store",
        queued: args.queued,
        operators: args.operators,
        resolve_and_assign_p50_ms: ms(&resolves, 0.5),
        resolve_and_assign_p99_ms: ms(&resolves, 0.99),
        message_p50_ms: ms(&messages, 0.5),
        message_p99_ms: ms(&messages, 0.99),
    };
    let mut table = Table::new("whole writes through the SQLite store (with fsync)");
    table
        .row(
            "resolve + assign next + announce p50 / p99",
            format!(
                "{:.2} / {:.2} ms",
                line.resolve_and_assign_p50_ms, line.resolve_and_assign_p99_ms
            ),
        )
        .row(
            "a plain message p50 / p99",
            format!("{:.2} / {:.2} ms", line.message_p50_ms, line.message_p99_ms),
        );
    table.print();
    crate::report::print_json(&line);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
