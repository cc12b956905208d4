//! The one table of statutory clocks: for each type of claim, how long the
//! company has to answer, whether and how the period may be extended, and
//! the penalty for being late — each row with its legal basis. The facts are
//! from ../shared/LEGAL.md (collected 2026-11-25); docs/claims.md repeats the
//! table with its sources. Not legal advice: have counsel check each row.

use serde::{Deserialize, Serialize};

/// What a claim demands; decides its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClaimType {
    /// Money back for goods (ЗоЗПП art. 22; distance sale art. 26.1 p.4).
    Refund,
    /// A lower price for defective goods (art. 22).
    PriceReduction,
    /// Defective goods replaced (art. 21).
    Replacement,
    /// A defect repaired (art. 20).
    Repair,
    /// A defective or late service: price reduction, refund (art. 31 p.1).
    ServiceDefect,
    /// Damages caused by a defect or by wrong information (art. 22).
    Damages,
    /// A complaint to a bank or other financial organisation (442-FZ).
    BankComplaint,
    /// A data subject's request about their personal data (152-FZ).
    PersonalData,
    /// A disputed (unauthorised) money transfer (161-FZ art. 9).
    DisputedTransfer,
    /// A request forwarded by a regulator (59-FZ).
    RegulatorRequest,
}

impl ClaimType {
    pub const ALL: [ClaimType; 10] = [
        ClaimType::Refund,
        ClaimType::PriceReduction,
        ClaimType::Replacement,
        ClaimType::Repair,
        ClaimType::ServiceDefect,
        ClaimType::Damages,
        ClaimType::BankComplaint,
        ClaimType::PersonalData,
        ClaimType::DisputedTransfer,
        ClaimType::RegulatorRequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimType::Refund => "refund",
            ClaimType::PriceReduction => "price_reduction",
            ClaimType::Replacement => "replacement",
            ClaimType::Repair => "repair",
            ClaimType::ServiceDefect => "service_defect",
            ClaimType::Damages => "damages",
            ClaimType::BankComplaint => "bank_complaint",
            ClaimType::PersonalData => "personal_data",
            ClaimType::DisputedTransfer => "disputed_transfer",
            ClaimType::RegulatorRequest => "regulator_request",
        }
    }

    pub fn parse(raw: &str) -> Option<ClaimType> {
        ClaimType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// This type's row of [`RULES`].
    pub fn rule(self) -> &'static ClaimRule {
        match self {
            ClaimType::Refund => &RULES[0],
            ClaimType::PriceReduction => &RULES[1],
            ClaimType::Replacement => &RULES[2],
            ClaimType::Repair => &RULES[3],
            ClaimType::ServiceDefect => &RULES[4],
            ClaimType::Damages => &RULES[5],
            ClaimType::BankComplaint => &RULES[6],
            ClaimType::PersonalData => &RULES[7],
            ClaimType::DisputedTransfer => &RULES[8],
            ClaimType::RegulatorRequest => &RULES[9],
        }
    }
}

/// How a statute counts its days. "N дней" without «рабочих» means calendar
/// days (civil code ch. 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    /// Every day counts; an end on a non-working day moves to the next
    /// working day (civil code art. 193).
    Calendar,
    /// Only working days of the production calendar count.
    Working,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    pub days: u32,
    pub count: DayCount,
}

/// A longer period the law allows, decided (and told to the customer) while
/// the original one runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionRule {
    /// Days added to the original period, counted as it counts.
    pub extra_days: u32,
    /// When the law allows it, in a phrase.
    pub when: &'static str,
    pub basis: &'static str,
}

/// A penalty accruing per day of delay after the legal end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PenaltyRule {
    /// Of the price, per day, in hundredths of a percent (1 % = 100).
    pub basis_points_per_day: u32,
    /// The penalty cannot exceed the price.
    pub capped_at_price: bool,
    pub basis: &'static str,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimRule {
    #[serde(rename = "type")]
    pub claim_type: ClaimType,
    pub period: Period,
    /// Instead of `period` for a cross-border transfer (161-FZ: 60 days).
    pub cross_border_period: Option<Period>,
    pub extension: Option<ExtensionRule>,
    pub penalty: Option<PenaltyRule>,
    /// The article the period comes from, as shown with the claim.
    pub legal_basis: &'static str,
}

const fn calendar(days: u32) -> Period {
    Period {
        days,
        count: DayCount::Calendar,
    }
}

const fn working(days: u32) -> Period {
    Period {
        days,
        count: DayCount::Working,
    }
}

/// ЗоЗПП art. 23 p.1: 1 % of the price per day for missing the deadlines of
/// arts. 20, 21 and 22.
const ART_23: Option<PenaltyRule> = Some(PenaltyRule {
    basis_points_per_day: 100,
    capped_at_price: false,
    basis: "ЗоЗПП ст. 23 п. 1",
});

