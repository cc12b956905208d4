//! The claims' contract: idempotent filing with the acknowledgement in the
//! chat, numbering, the registry's order, answers, extensions, alerts, the
//! legal trigger kept as filed, and the calendar's override table.

use super::*;
use crate::claims::*;
use hotline_domain::claims::*;
use time::macros::{date, datetime};
use time::{Date, UtcOffset};

fn due(raw: Date, legal: Date) -> Deadline {
    Deadline {
        raw_due_date: raw,
        due_date: legal,
        provisional: false,
    }
}

fn new_claim(cmid: &str, claim_type: ClaimType, received_at: Timestamp) -> NewClaim {
    NewClaim {
        claim_type,
        order_id: Some(OrderId::parse("A-1001".into()).unwrap()),
        amount: Some(Money::parse("1299.00", "RUB").unwrap()),
        demand: "вернуть деньги".into(),
        text: "Пришёл сломанный чайник".into(),
        cross_border: false,
        channel: ClaimChannel::Chat,
        received_at,
        client_msg_id: ClientMsgId::parse(cmid.to_owned()).unwrap(),
        attachment_ids: vec![],
    }
}

fn filing(
    conversation: &Conversation,
    filer: Principal,
    claim: NewClaim,
    deadline: Deadline,
) -> FileClaim {
    FileClaim {
        conversation_id: conversation.id.clone(),
        filer,
        claim,
        deadline,
        number_year: 2026,
        legal_offset: UtcOffset::UTC,
    }
}

/// A claim `filer` filed in `conversation`.
async fn filed(
    store: &Arc<dyn Store>,
    conversation: &Conversation,
    filer: Principal,
    claim: NewClaim,
    deadline: Deadline,
) -> Claim {
    store
        .file_claim(filing(conversation, filer, claim, deadline))
        .await
        .unwrap()
        .claim
}

/// Whether the store recorded `alert` now (not before).
async fn told(store: &Arc<dyn Store>, id: &ClaimId, alert: ClaimAlert) -> bool {
    store.record_claim_alert(id, alert).await.unwrap()
}

async fn conversation_of(store: &Arc<dyn Store>, who: &str, dept: &str) -> Conversation {
    store
        .sync_departments(&Department::defaults())
        .await
        .unwrap();
    start(
        store,
        who,
        dept,
        &format!("start-{who}-{dept}"),
        "Хочу вернуть деньги",
    )
    .await
    .conversation
}

fn as_customer(who: &str) -> Principal {
    Principal::Customer(customer(who))
}

