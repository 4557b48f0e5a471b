//! [`AbsoluteUrl`]: an absolute http(s) URL, validated when it is made.
//!
//! A leaf below `config` (the settings' `base_url` and `id`), `check` (a source's `url`) and
//! `cli` (`--base-url`, `--source`), so none of them imports another for the rule.

use std::fmt;
use std::ops::Deref;

use serde::Serialize;

/// An absolute `http://` or `https://` URL with a host, holding no white space, quote, angle
/// bracket or control character (none a feed, calendar or page could carry as written).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AbsoluteUrl(String);

impl AbsoluteUrl {
    /// `url` as written, if it is an absolute http(s) URL; else what is wrong with it.
    pub fn new(url: impl Into<String>) -> Result<Self, String> {
        let url = url.into();
        check_absolute(&url)?;
        Ok(AbsoluteUrl(url))
    }

    /// A base URL (the settings' `base_url`, `serve --base-url`): an absolute http(s) URL
    /// without a query or fragment, since every link is made by adding a path to it
    /// (`https://e.org/?q=1` would give `https://e.org/?q=1/years/2025/`).
    pub fn base(url: impl Into<String>) -> Result<Self, String> {
        let url = Self::new(url)?;
        match url.0.find(['?', '#']) {
            Some(at) => Err(format!(
                "'{url}' has a query or fragment ('{}'): links are made by adding paths to it",
                &url.0[at..]
            )),
            None => Ok(url),
        }
    }

    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for AbsoluteUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AbsoluteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<AbsoluteUrl> for String {
    fn from(url: AbsoluteUrl) -> String {
        url.0
    }
}

impl PartialEq<&str> for AbsoluteUrl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Says what is wrong with a URL that must be absolute http(s), if anything.
fn check_absolute(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(format!(
            "'{url}' must be an absolute http:// or https:// URL"
        ));
    }
    // U+FFFE and U+FFFF are no control characters, but XML 1.0 cannot carry them either.
    if url.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '<' | '>' | '"' | '\u{fffe}' | '\u{ffff}')
    }) {
        return Err(format!(
            "'{url}' contains spaces, quotes or control characters"
        ));
    }
    let host = &url[url.find("//").map_or(0, |i| i + 2)..];
    if host.split(['/', '?', '#']).next().is_none_or(str::is_empty) {
        return Err(format!("'{url}' has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(AbsoluteUrl::new("https://example.org/a").is_ok());
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "https://",
            "https://a b",
            // Found by the mutation property test: no XML document can hold it.
            "https://example.org/\u{fffe}",
        ] {
            assert!(AbsoluteUrl::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_base_url_has_no_query_or_fragment() {
        assert_eq!(
            AbsoluteUrl::base("https://e.org/a/").map(String::from),
            Ok("https://e.org/a/".to_string())
        );
        assert_eq!(
            AbsoluteUrl::base("https://e.org/?q=1"),
            Err("'https://e.org/?q=1' has a query or fragment ('?q=1'): links are made by adding paths to it".to_string())
        );
        assert!(AbsoluteUrl::base("/relative").is_err());
    }
}
