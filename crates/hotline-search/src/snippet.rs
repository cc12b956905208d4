//! The snippet of a hit: the body sentence that says most about the query,
//! as plain text (Markdown marks removed), so that it is safe to show as is.

use std::collections::HashMap;

use crate::analysis::terms;

/// Snippets stop at about this many characters (two lines on a phone).
const SNIPPET_CHARS: usize = 220;

/// Markdown reduced to its words: headings, list marks, emphasis and code
/// marks dropped, links replaced by their text.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let line = line
            .trim_start()
            .trim_start_matches(['#', '>', '-', '*', '+'])
            .trim_start();
        let line = strip_ordinal(line);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' | '_' | '`' | '[' => {}
                ']' if chars.peek() == Some(&'(') => {
                    // Skip the link target.
                    for t in chars.by_ref() {
                        if t == ')' {
                            break;
                        }
                    }
                }
                ']' => {}
                _ => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

fn strip_ordinal(line: &str) -> &str {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(". ") {
        &line[digits + 2..]
    } else {
        line
    }
}

/// A body's sentences as plain text, each with its distinct terms: made
/// once when the article is indexed, so a query only sums weights.
#[derive(Debug, Clone, Default)]
pub struct Sentences(Vec<(String, Vec<String>)>);

impl Sentences {
    pub fn of(body: &str) -> Self {
        let text = plain_text(body);
        Sentences(
            text.split_inclusive(['.', '!', '?', '\n'])
                .map(str::trim)
                .filter(|s| s.chars().any(char::is_alphanumeric))
                .map(|sentence| {
                    let mut sentence_terms = terms(sentence);
                    sentence_terms.sort();
                    sentence_terms.dedup();
                    (sentence.to_owned(), sentence_terms)
                })
                .collect(),
        )
    }

    /// The sentence with the largest sum of `weights` (query terms → their
    /// idf), or the first sentence when none matches; cut to
    /// [`SNIPPET_CHARS`] on a word boundary.
    pub fn snippet(&self, weights: &HashMap<String, f32>) -> String {
        let mut best: Option<(f32, &str)> = None;
        for (sentence, sentence_terms) in &self.0 {
            let score: f32 = sentence_terms.iter().filter_map(|t| weights.get(t)).sum();
            if score > 0.0 && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, sentence));
            }
        }
        let chosen = best
            .map(|(_, s)| s)
            .or_else(|| self.0.first().map(|(s, _)| s.as_str()))
            .unwrap_or("");
        cut(chosen)
    }
}

/// [`Sentences::snippet`] of `body`, for one-off use.
#[cfg(test)]
pub fn snippet(body: &str, weights: &HashMap<String, f32>) -> String {
    Sentences::of(body).snippet(weights)
}

fn cut(sentence: &str) -> String {
    if sentence.chars().count() <= SNIPPET_CHARS {
        return sentence.to_owned();
    }
    let mut out: String = sentence.chars().take(SNIPPET_CHARS).collect();
    if let Some(space) = out.rfind(' ') {
        out.truncate(space);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stem;

    #[test]
    fn markdown_marks_are_removed() {
        let text = plain_text("## Сроки\n- **Картой**: до [10 дней](/help/x).\n1. Шаг `один`\n");
        assert_eq!(text, "Сроки\nКартой: до 10 дней.\nШаг один\n");
    }

    #[test]
    fn the_sentence_with_the_query_words_is_chosen() {
        let body =
            "Заказ можно отменить до передачи в доставку. Деньги вернутся на карту за 3–10 дней.";
        let weights = HashMap::from([(stem("деньги"), 2.0), (stem("карта"), 1.0)]);
        assert_eq!(
            snippet(body, &weights),
            "Деньги вернутся на карту за 3–10 дней."
        );
    }

    #[test]
    fn without_a_match_the_first_sentence_is_shown_and_long_ones_are_cut() {
        let body = format!("Первое предложение. {}", "слово ".repeat(100));
        assert_eq!(snippet(&body, &HashMap::new()), "Первое предложение.");
        let long = snippet(&"слово ".repeat(100), &HashMap::new());
        assert!(long.ends_with('…') && long.chars().count() <= SNIPPET_CHARS + 1);
    }
}
