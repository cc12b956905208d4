//! Requests that are not customer support: a journalist, an investor or a
//! would-be partner writing into the support chat. They are recognised by
//! cues — words and short phrases — in Russian and English:
//!
//! - a *strong* cue names the request by itself («пресс-служба»,
//!   «акционер», «сотрудничество», "investor relations");
//! - a *weak* cue needs a second weak cue or a word aimed at the company
//!   («статья» + «газета»; «вложить» + «ваш бизнес»);
//! - a *customer* cue cancels its kind: the customer's own products and
//!   trips («брокерский счёт», «партнёр по поездке»), thanks
//!   («спасибо за сотрудничество»), and threats to go to the press
//!   («напишу в СМИ, если не вернёте»).
//!
//! Words are matched by the lemma-then-stem of [`crate::analysis::stem`], so
//! that «журналистом» meets «журналист»; Latin words by themselves, a plural
//! `s` dropped ("reporter" and "report" must stay apart). A Russian word the
//! dictionary does not know, within one typo of a one-word cue, counts as it
//! («жорналист»). Text typed on the wrong keyboard layout is switched first.
//!
//! Tuned on `crates/hotline-bench/data/contacts-dev.toml`; its held-out
//! twin measures it (docs/benchmarks.md).

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::analysis::{is_dictionary_word, normalize, stem, words};
use crate::layout;

/// Who the request is for, when it is not for support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactRequest {
    Press,
    Investors,
    Partners,
}

impl ContactRequest {
    pub const ALL: [ContactRequest; 3] = [Self::Press, Self::Investors, Self::Partners];

    /// The name used in configuration and data files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Press => "press",
            Self::Investors => "investors",
            Self::Partners => "partners",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// How much a cue says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    Strong,
    Weak,
    /// Aims a weak cue at the company («вашей компании», "your company").
    Company,
    /// The customer's own matter: the kind is off.
    Customer,
}

/// Words that follow each other, at most one word apart («стать вашим
/// партнёром»); written as a space-separated phrase, matched by the terms
/// of its words, or by the words as written after a `=` («напишу» is a
/// threat, «написать» is what a journalist does).
struct Cue {
    kind: Option<ContactRequest>,
    weight: Weight,
    phrase: &'static str,
}

const fn cue(kind: ContactRequest, weight: Weight, phrase: &'static str) -> Cue {
    Cue {
        kind: Some(kind),
        weight,
        phrase,
    }
}

use ContactRequest::{Investors, Partners, Press};
use Weight::{Company, Customer, Strong, Weak};

