//! Which conversations jump the queue: a configurable rule set over the
//! department, the topic, the customer's tier (a claim in their identity
//! token) and words in the first message. The highest matching priority wins.

use crate::conversation::Subject;
use crate::routing::Priority;
use crate::values::DepartmentId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorityRules {
    /// Base priority of a department's conversations (`bank = "high"`).
    pub departments: BTreeMap<String, Priority>,
    /// Priority by topic id (`fraud = "urgent"`).
    pub topics: BTreeMap<String, Priority>,
    /// Priority by the token's `tier` claim (`vip = "high"`).
    pub tiers: BTreeMap<String, Priority>,
    /// Words in the first message; each matches a word that starts with it
    /// (case-insensitive, `ё` = `е`), so «взлом» matches «взломали».
    pub words: Vec<WordRule>,
}

/// The longest customer tier a token may carry.
pub const MAX_TIER_CHARS: usize = 32;

/// Whether `tier` is a well-formed customer tier: a lower-case slug
/// (`a-z`, `0-9`, `-`, `_`) of 1–[`MAX_TIER_CHARS`] characters, so that a
/// token's claim and a key of `tiers` compare exactly.
pub fn is_valid_tier(tier: &str) -> bool {
    !tier.is_empty()
        && tier.len() <= MAX_TIER_CHARS
        && tier
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordRule {
    /// All of these word stems must occur.
    pub all_of: Vec<String>,
    pub priority: Priority,
}

impl Default for PriorityRules {
    /// Account takeover reports are urgent.
    fn default() -> Self {
        let urgent = |words: &[&str]| WordRule {
            all_of: words.iter().map(|w| (*w).to_owned()).collect(),
            priority: Priority::Urgent,
        };
        PriorityRules {
            departments: BTreeMap::new(),
            topics: BTreeMap::from([
                ("fraud".to_owned(), Priority::High),
                // The topic of the «мой аккаунт взломали» report.
                ("account_takeover".to_owned(), Priority::Urgent),
            ]),
            tiers: BTreeMap::new(),
            words: vec![
                urgent(&["взлом"]),
                urgent(&["угнали", "аккаунт"]),
                urgent(&["украли", "аккаунт"]),
                urgent(&["не", "я", "вход"]),
                urgent(&["списали", "не", "я"]),
                urgent(&["hacked"]),
            ],
        }
    }
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('ё', "е")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl PriorityRules {
    pub fn priority_of(
        &self,
        department: &DepartmentId,
        subject: &Subject,
        tier: Option<&str>,
        text: &str,
    ) -> Priority {
        // The department sets the base (it may lower it); the rest only raise.
        let mut priority = self
            .departments
            .get(department.as_str())
            .copied()
            .unwrap_or_default();
        let mut raise = |p: Option<&Priority>| {
            if let Some(p) = p {
                priority = priority.max(*p);
            }
        };
        if let Subject::Topic { topic } = subject {
            raise(self.topics.get(topic.as_str()));
        }
        if let Some(tier) = tier {
            raise(self.tiers.get(tier));
        }
        if !self.words.is_empty() {
            let words = words(text);
            for rule in &self.words {
                let matches = rule.all_of.iter().all(|stem| {
                    let stem = stem.to_lowercase().replace('ё', "е");
                    words.iter().any(|w| w.starts_with(&stem))
                });
                if matches {
                    raise(Some(&rule.priority));
                }
            }
        }
        priority
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::TopicId;

    #[test]
    fn account_takeover_is_urgent_and_rules_take_the_highest() {
        let rules = PriorityRules::default();
        let bank = DepartmentId::from_static("bank");
        let general = Subject::General;
        assert_eq!(
            rules.priority_of(&bank, &general, None, "Помогите, мой аккаунт ВЗЛОМАЛИ!"),
            Priority::Urgent
        );
        assert_eq!(
            rules.priority_of(&bank, &general, None, "Кто-то вошёл, это не я входил"),
            Priority::Urgent
        );
        assert_eq!(
            rules.priority_of(&bank, &general, None, "Как поменять пин-код?"),
            Priority::Normal
        );
        let fraud = Subject::Topic {
            topic: TopicId::from_static("fraud"),
        };
        assert_eq!(
            rules.priority_of(&bank, &fraud, None, "вопрос"),
            Priority::High
        );
        let mut custom = PriorityRules::default();
        custom.tiers.insert("vip".into(), Priority::High);
        custom.departments.insert("bank".into(), Priority::Low);
        assert_eq!(
            custom.priority_of(&bank, &general, Some("vip"), "вопрос"),
            Priority::High
        );
        assert_eq!(
            custom.priority_of(&bank, &general, None, "вопрос"),
            Priority::Low
        );
    }

    #[test]
    fn tiers_are_short_lower_case_slugs() {
        for good in ["vip", "gold_plus-2", &"a".repeat(MAX_TIER_CHARS)] {
            assert!(is_valid_tier(good), "{good}");
        }
        for bad in ["", "VIP", "v i p", "вип", &"a".repeat(MAX_TIER_CHARS + 1)] {
            assert!(!is_valid_tier(bad), "{bad}");
        }
    }
}
