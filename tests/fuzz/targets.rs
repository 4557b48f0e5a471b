//! What each fuzz target runs on one input, and what must hold besides "no panic".

use std::fs;
use std::path::Path;

use chronicle::check::{check_collection, check_event_file};
use chronicle::diag::Diagnostic;
use chronicle::load::SourceFile;
use chronicle::model::When;
use chronicle::query::parse_day_period;
use chronicle::render::{self, Format, Site};
use chrono_tz::Tz;

/// Zones with unusual rules: half-hour DST (Lord Howe), a skipped day (Apia, 2011), the
/// widest offsets (Kiritimati +14, Pago Pago -11), DST gaps and overlaps (Mexico City until
/// 2022, New York).
const ZONES: [Tz; 6] = [
    Tz::UTC,
    Tz::America__Mexico_City,
    Tz::America__New_York,
    Tz::Australia__Lord_Howe,
    Tz::Pacific__Kiritimati,
    Tz::Pacific__Apia,
];

/// A diagnostic is one line at a real position of its file.
fn assert_located(diagnostic: &Diagnostic, text: Option<&str>) {
    let shown = diagnostic.to_string();
    assert!(!shown.contains(['\n', '\r']), "split report: {shown:?}");
    assert_eq!(
        chronicle::terminal::escape(&shown),
        shown,
        "a report holds a character that acts on the terminal"
    );
    assert!(diagnostic.line >= 1 && diagnostic.col >= 1, "{shown}");
    assert!(
        (diagnostic.end_line, diagnostic.end_col) >= (diagnostic.line, diagnostic.col),
        "{shown}: ends at {}:{}, before it starts",
        diagnostic.end_line,
        diagnostic.end_col
    );
    if let Some(text) = text {
        let lines = text.split('\n').count();
        assert!(
            diagnostic.end_line <= lines,
            "{shown}: the file has {lines} lines"
        );
    }
    // Shown with its source: the one line first, and nothing that acts on a terminal but the
    // line breaks between (coloured, only the renderer's own colour codes).
    let rendered = chronicle::diag::render(diagnostic, false);
    assert!(rendered.starts_with(&format!("{shown}\n")), "{rendered}");
    assert!(
        rendered
            .chars()
            .all(|c| c == '\n' || !chronicle::terminal::acts_on_terminal(c)),
        "a rendered report holds a character that acts on the terminal: {rendered:?}"
    );
    let styled = chronicle::diag::render(diagnostic, true);
    assert!(styled.starts_with('\u{1b}'), "{styled:?}");
}

/// The front-matter parser and every rule over one event file.
pub fn front_matter(text: &str) {
    let file = SourceFile::new("events/f.md".into(), "f.md".into(), text.to_string());
    for zone in [Tz::UTC, Tz::Australia__Lord_Howe] {
        let (event, diagnostics) = check_event_file(&file, zone);
        for diagnostic in &diagnostics {
            assert_located(diagnostic, Some(text));
        }
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        assert_eq!(
            event.is_some(),
            errors == 0,
            "an event is returned exactly when there is no error: {diagnostics:?}"
        );
        if let Some(event) = event {
            assert!(!event.title.trim().is_empty(), "empty title accepted");
            if let Some(end) = &event.end {
                assert!(end.start(zone) >= event.date.start(zone), "end before date");
            }
        }
    }
}

/// A date as a TOML value (bare or quoted), as `--since`, in several zones; what is read must
/// show and read back as itself.
pub fn dates(text: &str) {
    let _ = parse_day_period(text).map(|when| exercise(&when, Tz::UTC));
    let values = [
        Some(toml::Value::String(text.to_string())),
        toml::from_str::<toml::Table>(&format!("date = {text}"))
            .ok()
            .and_then(|mut t| t.remove("date")),
    ];
    for value in values.iter().flatten() {
        for zone in ZONES {
            if let Ok(when) = When::from_toml(value, zone) {
                exercise(&when, zone);
            }
        }
    }
}

fn exercise(when: &When, zone: Tz) {
    assert!(when.first_day() < when.day_after(), "{when:?}");
    let _ = (when.year(), when.start(zone), when.to_string());
    // An offset can move an instant out of the years TOML writes (0000-01-01T00:00:00+23:59
    // is in year -1 in UTC): whether such a date is accepted is check's date-range rule; the
    // parser's promise is that what it shows within those years reads back as itself.
    let iso = when.iso();
    if iso.starts_with(['-', '+']) {
        return;
    }
    let again = if when.is_all_day() {
        When::from_toml(&toml::Value::String(iso.clone()), zone)
    } else {
        let value: toml::Value = iso.parse::<toml::value::Datetime>().map_or_else(
            |e| panic!("{when:?} shows as {iso}, not a TOML date-time: {e}"),
            toml::Value::Datetime,
        );
        When::from_toml(&value, zone)
    };
    match again {
        Ok(When::Instant { at, .. }) => assert_eq!(Some(at), instant(when), "{iso}"),
        Ok(other) => assert_eq!(&other, when, "{iso}"),
        Err(e) => panic!("{when:?} shows as {iso}, which does not read back: {e}"),
    }
}

fn instant(when: &When) -> Option<chrono::DateTime<chrono::Utc>> {
    match when {
        When::Instant { at, .. } => Some(*at),
        _ => None,
    }
}

/// A whole collection folder: checked, and when valid, every output rendered and read back
/// by an independent parser.
pub fn collection(dir: &Path) {
    let checked = check_collection(dir, render::covering::render_covering_pages)
        .expect("a folder that exists can be checked");
    for diagnostic in &checked.diagnostics {
        let text = fs::read_to_string(&diagnostic.path).ok();
        assert_located(diagnostic, text.as_deref());
    }
    let Some(collection) = checked.collection else {
        return;
    };
    let site = Site::new(
        &collection,
        &collection.settings.base_url,
        Some(1_756_900_000),
    );
    for output in render::outputs(&collection) {
        let bytes = render::render_to_vec(&site, &output)
            .unwrap_or_else(|e| panic!("{} does not render: {e}", output.path));
        let parsed = match output.format {
            Format::Rss
            | Format::Atom
            | Format::JsonFeed
            | Format::RssArchive(_)
            | Format::AtomArchive(_)
            | Format::CorrectionsRss
            | Format::CorrectionsAtom
            | Format::CorrectionsJsonFeed => feed_rs::parser::parse(bytes.as_slice())
                .map(drop)
                .map_err(|e| e.to_string()),
            Format::Ical | Format::ReadableIcal => ical::IcalParser::new(bytes.as_slice())
                .next()
                .ok_or_else(|| "no calendar".to_string())
                .and_then(|c| c.map(drop).map_err(|e| e.to_string())),
            // The subscription list is well-formed XML (roxmltree checks XML 1.0 fully).
            Format::Opml => std::str::from_utf8(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    roxmltree::Document::parse(text)
                        .map(drop)
                        .map_err(|e| e.to_string())
                }),
            Format::Html(_) => String::from_utf8(bytes.clone())
                .map(drop)
                .map_err(|e| e.to_string()),
        };
        if let Err(e) = parsed {
            panic!(
                "{} does not parse: {e}\n{}",
                output.path,
                String::from_utf8_lossy(&bytes)
            );
        }
    }
    let mut sink = Vec::new();
    render::csv::render_csv(collection.events.iter().map(|e| &**e), &mut sink)
        .expect("csv renders");
    render::jsonl::render_jsonl(collection.events.iter().map(|e| &**e), &mut sink)
        .expect("jsonl renders");
}
