//! The text of a new event file, its file name and its id, from the values given to `new`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::{Status, When, WhenError};

/// The longest file name stem (and id) made from a title, in ASCII characters: long enough to
/// tell events apart, well within a file name's 255 bytes once a `-N` suffix is added.
pub const MAX_SLUG_LEN: usize = 80;

/// An event as given to `new` or read by `import`, every date as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub title: String,
    /// A TOML local date or date-time, an offset date-time, or a string (`"2025-09"`,
    /// `"2025"`): see [`date_value`].
    pub date: toml::Value,
    pub end: Option<toml::Value>,
    /// IANA name, written only when given.
    pub timezone: Option<String>,
    pub location: Option<String>,
    pub tags: Vec<String>,
    /// Written only when it is not the default, `confirmed`.
    pub status: Status,
    pub sources: Vec<NewSource>,
    /// When the entry was first published, an offset date-time (see [`utc_datetime`]); an
    /// event without one is dated by its `date` in the feeds.
    pub published: Option<toml::value::Datetime>,
    /// When it was last corrected, an offset date-time.
    pub updated: Option<toml::value::Datetime>,
    /// `[[corrections]]`, in the order given.
    pub corrections: Vec<NewCorrection>,
    /// The retraction note of a retracted entry.
    pub retraction: Option<String>,
    /// The Markdown body.
    pub body: String,
}

/// A `[[corrections]]` entry as it will be written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCorrection {
    /// An offset date-time.
    pub date: toml::value::Datetime,
    /// Markdown.
    pub note: String,
}

/// A `[[sources]]` entry as it will be written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSource {
    pub title: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// A date value of the event's forms (see [`date_value`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<toml::Value>,
}

impl NewSource {
    /// A source known only by its URL: its title is the URL until someone writes a better one.
    pub fn from_url(url: &str) -> NewSource {
        NewSource {
            title: url.to_string(),
            url: url.to_string(),
            publisher: None,
            date: None,
        }
    }
}

#[derive(Serialize)]
struct FrontMatter<'a> {
    title: &'a str,
    date: &'a toml::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<&'a toml::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retraction: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<&'a toml::value::Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<&'a toml::value::Datetime>,
    id: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    sources: &'a [NewSource],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    corrections: &'a [NewCorrection],
}

/// Why an event file's text could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot write the front matter as TOML: {0}")]
    Toml(#[from] toml::ser::Error),
    #[error("cannot write {0} as a TOML date-time")]
    Datetime(String),
}

/// The event file's text: `+++`, `header` (TOML comment lines, if any), the front matter,
/// `+++`, the body.
pub fn event_text(event: &NewEvent, id: &str, header: &str) -> Result<String, ComposeError> {
    let front = FrontMatter {
        title: &event.title,
        date: &event.date,
        end: event.end.as_ref(),
        timezone: event.timezone.as_deref(),
        location: event.location.as_deref(),
        tags: &event.tags,
        status: (event.status != Status::default()).then(|| event.status.as_str()),
        retraction: event.retraction.as_deref(),
        published: event.published.as_ref(),
        updated: event.updated.as_ref(),
        id,
        sources: &event.sources,
        corrections: &event.corrections,
    };
    let front = toml::to_string(&front)?;
    Ok(format!("+++\n{header}{front}+++\n{}", event.body))
}

/// An instant as `published` and `updated` are written: RFC 3339 in UTC, whole seconds.
pub fn utc_datetime(at: DateTime<Utc>) -> Result<toml::value::Datetime, ComposeError> {
    let text = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    text.parse().map_err(|_| ComposeError::Datetime(text))
}

/// The file name stem and id a title gives: its slug (lowercase ASCII letters, digits and `-`,
/// as tag pages use, see [`crate::model::slugify`]), cut at a word boundary to
/// [`MAX_SLUG_LEN`]; `None` when the title has no letter or digit.
pub fn title_slug(title: &str) -> Option<String> {
    crate::model::short_slug(title, MAX_SLUG_LEN)
}

/// The `n`th candidate name for a slug: `slug`, then `slug-2`, `slug-3`, …
pub fn numbered(slug: &str, n: usize) -> String {
    if n <= 1 {
        slug.to_string()
    } else {
        format!("{slug}-{n}")
    }
}

