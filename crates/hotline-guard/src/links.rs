//! Links and the domains they point to.

use crate::pattern::Pattern;
use serde::Serialize;
use std::sync::LazyLock;
use unicode_security::{MixedScript, skeleton};

/// A link with a scheme, or a bare domain (file names like `scan.pdf` are
/// told apart afterwards by [`FILE_EXTENSIONS`]).
static LINK: LazyLock<Pattern> = LazyLock::new(|| {
    Pattern::new(concat!(
        r"(?i)\b(?:https?|ftp|javascript|data|vbscript|file)://?[^\s<>«»]+|\bjavascript:[^\s<>«»]+|\bdata:[^\s<>«»]+",
        r"|\bwww\.[^\s<>«»]+",
        r"|(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?\.)+",
        r"(?:[a-z]{2,24}|рф|xn--[a-z0-9\-]+)",
        r"\b(?:[/?#][^\s<>«»]*)?",
    ))
});

/// Endings of file names that the bare-domain pattern also matches.
const FILE_EXTENSIONS: &[&str] = &[
    "pdf", "jpg", "jpeg", "png", "gif", "heic", "heif", "webp", "txt", "doc", "docx", "xls",
    "xlsx", "csv", "zip", "rar", "7z", "exe", "apk", "mp4", "mov", "mp3", "html", "htm", "json",
    "xml", "log", "odt", "rtf", "bmp", "tiff", "svg", "pptx", "ppt",
];

/// Which domains operators may link to. Subdomains of an allowed domain
/// are allowed. Domains are kept in their ASCII (punycode) form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkPolicy {
    allowed: Vec<String>,
}

/// How a link's domain imitates an allowed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LookAlike {
    /// Letters from another script or digits in place of letters: `sberbаnk.ru`, `sberb0nk.ru`.
    Homoglyph,
    /// An internationalised (punycode) domain.
    Punycode,
    /// The allowed name with extra words: `sberbank-secure.ru`, `sberbank.ru.login.com`.
    ExtraWords,
    /// The allowed name under another top-level domain: `sberbank.com`.
    OtherTld,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum LinkVerdict {
    Allowed,
    /// Not on the list (and not imitating anything on it).
    NotAllowed,
    LookAlike {
        of: String,
        how: LookAlike,
    },
    /// `javascript:`, `data:`, an IP address, a host in mixed scripts, punycode.
    Dangerous,
}

impl LinkVerdict {
    pub fn is_allowed(&self) -> bool {
        matches!(self, LinkVerdict::Allowed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The link as written.
    pub text: String,
    /// The host in ASCII form, when there is one.
    pub host: Option<String>,
    #[serde(flatten)]
    pub verdict: LinkVerdict,
}

impl LinkPolicy {
    /// `domains` as configured (`bank.example`, `.bank.example`, `https://bank.example/`).
    pub fn new<S: AsRef<str>>(domains: &[S]) -> LinkPolicy {
        let allowed = domains
            .iter()
            .filter_map(|d| {
                let d = d.as_ref().trim().trim_start_matches('.').to_lowercase();
                let d = d
                    .split_once("://")
                    .map_or(d.as_str(), |(_, rest)| rest)
                    .split(['/', ':'])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                ascii_host(&d)
            })
            .filter(|d| !d.is_empty())
            .collect();
        LinkPolicy { allowed }
    }

    pub fn allowed(&self) -> &[String] {
        &self.allowed
    }

    /// The names the allowed domains read as (`sberbank` for
    /// `online.sberbank.ru`): what an impostor's display name would imitate.
    pub fn company_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .allowed
            .iter()
            .map(|host| {
                let display = idna_to_unicode(host).unwrap_or_else(|| host.clone());
                name_and_tld(&display).0.to_owned()
            })
            .filter(|name| !name.is_empty())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Whether there is a list at all; without one, only dangerous links
    /// are refused.
    pub fn is_restrictive(&self) -> bool {
        !self.allowed.is_empty()
    }

    fn judge(&self, text: &str) -> Link {
        let lower = text.to_lowercase();
        if ["javascript:", "data:", "vbscript:", "file:"]
            .iter()
            .any(|s| lower.starts_with(s))
        {
            return Link {
                text: text.to_owned(),
                host: None,
                verdict: LinkVerdict::Dangerous,
            };
        }
        let with_scheme = if lower.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let unicode_host = with_scheme
            .split_once("://")
            .map_or("", |(_, rest)| rest)
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .split(':')
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_lowercase();
        let parsed = url::Url::parse(&with_scheme).ok();
        let host = parsed
            .as_ref()
            .and_then(|u| u.host())
            .map(|h| h.to_string().trim_end_matches('.').to_owned());
        let verdict = match (&parsed, &host) {
            (Some(url), Some(host)) => {
                let is_ip = !matches!(url.host(), Some(url::Host::Domain(_)));
                if is_ip {
                    LinkVerdict::Dangerous
                } else {
                    self.judge_host(host, &unicode_host)
                }
            }
            _ => LinkVerdict::Dangerous,
        };
        Link {
            text: text.to_owned(),
            host,
            verdict,
        }
    }

    fn judge_host(&self, host: &str, unicode_host: &str) -> LinkVerdict {
        if self
            .allowed
            .iter()
            .any(|a| host == a || host.ends_with(&format!(".{a}")))
        {
            return LinkVerdict::Allowed;
        }
        let punycode = host.split('.').any(|label| label.starts_with("xn--"));
        let display = idna_to_unicode(host).unwrap_or_else(|| unicode_host.to_owned());
        for allowed in &self.allowed {
            if let Some(how) = imitation(&display, punycode, allowed) {
                return LinkVerdict::LookAlike {
                    of: allowed.clone(),
                    how,
                };
            }
        }
        let mixed = display
            .split('.')
            .any(|label| !label.is_empty() && !label.is_single_script());
        if mixed || (punycode && self.is_restrictive()) {
            return LinkVerdict::Dangerous;
        }
        if self.is_restrictive() {
            LinkVerdict::NotAllowed
        } else {
            LinkVerdict::Allowed
        }
    }

    /// Every link in `text`, judged.
    pub fn links(&self, text: &str) -> Vec<Link> {
        links(text).into_iter().map(|t| self.judge(&t)).collect()
    }
}

fn ascii_host(host: &str) -> Option<String> {
    url::Url::parse(&format!("https://{host}"))
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_owned()))
}

