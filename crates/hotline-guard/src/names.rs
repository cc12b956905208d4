//! Operator display names that imitate someone else.

use crate::links::looks;
use crate::normal::is_invisible;
use serde::Serialize;
use unicode_security::MixedScript;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameProblem {
    Empty,
    /// Zero-width, bidi or other invisible characters.
    InvisibleCharacters,
    /// Control characters (new lines, NUL, …).
    ControlCharacters,
    /// A word mixing scripts: `Аnna` with a Cyrillic `А`.
    MixedScripts,
    /// A word that looks like «поддержка», "support" or the company's name
    /// without being spelled so: `Supp0rt`, `Hotl1ne`.
    ImitatesOfficialName,
}

impl NameProblem {
    pub fn explain(self) -> &'static str {
        match self {
            NameProblem::Empty => "the name is empty",
            NameProblem::InvisibleCharacters => {
                "the name contains invisible (zero-width or bidi) characters"
            }
            NameProblem::ControlCharacters => "the name contains control characters",
            NameProblem::MixedScripts => {
                "a word of the name mixes alphabets (e.g. Latin and Cyrillic letters), as look-alike names do"
            }
            NameProblem::ImitatesOfficialName => {
                "a word of the name imitates «поддержка», \"support\" or the company's name with look-alike characters"
            }
        }
    }
}

/// Stems of the words customers read as "this is the official support".
/// A stem, not a word, so that every Russian case form is covered.
const OFFICIAL_STEMS: &[&str] = &["support", "поддержк", "official", "официальн", "служб"];

/// Why an operator's display name cannot be shown to customers, if it cannot.
/// Each word must be written in one script, and a word that looks like an
/// official one must be spelled as it: «Анна (Support)» is fine, «Анна
/// (Supp0rt)» is not. `company_names` are the names the company's own
/// domains read as ([`LinkPolicy::company_names`](crate::LinkPolicy::company_names)).
pub fn display_name_problem(name: &str, company_names: &[String]) -> Option<NameProblem> {
    if name.trim().is_empty() {
        return Some(NameProblem::Empty);
    }
    if name.chars().any(is_invisible) {
        return Some(NameProblem::InvisibleCharacters);
    }
    if name.chars().any(char::is_control) {
        return Some(NameProblem::ControlCharacters);
    }
    let mixed = name
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| !word.is_empty() && !word.is_single_script());
    if mixed {
        return Some(NameProblem::MixedScripts);
    }
    let official = OFFICIAL_STEMS
        .iter()
        .copied()
        .chain(company_names.iter().map(String::as_str))
        .filter(|stem| !stem.is_empty());
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || "()[]{},;:«»\"'/".contains(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for stem in official {
        let stem = stem.to_lowercase();
        let stem_look = name_look(&stem);
        let imitated = words
            .iter()
            .any(|word| name_look(word).starts_with(&stem_look) && !word.starts_with(&stem));
        if imitated {
            return Some(NameProblem::ImitatesOfficialName);
        }
    }
    None
}

/// What a word looks like in a name: as a link's host looks, and with `1`,
/// `l` and `i` taken for each other (`Hotl1ne`).
fn name_look(word: &str) -> String {
    looks(word).replace('i', "l")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_names_are_refused() {
        let none = &[];
        assert_eq!(display_name_problem("Анна Смирнова", none), None);
        assert_eq!(display_name_problem("Anna (поддержка)", none), None);
        assert_eq!(
            display_name_problem("Аnna", none),
            Some(NameProblem::MixedScripts)
        );
        assert_eq!(
            display_name_problem("Anna\u{200B}", none),
            Some(NameProblem::InvisibleCharacters)
        );
        assert_eq!(
            display_name_problem("Anna\u{202E}", none),
            Some(NameProblem::InvisibleCharacters)
        );
        assert_eq!(display_name_problem(" ", none), Some(NameProblem::Empty));
    }

    #[test]
    fn names_that_imitate_official_words_are_refused() {
        let company = &["hotline".to_owned()];
        for honest in [
            "Анна, служба поддержки",
            "Anna (Support)",
            "Hotline Support — Анна",
            "Олег Официальный",
            "Мария Суппортова",
        ] {
            assert_eq!(display_name_problem(honest, company), None, "{honest}");
        }
        for impostor in [
            "Анна (Supp0rt)",
            "5upport team",
            "Hotl1ne Анна",
            "H0TLINE",
            "0fficial",
            "Служба Пoддержки",
        ] {
            assert!(
                display_name_problem(impostor, company).is_some(),
                "{impostor}"
            );
        }
        assert_eq!(
            display_name_problem("Supp0rt", company),
            Some(NameProblem::ImitatesOfficialName)
        );
    }
}
