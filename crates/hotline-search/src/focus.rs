//! The question inside a long message: customers tell the story first
//! («летели с пересадкой, ждали час у ленты…») and ask at the end («куда
//! обращаться?»). The words of the sentences that ask weigh fully; the
//! narrative around them keeps a lower weight, since it often names the
//! subject the question only points at («…а в нём карта. Что мне делать?»).

use crate::analysis;

/// Below this many whitespace-separated chunks a message is a question, not
/// a story: every word weighs fully.
pub const LONG_MESSAGE_CHUNKS: usize = 14;

/// What a word of a narrative sentence weighs next to one of the question.
/// On the tuning sets 0.3, 0.5 and 0.7 score alike (0.7 wins one story of
/// the 33-question set); 0.5 keeps a story from outvoting its question.
pub const NARRATIVE_WEIGHT: f32 = 0.5;

/// Words that open a question or a request even without a question mark.
const CUES: [&str; 30] = [
    "как",
    "что",
    "где",
    "когда",
    "куда",
    "сколько",
    "почему",
    "зачем",
    "можно",
    "могу",
    "можете",
    "ли",
    "какой",
    "какие",
    "какая",
    "кто",
    "подскажите",
    "помогите",
    "верните",
    "разберитесь",
    "объясните",
    "скажите",
    "how",
    "what",
    "where",
    "when",
    "why",
    "can",
    "could",
    "is",
];

/// Words that open a sentence without being its content.
const GREETINGS: [&str; 10] = [
    "здравствуйте",
    "добрый",
    "доброе",
    "день",
    "вечер",
    "утро",
    "привет",
    "hello",
    "hi",
    "ну",
];

/// Only the first words of a sentence are read for a cue: «…сказали, что по
/// карте…» has «что» inside a narrative.
const CUE_WINDOW: usize = 3;

/// The chunks of `query` with their weights, in order, at most `max_chunks`
/// of them: when the message is long, the chunks of the sentences that ask
/// are kept first and weigh 1, the others weigh [`NARRATIVE_WEIGHT`]. A long
/// message without any sentence that asks weighs evenly.
pub fn weighted_chunks(query: &str, max_chunks: usize) -> Vec<(&str, f32)> {
    let sentences = sentences(query);
    let chunks: usize = sentences.iter().map(Vec::len).sum();
    if chunks < LONG_MESSAGE_CHUNKS || sentences.len() < 2 {
        return sentences
            .into_iter()
            .flatten()
            .take(max_chunks)
            .map(|c| (c, 1.0))
            .collect();
    }
    let asks: Vec<bool> = sentences.iter().map(|s| asks(s)).collect();
    if !asks.iter().any(|&a| a) {
        return sentences
            .into_iter()
            .flatten()
            .take(max_chunks)
            .map(|c| (c, 1.0))
            .collect();
    }
    // The budget goes to the asking sentences first, then to the story in
    // its order; the kept chunks are returned in the message's order.
    let mut budget = max_chunks;
    let mut keep = vec![0usize; sentences.len()];
    for pass in [true, false] {
        for (i, sentence) in sentences.iter().enumerate() {
            if asks[i] == pass {
                keep[i] = sentence.len().min(budget);
                budget -= keep[i];
            }
        }
    }
    sentences
        .iter()
        .zip(asks)
        .zip(keep)
        .flat_map(|((sentence, asks), keep)| {
            let weight = if asks { 1.0 } else { NARRATIVE_WEIGHT };
            sentence[..keep].iter().map(move |c| (*c, weight))
        })
        .collect()
}

/// Whitespace-separated chunks grouped into sentences: a sentence ends at a
/// chunk ending in `.`, `!`, `?` or `…`, and at a line break.
fn sentences(query: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    for line in query.lines() {
        let mut current = Vec::new();
        for chunk in line.split_whitespace() {
            current.push(chunk);
            if chunk.ends_with(['.', '!', '?', '…']) {
                out.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// Whether a sentence asks: it ends with a question mark, or one of its
/// first words is a question word or a request.
fn asks(sentence: &[&str]) -> bool {
    if sentence
        .last()
        .is_some_and(|c| c.trim_end_matches(['.', '!', ')', '»', '"']).ends_with('?'))
    {
        return true;
    }
    sentence
        .iter()
        .flat_map(|c| analysis::words(c))
        .filter(|w| !GREETINGS.contains(&w.as_str()))
        .take(CUE_WINDOW)
        .any(|w| CUES.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight_of(chunks: &[(&str, f32)], chunk: &str) -> f32 {
        chunks
            .iter()
            .find(|(c, _)| *c == chunk)
            .map_or(-1.0, |(_, w)| *w)
    }

    #[test]
    fn a_short_question_weighs_evenly() {
        let chunks = weighted_chunks("Где мой заказ? Жду неделю.", 120);
        assert!(chunks.iter().all(|(_, w)| *w == 1.0));
        assert_eq!(chunks.len(), 5);
    }

    #[test]
    fn the_question_of_a_story_weighs_more_than_the_story() {
        let story = "Летели с семьёй в Сочи, пересадка в Москве, всё было нормально, \
                     но на ленте наш чемодан так и не появился, ждали час. Куда обращаться?";
        let chunks = weighted_chunks(story, 120);
        assert_eq!(weight_of(&chunks, "обращаться?"), 1.0);
        assert_eq!(weight_of(&chunks, "чемодан"), NARRATIVE_WEIGHT);
        // A question word opens a question without a question mark.
        let story = "Вчера был в торговом центре, расплачивался картой в кафе, потом \
                     ездил на такси и потерял кошелёк.\nКак заблокировать карту";
        let chunks = weighted_chunks(story, 120);
        assert_eq!(weight_of(&chunks, "заблокировать"), 1.0);
        assert_eq!(weight_of(&chunks, "такси"), NARRATIVE_WEIGHT);
    }

    #[test]
    fn a_story_that_asks_nothing_weighs_evenly() {
        let story = "Заказал наушники, оплатил картой, пришло смс о списании, а потом \
                     ещё одно такое же списание. Заказ при этом один.";
        assert!(weighted_chunks(story, 120).iter().all(|(_, w)| *w == 1.0));
    }

    #[test]
    fn a_long_story_keeps_its_question_within_the_budget() {
        let story = format!("{} Как вернуть деньги?", "бла бла бла. ".repeat(100));
        let chunks = weighted_chunks(&story, 20);
        assert_eq!(chunks.len(), 20);
        assert_eq!(chunks.last().map(|c| c.0), Some("деньги?"));
        assert_eq!(weight_of(&chunks, "вернуть"), 1.0);
    }
}
