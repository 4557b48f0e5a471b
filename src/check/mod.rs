//! Check stage: the rules over raw front matter and over the whole collection.
//!
//! It returns every diagnostic it finds, never stopping at the first, and builds the validated
//! [`Collection`] only when there is no error.

use rustc_hash::FxHashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use chrono_tz::Tz;
use toml::Spanned;

use crate::config::{parse_settings, Settings};
use crate::diag::{self, Code, Diagnostic, Severity};
use crate::load::normalize::nfc;
use crate::load::source::Location;
use crate::load::{self, front_matter::parse_event_file, RawEvent, SourceFile};
use crate::model::{
    correction_log, range, unique_updated, Body, Collection, Correction, Event, Source, Status,
    Tag, When,
};
use crate::templates::is_page_anchor;
use crate::text::{forbidden_character_offset, forbidden_characters, has_visible_character};
use crate::url::AbsoluteUrl;

mod templates;

pub use self::templates::{check_pages, check_templates, CheckedTemplates, RenderPages};

/// The most tags an event may have. Each tag has its page, feeds and calendar, each showing
/// the event: the limit keeps a build's output within a small multiple of the collection's
/// size (10,000 tags on one event would write 50,000 files).
pub const MAX_TAGS_PER_EVENT: usize = 20;
/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;
/// The longest page name of a tag (`tags/<slug>/`), in ASCII characters: a slug can be
/// several times longer than its tag (`東京` -> `dong-jing`), and a file name may not exceed
/// 255 bytes.
pub const MAX_TAG_SLUG_LEN: usize = 100;

/// What checking a collection found: every diagnostic, and the collection if nothing is wrong.
#[derive(Debug)]
pub struct Checked {
    pub collection: Option<Collection>,
    /// Sorted by path, line, column.
    pub diagnostics: Vec<Diagnostic>,
    /// How many event files were found (drafts included).
    pub files: usize,
}

