use crate::error::DomainError;
use crate::principal::CustomerIdentity;
use crate::values::{DepartmentId, TopicId};
use serde::{Deserialize, Serialize};

/// A service under the company's roof (marketplace, travel, bank, …) with its
/// own queue, topics and operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub topics: Vec<Topic>,
    /// Whether the answer bot greets new conversations; without a bot a
    /// conversation starts in the human queue.
    #[serde(default)]
    pub bot: bool,
    /// The channels its customers may reach it through; unset, every
    /// channel but the foreign messengers where 41-FZ applies (see
    /// [`crate::channel::channel_allowed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<crate::channel::Channel>>,
    /// Whom it serves: the platform's buyers (the default) or its sellers.
    #[serde(default, skip_serializing_if = "Audience::is_buyers")]
    pub audience: Audience,
}

/// Buyers and sellers of a marketplace are supported apart: a seller's
/// payouts and listings are not a buyer's order, and neither side sees the
/// other's queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    #[default]
    Buyers,
    Sellers,
}

impl Audience {
    pub fn is_buyers(&self) -> bool {
        *self == Audience::Buyers
    }

    pub fn of(customer: &CustomerIdentity) -> Audience {
        if customer.is_seller() {
            Audience::Sellers
        } else {
            Audience::Buyers
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Buyers => "buyers",
            Audience::Sellers => "sellers",
        }
    }

    pub fn parse(raw: &str) -> Option<Audience> {
        [Audience::Buyers, Audience::Sellers]
            .into_iter()
            .find(|a| a.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topic {
    pub id: TopicId,
    pub name: String,
}

impl Department {
    pub fn has_topic(&self, topic: &TopicId) -> bool {
        self.topics.iter().any(|t| &t.id == topic)
    }

    /// Whether `customer` may open conversations here: sellers only in the
    /// sellers' departments, buyers only in the others.
    pub fn admits(&self, customer: &CustomerIdentity) -> Result<(), DomainError> {
        let caller = Audience::of(customer);
        if caller == self.audience {
            return Ok(());
        }
        Err(DomainError::WrongAudience {
            department: self.id.as_str().to_owned(),
            serves: self.audience.as_str(),
            caller: match caller {
                Audience::Buyers => "buyer",
                Audience::Sellers => "seller",
            },
        })
    }

    /// The departments a fresh installation starts with.
    pub fn defaults() -> Vec<Department> {
        fn dept(id: &'static str, name: &str, topics: &[(&'static str, &str)]) -> Department {
            Department {
                id: DepartmentId::from_static(id),
                name: name.to_owned(),
                topics: topics
                    .iter()
                    .map(|(id, name)| Topic {
                        id: TopicId::from_static(id),
                        name: (*name).to_owned(),
                    })
                    .collect(),
                bot: false,
                channels: None,
                audience: Audience::Buyers,
            }
        }
        vec![
            dept(
                "marketplace",
                "Маркетплейс",
                &[
                    ("delivery", "Доставка"),
                    ("payment", "Оплата"),
                    ("returns", "Возврат и отмена"),
                    ("account", "Аккаунт"),
                ],
            ),
            dept(
                "travel",
                "Билеты и отели",
                &[
                    ("miles", "Мили"),
                    ("baggage", "Багаж"),
                    ("booking", "Бронирование"),
                    ("refund", "Возврат билетов"),
                    ("hotels", "Отели"),
                ],
            ),
            dept(
                "bank",
                "Банк",
                &[
                    ("cards", "Карты"),
                    ("transfers", "Переводы"),
                    ("accounts", "Счета и вклады"),
                    ("fraud", "Мошенничество"),
                ],
            ),
            Department {
                audience: Audience::Sellers,
                ..dept(
                    "sellers",
                    "Продавцам",
                    &[
                        ("payouts", "Выплаты"),
                        ("listings", "Карточки товаров"),
                        ("logistics", "Поставки и логистика"),
                    ],
                )
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::principal::Principal;

    #[test]
    fn default_departments_are_valid_and_distinct() {
        let all = Department::defaults();
        let ids: Vec<_> = all.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["marketplace", "travel", "bank", "sellers"]);
        for d in &all {
            assert!(DepartmentId::parse(d.id.as_str().to_owned()).is_ok());
            for t in &d.topics {
                assert!(TopicId::parse(t.id.as_str().to_owned()).is_ok());
            }
        }
        let travel = &all[1];
        assert!(travel.has_topic(&TopicId::from_static("miles")));
        assert!(!travel.has_topic(&TopicId::from_static("cards")));
    }

    #[test]
    fn buyers_and_sellers_are_never_mixed() {
        let all = Department::defaults();
        let (marketplace, sellers) = (&all[0], &all[3]);
        let Principal::Customer(mut buyer) = crate::fixtures::customer() else {
            unreachable!()
        };
        let mut seller = buyer.clone();
        seller.id = CustomerIdentity::seller_id(buyer.id.as_str());
        assert!(seller.is_seller() && !buyer.is_seller());
        assert_eq!(marketplace.admits(&buyer), Ok(()));
        assert_eq!(sellers.admits(&seller), Ok(()));
        let refused = sellers.admits(&buyer).unwrap_err();
        assert_eq!(refused.code(), crate::ErrorCode::WrongAudience);
        assert!(refused.to_string().contains("serves sellers"), "{refused}");
        assert!(marketplace.admits(&seller).is_err());
        buyer.id = CustomerIdentity::seller_id("42");
        assert!(buyer.is_seller());
    }

    #[test]
    fn the_audience_defaults_to_buyers_in_configuration() {
        let parsed: Department =
            serde_json::from_str(r#"{"id": "b2b", "name": "B2B", "topics": []}"#).unwrap();
        assert_eq!(parsed.audience, Audience::Buyers);
        let sellers: Department = serde_json::from_str(
            r#"{"id": "s", "name": "S", "topics": [], "audience": "sellers"}"#,
        )
        .unwrap();
        assert_eq!(sellers.audience, Audience::Sellers);
    }
}
