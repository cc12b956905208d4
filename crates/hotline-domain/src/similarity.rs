//! Whether two customer questions are the same question: Russian-aware
//! (endings, `ё`, keyboard layout, typos), so that a customer who asks again
//! joins their open conversation instead of opening a duplicate.
//!
//! Terms come from a [`TermAnalyzer`]; the built-in [`SimpleAnalyzer`] is a
//! small normaliser and can be swapped for a full morphological analyser.

use crate::Subject;
use std::collections::BTreeSet;

/// Turns text into normalised terms (lowercase, stemmed, stop words gone).
pub trait TermAnalyzer: Send + Sync {
    fn terms(&self, text: &str) -> Vec<String>;
}

/// Lowercases, folds `ё`, turns words typed in the Latin layout of a Russian
/// keyboard back into Cyrillic («ghbdtn» → «привет»), drops stop words and
/// cuts common Russian endings.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimpleAnalyzer;

const LAYOUT_LATIN: &str = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`";
const LAYOUT_CYRILLIC: &str = "йцукенгшщзхъфывапролджэячсмитьбюё";

const STOP_WORDS: &[&str] = &[
    "и",
    "в",
    "во",
    "не",
    "на",
    "я",
    "с",
    "со",
    "что",
    "а",
    "по",
    "к",
    "у",
    "же",
    "вы",
    "за",
    "бы",
    "так",
    "от",
    "о",
    "из",
    "ну",
    "ли",
    "если",
    "или",
    "ни",
    "да",
    "до",
    "мне",
    "меня",
    "мой",
    "моя",
    "мое",
    "мои",
    "моего",
    "моей",
    "моих",
    "как",
    "это",
    "уже",
    "для",
    "здравствуйте",
    "добрый",
    "день",
    "привет",
    "пожалуйста",
    "подскажите",
    "помогите",
    "можно",
    "могу",
    "ли",
    "почему",
    "когда",
    "где",
    "есть",
    "был",
    "была",
    "было",
    "были",
    "вас",
    "у",
    "нас",
    "еще",
];

/// Endings cut from words of six letters or more (shorter ones differ by
/// one letter at most and match as a typo), longest first.
const ENDINGS: &[&str] = &[
    "ившись",
    "ывшись",
    "иться",
    "ываться",
    "ирован",
    "ениями",
    "ование",
    "остью",
    "ами",
    "ями",
    "ого",
    "его",
    "ому",
    "ему",
    "ыми",
    "ими",
    "ией",
    "иях",
    "ать",
    "ять",
    "ить",
    "еть",
    "уть",
    "ешь",
    "ишь",
    "ете",
    "ите",
    "ала",
    "ила",
    "ыла",
    "ено",
    "ала",
    "ают",
    "яют",
    "ует",
    "ует",
    "ной",
    "ний",
    "ние",
    "ния",
    "ную",
    "ная",
    "ное",
    "ные",
    "ный",
    "ий",
    "ый",
    "ой",
    "ая",
    "яя",
    "ое",
    "ее",
    "ые",
    "ие",
    "ую",
    "юю",
    "ом",
    "ем",
    "ам",
    "ям",
    "ах",
    "ях",
    "ов",
    "ев",
    "ей",
    "ию",
    "ия",
    "ие",
    "ть",
    "ла",
    "ло",
    "ли",
    "ет",
    "ит",
    "ут",
    "ют",
    "ат",
    "ят",
    "а",
    "я",
    "о",
    "е",
    "ы",
    "и",
    "у",
    "ю",
    "ь",
    "й",
];

fn fix_layout(word: &str) -> String {
    if !word
        .chars()
        .all(|c| c.is_ascii_lowercase() || LAYOUT_LATIN.contains(c))
    {
        return word.to_owned();
    }
    // Only when it reads as Russian: typical English words keep their vowels
    // where a Russian word in the wrong layout has `[;',.` or few vowels.
    let converted: String = word
        .chars()
        .map(|c| {
            LAYOUT_LATIN
                .chars()
                .position(|l| l == c)
                .and_then(|i| LAYOUT_CYRILLIC.chars().nth(i))
                .unwrap_or(c)
        })
        .collect();
    let vowels = converted
        .chars()
        .filter(|c| "аеёиоуыэюя".contains(*c))
        .count();
    if vowels * 5 >= converted.chars().count() {
        converted
    } else {
        word.to_owned()
    }
}

fn stem(word: &str) -> String {
    let length = word.chars().count();
    if length < 6 {
        return word.to_owned();
    }
    for ending in ENDINGS {
        if let Some(base) = word.strip_suffix(ending)
            && base.chars().count() >= 3
        {
            return base.to_owned();
        }
    }
    word.to_owned()
}

