//! What an operator types to find a conversation, cut into the terms both
//! stores match the same way: words and numbers, each matching as a prefix,
//! all of them required («петров возврат» finds Петрову's refund; «MP-100234»
//! finds the order, split like the index splits it).

/// Most terms in one search; more is a story, not a search.
pub const MAX_TERMS: usize = 8;
/// Longest term kept; longer ones are cut (a prefix still matches).
pub const MAX_TERM_CHARS: usize = 64;
/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms(Vec<String>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchTermsError {
    /// No letter or digit in the query.
    Empty,
    /// Longer than [`MAX_QUERY_CHARS`].
    TooLong,
}

impl SearchTerms {
    pub fn parse(raw: &str) -> Result<SearchTerms, SearchTermsError> {
        if raw.chars().nth(MAX_QUERY_CHARS).is_some() {
            return Err(SearchTermsError::TooLong);
        }
        let mut terms: Vec<String> = Vec::new();
        for word in raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let term: String = word.to_lowercase().chars().take(MAX_TERM_CHARS).collect();
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.is_empty() {
            return Err(SearchTermsError::Empty);
        }
        terms.truncate(MAX_TERMS);
        Ok(SearchTerms(terms))
    }

    pub fn terms(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(raw: &str) -> Vec<String> {
        SearchTerms::parse(raw).unwrap().terms().to_vec()
    }

    #[test]
    fn words_and_numbers_lowercased_without_punctuation() {
        assert_eq!(terms("  MP-100234 "), ["mp", "100234"]);
        assert_eq!(terms("Петров, возврат!"), ["петров", "возврат"]);
        assert_eq!(terms("ivan@example.com"), ["ivan", "example", "com"]);
        assert_eq!(terms("возврат возврат Возврат"), ["возврат"]);
    }

    #[test]
    fn nothing_to_search_and_stories_are_refused() {
        assert_eq!(SearchTerms::parse(""), Err(SearchTermsError::Empty));
        assert_eq!(
            SearchTerms::parse(" -- ** \" "),
            Err(SearchTermsError::Empty)
        );
        assert_eq!(
            SearchTerms::parse(&"а".repeat(MAX_QUERY_CHARS + 1)),
            Err(SearchTermsError::TooLong)
        );
        let many = (0..20)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(terms(&many).len(), MAX_TERMS);
        assert_eq!(terms(&"я".repeat(100))[0].chars().count(), MAX_TERM_CHARS);
    }
}
