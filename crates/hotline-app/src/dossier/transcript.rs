//! The dossier's PDF: the conversation as the customer saw it, laid out on
//! A4 pages with the font given (embedded, subset to the glyphs used), long
//! lines wrapped between words, a running header with the dossier's title
//! and page numbers.

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};

/// One message as the transcript shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Who wrote it, as the customer saw it.
    pub author: String,
    /// When, already in the customer's time zone.
    pub at: String,
    pub text: String,
    /// The files sent with it, each as its name and where the ZIP has it.
    pub attachments: Vec<String>,
}

/// What the PDF holds, in reading order.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// On every page's header: which conversation or claim this is.
    pub header: String,
    pub title: String,
    /// Paragraphs under the title (the claims, the time zone, …).
    pub preface: Vec<String>,
    pub entries: Vec<Entry>,
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const HEADER_SIZE: f32 = 8.0;
const TITLE_SIZE: f32 = 15.0;
const BODY_SIZE: f32 = 10.5;
const META_SIZE: f32 = 9.0;
const LEADING: f32 = 1.35;
/// Where the body starts, under the running header and its rule.
const BODY_TOP: f32 = MARGIN + 24.0;
const BODY_BOTTOM: f32 = PAGE_HEIGHT - MARGIN;
/// Text narrower than the measured width by this much, so that the
/// shaper's kerning and rounding never push a line past the margin.
const WIDTH_SLACK: f32 = 0.98;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Title,
    Meta,
    Body,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => TITLE_SIZE,
            Style::Meta => META_SIZE,
            Style::Body => BODY_SIZE,
        }
    }

    fn grey(self) -> u8 {
        match self {
            Style::Meta => 90,
            Style::Title | Style::Body => 0,
        }
    }
}

/// One laid-out line: its baseline from the page's top.
struct Line {
    x: f32,
    baseline: f32,
    style: Style,
    text: String,
}

/// Widths of text in the font, from its advance table.
struct Metrics<'a> {
    face: ttf_parser::Face<'a>,
    units_per_em: f32,
}

impl<'a> Metrics<'a> {
    fn new(font: &'a [u8]) -> Result<Metrics<'a>, String> {
        let face = ttf_parser::Face::parse(font, 0).map_err(|e| format!("not a font: {e}"))?;
        let units_per_em = f32::from(face.units_per_em());
        Ok(Metrics { face, units_per_em })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map_or(self.units_per_em / 2.0, f32::from)
            })
            .sum();
        units / self.units_per_em * size
    }
}

/// Whether the font can show Russian text: checked before anything is
/// promised to the caller.
pub fn covers_cyrillic(font: &[u8]) -> Result<(), String> {
    let metrics = Metrics::new(font)?;
    match "АаЖжЯяЁё№"
        .chars()
        .find(|c| metrics.face.glyph_index(*c).is_none())
    {
        Some(missing) => Err(format!("the font has no glyph for «{missing}»")),
        None => Ok(()),
    }
}

/// Lays lines onto pages, starting a new page when the next would not fit.
struct Layout<'a> {
    metrics: Metrics<'a>,
    pages: Vec<Vec<Line>>,
    /// Where the next line's top is on the current page.
    cursor: f32,
}

impl Layout<'_> {
    fn line_height(style: Style) -> f32 {
        style.size() * LEADING
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.cursor = BODY_TOP;
    }

    fn gap(&mut self, points: f32) {
        // A gap at a page's top is no gap.
        if self.cursor > BODY_TOP {
            self.cursor += points;
        }
    }

    /// Keeps the next `lines` lines of `style` together on one page.
    fn keep(&mut self, lines: usize, style: Style) {
        let needed = Self::line_height(style) * lines as f32;
        if self.cursor + needed > BODY_BOTTOM && self.cursor > BODY_TOP {
            self.new_page();
        }
    }

    /// A paragraph, wrapped to the width left of `indent`; its own line
    /// breaks are kept.
    fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let width = (PAGE_WIDTH - 2.0 * MARGIN - indent) * WIDTH_SLACK;
        for line in wrap(&self.metrics, text, style.size(), width) {
            let height = Self::line_height(style);
            if self.cursor + height > BODY_BOTTOM {
                self.new_page();
            }
            self.cursor += height;
            let baseline = self.cursor - (height - style.size()) / 2.0 - style.size() * 0.2;
            if let Some(page) = self.pages.last_mut() {
                page.push(Line {
                    x: MARGIN + indent,
                    baseline,
                    style,
                    text: line,
                });
            }
        }
    }
}

/// `text` cut into lines no wider than `width`: between words where it can,
/// inside a word longer than a whole line.
fn wrap(metrics: &Metrics<'_>, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if metrics.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word too long for a line of its own is cut where it overflows.
            let mut rest = word;
            while metrics.width(rest, size) > width {
                let mut cut = 0;
                for (i, c) in rest.char_indices() {
                    let end = i + c.len_utf8();
                    if metrics.width(&rest[..end], size) > width {
                        break;
                    }
                    cut = end;
                }
                if cut == 0 {
                    cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
                }
                lines.push(rest[..cut].to_owned());
                rest = &rest[cut..];
            }
            line = rest.to_owned();
        }
        lines.push(line);
    }
    lines
}

