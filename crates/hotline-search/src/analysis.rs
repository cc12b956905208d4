//! Text analysis shared by indexing and querying: words, case and ё folding,
//! stop words, and stemming by script (Russian for Cyrillic words, English
//! for Latin ones).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use frostem::{Algorithm, Stemmer};
use tantivy::tokenizer::{Language, RawTokenizer, StopWordFilter, TextAnalyzer};

use crate::layout;

/// Words shorter than this carry no meaning of their own in a support
/// question (prepositions, particles, stray letters) once stop words are gone.
const MIN_WORD_CHARS: usize = 2;

static RUSSIAN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::Russian));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::new(Algorithm::English));

/// Snowball's Russian and Lucene's English stop-word lists, as tantivy ships them.
static STOP_WORDS: LazyLock<TextAnalyzer> = LazyLock::new(|| {
    let mut builder = TextAnalyzer::builder(RawTokenizer::default()).dynamic();
    for language in [Language::Russian, Language::English] {
        if let Some(filter) = StopWordFilter::new(language) {
            builder = builder.filter_dynamic(filter);
        }
    }
    builder.build()
});

/// Lowercases and folds ё into е (customers rarely type ё; articles may).
pub fn normalize(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// The words of `text`, normalised, in order: runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    normalize(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Stop words in general text that carry the question in support chats:
/// «где заказ» asks for tracking.
const SUPPORT_WORDS: [&str; 1] = ["где"];

/// Words that wrap a support question without saying what it is about
/// (greetings, politeness, "how do I"), which general stop-word lists keep.
/// Dropping them keeps them from diluting the question (see `coverage` in
/// the index) and from matching articles by chance.
const CHAT_FILLER: [&str; 44] = [
    "здравствуйте",
    "добрый",
    "доброе",
    "день",
    "вечер",
    "утро",
    "привет",
    "подскажите",
    "пожалуйста",
    "помогите",
    "хочу",
    "хотела",
    "хотел",
    "можно",
    "нужно",
    "надо",
    "делать",
    "сделать",
    "скажите",
    "спасибо",
    "вопрос",
    "почему",
    "какие",
    "какой",
    "какая",
    "how",
    "can",
    "do",
    "does",
    "did",
    "my",
    "me",
    "what",
    "why",
    "when",
    "please",
    "hello",
    "hi",
    "you",
    "your",
    "get",
    "have",
    "has",
    "want",
];

/// Whether a normalised word is a stop word in Russian or English.
pub fn is_stop_word(word: &str) -> bool {
    if SUPPORT_WORDS.contains(&word) {
        return false;
    }
    if CHAT_FILLER.contains(&word) {
        return true;
    }
    // Asking tantivy's filter costs a boxed token stream per word; words
    // repeat, so remember the answers (bounded: forgotten past the limit).
    const REMEMBERED: usize = 100_000;
    thread_local! {
        static KNOWN: RefCell<(TextAnalyzer, HashMap<String, bool>)> =
            RefCell::new((STOP_WORDS.clone(), HashMap::new()));
    }
    KNOWN.with_borrow_mut(|(analyzer, known)| {
        if let Some(&stop) = known.get(word) {
            return stop;
        }
        let stop = !analyzer.token_stream(word).advance();
        if known.len() >= REMEMBERED {
            known.clear();
        }
        known.insert(word.to_owned(), stop);
        stop
    })
}

/// Whether the normalised word carries meaning for search.
pub fn is_content_word(word: &str) -> bool {
    word.chars().count() >= MIN_WORD_CHARS && !is_stop_word(word)
}

/// The stem of a normalised word: Russian snowball for Cyrillic words,
/// English snowball for Latin ones, digits and mixed words as they are.
pub fn stem(word: &str) -> String {
    let cyrillic = word.chars().any(layout::is_cyrillic);
    let latin = word.chars().any(|c| c.is_ascii_alphabetic());
    match (cyrillic, latin) {
        (true, false) => RUSSIAN.stem(word).into_owned(),
        (false, true) => ENGLISH.stem(word).into_owned(),
        _ => word.to_owned(),
    }
}

/// The index terms of `text` without any layout repair: content words, stemmed.
pub fn terms(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| is_content_word(w))
        .map(|w| stem(&w))
        .collect()
}

/// Normalised terms of a customer's text: wrong keyboard layout repaired
/// where a word reads as Russian typed on the QWERTY layout,
/// ё folded into е, stop words dropped, words stemmed.
///
/// Without an index to consult, layout repair judges by how the word reads
/// (see [`layout::looks_mistyped`]); [`crate::SearchIndex`] instead checks
/// both forms against its vocabulary.
pub fn analyze(text: &str) -> Vec<String> {
    text.split_whitespace()
        .flat_map(|chunk| {
            let fixed = if layout::looks_mistyped(chunk) {
                layout::switch(chunk)
            } else {
                chunk.to_owned()
            };
            terms(&fixed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_lowercases_and_folds_yo() {
        assert_eq!(normalize("ЁЛКА Всё Ещё"), "елка все еще");
    }

    #[test]
    fn words_split_on_punctuation_and_keep_digits() {
        assert_eq!(
            words("Заказ №12345, где он?! e-mail"),
            ["заказ", "12345", "где", "он", "e", "mail"]
        );
    }

    #[test]
    fn stop_words_are_recognised_in_both_languages() {
        for word in ["как", "мне", "и", "the", "is"] {
            assert!(is_stop_word(word), "{word}");
        }
        for word in ["возврат", "refund", "багаж"] {
            assert!(!is_stop_word(word), "{word}");
        }
    }

    #[test]
    fn russian_inflections_share_a_stem() {
        assert_eq!(stem("возврата"), stem("возврат"));
        assert_eq!(stem("доставки"), stem("доставкой"));
        assert_eq!(stem("картой"), stem("карты"));
    }

    #[test]
    fn english_words_get_the_english_stemmer() {
        assert_eq!(stem("refunds"), stem("refund"));
        assert_eq!(stem("cancelled"), stem("cancel"));
        assert_eq!(stem("12345"), "12345");
    }

    #[test]
    fn terms_drop_stop_words_and_stem() {
        assert_eq!(
            terms("Как мне вернуть товар?"),
            [stem("вернуть"), stem("товар")]
        );
    }

    #[test]
    fn analyze_folds_yo_so_both_spellings_meet() {
        assert_eq!(analyze("Отменённый заказ"), analyze("отмененный заказ"));
    }

    #[test]
    fn analyze_repairs_russian_typed_on_qwerty() {
        assert_eq!(analyze("djpdhfn pfrfpf"), analyze("возврат заказа"));
        // Real English is left alone.
        assert_eq!(analyze("refund"), [stem("refund")]);
    }
}
