//! Property tests of the detectors. They double as fuzzing: `cargo fuzz`
//! needs a nightly compiler this project does not require, so arbitrary
//! input is thrown at every entry point here (set `PROPTEST_CASES` for a
//! longer run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hotline_guard::{
    DEFAULT_HISTORY, LinkPolicy, RedactionKind, Strictness, display_name_problem,
    mask_trailing_digits, may_finish_split_card, scan, scan_with_history, secret_request,
    secret_request_with_previous,
};
use proptest::prelude::*;

fn luhn_complete(mut digits: Vec<u32>) -> String {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    digits.push((10 - sum % 10) % 10);
    digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap())
        .collect()
}

/// A card number: a card-like first digit, 13–19 digits, Luhn-valid.
fn card() -> impl Strategy<Value = String> {
    (2u32..=6, 12usize..=18)
        .prop_flat_map(|(first, len)| {
            proptest::collection::vec(0u32..10, len - 1).prop_map(move |rest| {
                let mut digits = vec![first];
                digits.extend(rest);
                digits
            })
        })
        .prop_map(luhn_complete)
        .prop_filter("not one repeated digit", |n| {
            n.chars().any(|c| !n.starts_with(c))
        })
}

/// How people and tricksters write a number down.
fn written(number: String) -> impl Strategy<Value = String> {
    let separators = prop_oneof![
        Just(""),
        Just(" "),
        Just("-"),
        Just("."),
        Just("\n"),
        Just("\u{00A0}"),
        Just("\u{200B}"),
        Just(" - "),
        Just("\u{2009}"),
    ];
    (
        separators,
        proptest::collection::vec(1usize..=6, 1..8),
        any::<bool>(),
    )
        .prop_map(move |(separator, sizes, full_width)| {
            let mut out = String::new();
            let mut chars = number.chars().peekable();
            for size in sizes.iter().cycle() {
                for _ in 0..*size {
                    if let Some(c) = chars.next() {
                        out.push(if full_width {
                            char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap()
                        } else {
                            c
                        });
                    }
                }
                if chars.peek().is_none() {
                    break;
                }
                out.push_str(separator);
            }
            out
        })
}

fn digits_of(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '\u{FF10}'..='\u{FF19}' => char::from_digit(c as u32 - 0xFF10, 10),
            _ => None,
        })
        .collect()
}

/// Words around a card that say nothing about it.
fn neutral_words() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("здравствуйте"),
            Just("вот"),
            Just("моя"),
            Just("карта"),
            Just("please"),
            Just("help"),
            Just("спасибо"),
            Just("!"),
            Just(","),
        ],
        0..5,
    )
    .prop_map(|words| words.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_card_in_any_shape_never_survives(
        number in card(),
        shaped in card().prop_flat_map(written),
        before in neutral_words(),
        after in neutral_words(),
    ) {
        let _ = number;
        let card_digits = digits_of(&shaped);
        let text = format!("{before} {shaped} {after}");
        let result = scan(&text, None, Strictness::Normal);
        prop_assert!(
            !digits_of(&result.masked).contains(&card_digits),
            "{text:?} -> {:?}", result.masked
        );
        prop_assert!(result.redactions.iter().any(|r| r.kind == RedactionKind::CardNumber));
    }

    #[test]
    fn a_card_split_across_two_messages_is_caught(
        number in card(),
        cut in 4usize..=12,
    ) {
        let cut = cut.min(number.len() - 1);
        let previous = format!("карта {}", &number[..cut]);
        let result = scan(&number[cut..], Some(&previous), Strictness::Normal);
        prop_assert!(result.previous_holds_card_start, "{previous:?} + {:?}", &number[cut..]);
        prop_assert!(!digits_of(&mask_trailing_digits(&previous)).contains(&number[..cut]));
    }

    #[test]
    fn strict_mode_masks_every_luhn_valid_run(digits in proptest::collection::vec(0u32..10, 12..=18)) {
        let number = luhn_complete(digits);
        let result = scan(&format!("номер {number}"), None, Strictness::Strict);
        prop_assert!(!result.masked.contains(&number));
    }

    #[test]
    fn masking_is_stable(text in "\\PC{0,200}") {
        let once = scan(&text, None, Strictness::Normal);
        let twice = scan(&once.masked, None, Strictness::Normal);
        prop_assert!(!twice.redactions.iter().any(|r| r.kind == RedactionKind::CardNumber),
            "{text:?} -> {:?} -> {:?}", once.masked, twice.masked);
        if once.redactions.is_empty() {
            prop_assert_eq!(&once.masked, &text);
        }
    }
}

