//! One event as chronicle's own exports hold it (the fields of `export --format jsonl`, which
//! the CSV export's columns repeat), and how it becomes the event file `new` would write.
//!
//! Dates are the export's: ISO 8601 at the written precision (`2025`, `2025-03`, `2025-03-04`)
//! or an RFC 3339 date-time with its offset; `timezone` names the zone the event is shown in.

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;

use super::Imported;
use crate::create::event::{date_value, NewCorrection, NewEvent, NewSource};
use crate::model::{Clock, Status, When};

/// An exported event, every field as the export writes it. Unknown fields are refused, as in
/// an event file: a misspelt column is never silently dropped.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: Option<String>,
    pub title: Option<String>,
    pub date: Option<String>,
    pub end: Option<String>,
    pub timezone: Option<String>,
    pub location: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub status: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    #[serde(default)]
    pub sources: Vec<RecordSource>,
    /// Newest first, as exported.
    #[serde(default)]
    pub corrections: Vec<RecordCorrection>,
    pub retraction: Option<String>,
    #[serde(default)]
    pub body: String,
    /// The event file's path in the collection it was exported from (`2025/rubio.md`).
    pub path: Option<String>,
}

/// One exported correction.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordCorrection {
    pub date: String,
    pub note: String,
}

/// One exported source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSource {
    pub title: String,
    pub url: String,
    pub publisher: Option<String>,
    pub date: Option<String>,
}

impl Record {
    /// The event this record holds, read in `zone` (the collection's), or what keeps it from
    /// being one. Only the forms are read here: every rule of an event file is `check`'s, run on
    /// the file this becomes.
    pub fn into_imported(self, zone: Tz) -> Result<Imported, String> {
        let title = self.title.ok_or("missing title")?;
        let date = self.date.ok_or("missing date")?;
        let date = date_value(&date).map_err(|e| format!("date: {e}"))?;
        let end = self
            .end
            .map(|end| date_value(&end).map_err(|e| format!("end: {e}")))
            .transpose()?;
        let status = match self.status.as_deref() {
            None => Status::default(),
            Some(name) => Status::parse(name).ok_or_else(|| {
                format!(
                    "unknown status '{name}' (use one of: {})",
                    Status::NAMES.join(", ")
                )
            })?,
        };
        let timezone = match self.timezone {
            Some(name) => {
                let event_zone: Tz = name.parse().map_err(|_| {
                    format!(
                        "unknown time zone '{name}' (use an IANA name like America/Mexico_City)"
                    )
                })?;
                written_zone(event_zone, zone, [Some(&date), end.as_ref()]).then_some(name)
            }
            None => None,
        };
        let sources = self
            .sources
            .into_iter()
            .map(|s| {
                Ok(NewSource {
                    title: s.title,
                    url: s.url,
                    publisher: s.publisher,
                    date: s
                        .date
                        .map(|d| date_value(&d).map_err(|e| format!("source date: {e}")))
                        .transpose()?,
                })
            })
            .collect::<Result<_, String>>()?;
        let event = NewEvent {
            title,
            date,
            end,
            timezone,
            location: self.location,
            tags: self.tags,
            status,
            sources,
            published: self
                .published
                .map(|p| timestamp(&p, "published"))
                .transpose()?,
            updated: self.updated.map(|u| timestamp(&u, "updated")).transpose()?,
            corrections: self
                .corrections
                .into_iter()
                .map(|c| {
                    Ok(NewCorrection {
                        date: timestamp(&c.date, "correction date")?,
                        note: c.note,
                    })
                })
                .collect::<Result<_, String>>()?,
            retraction: self.retraction,
            body: self.body,
        };
        Ok(Imported {
            event,
            id: self.id,
            path: self.path,
            notes: Vec::new(),
        })
    }
}

/// Whether an event's `timezone` must be written: when it is not the collection's. The export
/// names the collection's zone for every event without its own, and writes each time at the
/// offset it is shown at, so leaving the zone out gives back the same event; writing it would
/// show a time written at another offset on the zone's clock instead. One exception: a time
/// the zone shows at an offset of seconds (local mean time, before a zone's standard time),
/// which the export writes in UTC (RFC 3339 offsets are whole minutes), needs its zone to be
/// shown on that clock again.
pub fn written_zone<'a>(
    event_zone: Tz,
    collection_zone: Tz,
    dates: impl IntoIterator<Item = Option<&'a toml::Value>>,
) -> bool {
    event_zone != collection_zone
        || dates
            .into_iter()
            .flatten()
            .any(|value| match When::from_toml(value, event_zone) {
                Ok(When::Instant {
                    at,
                    clock: Clock::Offset(offset),
                }) => {
                    let zone_offset = event_zone.offset_from_utc_datetime(&at.naive_utc()).fix();
                    offset.local_minus_utc() == 0 && zone_offset.local_minus_utc() % 60 != 0
                }
                _ => false,
            })
}

