//! `events/chronicle.toml` -> [`Settings`]: defaults applied, time zone resolved, problems
//! reported as diagnostics at the offending value.

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::diag::Diagnostic;
use crate::load::SourceFile;

/// How many entries each feed holds when `feed_limit` is not set.
pub const DEFAULT_FEED_LIMIT: usize = 50;

/// The collection's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub title: String,
    pub description: String,
    /// Absolute http(s) URL ending with `/`; the identity of the collection's ids and links.
    pub base_url: String,
    /// BCP 47 language tag.
    pub language: String,
    /// The zone local dates and times are read in unless an event names its own.
    pub timezone: Tz,
    /// A person or organisation's name (not an e-mail address).
    pub author: String,
    pub feed_limit: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    title: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    feed_limit: Option<Spanned<i64>>,
}

/// Reads the settings file; on any error returns every problem found.
pub fn parse_settings(file: &SourceFile) -> Result<Settings, Vec<Diagnostic>> {
    let raw: RawSettings = toml::from_str(&file.text).map_err(|err| {
        let offset = err.span().map_or(0, |s| s.start);
        vec![file.error(offset, err.message().trim().trim_end_matches('.'))]
    })?;
    let mut errors = Vec::new();
    let mut text = |value: Option<Spanned<String>>, name: &str, required: bool| -> String {
        match value {
            Some(v) if v.get_ref().trim().is_empty() && required => {
                errors.push(file.error(v.span().start, format!("{name} is empty")));
                String::new()
            }
            Some(v) => {
                if let Some(msg) = crate::check::forbidden_characters(v.get_ref(), false) {
                    errors.push(file.error(v.span().start, format!("{name} {msg}")));
                }
                v.into_inner().trim().to_string()
            }
            None if required => {
                errors.push(file.error(0, format!("missing {name}")));
                String::new()
            }
            None => String::new(),
        }
    };
    let title = text(raw.title, "title", true);
    let description = text(raw.description, "description", false);
    let language = text(raw.language, "language", false);
    let author = text(raw.author, "author", false);
    let base_url = match raw.base_url {
        Some(v) => {
            let url = v.get_ref().trim().to_string();
            if let Err(msg) = crate::check::check_base_url(&url) {
                errors.push(file.error(v.span().start, format!("base_url {msg}")));
            } else if !url.ends_with('/') {
                errors.push(file.error(
                    v.span().start,
                    format!("base_url must end with '/' (write \"{url}/\")"),
                ));
            }
            url
        }
        None => {
            errors.push(file.error(
                0,
                "missing base_url (the absolute URL the outputs are published at, ending with '/')",
            ));
            String::new()
        }
    };
    let timezone = match raw.timezone {
        Some(v) => v.get_ref().parse::<Tz>().unwrap_or_else(|_| {
            errors.push(file.error(
                v.span().start,
                format!(
                    "unknown time zone '{}' (use an IANA name like America/Mexico_City)",
                    v.get_ref()
                ),
            ));
            Tz::UTC
        }),
        None => Tz::UTC,
    };
    let feed_limit = match raw.feed_limit {
        Some(v) if *v.get_ref() < 1 => {
            errors.push(file.error(v.span().start, "feed_limit must be at least 1"));
            DEFAULT_FEED_LIMIT
        }
        Some(v) => usize::try_from(*v.get_ref()).unwrap_or(usize::MAX),
        None => DEFAULT_FEED_LIMIT,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Settings {
        author: if author.is_empty() {
            title.clone()
        } else {
            author
        },
        title,
        description,
        base_url,
        language: if language.is_empty() {
            "en".into()
        } else {
            language
        },
        timezone,
        feed_limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, Vec<Diagnostic>> {
        parse_settings(&SourceFile::new(
            "c.toml".into(),
            "c.toml".into(),
            text.into(),
        ))
    }

    #[test]
    fn applies_defaults() {
        let s = parse("title = \"T\"\nbase_url = \"https://example.org/\"\n").expect("valid");
        assert_eq!(s.feed_limit, 50);
        assert_eq!(s.language, "en");
        assert_eq!(s.author, "T");
        assert_eq!(s.timezone, Tz::UTC);
    }

    #[test]
    fn issue_11_base_url_has_no_query_or_fragment() {
        for (url, rest) in [
            ("https://e.org/?q=1", "?q=1"),
            ("https://e.org/a/#top", "#top"),
        ] {
            let errs = parse(&format!("title = \"T\"\nbase_url = \"{url}\"\n")).unwrap_err();
            let found: Vec<String> = errs.iter().map(ToString::to_string).collect();
            assert_eq!(
                found,
                [format!(
                    "c.toml:2:12: error: base_url '{url}' has a query or fragment ('{rest}'): links are made by adding paths to it"
                )]
            );
        }
    }

    #[test]
    fn reports_each_bad_value() {
        let errs = parse("title = \"T\"\nbase_url = \"https://example.org\"\ntimezone = \"Mars/Base\"\nfeed_limit = 0\n")
            .unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
    }
}
