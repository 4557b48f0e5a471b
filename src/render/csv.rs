//! CSV export: one row per event, the front matter's fields as columns; `tags`, `sources` and
//! `corrections` hold JSON arrays so that commas, quotes and every field of theirs survive.

use std::io::{self, Write};

use super::jsonl::ExportedEvent;
use super::RenderError;
use crate::model::Event;

/// The columns, in order: also what `import` reads back (see `import::csv`).
pub const HEADER: [&str; 15] = [
    "id",
    "title",
    "date",
    "end",
    "timezone",
    "location",
    "tags",
    "status",
    "published",
    "updated",
    "sources",
    "corrections",
    "retraction",
    "body",
    "path",
];

/// Writes a header row and one row per event.
pub fn render_csv<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    Ok(write_csv(events, w)?)
}

/// [`render_csv`]; a CSV or JSON error reports as I/O, as their crates convert them.
fn write_csv<'a>(events: impl IntoIterator<Item = &'a Event>, w: &mut dyn Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(w);
    writer.write_record(HEADER)?;
    for event in events {
        let e = ExportedEvent::new(event);
        writer.write_record([
            e.id,
            e.title,
            &e.date,
            e.end.as_deref().unwrap_or(""),
            e.timezone,
            e.location.unwrap_or(""),
            &serde_json::to_string(e.tags)?,
            e.status,
            e.published.as_deref().unwrap_or(""),
            e.updated.as_deref().unwrap_or(""),
            &serde_json::to_string(&e.sources)?,
            &serde_json::to_string(&e.corrections)?,
            e.retraction.unwrap_or(""),
            &e.body,
            e.path,
        ])?;
    }
    writer.flush()
}
