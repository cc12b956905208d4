use super::*;
use crate::message::AuthorKind;
use proptest::prelude::*;
use time::macros::{date, datetime};

fn claim(claim_type: ClaimType, received_at: Timestamp, amount: Option<&str>) -> Claim {
    let calendar = WorkingCalendar::default();
    let received_on = legal_date(received_at, MOSCOW);
    Claim {
        id: ClaimId::from_raw("cl1"),
        number: ClaimNumber {
            year: 2026,
            seq: 123,
        },
        claim_type,
        status: ClaimStatus::Filed,
        conversation_id: ConversationId::from_raw("c1"),
        department: DepartmentId::from_static("marketplace"),
        customer_id: CustomerId::from_raw("42"),
        order_id: None,
        amount: amount.map(|a| Money::parse(a, "RUB").unwrap()),
        demand: "вернуть деньги".into(),
        text: "Товар с браком".into(),
        cross_border: false,
        channel: ClaimChannel::Chat,
        received_at,
        filed_by: Author {
            kind: AuthorKind::Customer,
            id: Some("42".into()),
            name: "Иван".into(),
        },
        deadline: deadline(claim_type.rule().period, received_on, &calendar),
        extension: None,
        answer: None,
        created_at: received_at,
    }
}

fn operator() -> Author {
    Author {
        kind: AuthorKind::Operator,
        id: Some("o1".into()),
        name: "Анна".into(),
    }
}

#[test]
fn the_numbers_read_as_people_write_them() {
    assert_eq!(
        ClaimNumber {
            year: 2026,
            seq: 123
        }
        .to_string(),
        "П-2026-000123"
    );
    assert_eq!(
        ClaimNumber {
            year: 2027,
            seq: 1_234_567
        }
        .to_string(),
        "П-2027-1234567"
    );
}

/// LEGAL.md §3.3, the two known vectors.
#[test]
fn known_vectors() {
    let calendar = WorkingCalendar::default();
    let bank = deadline(working(15), date!(2026 - 12 - 25), &calendar);
    assert_eq!(bank.due_date, date!(2027 - 01 - 26));
    assert_eq!(bank.raw_due_date, bank.due_date);
    assert!(!bank.provisional, "2027 is official data");

    let refund = deadline(
        ClaimType::Refund.rule().period,
        date!(2026 - 11 - 25),
        &calendar,
    );
    assert_eq!(refund.raw_due_date, date!(2026 - 12 - 05), "a Saturday");
    assert_eq!(refund.due_date, date!(2026 - 12 - 07), "moved to Monday");
    assert!(!refund.provisional);
}

fn working(days: u32) -> Period {
    Period {
        days,
        count: DayCount::Working,
    }
}

#[test]
fn the_receipt_date_is_taken_in_the_legal_time_zone() {
    // 22:30 UTC on the 24th is already the 25th in Moscow.
    let late_evening = claim(ClaimType::Refund, datetime!(2026-11-24 22:30 UTC), None);
    assert_eq!(late_evening.deadline.raw_due_date, date!(2026 - 12 - 05));
    let earlier = claim(ClaimType::Refund, datetime!(2026-11-24 20:30 UTC), None);
    assert_eq!(earlier.deadline.raw_due_date, date!(2026 - 12 - 04));
}

#[test]
fn a_period_past_the_official_data_is_provisional() {
    let calendar = WorkingCalendar::default();
    let late = deadline(
        ClaimType::DisputedTransfer.rule().period,
        date!(2027 - 12 - 20),
        &calendar,
    );
    assert!(late.provisional, "{late:?}");
    // Marking the day in the override table makes it known.
    let decreed = WorkingCalendar::new([(late.due_date, true)]);
    assert!(
        !deadline(
            ClaimType::DisputedTransfer.rule().period,
            date!(2027 - 12 - 20),
            &decreed
        )
        .provisional
    );
}

#[test]
fn cross_border_applies_only_to_transfers() {
    let transfer = ClaimType::DisputedTransfer.rule();
    assert_eq!(transfer.period_for(true).unwrap().days, 60);
    assert_eq!(transfer.period_for(false).unwrap().days, 30);
    assert!(ClaimType::Refund.rule().period_for(true).is_err());
}