impl Checked {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

/// What checking one event file found: the event (only when the file has no error) and the
/// file's diagnostics. The unit a reload can reuse (see [`check_files`]).
#[derive(Debug)]
pub struct FileCheck {
    /// Boxed: the list of checked files stays small beside the events it holds.
    pub event: Option<Arc<Event>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Every event file of a collection, checked, with the zone they were checked in; pass it back
/// to [`check_files`] to re-check only the files that changed.
#[derive(Debug)]
pub struct CheckedFiles {
    pub zone: Tz,
    pub loaded: load::Loaded<FileCheck>,
}

impl FileCheck {
    fn of(file: &SourceFile, zone: Tz) -> FileCheck {
        let (event, diagnostics) = check_event_file(file, zone);
        FileCheck {
            event: event.map(Arc::new),
            diagnostics,
        }
    }
}

/// Loads and checks every event file in `dir` with `zone` (the settings' time zone), in
/// parallel. Files unchanged since `previous` (same path, size and modification time) are
/// neither read nor checked again, unless the zone changed.
pub fn check_files(
    dir: &Path,
    zone: Tz,
    previous: Option<CheckedFiles>,
) -> std::io::Result<CheckedFiles> {
    let previous = previous.filter(|p| p.zone == zone).map(|p| p.loaded);
    let loaded = load::load_with(dir, previous, |file| FileCheck::of(file, zone))?;
    Ok(CheckedFiles { zone, loaded })
}

/// [`check_files`] after a file-system watcher said which paths changed: only those are read
/// and checked (see [`load::reload_changed`]). [`Rescan`](load::Rescan) when that is not
/// enough (the zone changed, or a folder did): call [`check_files`] then.
pub fn recheck_changed(
    dir: &Path,
    zone: Tz,
    previous: CheckedFiles,
    changed: &[PathBuf],
) -> std::io::Result<Result<CheckedFiles, load::Rescan>> {
    if previous.zone != zone {
        return Ok(Err(load::Rescan::Zone));
    }
    let loaded = load::reload_changed(dir, previous.loaded, changed, |file| {
        FileCheck::of(file, zone)
    })?;
    Ok(loaded.map(|loaded| CheckedFiles { zone, loaded }))
}

/// What the checked event files say, without building the collection (their events stay where
/// they are): every diagnostic, duplicate ids across files included, unsorted, and how many
/// event files were read. For `serve`, which keeps the files and updates its collection itself.
///
/// With `changed` (relative paths), the other files are known to be free of errors and to share
/// no id among themselves (they were all in a valid collection): only the changed files'
/// diagnostics are gathered, and only their events' ids compared with the others'.
pub fn file_diagnostics(
    dir: &Path,
    checked: &CheckedFiles,
    changed: Option<&[String]>,
) -> (Vec<Diagnostic>, usize) {
    let loaded = &checked.loaded;
    let mut diagnostics = loaded.diagnostics.clone();
    let files = loaded.files.iter().filter(|f| f.value.is_ok()).count();
    let of_file =
        |file: &load::LoadedFile<FileCheck>, diagnostics: &mut Vec<Diagnostic>| match &file.value {
            Ok(check) => diagnostics.extend(check.diagnostics.iter().cloned()),
            Err(diag) => diagnostics.push(diag.clone()),
        };
    let events = || {
        loaded
            .files
            .iter()
            .filter_map(|f| f.value.as_ref().ok().and_then(|c| c.event.as_deref()))
    };
    match changed {
        Some(changed) => {
            let mut ids = Vec::new();
            for relative in changed {
                let path = dir.join(relative);
                let Ok(at) = loaded.files.binary_search_by(|f| f.path.cmp(&path)) else {
                    continue;
                };
                let file = &loaded.files[at];
                of_file(file, &mut diagnostics);
                if let Some(event) = file.value.as_ref().ok().and_then(|c| c.event.as_deref()) {
                    ids.push(event.id.as_str());
                }
            }
            let candidates = events().filter(|e| ids.contains(&e.id.as_str()));
            check_unique_ids(candidates, |e| dir.join(&e.path), &mut diagnostics);
        }
        None => {
            for file in &loaded.files {
                of_file(file, &mut diagnostics);
            }
            check_unique_ids(events(), |e| dir.join(&e.path), &mut diagnostics);
        }
    }
    // Over every event even after an edit: a changed tag can share a page with any other.
    check_tag_pages(events(), |e| dir.join(&e.path), &mut diagnostics);
    (diagnostics, files)
}

/// Loads and checks the collection in `dir`: settings, every event file, ids across files, and
/// its pages rendered by `render_pages` (see [`valid_collection`]).
pub fn check_collection(dir: &Path, render_pages: RenderPages) -> std::io::Result<Checked> {
    check_collection_with(dir, None, Keep::Nothing, render_pages).map(|(checked, _)| checked)
}

/// What [`check_collection_with`] keeps of the checked files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Nothing: the events move into the collection (a build).
    Nothing,
    /// The checked files, to be passed back to the next check (`serve`): the collection gets
    /// copies of their events.
    Files,
}

/// [`check_collection`], reusing the checks of the files of `previous` unchanged since (see
/// [`check_files`]); with [`Keep::Files`] the checked files are returned for the next check.
pub fn check_collection_with(
    dir: &Path,
    previous: Option<CheckedFiles>,
    keep: Keep,
    render_pages: RenderPages,
) -> std::io::Result<(Checked, Option<CheckedFiles>)> {
    let mut diagnostics = Vec::new();
    let settings = read_settings(dir, &mut diagnostics)?;
    let zone = settings.as_ref().map_or(Tz::UTC, |s| s.timezone);
    let checked = check_files(dir, zone, previous)?;
    let (file_diagnostics, files) = file_diagnostics(dir, &checked, None);
    diagnostics.extend(file_diagnostics);
    let templates = check_templates(dir, &mut diagnostics);
    let (collection, kept) = match keep {
        Keep::Files => {
            let events = || events_of(&checked).cloned().collect();
            let collection = valid_collection(
                dir,
                settings,
                events,
                templates,
                render_pages,
                &mut diagnostics,
            );
            (collection, Some(checked))
        }
        Keep::Nothing => {
            let events = || {
                checked
                    .loaded
                    .files
                    .into_iter()
                    .filter_map(|file| file.value.ok().and_then(|check| check.event))
                    .collect()
            };
            let collection = valid_collection(
                dir,
                settings,
                events,
                templates,
                render_pages,
                &mut diagnostics,
            );
            (collection, None)
        }
    };
    let checked = Checked {
        collection,
        diagnostics,
        files,
    };
    Ok((checked, kept))
}

/// The events of the checked files that have one (drafts included), in path order.
pub fn events_of(files: &CheckedFiles) -> impl Iterator<Item = &Arc<Event>> {
    files
        .loaded
        .files
        .iter()
        .filter_map(|f| f.value.as_ref().ok().and_then(|c| c.event.as_ref()))
}

/// The collection of `events` (asked for only when needed) with the collection's own
/// `templates`, if the settings were read, `diagnostics` hold no error, and the rules over
/// the whole collection add none, its pages then rendering with `templates` by `render_pages`
/// (see [`check_pages`], whose errors are added); `diagnostics` end sorted.
pub fn valid_collection(
    dir: &Path,
    settings: Option<Settings>,
    events: impl FnOnce() -> Vec<Arc<Event>>,
    templates: CheckedTemplates,
    render_pages: RenderPages,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Collection> {
    let collection = match settings {
        Some(settings) if !diagnostics.iter().any(Diagnostic::is_error) => {
            let mut collection = Collection::new(settings, events());
            collection.templates = templates.own.clone();
            let before = diagnostics.len();
            check_unique_updated(dir, &collection.events, diagnostics);
            if diagnostics.len() == before {
                check_pages(&collection, &templates, render_pages, diagnostics);
            }
            let valid = diagnostics[before..].iter().all(|d| !d.is_error());
            valid.then_some(collection)
        }
        _ => None,
    };
    diag::sort(diagnostics);
    collection
}

/// Feeds move entries that share an `updated` time apart by whole seconds (see
/// [`unique_updated`]): none may be moved past the last instant every output can hold. Each
/// such entry is reported at the value that dates it (`updated`, else `published`, else
/// `date`) in its file, `dir` joined with the event's path.
pub fn check_unique_updated(dir: &Path, events: &[Arc<Event>], diagnostics: &mut Vec<Diagnostic>) {
    // An entry moves one second per entry before it at most: only when the newest lies that
    // close to the end of the range can any move past it, so most collections skip the sort.
    let Some(newest) = events.iter().map(|e| e.modified_at()).max() else {
        return;
    };
    // The corrections log holds one entry per correction, moved apart the same way.
    let corrections: usize = events.iter().map(|e| e.corrections.len()).sum();
    let reach = i64::try_from(events.len().max(corrections))
        .ok()
        .and_then(chrono::Duration::try_seconds);
    let far_enough = reach
        .and_then(|reach| newest.checked_add_signed(reach))
        .is_some_and(|latest| latest <= range::last_instant());
    if far_enough {
        return;
    }
    for (event, moved) in events.iter().zip(unique_updated(events)) {
        if range::check_utc(moved).is_err() {
            diagnostics.push(moved_updated_diagnostic(
                dir.join(&event.path),
                event,
                moved,
            ));
        }
    }
    // The corrections log moves its entries apart the same way.
    let all: Vec<usize> = (0..events.len()).collect();
    for entry in correction_log(events, &all) {
        if range::check_utc(entry.updated).is_err() {
            let event = &events[entry.index];
            let written = event.corrections[entry.n].date;
            diagnostics.push(moved_correction_diagnostic(
                dir.join(&event.path),
                written,
                entry.updated,
            ));
        }
    }
}

/// Where a correction the log would move past the range is reported: at its date.
fn moved_correction_diagnostic(
    path: PathBuf,
    written: DateTime<FixedOffset>,
    moved: DateTime<Utc>,
) -> Diagnostic {
    let problem = |text: &str| {
        format!(
            "correction date ({text}) is another correction's too: the corrections log would \
             move it to {} (no two entries share an updated time), after 9999-12-31T23:59:59Z, \
             the last instant every output can hold",
            range::utc_text(moved)
        )
    };
    let found = reread_event_file(&path).and_then(|(file, raw)| {
        let (at, text) = raw.corrections?.into_iter().find_map(|c| {
            let date = c.into_inner().date?;
            let text = date.get_ref().to_string();
            let parsed = DateTime::parse_from_rfc3339(&text.replace(' ', "T")).ok()?;
            (parsed == written).then(|| (date.span().start, text))
        })?;
        Some(file.error(at, Code::UpdatedPastRange, problem(&text)))
    });
    found.unwrap_or_else(|| {
        load::file_level(
            path,
            Severity::Error,
            Code::UpdatedPastRange,
            problem(&written.to_rfc3339()),
        )
    })
}

/// Where an entry moved past the range is reported (see [`check_unique_updated`]).
fn moved_updated_diagnostic(path: PathBuf, event: &Event, moved: DateTime<Utc>) -> Diagnostic {
    let problem = format!(
        "is another entry's too: feeds would move it to {} (no two entries share an updated \
         time), after 9999-12-31T23:59:59Z, the last instant every output can hold",
        range::utc_text(moved)
    );
    let Some((file, raw)) = reread_event_file(&path) else {
        return load::file_level(
            path,
            Severity::Error,
            Code::UpdatedPastRange,
            format!("updated {problem}"),
        );
    };
    // The value as written, and where: the newest correction's date when it dates the entry.
    let corrected = event.corrections.first().map(|c| c.date);
    if corrected.is_some() && corrected == event.updated_at() && corrected != event.updated {
        let value = raw.corrections.into_iter().flatten().find_map(|c| {
            let date = c.into_inner().date?;
            let written = date.get_ref().to_string();
            let parsed = DateTime::parse_from_rfc3339(&written.replace(' ', "T")).ok()?;
            (Some(parsed) == corrected).then(|| (date.span().start, written))
        });
        return match value {
            Some((at, written)) => file.error(
                at,
                Code::UpdatedPastRange,
                format!("correction date ({written}) {problem}"),
            ),
            None => file.error(
                0,
                Code::UpdatedPastRange,
                format!("correction date {problem}"),
            ),
        };
    }
    let (name, value) = if event.updated.is_some() {
        let value = raw.updated.map(|v| (v.span(), v.into_inner().to_string()));
        ("updated", value)
    } else if event.published.is_some() {
        let value = raw
            .published
            .map(|v| (v.span(), v.into_inner().to_string()));
        ("published", value)
    } else {
        let value = raw.date.map(|v| (v.span(), v.into_inner().to_string()));
        ("date", value)
    };
    match value {
        Some((at, written)) => file.error(
            at,
            Code::UpdatedPastRange,
            format!("{name} ({written}) {problem}"),
        ),
        None => load::file_level(
            path,
            Severity::Error,
            Code::UpdatedPastRange,
            format!("{name} {problem}"),
        ),
    }
}

/// Reads and checks the settings file of the collection in `dir`, adding what is wrong with it
/// to `diagnostics`; `None` when it is missing or wrong.
pub fn read_settings(
    dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::io::Result<Option<Settings>> {
    let path = dir.join(load::SETTINGS_FILE);
    load::require_folder(dir)?;
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            diagnostics.push(load::file_level(
                path,
                Severity::Error,
                Code::MissingSettings,
                "missing settings file (title, base_url, language, timezone, author, feed_limit)",
            ));
            return Ok(None);
        }
        Err(err) => return Err(err),
    };
    let text = match load::decode(&path, bytes) {
        Ok(text) => text,
        Err(diag) => {
            diagnostics.push(diag);
            return Ok(None);
        }
    };
    let file = SourceFile::new(path, load::SETTINGS_FILE.into(), text);
    match parse_settings(&file) {
        Ok(settings) => {
            if settings.id.is_none() {
                diagnostics.push(load::file_level(
                    file.path.clone(),
                    Severity::Warning,
                    Code::UnpinnedCollectionId,
                    unpinned_id_message(&settings.base_url),
                ));
            }
            Ok(Some(settings))
        }
        Err(errors) => {
            diagnostics.extend(errors);
            Ok(None)
        }
    }
}

/// Without `id`, every published id derives from `base_url` and would change with it.
fn unpinned_id_message(base_url: &str) -> String {
    format!(
        "no collection id: every published id derives from base_url and would change with it; \
         add id = \"{base_url}\" (or the base_url they were first published under, if it \
         changed) to keep them wherever the collection moves"
    )
}

/// A duplicate id is reported at the later file (by path) and names the earlier one. `shown`
/// gives the path shown to the user for an event.
fn check_unique_ids<'e>(
    events: impl IntoIterator<Item = &'e Event>,
    shown: impl Fn(&Event) -> PathBuf,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut first_seen: FxHashMap<&str, &Event> = FxHashMap::default();
    for event in events {
        if let Some(earlier) = first_seen.insert(&event.id, event) {
            let (later, earlier) = if earlier.path < event.path {
                (event, earlier)
            } else {
                first_seen.insert(&event.id, earlier);
                (earlier, event)
            };
            let later_path = shown(later);
            let message = format!(
                "duplicate id '{}': {} has it too",
                later.id,
                shown(earlier).display()
            );
            diagnostics.push(id_diagnostic(later_path, Code::DuplicateId, message));
        }
    }
}

