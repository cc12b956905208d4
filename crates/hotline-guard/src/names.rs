//! Operator display names that imitate someone else.

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
        }
    }
}

/// Why an operator's display name cannot be shown to customers, if it cannot.
/// Each word must be written in one script; «Анна (Support)» is fine.
pub fn display_name_problem(name: &str) -> Option<NameProblem> {
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
    mixed.then_some(NameProblem::MixedScripts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_names_are_refused() {
        assert_eq!(display_name_problem("Анна Смирнова"), None);
        assert_eq!(display_name_problem("Anna (поддержка)"), None);
        assert_eq!(
            display_name_problem("Аnna"),
            Some(NameProblem::MixedScripts)
        );
        assert_eq!(
            display_name_problem("Anna\u{200B}"),
            Some(NameProblem::InvisibleCharacters)
        );
        assert_eq!(
            display_name_problem("Anna\u{202E}"),
            Some(NameProblem::InvisibleCharacters)
        );
        assert_eq!(display_name_problem(" "), Some(NameProblem::Empty));
    }
}
