//! Money as a decimal string with its currency; never a float.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in roubles, held in kopecks. Travels as
/// `{"value": "1299.00", "currency": "RUB"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money {
    kopecks: i64,
}

/// The only currency claims are made in: Russian consumer law's.
pub const CURRENCY: &str = "RUB";

/// Above any consumer claim (a trillion roubles), so sums cannot overflow.
const MAX_KOPECKS: i64 = 100_000_000_000_000;

impl Money {
    pub fn from_kopecks(kopecks: i64) -> Result<Money, DomainError> {
        if !(0..=MAX_KOPECKS).contains(&kopecks) {
            return Err(DomainError::InvalidAmount("out of range"));
        }
        Ok(Money { kopecks })
    }

    pub fn kopecks(self) -> i64 {
        self.kopecks
    }

    /// `"1299"`, `"1299.5"` or `"1299.00"` in `currency` (only `RUB`).
    pub fn parse(value: &str, currency: &str) -> Result<Money, DomainError> {
        if currency != CURRENCY {
            return Err(DomainError::InvalidAmount("the currency must be RUB"));
        }
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || whole.len() > 13 || !digits(whole) {
            return Err(DomainError::InvalidAmount(
                "write the value as digits with an optional '.' and up to two decimals, e.g. \"1299.00\"",
            ));
        }
        if fraction.len() > 2 || !digits(fraction) || (value.contains('.') && fraction.is_empty()) {
            return Err(DomainError::InvalidAmount(
                "at most two decimals (kopecks), e.g. \"1299.50\"",
            ));
        }
        let parse = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| DomainError::InvalidAmount("out of range"))
        };
        let kopecks = match fraction.len() {
            0 => 0,
            1 => parse(fraction)? * 10,
            _ => parse(fraction)?,
        };
        Money::from_kopecks(parse(whole)? * 100 + kopecks)
    }

    /// `basis_points` hundredths of a percent of this amount per day, for
    /// `days`, rounded half up to the kopeck.
    pub fn percentage(self, basis_points: u32, days: u32) -> Money {
        let exact = i128::from(self.kopecks) * i128::from(basis_points) * i128::from(days);
        let rounded = (exact + 5_000) / 10_000;
        Money {
            kopecks: i64::try_from(rounded).unwrap_or(i64::MAX),
        }
    }

    pub fn min(self, other: Money) -> Money {
        if self.kopecks <= other.kopecks {
            self
        } else {
            other
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.kopecks / 100, self.kopecks % 100)
    }
}

/// The JSON form of [`Money`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Amount {
    /// A decimal string with up to two decimals: `"1299.00"`.
    pub value: String,
    /// `RUB`.
    pub currency: String,
}

impl From<Money> for Amount {
    fn from(money: Money) -> Amount {
        Amount {
            value: money.to_string(),
            currency: CURRENCY.to_owned(),
        }
    }
}

impl TryFrom<&Amount> for Money {
    type Error = DomainError;
    fn try_from(amount: &Amount) -> Result<Money, DomainError> {
        Money::parse(&amount.value, &amount.currency)
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Amount::from(*self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let amount = Amount::deserialize(deserializer)?;
        Money::try_from(&amount).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_round_trip_without_floats() {
        let m = Money::parse("1299.00", "RUB").unwrap();
        assert_eq!(m.kopecks(), 129_900);
        assert_eq!(m.to_string(), "1299.00");
        assert_eq!(Money::parse("0.5", "RUB").unwrap().to_string(), "0.50");
        assert_eq!(Money::parse("7", "RUB").unwrap().kopecks(), 700);
        assert_eq!(
            serde_json::to_value(m).unwrap(),
            serde_json::json!({"value": "1299.00", "currency": "RUB"})
        );
        for bad in [
            "",
            "-1",
            "1.",
            ".5",
            "1.234",
            "1,5",
            "1e3",
            "12 00",
            "99999999999999",
        ] {
            assert!(Money::parse(bad, "RUB").is_err(), "{bad:?}");
        }
        assert!(Money::parse("1.00", "USD").is_err());
    }

    #[test]
    fn percentages_round_to_the_kopeck() {
        let price = Money::parse("1299.00", "RUB").unwrap();
        assert_eq!(price.percentage(100, 1).to_string(), "12.99");
        assert_eq!(price.percentage(100, 3).to_string(), "38.97");
        let odd = Money::parse("0.50", "RUB").unwrap();
        // 1 % of 50 kopecks is half a kopeck: rounded up.
        assert_eq!(odd.percentage(100, 1).kopecks(), 1);
        assert_eq!(price.percentage(300, 100).min(price), price);
    }
}