/// An error about an event's id at the file `path`: at its `id` value if written, else at the
/// file start (a duplicate id, a changed published id).
pub fn id_diagnostic(path: PathBuf, code: Code, message: String) -> Diagnostic {
    value_diagnostic(path, code, message, |raw| {
        raw.id.as_ref().map(|id| id.span())
    })
}

/// A diagnostic about a value of a file's front matter, found by `find` in the file read again
/// (else at the file start).
fn value_diagnostic(
    path: PathBuf,
    code: Code,
    message: String,
    find: impl FnOnce(&RawEvent) -> Option<Range<usize>>,
) -> Diagnostic {
    match reread_event_file(&path) {
        Some((file, raw)) => match find(&raw) {
            Some(span) => file.error(span, code, message),
            None => load::file_level(path, Severity::Error, code, message),
        },
        None => load::file_level(path, Severity::Error, code, message),
    }
}

/// An event file and its front matter, read again: a file's text is not kept after checking,
/// and the rare problems found across files need a value's position in it.
fn reread_event_file(path: &Path) -> Option<(SourceFile, RawEvent)> {
    let bytes = std::fs::read(path).ok()?;
    let text = load::decode(path, bytes).ok()?;
    let file = SourceFile::new(path.to_path_buf(), String::new(), text);
    let raw = parse_event_file(&file).ok()?.raw;
    Some((file, raw))
}

/// Tags name their pages by slug, so tags with one slug share a page. That is right for
/// spellings of one tag, which differ only in case and in how words are joined (`Press
/// conference`, `press-conference`), but `C++`, `C#` and `C` would merge silently: such a
/// tag is an error at the later file (by path), naming the earlier one.
pub fn check_tag_pages<'e>(
    events: impl IntoIterator<Item = &'e Event>,
    shown: impl Fn(&Event) -> PathBuf,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Per slug: the first tag with it, its spelling key and its event.
    let mut first: FxHashMap<&str, (&str, String, &Event)> = FxHashMap::default();
    for event in events {
        for tag in &event.tags {
            let (slug, tag) = (tag.slug(), tag.name());
            let Some((earlier, key, earlier_event)) = first.get(slug) else {
                first.insert(slug, (tag, tag_spelling(tag), event));
                continue;
            };
            if *earlier == tag {
                continue;
            }
            let find = |raw: &RawEvent| {
                raw.tags
                    .as_ref()?
                    .get_ref()
                    .iter()
                    .find(|t| t.get_ref().trim() == tag)
                    .map(|t| t.span())
            };
            if earlier.to_lowercase() == tag.to_lowercase() {
                // One tag, whose pages show its first spelling: a likely slip of the shift key.
                let message = format!(
                    "tag '{tag}' differs only in case from tag '{earlier}' in {}: both are one tag, shown as '{earlier}'",
                    shown(earlier_event).display()
                );
                let found = value_diagnostic(shown(event), Code::TagCase, message, find);
                diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    ..found.suggest(Some(format!("\"{earlier}\"")))
                });
                continue;
            }
            if *key == tag_spelling(tag) {
                continue;
            }
            let message = format!(
                "tag '{tag}' has the page of tag '{earlier}' (tags/{slug}/) in {}: rename one, or spell them alike",
                shown(earlier_event).display()
            );
            diagnostics.push(value_diagnostic(
                shown(event),
                Code::TagPageShared,
                message,
                find,
            ));
        }
    }
}