pub async fn claims_are_filed_once_with_an_acknowledgement(store: Arc<dyn Store>) {
    let conversation = conversation_of(&store, "c1", "marketplace").await;
    let received = datetime!(2026-11-25 09:00 UTC);
    let deadline = due(date!(2026 - 12 - 05), date!(2026 - 12 - 07));
    let first = store
        .file_claim(filing(
            &conversation,
            as_customer("c1"),
            new_claim("claim-1", ClaimType::Refund, received),
            deadline,
        ))
        .await
        .unwrap();
    assert!(first.created);
    let claim = &first.claim;
    assert_eq!(claim.number.to_string(), "П-2026-000001");
    assert_eq!(claim.status, ClaimStatus::Filed);
    assert_eq!(claim.deadline, deadline);
    assert_eq!(claim.received_at, received);
    assert_eq!(claim.department, conversation.department);
    assert_eq!(claim.filed_by.kind, AuthorKind::Customer);
    assert_eq!(store.claim(&claim.id).await.unwrap().as_ref(), Some(claim));

    // A retry, even one claiming another receipt time, returns the original.
    let retry = store
        .file_claim(filing(
            &conversation,
            as_customer("c1"),
            new_claim(
                "claim-1",
                ClaimType::Refund,
                datetime!(2026-11-20 09:00 UTC),
            ),
            due(date!(2026 - 11 - 30), date!(2026 - 11 - 30)),
        ))
        .await
        .unwrap();
    assert!(!retry.created);
    assert_eq!(&retry.claim, claim, "the legal trigger is never rewritten");
    // The same id for another claim is refused.
    let reused = store
        .file_claim(filing(
            &conversation,
            as_customer("c1"),
            new_claim("claim-1", ClaimType::Repair, received),
            deadline,
        ))
        .await;
    assert!(matches!(
        reused,
        Err(StoreError::Conflict(Conflict::ClientMsgIdReused))
    ));

    // One acknowledgement in the chat, from the system, with the number.
    let messages = store
        .messages(MessageQuery {
            conversation_id: conversation.id.clone(),
            after_seq: 0,
            limit: 50,
            include_internal: true,
        })
        .await
        .unwrap();
    let acknowledgements: Vec<_> = messages
        .iter()
        .filter(|m| m.author.kind == AuthorKind::System)
        .collect();
    assert_eq!(acknowledgements.len(), 1, "{messages:?}");
    assert!(acknowledgements[0].text.contains("П-2026-000001"));
    assert!(!acknowledgements[0].internal);
    // The customer's feed has the claim and the message.
    let events = all_events(
        &store,
        &EventScope::Customer(CustomerId::from_raw("c1")),
        100,
    )
    .await;
    let filed_events: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::ClaimFiled)
        .collect();
    assert_eq!(filed_events.len(), 1);
    assert_eq!(filed_events[0].data["number"], "П-2026-000001");
    assert!(
        filed_events[0].data.get("text").is_none(),
        "events carry no free text"
    );

    // Strangers cannot file in someone else's conversation.
    let stranger = store
        .file_claim(filing(
            &conversation,
            as_customer("c2"),
            new_claim("claim-x", ClaimType::Refund, received),
            deadline,
        ))
        .await;
    assert!(matches!(stranger, Err(StoreError::NotFound)));

    // A claim in a resolved conversation brings it back to the queue, as
    // the customer's message would; an operator's registration does not.
    let clerk =
        Principal::Operator(operator(&store, "clerk@x", Role::Operator, &["marketplace"]).await);
    let resolve = ChangeLifecycle {
        conversation_id: conversation.id.clone(),
        actor: clerk.clone(),
        command: LifecycleCommand::Resolve,
    };
    store.change_lifecycle(resolve.clone()).await.unwrap();
    filed(
        &store,
        &conversation,
        clerk,
        new_claim("by-letter", ClaimType::Refund, received),
        deadline,
    )
    .await;
    let status = |c: Option<Conversation>| c.map(|c| c.status);
    assert_eq!(
        status(store.conversation(&conversation.id).await.unwrap()),
        Some(Status::Resolved)
    );
    filed(
        &store,
        &conversation,
        as_customer("c1"),
        new_claim("claim-2", ClaimType::Refund, received),
        deadline,
    )
    .await;
    assert_eq!(
        status(store.conversation(&conversation.id).await.unwrap()),
        Some(Status::Queued)
    );

    // Erasing the customer erases their claims.
    store
        .erase_customer(&CustomerId::from_raw("c1"))
        .await
        .unwrap();
    assert_eq!(store.claim(&claim.id).await.unwrap(), None);
}

pub async fn claim_numbers_are_sequential_per_year(store: Arc<dyn Store>) {
    let first = conversation_of(&store, "c1", "marketplace").await;
    let second = conversation_of(&store, "c2", "travel").await;
    let received = datetime!(2026-11-25 09:00 UTC);
    let deadline = due(date!(2026 - 12 - 05), date!(2026 - 12 - 07));
    let mut filings = Vec::new();
    for i in 0..8 {
        let (conversation, who) = if i % 2 == 0 {
            (&first, "c1")
        } else {
            (&second, "c2")
        };
        let store = store.clone();
        let command = filing(
            conversation,
            as_customer(who),
            new_claim(&format!("claim-{i}"), ClaimType::Refund, received),
            deadline,
        );
        filings.push(tokio::spawn(async move { store.file_claim(command).await }));
    }
    let mut seqs = Vec::new();
    for filing in filings {
        let filed = filing.await.unwrap().unwrap();
        assert_eq!(filed.claim.number.year, 2026);
        seqs.push(filed.claim.number.seq);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>(), "dense and unique");
    let next_year = store
        .file_claim(FileClaim {
            number_year: 2027,
            ..filing(
                &first,
                as_customer("c1"),
                new_claim("claim-2027", ClaimType::Refund, received),
                deadline,
            )
        })
        .await
        .unwrap();
    assert_eq!(next_year.claim.number.to_string(), "П-2027-000001");
}

