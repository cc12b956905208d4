//! The wrong keyboard layout: Russian typed with the QWERTY layout on
//! («djpdhfn» for «возврат») and English typed with ЙЦУКЕН on («куагтв»
//! for «refund»). Keys map one to one, punctuation keys included.

/// QWERTY key → ЙЦУКЕН letter on the same key (lower case; upper case is
/// handled by lowercasing first, shifted punctuation listed separately).
const KEYS: [(char, char); 33] = [
    ('q', 'й'),
    ('w', 'ц'),
    ('e', 'у'),
    ('r', 'к'),
    ('t', 'е'),
    ('y', 'н'),
    ('u', 'г'),
    ('i', 'ш'),
    ('o', 'щ'),
    ('p', 'з'),
    ('[', 'х'),
    (']', 'ъ'),
    ('a', 'ф'),
    ('s', 'ы'),
    ('d', 'в'),
    ('f', 'а'),
    ('g', 'п'),
    ('h', 'р'),
    ('j', 'о'),
    ('k', 'л'),
    ('l', 'д'),
    (';', 'ж'),
    ('\'', 'э'),
    ('z', 'я'),
    ('x', 'ч'),
    ('c', 'с'),
    ('v', 'м'),
    ('b', 'и'),
    ('n', 'т'),
    ('m', 'ь'),
    (',', 'б'),
    ('.', 'ю'),
    ('`', 'ё'),
];

/// Shifted punctuation keys that are letters on the Russian layout.
const SHIFTED: [(char, char); 7] = [
    ('{', 'х'),
    ('}', 'ъ'),
    (':', 'ж'),
    ('"', 'э'),
    ('<', 'б'),
    ('>', 'ю'),
    ('~', 'ё'),
];

pub fn is_cyrillic(c: char) -> bool {
    matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё')
}

fn to_cyrillic(c: char) -> Option<char> {
    let lower = c.to_ascii_lowercase();
    KEYS.iter()
        .chain(SHIFTED.iter())
        .find(|(latin, _)| *latin == lower)
        .map(|(_, cyrillic)| *cyrillic)
}

fn to_latin(c: char) -> Option<char> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    KEYS.iter()
        .find(|(_, cyrillic)| *cyrillic == lower)
        .map(|(latin, _)| *latin)
}

/// Which way a chunk of text would be switched, if at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Latin letters only (maybe Russian typed on QWERTY).
    Latin,
    /// Cyrillic letters only (maybe English typed on ЙЦУКЕН).
    Cyrillic,
    /// Both or neither: never switched.
    Other,
}

pub fn script(chunk: &str) -> Script {
    let latin = chunk.chars().any(|c| c.is_ascii_alphabetic());
    let cyrillic = chunk.chars().any(is_cyrillic);
    match (latin, cyrillic) {
        (true, false) => Script::Latin,
        (false, true) => Script::Cyrillic,
        _ => Script::Other,
    }
}

/// The same keys read on the other layout (lowercased). Characters without
/// a counterpart (digits, most punctuation) stay as they are.
pub fn switch(chunk: &str) -> String {
    match script(chunk) {
        Script::Latin => chunk.chars().map(|c| to_cyrillic(c).unwrap_or(c)).collect(),
        Script::Cyrillic => chunk.chars().map(|c| to_latin(c).unwrap_or(c)).collect(),
        Script::Other => chunk.to_owned(),
    }
}

fn vowel_share(word: &str, vowels: &str) -> f32 {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 0 {
        return 0.0;
    }
    let count = word.chars().filter(|c| vowels.contains(*c)).count();
    count as f32 / letters as f32
}

/// Whether a Latin chunk reads as Russian typed on the QWERTY layout,
/// judged without a vocabulary: as Latin it is unpronounceable (almost no
/// vowels, or Russian letters hidden behind punctuation keys) while on the
/// Russian layout it has the vowels of a real word. Short chunks are never
/// judged: three letters are too few to tell. English typed on ЙЦУКЕН
/// keeps Russian vowels («куагтв»), so the reverse direction needs a
/// vocabulary and is left to the index.
pub fn looks_mistyped(chunk: &str) -> bool {
    /// Vowels make up 35–45 % of the letters of a Russian or English word;
    /// below 20 % a word of five letters or more is almost never real.
    const MIN_VOWEL_SHARE: f32 = 0.2;
    let lower = chunk.to_lowercase();
    if lower.chars().count() < 4 {
        return false;
    }
    let switched = switch(&lower);
    if script(&lower) != Script::Latin {
        return false;
    }
    let inner_punctuation = lower
        .trim_matches(|c: char| !c.is_alphanumeric())
        .contains([',', '.', ';', '\'', '[', ']', '`']);
    (vowel_share(&lower, "aeiouy") < MIN_VOWEL_SHARE || inner_punctuation)
        && vowel_share(&switched, "аеиоуыэюяё") >= MIN_VOWEL_SHARE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_switches_to_cyrillic() {
        assert_eq!(switch("djpdhfn"), "возврат");
        assert_eq!(switch("ltytu"), "денег");
        assert_eq!(switch("j,vty"), "обмен");
        assert_eq!(switch("DJPDHFN"), "возврат");
    }

    #[test]
    fn cyrillic_switches_to_latin() {
        assert_eq!(switch("куагтв"), "refund");
        assert_eq!(switch("Ифппфпу"), "baggage");
    }

    #[test]
    fn mixed_chunks_are_not_switched() {
        assert_eq!(switch("iphone15"), "шзрщту15");
        assert_eq!(switch("заказ123"), "pfrfp123");
        assert_eq!(switch("wi-fiв"), "wi-fiв");
    }

    #[test]
    fn mistyped_words_are_told_from_real_ones() {
        for mistyped in ["djpdhfn", "pfrfp", "ljcnfdrf", "j,vty"] {
            assert!(looks_mistyped(mistyped), "{mistyped}");
        }
        for real in ["refund", "возврат", "baggage", "куагтв", "wifi", "sms"] {
            assert!(!looks_mistyped(real), "{real}");
        }
    }
}
