//! Regexes with Unicode word boundaries, run at the speed of those without.
//!
//! The regex crate's DFAs give up on `\b` as soon as they meet a non-ASCII
//! byte, so a pattern with `\b` runs in its slowest engine over every
//! Russian message: three quarters of the detectors' time went there. Each
//! such pattern gets a companion with the boundaries left out, which matches
//! wherever the exact one does (and more); the fast engine runs the
//! companion first, and the exact pattern runs only where the companion
//! matched. Most messages name no secret at all and stop at the companion.

use regex::{Captures, Match, Regex, RegexBuilder};

/// The lazy DFA's cache per pattern and thread. The default (2 MiB) is
/// too small for these case-blind Unicode patterns: the DFA kept throwing
/// its states away and building them again.
const DFA_CACHE_BYTES: usize = 16 << 20;

pub(crate) struct Pattern {
    exact: Regex,
    /// `exact` without its `\b`s; `None` when it has none.
    without_boundaries: Option<Regex>,
}

impl Pattern {
    /// Compiles `source`. The patterns are constants of this crate: an
    /// invalid one is a bug, caught by any test that scans a message.
    pub(crate) fn new(source: &str) -> Pattern {
        let compile = |source: &str| {
            RegexBuilder::new(source)
                .dfa_size_limit(DFA_CACHE_BYTES)
                .build()
                .unwrap_or_else(|e| panic!("pattern {source}: {e}"))
        };
        Pattern {
            exact: compile(source),
            without_boundaries: without_word_boundaries(source).map(|s| compile(&s)),
        }
    }

    /// Where the exact pattern's next match may start, at or after `at`:
    /// where its companion's does (on ASCII text the fast engines handle
    /// `\b` themselves, so the pattern runs from `at`).
    fn next_start(&self, text: &str, at: usize) -> Option<usize> {
        if at > text.len() {
            return None;
        }
        match &self.without_boundaries {
            Some(companion) if !text.is_ascii() => companion.find_at(text, at).map(|m| m.start()),
            _ => Some(at),
        }
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.next_start(text, 0)
            .is_some_and(|from| self.exact.find_at(text, from).is_some())
    }

    pub(crate) fn captures<'h>(&self, text: &'h str) -> Option<Captures<'h>> {
        let from = self.next_start(text, 0)?;
        self.exact.captures_at(text, from)
    }

    /// Every match, left to right, without overlaps.
    pub(crate) fn find_iter<'h>(&self, text: &'h str) -> impl Iterator<Item = Match<'h>> {
        self.each(text, |exact, from| exact.find_at(text, from), |m| *m)
    }

    pub(crate) fn captures_iter<'h>(&self, text: &'h str) -> impl Iterator<Item = Captures<'h>> {
        self.each(
            text,
            |exact, from| exact.captures_at(text, from),
            |caps| caps.get_match(),
        )
    }

    /// Runs `search` from one match's end to the next. (An empty match moves
    /// the search one character on; these patterns do not match empty.)
    fn each<'h, T>(
        &self,
        text: &'h str,
        search: impl Fn(&Regex, usize) -> Option<T>,
        whole: impl Fn(&T) -> Match<'h>,
    ) -> impl Iterator<Item = T> {
        let mut at = 0;
        std::iter::from_fn(move || {
            let found = search(&self.exact, self.next_start(text, at)?)?;
            let span = whole(&found);
            at = match text[span.end()..].chars().next() {
                Some(next) if span.is_empty() => span.end() + next.len_utf8(),
                None if span.is_empty() => text.len() + 1,
                _ => span.end(),
            };
            Some(found)
        })
    }
}

/// `source` with every `\b` dropped (escaped backslashes kept), or `None`
/// when it has none. Dropping an assertion only lets more texts match.
fn without_word_boundaries(source: &str) -> Option<String> {
    let mut out = String::with_capacity(source.len());
    let mut dropped = false;
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => dropped = true,
            Some(escaped) => {
                out.push('\\');
                out.push(escaped);
            }
            None => out.push('\\'),
        }
    }
    dropped.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_boundaries_and_keeps_other_escapes() {
        assert_eq!(
            without_word_boundaries(r"(?i)\bпин\b|\\b\d\s").as_deref(),
            Some(r"(?i)пин|\\b\d\s")
        );
        assert_eq!(without_word_boundaries(r"\d+\w*"), None);
    }

    #[test]
    fn matches_exactly_where_the_pattern_with_boundaries_does() {
        let pin = Pattern::new(r"(?i)\b(?:пин|pin)\b");
        assert!(pin.is_match("мой ПИН 1234"));
        assert!(
            !pin.is_match("пинцет"),
            "the companion matches, the pattern not"
        );
        assert!(!pin.is_match("доставка завтра"));
        assert!(
            pin.is_match("my PIN"),
            "ASCII text goes to the pattern itself"
        );
        assert!(!pin.is_match("pinned"));
        let found: Vec<&str> = pin
            .find_iter("пин, пинг, пин")
            .map(|m| m.as_str())
            .collect();
        assert_eq!(found, ["пин", "пин"]);
        assert!(pin.captures("пинг").is_none());
        assert_eq!(pin.captures_iter("не тот").count(), 0);
    }
}
