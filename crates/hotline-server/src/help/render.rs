//! Article Markdown to safe HTML: raw HTML shown as text and only harmless
//! link targets. Everything else on the pages is escaped by askama.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
use std::fmt;

/// HTML that [`markdown`] made safe; the only value the templates write
/// unescaped (`|safe`). Nothing else can construct one.
#[derive(Debug)]
pub struct SanitizedHtml(String);

impl fmt::Display for SanitizedHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Link and image targets that cannot run code: web and mail links, and
/// paths on this site. `javascript:`, `data:`, `vbscript:` and the like
/// become `#`.
fn safe_url(url: &str) -> bool {
    let trimmed = url.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    // A scheme is what comes before the first ':' if no '/', '?' or '#' comes first.
    let scheme_end = lower.find(':');
    let path_start = lower.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), Some(path)) if path < colon => true,
        (Some(_), _) => {
            lower.starts_with("https://")
                || lower.starts_with("http://")
                || lower.starts_with("mailto:")
                || lower.starts_with("tel:")
        }
        (None, _) => !lower.chars().any(|c| c.is_control()),
    }
}

/// Renders an article's Markdown. Raw HTML in it (blocks and inline) is
/// shown as text; unsafe link targets are replaced.
pub fn markdown(body: &str) -> SanitizedHtml {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(body, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: checked(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: checked(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SanitizedHtml(html)
}

fn checked(url: CowStr<'_>) -> CowStr<'_> {
    if safe_url(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    fn markdown(body: &str) -> String {
        super::markdown(body).0
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = markdown(
            "Текст <script>alert(1)</script> и <img src=x onerror=alert(2)>\n\n<div onclick=\"x\">блок</div>\n\n<svg onload=alert(3)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(!html.contains("<svg"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn markdown_still_renders() {
        let html = markdown(
            "# Заголовок\n\n**жирный** и [ссылка](https://example.com/a?b=1&c=2)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1>Заголовок</h1>"), "{html}");
        assert!(html.contains("<strong>жирный</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com/a?b=1&amp;c=2">"#),
            "{html}"
        );
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn dangerous_link_targets_are_dropped() {
        for target in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox",
        ] {
            let html = markdown(&format!("[x]({target}) ![i]({target})"));
            assert!(!html.to_lowercase().contains("script:"), "{target}: {html}");
            assert!(!html.contains("data:"), "{target}: {html}");
            assert!(html.contains(r##"href="#""##), "{target}: {html}");
        }
        for target in [
            "/help/articles/x",
            "#part",
            "mailto:a@b.ru",
            "tel:+7800",
            "page?a=b:c",
        ] {
            let html = markdown(&format!("[x]({target})"));
            assert!(
                !html.contains(r##"href="#""##) || target == "#part",
                "{target}: {html}"
            );
        }
    }

    #[test]
    fn text_and_attributes_stay_escaped() {
        let html = markdown(
            "Кавычки \" и ' </script> & [x](/a \"t\\\" onmouseover=\\\"alert(1)\") `</script>`",
        );
        assert!(!html.contains("</script>"), "{html}");
        assert!(!html.contains("\" onmouseover"), "{html}");
        assert!(html.contains("&lt;/script&gt;"), "{html}");
    }
}