#[test]
fn an_extension_is_allowed_once_inside_the_period_where_the_law_allows_it() {
    let calendar = WorkingCalendar::default();
    let received = datetime!(2026-12-25 09:00 UTC);
    let mut complaint = claim(ClaimType::BankComplaint, received, None);
    let extended_period = complaint.rule().extended_period(false).unwrap();
    let extended = deadline(extended_period, date!(2026 - 12 - 25), &calendar);
    // 25 working days; equal to 10 more after the first 15.
    assert_eq!(
        extended.due_date,
        calendar.add_working_days(date!(2027 - 01 - 26), 10)
    );
    let notice = |previous_due_date| ClaimExtension {
        reason: "нужны документы".into(),
        author: operator(),
        extended_at: received,
        previous_due_date,
    };
    // Too late: the first 15 working days are over.
    let mut late = complaint.clone();
    assert!(matches!(
        late.extend(
            notice(date!(2027 - 01 - 26)),
            extended,
            date!(2027 - 01 - 27)
        ),
        Err(DomainError::ExtensionTooLate { .. })
    ));
    complaint
        .extend(
            notice(date!(2027 - 01 - 26)),
            extended,
            date!(2027 - 01 - 26),
        )
        .unwrap();
    assert_eq!(complaint.status, ClaimStatus::Extended);
    assert_eq!(complaint.deadline, extended);
    assert!(complaint.extension_notice().contains("П-2026-000123"));
    assert!(matches!(
        complaint.extend(notice(extended.due_date), extended, date!(2027 - 01 - 27)),
        Err(DomainError::InvalidTransition { .. })
    ));
    // A refund has no extension at all.
    let mut refund = claim(ClaimType::Refund, received, None);
    assert!(matches!(
        refund.extend(
            notice(refund.deadline.due_date),
            extended,
            date!(2026 - 12 - 26)
        ),
        Err(DomainError::ExtensionNotAllowed { .. })
    ));
}

#[test]
fn an_answered_claim_cannot_be_answered_again() {
    let mut refund = claim(ClaimType::Refund, datetime!(2026-11-25 09:00 UTC), None);
    let answer = ClaimAnswer {
        text: "Деньги возвращены".into(),
        author: operator(),
        answered_at: datetime!(2026-11-26 09:00 UTC),
        message_id: crate::ids::MessageId::from_raw("m1"),
    };
    refund.answer(answer.clone()).unwrap();
    assert_eq!(refund.status, ClaimStatus::Answered);
    assert!(refund.answer(answer).is_err());
    assert_eq!(
        refund.alert(date!(2026 - 12 - 20), 2, &WorkingCalendar::default()),
        None
    );
}

#[test]
fn alerts_warn_before_the_legal_end_and_after_it() {
    let calendar = WorkingCalendar::default();
    // Legal end Monday 2026-12-07.
    let refund = claim(ClaimType::Refund, datetime!(2026-11-25 09:00 UTC), None);
    assert_eq!(refund.alert(date!(2026 - 12 - 02), 2, &calendar), None);
    // Thursday: Friday and Monday left.
    assert_eq!(
        refund.alert(date!(2026 - 12 - 03), 2, &calendar),
        Some(ClaimAlert::DueSoon)
    );
    assert_eq!(
        refund.alert(date!(2026 - 12 - 07), 2, &calendar),
        Some(ClaimAlert::DueSoon)
    );
    assert_eq!(
        refund.alert(date!(2026 - 12 - 08), 2, &calendar),
        Some(ClaimAlert::Overdue)
    );
}

#[test]
fn the_penalty_accrues_per_day_after_the_legal_end() {
    let refund = claim(
        ClaimType::Refund,
        datetime!(2026-11-25 09:00 UTC),
        Some("1299.00"),
    );
    let on = |d| refund.penalty(d, MOSCOW).map(|m| m.to_string());
    assert_eq!(
        on(date!(2026 - 12 - 07)),
        Some("0.00".into()),
        "not late yet"
    );
    assert_eq!(on(date!(2026 - 12 - 08)), Some("12.99".into()));
    assert_eq!(on(date!(2026 - 12 - 17)), Some("129.90".into()));
    // Answered late on the 10th: the penalty stops there.
    let mut answered = refund.clone();
    answered
        .answer(ClaimAnswer {
            text: "Возвращаем".into(),
            author: operator(),
            answered_at: datetime!(2026-12-10 10:00 UTC),
            message_id: crate::ids::MessageId::from_raw("m1"),
        })
        .unwrap();
    assert_eq!(
        answered
            .penalty(date!(2026 - 12 - 30), MOSCOW)
            .map(|m| m.to_string()),
        Some("38.97".into())
    );
    // Services: 3 % a day, never more than the price.
    let service = claim(
        ClaimType::ServiceDefect,
        datetime!(2026-11-25 09:00 UTC),
        Some("100.00"),
    );
    assert_eq!(
        service
            .penalty(date!(2027 - 06 - 01), MOSCOW)
            .map(|m| m.to_string()),
        Some("100.00".into())
    );
    // No penalty in the law, or nothing to count it on.
    let bank = claim(
        ClaimType::BankComplaint,
        datetime!(2026-11-25 09:00 UTC),
        Some("100.00"),
    );
    assert_eq!(bank.penalty(date!(2027 - 06 - 01), MOSCOW), None);
    let no_amount = claim(ClaimType::Refund, datetime!(2026-11-25 09:00 UTC), None);
    assert_eq!(no_amount.penalty(date!(2027 - 06 - 01), MOSCOW), None);
}