#[rustfmt::skip]
const CUES: &[Cue] = &[
    // The press.
    cue(Press, Strong, "журналист"), cue(Press, Strong, "журналистка"),
    cue(Press, Strong, "корреспондент"), cue(Press, Strong, "редакция"),
    cue(Press, Strong, "редактор"), cue(Press, Strong, "запрос сми"),
    cue(Press, Strong, "представитель сми"), cue(Press, Strong, "для сми"),
    cue(Press, Strong, "пресс служба"), cue(Press, Strong, "пресс релиз"),
    cue(Press, Strong, "пресс секретарь"), cue(Press, Strong, "пресс конференция"),
    cue(Press, Strong, "пресс центр"), cue(Press, Strong, "пресс офис"),
    cue(Press, Strong, "пиарщик"), cue(Press, Strong, "pr отдел"),
    cue(Press, Strong, "pr служба"), cue(Press, Strong, "аккредитация"),
    cue(Press, Strong, "телеканал"), cue(Press, Strong, "репортаж"),
    cue(Press, Strong, "интервью"),
    cue(Press, Weak, "газета"), cue(Press, Weak, "журнал"), cue(Press, Weak, "издание"),
    cue(Press, Weak, "статья"), cue(Press, Weak, "публикация"),
    cue(Press, Weak, "комментарий"), cue(Press, Weak, "спикер"), cue(Press, Weak, "эфир"),
    cue(Press, Weak, "сюжет"), cue(Press, Weak, "подкаст"), cue(Press, Weak, "радио"),
    cue(Press, Weak, "сми"), cue(Press, Weak, "блогер"), cue(Press, Weak, "pr"),
    cue(Press, Strong, "journalist"), cue(Press, Strong, "reporter"),
    cue(Press, Strong, "correspondent"), cue(Press, Strong, "editor"),
    cue(Press, Strong, "interview"), cue(Press, Strong, "press office"),
    cue(Press, Strong, "press release"), cue(Press, Strong, "press contact"),
    cue(Press, Strong, "press team"), cue(Press, Strong, "press inquiry"),
    cue(Press, Strong, "press enquiry"), cue(Press, Strong, "press kit"),
    cue(Press, Strong, "media inquiry"), cue(Press, Strong, "media enquiry"),
    cue(Press, Strong, "media request"), cue(Press, Strong, "media relations"),
    cue(Press, Strong, "pr team"),
    cue(Press, Weak, "article"), cue(Press, Weak, "story"), cue(Press, Weak, "quote"),
    cue(Press, Weak, "comment"), cue(Press, Weak, "podcast"), cue(Press, Weak, "newspaper"),
    cue(Press, Weak, "magazine"), cue(Press, Weak, "outlet"), cue(Press, Weak, "publication"),
    // A customer threatening to go to the press is still a customer.
    cue(Press, Customer, "=напишу"), cue(Press, Customer, "=пожалуюсь"),
    cue(Press, Customer, "=обращусь"), cue(Press, Customer, "=расскажу"),
    cue(Press, Customer, "если не"), cue(Press, Customer, "go to"),
    cue(Press, Customer, "if you don't"), cue(Press, Customer, "if you dont"),
    // Investors.
    cue(Investors, Strong, "инвестор"), cue(Investors, Strong, "акционер"),
    cue(Investors, Strong, "ir"), cue(Investors, Strong, "ipo"),
    cue(Investors, Strong, "венчурный"), cue(Investors, Strong, "годовой отчет"),
    cue(Investors, Strong, "раскрытие информации"),
    cue(Investors, Strong, "investor"), cue(Investors, Strong, "shareholder"),
    cue(Investors, Strong, "stockholder"), cue(Investors, Strong, "vc"),
    cue(Investors, Strong, "venture"), cue(Investors, Strong, "funding round"),
    cue(Investors, Strong, "annual report"), cue(Investors, Strong, "series a"),
    cue(Investors, Strong, "series b"), cue(Investors, Strong, "series c"),
    cue(Investors, Weak, "инвестиция"), cue(Investors, Weak, "инвестировать"),
    cue(Investors, Weak, "вложить"), cue(Investors, Weak, "вложение"),
    cue(Investors, Weak, "фонд"), cue(Investors, Weak, "облигация"),
    cue(Investors, Weak, "дивиденд"), cue(Investors, Weak, "отчетность"),
    cue(Investors, Weak, "капитализация"), cue(Investors, Weak, "стартап"),
    cue(Investors, Weak, "invest"), cue(Investors, Weak, "investment"),
    cue(Investors, Weak, "fund"), cue(Investors, Weak, "funding"),
    cue(Investors, Weak, "dividend"), cue(Investors, Weak, "bond"),
    cue(Investors, Customer, "брокерский"), cue(Investors, Customer, "счет"),
    cue(Investors, Customer, "иис"), cue(Investors, Customer, "вклад"),
    cue(Investors, Customer, "депозит"), cue(Investors, Customer, "страхование"),
    cue(Investors, Customer, "brokerage"), cue(Investors, Customer, "account"),
    cue(Investors, Customer, "deposit"),
    // Partners.
    cue(Partners, Strong, "сотрудничество"), cue(Partners, Strong, "партнерство"),
    cue(Partners, Strong, "коммерческий предложение"), cue(Partners, Strong, "стать партнер"),
    cue(Partners, Strong, "совместный проект"), cue(Partners, Strong, "разместить реклама"),
    cue(Partners, Strong, "partnership"), cue(Partners, Strong, "collaboration"),
    cue(Partners, Strong, "cooperation"), cue(Partners, Strong, "partner with"),
    cue(Partners, Strong, "business development"), cue(Partners, Strong, "co marketing"),
    cue(Partners, Strong, "commercial proposal"), cue(Partners, Strong, "become a partner"),
    cue(Partners, Weak, "партнер"), cue(Partners, Weak, "партнерский"),
    cue(Partners, Weak, "реклама"), cue(Partners, Weak, "предложить"),
    cue(Partners, Weak, "предлагать"), cue(Partners, Weak, "интеграция"),
    cue(Partners, Weak, "взаимовыгодный"), cue(Partners, Strong, "искать партнер"),
    cue(Partners, Weak, "partner"), cue(Partners, Weak, "advertising"),
    cue(Partners, Weak, "integration"), cue(Partners, Weak, "proposal"),
    cue(Partners, Weak, "offer"),
    cue(Partners, Customer, "спасибо за"), cue(Partners, Customer, "благодарить за"),
    cue(Partners, Customer, "поездка"), cue(Partners, Customer, "банкомат"),
    cue(Partners, Customer, "кэшбэк"), cue(Partners, Customer, "кешбэк"),
    cue(Partners, Customer, "бонус"), cue(Partners, Customer, "турист"),
    cue(Partners, Customer, "thank"), cue(Partners, Customer, "atm"),
    cue(Partners, Customer, "trip"), cue(Partners, Customer, "travel"),
    // Aimed at the company.
    Cue { kind: None, weight: Company, phrase: "ваш компания" },
    Cue { kind: None, weight: Company, phrase: "ваш бизнес" },
    Cue { kind: None, weight: Company, phrase: "ваш маркетплейс" },
    Cue { kind: None, weight: Company, phrase: "ваш платформа" },
    Cue { kind: None, weight: Company, phrase: "ваш стартап" },
    Cue { kind: None, weight: Company, phrase: "компания" },
    Cue { kind: None, weight: Company, phrase: "your company" },
    Cue { kind: None, weight: Company, phrase: "your business" },
    Cue { kind: None, weight: Company, phrase: "your platform" },
];