/// Drops what would draw nothing or confuse a reader of the PDF: control
/// characters and the direction overrides of a spoofed text.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| {
            *c == '\n'
                || !(c.is_control()
                    || matches!(*c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
        })
        .collect()
}

/// The transcript's lines, page by page.
fn lay_out(transcript: &Transcript, metrics: Metrics<'_>) -> Vec<Vec<Line>> {
    let mut layout = Layout {
        metrics,
        pages: Vec::new(),
        cursor: BODY_TOP,
    };
    layout.new_page();
    layout.paragraph(&printable(&transcript.title), Style::Title, 0.0);
    layout.gap(6.0);
    for paragraph in &transcript.preface {
        layout.paragraph(&printable(paragraph), Style::Meta, 0.0);
        layout.gap(3.0);
    }
    for entry in &transcript.entries {
        layout.gap(9.0);
        // The author's line never ends a page alone.
        layout.keep(2, Style::Body);
        layout.paragraph(
            &printable(&format!("{} · {}", entry.author, entry.at)),
            Style::Meta,
            0.0,
        );
        layout.paragraph(&printable(&entry.text), Style::Body, 12.0);
        for attachment in &entry.attachments {
            layout.paragraph(
                &printable(&format!("Вложение: {attachment}")),
                Style::Meta,
                12.0,
            );
        }
    }
    layout.pages
}

/// The transcript as PDF bytes, with `font` (a TrueType or OpenType file)
/// embedded.
pub fn render(transcript: &Transcript, font: Vec<u8>) -> Result<Vec<u8>, String> {
    let data = std::sync::Arc::new(font);
    let metrics = Metrics::new(data.as_slice())?;
    let pages = lay_out(transcript, Metrics::new(data.as_slice())?);
    let font = Font::new(data.clone().into(), 0).ok_or("the font cannot be read")?;
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(printable(&transcript.header)));
    let total = pages.len();
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("bad page size")?;
    let header = printable(&transcript.header);
    for (number, lines) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        surface.set_fill(Some(grey(Style::Meta.grey())));
        let folio = format!("стр. {} из {total}", number + 1);
        let folio_x = PAGE_WIDTH - MARGIN - metrics.width(&folio, HEADER_SIZE);
        for (x, text) in [(MARGIN, header.as_str()), (folio_x, folio.as_str())] {
            surface.draw_text(
                Point::from_xy(x, MARGIN),
                font.clone(),
                HEADER_SIZE,
                text,
                false,
                TextDirection::Auto,
            );
        }
        let mut rule = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(MARGIN, MARGIN + 5.0, PAGE_WIDTH - 2.0 * MARGIN, 0.5) {
            rule.push_rect(rect);
        }
        if let Some(path) = rule.finish() {
            surface.draw_path(&path);
        }
        for line in lines {
            surface.set_fill(Some(grey(line.style.grey())));
            surface.draw_text(
                Point::from_xy(line.x, line.baseline),
                font.clone(),
                line.style.size(),
                &line.text,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

fn grey(lightness: u8) -> Fill {
    Fill {
        paint: luma::Color::new(lightness).into(),
        ..Fill::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Option<Vec<u8>> {
        std::fs::read(crate::dossier::DEFAULT_FONT).ok()
    }

    #[test]
    fn long_text_wraps_within_the_width_and_keeps_every_word() {
        let Some(font) = font() else {
            eprintln!(
                "notice: skipped: {} is missing",
                crate::dossier::DEFAULT_FONT
            );
            return;
        };
        let metrics = Metrics::new(&font).unwrap();
        let text = "Здравствуйте, пришёл чайник с трещиной на корпусе, прошу вернуть деньги. "
            .repeat(8)
            + "Ссылка-без-пробелов-ссылка-без-пробелов-ссылка-без-пробелов-ссылка-без-пробелов-конец";
        let lines = wrap(&metrics, &text, BODY_SIZE, 300.0);
        assert!(lines.len() > 5, "{lines:?}");
        assert!(lines.iter().all(|l| metrics.width(l, BODY_SIZE) <= 300.0));
        assert_eq!(
            lines.concat().replace(' ', ""),
            text.replace(' ', ""),
            "nothing lost"
        );
    }

    #[test]
    fn many_messages_fill_several_pages() {
        let Some(font) = font() else {
            eprintln!(
                "notice: skipped: {} is missing",
                crate::dossier::DEFAULT_FONT
            );
            return;
        };
        let transcript = Transcript {
            header: "Обращение c-1".into(),
            title: "Переписка".into(),
            preface: vec!["Время — UTC+03:00".into()],
            entries: (0..80)
                .map(|i| Entry {
                    author: "Иван".into(),
                    at: "03.12.2026 09:15".into(),
                    text: format!("Сообщение {i}\u{202E} с\tтабуляцией"),
                    attachments: Vec::new(),
                })
                .collect(),
        };
        let pages = lay_out(&transcript, Metrics::new(&font).unwrap());
        assert!(pages.len() > 2, "{} pages", pages.len());
        assert!(pages.iter().flatten().all(|l| l.baseline < BODY_BOTTOM));
        assert!(!pages.iter().flatten().any(|l| l.text.contains('\u{202E}')));
        assert!(covers_cyrillic(&font).is_ok());
        assert!(covers_cyrillic(b"not a font").is_err());
        let pdf = render(&transcript, font).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
