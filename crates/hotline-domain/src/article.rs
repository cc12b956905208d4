//! Help-center articles and their file format.
//!
//! An article file is Markdown with a front-matter block of a few `key: value`
//! lines (a small YAML subset: plain, `"double"` or `'single'` quoted scalars,
//! and tags as a flow list `[a, b]` or a block list of `- a` lines):
//!
//! ```text
//! ---
//! id: refund-cancelled-order
//! department: marketplace
//! section: Возвраты и отмена
//! title: Когда вернутся деньги за отменённый заказ
//! tags: [возврат, отмена]
//! updated_at: 2026-11-20T10:00:00Z
//! ---
//! Markdown body…
//! ```
//!
//! `updated_at` is optional when reading (the importer stamps the time of the
//! change); [`Article::to_file`] always writes it. The format is parsed by hand
//! rather than with a YAML library so that every error names its line and the
//! accepted syntax stays exactly what [`Article::to_file`] writes.

use crate::Timestamp;
use crate::error::DomainError;
use crate::values::{DepartmentId, is_invisible_format_char};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest article id, in characters.
pub const MAX_ARTICLE_ID_CHARS: usize = 100;
/// Longest section name and title, in characters.
pub const MAX_ARTICLE_HEADING_CHARS: usize = 200;
/// Tags one article may carry, and the length of each.
pub const MAX_ARTICLE_TAGS: usize = 20;
pub const MAX_ARTICLE_TAG_CHARS: usize = 60;
/// Longest body, in characters.
pub const MAX_ARTICLE_BODY_CHARS: usize = 100_000;

/// An article's stable slug: lowercase ASCII letters, digits, `-` and `_`,
/// at most 100 characters. It is the file name on export and the URL path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[serde(try_from = "String")]
pub struct ArticleId(String);