proptest! {
    // Fuzzing: arbitrary input to every entry point must not panic.
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn detectors_accept_any_input(text in "\\PC{0,300}|[0-9 \\-.\u{200B}０-９кодcvvпароль:/]{0,120}", previous in "\\PC{0,40}|[0-9 ]{0,30}") {
        let _ = scan(&text, Some(&previous), Strictness::Normal);
        let _ = scan(&text, None, Strictness::Strict);
        let _ = mask_trailing_digits(&text);
        let _ = secret_request(&text);
        let _ = LinkPolicy::new(&["bank.example"]).links(&text);
        let _ = LinkPolicy::new(&[text.as_str()]).links("https://bank.example");
        let _ = display_name_problem(&text, std::slice::from_ref(&previous));
        let _ = scan_with_history(&text, &[previous.as_str(), text.as_str()], Strictness::Normal);
        let _ = scan_with_history(&previous, &[text.as_str()], Strictness::Strict);
        let _ = secret_request_with_previous(&text, Some(&previous));
    }

    // The server fetches the previous message only when this says it could
    // matter; skipping it must never change what is masked.
    #[test]
    fn the_previous_message_matters_only_when_the_text_starts_with_a_digit(
        text in "\\PC{0,60}|[0-9 \\-.\u{200B}０-９]{0,30}[a-zа-я ]{0,10}",
        previous in "карта [0-9 ]{4,16}|[0-9 ]{0,20}|\\PC{0,30}",
    ) {
        if !may_finish_split_card(&text) {
            prop_assert_eq!(
                scan(&text, Some(&previous), Strictness::Normal),
                scan(&text, None, Strictness::Normal)
            );
            prop_assert_eq!(
                scan(&text, Some(&previous), Strictness::Strict),
                scan(&text, None, Strictness::Strict)
            );
        }
    }
}

/// Sends `messages` one by one the way the server does: each is scanned
/// with the sender's last few stored messages, and those it completes are
/// stored again, masked. Returns what is stored.
fn through_the_message_path(messages: &[String], strictness: Strictness) -> Vec<String> {
    let mut stored: Vec<String> = Vec::new();
    for message in messages {
        let from = stored.len().saturating_sub(DEFAULT_HISTORY);
        let window: Vec<&str> = stored[from..].iter().map(String::as_str).collect();
        let result = scan_with_history(message, &window, strictness);
        for remasked in result.remasked {
            stored[from + remasked.index] = remasked.masked;
        }
        stored.push(result.current.masked);
    }
    stored
}

