//! TimelineJS export: the collection as a TimelineJS JSON file
//! (<https://timeline.knightlab.com/docs/json-format.html>), one slide per event, in
//! chronological order. Pure: no I/O.
//!
//! Dates keep their precision (a year slide has only `year`, a month one `year` and `month`);
//! a time is the wall-clock time the event is shown at, as TimelineJS dates have no zone. The
//! slide's `text.headline` is the title and `text.text` the body as HTML (raw HTML escaped,
//! as in the feeds), followed by the sources as links; the first tag is the slide's `group`
//! and the id its `unique_id`.

use std::io::{self, Write};

use chrono::{Datelike, Timelike};
use serde::Serialize;

use super::body::{escape_html, markdown_html, push_sources_html};
use super::RenderError;
use crate::model::{Collection, Event, When};

#[derive(Serialize)]
struct Timeline<'a> {
    title: TitleSlide,
    events: Vec<Slide<'a>>,
}

#[derive(Serialize)]
struct TitleSlide {
    text: SlideText,
}

#[derive(Serialize)]
struct Slide<'a> {
    start_date: SlideDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<SlideDate>,
    text: SlideText,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    unique_id: &'a str,
}

#[derive(Serialize)]
struct SlideText {
    headline: String,
    text: String,
}

/// A TimelineJS date, with only the parts the event's date has.
#[derive(Serialize)]
struct SlideDate {
    year: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    day: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hour: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minute: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    second: Option<u32>,
}

impl SlideDate {
    fn new(when: &When) -> SlideDate {
        let mut date = SlideDate {
            year: when.year(),
            month: None,
            day: None,
            hour: None,
            minute: None,
            second: None,
        };
        match when {
            When::Year(_) => {}
            When::Month(_, month) => date.month = Some(*month),
            When::Date(day) => {
                date.month = Some(day.month());
                date.day = Some(day.day());
            }
            When::Instant { .. } => {
                // The wall-clock time it is shown at: `iso` writes it with that offset.
                let shown = chrono::DateTime::parse_from_rfc3339(&when.iso())
                    .expect("When::iso writes RFC 3339");
                date.year = shown.year();
                date.month = Some(shown.month());
                date.day = Some(shown.day());
                date.hour = Some(shown.hour());
                date.minute = Some(shown.minute());
                date.second = Some(shown.second());
            }
        }
        date
    }
}

fn slide<'a>(event: &'a Event, link_base: &str) -> Slide<'a> {
    let mut text = markdown_html(&event.body.text(), link_base, &event.id);
    push_sources_html(&mut text, &event.sources);
    Slide {
        start_date: SlideDate::new(&event.date),
        end_date: event.end.as_ref().map(SlideDate::new),
        text: SlideText {
            headline: escape_html(&event.title),
            text,
        },
        group: event.tags.first().map(|tag| tag.name()),
        unique_id: &event.id,
    }
}

/// Writes the TimelineJS JSON of `events` (of `collection`, whose title and description make
/// the title slide).
pub fn render_timelinejs<'a>(
    collection: &Collection,
    events: impl IntoIterator<Item = &'a Event>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    let link_base = collection.settings.base_url.as_str();
    let timeline = Timeline {
        title: TitleSlide {
            text: SlideText {
                headline: escape_html(&collection.settings.title),
                text: escape_html(&collection.settings.description),
            },
        },
        events: events.into_iter().map(|e| slide(e, link_base)).collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &timeline).map_err(io::Error::from)?;
    w.write_all(b"\n")?;
    Ok(())
}
