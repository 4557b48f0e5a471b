//! `chronicle list`: the events as a table for people, or as TSV or JSON for other programs.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::cli::{ListArgs, ListFormat};
use crate::model::{Event, Status};
use crate::terminal::{acts_on_terminal, escape};

pub fn run(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let Some(collection) = super::checked_collection(&args.events.events, true)? else {
        return Ok(super::invalid());
    };
    let filter = super::filter(&args.filter);
    let selected = filter.select(&collection);
    super::say_when_nothing_matches(&collection, &filter, &selected);
    let rows: Vec<Row> = selected
        .iter()
        .map(|&i| Row::of(&collection.events[i]))
        .collect();
    let text = match args.format {
        ListFormat::Table => table(&rows, terminal_width()),
        ListFormat::Tsv => tsv(&rows),
        ListFormat::Json => json(&rows)?,
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One event as listed: the fields hold the collection's text as it is (each format escapes
/// it its own way).
#[derive(Debug, Serialize)]
struct Row {
    date: String,
    title: String,
    #[serde(serialize_with = "status_name")]
    status: Status,
    tags: Vec<String>,
    id: String,
    path: String,
}

impl Row {
    fn of(event: &Event) -> Row {
        Row {
            date: event.date.period(event.end.as_ref()).to_string(),
            title: event.title.clone(),
            status: event.status,
            tags: event.tags.iter().map(|t| t.name().to_string()).collect(),
            id: event.id.clone(),
            path: event.path.clone(),
        }
    }

    /// The title as the table shows it: escaped, with the status unless confirmed.
    fn shown_title(&self) -> String {
        let title = escape(&self.title);
        match self.status {
            Status::Confirmed => title.into_owned(),
            status => format!("{title} [{}]", status.as_str()),
        }
    }
}

fn status_name<S: serde::Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.as_str())
}

const HEADER: [&str; 3] = ["DATE", "TITLE", "TAGS"];

/// The width to fit the table in: `COLUMNS` when set (as `ls` reads it, so a script can ask for
/// a width), else the terminal's when stdout is one; `None` (full titles) when piped.
fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns);
    }
    let stdout = io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0))
}

/// Narrowest a title is cut to: below this the line overflows rather than lose the title.
const MIN_TITLE_WIDTH: usize = 12;

/// Date, title and tags in aligned columns under a header; titles are cut with an ellipsis so a
/// line fits `width` (display columns, so wide CJK characters count twice).
fn table(rows: &[Row], width: Option<usize>) -> String {
    let shown: Vec<[String; 3]> = rows
        .iter()
        .map(|r| {
            let tags: Vec<_> = r.tags.iter().map(|t| escape(t)).collect();
            [r.date.clone(), r.shown_title(), tags.join(", ")]
        })
        .collect();
    let column = |i: usize| {
        shown
            .iter()
            .map(|r| r[i].width())
            .chain([HEADER[i].width()])
            .max()
            .unwrap_or(0)
    };
    let (date_width, tags_width) = (column(0), column(2));
    let mut title_width = column(1);
    if let Some(width) = width {
        let room = width.saturating_sub(date_width + 2 + 2 + tags_width);
        title_width = title_width.min(room.max(MIN_TITLE_WIDTH));
    }
    let mut text = String::new();
    let header = HEADER.map(String::from);
    for [date, title, tags] in std::iter::once(&header).chain(&shown) {
        let title = truncate(title, title_width);
        let line = format!(
            "{}  {}  {tags}",
            pad(date, date_width),
            pad(&title, title_width)
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// `text` cut to at most `width` display columns, ending in '…' when cut.
fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut cut = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width.saturating_sub(1) {
            break;
        }
        used += w;
        cut.push(c);
    }
    // Never cut an escaped character (`\u{202e}`) in two: the cut moves before it.
    if let Some(start) = cut.rfind("\\u{") {
        if !cut[start..].contains('}') {
            cut.truncate(start);
        }
    }
    cut.push('…');
    cut
}

/// Tab-separated values with a header row. A field cannot hold a tab or a line break
/// (IANA text/tab-separated-values), so those and the backslash are written `\t`, `\n`, `\r`,
/// `\\` (the convention PostgreSQL's COPY and Linear TSV read); other characters that act on a
/// terminal as [`escape`] shows them. Tags are joined with ", ".
fn tsv(rows: &[Row]) -> String {
    let mut text = String::from("date\ttitle\tstatus\ttags\tid\tpath\n");
    for row in rows {
        let fields = [
            row.date.clone(),
            row.title.clone(),
            row.status.as_str().to_string(),
            row.tags.join(", "),
            row.id.clone(),
            row.path.clone(),
        ];
        let fields: Vec<String> = fields.iter().map(|f| tsv_field(f)).collect();
        text.push_str(&fields.join("\t"));
        text.push('\n');
    }
    text
}

fn tsv_field(text: &str) -> String {
    let mut field = String::with_capacity(text.len());
    let mut buf = [0; 4];
    for c in text.chars() {
        match c {
            '\\' => field.push_str("\\\\"),
            '\t' => field.push_str("\\t"),
            '\n' => field.push_str("\\n"),
            '\r' => field.push_str("\\r"),
            c => field.push_str(&escape(c.encode_utf8(&mut buf))),
        }
    }
    field
}

/// A JSON array, one object per event, every field the table shows and the id and path. The
/// strings hold the text exactly; what would act on a terminal is written as a `\uXXXX` JSON
/// escape (RFC 8259 §7), so the output is safe to print and parses back to the same text.
fn json(rows: &[Row]) -> anyhow::Result<String> {
    let text = serde_json::to_string_pretty(rows)?;
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        // serde_json already escapes C0 controls inside strings; a raw '\n' is its layout.
        if c != '\n' && acts_on_terminal(c) {
            // Every such character is in the Basic Multilingual Plane: one escape holds it.
            safe.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    safe.push('\n');
    Ok(safe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_escapes_whole() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdefg", 6), "abcde…");
        assert_eq!(truncate("ab\\u{202e}cdefg", 6), "ab…");
        assert_eq!(truncate("abcd\\u{1b}", 10), "abcd\\u{1b}");
        // Wide characters take two columns each.
        assert_eq!(truncate("東京東京", 5), "東京…");
    }

    #[test]
    fn tsv_fields_hold_no_tab_or_line_break() {
        assert_eq!(tsv_field("a\tb\nc\r\\d\u{1b}"), "a\\tb\\nc\\r\\\\d\\u{1b}");
    }
}