impl ArticleId {
    pub fn parse(raw: String) -> Result<Self, DomainError> {
        if raw.is_empty() {
            return Err(DomainError::Empty { field: "id" });
        }
        let len = raw.chars().count();
        if len > MAX_ARTICLE_ID_CHARS {
            return Err(DomainError::TooLong {
                field: "id",
                len,
                max: MAX_ARTICLE_ID_CHARS,
            });
        }
        let slug_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !raw.chars().all(slug_char) || raw.starts_with(['-', '_']) {
            return Err(DomainError::InvalidCharacters {
                field: "id",
                reason: "use lowercase ASCII letters, digits, '-' or '_', starting with a letter or digit",
            });
        }
        Ok(Self(raw))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ArticleId {
    type Error = DomainError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A help-center article, valid by construction (see [`Article::new`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: ArticleId,
    pub department: DepartmentId,
    /// The section's display name inside the department, e.g. «Возвраты и отмена».
    pub section: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Markdown; rendered with raw HTML escaped.
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// An article the bot offers, as a bot message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleSuggestion {
    pub id: ArticleId,
    pub title: String,
    /// The article's page in the public help center (a path on this server).
    pub url: String,
}

impl ArticleSuggestion {
    pub fn of(id: ArticleId, title: String) -> ArticleSuggestion {
        let url = Article::path_of(&id);
        ArticleSuggestion { id, title, url }
    }
}

/// The editable fields of an article, as they arrive from an API or a file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleDraft {
    pub id: String,
    pub department: String,
    pub section: String,
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub body: String,
}

/// One line of text without control or invisible format characters.
fn check_line(raw: &str, field: &'static str, max: usize) -> Result<String, DomainError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(DomainError::Empty { field });
    }
    let len = value.chars().count();
    if len > max {
        return Err(DomainError::TooLong { field, len, max });
    }
    if value
        .chars()
        .any(|c| c.is_control() || is_invisible_format_char(c))
    {
        return Err(DomainError::InvalidCharacters {
            field,
            reason: "control or invisible characters",
        });
    }
    Ok(value.to_owned())
}

fn check_tags(raw: Vec<String>) -> Result<Vec<String>, DomainError> {
    if raw.len() > MAX_ARTICLE_TAGS {
        return Err(DomainError::TooMany {
            field: "tags",
            len: raw.len(),
            max: MAX_ARTICLE_TAGS,
        });
    }
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let tag = check_line(&tag, "tags", MAX_ARTICLE_TAG_CHARS)?;
        if tag.contains([',', '[', ']']) {
            return Err(DomainError::InvalidCharacters {
                field: "tags",
                reason: "',', '[' and ']' separate tags",
            });
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// The body ends with a line break, so that the file form reads back equal.
fn check_body(mut raw: String) -> Result<String, DomainError> {
    let len = raw.chars().count();
    if len > MAX_ARTICLE_BODY_CHARS {
        return Err(DomainError::TooLong {
            field: "body",
            len,
            max: MAX_ARTICLE_BODY_CHARS,
        });
    }
    if raw.contains('\0') {
        return Err(DomainError::InvalidCharacters {
            field: "body",
            reason: "NUL character",
        });
    }
    if raw.trim().is_empty() {
        return Err(DomainError::Empty { field: "body" });
    }
    if !raw.ends_with('\n') {
        raw.push('\n');
    }
    Ok(raw)
}

impl Article {
    /// Validates a draft: `id` and `department` are slugs, `section` and
    /// `title` single non-empty lines (trimmed), tags deduplicated, body
    /// non-empty Markdown without NUL, ending with a line break.
    pub fn new(draft: ArticleDraft, updated_at: Timestamp) -> Result<Article, DomainError> {
        Ok(Article {
            id: ArticleId::parse(draft.id)?,
            department: DepartmentId::parse(draft.department)?,
            section: check_line(&draft.section, "section", MAX_ARTICLE_HEADING_CHARS)?,
            title: check_line(&draft.title, "title", MAX_ARTICLE_HEADING_CHARS)?,
            tags: check_tags(draft.tags)?,
            body: check_body(draft.body)?,
            updated_at,
        })
    }

    /// The article's page in the public help center.
    pub fn path_of(id: &ArticleId) -> String {
        format!("/help/articles/{id}")
    }

    /// Whether the two articles say the same thing (everything but `updated_at`).
    pub fn same_content(&self, other: &Article) -> bool {
        self.id == other.id
            && self.department == other.department
            && self.section == other.section
            && self.title == other.title
            && self.tags == other.tags
            && self.body == other.body
    }

    /// Parses an article file; `now` stamps a file without `updated_at`.
    pub fn from_file(text: &str, now: Timestamp) -> Result<Article, ArticleFileError> {
        parse_file(text, now)
    }

    /// The file form, which [`Article::from_file`] reads back to an equal article.
    pub fn to_file(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 256);
        out.push_str("---\n");
        for (key, value) in [
            ("id", self.id.as_str()),
            ("department", self.department.as_str()),
            ("section", &self.section),
            ("title", &self.title),
        ] {
            out.push_str(key);
            out.push_str(": ");
            out.push_str(&scalar(value));
            out.push('\n');
        }
        out.push_str("tags: [");
        let tags: Vec<String> = self.tags.iter().map(|t| scalar(t)).collect();
        out.push_str(&tags.join(", "));
        out.push_str("]\n");
        out.push_str("updated_at: ");
        out.push_str(&format_timestamp(self.updated_at));
        out.push_str("\n---\n");
        out.push_str(&self.body);
        out
    }
}

fn format_timestamp(t: Timestamp) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// A value written plainly when it reads back the same, else double-quoted
/// (JSON string escapes are a subset of YAML's double-quoted ones).
fn scalar(value: &str) -> String {
    let plain = !value.is_empty()
        && value.trim() == value
        && !value.starts_with([
            '"', '\'', '[', ']', '{', '}', '#', '-', '&', '*', '!', '|', '>', '%', '@', '`', ',',
        ])
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.contains([',', '[', ']']);
    if plain {
        value.to_owned()
    } else {
        serde_json::Value::String(value.to_owned()).to_string()
    }
}

/// What is wrong with an article file, and on which line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFileError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ArticleFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ArticleFileError {}

fn file_error(line: usize, message: impl Into<String>) -> ArticleFileError {
    ArticleFileError {
        line,
        message: message.into(),
    }
}

const KEYS: [&str; 6] = ["id", "department", "section", "title", "tags", "updated_at"];

fn parse_file(text: &str, now: Timestamp) -> Result<Article, ArticleFileError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut lines = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l));
    match lines.next() {
        Some((_, first)) if first.trim_end() == "---" => {}
        _ => {
            return Err(file_error(
                1,
                "the file must start with a front-matter block: a line `---`, the fields, and another `---`",
            ));
        }
    }
    // (value, line) per key
    let mut fields: Vec<(&'static str, FieldValue, usize)> = Vec::new();
    let mut pending_block_list: Option<(usize, Vec<String>)> = None;
    let mut body_start: Option<usize> = None;
    let mut last_line = 1;
    let mut consumed = 0usize;
    consumed += text.split_inclusive('\n').next().map_or(0, str::len);
    for (number, raw) in lines.by_ref() {
        last_line = number;
        consumed += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim_end() == "---" {
            body_start = Some(consumed);
            break;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if let Some(item) = line
            .trim_start()
            .strip_prefix("- ")
            .or_else(|| (line.trim() == "-").then_some(""))
        {
            let Some((_, items)) = pending_block_list.as_mut() else {
                return Err(file_error(number, "a list item `- …` must follow `tags:`"));
            };
            if !line.starts_with([' ', '-']) {
                return Err(file_error(number, "a list item must start with `- `"));
            }
            items.push(parse_scalar(item.trim(), number)?);
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return Err(file_error(
                number,
                "unexpected indentation: a value must fit on its key's line",
            ));
        }
        if let Some((line_of_key, items)) = pending_block_list.take() {
            push_field(&mut fields, "tags", FieldValue::List(items), line_of_key)?;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(file_error(
                number,
                format!("expected `key: value`, found `{}`", shorten(line)),
            ));
        };
        let key = key.trim();
        let Some(key) = KEYS.iter().find(|k| **k == key).copied() else {
            return Err(file_error(
                number,
                format!(
                    "unknown field `{}`; the fields are {}",
                    shorten(key),
                    KEYS.join(", ")
                ),
            ));
        };
        let value = value.trim();
        if key == "tags" {
            if value.is_empty() {
                pending_block_list = Some((number, Vec::new()));
                continue;
            }
            let list = parse_flow_list(value, number)?;
            push_field(&mut fields, key, FieldValue::List(list), number)?;
        } else {
            push_field(
                &mut fields,
                key,
                FieldValue::Scalar(parse_scalar(value, number)?),
                number,
            )?;
        }
    }
    let Some(body_start) = body_start else {
        return Err(file_error(
            last_line,
            "the front-matter block is not closed: add a line `---` before the body",
        ));
    };
    if let Some((line_of_key, items)) = pending_block_list.take() {
        push_field(&mut fields, "tags", FieldValue::List(items), line_of_key)?;
    }
    let closing_line = last_line;

    let take = |key: &'static str| -> Result<(String, usize), ArticleFileError> {
        match fields.iter().find(|(k, _, _)| *k == key) {
            Some((_, FieldValue::Scalar(v), line)) => Ok((v.clone(), *line)),
            Some((_, FieldValue::List(_), line)) => Err(file_error(
                *line,
                format!("`{key}` takes one value, not a list"),
            )),
            None => Err(file_error(
                closing_line,
                format!("the front matter has no `{key}`; add a line `{key}: …`"),
            )),
        }
    };
    let (id, id_line) = take("id")?;
    let (department, department_line) = take("department")?;
    let (section, section_line) = take("section")?;
    let (title, title_line) = take("title")?;
    let (tags, tags_line) = match fields.iter().find(|(k, _, _)| *k == "tags") {
        Some((_, FieldValue::List(items), line)) => (items.clone(), *line),
        Some((_, FieldValue::Scalar(v), line)) => (vec![v.clone()], *line),
        None => (Vec::new(), closing_line),
    };
    let updated_at = match fields.iter().find(|(k, _, _)| *k == "updated_at") {
        Some((_, FieldValue::Scalar(v), line)) => Timestamp::parse(
            v,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|_| {
            file_error(
                *line,
                format!(
                    "`updated_at` must be an RFC 3339 time like 2026-11-20T10:00:00Z, found `{}`",
                    shorten(v)
                ),
            )
        })?
        .to_offset(time::UtcOffset::UTC),
        Some((_, FieldValue::List(_), line)) => {
            return Err(file_error(
                *line,
                "`updated_at` takes one value, not a list",
            ));
        }
        None => now,
    };
    let body_line = closing_line + 1;
    let at = |line: usize| move |e: DomainError| file_error(line, e.to_string());
    Ok(Article {
        id: ArticleId::parse(id).map_err(at(id_line))?,
        department: DepartmentId::parse(department).map_err(at(department_line))?,
        section: check_line(&section, "section", MAX_ARTICLE_HEADING_CHARS)
            .map_err(at(section_line))?,
        title: check_line(&title, "title", MAX_ARTICLE_HEADING_CHARS).map_err(at(title_line))?,
        tags: check_tags(tags).map_err(at(tags_line))?,
        body: check_body(text[body_start..].to_owned()).map_err(at(body_line))?,
        updated_at,
    })
}

enum FieldValue {
    Scalar(String),
    List(Vec<String>),
}

fn push_field(
    fields: &mut Vec<(&'static str, FieldValue, usize)>,
    key: &'static str,
    value: FieldValue,
    line: usize,
) -> Result<(), ArticleFileError> {
    if let Some((_, _, first)) = fields.iter().find(|(k, _, _)| *k == key) {
        return Err(file_error(
            line,
            format!("`{key}` is given twice (first on line {first})"),
        ));
    }
    fields.push((key, value, line));
    Ok(())
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// A scalar: `"double"` (JSON escapes), `'single'` (`''` is a quote) or plain;
/// a trailing ` # comment` is dropped, as in YAML.
fn parse_scalar(raw: &str, line: usize) -> Result<String, ArticleFileError> {
    let (value, rest) = split_scalar(raw, line)?;
    if !is_comment_or_empty(rest) {
        return Err(file_error(
            line,
            "unexpected text after a quoted value (a comment starts with ` #`)",
        ));
    }
    Ok(value)
}

fn is_comment_or_empty(rest: &str) -> bool {
    let rest = rest.trim();
    rest.is_empty() || rest.starts_with('#')
}

/// The scalar at the start of `raw` and the text after it. A plain scalar
/// ends at ` #` or, inside a flow list (`in_list`), at `,` or `]`.
fn split_scalar_in(
    raw: &str,
    line: usize,
    in_list: bool,
) -> Result<(String, &str), ArticleFileError> {
    if let Some(quote) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let Some(end) = closing_quote(raw, quote) else {
            return Err(file_error(
                line,
                if quote == '"' {
                    "a double-quoted value must end with `\"` and use escapes like \\\" and \\\\"
                } else {
                    "a single-quoted value must end with `'`"
                },
            ));
        };
        let quoted = &raw[..=end];
        let value = if quote == '"' {
            serde_json::from_str::<String>(quoted).map_err(|_| {
                file_error(
                    line,
                    "a double-quoted value uses escapes like \\\" and \\\\",
                )
            })?
        } else {
            quoted[1..quoted.len() - 1].replace("''", "'")
        };
        return Ok((value, &raw[end + 1..]));
    }
    let mut end = raw.len();
    if let Some(i) = raw.find(" #") {
        end = end.min(i);
    }
    if in_list && let Some(i) = raw.find([',', ']']) {
        end = end.min(i);
    }
    Ok((raw[..end].trim().to_owned(), &raw[end..]))
}

fn split_scalar(raw: &str, line: usize) -> Result<(String, &str), ArticleFileError> {
    split_scalar_in(raw, line, false)
}

/// `[a, "b c", 'd']`, optionally followed by a ` # comment`.
fn parse_flow_list(raw: &str, line: usize) -> Result<Vec<String>, ArticleFileError> {
    let not_a_list = || {
        file_error(
            line,
            "`tags` must be a list like [возврат, отмена] or `- ` lines below it",
        )
    };
    let mut rest = raw.strip_prefix('[').ok_or_else(not_a_list)?.trim_start();
    let mut items = Vec::new();
    if let Some(after) = rest.strip_prefix(']') {
        return if is_comment_or_empty(after) {
            Ok(items)
        } else {
            Err(not_a_list())
        };
    }
    loop {
        let (item, after) = split_scalar_in(rest, line, true)?;
        if item.is_empty() {
            return Err(file_error(line, "an empty tag in the list"));
        }
        items.push(item);
        let after = after.trim_start();
        if let Some(next) = after.strip_prefix(',') {
            rest = next.trim_start();
        } else if let Some(tail) = after.strip_prefix(']') {
            return if is_comment_or_empty(tail) {
                Ok(items)
            } else {
                Err(not_a_list())
            };
        } else {
            return Err(not_a_list());
        }
    }
}

/// The byte index of the quote closing the quoted scalar at the start of `text`.
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    let bytes = text.as_bytes();
    let q = quote as u8;
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if q == b'"' => i += 2,
            b if b == q => {
                if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: Timestamp = datetime!(2026-11-25 12:00 UTC);

    const EXAMPLE: &str = "---\nid: refund-cancelled-order\ndepartment: marketplace\nsection: Возвраты и отмена\ntitle: Когда вернутся деньги за отменённый заказ\ntags: [возврат, отмена]\n---\nДеньги вернутся **за 3–10 дней**.\n";

    #[test]
    fn the_issue_example_parses() {
        let a = Article::from_file(EXAMPLE, NOW).unwrap();
        assert_eq!(a.id.as_str(), "refund-cancelled-order");
        assert_eq!(a.department.as_str(), "marketplace");
        assert_eq!(a.section, "Возвраты и отмена");
        assert_eq!(a.title, "Когда вернутся деньги за отменённый заказ");
        assert_eq!(a.tags, ["возврат", "отмена"]);
        assert_eq!(a.body, "Деньги вернутся **за 3–10 дней**.\n");
        assert_eq!(a.updated_at, NOW);
    }

    #[test]
    fn block_lists_quotes_and_crlf_are_read() {
        let text = "---\r\nid: a1\r\ndepartment: bank\r\nsection: 'Карты: выпуск'\r\ntitle: \"Как \\\"перевыпустить\\\" карту\"\r\ntags:\r\n  - карта\r\n  - \"b c\" # комментарий\r\nupdated_at: 2026-01-02T03:04:05+03:00\r\n---\r\nтекст\r\n";
        let a = Article::from_file(text, NOW).unwrap();
        assert_eq!(a.section, "Карты: выпуск");
        assert_eq!(a.title, "Как \"перевыпустить\" карту");
        assert_eq!(a.tags, ["карта", "b c"]);
        assert_eq!(a.updated_at, datetime!(2026-01-02 00:04:05 UTC));
        assert_eq!(a.body, "текст\r\n");
    }

    #[test]
    fn errors_name_the_line_and_the_fix() {
        let cases: &[(&str, usize, &str)] = &[
            ("id: x\n", 1, "must start with a front-matter block"),
            ("---\nid: x\n", 2, "not closed"),
            ("---\nid: x\nsection s\n---\nb", 3, "expected `key: value`"),
            (
                "---\nid: x\nauthor: me\n---\nb",
                3,
                "unknown field `author`",
            ),
            (
                "---\nid: x\nid: y\n---\nb",
                3,
                "given twice (first on line 2)",
            ),
            (
                "---\nid: Bad Id\ndepartment: bank\nsection: s\ntitle: t\n---\nb",
                2,
                "id contains characters",
            ),
            (
                "---\nid: a\ndepartment: bank\nsection: s\n---\nb",
                5,
                "no `title`",
            ),
            (
                "---\nid: a\ndepartment: bank\nsection: s\ntitle: \"t\n---\nb",
                5,
                "double-quoted",
            ),
            (
                "---\nid: a\ndepartment: bank\nsection: s\ntitle: t\ntags: [a b c\n---\nb",
                6,
                "`tags` must be a list",
            ),
            (
                "---\nid: a\ndepartment: bank\nsection: s\ntitle: t\nupdated_at: вчера\n---\nb",
                6,
                "RFC 3339",
            ),
            (
                "---\nid: a\ndepartment: bank\nsection: s\ntitle: t\n---\n  \n",
                7,
                "body must not be empty",
            ),
            (
                "---\nid: a\ndepartment: bank\nsection: s\ntitle: t\n---\nb\0",
                7,
                "NUL",
            ),
            (
                "---\nid: a\ndepartment: bank\nsection: s\ntitle: a\u{202e}b\n---\nb",
                5,
                "invisible",
            ),
            ("---\n- a\n---\nb", 2, "must follow `tags:`"),
        ];
        for (text, line, needle) in cases {
            let err = Article::from_file(text, NOW).unwrap_err();
            assert_eq!(err.line, *line, "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn export_reads_back_equal() {
        let awkward = [
            "Возвраты и отмена",
            "Карты: выпуск",
            "- не список",
            "[скобки]",
            "a, b",
            "'кавычки'",
            "\"двойные\"",
            "хвост:",
            "с # решёткой",
            "#хэштег",
            "обратный \\ слеш",
        ];
        for text in awkward {
            let article = Article {
                id: ArticleId::parse("a-1".into()).unwrap(),
                department: DepartmentId::parse("travel".into()).unwrap(),
                section: text.to_owned(),
                title: text.to_owned(),
                tags: if text.contains([',', '[', ']']) {
                    vec!["x".into()]
                } else {
                    vec![text.to_owned(), "мили".into()]
                },
                body: format!("---\n{text}\n---\n"),
                updated_at: datetime!(2026-11-20 10:00:00.5 UTC),
            };
            let file = article.to_file();
            assert_eq!(Article::from_file(&file, NOW).unwrap(), article, "{file}");
        }
    }

    #[test]
    fn drafts_are_validated() {
        let draft = ArticleDraft {
            id: "miles-expire".into(),
            department: "travel".into(),
            section: "  Мили ".into(),
            title: "Сгорают ли мили".into(),
            tags: vec!["мили".into(), "мили".into()],
            body: "Нет.".into(),
        };
        let a = Article::new(draft.clone(), NOW).unwrap();
        assert_eq!(a.section, "Мили");
        assert_eq!(a.tags, ["мили"]);
        for bad in [
            ArticleDraft {
                id: "-x".into(),
                ..draft.clone()
            },
            ArticleDraft {
                department: "Travel".into(),
                ..draft.clone()
            },
            ArticleDraft {
                title: "a\nb".into(),
                ..draft.clone()
            },
            ArticleDraft {
                tags: (0..21).map(|i| format!("x{i}")).collect(),
                ..draft.clone()
            },
            ArticleDraft {
                body: "я".repeat(MAX_ARTICLE_BODY_CHARS + 1),
                ..draft.clone()
            },
        ] {
            assert!(Article::new(bad, NOW).is_err());
        }
    }
}

#[cfg(test)]
mod roundtrip {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    fn line() -> impl Strategy<Value = String> {
        "[a-zA-Zа-яё0-9 :#,'\"\\[\\]\\\\{}&*!|>%@`-]{1,40}"
            .prop_filter("non-blank", |s| !s.trim().is_empty())
            .prop_map(|s| s.trim().to_owned())
    }

    proptest! {
        #[test]
        fn any_valid_article_survives_export_and_import(
            section in line(),
            title in line(),
            tags in proptest::collection::vec("[a-zа-я0-9 :#'\"-]{1,12}".prop_filter("non-blank", |s| !s.trim().is_empty()), 0..4),
            body in "[^\0]{1,200}".prop_filter("non-blank", |s| !s.trim().is_empty()),
        ) {
            let draft = ArticleDraft {
                id: "p-1".into(),
                department: "bank".into(),
                section,
                title,
                tags,
                body,
            };
            let Ok(article) = Article::new(draft, datetime!(2026-11-20 10:00 UTC)) else {
                return Ok(());
            };
            let file = article.to_file();
            prop_assert_eq!(Article::from_file(&file, datetime!(2000-01-01 0:00 UTC)).unwrap(), article);
        }
    }
}
