//! Text analysis shared by indexing and querying: words, case and ё folding,
//! stop words, and stemming by script (Russian for Cyrillic words, English
//! for Latin ones). Russian words are first lemmatised with ruMorph's
//! dictionary (OpenCorpora and Wiktionary, CC-BY-SA-4.0) so that forms the
//! stemmer cannot join meet: «пришёл» / «пришли» / «прийти», «шёл» / «идти».

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use frostem::{Algorithm, Stemmer};
use tantivy::tokenizer::{Language, RawTokenizer, StopWordFilter, TextAnalyzer};

use crate::layout;

/// Words shorter than this carry no meaning of their own in a support
/// question (prepositions, particles, stray letters) once stop words are gone.
const MIN_WORD_CHARS: usize = 2;

/// ruMorph's bundled dictionary, loaded once (a few milliseconds). Should it
/// fail to load, words are only stemmed, as before lemmatisation was added.
static MORPH: LazyLock<Option<rumorph::Dictionary>> =
    LazyLock::new(|| rumorph::Dictionary::bundled().ok());

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
const CHAT_FILLER: [&str; 47] = [
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
    // Question words say that something is asked, not what about: «сколько»
    // is in «Сколько стоит доставка» and in «сколько калорий в банане».
    "сколько",
    "когда",
    "куда",
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

/// The most probable dictionary lemma of a normalised Cyrillic word, ё
/// folded; `None` for a word the dictionary does not know (a typo, slang),
/// whose guessed lemma would be no better than the stemmer's cut.
pub fn lemma(word: &str) -> Option<String> {
    let dictionary = MORPH.as_ref()?;
    dictionary
        .analyze(word)
        .into_iter()
        .filter(|a| a.source == rumorph::Source::Dictionary)
        .max_by(|a, b| a.prob.total_cmp(&b.prob))
        .map(|a| normalize(&a.lemma))
}

/// Loads the dictionary now rather than on the first search.
pub fn warm_up() {
    LazyLock::force(&MORPH);
}

/// Whether the dictionary knows the normalised word as written: a real
/// Russian word that the help center does not use is not a typo of one it
/// does («закат» is not «заказ»).
pub fn is_dictionary_word(word: &str) -> bool {
    MORPH.as_ref().is_some_and(|d| d.is_known(word))
}

/// The stem of a normalised word: for Cyrillic words the Russian snowball
/// stem of its lemma (of the word itself when the dictionary does not know
/// it), the English snowball stem for Latin ones, digits and mixed words as
/// they are. Lemma then stem: the lemma joins irregular forms, the stem then
/// joins derivations the lemma keeps apart («оплатить» / «оплата»).
pub fn stem(word: &str) -> String {
    let cyrillic = word.chars().any(layout::is_cyrillic);
    let latin = word.chars().any(|c| c.is_ascii_alphabetic());
    match (cyrillic, latin) {
        (true, false) => remembered(word, |w| {
            let base = lemma(w);
            RUSSIAN.stem(base.as_deref().unwrap_or(w)).into_owned()
        }),
        (false, true) => ENGLISH.stem(word).into_owned(),
        _ => word.to_owned(),
    }
}

/// `compute(word)`, remembered per thread: the dictionary lookup costs about
/// a microsecond and article texts repeat their words (bounded: forgotten
/// past the limit).
fn remembered(word: &str, compute: impl FnOnce(&str) -> String) -> String {
    const REMEMBERED: usize = 100_000;
    thread_local! {
        static STEMS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }
    if let Some(known) = STEMS.with_borrow(|stems| stems.get(word).cloned()) {
        return known;
    }
    let stem = compute(word);
    STEMS.with_borrow_mut(|stems| {
        if stems.len() >= REMEMBERED {
            stems.clear();
        }
        stems.insert(word.to_owned(), stem.clone());
    });
    stem
}

/// The index terms of `text` without any layout repair: content words, stemmed.
pub fn terms(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| is_content_word(w))
        .map(|w| stem(&w))
        .collect()
}

/// The particle that turns a word into its opposite; a stop word, yet «не
/// пришёл» is what a customer writes and what an article's title says
/// («Перевод не дошёл»).
pub const NEGATION: &str = "не";

/// The term of a negated word: the stem (a stop word as it is, «не тот»)
/// behind a mark that no word has.
pub fn negated(word: &str) -> String {
    let base = if is_content_word(word) {
        stem(word)
    } else {
        word.to_owned()
    };
    format!("{NEGATION}_{base}")
}

/// The negated terms of text split into [`words`] («не пришёл» →
/// «не_прийт»), which the index
/// adds to the plain terms so that a negated question meets a negated
/// sentence first.
pub fn negations_of(words: &[String]) -> Vec<String> {
    words
        .windows(2)
        .filter(|pair| pair[0] == NEGATION && pair[1] != NEGATION && pair[1].chars().count() >= 2)
        .map(|pair| negated(&pair[1]))
        .collect()
}

/// What the index stores for `text`: its [`terms`], then its
/// negated terms ([`negations_of`]), from one pass over the words.
pub fn index_terms(text: &str) -> Vec<String> {
    let words = words(text);
    let mut out: Vec<String> = words
        .iter()
        .filter(|w| is_content_word(w))
        .map(|w| stem(w))
        .collect();
    out.extend(negations_of(&words));
    out
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
    fn irregular_forms_meet_through_the_lemma() {
        // The stemmer alone keeps these apart.
        assert_eq!(stem("пришёл"), stem("пришли"));
        assert_eq!(stem("пришел"), stem("прийти"));
        assert_eq!(stem("шёл"), stem("идти"));
        assert_eq!(lemma("перевёл").as_deref(), Some("перевести"));
        // The stem of the lemma still joins derivations and participles.
        assert_eq!(stem("отменённый"), stem("отменить"));
        assert_eq!(stem("перевода"), stem("переводить"));
        assert_eq!(stem("оплата"), stem("оплатить"));
        // ё folded in the lemma too, whichever way the word was written.
        assert_eq!(stem("ещё"), stem("еще"));
        assert!(is_dictionary_word("закат") && is_dictionary_word("еще"));
        assert!(!is_dictionary_word("вазврат") && !is_dictionary_word("дастафка"));
        // A word the dictionary does not know is stemmed as it is.
        assert_eq!(lemma("вазврат"), None);
        assert_eq!(stem("вазврата"), stem("вазврат"));
    }

    #[test]
    fn negated_words_get_terms_of_their_own() {
        assert_eq!(
            negations_of(&words("Перевод не дошёл. Не тот товар, не не")),
            [negated("дошел"), negated("тот")]
        );
        assert_eq!(negated("пришли"), negated("пришёл"));
        assert_ne!(negated("пришли"), stem("пришли"));
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
