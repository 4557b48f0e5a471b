//! The published-id record: the id each event was last published under by `build` into an
//! output folder, kept beside the outputs in [`RECORD`], so that the next build can refuse to
//! publish an event under another id. A feed reader shows an entry with a new id as a new
//! entry, and a subscribed calendar duplicates an event with a new `UID`: subscribers must
//! never see a re-run by accident.
//!
//! In: the record a build left, the checked collection. Out: a diagnostic for each event whose
//! published id would change, and the record of this build. Renders nothing.
//!
//! The record is JSON, one event per line, so it can be read and edited by hand:
//!
//! ```text
//! {"version":1,"collection":"https://example.org/timeline/","events":[
//! {"path":"2025/a.md","id":"a","published_as":"urn:uuid:…","title":"…","date":"2025-09-03"}
//! ]}
//! ```

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::{Code, Diagnostic, Severity};
use crate::load::{self, SourceFile};
use crate::model::{Collection, Event};
use crate::write::{Stage, WriteError};

/// The record's file name in the output folder.
pub const RECORD: &str = ".chronicle-ids";

/// The record format this version of chronicle reads and writes.
const VERSION: u32 = 1;

/// What the last build published: the collection id and each event's published id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub version: u32,
    /// The collection id the event ids were derived from.
    pub collection: String,
    pub events: Vec<PublishedEvent>,
}

/// One published event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedEvent {
    /// The file's path relative to the collection folder, `/`-separated.
    pub path: String,
    /// The event's `id` (the file stem unless set).
    pub id: String,
    /// The id the outputs carry (RSS `guid`, Atom and JSON Feed `id`): `urn:uuid:…`.
    pub published_as: String,
    /// The title and the date (ISO 8601 at the written precision), which tell a renamed file
    /// from a new event.
    pub title: String,
    pub date: String,
}

/// Why the record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Not a record this chronicle reads (hand-edited, cut short, from another version).
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

impl Record {
    /// The record of publishing `collection` now.
    pub fn of(collection: &Collection) -> Record {
        let collection_id = collection.settings.collection_id();
        let mut events: Vec<PublishedEvent> = collection
            .events
            .iter()
            .map(|event| PublishedEvent {
                path: event.path.clone(),
                id: event.id.clone(),
                published_as: published_as(collection_id, event),
                title: event.title.clone(),
                date: event.date.iso(),
            })
            .collect();
        events.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        Record {
            version: VERSION,
            collection: collection_id.to_string(),
            events,
        }
    }
}

fn published_as(collection_id: &str, event: &Event) -> String {
    format!(
        "urn:uuid:{}",
        crate::identity::event_uuid(collection_id, &event.id)
    )
}

/// Reads the record in the output folder `out`; `None` when there is none (a first build, or
/// a folder built before builds kept one).
pub fn read_record(out: &Path) -> Result<Option<Record>, RecordError> {
    let path = out.join(RECORD);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(RecordError::Io { path, source }),
    };
    parse_record(&path, &bytes).map(Some)
}

/// Parses a record, reporting what is wrong at its line and column.
fn parse_record(path: &Path, bytes: &[u8]) -> Result<Record, RecordError> {
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let advice = "remove it, or pass --allow-id-change to write a new one";
    let invalid = |line: usize, col: usize, message: String| {
        RecordError::Invalid(Box::new(Diagnostic::at_position(
            path.to_path_buf(),
            (line.max(1), col.max(1)),
            Severity::Error,
            Code::BrokenRecord,
            message,
        )))
    };
    let syntax = |err: serde_json::Error| {
        let why = err.to_string();
        // serde_json appends " at line L column C", which the position already says.
        let why = why
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string();
        invalid(
            err.line(),
            err.column(),
            format!("the published-id record is not valid ({why}); {advice}"),
        )
    };
    let version: Version = serde_json::from_slice(bytes).map_err(syntax)?;
    if version.version != VERSION {
        return Err(invalid(
            1,
            1,
            format!(
                "the published-id record has version {}, this chronicle reads version {VERSION}; {advice}",
                version.version
            ),
        ));
    }
    serde_json::from_slice(bytes).map_err(syntax)
}