/// The table, in the order of [`ClaimType::ALL`] (a test checks it).
pub const RULES: [ClaimRule; 10] = [
    ClaimRule {
        claim_type: ClaimType::Refund,
        period: calendar(10),
        cross_border_period: None,
        extension: None,
        penalty: ART_23,
        legal_basis: "ЗоЗПП ст. 22; ст. 26.1 п. 4 (дистанционная продажа)",
    },
    ClaimRule {
        claim_type: ClaimType::PriceReduction,
        period: calendar(10),
        cross_border_period: None,
        extension: None,
        penalty: ART_23,
        legal_basis: "ЗоЗПП ст. 22",
    },
    ClaimRule {
        claim_type: ClaimType::Replacement,
        period: calendar(7),
        cross_border_period: None,
        // Art. 21 p.1: 20 days from the claim when the seller needs an
        // additional quality check. (The 1-month term when no goods are in
        // stock is not modelled: it needs a fact the claim does not carry.)
        extension: Some(ExtensionRule {
            extra_days: 13,
            when: "продавцу нужна дополнительная проверка качества: 20 дней со дня предъявления",
            basis: "ЗоЗПП ст. 21 п. 1",
        }),
        penalty: ART_23,
        legal_basis: "ЗоЗПП ст. 21 п. 1",
    },
    ClaimRule {
        claim_type: ClaimType::Repair,
        // Art. 20 p.1: "незамедлительно"; 45 days is the most a written
        // agreement may set, so it is the latest legal end.
        period: calendar(45),
        cross_border_period: None,
        extension: None,
        penalty: ART_23,
        legal_basis: "ЗоЗПП ст. 20 п. 1 (не более 45 дней)",
    },
    ClaimRule {
        claim_type: ClaimType::ServiceDefect,
        period: calendar(10),
        cross_border_period: None,
        extension: None,
        // Art. 23 covers goods only; for services art. 31 p.3 refers to
        // art. 28 p.5: 3 % per day, at most the price (LEGAL.md: from
        // memory, to be confirmed by counsel).
        penalty: Some(PenaltyRule {
            basis_points_per_day: 300,
            capped_at_price: true,
            basis: "ЗоЗПП ст. 31 п. 3, ст. 28 п. 5",
        }),
        legal_basis: "ЗоЗПП ст. 31 п. 1",
    },
    ClaimRule {
        claim_type: ClaimType::Damages,
        period: calendar(10),
        cross_border_period: None,
        extension: None,
        penalty: ART_23,
        legal_basis: "ЗоЗПП ст. 22",
    },
    ClaimRule {
        claim_type: ClaimType::BankComplaint,
        period: working(15),
        cross_border_period: None,
        extension: Some(ExtensionRule {
            extra_days: 10,
            when: "нужны дополнительные документы; уведомление клиенту в первые 15 рабочих дней",
            basis: "442-ФЗ (единый порядок рассмотрения жалоб)",
        }),
        penalty: None,
        legal_basis: "442-ФЗ: 15 рабочих дней со дня регистрации",
    },
    ClaimRule {
        claim_type: ClaimType::PersonalData,
        period: working(10),
        cross_border_period: None,
        extension: Some(ExtensionRule {
            extra_days: 5,
            when: "мотивированное уведомление субъекту до истечения 10 рабочих дней",
            basis: "152-ФЗ ст. 14 ч. 3, ст. 20 ч. 1–2",
        }),
        penalty: None,
        legal_basis: "152-ФЗ ст. 14 ч. 3, ст. 20 ч. 1–2",
    },
    ClaimRule {
        claim_type: ClaimType::DisputedTransfer,
        period: calendar(30),
        // Not an extension: the cross-border period applies from the start.
        cross_border_period: Some(calendar(60)),
        extension: None,
        penalty: None,
        legal_basis: "161-ФЗ ст. 9: 30 дней, 60 дней при трансграничном переводе",
    },
    ClaimRule {
        claim_type: ClaimType::RegulatorRequest,
        period: calendar(30),
        cross_border_period: None,
        extension: Some(ExtensionRule {
            extra_days: 30,
            when: "с уведомлением заявителя о продлении",
            basis: "59-ФЗ ст. 12 ч. 2",
        }),
        penalty: None,
        legal_basis: "59-ФЗ ст. 12: 30 дней со дня регистрации",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_its_own_row() {
        for claim_type in ClaimType::ALL {
            assert_eq!(claim_type.rule().claim_type, claim_type);
            assert_eq!(ClaimType::parse(claim_type.as_str()), Some(claim_type));
            assert!(!claim_type.rule().legal_basis.is_empty());
        }
        assert_eq!(ClaimType::parse("complaint"), None);
    }

    /// The rows as LEGAL.md states them.
    #[test]
    fn the_table_says_what_the_reference_says() {
        let row = |t: ClaimType| t.rule();
        assert_eq!(row(ClaimType::Refund).period, calendar(10));
        assert_eq!(row(ClaimType::Replacement).period, calendar(7));
        assert_eq!(
            row(ClaimType::Replacement)
                .extension
                .map(|e| e.extra_days + 7),
            Some(20)
        );
        assert_eq!(row(ClaimType::Repair).period, calendar(45));
        assert_eq!(row(ClaimType::BankComplaint).period, working(15));
        assert_eq!(
            row(ClaimType::BankComplaint)
                .extension
                .map(|e| e.extra_days),
            Some(10)
        );
        assert_eq!(row(ClaimType::PersonalData).period, working(10));
        assert_eq!(
            row(ClaimType::PersonalData).extension.map(|e| e.extra_days),
            Some(5)
        );
        assert_eq!(
            row(ClaimType::DisputedTransfer).cross_border_period,
            Some(calendar(60))
        );
        assert_eq!(
            row(ClaimType::RegulatorRequest)
                .extension
                .map(|e| e.extra_days),
            Some(30)
        );
        for goods in [
            ClaimType::Refund,
            ClaimType::PriceReduction,
            ClaimType::Replacement,
            ClaimType::Repair,
            ClaimType::Damages,
        ] {
            assert_eq!(
                row(goods).penalty.map(|p| p.basis_points_per_day),
                Some(100)
            );
        }
        assert!(row(ClaimType::BankComplaint).penalty.is_none());
    }
}
