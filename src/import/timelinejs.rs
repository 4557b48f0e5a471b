//! TimelineJS import: the slides of a TimelineJS JSON file (the `events` array of
//! <https://timeline.knightlab.com/docs/json-format.html>) become events.
//!
//! | slide | event |
//! |---|---|
//! | `start_date`, `end_date` | `date`, `end`: a year alone is `"YYYY"`, a year and month `"YYYY-MM"`, a day a date, an hour a local time in the collection's zone |
//! | `text.headline` | `title` (its HTML as plain text) |
//! | `text.text` | the body (its HTML as Markdown) |
//! | `group` | a tag |
//! | `unique_id` | `id` |
//! | `media.url` with `media.credit` or `media.caption` | a source |
//!
//! HTML becomes Markdown by the htmd crate, with `script`, `style`, `iframe` and `object`
//! dropped along with everything inside them; Markdown holds no attributes, so event handlers
//! (`onerror=`) go too. `display_date`, `background` and `autolink` have no place in an event
//! and are read but not kept; any other field is an error.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::record::json_message;
use super::{Imported, Read};
use crate::create::event::{date_value, NewEvent, NewSource};
use crate::model::Status;
use crate::render::body::markdown_text;

#[derive(Deserialize)]
struct Timeline<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
    // The timeline's own title slide, eras and scale describe no event.
    #[serde(default)]
    #[allow(dead_code)]
    title: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    eras: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    scale: Option<IgnoredAny>,
}

/// One slide, as TimelineJS defines it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Slide {
    start_date: Option<SlideDate>,
    end_date: Option<SlideDate>,
    text: Option<SlideText>,
    media: Option<SlideMedia>,
    group: Option<String>,
    unique_id: Option<String>,
    display_date: Option<IgnoredAny>,
    background: Option<IgnoredAny>,
    autolink: Option<IgnoredAny>,
}

/// A slide date: numbers, which TimelineJS also takes as strings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SlideDate {
    year: Option<serde_json::Value>,
    month: Option<serde_json::Value>,
    day: Option<serde_json::Value>,
    hour: Option<serde_json::Value>,
    minute: Option<serde_json::Value>,
    second: Option<serde_json::Value>,
    millisecond: Option<serde_json::Value>,
    display_date: Option<IgnoredAny>,
    format: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlideText {
    headline: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SlideMedia {
    url: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
    thumbnail: Option<IgnoredAny>,
    alt: Option<IgnoredAny>,
    title: Option<IgnoredAny>,
    link: Option<IgnoredAny>,
    link_target: Option<IgnoredAny>,
}

/// Reads every slide of `text`, each at the line its object starts on. Times have no zone in
/// TimelineJS: they are written as local times, read in the collection's zone.
pub(super) fn read_timelinejs(text: &str) -> Vec<Read> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let timeline: Timeline<'_> = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(timeline) => timeline,
        Err(err) => {
            let line = err.inner().line();
            return vec![(
                line,
                Err(json_message(&err.path().to_string(), err.inner())),
            )];
        }
    };
    timeline
        .events
        .into_iter()
        .map(|raw| {
            // The slide's text is a slice of `text`: where it starts gives its line.
            let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let before = text.get(..offset).unwrap_or_default();
            let line = 1 + before.matches('\n').count();
            let mut slide_deserializer = serde_json::Deserializer::from_str(raw.get());
            let slide: Slide = match serde_path_to_error::deserialize(&mut slide_deserializer) {
                Ok(slide) => slide,
                Err(err) => {
                    let at = line + err.inner().line().saturating_sub(1);
                    return (at, Err(json_message(&err.path().to_string(), err.inner())));
                }
            };
            (line, slide.imported())
        })
        .collect()
}

/// The event of one slide given as a JSON value (a row of the TimelineJS spreadsheet).
pub(super) fn slide_value_imported(value: serde_json::Value) -> Result<Imported, String> {
    let slide: Slide = serde_path_to_error::deserialize(value)
        .map_err(|err| json_message(&err.path().to_string(), err.inner()))?;
    slide.imported()
}

impl Slide {
    fn imported(self) -> Result<Imported, String> {
        let start = self.start_date.ok_or("the slide has no start_date")?;
        let date = start.value().map_err(|e| format!("start_date: {e}"))?;
        let end = self
            .end_date
            .map(|end| end.value().map_err(|e| format!("end_date: {e}")))
            .transpose()?
            .filter(|end| *end != date);
        let text = self.text.unwrap_or(SlideText {
            headline: None,
            text: None,
        });
        let title = text
            .headline
            .as_deref()
            .map(plain_text)
            .transpose()?
            .filter(|h| !h.is_empty())
            .ok_or("the slide has no text.headline to be its title")?;
        let body = match text.text.as_deref() {
            Some(html) => {
                let markdown = markdown(html)?;
                if markdown.is_empty() {
                    markdown
                } else {
                    markdown + "\n"
                }
            }
            None => String::new(),
        };
        let sources = self
            .media
            .and_then(|media| {
                let url = media.url.filter(|u| u.starts_with("http"))?;
                let title = [&media.caption, &media.credit]
                    .into_iter()
                    .flatten()
                    .map(|t| plain_text(t).unwrap_or_default())
                    .find(|t| !t.is_empty())
                    .unwrap_or_else(|| url.clone());
                let publisher = media
                    .credit
                    .as_deref()
                    .and_then(|c| plain_text(c).ok())
                    .filter(|c| !c.is_empty() && *c != title);
                Some(vec![NewSource {
                    title,
                    url,
                    publisher,
                    date: None,
                }])
            })
            .unwrap_or_default();
        Ok(Imported {
            event: NewEvent {
                title,
                date,
                end,
                timezone: None,
                location: None,
                tags: self
                    .group
                    .into_iter()
                    .filter(|g| !g.trim().is_empty())
                    .collect(),
                status: Status::default(),
                sources,
                published: None,
                updated: None,
                body,
                corrections: Vec::new(),
                retraction: None,
            },
            id: self.unique_id.filter(|id| !id.is_empty()),
            path: None,
            notes: Vec::new(),
        })
    }
}