/// Stages this build's record of `collection` with its outputs: it is put in place with them,
/// or not at all.
pub fn stage_record(stage: &Stage, collection: &Collection) -> Result<(), WriteError> {
    let record = Record::of(collection);
    stage.write(RECORD, |w| write_json(&record, w))
}

/// The record as JSON with one event per line.
fn write_json(record: &Record, w: &mut dyn Write) -> io::Result<()> {
    write!(
        w,
        "{{\"version\":{},\"collection\":{},\"events\":[",
        record.version,
        serde_json::to_string(&record.collection)?
    )?;
    for (i, event) in record.events.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *w, event)?;
    }
    w.write_all(b"\n]}\n")
}

/// Every published id `collection` would change, compared with `record` (what the last build
/// into `out` published), as errors: at `chronicle.toml` when the collection id changed, and at
/// each event file whose event would take a new id: its `id` was edited, or it was renamed (same
/// title and date) without an `id`. An event that moved to another file with its id kept is no
/// change, and neither is a removed one. Paths are shown under the collection folder `events`.
pub fn id_changes(
    record: &Record,
    collection: &Collection,
    events: &Path,
    out: &Path,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let collection_id = collection.settings.collection_id();
    if record.collection != collection_id {
        diagnostics.push(collection_id_changed(record, collection, events, out));
    }
    let current: HashSet<&str> = collection.events.iter().map(|e| e.id.as_str()).collect();
    let recorded: HashSet<&str> = record.events.iter().map(|e| e.id.as_str()).collect();
    // The published events no current event carries the id of: each may have been given a
    // new one, by the event now in its file or by the same event in a renamed file.
    let mut lost_by_path: HashMap<&str, &PublishedEvent> = HashMap::new();
    let mut lost_by_content: HashMap<(&str, &str), &PublishedEvent> = HashMap::new();
    for lost in record
        .events
        .iter()
        .filter(|e| !current.contains(e.id.as_str()))
    {
        lost_by_path.insert(&lost.path, lost);
        lost_by_content.insert((&lost.title, &lost.date), lost);
    }
    let mut taken: HashSet<&str> = HashSet::new();
    let mut new_ids: Vec<&Event> = collection
        .events
        .iter()
        .map(|e| &**e)
        .filter(|e| !recorded.contains(e.id.as_str()))
        .collect();
    new_ids.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    // The events in the files of lost ones first, so a renamed file's old path is matched by
    // path before any other event could claim it by content.
    let (in_place, elsewhere): (Vec<&Event>, Vec<&Event>) = new_ids
        .into_iter()
        .partition(|e| lost_by_path.contains_key(e.path.as_str()));
    for event in in_place {
        let lost = lost_by_path[event.path.as_str()];
        taken.insert(&lost.id);
        diagnostics.push(event_id_changed(lost, event, collection_id, events, false));
    }
    for event in elsewhere {
        let date = event.date.iso();
        let Some(&lost) = lost_by_content.get(&(event.title.as_str(), date.as_str())) else {
            continue;
        };
        if taken.insert(&lost.id) {
            diagnostics.push(event_id_changed(lost, event, collection_id, events, true));
        }
    }
    diagnostics
}

/// At `chronicle.toml`, its `id` value if written: every event would take a new id.
fn collection_id_changed(
    record: &Record,
    collection: &Collection,
    events: &Path,
    out: &Path,
) -> Diagnostic {
    let now = collection.settings.collection_id();
    let (whose, action) = if collection.settings.id.is_some() {
        ("", "set")
    } else {
        (" (base_url, as no id is set)", "add")
    };
    let message = format!(
        "the collection id changed from '{}' to '{now}'{whose} since the last build into {}: \
         all {} events would be published under new ids; to keep their published ids, {action} \
         id = \"{}\" here, or pass --allow-id-change to publish them anew",
        record.collection,
        out.display(),
        collection.events.len(),
        record.collection,
    );
    let path = events.join(load::SETTINGS_FILE);
    // The settings are not kept with their positions; this rare case reads the file again.
    at_offset(&path, message, |text| {
        #[derive(Deserialize)]
        struct IdOnly {
            id: Option<Spanned<String>>,
        }
        toml::from_str::<IdOnly>(text)
            .ok()
            .and_then(|s| s.id)
            .map(|id| id.span())
    })
}

