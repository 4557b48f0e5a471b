//! `events/chronicle.toml` -> [`Settings`]: defaults applied, time zone resolved, problems
//! reported as diagnostics at the offending value.

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Code, Diagnostic};
use crate::load::front_matter::read_toml;
use crate::load::SourceFile;
use crate::text::{forbidden_characters, has_visible_character};
use crate::url::AbsoluteUrl;

/// How many entries each feed holds when `feed_limit` is not set.
pub const DEFAULT_FEED_LIMIT: usize = 50;

/// The collection's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub title: String,
    pub description: String,
    /// Absolute http(s) URL without a query or fragment, ending with `/`: where the outputs
    /// are published, the base of every link.
    pub base_url: AbsoluteUrl,
    /// The collection id as written (`id`), which every published id derives from; see
    /// [`Settings::collection_id`].
    pub id: Option<String>,
    /// BCP 47 language tag.
    pub language: String,
    /// The zone local dates and times are read in unless an event names its own.
    pub timezone: Tz,
    /// A person or organisation's name (not an e-mail address).
    pub author: String,
    pub feed_limit: usize,
    /// The WebSub hub (W3C WebSub §4) every subscription feed names with `rel="hub"`, and
    /// that `build --ping` and `serve` notify when a feed changes: an absolute http(s) URL.
    pub websub_hub: Option<AbsoluteUrl>,
}

impl Settings {
    /// The identity every published id derives from (see [`crate::identity`]): `id`, or else
    /// `base_url`, which is what ids were derived from before collections had an id (so a
    /// collection without one keeps its ids until its `base_url` changes; `check` warns).
    pub fn collection_id(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.base_url)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    feed_limit: Option<Spanned<i64>>,
    websub_hub: Option<Spanned<String>>,
}

/// The IANA zone a misspelt one most likely stands for (`america/chicago` ->
/// `America/Chicago`), as a quoted TOML string; settings and events alike.
pub fn zone_suggestion(written: &str) -> Option<String> {
    let names = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
    crate::diag::closest(written.trim(), names).map(|name| format!("\"{name}\""))
}

/// A problem with the settings file as a whole (a setting not written): no line to show.
fn file_level(file: &SourceFile, message: impl Into<String>) -> Diagnostic {
    let (severity, code) = (crate::diag::Severity::Error, Code::MissingField);
    crate::load::file_level(file.path.clone(), severity, code, message)
}