/// Words a customer puts around the pieces of a card.
fn filler() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(""),
        Just("карта "),
        Just("дальше "),
        Just("и "),
        Just("вот "),
        Just("card "),
        Just("а ещё "),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // A card sent in two to four pieces (of two digits or more), with words
    // around them and an aside in between, leaves nothing but its last
    // four digits stored.
    #[test]
    fn a_card_in_pieces_over_several_messages_leaves_only_its_last_four(
        number in card(),
        cuts in proptest::collection::btree_set(2usize..12, 1..=3),
        words in proptest::collection::vec(filler(), 4),
        aside in any::<bool>(),
        strict in any::<bool>(),
    ) {
        let mut bounds: Vec<usize> = cuts.into_iter().filter(|c| *c < number.len()).collect();
        bounds.insert(0, 0);
        bounds.push(number.len());
        let mut messages = Vec::new();
        for (k, pair) in bounds.windows(2).enumerate() {
            messages.push(format!("{}{}", words[k % words.len()], &number[pair[0]..pair[1]]));
            if aside && k == 0 && bounds.len() <= 3 {
                messages.push("секунду".to_owned());
            }
        }
        let strictness = if strict { Strictness::Strict } else { Strictness::Normal };
        // In the bank a Luhn-valid run is masked on its own (13 zeros are);
        // the pieces before it are then no longer looked at.
        prop_assume!(!(strict && bounds.windows(2).any(|p| p[1] - p[0] >= 13)));
        // A lone digit is read as a rating or a count, never as a piece.
        prop_assume!(bounds.windows(2).all(|p| p[1] - p[0] >= 2));
        let stored = through_the_message_path(&messages, strictness);
        let left = digits_of(&stored.concat());
        prop_assert_eq!(&left, &number[number.len() - 4..], "{:?} -> {:?}", messages, stored);
    }

    // Without earlier messages it is the old scan, message for message.
    #[test]
    fn with_no_history_it_is_the_single_message_scan(text in "\\PC{0,120}|[0-9 \\-.кодcvvпароль:/,]{0,60}") {
        for strictness in [Strictness::Normal, Strictness::Strict] {
            let across = scan_with_history(&text, &[], strictness);
            prop_assert!(across.remasked.is_empty());
            prop_assert_eq!(across.current, scan(&text, None, strictness));
        }
    }

    // Re-masking only ever hides: an earlier message keeps its words and
    // loses digits, and the index points into the slice given.
    #[test]
    fn remasking_only_hides_digits(
        previous in proptest::collection::vec("[0-9 ]{0,12}|карта [0-9 ]{4,10}|\\PC{0,20}", 0..=3),
        text in "[0-9 ]{1,12}|\\PC{0,20}",
    ) {
        let window: Vec<&str> = previous.iter().map(String::as_str).collect();
        let result = scan_with_history(&text, &window, Strictness::Normal);
        for remasked in &result.remasked {
            prop_assert!(remasked.index < previous.len());
            let before = digits_of(&previous[remasked.index]);
            let after = digits_of(&remasked.masked);
            prop_assert!(after.len() < before.len(), "{:?} -> {:?}", previous[remasked.index], remasked.masked);
        }
    }

    // Order numbers and phones sent in two parts are not cards, even when
    // the digits happen to pass Luhn.
    #[test]
    fn an_order_number_in_two_parts_is_left_alone(
        digits in proptest::collection::vec(0u32..10, 15),
        first in 2u32..=6,
        cut in 4usize..12,
        label in prop_oneof![Just("заказ "), Just("номер заказа "), Just("трек "), Just("телефон "), Just("order ")],
    ) {
        let mut all = vec![first];
        all.extend(digits);
        let number = luhn_complete(all);
        let previous = format!("{label}{}", &number[..cut]);
        let result = scan_with_history(&number[cut..], &[previous.as_str()], Strictness::Normal);
        prop_assert!(result.remasked.is_empty(), "{previous:?} + {:?}", &number[cut..]);
        // The second part alone may still be a card of its own.
        prop_assert_eq!(result.current, scan(&number[cut..], None, Strictness::Normal));
    }

    // Earlier messages only add to what an operator's message asks for.
    #[test]
    fn the_previous_operator_message_never_clears_a_request(
        text in "\\PC{0,80}|(?:Назовите|Пришлите|Tell me) (?:код|номер карты|the code)",
        previous in "\\PC{0,60}|Никогда не сообщайте код|Номер карты не нужен",
    ) {
        if secret_request(&text).is_some() {
            prop_assert!(secret_request_with_previous(&text, Some(&previous)).is_some());
        }
        prop_assert_eq!(secret_request_with_previous(&text, None), secret_request(&text));
    }
}