/// A cue's phrase as the terms a text is matched on.
struct Compiled {
    kind: Option<ContactRequest>,
    weight: Weight,
    as_written: bool,
    terms: Vec<String>,
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    CUES.iter()
        .map(|c| {
            let (as_written, phrase) = match c.phrase.strip_prefix('=') {
                Some(phrase) => (true, phrase),
                None => (false, c.phrase),
            };
            let words = words(phrase);
            Compiled {
                kind: c.kind,
                weight: c.weight,
                as_written,
                terms: if as_written {
                    words
                } else {
                    words.iter().map(|w| term(w)).collect()
                },
            }
        })
        .collect()
});

/// One-word Russian cues, for typo matching: (the word, its term).
static TYPO_TARGETS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    CUES.iter()
        .filter(|c| matches!(c.weight, Strong | Weak) && !c.phrase.contains([' ', '=']))
        .filter(|c| c.phrase.chars().any(layout::is_cyrillic))
        .map(|c| (normalize(c.phrase), term(&normalize(c.phrase))))
        .collect()
});

/// How a word is compared: Cyrillic by lemma-then-stem, Latin as written
/// less a plural `s` (stemming would make "reporter" a "report").
fn term(word: &str) -> String {
    if word.chars().any(layout::is_cyrillic) {
        stem(word)
    } else if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_owned()
    } else {
        word.to_owned()
    }
}

/// The term of a word, a typo of a Russian cue read as the cue.
fn text_term(word: &str) -> String {
    let own = term(word);
    let length = word.chars().count();
    if length < 6 || !word.chars().all(layout::is_cyrillic) || is_dictionary_word(word) {
        return own;
    }
    let allowed = if length >= 10 { 2 } else { 1 };
    TYPO_TARGETS
        .iter()
        .find(|(cue, _)| strsim::damerau_levenshtein(cue, word) <= allowed)
        .map_or(own, |(_, cue_term)| cue_term.clone())
}

/// Whether `terms` appear in `text` in order, at most one word between
/// neighbours.
fn contains(text: &[String], terms: &[String]) -> bool {
    let Some((first, rest)) = terms.split_first() else {
        return false;
    };
    text.iter().enumerate().any(|(at, t)| {
        t == first && {
            let mut position = at;
            rest.iter().all(|next| {
                let window = text.iter().enumerate().skip(position + 1).take(2);
                match window.clone().find(|(_, t)| *t == next) {
                    Some((found, _)) => {
                        position = found;
                        true
                    }
                    None => false,
                }
            })
        }
    })
}

/// Who `text` (a customer's message) is for, when it is press, investors
/// or partners rather than support.
pub fn recognize(text: &str) -> Option<ContactRequest> {
    let mut written = Vec::new();
    for chunk in text.split_whitespace() {
        let fixed = if layout::looks_mistyped(chunk) {
            layout::switch(chunk)
        } else {
            chunk.to_owned()
        };
        written.extend(words(&fixed));
    }
    let terms: Vec<String> = written.iter().map(|w| text_term(w)).collect();
    let found: Vec<&Compiled> = COMPILED
        .iter()
        .filter(|c| contains(if c.as_written { &written } else { &terms }, &c.terms))
        .collect();
    let aimed_at_company = found.iter().any(|c| c.weight == Company);
    let cancelled: HashSet<ContactRequest> = found
        .iter()
        .filter(|c| c.weight == Customer)
        .filter_map(|c| c.kind)
        .collect();
    ContactRequest::ALL
        .into_iter()
        .filter(|kind| !cancelled.contains(kind))
        .filter_map(|kind| {
            let of_kind = |weight| {
                found
                    .iter()
                    .filter(|c| c.kind == Some(kind) && c.weight == weight)
                    .count()
            };
            let (strong, weak) = (of_kind(Strong), of_kind(Weak));
            let recognised = strong > 0 || weak >= 2 || (weak == 1 && aimed_at_company);
            recognised.then_some((kind, 2 * strong + weak))
        })
        .max_by_key(|&(_, score)| score)
        .map(|(kind, _)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ContactRequest::ALL {
            assert_eq!(ContactRequest::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ContactRequest::parse("sales"), None);
    }

    #[test]
    fn phrases_match_in_order_with_a_word_between() {
        let text: Vec<String> = ["стать", "ваш", "партнер"].map(String::from).to_vec();
        let cue: Vec<String> = ["стать", "партнер"].map(String::from).to_vec();
        assert!(contains(&text, &cue));
        let reversed: Vec<String> = ["партнер", "стать"].map(String::from).to_vec();
        assert!(!contains(&text, &reversed));
        assert!(!contains(&text, &[]));
    }

    #[test]
    fn recognises_each_kind_and_leaves_customers_alone() {
        assert_eq!(recognize("Я журналист, нужен комментарий"), Some(Press));
        assert_eq!(recognize("Контакты для акционеров"), Some(Investors));
        assert_eq!(recognize("Предлагаем сотрудничество"), Some(Partners));
        assert_eq!(recognize("Where is my order?"), None);
        assert_eq!(recognize("Спасибо за сотрудничество, вопрос решён"), None);
        assert_eq!(recognize(""), None);
    }
}