/// serde_json's message, led by the field it is about (`tags[1]: invalid type: …`), without
/// the " at line L column C" it ends with: the report says where.
pub fn json_message(path: &str, err: &serde_json::Error) -> String {
    let text = err.to_string();
    let message = text
        .rfind(" at line ")
        .map_or(text.as_str(), |at| &text[..at]);
    // `.` is the whole value, `?` a place the syntax error left unknown; an unknown field's
    // message names it already.
    if path == "." || path == "?" || message.starts_with("unknown field") {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

/// An offset date-time (`published`, `updated`), as TOML writes it.
fn timestamp(text: &str, field: &str) -> Result<toml::value::Datetime, String> {
    let hint = || {
        format!("{field}: {text} is not a date-time with an offset, like 2025-09-04T08:15:00-06:00")
    };
    let value: toml::value::Datetime = text.trim().parse().map_err(|_| hint())?;
    if value.date.is_none() || value.time.is_none() || value.offset.is_none() {
        return Err(hint());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mexico() -> Tz {
        "America/Mexico_City".parse().expect("a zone")
    }

    #[test]
    fn the_collection_zone_is_written_only_for_local_mean_time() {
        let at = |text: &str| date_value(text).expect("a date");
        let zone = mexico();
        let written = |text: &str| written_zone(zone, zone, [Some(&at(text))]);
        assert!(!written("2025-09-03T12:00:00-06:00"));
        assert!(!written("2025-09"));
        // Written at another offset, without a zone: shown at that offset, as exported.
        assert!(!written("2025-09-03T12:00:00-03:00"));
        // Mexico City kept local mean time (-6:36:36) until 1922: exported in UTC.
        assert!(written("1900-01-01T12:00:00Z"));
        assert!(written_zone(
            chrono_tz::UTC,
            zone,
            [Some(&at("2025-09-03"))]
        ));
    }

    #[test]
    fn reads_every_field_of_an_export() {
        let record: Record = serde_json::from_str(
            r#"{"id":"a","title":"T","date":"2025-09-03T12:00:00-06:00","end":null,
                "timezone":"America/Mexico_City","location":null,"tags":["x"],
                "status":"tentative","published":"2025-09-04T08:15:00-06:00","updated":null,
                "sources":[{"title":"S","url":"https://e.org/","publisher":null,"date":"2025-09"}],
                "body":"B\n","path":"2025/a.md"}"#,
        )
        .expect("an exported record");
        let imported = record.into_imported(mexico()).expect("valid");
        assert_eq!(imported.id.as_deref(), Some("a"));
        assert_eq!(imported.event.timezone, None);
        assert_eq!(imported.event.status, Status::Tentative);
        assert_eq!(
            imported.event.sources[0].date,
            Some(toml::Value::String("2025-09".into()))
        );
        assert_eq!(
            imported.event.published.map(|p| p.to_string()).as_deref(),
            Some("2025-09-04T08:15:00-06:00")
        );
    }

    #[test]
    fn names_what_is_wrong() {
        for (json, message) in [
            (r#"{"date":"2025"}"#, "missing title"),
            (r#"{"title":"T"}"#, "missing date"),
            (r#"{"title":"T","date":"2025-02-30"}"#, "date: 2025-02-30 does not exist"),
            (
                r#"{"title":"T","date":"2025","status":"maybe"}"#,
                "unknown status 'maybe' (use one of: confirmed, tentative, cancelled, retracted)",
            ),
            (
                r#"{"title":"T","date":"2025","published":"2025-09-04"}"#,
                "published: 2025-09-04 is not a date-time with an offset, like 2025-09-04T08:15:00-06:00",
            ),
        ] {
            let record: Record = serde_json::from_str(json).expect("a record");
            assert_eq!(record.into_imported(mexico()).err().as_deref(), Some(message), "{json}");
        }
    }
}
