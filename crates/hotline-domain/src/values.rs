//! Validated input values ("parse, don't validate").

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// Files one message may carry.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;

/// Default limit of a message's length, in characters.
pub const DEFAULT_MAX_MESSAGE_CHARS: usize = 10_000;

/// The text of a message, exactly as its author wrote it: never trimmed or
/// rewritten, only checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: String, max_chars: usize) -> Result<Self, DomainError> {
        if raw.trim().is_empty() {
            return Err(DomainError::Empty { field: "text" });
        }
        let len = raw.chars().count();
        if len > max_chars {
            return Err(DomainError::TooLong {
                field: "text",
                len,
                max: max_chars,
            });
        }
        if raw.contains('\0') {
            return Err(DomainError::InvalidCharacters {
                field: "text",
                reason: "NUL character",
            });
        }
        Ok(Self(raw))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

fn check_token(
    raw: &str,
    field: &'static str,
    max: usize,
    allowed: impl Fn(char) -> bool,
    reason: &'static str,
) -> Result<(), DomainError> {
    if raw.is_empty() {
        return Err(DomainError::Empty { field });
    }
    let len = raw.chars().count();
    if len > max {
        return Err(DomainError::TooLong { field, len, max });
    }
    if !raw.chars().all(allowed) {
        return Err(DomainError::InvalidCharacters { field, reason });
    }
    Ok(())
}

/// The client's own id of a send, so that a retry is recognised: 1–64 ASCII
/// letters, digits, `-`, `_`, `.` or `:` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[serde(transparent)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub fn parse(raw: String) -> Result<Self, DomainError> {
        check_token(
            &raw,
            "client_msg_id",
            64,
            |c| c.is_ascii_alphanumeric() || "-_.:".contains(c),
            "use ASCII letters, digits, '-', '_', '.' or ':'",
        )?;
        Ok(Self(raw))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A lowercase slug naming something configured: lowercase ASCII letters,
/// digits, `-` and `_`, at most `$max` characters.
macro_rules! slug {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: String) -> Result<Self, DomainError> {
                check_token(
                    &raw,
                    $field,
                    $max,
                    |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_',
                    "use lowercase ASCII letters, digits, '-' or '_'",
                )?;
                Ok(Self(raw))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// For slugs written in the code itself; checked in debug builds and by tests.
            pub(crate) fn from_static(raw: &'static str) -> Self {
                debug_assert!(Self::parse(raw.to_owned()).is_ok(), "bad built-in slug {raw}");
                Self(raw.to_owned())
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }
    };
}

slug!(
    /// A department's slug, such as `marketplace`, `travel` or `bank`.
    DepartmentId, "department", 32
);
slug!(
    /// A topic's slug inside its department, such as `miles` or `baggage`.
    TopicId, "topic", 64
);

/// An order or booking number in the company's system, as the customer's app
/// knows it: 1–64 printable characters without control or format characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[serde(try_from = "String")]
pub struct OrderId(String);

impl OrderId {
    pub fn parse(raw: String) -> Result<Self, DomainError> {
        check_token(
            &raw,
            "order_id",
            64,
            |c| c.is_alphanumeric() || "-_./#".contains(c),
            "use letters, digits, '-', '_', '.', '/' or '#'",
        )?;
        Ok(Self(raw))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrderId {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_verbatim_and_limited() {
        let t = MessageText::parse("  привет <b>\n".into(), 20).unwrap();
        assert_eq!(t.as_str(), "  привет <b>\n");
        assert_eq!(
            MessageText::parse(" \n\t".into(), 20)
                .unwrap_err()
                .code()
                .as_str(),
            "empty_value"
        );
        assert_eq!(
            MessageText::parse("я".repeat(21), 20)
                .unwrap_err()
                .code()
                .as_str(),
            "too_long"
        );
        assert!(
            MessageText::parse("я".repeat(20), 20).is_ok(),
            "the limit counts characters, not bytes"
        );
        assert_eq!(
            MessageText::parse("a\0b".into(), 20)
                .unwrap_err()
                .code()
                .as_str(),
            "invalid_characters"
        );
    }

    #[test]
    fn ids_reject_what_could_confuse_storage_or_logs() {
        assert!(ClientMsgId::parse("0190a6f4-7b7c-7cc4-9d7e-3f1b2c4d5e6f".into()).is_ok());
        assert!(ClientMsgId::parse("".into()).is_err());
        assert!(ClientMsgId::parse("a b".into()).is_err());
        assert!(ClientMsgId::parse("x".repeat(65)).is_err());
        assert!(DepartmentId::parse("travel".into()).is_ok());
        assert!(DepartmentId::parse("Travel".into()).is_err());
        assert!(DepartmentId::parse("../bank".into()).is_err());
        assert!(OrderId::parse("12345678-0001".into()).is_ok());
        assert!(OrderId::parse("12\u{202e}34".into()).is_err());
    }
}

/// A file name fit to show and to put in a download header: the last path
/// component only, without control, bidi-override or zero-width characters,
/// at most 120 characters. Files are stored under generated ids; the name is
/// only metadata.
pub fn display_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format_char(*c))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Bidi controls and zero-width characters, which can disguise a name
/// (`invoice\u{202E}fdp.exe` shows as `invoiceexe.pdf`).
pub fn is_invisible_format_char(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod file_name_tests {
    use super::display_file_name;

    #[test]
    fn hostile_file_names_become_harmless() {
        assert_eq!(display_file_name("../../etc/passwd"), "passwd");
        assert_eq!(display_file_name("C:\\x\\чек.pdf"), "чек.pdf");
        assert_eq!(
            display_file_name("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        assert_eq!(display_file_name("a\u{200B}b\0c.png"), "abc.png");
        assert_eq!(display_file_name("..."), "file");
        assert_eq!(display_file_name(""), "file");
        assert_eq!(display_file_name(&"я".repeat(300)).chars().count(), 120);
    }
}
