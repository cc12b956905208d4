//! The text as the detectors read it: invisible characters dropped, every
//! decimal digit made ASCII, with a map back to the original bytes.

use std::ops::Range;

/// Characters that show nothing: zero-width spaces and joiners, the soft
/// hyphen, the word joiner, the BOM and the bidi controls. People (and
/// tricksters) put them between digits; the detectors skip them.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}')
}

/// The value of a decimal digit in the scripts people type digits in.
pub(crate) fn digit_value(c: char) -> Option<u32> {
    let zero = match c {
        '0'..='9' => '0',
        '\u{FF10}'..='\u{FF19}' => '\u{FF10}', // full-width
        '\u{0660}'..='\u{0669}' => '\u{0660}', // Arabic-Indic
        '\u{06F0}'..='\u{06F9}' => '\u{06F0}', // Eastern Arabic-Indic
        '\u{0966}'..='\u{096F}' => '\u{0966}', // Devanagari
        '\u{1D7CE}'..='\u{1D7FF}' => return Some((c as u32 - 0x1D7CE) % 10), // mathematical
        _ => return None,
    };
    Some(c as u32 - zero as u32)
}

pub(crate) struct Normalized<'a> {
    pub original: &'a str,
    pub text: String,
    /// For each byte of `text`: where its character starts and ends in `original`.
    origin: Vec<(usize, usize)>,
}

impl<'a> Normalized<'a> {
    pub fn new(original: &'a str) -> Normalized<'a> {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        for (at, c) in original.char_indices() {
            // A doubled space is a slip, not a separator worth reading:
            // «годна  до», «back  side» read as with one.
            if is_invisible(c) || (c == ' ' && text.ends_with(' ')) {
                continue;
            }
            let end = at + c.len_utf8();
            let c = match digit_value(c) {
                Some(d) => char::from_digit(d, 10).unwrap_or(c),
                None => c,
            };
            text.push(c);
            origin.extend(std::iter::repeat_n((at, end), c.len_utf8()));
        }
        Normalized {
            original,
            text,
            origin,
        }
    }

    /// Where in the normalised text the byte `at` of the original is (or
    /// the first byte after it that survived normalisation).
    pub fn normalized_at(&self, at: usize) -> usize {
        self.origin.partition_point(|o| o.0 < at)
    }

    /// The original bytes behind `range` of the normalised text.
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        if range.is_empty() {
            let at = self
                .origin
                .get(range.start)
                .map_or(self.original.len(), |o| o.0);
            return at..at;
        }
        let start = self.origin[range.start].0;
        let end = self.origin[range.end - 1].1;
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_full_width_digits_and_drops_invisible_characters() {
        let original = "a\u{FF11}\u{200B}2b";
        let n = Normalized::new(original);
        assert_eq!(n.text, "a12b");
        assert_eq!(&original[n.original_range(1..3)], "\u{FF11}\u{200B}2");
    }

    #[test]
    fn reads_a_doubled_space_as_one_and_maps_back_over_it() {
        let original = "a  12";
        let n = Normalized::new(original);
        assert_eq!(n.text, "a 12");
        assert_eq!(&original[n.original_range(1..4)], "  12");
    }
}
