//! TimelineSetter import: ProPublica's TimelineSetter CSV (columns `date`, `display_date`,
//! `description`, `link`, `series`, `html`), one event per row.
//!
//! | column | event |
//! |---|---|
//! | `date` | `date`: `2012-03-05`, `2012-03-05 14:30`, `3/5/2012` (month first, as the tool's examples) or `March 5, 2012`; a time is local, in the collection's zone |
//! | `description` | `title` (its HTML as one line of plain text) |
//! | `html` | the body (its HTML as Markdown, as for TimelineJS: scripts and attributes dropped) |
//! | `link` | a source, titled by its URL |
//! | `series` | a tag |
//! | `display_date` | not kept: chronicle shows dates itself |
//!
//! A problem is reported at the line its row starts on.

use chrono::{NaiveDate, NaiveDateTime};

use super::timelinejs::{markdown, plain_text};
use super::{Imported, Read};
use crate::create::event::{date_value, NewEvent, NewSource};
use crate::model::Status;

const COLUMNS: [&str; 6] = [
    "date",
    "display_date",
    "description",
    "link",
    "series",
    "html",
];

/// Reads the header and every row of `text`.
pub(super) fn read_timelinesetter(text: &str) -> Vec<Read> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        Err(err) => return vec![(1, Err(err.to_string()))],
    };
    let mut problems = Vec::new();
    for name in &header {
        if !COLUMNS.contains(&name.as_str()) {
            problems.push((
                1,
                Err(format!(
                    "unknown column '{name}' (TimelineSetter's columns: {})",
                    COLUMNS.join(", ")
                )),
            ));
        }
    }
    for required in ["date", "description"] {
        if !header.iter().any(|h| h == required) {
            problems.push((1, Err(format!("missing column '{required}'"))));
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    let mut read = Vec::new();
    for (line, row) in super::csv::rows(text, &mut reader, header.len()) {
        let row = match row {
            Ok(row) => row,
            Err(message) => {
                read.push((line, Err(message)));
                continue;
            }
        };
        let cell = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|at| row.get(at))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        };
        read.push((line, imported(&cell)));
    }
    read
}

fn imported<'a>(cell: &impl Fn(&str) -> Option<&'a str>) -> Result<Imported, String> {
    let date = event_date(cell("date").ok_or("date is empty")?)?;
    let title = cell("description")
        .map(plain_text)
        .transpose()?
        .filter(|t| !t.is_empty())
        .ok_or("description is empty: it is the event's title")?;
    let body = match cell("html") {
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
    Ok(Imported {
        event: NewEvent {
            title,
            date,
            end: None,
            timezone: None,
            location: None,
            tags: cell("series").map(str::to_string).into_iter().collect(),
            status: Status::default(),
            sources: cell("link").map(NewSource::from_url).into_iter().collect(),
            published: None,
            updated: None,
            body,
            corrections: Vec::new(),
            retraction: None,
        },
        id: None,
        path: None,
        notes: Vec::new(),
    })
}

/// A TimelineSetter date as an event date: a day, or a local time.
fn event_date(text: &str) -> Result<toml::Value, String> {
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, format) {
            return date_value(&time.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
    }
    for format in ["%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y"] {
        if let Ok(day) = NaiveDate::parse_from_str(text, format) {
            return date_value(&day.format("%Y-%m-%d").to_string());
        }
    }
    Err(format!(
        "date '{text}' is not a date: use 2012-03-05, 2012-03-05 14:30, 3/5/2012 or March 5, 2012"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_forms() {
        for (text, value) in [
            ("2012-03-05", "2012-03-05"),
            ("3/5/2012", "2012-03-05"),
            ("March 5, 2012", "2012-03-05"),
            ("2012-03-05 14:30", "2012-03-05T14:30:00"),
        ] {
            assert_eq!(
                event_date(text).map(|v| v.to_string()).as_deref(),
                Ok(value),
                "{text}"
            );
        }
        assert!(event_date("5th of March").is_err());
        assert!(event_date("2/30/2012").is_err());
    }
}