pub async fn the_registry_is_sorted_by_legal_end(store: Arc<dyn Store>) {
    let market = conversation_of(&store, "c1", "marketplace").await;
    let bank = conversation_of(&store, "c2", "bank").await;
    let received = datetime!(2026-11-25 09:00 UTC);
    let file = |conversation: &Conversation, who: &str, cmid: &str, legal: Date| {
        let store = store.clone();
        let command = filing(
            conversation,
            as_customer(who),
            new_claim(cmid, ClaimType::Refund, received),
            due(legal, legal),
        );
        async move { store.file_claim(command).await.unwrap().claim }
    };
    let late = file(&market, "c1", "late", date!(2026 - 12 - 20)).await;
    let soon = file(&bank, "c2", "soon", date!(2026 - 12 - 01)).await;
    let middle = file(&market, "c1", "middle", date!(2026 - 12 - 10)).await;
    let all = store
        .claims(ClaimFilter {
            limit: 100,
            ..ClaimFilter::default()
        })
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, [soon.id.clone(), middle.id.clone(), late.id.clone()]);

    let marketplace_only = store
        .claims(ClaimFilter {
            departments: Some(vec![department("marketplace")]),
            limit: 100,
            ..ClaimFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(marketplace_only.len(), 2);
    assert!(
        marketplace_only
            .iter()
            .all(|c| c.department == department("marketplace"))
    );

    let before = store
        .claims(ClaimFilter {
            due_before: Some(date!(2026 - 12 - 10)),
            limit: 100,
            ..ClaimFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(before.len(), 1, "strictly before the date");
    assert_eq!(before[0].id, soon.id);

    let answered = store
        .claims(ClaimFilter {
            statuses: vec![ClaimStatus::Answered],
            limit: 100,
            ..ClaimFilter::default()
        })
        .await
        .unwrap();
    assert!(answered.is_empty());
    assert_eq!(
        store
            .open_claim_counts(date!(2026 - 12 - 15))
            .await
            .unwrap(),
        [
            OpenClaims {
                department: department("bank"),
                open: 1,
                overdue: 1,
            },
            OpenClaims {
                department: department("marketplace"),
                open: 2,
                overdue: 1,
            },
        ],
        "late: a legal end before the day"
    );
    // A transfer takes the conversation's claims to the new department.
    let clerk = Principal::Operator(
        operator(
            &store,
            "clerk@x",
            Role::Operator,
            &["marketplace", "travel"],
        )
        .await,
    );
    store
        .transfer(Transfer {
            conversation_id: market.id.clone(),
            actor: clerk,
            department: department("travel"),
        })
        .await
        .unwrap();
    let travel = store
        .claims(ClaimFilter {
            departments: Some(vec![department("travel")]),
            limit: 100,
            ..ClaimFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(travel.len(), 2);
    assert!(travel.iter().all(|c| c.department == department("travel")));
    assert_eq!(
        store.claim(&late.id).await.unwrap().map(|c| c.department),
        Some(department("travel"))
    );
    let in_bank = store
        .claims(ClaimFilter {
            conversation_id: Some(bank.id.clone()),
            limit: 100,
            ..ClaimFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(in_bank.len(), 1);
    assert_eq!(in_bank[0].id, soon.id);
    let limited = store
        .claims(ClaimFilter {
            limit: 1,
            ..ClaimFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(limited.len(), 1);
}

pub async fn claims_are_answered_and_extended_by_the_rules(store: Arc<dyn Store>) {
    let conversation = conversation_of(&store, "c1", "bank").await;
    let clerk = Principal::Operator(operator(&store, "clerk@x", Role::Operator, &["bank"]).await);
    let outsider =
        Principal::Operator(operator(&store, "outsider@x", Role::Operator, &["travel"]).await);
    let received = datetime!(2026-12-25 09:00 UTC);
    let mut complaint = new_claim("complaint", ClaimType::BankComplaint, received);
    complaint.channel = ClaimChannel::Post;
    let filed = filed(
        &store,
        &conversation,
        clerk.clone(),
        complaint,
        due(date!(2027 - 01 - 26), date!(2027 - 01 - 26)),
    )
    .await;
    assert_eq!(filed.filed_by.kind, AuthorKind::Operator);
    assert_eq!(filed.channel, ClaimChannel::Post);

    let extended = due(date!(2027 - 02 - 09), date!(2027 - 02 - 09));
    let extend = |author: Principal, today: Date| ExtendClaim {
        claim_id: filed.id.clone(),
        author,
        reason: "нужна выписка по счёту".into(),
        extended,
        today,
    };
    assert!(matches!(
        store
            .extend_claim(extend(outsider.clone(), date!(2027 - 01 - 10)))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .extend_claim(extend(clerk.clone(), date!(2027 - 01 - 27)))
            .await,
        Err(StoreError::Domain(DomainError::ExtensionTooLate { .. }))
    ));
    let after = store
        .extend_claim(extend(clerk.clone(), date!(2027 - 01 - 10)))
        .await
        .unwrap();
    assert_eq!(after.status, ClaimStatus::Extended);
    assert_eq!(after.deadline, extended);
    let extension = after.extension.clone().unwrap();
    assert_eq!(extension.previous_due_date, date!(2027 - 01 - 26));
    assert!(matches!(
        store
            .extend_claim(extend(clerk.clone(), date!(2027 - 01 - 11)))
            .await,
        Err(StoreError::Domain(DomainError::InvalidTransition { .. }))
    ));

    let answer = |author: Principal, cmid: &str| AnswerClaim {
        claim_id: filed.id.clone(),
        author,
        text: MessageText::parse("Ответ на жалобу: средства возвращены".into(), 10_000).unwrap(),
        client_msg_id: ClientMsgId::parse(cmid.to_owned()).unwrap(),
    };
    assert!(matches!(
        store.answer_claim(answer(outsider, "a-1")).await,
        Err(StoreError::NotFound)
    ));
    let answered = store
        .answer_claim(answer(clerk.clone(), "a-1"))
        .await
        .unwrap();
    assert_eq!(answered.claim.status, ClaimStatus::Answered);
    assert_eq!(answered.message.author.kind, AuthorKind::Operator);
    assert_eq!(
        answered.claim.answer.as_ref().map(|a| a.message_id.clone()),
        Some(answered.message.id.clone())
    );
    // A retry returns the answer; another answer is refused.
    let again = store
        .answer_claim(answer(clerk.clone(), "a-1"))
        .await
        .unwrap();
    assert_eq!(again.message.id, answered.message.id);
    assert!(matches!(
        store.answer_claim(answer(clerk.clone(), "a-2")).await,
        Err(StoreError::Domain(DomainError::InvalidTransition { .. }))
    ));

    // The chat has the acknowledgement, the extension notice and the answer.
    let messages = store
        .messages(MessageQuery {
            conversation_id: conversation.id.clone(),
            after_seq: 0,
            limit: 50,
            include_internal: false,
        })
        .await
        .unwrap();
    let texts: Vec<_> = messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("П-2026-000001") && t.contains("продлён")),
        "{texts:?}"
    );
    assert!(texts.contains(&"Ответ на жалобу: средства возвращены"));

    // Through all of it the legal trigger stayed as filed.
    let stored = store.claim(&filed.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.received_at, stored.channel),
        (received, ClaimChannel::Post)
    );
    assert_eq!(stored, answered.claim);
}

pub async fn claim_alerts_are_recorded_once(store: Arc<dyn Store>) {
    let conversation = conversation_of(&store, "c1", "bank").await;
    let clerk = Principal::Operator(operator(&store, "clerk@x", Role::Operator, &["bank"]).await);
    let received = datetime!(2026-12-25 09:00 UTC);
    let claim = filed(
        &store,
        &conversation,
        as_customer("c1"),
        new_claim("complaint", ClaimType::BankComplaint, received),
        due(date!(2027 - 01 - 26), date!(2027 - 01 - 26)),
    )
    .await;
    assert!(told(&store, &claim.id, ClaimAlert::DueSoon).await);
    assert!(!told(&store, &claim.id, ClaimAlert::DueSoon).await);
    // A new legal end is warned about again.
    store
        .extend_claim(ExtendClaim {
            claim_id: claim.id.clone(),
            author: clerk.clone(),
            reason: "нужны документы".into(),
            extended: due(date!(2027 - 02 - 09), date!(2027 - 02 - 09)),
            today: date!(2027 - 01 - 20),
        })
        .await
        .unwrap();
    assert!(told(&store, &claim.id, ClaimAlert::DueSoon).await);
    assert!(told(&store, &claim.id, ClaimAlert::Overdue).await);
    assert!(!told(&store, &claim.id, ClaimAlert::Overdue).await);

    // The alerts reach the operators, not the customer.
    let operators = all_events(&store, &EventScope::of(&clerk), 100).await;
    let kinds: Vec<_> = operators
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ClaimDueSoon | EventKind::ClaimOverdue))
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::ClaimDueSoon,
            EventKind::ClaimDueSoon,
            EventKind::ClaimOverdue
        ]
    );
    let customers = all_events(
        &store,
        &EventScope::Customer(CustomerId::from_raw("c1")),
        100,
    )
    .await;
    assert!(
        customers
            .iter()
            .all(|e| !matches!(e.kind, EventKind::ClaimDueSoon | EventKind::ClaimOverdue))
    );

    // Answered: nothing more to warn about.
    store
        .answer_claim(AnswerClaim {
            claim_id: claim.id.clone(),
            author: clerk,
            text: MessageText::parse("Ответ".into(), 100).unwrap(),
            client_msg_id: ClientMsgId::parse("answer".into()).unwrap(),
        })
        .await
        .unwrap();
    let unknown = ClaimId::from_raw("no-such-claim");
    assert!(!told(&store, &unknown, ClaimAlert::Overdue).await);
}

pub async fn calendar_overrides_round_trip(store: Arc<dyn Store>) {
    assert!(store.calendar_overrides().await.unwrap().is_empty());
    let decree = CalendarOverride {
        date: date!(2028 - 01 - 09),
        working: false,
        note: "постановление на 2028 год".into(),
    };
    let saturday = CalendarOverride {
        date: date!(2028 - 01 - 08),
        working: true,
        note: "рабочая суббота".into(),
    };
    store.set_calendar_override(decree.clone()).await.unwrap();
    store.set_calendar_override(saturday.clone()).await.unwrap();
    assert_eq!(
        store.calendar_overrides().await.unwrap(),
        [saturday.clone(), decree.clone()],
        "by date"
    );
    let corrected = CalendarOverride {
        working: true,
        ..decree.clone()
    };
    store
        .set_calendar_override(corrected.clone())
        .await
        .unwrap();
    assert_eq!(
        store.calendar_overrides().await.unwrap(),
        [saturday.clone(), corrected]
    );
    assert!(store.remove_calendar_override(decree.date).await.unwrap());
    assert!(!store.remove_calendar_override(decree.date).await.unwrap());
    assert_eq!(store.calendar_overrides().await.unwrap(), [saturday]);
}

pub async fn a_rescheduled_claim_keeps_its_trigger(store: Arc<dyn Store>) {
    let conversation = conversation_of(&store, "c1", "marketplace").await;
    let received = datetime!(2026-11-25 09:00 UTC);
    let first = due(date!(2026 - 12 - 05), date!(2026 - 12 - 07));
    let claim = filed(
        &store,
        &conversation,
        as_customer("c1"),
        new_claim("refund", ClaimType::Refund, received),
        first,
    )
    .await;
    assert!(told(&store, &claim.id, ClaimAlert::Overdue).await);
    let told = ClaimFilter {
        without_overdue_alert: true,
        limit: 10,
        ..ClaimFilter::default()
    };
    assert!(
        store.claims(told.clone()).await.unwrap().is_empty(),
        "told overdue: left out"
    );
    assert!(
        !store.reschedule_claim(&claim.id, first).await.unwrap(),
        "unchanged"
    );
    let moved = due(date!(2026 - 12 - 05), date!(2026 - 12 - 08));
    assert!(store.reschedule_claim(&claim.id, moved).await.unwrap());
    let stored = store.claim(&claim.id).await.unwrap().unwrap();
    assert_eq!(stored.deadline, moved);
    assert_eq!(
        (stored.received_at, stored.channel),
        (received, ClaimChannel::Chat)
    );
    assert_eq!(
        store.claims(told).await.unwrap().len(),
        1,
        "to be told anew"
    );
    let operators = all_events(
        &store,
        &EventScope::Departments(vec![department("marketplace")]),
        100,
    )
    .await;
    assert!(
        operators
            .iter()
            .any(|e| e.kind == EventKind::ClaimUpdated && e.data["due_date"] == "2026-12-08")
    );
}
