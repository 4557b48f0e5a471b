//! JSON Lines export: one object per event, in chronological order, with the front matter's
//! field names plus `body` (the Markdown) and `path`, so nothing of the collection is lost.
//!
//! Dates are ISO 8601 at their written precision; a local date-time carries the offset of the
//! event's time zone, named in `timezone`.

use std::io::{self, Write};

use serde::Serialize;

use super::RenderError;
use crate::model::{Event, Source, Tag};

/// An event as exported; the field names are the front matter's.
#[derive(Serialize)]
pub struct ExportedEvent<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub date: String,
    pub end: Option<String>,
    pub timezone: &'a str,
    pub location: Option<&'a str>,
    pub tags: &'a [Tag],
    pub status: &'static str,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub sources: Vec<ExportedSource<'a>>,
    /// Newest first.
    pub corrections: Vec<ExportedCorrection<'a>>,
    pub retraction: Option<&'a str>,
    pub body: String,
    pub path: &'a str,
}

#[derive(Serialize)]
pub struct ExportedCorrection<'a> {
    pub date: String,
    pub note: &'a str,
}

#[derive(Serialize)]
pub struct ExportedSource<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub publisher: Option<&'a str>,
    pub date: Option<String>,
}

impl<'a> ExportedEvent<'a> {
    pub fn new(event: &'a Event) -> Self {
        ExportedEvent {
            id: &event.id,
            title: &event.title,
            date: event.date.iso(),
            end: event.end.map(|e| e.iso()),
            timezone: event.timezone.name(),
            location: event.location.as_deref(),
            tags: &event.tags,
            status: event.status.as_str(),
            published: event.published.map(|p| p.to_rfc3339()),
            updated: event.updated.map(|u| u.to_rfc3339()),
            sources: event.sources.iter().map(ExportedSource::new).collect(),
            corrections: event
                .corrections
                .iter()
                .map(|c| ExportedCorrection {
                    date: c.date.to_rfc3339(),
                    note: &c.note,
                })
                .collect(),
            retraction: event.retraction.as_deref(),
            body: event.body.text(),
            path: &event.path,
        }
    }
}

impl<'a> ExportedSource<'a> {
    fn new(source: &'a Source) -> Self {
        ExportedSource {
            title: &source.title,
            url: &source.url,
            publisher: source.publisher.as_deref(),
            date: source.date.map(|d| d.iso()),
        }
    }
}

/// Writes one JSON object per event, one per line.
pub fn render_jsonl<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    for event in events {
        serde_json::to_writer(&mut *w, &ExportedEvent::new(event)).map_err(io::Error::from)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