/// Reads a `--date`/`--end` argument into the value the front matter holds: a day
/// (`2025-09-03`) or a date-time (`2025-09-03T12:00:00-06:00`, or local `2025-09-03T12:00`) as
/// a TOML date, a month or year (`2025-09`, `2025`) as a string. The date rules are the event
/// file's ([`When::from_toml`]); a local time the clocks skip is reported by `check`'s rules
/// once the time zone is known.
pub fn date_value(text: &str) -> Result<toml::Value, String> {
    let hint = || {
        format!(
            "{text} is not a date: use 2025-09-03, 2025-09-03T12:00, 2025-09-03T12:00:00-06:00, \
             2025-09 or 2025"
        )
    };
    let text = text.trim();
    if text.len() <= 10 {
        // A day, month or year: read by the event file's rules for a quoted date, which say
        // which day does not exist; a day is then written as a TOML date.
        let reduced = toml::Value::String(text.to_string());
        return match When::from_toml(&reduced, chrono_tz::UTC) {
            Ok(When::Date(_)) => text.parse().map(toml::Value::Datetime).map_err(|_| hint()),
            Ok(_) => Ok(reduced),
            Err(WhenError::NoSuchDate(_)) => Err(format!("{text} does not exist")),
            Err(_) => Err(hint()),
        };
    }
    let mut datetime: toml::value::Datetime = text.parse().map_err(|_| hint())?;
    if datetime.date.is_none() || datetime.time.is_none() {
        return Err(hint());
    }
    // Seconds written out: TOML 1.0 readers require them (TOML 1.1 made them optional).
    if let Some(time) = &mut datetime.time {
        time.second.get_or_insert(0);
    }
    let value = toml::Value::Datetime(datetime);
    // A local time the clocks skip depends on the zone, known later: check's rules say so then.
    match When::from_toml(&value, chrono_tz::UTC) {
        Ok(_) | Err(WhenError::SkippedTime(..)) => Ok(value),
        Err(_) => Err(hint()),
    }
}

/// The year a date value is written in: the folder its event file goes into.
pub fn written_year(date: &toml::Value) -> Option<String> {
    match date {
        toml::Value::Datetime(dt) => dt.date.map(|d| format!("{:04}", d.year)),
        toml::Value::String(s) => s.get(..4).map(str::to_string),
        _ => None,
    }
}

/// A day (`--date 2025-09-03`) at a local time of day (`--time 18:30`): the date-time read in
/// the event's time zone.
pub fn at_time(date: &toml::Value, time: chrono::NaiveTime) -> Option<toml::Value> {
    let toml::Value::Datetime(datetime) = date else {
        return None;
    };
    let (Some(day), None) = (datetime.date, datetime.time) else {
        return None;
    };
    let text = format!("{day}T{}", time.format("%H:%M:%S"));
    text.parse().ok().map(toml::Value::Datetime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_event_file;
    use crate::load::SourceFile;

    fn event(title: &str) -> NewEvent {
        NewEvent {
            title: title.into(),
            date: date_value("2025-09-03").expect("a day"),
            end: None,
            timezone: None,
            location: None,
            tags: Vec::new(),
            status: Status::default(),
            sources: Vec::new(),
            published: Some(
                utc_datetime(DateTime::from_timestamp(1_756_900_000, 0).expect("in range"))
                    .expect("a date-time"),
            ),
            updated: None,
            body: String::new(),
            corrections: Vec::new(),
            retraction: None,
        }
    }

    #[test]
    fn date_forms_are_the_event_files() {
        for (text, written) in [
            ("2025-09-03", "2025-09-03"),
            ("2025-09-03T12:00", "2025-09-03T12:00:00"),
            ("2025-09-03T12:00:00-06:00", "2025-09-03T12:00:00-06:00"),
            ("2025-09", "\"2025-09\""),
            ("2025", "\"2025\""),
        ] {
            let value = date_value(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(value.to_string(), written, "{text}");
        }
        for bad in ["2025/09", "09-03-2025", "\"2025\"", "2025-9", "T12:00", ""] {
            assert!(date_value(bad).is_err(), "{bad}");
        }
        assert_eq!(
            date_value("2025-02-29").unwrap_err(),
            "2025-02-29 does not exist"
        );
    }

    #[test]
    fn a_time_goes_only_with_a_day() {
        let noon = chrono::NaiveTime::from_hms_opt(12, 30, 0).expect("a time");
        let day = date_value("2025-09-03").expect("a day");
        assert_eq!(
            at_time(&day, noon).map(|v| v.to_string()),
            Some("2025-09-03T12:30:00".into())
        );
        for other in ["2025-09", "2025-09-03T08:00"] {
            assert_eq!(at_time(&date_value(other).expect("a date"), noon), None);
        }
    }

    #[test]
    fn slugs_are_short_file_names() {
        assert_eq!(
            title_slug("Rubio visits Mexico City").as_deref(),
            Some("rubio-visits-mexico-city")
        );
        assert_eq!(title_slug("¿Qué pasó?").as_deref(), Some("que-paso"));
        assert_eq!(title_slug("+++ \"\" \\ ..."), None);
        let long = title_slug(&"word ".repeat(100)).expect("a slug");
        assert!(long.len() <= MAX_SLUG_LEN && !long.ends_with('-'), "{long}");
        assert_eq!(numbered("a", 1), "a");
        assert_eq!(numbered("a", 3), "a-3");
    }

    #[test]
    fn hostile_titles_read_back_as_written() {
        for title in [
            "Quotes \" and 'single' and \\ backslashes",
            "+++",
            "\"\"\" ''' +++\\n",
            "[[sources]] = 1",
            "Ünïcödé 東京 🎉",
        ] {
            let text = event_text(&event(title), "x", "").expect("serializable");
            let file = SourceFile::new("x.md".into(), "x.md".into(), text.clone());
            let (checked, diagnostics) = check_event_file(&file, chrono_tz::UTC);
            assert!(diagnostics.is_empty(), "{title}: {diagnostics:?}\n{text}");
            assert_eq!(checked.expect("valid").title, title);
        }
    }
}