/// Reads the settings file; on any error returns every problem found.
pub fn parse_settings(file: &SourceFile) -> Result<Settings, Vec<Diagnostic>> {
    let read = read_toml::<RawSettings>(&file.text);
    let raw = read.value;
    let unreadable = read.unreadable;
    let mut errors: Vec<Diagnostic> = read
        .problems
        .into_iter()
        .map(|problem| {
            file.error(problem.span, problem.code, problem.message)
                .suggest(problem.suggestion)
        })
        .collect();
    let mut text = |value: Option<Spanned<String>>, name: &str, required: bool| -> String {
        match value {
            Some(v) if v.get_ref().trim().is_empty() && required => {
                errors.push(file.error(v.span(), Code::EmptyText, format!("{name} is empty")));
                String::new()
            }
            Some(v) if required && !has_visible_character(v.get_ref()) => {
                errors.push(file.error(
                    v.span(),
                    Code::EmptyText,
                    format!("{name} has only invisible characters"),
                ));
                String::new()
            }
            Some(v) => {
                if let Some(msg) = forbidden_characters(v.get_ref(), false) {
                    errors.push(file.error(
                        v.span(),
                        Code::ForbiddenCharacter,
                        format!("{name} {msg}"),
                    ));
                }
                crate::load::normalize::nfc(v.into_inner().trim()).into_owned()
            }
            None if required && !unreadable.iter().any(|f| f == name) => {
                errors.push(file_level(file, format!("missing {name}")));
                String::new()
            }
            None => String::new(),
        }
    };
    let title = text(raw.title, "title", true);
    let description = text(raw.description, "description", false);
    let language_at = raw.language.as_ref().map_or(0..0, |v| v.span());
    let language = text(raw.language, "language", false);
    let author = text(raw.author, "author", false);
    if let Err(problem) = check_language(&language) {
        errors.push(file.error(language_at, Code::InvalidSetting, problem));
    }
    let base_url = match raw.base_url {
        Some(v) => match AbsoluteUrl::base(v.get_ref().trim()) {
            Err(msg) => {
                errors.push(file.error(v.span(), Code::InvalidSetting, format!("base_url {msg}")));
                None
            }
            Ok(url) if !url.ends_with('/') => {
                errors.push(file.error(
                    v.span(),
                    Code::InvalidSetting,
                    format!("base_url must end with '/' (write \"{url}/\")"),
                ));
                None
            }
            Ok(url) => Some(url),
        },
        None if unreadable.iter().any(|f| f == "base_url") => None,
        None => {
            errors.push(file_level(
                file,
                "missing base_url (the absolute URL the outputs are published at, ending with '/')",
            ));
            None
        }
    };
    let id = raw.id.map(|v| {
        // Checked as written, never trimmed: the id is hashed byte for byte into every id. Any
        // URL base_url accepts is accepted too, so every former base_url can be pinned.
        let id = v.get_ref();
        if AbsoluteUrl::new(id.as_str()).is_err() {
            if let Err(msg) = crate::identity::check_collection_id(id) {
                errors.push(file.error(v.span(), Code::InvalidSetting, format!("id {msg}")));
            }
        }
        v.into_inner()
    });
    let timezone = match raw.timezone {
        Some(v) => v.get_ref().parse::<Tz>().unwrap_or_else(|_| {
            let problem = file.error(
                v.span(),
                Code::UnknownTimeZone,
                format!(
                    "unknown time zone '{}' (use an IANA name like America/Mexico_City)",
                    v.get_ref()
                ),
            );
            errors.push(problem.suggest(zone_suggestion(v.get_ref())));
            Tz::UTC
        }),
        None => Tz::UTC,
    };
    let feed_limit = match raw.feed_limit {
        Some(v) if *v.get_ref() < 1 => {
            errors.push(file.error(
                v.span(),
                Code::InvalidSetting,
                "feed_limit must be at least 1",
            ));
            DEFAULT_FEED_LIMIT
        }
        Some(v) => usize::try_from(*v.get_ref()).unwrap_or(usize::MAX),
        None => DEFAULT_FEED_LIMIT,
    };
    let websub_hub = raw.websub_hub.and_then(|v| {
        // Checked as written, never trimmed: the hub is written into every feed as it is.
        AbsoluteUrl::new(v.get_ref().as_str())
            .map_err(|msg| {
                let message = format!("websub_hub {msg}");
                errors.push(file.error(v.span(), Code::InvalidSetting, message));
            })
            .ok()
    });
    let Some(base_url) = base_url.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Settings {
        author: if author.is_empty() {
            title.clone()
        } else {
            author
        },
        title,
        description,
        base_url,
        id,
        language: if language.is_empty() {
            "en".into()
        } else {
            language
        },
        timezone,
        feed_limit,
        websub_hub,
    })
}