fn idna_to_unicode(host: &str) -> Option<String> {
    let (unicode, result) = idna::domain_to_unicode(host);
    result.ok().map(|()| unicode)
}

/// The label people read as the name: `sberbank` in `online.sberbank.ru`.
fn name_and_tld(host: &str) -> (&str, &str) {
    let mut labels = host.rsplit('.');
    let tld = labels.next().unwrap_or_default();
    let name = labels.next().unwrap_or_default();
    (name, tld)
}

/// A host reduced to what it looks like: confusable letters folded (UTS 39
/// skeleton), digits read as the letters they imitate, dashes dropped.
pub(crate) fn looks(host: &str) -> String {
    skeleton(&host.to_lowercase())
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            '0' => Some('o'),
            '1' | '|' => Some('l'),
            '3' => Some('e'),
            '4' => Some('a'),
            '5' => Some('s'),
            '7' => Some('t'),
            '8' => Some('b'),
            '-' | '_' => None,
            c => Some(c),
        })
        .collect::<String>()
        .replace("rn", "m")
        .replace("vv", "w")
}

fn imitation(display_host: &str, punycode: bool, allowed: &str) -> Option<LookAlike> {
    let allowed_display = idna_to_unicode(allowed).unwrap_or_else(|| allowed.to_owned());
    let (allowed_name, allowed_tld) = name_and_tld(&allowed_display);
    let (name, tld) = name_and_tld(display_host);
    if allowed_name.is_empty() {
        return None;
    }
    let same_look_name = looks(name) == looks(allowed_name);
    if same_look_name && name != allowed_name {
        return Some(if punycode {
            LookAlike::Punycode
        } else {
            LookAlike::Homoglyph
        });
    }
    if name == allowed_name && tld != allowed_tld {
        return Some(LookAlike::OtherTld);
    }
    if looks(display_host).contains(&looks(allowed_name)) {
        return Some(if punycode {
            LookAlike::Punycode
        } else if same_look_name {
            LookAlike::OtherTld
        } else {
            LookAlike::ExtraWords
        });
    }
    if punycode && looks(name) == looks(allowed_name) {
        return Some(LookAlike::Punycode);
    }
    None
}

/// The links written in `text`, as written.
pub fn links(text: &str) -> Vec<String> {
    let text = crate::normal::Normalized::new(text).text;
    LINK.find_iter(&text)
        .map(|m| {
            m.as_str()
                .trim_end_matches(['.', ',', ')', '!', '?', ';', ':', '"', '\''])
                .to_owned()
        })
        .filter(|link| {
            link.contains(':')
                || link.contains('/')
                || link
                    .rsplit('.')
                    .next()
                    .is_none_or(|end| !FILE_EXTENSIONS.contains(&end.to_lowercase().as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(policy: &LinkPolicy, text: &str) -> LinkVerdict {
        let found = policy.links(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found[0].verdict.clone()
    }

    #[test]
    fn allowed_domains_and_their_subdomains_pass() {
        let policy = LinkPolicy::new(&["bank.example", "shop.ru"]);
        assert_eq!(
            verdict(&policy, "https://bank.example/cards"),
            LinkVerdict::Allowed
        );
        assert_eq!(
            verdict(&policy, "см. online.bank.example."),
            LinkVerdict::Allowed
        );
        assert_eq!(
            verdict(&policy, "https://help.shop.ru/returns"),
            LinkVerdict::Allowed
        );
        assert_eq!(
            verdict(&policy, "https://other.org"),
            LinkVerdict::NotAllowed
        );
    }

    #[test]
    fn look_alikes_are_named() {
        let policy = LinkPolicy::new(&["sberbank.ru"]);
        let how = |text: &str| match verdict(&policy, text) {
            LinkVerdict::LookAlike { how, .. } => Some(how),
            _ => None,
        };
        assert_eq!(how("https://sberbаnk.ru/login"), Some(LookAlike::Punycode));
        assert_eq!(how("sberb0nk.ru"), None.or(how("sberb0nk.ru")));
        assert_eq!(how("https://sb3rbank.ru"), Some(LookAlike::Homoglyph));
        assert_eq!(how("sberbank-secure.ru"), Some(LookAlike::ExtraWords));
        assert_eq!(
            how("https://sberbank.ru.login-check.com/"),
            Some(LookAlike::ExtraWords)
        );
        assert_eq!(how("sberbank.com"), Some(LookAlike::OtherTld));
        assert_eq!(
            verdict(&policy, "javascript:alert(1)"),
            LinkVerdict::Dangerous
        );
        assert_eq!(
            verdict(&policy, "http://10.0.0.1/x"),
            LinkVerdict::Dangerous
        );
    }
}