/// At the event's file, its `id` value if written: it was published under `lost`'s id.
fn event_id_changed(
    lost: &PublishedEvent,
    event: &Event,
    collection_id: &str,
    events: &Path,
    renamed: bool,
) -> Diagnostic {
    let from = if renamed {
        format!(" from {}", lost.path)
    } else {
        String::new()
    };
    let message = format!(
        "this event was published{from} as {} (id '{}') and would now be published as {} \
         (id '{}'); to keep its published id, set id = \"{}\" in its front matter, or pass \
         --allow-id-change to publish it anew",
        lost.published_as,
        lost.id,
        published_as(collection_id, event),
        event.id,
        lost.id,
    );
    crate::check::id_diagnostic(events.join(&event.path), Code::IdChanged, message)
}

/// An error in the file at `path`, at the span `find` gives in its text, else about the
/// whole file (1:1, no line shown).
fn at_offset(
    path: &Path,
    message: String,
    find: impl FnOnce(&str) -> Option<std::ops::Range<usize>>,
) -> Diagnostic {
    let text = std::fs::read(path)
        .ok()
        .and_then(|bytes| load::decode(path, bytes).ok());
    if let Some(text) = text {
        if let Some(span) = find(&text) {
            return SourceFile::new(path.to_path_buf(), String::new(), text).error(
                span,
                Code::IdChanged,
                message,
            );
        }
    }
    load::file_level(
        path.to_path_buf(),
        Severity::Error,
        Code::IdChanged,
        message,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_text(events: &[(&str, &str)]) -> String {
        let mut text =
            String::from("{\"version\":1,\"collection\":\"tag:example.org,2025:t\",\"events\":[");
        for (i, (path, id)) in events.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!(
                "\n{{\"path\":\"{path}\",\"id\":\"{id}\",\"published_as\":\"urn:uuid:x\",\"title\":\"T\",\"date\":\"2025\"}}"
            ));
        }
        text.push_str("\n]}\n");
        text
    }

    #[test]
    fn a_record_reads_back_what_was_written() {
        let text = record_text(&[("a.md", "a"), ("b/c.md", "c")]);
        let record = parse_record(Path::new("r"), text.as_bytes()).expect("valid");
        let mut written = Vec::new();
        write_json(&record, &mut written).expect("in memory");
        assert_eq!(String::from_utf8(written).expect("UTF-8"), text);
    }

    #[test]
    fn a_record_cut_anywhere_is_an_error_never_a_panic() {
        let text = record_text(&[("a.md", "a"), ("b/ü.md", "c")]);
        for end in 0..text.len() - 1 {
            let result = parse_record(Path::new("r"), &text.as_bytes()[..end]);
            assert!(
                matches!(result, Err(RecordError::Invalid(_))),
                "cut at {end}"
            );
        }
    }

    #[test]
    fn a_broken_record_is_an_error_at_its_position() {
        let cases: [(&[u8], (usize, usize), &str); 6] = [
            (b"", (1, 1), "is not valid (EOF while parsing a value)"),
            (
                b"{\"version\":1,\"collection\":\"x\",\"events\":[\n{\"path\":",
                (2, 8),
                "is not valid",
            ),
            (
                b"{\"version\":\"1\"}",
                (1, 14),
                "is not valid (invalid type",
            ),
            (
                b"{\"version\":2,\"whatever\":[]}",
                (1, 1),
                "has version 2, this chronicle reads version 1",
            ),
            (
                b"{\"version\":1,\"collection\":\"x\",\"events\":[],\"extra\":0}",
                (1, 49),
                "unknown field `extra`",
            ),
            (b"\xff\xfe{}", (1, 1), "is not valid"),
        ];
        for (bytes, (line, col), why) in cases {
            let Err(RecordError::Invalid(d)) =
                parse_record(Path::new("public/.chronicle-ids"), bytes)
            else {
                panic!("{:?} is no record", String::from_utf8_lossy(bytes));
            };
            assert_eq!((d.line, d.col), (line, col), "{d}");
            assert!(d.message.contains(why), "{d}");
            assert!(
                d.message
                    .ends_with("remove it, or pass --allow-id-change to write a new one"),
                "{d}"
            );
        }
    }
}