#[test]
fn the_acknowledgement_names_the_number_and_the_legal_end() {
    let refund = claim(ClaimType::Refund, datetime!(2026-11-25 09:00 UTC), None);
    let text = refund.acknowledgement(MOSCOW);
    assert!(text.contains("П-2026-000123"), "{text}");
    assert!(text.contains("07.12.2026"), "{text}");
    assert!(text.contains("25.11.2026"), "{text}");
}

fn any_date() -> impl Strategy<Value = Date> {
    // 2024 … 2029: official years and predicted ones.
    (0i64..6 * 366).prop_map(|offset| date!(2024 - 01 - 01) + Duration::days(offset))
}

fn any_period() -> impl Strategy<Value = Period> {
    (1u32..=60, any::<bool>()).prop_map(|(days, working)| Period {
        days,
        count: if working {
            DayCount::Working
        } else {
            DayCount::Calendar
        },
    })
}

fn any_overrides() -> impl Strategy<Value = Vec<(Date, bool)>> {
    proptest::collection::vec((any_date(), any::<bool>()), 0..20)
}

proptest! {
    #[test]
    fn the_legal_end_is_a_working_day_never_before_the_raw_end(
        received in any_date(),
        period in any_period(),
        overrides in any_overrides(),
    ) {
        let calendar = WorkingCalendar::new(overrides);
        let d = deadline(period, received, &calendar);
        prop_assert!(calendar.is_working_day(d.due_date));
        prop_assert!(d.raw_due_date <= d.due_date);
        prop_assert!(d.raw_due_date > received);
        if period.count == DayCount::Calendar {
            prop_assert_eq!((d.raw_due_date - received).whole_days(), i64::from(period.days));
        } else {
            prop_assert_eq!(calendar.working_days_between(received, d.due_date), period.days);
        }
    }

    #[test]
    fn a_later_receipt_never_ends_earlier(
        received in any_date(),
        later_by in 0i64..40,
        period in any_period(),
        overrides in any_overrides(),
    ) {
        let calendar = WorkingCalendar::new(overrides);
        let later = received + Duration::days(later_by);
        let first = deadline(period, received, &calendar);
        let second = deadline(period, later, &calendar);
        prop_assert!(first.due_date <= second.due_date);
        prop_assert!(first.raw_due_date <= second.raw_due_date);
    }

    #[test]
    fn amounts_round_trip_through_their_string(kopecks in 0i64..=100_000_000_000_000) {
        let money = Money::from_kopecks(kopecks).unwrap();
        prop_assert_eq!(Money::parse(&money.to_string(), "RUB").unwrap(), money);
    }
}

#[test]
fn every_type_has_an_answer_template_naming_the_claim() {
    for claim_type in ClaimType::ALL {
        let claim = claim(claim_type, datetime!(2026-11-25 09:00 UTC), Some("1299.00"));
        let template = claim.answer_template(MOSCOW);
        assert!(
            template.starts_with("Ответ на претензию № П-2026-000123 от 25.11.2026."),
            "{template}"
        );
        assert!(template.contains("вернуть деньги"), "{template}");
        assert!(template.contains('…'), "a decision to fill in: {template}");
    }
    let refund = claim(
        ClaimType::Refund,
        datetime!(2026-11-25 09:00 UTC),
        Some("1299.00"),
    );
    assert!(refund.answer_template(MOSCOW).contains("1299.00 ₽"));
    assert!(refund.answer_template(MOSCOW).contains("Роспотребнадзор"));
}
