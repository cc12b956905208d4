//! Synonym groups: phrases that mean the same thing to a customer
//! («вернуть деньги», «возврат», «refund»). A query phrase found in a group
//! adds the other phrases of the group to the query with a lower weight.

use std::collections::HashSet;

use crate::SearchError;
use crate::analysis::{self, terms};

/// The built-in support vocabulary (Russian, slang and English).
const BUILTIN: &str = include_str!("synonyms.txt");

#[derive(Debug, Clone, PartialEq, Eq)]
struct Phrase {
    /// Analysed terms, in order; never empty.
    terms: Vec<String>,
    /// The content words as written (normalised), for typo repair.
    words: Vec<String>,
}

/// Groups of synonymous phrases. See [`Synonyms::parse`] for the text form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Vec<Phrase>>,
}

/// Terms a query phrase brings in, and the query words it stands for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expansion {
    pub terms: Vec<String>,
    /// Positions (in the query's word sequence) of the matched phrase.
    pub covers: std::ops::Range<usize>,
}

impl Synonyms {
    /// The built-in Russian/English support vocabulary shipped with Hotline.
    pub fn builtin() -> Self {
        // The built-in file is checked by a unit test, so this never falls back.
        Self::parse(BUILTIN).unwrap_or_default()
    }

    /// Parses the text form: one group per line, phrases separated by commas,
    /// `#` starts a comment, blank lines are skipped. A group needs at least
    /// two phrases, and every phrase a word that is not a stop word.
    pub fn parse(text: &str) -> Result<Self, SearchError> {
        let mut groups = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let mut group: Vec<Phrase> = Vec::new();
            for part in content.split(',') {
                let part = part.trim();
                if part.is_empty() {
                    return Err(SearchError::Synonyms {
                        line,
                        message: "an empty phrase between commas".into(),
                    });
                }
                let phrase_terms = terms(part);
                if phrase_terms.is_empty() {
                    return Err(SearchError::Synonyms {
                        line,
                        message: format!("«{part}» has only stop words"),
                    });
                }
                let phrase = Phrase {
                    terms: phrase_terms,
                    words: analysis::words(part)
                        .into_iter()
                        .filter(|w| analysis::is_content_word(w))
                        .collect(),
                };
                if !group.iter().any(|p| p.terms == phrase.terms) {
                    group.push(phrase);
                }
            }
            if group.len() < 2 {
                return Err(SearchError::Synonyms {
                    line,
                    message: "a group needs at least two different phrases, separated by commas"
                        .into(),
                });
            }
            groups.push(group);
        }
        Ok(Synonyms { groups })
    }

    /// Adds the groups of `other` (an administrator's list on top of the
    /// built-in one, say).
    pub fn extend(&mut self, other: Synonyms) {
        self.groups.extend(other.groups);
    }

    /// How many groups there are.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every term any phrase uses: a query word with one of these stems is
    /// known even when no article has it (English words, slang).
    pub(crate) fn stems(&self) -> HashSet<String> {
        self.groups
            .iter()
            .flatten()
            .flat_map(|p| p.terms.iter().cloned())
            .collect()
    }

    /// Every word the phrases are written with: typo repair may land on
    /// them even when no article uses them (slang, English).
    pub(crate) fn words(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flatten()
            .flat_map(|p| p.words.iter().map(String::as_str))
    }

    /// For every phrase found in `sequence` (a query's terms in order, `None`
    /// for a word without a usable term), the other phrases of its group.
    pub(crate) fn expand(&self, sequence: &[Option<String>]) -> Vec<Expansion> {
        let mut out = Vec::new();
        for group in &self.groups {
            for phrase in group {
                for start in occurrences(sequence, &phrase.terms) {
                    let covers = start..start + phrase.terms.len();
                    for other in group.iter().filter(|p| p.terms != phrase.terms) {
                        out.push(Expansion {
                            terms: other.terms.clone(),
                            covers: covers.clone(),
                        });
                    }
                }
            }
        }
        out
    }
}

fn occurrences(sequence: &[Option<String>], phrase: &[String]) -> Vec<usize> {
    if phrase.is_empty() || phrase.len() > sequence.len() {
        return Vec::new();
    }
    (0..=sequence.len() - phrase.len())
        .filter(|&start| {
            phrase
                .iter()
                .zip(&sequence[start..])
                .all(|(want, got)| got.as_deref() == Some(want.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stem;

    fn seq(text: &str) -> Vec<Option<String>> {
        terms(text).into_iter().map(Some).collect()
    }

    #[test]
    fn builtin_vocabulary_parses() {
        let builtin = Synonyms::parse(BUILTIN).unwrap();
        assert!(builtin.len() >= 40, "{} groups", builtin.len());
        assert_eq!(Synonyms::builtin(), builtin);
    }

    #[test]
    fn a_phrase_expands_to_the_rest_of_its_group() {
        let synonyms = Synonyms::parse("возврат, вернуть деньги, refund\n").unwrap();
        let expansions = synonyms.expand(&seq("срочно вернуть деньги"));
        let added: Vec<Vec<String>> = expansions.iter().map(|e| e.terms.clone()).collect();
        assert_eq!(added, [vec![stem("возврат")], vec![stem("refund")]]);
        assert!(expansions.iter().all(|e| e.covers == (1..3)));
    }

    #[test]
    fn a_phrase_matches_only_in_order_and_whole() {
        let synonyms = Synonyms::parse("вернуть деньги, возврат").unwrap();
        assert!(synonyms.expand(&seq("деньги вернуть")).is_empty());
        assert!(synonyms.expand(&seq("вернуть товар")).is_empty());
        assert_eq!(synonyms.expand(&seq("вернуть денежки")).len(), 0);
        assert_eq!(synonyms.expand(&seq("Вернуть Деньги!")).len(), 1);
    }

    #[test]
    fn parse_reports_the_line_of_a_bad_group() {
        let err = Synonyms::parse("# comment\nвозврат, refund\nтолько одна\n").unwrap_err();
        assert!(
            matches!(err, SearchError::Synonyms { line: 3, .. }),
            "{err}"
        );
        let err = Synonyms::parse("возврат,, refund").unwrap_err();
        assert!(
            matches!(err, SearchError::Synonyms { line: 1, .. }),
            "{err}"
        );
        let err = Synonyms::parse("возврат, и в на").unwrap_err();
        assert!(
            matches!(err, SearchError::Synonyms { line: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn comments_and_blank_lines_are_skipped_and_extend_appends() {
        let mut synonyms = Synonyms::parse("\n# нет групп\n   \n").unwrap();
        assert!(synonyms.is_empty());
        synonyms.extend(Synonyms::parse("симка, сим-карта # сленг").unwrap());
        assert_eq!(synonyms.len(), 1);
        assert_eq!(synonyms.expand(&seq("симка")).len(), 1);
    }
}