/// What tells two spellings of one tag apart from two tags: they are one tag if they differ
/// only in case and in the spaces, `-` and `_` between words.
fn tag_spelling(tag: &str) -> String {
    let lower = tag.to_lowercase();
    let words = lower.split(|c: char| c.is_whitespace() || c == '-' || c == '_');
    words
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// Checks one event file; the event is returned only when it has no error.
pub fn check_event_file(file: &SourceFile, zone: Tz) -> (Option<Event>, Vec<Diagnostic>) {
    let parsed = match parse_event_file(file) {
        Ok(parsed) => parsed,
        Err(diag) => return (None, vec![diag]),
    };
    let mut rules = EventRules {
        file,
        diagnostics: parsed.problems,
        unreadable: parsed.unreadable,
    };
    let event = rules.event(
        parsed.raw,
        parsed.front_matter_start,
        parsed.body_start,
        zone,
    );
    let has_error = rules.diagnostics.iter().any(Diagnostic::is_error);
    diag::sort(&mut rules.diagnostics);
    (event.filter(|_| !has_error), rules.diagnostics)
}

struct EventRules<'a> {
    file: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
    /// Fields written but not readable (already reported): not missing.
    unreadable: Vec<String>,
}

impl EventRules<'_> {
    fn error(&mut self, at: impl Location, code: Code, message: impl Into<String>) {
        self.diagnostics.push(self.file.error(at, code, message));
    }

    /// Reports a required field that is not written (at the opening `+++` line).
    fn missing(&mut self, at: usize, field: &str) {
        if !self.unreadable.iter().any(|f| f == field) {
            self.error(at, Code::MissingField, format!("missing {field}"));
        }
    }

    fn event(
        &mut self,
        raw: RawEvent,
        front_start: usize,
        body_start: usize,
        default_zone: Tz,
    ) -> Option<Event> {
        // Fields missing altogether are reported at the opening +++ line.
        let missing_at = front_start.saturating_sub(1);
        let title = match raw.title {
            Some(t) => self.line_text(t, "title", true),
            None => {
                self.missing(missing_at, "title");
                None
            }
        };
        let timezone = match &raw.timezone {
            Some(tz) => match tz.get_ref().parse::<Tz>() {
                Ok(zone) => Some(zone),
                Err(_) => {
                    let problem = self.file.error(
                        tz.span(),
                        Code::UnknownTimeZone,
                        format!(
                            "unknown time zone '{}' (use an IANA name like America/Mexico_City)",
                            tz.get_ref()
                        ),
                    );
                    self.diagnostics
                        .push(problem.suggest(crate::config::zone_suggestion(tz.get_ref())));
                    None
                }
            },
            None => Some(default_zone),
        };
        let zone = timezone.unwrap_or(default_zone);
        // An event's own time zone says where its times are shown, whatever offset they were
        // written with; without one, a time is shown at the offset it was written with.
        let shown = |when: When| match raw.timezone {
            Some(_) => when.shown_in(zone),
            None => when,
        };
        let date = match &raw.date {
            Some(d) => self.when(d, "date", zone).map(shown),
            None => {
                self.missing(missing_at, "date");
                None
            }
        };
        let end = raw
            .end
            .as_ref()
            .and_then(|e| self.when(e, "end", zone))
            .map(shown);
        if let (Some(date), Some(end), Some(end_raw)) = (&date, &end, &raw.end) {
            if end.start(zone) < date.start(zone) {
                self.error(
                    end_raw.span(),
                    Code::EndBeforeStart,
                    format!("end ({}) is before date ({})", end.iso(), date.iso()),
                );
            }
        }
        let location = raw
            .location
            .and_then(|l| self.line_text(l, "location", false));
        let tags = raw.tags.map(|t| self.tags(t)).unwrap_or_default();
        let status = match &raw.status {
            Some(s) => Status::parse(s.get_ref()).or_else(|| {
                let problem = self.file.error(
                    s.span(),
                    Code::UnknownStatus,
                    format!(
                        "unknown status '{}' (use one of: {})",
                        s.get_ref(),
                        Status::NAMES.join(", ")
                    ),
                );
                let nearest = diag::closest(s.get_ref().trim(), Status::NAMES);
                self.diagnostics
                    .push(problem.suggest(nearest.map(|name| format!("\"{name}\""))));
                None
            }),
            None => Some(Status::default()),
        };
        let published = raw
            .published
            .as_ref()
            .and_then(|p| self.timestamp(p, "published"));
        let updated = raw
            .updated
            .as_ref()
            .and_then(|u| self.timestamp(u, "updated"));
        if let (Some(p), Some(u), Some(u_raw)) = (published, updated, &raw.updated) {
            if u < p {
                self.error(
                    u_raw.span(),
                    Code::EndBeforeStart,
                    format!(
                        "updated ({}) is before published ({})",
                        u.to_rfc3339(),
                        p.to_rfc3339()
                    ),
                );
            }
        }
        if let (Some(p), Some(p_raw)) = (published, &raw.published) {
            if p.year() < 1990 {
                self.diagnostics.push(self.file.warning(
                    p_raw.span(),
                    Code::EarlyPublished,
                    "published is before 1990: feed validators and some readers take such dates for errors",
                ));
            }
        }
        if raw.published.is_none() && !self.unreadable.iter().any(|f| f == "published") {
            self.diagnostics.push(self.file.warning(
                missing_at,
                Code::MissingPublished,
                "missing published: feeds will date this entry by the event's date instead",
            ));
        }
        let id = self.id(raw.id);
        let sources = raw
            .sources
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| self.source(s, zone))
            .collect();
        let corrections = self.corrections(raw.corrections.unwrap_or_default(), published);
        if let (Some(updated), Some(u_raw), Some(newest)) =
            (updated, &raw.updated, corrections.first())
        {
            if updated < newest.date {
                self.diagnostics.push(self.file.warning(
                    u_raw.span().start,
                    Code::UpdatedBeforeCorrection,
                    format!(
                        "updated ({}) is older than the newest correction ({}): the outputs show \
                         the correction's date",
                        updated.to_rfc3339(),
                        newest.date.to_rfc3339()
                    ),
                ));
            }
        }
        let retraction = self.retraction(raw.retraction, raw.status.as_ref(), status);
        if status == Some(Status::Retracted)
            && raw.updated.is_none()
            && !self.unreadable.iter().any(|f| f == "updated")
        {
            let at = raw.status.as_ref().map_or(missing_at, |s| s.span().start);
            self.diagnostics.push(self.file.warning(
                at,
                Code::RetractedWithoutUpdated,
                "a retracted entry has no updated: set it to when the entry was retracted, so \
                 feed readers and calendars see it change",
            ));
        }
        let body = &self.file.text[body_start..];
        if let Some((offset, msg)) = forbidden_character_offset(body, true) {
            let at = body_start + offset;
            let width = body[offset..].chars().next().map_or(0, char::len_utf8);
            self.error(
                at..at + width,
                Code::ForbiddenCharacter,
                format!("body {msg}"),
            );
        }
        Some(Event {
            id: id?,
            title: title?,
            date: date?,
            end,
            timezone: timezone?,
            timezone_written: raw.timezone.is_some(),
            location,
            tags,
            status: status?,
            published,
            updated,
            corrections,
            retraction: retraction?,
            draft: raw.draft.is_some_and(|d| *d.get_ref()),
            sources,
            body: Body::new(&nfc(body)),
            path: self.file.relative.clone(),
        })
    }

    /// The `[[corrections]]`, newest first; each needs a date (with an offset, not before
    /// `published`) and a note.
    fn corrections(
        &mut self,
        raw: Vec<Spanned<crate::load::RawCorrection>>,
        published: Option<DateTime<FixedOffset>>,
    ) -> Vec<Correction> {
        let mut corrections = Vec::with_capacity(raw.len());
        for value in raw {
            let at = value.span().start;
            let raw = value.into_inner();
            let date = match &raw.date {
                Some(d) => self.timestamp(d, "correction date").inspect(|date| {
                    if let Some(p) = published.filter(|p| date < p) {
                        self.error(
                            d.span().start,
                            Code::EndBeforeStart,
                            format!(
                                "correction date ({}) is before published ({})",
                                date.to_rfc3339(),
                                p.to_rfc3339()
                            ),
                        );
                    }
                }),
                None => {
                    self.error(at, Code::MissingField, "correction is missing its date");
                    None
                }
            };
            let note = match raw.note {
                Some(n) => self.note(n, "correction note"),
                None => {
                    self.error(at, Code::MissingField, "correction is missing its note");
                    None
                }
            };
            if let (Some(date), Some(note)) = (date, note) {
                corrections.push(Correction { date, note });
            }
        }
        // Stable: corrections of the same instant keep their written order.
        corrections.sort_by_key(|c| std::cmp::Reverse(c.date));
        corrections
    }

    /// The retraction note, which a retracted entry needs and no other may have. `None` when
    /// that rule is broken (reported), `Some(None)` for an entry that is not retracted.
    fn retraction(
        &mut self,
        raw: Option<Spanned<String>>,
        raw_status: Option<&Spanned<String>>,
        status: Option<Status>,
    ) -> Option<Option<String>> {
        match (raw, status) {
            (Some(note), Some(Status::Retracted)) => self.note(note, "retraction").map(Some),
            (None, Some(Status::Retracted)) => {
                if !self.unreadable.iter().any(|f| f == "retraction") {
                    let at = raw_status.map_or(0, |s| s.span().start);
                    self.error(
                        at,
                        Code::MissingField,
                        "status 'retracted' needs a retraction note: retraction = \"what was wrong\"",
                    );
                }
                None
            }
            (Some(note), Some(_)) => {
                self.error(
                    note.span().start,
                    Code::RetractionWithoutStatus,
                    "retraction is written but status is not 'retracted'",
                );
                None
            }
            (_, None) => None,
            (None, Some(_)) => Some(None),
        }
    }

    /// A Markdown note (a correction's, a retraction): not empty, no control characters.
    fn note(&mut self, value: Spanned<String>, name: &str) -> Option<String> {
        let at = value.span().start;
        let text = value.into_inner();
        if !has_visible_character(&text) {
            self.error(at, Code::EmptyText, format!("{name} is empty"));
            return None;
        }
        if let Some(msg) = forbidden_characters(&text, true) {
            self.error(at, Code::ForbiddenCharacter, format!("{name} {msg}"));
            return None;
        }
        Some(nfc(text.trim()).into_owned())
    }

    /// A single-line plain-text field.
    fn line_text(&mut self, value: Spanned<String>, name: &str, required: bool) -> Option<String> {
        let at = value.span();
        let text = value.into_inner();
        if text.trim().is_empty() {
            if required {
                self.error(at, Code::EmptyText, format!("{name} is empty"));
            }
            return None;
        }
        if let Some(msg) = forbidden_characters(&text, false) {
            self.error(at, Code::ForbiddenCharacter, format!("{name} {msg}"));
            return None;
        }
        if required && !has_visible_character(&text) {
            self.error(
                at,
                Code::EmptyText,
                format!("{name} has only invisible characters"),
            );
            return None;
        }
        Some(nfc(text.trim()).into_owned())
    }

    /// A date of any form, read in `zone`, within the range every output can hold.
    fn when(&mut self, value: &Spanned<toml::Value>, name: &str, zone: Tz) -> Option<When> {
        let when = When::from_toml(value.get_ref(), zone)
            .map_err(|err| self.error(value.span(), Code::InvalidDate, format!("{name}: {err}")))
            .ok()?;
        if let Err(err) = when.check_range(zone) {
            self.error(
                value.span(),
                Code::DateOutOfRange,
                format!("{name} ({}) {err}", value.get_ref()),
            );
            return None;
        }
        Some(when)
    }

    fn timestamp(
        &mut self,
        value: &Spanned<toml::value::Datetime>,
        name: &str,
    ) -> Option<DateTime<FixedOffset>> {
        let written = value.get_ref().to_string();
        let parsed = value
            .get_ref()
            .offset
            .and_then(|_| DateTime::parse_from_rfc3339(&written.replace(' ', "T")).ok());
        let Some(parsed) = parsed else {
            self.error(
                value.span(),
                Code::TimestampWithoutOffset,
                format!(
                    "{name} ({written}) must be a date-time with an offset, like 2025-09-03T12:00:00-06:00"
                ),
            );
            return None;
        };
        if let Err(err) = range::check_instant(parsed) {
            self.error(
                value.span(),
                Code::DateOutOfRange,
                format!("{name} ({written}) {err}"),
            );
            return None;
        }
        Some(parsed)
    }

    /// The event's tags, each within the limits that keep its page and the build's output
    /// small (see [`MAX_TAGS_PER_EVENT`]); a tag written twice is kept once. Each tag's slug is
    /// found here, once, and read from the [`Tag`] everywhere else.
    fn tags(&mut self, value: Spanned<Vec<Spanned<String>>>) -> Vec<Tag> {
        let count = value.get_ref().len();
        if count > MAX_TAGS_PER_EVENT {
            self.error(
                value.span(),
                Code::InvalidTag,
                format!("tags: {count} tags, over the limit of {MAX_TAGS_PER_EVENT} an event"),
            );
        }
        let mut tags: Vec<Tag> = Vec::new();
        for tag in value.into_inner() {
            let at = tag.span();
            let Some(text) = self.line_text(tag, "tag", true) else {
                continue;
            };
            let chars = text.chars().count();
            let tag = Tag::new(text);
            let (text, slug) = (tag.name(), tag.slug());
            if chars > MAX_TAG_CHARS {
                self.error(
                    at,
                    Code::InvalidTag,
                    format!(
                        "tag '{}' is {chars} characters long, over the limit of {MAX_TAG_CHARS}",
                        shorten(text)
                    ),
                );
            } else if slug.is_empty() {
                self.error(
                    at,
                    Code::InvalidTag,
                    format!("tag '{text}' has no letter or digit to name its page"),
                );
            } else if slug.len() > MAX_TAG_SLUG_LEN {
                self.error(
                    at,
                    Code::InvalidTag,
                    format!(
                        "tag '{}' names its page '{}', {} characters long, over the limit of {MAX_TAG_SLUG_LEN}",
                        shorten(text),
                        shorten(slug),
                        slug.len()
                    ),
                );
            } else if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }

    fn id(&mut self, value: Option<Spanned<String>>) -> Option<String> {
        // An id from the file name is not in the text: its problem is the file's, with no
        // source line to show.
        let (id, at, origin) = match value {
            Some(v) => (v.get_ref().clone(), Some(v.span()), "id"),
            None => (
                crate::load::id_from_file_name(&self.file.relative),
                None,
                "id (from the file name)",
            ),
        };
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let problem = if valid && is_page_anchor(&id) {
            format!("{origin} '{id}' is taken by the timeline pages' own anchors (timeline, year-<YYYY>, month-<YYYY>-<MM>, sometime-<YYYY>, ...): choose another id")
        } else if valid {
            return Some(id);
        } else {
            format!("{origin} '{id}' may only use ASCII letters, digits, '-', '_' and '.'")
        };
        match at {
            Some(at) => self.error(at, Code::InvalidId, problem),
            None => self.diagnostics.push(load::file_level(
                self.file.path.clone(),
                Severity::Error,
                Code::InvalidId,
                problem,
            )),
        }
        None
    }

    fn source(&mut self, value: Spanned<crate::load::RawSource>, zone: Tz) -> Option<Source> {
        let at = value.span();
        let raw = value.into_inner();
        let title = match raw.title {
            Some(t) => self.line_text(t, "source title", true),
            None => {
                self.error(
                    at.clone(),
                    Code::InvalidSource,
                    "source is missing its title",
                );
                None
            }
        };
        let url = match raw.url {
            Some(u) => {
                // An IRI is compared in NFC too (RFC 3987, section 5.3.2.2).
                let url = nfc(u.get_ref().trim()).into_owned();
                match AbsoluteUrl::new(url) {
                    Ok(url) => Some(url),
                    Err(msg) => {
                        self.error(u.span(), Code::InvalidSource, format!("source url {msg}"));
                        None
                    }
                }
            }
            None => {
                self.error(at, Code::InvalidSource, "source is missing its url");
                None
            }
        };
        let publisher = raw
            .publisher
            .and_then(|p| self.line_text(p, "source publisher", false));
        let date = raw
            .date
            .as_ref()
            .and_then(|d| self.when(d, "source date", zone));
        Some(Source {
            title: title?,
            url: url?,
            publisher,
            date,
        })
    }
}