impl SlideDate {
    /// The event date at the slide's precision: year, month, day, or a local time.
    fn value(&self) -> Result<toml::Value, String> {
        let year = number(self.year.as_ref(), "year")?.ok_or("no year")?;
        let month = number(self.month.as_ref(), "month")?;
        let day = number(self.day.as_ref(), "day")?;
        let hour = number(self.hour.as_ref(), "hour")?;
        let minute = number(self.minute.as_ref(), "minute")?.unwrap_or(0);
        let second = number(self.second.as_ref(), "second")?.unwrap_or(0);
        if !(1..=9999).contains(&year) {
            return Err(format!("year {year} is outside 1 to 9999"));
        }
        let text = match (month, day, hour) {
            (None, None, None) => format!("{year:04}"),
            (Some(m), None, None) => format!("{year:04}-{m:02}"),
            (Some(m), Some(d), None) => format!("{year:04}-{m:02}-{d:02}"),
            (Some(m), Some(d), Some(h)) => {
                format!("{year:04}-{m:02}-{d:02}T{h:02}:{minute:02}:{second:02}")
            }
            _ => return Err("a day needs its month, and a time its day".into()),
        };
        date_value(&text)
    }
}

/// A date part: a whole number, or a string holding one.
fn number(value: Option<&serde_json::Value>, name: &str) -> Result<Option<i64>, String> {
    let bad = || format!("{name} is not a whole number");
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// HTML as Markdown, with what may run or load dropped (see the module doc).
pub(super) fn markdown(html: &str) -> Result<String, String> {
    htmd::HtmlToMarkdown::builder()
        .skip_tags(vec![
            "script", "style", "iframe", "object", "embed", "noscript", "template",
        ])
        .build()
        .convert(html)
        .map(|markdown| markdown.trim().to_string())
        .map_err(|err| format!("cannot read the HTML: {err}"))
}

/// HTML as one line of plain text. htmd writes a decoded `&lt;` back as `&lt;`, which Markdown
/// would read as an entity again: its `&` are escaped before the Markdown is read as text.
pub(super) fn plain_text(html: &str) -> Result<String, String> {
    let text = markdown_text(&markdown(html)?.replace('&', "&amp;"));
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_their_precision() {
        let read = read_timelinejs(
            r#"{"events": [
  {"start_date": {"year": "1995"}, "text": {"headline": "Year"}},
  {"start_date": {"year": 2001, "month": 9}, "end_date": {"year": 2001, "month": 11},
   "text": {"headline": "Months"}},
  {"start_date": {"year": 2025, "month": 9, "day": 3, "hour": 12, "minute": 30},
   "text": {"headline": "<b>Bold</b> &amp; time"}, "group": "g", "unique_id": "t"},
  {"start_date": {"year": 2025, "day": 3}, "text": {"headline": "Bad"}}
]}"#,
        );
        let values: Vec<String> = read
            .iter()
            .map(|(line, r)| match r {
                Ok(i) => format!(
                    "{line} {} {:?} {}",
                    i.event.date,
                    i.event.end.as_ref().map(ToString::to_string),
                    i.event.title
                ),
                Err(e) => format!("{line} {e}"),
            })
            .collect();
        assert_eq!(
            values,
            [
                "2 \"1995\" None Year",
                "3 \"2001-09\" Some(\"\\\"2001-11\\\"\") Months",
                "5 2025-09-03T12:30:00 None Bold & time",
                "7 start_date: a day needs its month, and a time its day",
            ]
        );
    }

    #[test]
    fn scripts_and_handlers_are_dropped() {
        let html = "<p>Hi <script>alert(1)</script><img src=\"https://e.org/x.png\" onerror=\"alert(2)\"> <a href=\"https://e.org/\" onclick=\"x()\">link</a></p><style>p{}</style>";
        let markdown = markdown(html).expect("converted");
        assert!(
            !markdown.contains("alert")
                && !markdown.contains("onerror")
                && !markdown.contains("onclick"),
            "{markdown}"
        );
        assert!(markdown.contains("[link](https://e.org/)"), "{markdown}");
    }
}
