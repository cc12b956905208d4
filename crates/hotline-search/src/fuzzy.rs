//! Typo repair against a vocabulary of surface words («вазврат» →
//! «возврат»), with a deletion index (the SymSpell idea) so that a lookup
//! costs a few hash probes instead of a scan of the vocabulary.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};

/// How many edits a word of `chars` letters may carry and still be repaired:
/// none below 4 letters (too many short words are one edit apart), one up to
/// 6, two from 7 on («дастафка» → «доставка»).
pub fn max_edits(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// Longer words are not repaired: no real word is this long, and the
/// deletion variants of a word grow with the square of its length.
const MAX_REPAIRED_CHARS: usize = 24;

/// Surface words with how many documents use each.
#[derive(Debug, Default, Clone)]
pub struct Lexicon {
    words: Vec<String>,
    ids: HashMap<String, u32>,
    counts: Vec<u32>,
    /// Every string reachable from a word by deleting up to `max_edits`
    /// letters → the words it comes from.
    deletions: HashMap<String, Vec<u32>>,
}

impl Lexicon {
    #[cfg(test)]
    pub fn contains(&self, word: &str) -> bool {
        self.ids
            .get(word)
            .is_some_and(|&id| self.counts[id as usize] > 0)
    }

    pub fn add(&mut self, word: &str) {
        if let Some(&id) = self.ids.get(word) {
            self.counts[id as usize] += 1;
            return;
        }
        let Ok(id) = u32::try_from(self.words.len()) else {
            return;
        };
        self.words.push(word.to_owned());
        self.counts.push(1);
        self.ids.insert(word.to_owned(), id);
        let chars: Vec<char> = word.chars().collect();
        for variant in deletions(&chars, max_edits(chars.len())) {
            self.deletions.entry(variant).or_default().push(id);
        }
    }

    /// Forgets one use; a word no document uses any more stops matching
    /// (its deletion entries stay until the next rebuild, checked at lookup).
    pub fn remove(&mut self, word: &str) {
        if let Some(&id) = self.ids.get(word) {
            let count = &mut self.counts[id as usize];
            *count = count.saturating_sub(1);
        }
    }

    /// The closest known word within the edits allowed for `word`'s length:
    /// fewest edits first, then the more common word, then the one that
    /// keeps the first letter. `None` when nothing is close enough.
    pub fn correct(&self, word: &str) -> Option<&str> {
        let chars: Vec<char> = word.chars().collect();
        let allowed = max_edits(chars.len());
        if allowed == 0
            || chars.len() > MAX_REPAIRED_CHARS
            || !chars.iter().all(|c| c.is_alphabetic())
        {
            return None;
        }
        let mut seen = HashSet::new();
        let mut best: Option<(usize, Reverse<u32>, bool, u32)> = None;
        for (level, variants) in deletion_levels(&chars, allowed).into_iter().enumerate() {
            // Every word one edit away is reached from the query's own
            // deletions of level 0 or 1, so one found by then cannot be
            // beaten by level 2; most typos stop here.
            if level == 2 && best.is_some_and(|b| b.0 <= 1) {
                break;
            }
            for variant in variants {
                let Some(ids) = self.deletions.get(&variant) else {
                    continue;
                };
                for &id in ids {
                    let count = self.counts[id as usize];
                    if !seen.insert(id) || count == 0 {
                        continue;
                    }
                    let candidate = &self.words[id as usize];
                    let edits = strsim::damerau_levenshtein(word, candidate);
                    if edits > allowed || edits > max_edits(candidate.chars().count()) {
                        continue;
                    }
                    let other_start = candidate.chars().next() != chars.first().copied();
                    let key = (edits, Reverse(count), other_start, id);
                    if best.is_none_or(|b| key < b) {
                        best = Some(key);
                    }
                }
            }
        }
        best.map(|(_, _, _, id)| self.words[id as usize].as_str())
    }
}

/// `chars` itself and every string made by deleting up to `edits` letters.
fn deletions(chars: &[char], edits: usize) -> HashSet<String> {
    deletion_levels(chars, edits)
        .into_iter()
        .flatten()
        .collect()
}

/// The same strings grouped by how many letters were deleted (index 0 is
/// `chars` itself); a string reachable at several levels is listed at the
/// lowest.
fn deletion_levels(chars: &[char], edits: usize) -> Vec<Vec<String>> {
    let mut seen: HashSet<Vec<char>> = HashSet::from([chars.to_vec()]);
    let mut levels = vec![vec![chars.iter().collect::<String>()]];
    let mut frontier = vec![chars.to_vec()];
    for _ in 0..edits {
        let mut next = Vec::new();
        for word in &frontier {
            for skip in 0..word.len() {
                let mut shorter = word.clone();
                shorter.remove(skip);
                if seen.insert(shorter.clone()) {
                    next.push(shorter);
                }
            }
        }
        levels.push(next.iter().map(|w| w.iter().collect()).collect());
        frontier = next;
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(words: &[&str]) -> Lexicon {
        let mut lexicon = Lexicon::default();
        for word in words {
            lexicon.add(word);
        }
        lexicon
    }

    #[test]
    fn edits_allowed_grow_with_length() {
        assert_eq!(max_edits(3), 0);
        assert_eq!(max_edits(5), 1);
        assert_eq!(max_edits(8), 2);
    }

    #[test]
    fn typos_are_repaired_to_the_nearest_word() {
        let lexicon = lexicon(&["возврат", "доставка", "багаж", "карта", "посылка"]);
        assert_eq!(lexicon.correct("вазврат"), Some("возврат"));
        assert_eq!(lexicon.correct("дастафка"), Some("доставка"));
        assert_eq!(lexicon.correct("бгааж"), Some("багаж")); // transposition
        assert_eq!(lexicon.correct("посылкаа"), Some("посылка"));
    }

    #[test]
    fn too_distant_or_too_short_words_are_not_repaired() {
        let lexicon = lexicon(&["возврат", "карта", "кот"]);
        assert_eq!(lexicon.correct("погода"), None);
        assert_eq!(lexicon.correct("кат"), None);
        assert_eq!(lexicon.correct("вздрат"), None); // 2 edits in a 6-letter word
        assert_eq!(lexicon.correct("12345"), None);
        // A run of letters far longer than any word is not worth the work.
        let mut long = Lexicon::default();
        long.add(&"а".repeat(30));
        assert_eq!(long.correct(&format!("б{}", "а".repeat(29))), None);
    }

    #[test]
    fn the_more_common_word_wins_a_tie() {
        let mut lexicon = lexicon(&["карта", "парта"]);
        lexicon.add("карта");
        assert_eq!(lexicon.correct("марта"), Some("карта"));
    }

    #[test]
    fn removed_words_stop_matching() {
        let mut lexicon = lexicon(&["возврат"]);
        lexicon.remove("возврат");
        assert!(!lexicon.contains("возврат"));
        assert_eq!(lexicon.correct("вазврат"), None);
        lexicon.add("возврат");
        assert_eq!(lexicon.correct("вазврат"), Some("возврат"));
    }
}
