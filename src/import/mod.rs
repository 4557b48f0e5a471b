//! Import stage: files in other formats -> new event files in the collection.
//!
//! Each format has its reader (one file each), which turns an input file into [`Imported`]
//! events, each with the line it was read from. [`stage`] is the one path every format shares:
//! it names the files, refuses to overwrite, writes them into a copy of the collection, runs
//! `check` on that copy, and only then writes them into the collection, each atomically. An
//! import is all or nothing: any problem in any input is reported as `FILE:LINE: message` and
//! nothing is written.
//!
//! Readers only parse: they do no I/O and enforce none of an event file's rules, which are
//! `check`'s, run on the files they become.

mod csv;
mod ics;
mod jsonl;
pub mod record;
pub mod stage;
mod timelinejs;
mod timelinejs_csv;
mod timelinesetter;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;

use crate::create::event::NewEvent;
use crate::terminal::{escape, escape_path};

pub use self::stage::{import, Action, Options, Outcome, Planned};

/// The formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines, as `export --format jsonl` writes it.
    Jsonl,
    /// CSV with a header row, as `export --format csv` writes it.
    Csv,
    /// iCalendar (RFC 5545): every VEVENT.
    Ics,
    /// TimelineJS JSON: every slide of `events`.
    Timelinejs,
    /// The CSV of TimelineJS's spreadsheet template: every row but the title and eras.
    TimelinejsCsv,
    /// ProPublica TimelineSetter's CSV: every row.
    Timelinesetter,
}

/// One event read from an input file, before it has a file name.
#[derive(Debug)]
pub struct Imported {
    pub event: NewEvent,
    /// The id the input gives it; else one is made from the title.
    pub id: Option<String>,
    /// The path (relative to the collection, `/`-separated) the input asks for; else
    /// `YYYY/ID.md`.
    pub path: Option<String>,
    /// What the reader had to decide that the user should know (a floating time read in the
    /// collection's zone): reported as warnings at the event's line.
    pub notes: Vec<String>,
}

/// What a reader found at one line (1-based): an event, or why there is none.
pub type Read = (usize, Result<Imported, String>);

/// A problem in an input, at a line of it (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
    /// A warning does not stop the import.
    pub warning: bool,
}

/// `FILE:LINE: message` (`FILE:LINE: warning: message`), escaped for the terminal.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.warning { "warning: " } else { "" };
        write!(
            f,
            "{}:{}: {kind}{}",
            escape_path(&self.file),
            self.line,
            escape(&self.message)
        )
    }
}

/// The format of `file`: its extension's, else what its text starts with; `None` when neither
/// tells.
pub fn guess_format(file: &Path, text: &str) -> Option<Format> {
    let extension = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let start = text.trim_start();
    let first_line = start.lines().next().unwrap_or_default();
    let columns: Vec<&str> = first_line
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let has = |name: &str| columns.iter().any(|c| c.eq_ignore_ascii_case(name));
    // The TimelineJS template's header, else chronicle's own.
    let csv = if has("Headline") && has("Year") {
        Some(Format::TimelinejsCsv)
    } else if has("date") && has("description") && (has("series") || has("display_date")) {
        Some(Format::Timelinesetter)
    } else if has("title") {
        Some(Format::Csv)
    } else {
        None
    };
    match extension.as_deref() {
        Some("jsonl" | "ndjson") => return Some(Format::Jsonl),
        Some("csv") => return csv.or(Some(Format::Csv)),
        Some("ics" | "ical" | "icalendar") => return Some(Format::Ics),
        Some("json") => return Some(Format::Timelinejs),
        _ => {}
    }
    if first_line.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR") {
        Some(Format::Ics)
    } else if start.starts_with('{') {
        // One object per line is JSON Lines; an object over many lines, a TimelineJS file.
        let one_line = serde_json::from_str::<serde::de::IgnoredAny>(first_line).is_ok();
        Some(if one_line {
            Format::Jsonl
        } else {
            Format::Timelinejs
        })
    } else if columns.len() > 1 {
        csv
    } else {
        None
    }
}

/// Every event of one input's `bytes` (a UTF-8 BOM already dropped) in `format`, read in the
/// collection's `zone`. Text formats must be UTF-8; a calendar is unfolded before it is decoded,
/// as a fold may split a character.
pub fn read(format: Format, bytes: &[u8], zone: Tz) -> Vec<Read> {
    let text = match (format, std::str::from_utf8(bytes)) {
        (Format::Ics, _) => return ics::read_ics(bytes, zone),
        (_, Ok(text)) => text,
        (_, Err(err)) => {
            let valid = &bytes[..err.valid_up_to()];
            let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
            let byte = bytes[err.valid_up_to()];
            return vec![(line, Err(format!("not valid UTF-8 (byte 0x{byte:02x})")))];
        }
    };
    match format {
        Format::Jsonl => jsonl::read_jsonl(text, zone),
        Format::Csv => csv::read_csv(text, zone),
        Format::Timelinejs => timelinejs::read_timelinejs(text),
        Format::TimelinejsCsv => timelinejs_csv::read_timelinejs_csv(text),
        Format::Timelinesetter => timelinesetter::read_timelinesetter(text),
        Format::Ics => unreachable!("a calendar is read from its bytes above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_or_the_text_tells_the_format() {
        for (name, text, format) in [
            ("a.jsonl", "", Some(Format::Jsonl)),
            ("a.NDJSON", "", Some(Format::Jsonl)),
            ("a.csv", "{", Some(Format::Csv)),
            ("a.txt", "\n {\"title\":1}", Some(Format::Jsonl)),
            ("a.json", "", Some(Format::Timelinejs)),
            (
                "a.csv",
                "Year,Month,Headline\n",
                Some(Format::TimelinejsCsv),
            ),
            ("a", "\"Year\",\"Headline\"\n", Some(Format::TimelinejsCsv)),
            (
                "a.csv",
                "date,display_date,description,link,series,html\n",
                Some(Format::Timelinesetter),
            ),
            ("a", "{\n \"events\": []\n}", Some(Format::Timelinejs)),
            ("a", "id,title,date\n", Some(Format::Csv)),
            ("a", "hello, world\n", None),
            ("a.ICS", "", Some(Format::Ics)),
            ("a", "BEGIN:VCALENDAR\r\n", Some(Format::Ics)),
            ("a", "", None),
        ] {
            assert_eq!(guess_format(Path::new(name), text), format, "{name} {text}");
        }
    }

    #[test]
    fn problems_show_as_file_line_message() {
        let problem = Problem {
            file: "in\u{1b}.csv".into(),
            line: 3,
            message: "missing title".into(),
            warning: false,
        };
        assert_eq!(problem.to_string(), "in\\u{1b}.csv:3: missing title");
    }
}