impl TermAnalyzer for SimpleAnalyzer {
    fn terms(&self, text: &str) -> Vec<String> {
        text.to_lowercase()
            .replace('ё', "е")
            .split(|c: char| !(c.is_alphanumeric() || "[];',.`".contains(c)))
            .map(|w| w.trim_matches(|c: char| ".,".contains(c)))
            .filter(|w| !w.is_empty())
            .map(fix_layout)
            .map(|w| w.replace(|c: char| !c.is_alphanumeric(), ""))
            .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&w.as_str()))
            .map(|w| stem(&w))
            .collect()
    }
}

/// Levenshtein distance at most one (one typo), for terms of 5+ letters.
fn close(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().min(b.len()) < 5 || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let mut i = 0;
    while i < short.len() && short[i] == long[i] {
        i += 1;
    }
    if short.len() == long.len() {
        // One substitution, or two neighbours swapped.
        short[i + 1..] == long[i + 1..]
            || (i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && short[i + 2..] == long[i + 2..])
    } else {
        short[i..] == long[i + 1..]
    }
}

/// Similarity of two questions in 0…1: the share of terms with a close
/// counterpart in the other question (Dice-style, over distinct terms).
pub fn similarity(analyzer: &dyn TermAnalyzer, a: &str, b: &str) -> f64 {
    let a: BTreeSet<String> = analyzer.terms(a).into_iter().collect();
    let b: BTreeSet<String> = analyzer.terms(b).into_iter().collect();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let matched_a = a.iter().filter(|x| b.iter().any(|y| close(x, y))).count();
    let matched_b = b.iter().filter(|y| a.iter().any(|x| close(x, y))).count();
    (matched_a + matched_b) as f64 / (a.len() + b.len()) as f64
}

/// Questions at least this similar are treated as the same question.
pub const SAME_QUESTION_THRESHOLD: f64 = 0.75;

pub fn same_question(analyzer: &dyn TermAnalyzer, a: &str, b: &str) -> bool {
    similarity(analyzer, a, b) >= SAME_QUESTION_THRESHOLD
}

/// Whether a new request about `subject` asking `text` duplicates an open
/// conversation about `open_subject`. Two named subjects decide alone:
/// another order is another matter however alike the words; otherwise the
/// questions' words do, and only then is the open conversation's first
/// question read (`open_question`).
pub fn same_request<E>(
    analyzer: &dyn TermAnalyzer,
    (subject, text): (&Subject, &str),
    open_subject: &Subject,
    open_question: impl FnOnce() -> Result<String, E>,
) -> Result<bool, E> {
    Ok(match (subject, open_subject) {
        (Subject::General, _) | (_, Subject::General) => {
            same_question(analyzer, &open_question()?, text)
        }
        (new, open) => new == open,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_subjects_decide_a_duplicate_alone() {
        let a = SimpleAnalyzer;
        let order = |id: &str| Subject::Order {
            order_id: crate::OrderId::parse(id.into()).unwrap(),
        };
        let unread = || -> Result<String, ()> { panic!("the open question is not needed") };
        let question = "Где моя посылка?";
        assert_eq!(
            same_request(&a, (&order("A-1"), question), &order("A-2"), unread),
            Ok(false),
            "another order is another matter"
        );
        assert_eq!(
            same_request(&a, (&order("A-1"), "другие слова"), &order("A-1"), unread),
            Ok(true)
        );
        let asked = || Ok::<_, ()>("где посылка".to_owned());
        assert_eq!(
            same_request(&a, (&Subject::General, question), &order("A-1"), asked),
            Ok(true)
        );
        assert_eq!(
            same_request(
                &a,
                (&Subject::General, "сменить пароль"),
                &Subject::General,
                asked
            ),
            Ok(false)
        );
    }

    #[test]
    fn normaliser_handles_endings_layout_and_typos() {
        let a = SimpleAnalyzer;
        assert_eq!(
            a.terms("Ghbdtn, gjxtve yt ghbikf gjcskrf?"),
            a.terms("Привет, почему не пришла посылка?")
        );
        assert!(same_question(&a, "Где моя посылка?", "где посылка"));
        assert!(same_question(
            &a,
            "Не пришла посылка с заказом",
            "не пришла посылка по заказу"
        ));
        assert!(same_question(
            &a,
            "Не могу войти в приложение",
            "не могу войти в прилжение!!"
        ));
        assert!(!same_question(
            &a,
            "Как вернуть деньги за билет?",
            "Как сменить пароль?"
        ));
        assert!(close("посылк", "посылк"));
        assert!(close("приложен", "прилжен"));
        assert!(close("приложен", "пирложен"));
        assert!(!close("карт", "кар"));
        assert_eq!(similarity(&a, "", "вопрос"), 0.0);
    }
}