/// `language` must be a valid BCP 47 tag (RFC 5646 §2.2.9: well-formed, and every subtag in
/// the IANA registry the crate carries): feeds, the calendar and the pages carry it as
/// `xml:lang`, `<language>`, `LANGUAGE` and `lang`.
pub fn check_language(language: &str) -> Result<(), String> {
    if language.is_empty() {
        return Ok(());
    }
    language_tags::LanguageTag::parse(language)
        .map_err(|err| err.to_string())
        .and_then(|tag| tag.validate().map_err(|err| err.to_string()))
        .map_err(|err| {
            format!("language '{language}' is not a BCP 47 language tag like en or es-MX ({err})")
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
    fn the_collection_id_is_id_or_else_base_url() {
        let base = "title = \"T\"\nbase_url = \"https://example.org/\"\n";
        let s = parse(base).expect("valid");
        assert_eq!(s.collection_id(), "https://example.org/");
        let s = parse(&format!("{base}id = \"tag:example.org,2025:t\"\n")).expect("valid");
        assert_eq!(s.collection_id(), "tag:example.org,2025:t");
    }

    #[test]
    fn any_former_base_url_can_be_pinned_as_the_collection_id() {
        // Not an IRI ('|' is no URI character), but a base_url chronicle accepted.
        let url = "https://example.org/a|b/";
        let s = parse(&format!("title = \"T\"\nbase_url = \"{url}\"\n")).expect("valid");
        assert_eq!(s.collection_id(), url);
        let text = format!("title = \"T\"\nbase_url = \"https://example.com/\"\nid = \"{url}\"\n");
        assert_eq!(parse(&text).expect("valid").collection_id(), url);
    }

    #[test]
    fn a_bad_collection_id_is_reported_at_its_value() {
        let errs = parse("title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"timeline\"\n")
            .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].line, errs[0].col), (3, 6));
        assert!(
            errs[0]
                .message
                .starts_with("id 'timeline' is not an absolute URI"),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn text_is_kept_in_nfc() {
        let s = parse(
            "title = \"Cro\\u0302nica\"\ndescription = \"Sa\\u0303o\"\nauthor = \"Jose\\u0301\"\nbase_url = \"https://example.org/\"\n",
        )
        .expect("valid");
        assert_eq!(
            [s.title, s.description, s.author],
            ["Cr\u{f4}nica", "S\u{e3}o", "Jos\u{e9}"]
        );
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
    fn issue_11_language_is_a_bcp_47_tag() {
        for good in [
            "en",
            "es-MX",
            "zh-Hans-CN",
            "sr-Latn",
            "de-CH-1996",
            "x-klingon",
        ] {
            let settings = parse(&format!(
                "title = \"T\"\nbase_url = \"https://e.org/\"\nlanguage = \"{good}\"\n"
            ));
            assert!(settings.is_ok(), "{good}: {settings:?}");
        }
        for bad in ["english", "en_US", "not a tag!!", "e", "en-"] {
            let errs = parse(&format!(
                "title = \"T\"\nbase_url = \"https://e.org/\"\nlanguage = \"{bad}\"\n"
            ))
            .unwrap_err();
            assert_eq!(errs.len(), 1, "{bad}");
            assert_eq!((errs[0].line, errs[0].col), (3, 12), "{bad}");
            assert!(
                errs[0].message.starts_with(&format!(
                    "language '{bad}' is not a BCP 47 language tag like en or es-MX ("
                )),
                "{}",
                errs[0].message
            );
        }
    }

    #[test]
    fn issue_11_title_is_visible_and_one_line() {
        for (title, message) in [
            ("\\u200B", "title has only invisible characters"),
            (
                "A\\u2028B",
                "title must be a single line (it holds the separator U+2028)",
            ),
        ] {
            let errs = parse(&format!(
                "title = \"{title}\"\nbase_url = \"https://e.org/\"\n"
            ))
            .unwrap_err();
            let found: Vec<String> = errs.iter().map(ToString::to_string).collect();
            assert_eq!(found, [format!("c.toml:1:9: error: {message}")]);
        }
    }

    #[test]
    fn issue_11_every_problem_of_the_settings_is_reported() {
        let errs = parse(
            "title = \"T\"\nbase_url = \"https://e.org/\"\ntitel = 1\nfeed_limit = \"ten\"\nlanguage = \"english\"\nauthor = \"unclosed\n",
        )
        .unwrap_err();
        let found: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "c.toml:6:19: error: invalid basic string, expected `\"`",
                "c.toml:4:14: error: `feed_limit` must be a whole number, e.g. feed_limit = 20 (found string \"ten\")",
                "c.toml:3:1: error: unknown field `titel` (fields: id, title, description, base_url, language, timezone, author, feed_limit, websub_hub)",
                "c.toml:5:12: error: language 'english' is not a BCP 47 language tag like en or es-MX (the primary language is not in the IANA Language Subtag Registry)",
            ]
        );
    }

    #[test]
    fn websub_hub_is_an_absolute_http_url() {
        let base = "title = \"T\"\nbase_url = \"https://e.org/\"\n";
        assert_eq!(parse(base).expect("valid").websub_hub, None);
        let s = parse(&format!(
            "{base}websub_hub = \"https://hub.example/p?x=1\"\n"
        ))
        .expect("valid");
        assert_eq!(
            s.websub_hub.map(String::from).as_deref(),
            Some("https://hub.example/p?x=1")
        );
        for (bad, problem) in [
            (
                "javascript:alert(1)",
                "must be an absolute http:// or https:// URL",
            ),
            ("/hub", "must be an absolute http:// or https:// URL"),
            ("https://", "has no host"),
            (
                "https://h.example/\\\"><script>",
                "contains spaces, quotes or control characters",
            ),
            (
                "https://h.example/\\u001b[31m",
                "contains spaces, quotes or control characters",
            ),
            (
                " https://h.example/",
                "must be an absolute http:// or https:// URL",
            ),
        ] {
            let errs = parse(&format!("{base}websub_hub = \"{bad}\"\n")).unwrap_err();
            assert_eq!(errs.len(), 1, "{bad}");
            assert_eq!((errs[0].line, errs[0].col), (3, 14), "{bad}");
            assert_eq!(errs[0].code, Code::InvalidSetting, "{bad}");
            assert!(
                errs[0].message.starts_with("websub_hub '") && errs[0].message.ends_with(problem),
                "{bad}: {}",
                errs[0].message
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
