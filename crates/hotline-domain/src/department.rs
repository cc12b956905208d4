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
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_departments_are_valid_and_distinct() {
        let all = Department::defaults();
        let ids: Vec<_> = all.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["marketplace", "travel", "bank"]);
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
}