/// A long value's start, to quote it in a message.
fn shorten(text: &str) -> String {
    const SHOWN: usize = 24;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (Option<Event>, Vec<Diagnostic>) {
        let file = SourceFile::new("events/e.md".into(), "e.md".into(), text.into());
        check_event_file(&file, chrono_tz::America::Mexico_City)
    }

    fn messages(text: &str) -> Vec<String> {
        check(text).1.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn accepts_a_complete_event() {
        let (event, diags) = check(
            "+++\ntitle = \"T\"\ndate = 2025-09-03\nend = 2025-09-04\ntags = [\"a\", \"b\", \"a\"]\nstatus = \"tentative\"\npublished = 2025-09-03T10:00:00-06:00\n[[sources]]\ntitle = \"S\"\nurl = \"https://example.org/s\"\n+++\nBody\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let event = event.expect("valid event");
        assert_eq!(event.id, "e");
        assert_eq!(event.tags, [Tag::new("a"), Tag::new("b")]);
        assert_eq!(event.status, Status::Tentative);
        assert_eq!(event.body.text(), "Body\n");
    }

    const CORRECTED: &str =
        "+++\ntitle = \"T\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00-06:00\n";

    #[test]
    fn corrections_are_kept_newest_first_and_move_updated() {
        let (event, diags) = check(&format!(
            "{CORRECTED}[[corrections]]\ndate = 2025-09-04T09:00:00-06:00\nnote = \"First.\"\n[[corrections]]\ndate = 2025-09-05T09:00:00-06:00\nnote = \"Second.\"\n+++\n"
        ));
        assert!(diags.is_empty(), "{diags:?}");
        let event = event.expect("valid event");
        let notes: Vec<&str> = event.corrections.iter().map(|c| c.note.as_str()).collect();
        assert_eq!(notes, ["Second.", "First."]);
        assert_eq!(event.updated, None, "updated stays as written");
        assert_eq!(
            event.updated_at().map(|u| u.to_rfc3339()).as_deref(),
            Some("2025-09-05T09:00:00-06:00")
        );
    }

    #[test]
    fn reports_each_problem_of_a_correction_at_its_value() {
        assert_eq!(
            messages(&format!(
                "{CORRECTED}updated = 2025-09-04T00:00:00-06:00\n[[corrections]]\ndate = 2025-09-05T09:00:00-06:00\nnote = \"Fine.\"\n[[corrections]]\nnote = \"No date.\"\n[[corrections]]\ndate = 2025-09-05\nnote = \" \"\n[[corrections]]\ndate = 2025-09-01T00:00:00Z\nnote = \"Bell\\u0007\"\n[[corrections]]\ndate = 2025-09-06T00:00:00Z\n+++\n"
            )),
            [
                "events/e.md:5:11: warning: updated (2025-09-04T00:00:00-06:00) is older than the newest correction (2025-09-05T09:00:00-06:00): the outputs show the correction's date",
                "events/e.md:9:1: error: correction is missing its date",
                "events/e.md:12:8: error: correction date (2025-09-05) must be a date-time with an offset, like 2025-09-03T12:00:00-06:00",
                "events/e.md:13:8: error: correction note is empty",
                "events/e.md:15:8: error: correction date (2025-09-01T00:00:00+00:00) is before published (2025-09-03T10:00:00-06:00)",
                "events/e.md:16:8: error: correction note contains the control character U+0007",
                "events/e.md:17:1: error: correction is missing its note",
            ]
        );
    }

    #[test]
    fn a_retraction_needs_its_status_and_its_note() {
        let (event, diags) = check(&format!(
            "{CORRECTED}updated = 2025-09-04T00:00:00-06:00\nstatus = \"retracted\"\nretraction = \"The meeting *did not* happen.\"\n+++\n"
        ));
        assert!(diags.is_empty(), "{diags:?}");
        let event = event.expect("valid event");
        assert_eq!(event.status, Status::Retracted);
        assert_eq!(
            event.retraction.as_deref(),
            Some("The meeting *did not* happen.")
        );
        assert_eq!(
            messages(&format!("{CORRECTED}status = \"retracted\"\n+++\n")),
            [
                "events/e.md:5:10: error: status 'retracted' needs a retraction note: retraction = \"what was wrong\"",
                "events/e.md:5:10: warning: a retracted entry has no updated: set it to when the entry was retracted, so feed readers and calendars see it change",
            ]
        );
        assert_eq!(
            messages(&format!("{CORRECTED}retraction = \"Wrong.\"\n+++\n")),
            ["events/e.md:5:14: error: retraction is written but status is not 'retracted'"]
        );
    }

    /// Issue 4: text not in Unicode Normalization Form C drew the Nu Html Checker's warning,
    /// and one tag written two ways was two tags.
    #[test]
    fn event_text_is_kept_in_nfc() {
        let (event, diagnostics) = check(
            "+++\ntitle = \"Cafe\\u0301\"\ndate = 2025-09-03\nlocation = \"Sa\\u0303o Paulo\"\ntags = [\"cafe\\u0301\", \"caf\\u00e9\"]\npublished = 2025-09-03T10:00:00Z\n[[sources]]\ntitle = \"Re\\u0301sume\\u0301\"\nurl = \"https://example.org/cafe\\u0301\"\npublisher = \"Sa\\u0303o\"\n+++\nNe\u{301}e\n",
        );
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
        let event = event.expect("valid event");
        assert_eq!(event.title, "Caf\u{e9}");
        assert_eq!(event.location.as_deref(), Some("S\u{e3}o Paulo"));
        assert_eq!(event.tags, [Tag::new("caf\u{e9}")]);
        assert_eq!(event.body.text(), "N\u{e9}e\n");
        let source = &event.sources[0];
        assert_eq!(source.title, "R\u{e9}sum\u{e9}");
        assert_eq!(source.url, "https://example.org/caf\u{e9}");
        assert_eq!(source.publisher.as_deref(), Some("S\u{e3}o"));
    }

    /// Issue 4 (duplicate ids): an event's article carries its id, so an event named like one
    /// of the pages' own anchors would share it.
    #[test]
    fn ids_of_the_pages_own_anchors_are_refused() {
        let event = "+++\ntitle = \"T\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z\n";
        let anchor_message = "is taken by the timeline pages' own anchors (timeline, year-<YYYY>, month-<YYYY>-<MM>, sometime-<YYYY>, ...): choose another id";
        assert_eq!(
            messages(&format!("{event}id = \"month-2025-09\"\n+++\n")),
            [format!(
                "events/e.md:5:6: error: id 'month-2025-09' {anchor_message}"
            )]
        );
        let file = SourceFile::new(
            "events/timeline.md".into(),
            "timeline.md".into(),
            format!("{event}+++\n"),
        );
        let (checked, diagnostics) = check_event_file(&file, chrono_tz::UTC);
        assert!(checked.is_none());
        assert_eq!(
            diagnostics[0].to_string(),
            format!("events/timeline.md:1:1: error: id (from the file name) 'timeline' {anchor_message}")
        );
    }

    #[test]
    fn reports_each_problem_at_its_value() {
        let found = messages(
            "+++\ntitle = \"\"\ndate = 2025-09-03\nend = 2025-09-01\ntimezone = \"Mars/Olympus\"\nstatus = \"maybe\"\npublished = 2025-09-03T10:00:00\n+++\n",
        );
        assert_eq!(
            found,
            [
                "events/e.md:2:9: error: title is empty",
                "events/e.md:4:7: error: end (2025-09-01) is before date (2025-09-03)",
                "events/e.md:5:12: error: unknown time zone 'Mars/Olympus' (use an IANA name like America/Mexico_City)",
                "events/e.md:6:10: error: unknown status 'maybe' (use one of: confirmed, tentative, cancelled, retracted)",
                "events/e.md:7:13: error: published (2025-09-03T10:00:00) must be a date-time with an offset, like 2025-09-03T12:00:00-06:00",
            ]
        );
    }

    #[test]
    fn reports_missing_fields_at_the_front_matter() {
        let found = messages("+++\nlocation = \"X\"\n+++\n");
        assert_eq!(
            found,
            [
                "events/e.md:1:4: error: missing date",
                "events/e.md:1:4: error: missing title",
                "events/e.md:1:4: warning: missing published: feeds will date this entry by the event's date instead",
            ]
        );
    }

    #[test]
    fn rejects_line_breaks_and_controls_in_single_line_fields() {
        let found = messages(
            "+++\ntitle = \"A\\nEND:VEVENT\"\ndate = 2025-09-03\nlocation = \"x\\u0007\"\npublished = 2025-09-03T10:00:00Z\n+++\nok\u{1}\n",
        );
        assert_eq!(
            found,
            [
                "events/e.md:2:9: error: title must be a single line",
                "events/e.md:4:12: error: location contains the control character U+0007",
                "events/e.md:7:3: error: body contains the control character U+0001",
            ]
        );
    }

    #[test]
    fn issue_11_line_separators_are_line_breaks_in_single_line_fields() {
        let found = messages(
            "+++\ntitle = \"A\\u2028B\"\ndate = 2025-09-03\nlocation = \"x\\u2029y\"\npublished = 2025-09-03T10:00:00Z\n[[sources]]\ntitle = \"S\u{2028}\"\nurl = \"https://e.org/\"\n+++\nbody\u{2028}holds it\n",
        );
        assert_eq!(
            found,
            [
                "events/e.md:2:9: error: title must be a single line (it holds the separator U+2028)",
                "events/e.md:4:12: error: location must be a single line (it holds the separator U+2029)",
                "events/e.md:7:9: error: source title must be a single line (it holds the separator U+2028)",
            ]
        );
    }

    #[test]
    fn issue_11_invisible_titles_are_empty() {
        for title in [
            "\\u200B\\u200D",
            "\\u2800",
            " \\u3164 ",
            "\\uFEFF\\u2060",
            "\\u00AD",
        ] {
            let found = messages(&format!(
                "+++\ntitle = \"{title}\"\ndate = 2025-09-03\ntags = [\"a\", \"\\u200B\"]\npublished = 2025-09-03T10:00:00Z\n+++\n"
            ));
            assert_eq!(
                found,
                [
                    "events/e.md:2:9: error: title has only invisible characters",
                    "events/e.md:4:14: error: tag has only invisible characters",
                ],
                "{title}"
            );
        }
        let (event, _) = check(
            "+++\ntitle = \"\\u200Bx\\u200D\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z\n+++\n",
        );
        assert!(event.is_some(), "a title with a visible character is fine");
    }

    #[test]
    fn issue_11_every_problem_of_a_file_is_reported() {
        let found = messages(
            "+++\ntitle = \"A\\u2028\"\ndate = 2025-02-30\ntitel = 1\nstatus = \"maybe\"\ntags = [\"a\", 1]\nlocation = \"unclosed\npublished = 2025-09-03T10:00:00Z\n[[sources]]\ntitle = \"S\"\nurl = \"https://e.org/\"\nfoo = 1\n+++\n",
        );
        assert_eq!(
            found,
            [
                "events/e.md:2:9: error: title must be a single line (it holds the separator U+2028)",
                "events/e.md:3:8: error: invalid date, expected day between 01 and 28",
                "events/e.md:4:1: error: unknown field `titel` (fields: title, date, end, timezone, location, tags, status, published, updated, id, draft, sources, corrections, retraction)",
                "events/e.md:5:10: error: unknown status 'maybe' (use one of: confirmed, tentative, cancelled, retracted)",
                "events/e.md:6:14: error: `tags` must be a list of strings, e.g. tags = [\"trade\"] (found integer `1`)",
                "events/e.md:7:21: error: invalid basic string, expected `\"`",
                "events/e.md:12:1: error: unknown field `foo` (fields: title, url, publisher, date)",
            ]
        );
    }

    #[test]
    fn check_files_reuses_unchanged_files_unless_the_zone_changes() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        for name in ["a", "b"] {
            std::fs::write(
                tmp.path().join(format!("{name}.md")),
                "+++\ntitle = \"T\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z\n+++\n",
            )
            .expect("written");
        }
        let first = check_files(tmp.path(), Tz::UTC, None).expect("checked");
        assert_eq!(first.loaded.parsed, 2);
        let second = check_files(tmp.path(), Tz::UTC, Some(first)).expect("checked");
        assert_eq!(second.loaded.parsed, 0);
        let event = second.loaded.files[0].value.as_ref().expect("read");
        assert!(event.event.is_some() && event.diagnostics.is_empty());
        let third =
            check_files(tmp.path(), chrono_tz::Europe::Paris, Some(second)).expect("checked");
        assert_eq!(
            third.loaded.parsed, 2,
            "events are read in the collection's zone"
        );
    }

    /// Issue 3: tags are bounded in number and length, and so is the page name they make.
    #[test]
    fn tags_are_bounded_in_number_and_length() {
        let at_limit: Vec<String> = (0..MAX_TAGS_PER_EVENT)
            .map(|n| format!("\"t{n}\""))
            .collect();
        let text = |tags: &str| {
            format!("+++\ntitle = \"T\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z\ntags = [{tags}]\n+++\n")
        };
        let (event, diags) = check(&text(&at_limit.join(", ")));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(event.expect("valid").tags.len(), MAX_TAGS_PER_EVENT);
        let longest = format!("\"{}\"", "x".repeat(MAX_TAG_CHARS));
        assert!(check(&text(&longest)).1.is_empty());

        let over: Vec<String> = (0..=MAX_TAGS_PER_EVENT)
            .map(|n| format!("\"t{n}\""))
            .collect();
        assert_eq!(
            messages(&text(&over.join(", "))),
            ["events/e.md:5:8: error: tags: 21 tags, over the limit of 20 an event"]
        );
        assert_eq!(
            messages(&text(&format!("\"{}\"", "x".repeat(256)))),
            ["events/e.md:5:9: error: tag 'xxxxxxxxxxxxxxxxxxxxxxxx…' is 256 characters long, over the limit of 64"]
        );
        assert_eq!(
            messages(&text(&format!("\"{}\"", "東京".repeat(12)))),
            ["events/e.md:5:9: error: tag '東京東京東京東京東京東京東京東京東京東京東京東京' names its page 'dong-jing-dong-jing-dong…', 119 characters long, over the limit of 100"]
        );
    }

    /// Issue 3: `C++`, `C#` and `C` would share the page `tags/c/`; spellings of one tag may.
    #[test]
    fn tags_sharing_a_page_must_be_spellings_of_one_tag() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        std::fs::write(
            tmp.path().join("chronicle.toml"),
            "title = \"T\"\nbase_url = \"https://example.org/\"\nid = \"https://example.org/\"\n",
        )
        .expect("written");
        let event = |name: &str, tags: &str| {
            let text = format!("+++\ntitle = \"T\"\ndate = 2025-09-03\npublished = 2025-09-03T10:00:00Z\ntags = [{tags}]\n+++\n");
            std::fs::write(tmp.path().join(name), text).expect("written");
        };
        event("a.md", "\"C\", \"Press conference\"");
        event(
            "b.md",
            "\"press-conference\", \"PRESS_CONFERENCE\", \"c\", \"C++\"",
        );
        event("c.md", "\"C#\"");
        // No page template is at stake here: no page is rendered.
        let checked = check_collection(tmp.path(), |_| Vec::new()).expect("readable");
        let found: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| d.to_string().replace(&tmp.path().display().to_string(), ""))
            .collect();
        assert_eq!(
            found,
            [
                "/b.md:5:49: warning: tag 'c' differs only in case from tag 'C' in /a.md: both are one tag, shown as 'C'",
                "/b.md:5:54: error: tag 'C++' has the page of tag 'C' (tags/c/) in /a.md: rename one, or spell them alike",
                "/c.md:5:9: error: tag 'C#' has the page of tag 'C' (tags/c/) in /a.md: rename one, or spell them alike",
            ]
        );
        assert!(checked.collection.is_none());
    }
}
