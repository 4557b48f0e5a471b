//! TimelineJS spreadsheet import: the CSV of TimelineJS's Google Sheets template, one slide per
//! row, under the template's header (Year, Month, Day, Time, End Year, End Month, End Day,
//! End Time, Display Date, Headline, Text, Media, Media Credit, Media Caption,
//! Media Thumbnail, Type, Group, Background).
//!
//! Each row is read as the slide of TimelineJS JSON it stands for, so both forms share one
//! mapping (see `timelinejs`). Rows of Type `title` (the title slide) and `era` describe no
//! event and are skipped. Time is `HH:MM` or `HH:MM:SS`, 24-hour. A problem is reported at the
//! line its row starts on.

use serde_json::{json, Map, Value};

use super::timelinejs::slide_value_imported;
use super::Read;

/// The template's columns, as its header names them.
const COLUMNS: [&str; 18] = [
    "Year",
    "Month",
    "Day",
    "Time",
    "End Year",
    "End Month",
    "End Day",
    "End Time",
    "Display Date",
    "Headline",
    "Text",
    "Media",
    "Media Credit",
    "Media Caption",
    "Media Thumbnail",
    "Type",
    "Group",
    "Background",
];

/// Reads the header and every row of `text`.
pub(super) fn read_timelinejs_csv(text: &str) -> Vec<Read> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(header) => header.iter().map(|h| h.trim().to_string()).collect(),
        Err(err) => return vec![(1, Err(err.to_string()))],
    };
    let mut problems = Vec::new();
    for name in &header {
        if !COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name)) {
            problems.push((
                1,
                Err(format!(
                    "unknown column '{name}' (the TimelineJS template's columns: {})",
                    COLUMNS.join(", ")
                )),
            ));
        }
    }
    for required in ["Year", "Headline"] {
        if !header.iter().any(|h| h.eq_ignore_ascii_case(required)) {
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
                .position(|h| h.eq_ignore_ascii_case(name))
                .and_then(|at| row.get(at))
                .map(str::trim)
                .filter(|c| !c.is_empty())
        };
        if cell("Type")
            .is_some_and(|t| t.eq_ignore_ascii_case("title") || t.eq_ignore_ascii_case("era"))
        {
            continue;
        }
        let slide = slide(&cell);
        read.push((line, slide.and_then(slide_value_imported)));
    }
    read
}

/// The TimelineJS JSON slide a row stands for.
fn slide<'a>(cell: &impl Fn(&str) -> Option<&'a str>) -> Result<Value, String> {
    let mut slide = Map::new();
    slide.insert("start_date".into(), date(cell, "")?);
    if cell("End Year").is_some() {
        slide.insert("end_date".into(), date(cell, "End ")?);
    }
    let mut text = Map::new();
    for (column, field) in [("Headline", "headline"), ("Text", "text")] {
        if let Some(value) = cell(column) {
            text.insert(field.into(), json!(value));
        }
    }
    slide.insert("text".into(), Value::Object(text));
    if let Some(url) = cell("Media") {
        let mut media = Map::new();
        media.insert("url".into(), json!(url));
        for (column, field) in [("Media Credit", "credit"), ("Media Caption", "caption")] {
            if let Some(value) = cell(column) {
                media.insert(field.into(), json!(value));
            }
        }
        slide.insert("media".into(), Value::Object(media));
    }
    if let Some(group) = cell("Group") {
        slide.insert("group".into(), json!(group));
    }
    Ok(Value::Object(slide))
}

/// A start (`prefix` "") or end ("End ") date of a row.
fn date<'a>(cell: &impl Fn(&str) -> Option<&'a str>, prefix: &str) -> Result<Value, String> {
    let mut date = Map::new();
    for part in ["Year", "Month", "Day"] {
        if let Some(value) = cell(&format!("{prefix}{part}")) {
            date.insert(part.to_ascii_lowercase(), json!(value));
        }
    }
    if let Some(time) = cell(&format!("{prefix}Time")) {
        let bad = || format!("{prefix}Time '{time}' is not HH:MM or HH:MM:SS");
        let parts: Vec<&str> = time.split(':').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.parse::<u32>().is_err()) {
            return Err(bad());
        }
        for (name, value) in ["hour", "minute", "second"].iter().zip(&parts) {
            date.insert((*name).into(), json!(value));
        }
    }
    Ok(Value::Object(date))
}
