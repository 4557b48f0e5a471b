//! Serve stage, rebuild: the collection and the changes a watcher reports -> the outputs
//! written into serve's own folder by the one build ([`pipeline`]), and the [`Served`] index of
//! that folder.
//!
//! In: the paths a file-system watcher reported, the set being served. Out: a new set, whose
//! rebuilt outputs are in identity only (compressing them is left to the caller, after the
//! swap) with the WebSub pings owed for the subscription feeds whose bytes changed (sending
//! them is left to the caller too), or, when the collection has an error, the diagnostics on
//! stderr and nothing.
//!
//! What is kept between rebuilds, and why it is safe:
//! - the checked event files ([`CheckedFiles`], owned here): only the files the watcher named
//!   are read and checked again;
//! - the last good [`Collection`], updated in place: the events of the changed files are taken
//!   out and their new versions put in at their place in the order;
//! - a version per event file, new each time the file is read again, and the last build's plan
//!   (its outputs): [`plan::changed`] picks the outputs to write again from their structure
//!   alone. Outputs it leaves are not touched on disk and keep their index entries. A change to
//!   the settings or the templates (or anything the watcher cannot pin down) writes everything.
//!
//! Must not touch the served state itself, nor read the clock for anything but the log line.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustc_hash::{FxHashMap, FxHashSet};

use rayon::prelude::*;

use super::filter::Source;
use super::state::{hex, websub_link, OnDisk, Payload, Replacement, Resource, Served};
use crate::check::{self, Checked, CheckedFiles, Keep};
use crate::diag::Diagnostic;
use crate::load::SETTINGS_FILE;
use crate::model::{Collection, Event};
use crate::pipeline;
use crate::pipeline::parts::{Parts, PartsBuilder};
use crate::pipeline::plan::{self, EventKey};
use crate::render::ical::CalendarLayout;
use crate::render::page_layout::{PageLayout, PageLayouts};
use crate::render::{self, Format, Output, Placement, RenderError, Site, SiteParts};
use crate::websub::{self, Pings};
use crate::write::{CommitError, Stage, WriteError, Written};

/// What one rebuild did.
#[derive(Debug)]
pub struct Rebuilt {
    pub served: Served,
    /// Outputs in the set, and how many of them were written this time.
    pub outputs: usize,
    pub rendered: usize,
    pub events: usize,
    /// Whether only the changed files were read again.
    pub incremental: bool,
    pub took: Duration,
    /// The WebSub pings owed for the subscription feeds whose bytes differ from the set
    /// rebuilt upon (`None` without `websub_hub`, for the first build, or when none changed).
    pub pings: Option<Pings>,
}

/// Why a rebuild failed (the set served before stays).
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("cannot read the collection")]
    Read(#[from] io::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Commit(#[from] CommitError),
    #[error(transparent)]
    Render(#[from] RenderError),
    /// An output the plan kept is missing from the set served before.
    #[error("{0} was neither written again nor served before")]
    Lost(String),
}

/// The last good build: what the next one is compared with.
#[derive(Debug)]
struct Last {
    outputs: Vec<Output>,
    keys: Vec<plan::EventKey>,
    /// Where the parts of each calendar in the folder lie.
    layouts: pipeline::Layouts,
    /// Where the articles of each timeline page in the folder lie.
    pages: PageLayouts,
}

/// Builds serve's folder, and rebuilds it after changes, writing only what changed.
#[derive(Debug)]
pub struct Builder {
    /// The collection folder as given, and as the watcher may name it.
    events: PathBuf,
    spellings: Vec<PathBuf>,
    /// The folder the outputs are written into and served from.
    out: PathBuf,
    link_base: String,
    source_date_epoch: Option<i64>,
    quiet: bool,
    files: Option<CheckedFiles>,
    /// The collection of the last good build, taken out while a rebuild updates it.
    collection: Option<Collection>,
    last: Option<Last>,
    /// Event files changed since `collection` was last brought up to date (relative paths).
    pending: FxHashSet<String>,
    /// Set when the last full check failed: until one succeeds, every rebuild is full.
    needs_full: bool,
    /// Each event file's version (relative path), new whenever the file is read again.
    versions: FxHashMap<String, u64>,
    next_version: u64,
    /// Why the last rebuild kept the last good build, one line each, until taken.
    problems: Vec<String>,
    /// The calendars and pages served as parts since an edit, by output path, until
    /// [`Builder::settle`] writes them whole.
    patched: FxHashMap<String, Arc<Resource>>,
    /// The readable names (see [`render::site::readable_calendar_path`]) of the calendars in
    /// `patched`, each with its calendar's path: served as their calendar, linked to its file
    /// when [`Builder::settle`] writes it.
    readable: FxHashMap<String, String>,
    /// [`MOST_SEGMENTS`], lowered by tests.
    most_segments: usize,
    /// Whether a stage was created in the folder before.
    staged_before: bool,
    /// What the last good build's site made from every event: kept for the next build when
    /// no event changed its [`Placement`].
    site_parts: Option<SiteParts>,
}

impl Builder {
    /// A builder for the collection in `events` writing into `out`, its links under
    /// `link_base`.
    pub fn new(
        events: &Path,
        out: &Path,
        link_base: &str,
        source_date_epoch: Option<i64>,
        quiet: bool,
    ) -> Builder {
        Builder {
            events: events.to_path_buf(),
            spellings: spellings(events),
            out: out.to_path_buf(),
            link_base: render::with_trailing_slash(link_base),
            source_date_epoch,
            quiet,
            files: None,
            collection: None,
            last: None,
            pending: FxHashSet::default(),
            needs_full: true,
            problems: Vec::new(),
            versions: FxHashMap::default(),
            next_version: 0,
            patched: FxHashMap::default(),
            readable: FxHashMap::default(),
            most_segments: MOST_SEGMENTS,
            staged_before: false,
            site_parts: None,
        }
    }

    /// Sets where links point and the pinned "now" (before the first [`Builder::build`]).
    pub fn set_link_base(&mut self, link_base: &str, source_date_epoch: Option<i64>) {
        self.link_base = render::with_trailing_slash(link_base);
        self.source_date_epoch = source_date_epoch;
        self.last = None;
        self.site_parts = None;
    }

    /// The folder the outputs are written into.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Checks the whole collection (reusing the checks of files unchanged since the last one,
    /// by path, size and modification time). The collection, if valid, is to be passed to
    /// [`Builder::build`].
    pub fn check_all(&mut self) -> io::Result<Checked> {
        let previous = self.files.take();
        let (checked, files) = check::check_collection_with(
            &self.events,
            previous,
            Keep::Files,
            render::covering::render_covering_pages,
        )?;
        self.files = files;
        self.needs_full = checked.collection.is_none();
        Ok(checked)
    }

    /// Writes every output of `collection` (from [`Builder::check_all`]) afresh.
    pub fn build(&mut self, collection: Collection) -> Result<Rebuilt, RebuildError> {
        self.pending.clear();
        self.render(collection, None, true, Places::Changed)
    }

    /// Why the last [`Builder::rebuild`] that returned `None` kept the last good build: each
    /// error as printed (empty after a good rebuild, or once taken).
    pub fn take_problems(&mut self) -> Vec<String> {
        std::mem::take(&mut self.problems)
    }

    /// Rebuilds after the watcher reported `changed` (`None`: changes it could not name), on
    /// top of `current`. `None` (with the reasons on stderr) when the collection cannot be read
    /// or has an error: the last good set stays.
    pub fn rebuild(&mut self, changed: Option<&[PathBuf]>, current: &Served) -> Option<Rebuilt> {
        let keeping = "still serving the last good build";
        self.problems.clear();
        let outcome = match changed {
            Some(changed) if !self.needs_full => self.rebuild_changed(changed, current),
            _ => Err(Full),
        };
        let result = match outcome {
            Ok(result) => result,
            Err(Full) => self.rebuild_all(current),
        };
        match result {
            Ok(rebuilt) => rebuilt,
            Err(err) => {
                let problem = format!(
                    "cannot rebuild from {}: {}",
                    crate::terminal::escape_path(&self.events),
                    crate::terminal::escape(&err.to_string())
                );
                eprintln!("{problem}; {keeping}");
                self.problems = vec![problem];
                // Start over at the next change.
                self.needs_full = true;
                None
            }
        }
    }

    fn rebuild_all(&mut self, current: &Served) -> Result<Option<Rebuilt>, RebuildError> {
        let started = Instant::now();
        let checked = self.check_all()?;
        for diagnostic in &checked.diagnostics {
            if diagnostic.is_error() || !self.quiet {
                crate::diag::eprint(diagnostic);
            }
        }
        let Some(collection) = checked.collection else {
            self.problems = errors_of(checked.diagnostics.iter());
            report_errors(checked.error_count());
            return Ok(None);
        };
        self.pending.clear();
        let mut rebuilt = self.render(collection, Some(current), true, Places::Changed)?;
        rebuilt.took = started.elapsed();
        Ok(Some(rebuilt))
    }

    /// Only the changed files are read again; `Err(Full)` when that cannot be done.
    fn rebuild_changed(
        &mut self,
        changed: &[PathBuf],
        current: &Served,
    ) -> Result<Result<Option<Rebuilt>, RebuildError>, Full> {
        let started = Instant::now();
        let mut paths = Vec::new();
        let mut relatives = Vec::new();
        for path in changed {
            let Some(relative) = self.relative(path) else {
                continue;
            };
            let name = relative_name(&relative);
            if name == SETTINGS_FILE || name == "templates" || name.starts_with("templates/") {
                return Err(Full);
            }
            paths.push(self.events.join(&relative));
            relatives.push(name);
        }
        let Some(zone) = self.collection.as_ref().map(|c| c.settings.timezone) else {
            return Err(Full);
        };
        let Some(files) = self.files.take() else {
            return Err(Full);
        };
        // The events of the files read again, as the collection holds them, when nothing else
        // waits to be brought up to date: an edit that keeps their places replaces them there.
        let edited_before: Option<Vec<(&String, Arc<Event>)>> = self
            .pending
            .is_empty()
            .then(|| {
                (relatives.iter().zip(&paths))
                    .filter(|(relative, _)| relative.ends_with(".md"))
                    .map(|(relative, path)| Some((relative, event_of(&files, path)?)))
                    .collect()
            })
            .flatten();
        let files = match check::recheck_changed(&self.events, zone, files, &paths) {
            Ok(Ok(files)) => files,
            Ok(Err(rescan)) => {
                if !self.quiet {
                    eprintln!("{rescan}: reading the whole collection again");
                }
                return Err(Full);
            }
            Err(err) => return Ok(Err(err.into())),
        };
        self.pending
            .extend(relatives.iter().filter(|r| r.ends_with(".md")).cloned());
        let pending: Vec<String> = self.pending.iter().cloned().collect();
        let (diagnostics, _) = check::file_diagnostics(&self.events, &files, Some(&pending));
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let mut shown: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| {
                d.is_error()
                    || (!self.quiet
                        && d.path
                            .strip_prefix(&self.events)
                            .is_ok_and(|r| self.pending.contains(&relative_name(r))))
            })
            .collect();
        shown.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
        for diagnostic in shown {
            crate::diag::eprint(diagnostic);
        }
        if errors > 0 {
            self.problems = errors_of(diagnostics.iter());
            self.files = Some(files);
            report_errors(errors);
            return Ok(Ok(None));
        }
        let Some(mut collection) = self.collection.take() else {
            return Err(Full);
        };
        let edited = edited_before
            .and_then(|before| replace_in_place(&mut collection, &before, &self.events, &files));
        let places = match edited {
            Some(edited) => Places::Kept {
                edited: Some(edited),
            },
            None => {
                let placements = |collection: &Collection| placements(collection, &self.pending);
                let before = placements(&collection);
                update_events(&mut collection, &self.events, &files, &self.pending);
                match placements(&collection) == before {
                    true => Places::Kept { edited: None },
                    false => Places::Changed,
                }
            }
        };
        self.files = Some(files);
        let mut moved_too_far = Vec::new();
        // Events that kept their places kept their `updated`: none can move further than
        // before.
        if matches!(places, Places::Changed) {
            check::check_unique_updated(&self.events, &collection.events, &mut moved_too_far);
        }
        if !moved_too_far.is_empty() {
            for diagnostic in &moved_too_far {
                crate::diag::eprint(diagnostic);
            }
            self.problems = errors_of(moved_too_far.iter());
            report_errors(moved_too_far.len());
            // The collection is left behind: the next change checks everything again.
            self.needs_full = true;
            return Ok(Ok(None));
        }
        // The re-read files' events are new versions: every output showing them is written.
        for path in std::mem::take(&mut self.pending) {
            self.next_version += 1;
            self.versions.insert(path, self.next_version);
        }
        let result = self
            .render(collection, Some(current), false, places)
            .map(|mut rebuilt| {
                rebuilt.took = started.elapsed();
                Some(rebuilt)
            });
        Ok(result)
    }

    /// Writes each calendar served as parts since an edit (see [`pipeline::patch`]) into the
    /// folder whole, and returns each such resource with the same one whose body is the file:
    /// for [`super::state::State::upgrade`] to put in its place, freeing the files the parts
    /// held open and the bytes they held. `serve` calls it when the edits stop.
    pub fn settle(&mut self) -> Result<Vec<Replacement>, RebuildError> {
        let Some(last) = self.last.as_ref().filter(|_| !self.patched.is_empty()) else {
            return Ok(Vec::new());
        };
        let stage = create_stage(&self.out, &mut self.staged_before)?;
        for (path, resource) in &self.patched {
            if let Payload::Parts(parts) = &resource.identity.body {
                pipeline::write_parts(&stage, path, parts)?;
            }
        }
        for (path, calendar) in std::mem::take(&mut self.readable) {
            stage.link(&path, &calendar)?;
        }
        let record = crate::published::RECORD;
        let kept_record = self.out.join(record).is_file().then_some(record);
        let complete: BTreeSet<&str> = last
            .outputs
            .iter()
            .map(|o| o.path.as_str())
            .chain(kept_record)
            .collect();
        let written = stage.commit_part(&complete)?;
        let mut replacements = Vec::with_capacity(written.len());
        for w in written {
            let Some(old) = self.patched.remove(&w.path) else {
                continue;
            };
            let on_disk = OnDisk::stat(self.out.join(&w.path), w.len)?;
            let mut new = (*old).clone();
            new.identity.body = Payload::File(on_disk);
            replacements.push((old, Arc::new(new)));
        }
        Ok(replacements)
    }

    /// A path the watcher reported, relative to the collection folder.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        self.spellings
            .iter()
            .find_map(|dir| path.strip_prefix(dir).ok())
            .map(Path::to_path_buf)
    }

    /// Writes the outputs of `collection` that changed since the last build (all of them when
    /// `all`, or with no build before) into the folder, and indexes the new set: the outputs
    /// written from what the stage wrote, the others from `current`. When the events kept their
    /// places (see [`Places`]), the last build's site parts and outputs are kept.
    fn render(
        &mut self,
        collection: Collection,
        current: Option<&Served>,
        all: bool,
        places: Places,
    ) -> Result<Rebuilt, RebuildError> {
        let started = Instant::now();
        if all {
            // Every file counts as read again.
            self.versions.clear();
        }
        // Writing everything, nothing is taken from the last build.
        let last = self.last.take().filter(|_| !all);
        let places = if last.is_some() {
            places
        } else {
            Places::Changed
        };
        let (site, outputs) = match (self.site_parts.take(), &last) {
            (Some(parts), Some(last)) if !matches!(places, Places::Changed) => {
                (Site::from_parts(&collection, parts), last.outputs.clone())
            }
            // Each a pass or more over every event: side by side.
            _ => rayon::join(
                || Site::new(&collection, &self.link_base, self.source_date_epoch),
                || render::outputs(&collection),
            ),
        };
        let (keys, to_write): (Vec<EventKey>, Vec<&Output>) = match (&last, &places, current) {
            // Only the edited events' files have new versions, and the same outputs as before
            // show them: those are the outputs to write.
            (
                Some(last),
                Places::Kept {
                    edited: Some(edited),
                },
                Some(_),
            ) => {
                let mut keys = last.keys.clone();
                for &index in edited {
                    let event = &collection.events[index];
                    keys[index].version = self.versions.get(&event.path).copied().unwrap_or(0);
                }
                (keys, plan::showing(&outputs, edited))
            }
            _ => {
                let (versions, next_version) = (&mut self.versions, &mut self.next_version);
                let keys =
                    plan::event_keys(&site, |event: &Event| match versions.get(&event.path) {
                        Some(&version) => version,
                        None => {
                            *next_version += 1;
                            versions.insert(event.path.clone(), *next_version);
                            *next_version
                        }
                    });
                let to_write = match (&last, current) {
                    (Some(last), Some(_)) => {
                        plan::changed(&last.outputs, &last.keys, &outputs, &keys)
                    }
                    _ => outputs.iter().collect(),
                };
                (keys, to_write)
            }
        };
        // A calendar's entity tag is made from its layout (see `CalendarLayout::digest`): its
        // bytes, hundreds of megabytes for a large collection, are not digested.
        let stage = create_stage(&self.out, &mut self.staged_before)?
            .digesting(|path| !path.ends_with(".ics"));
        // A calendar the build before had is patched rather than written again (see
        // `pipeline::patch`); the others, and every other output, are written.
        let previous = last.as_ref().map(|last| pipeline::Previous {
            outputs: &last.outputs,
            keys: &last.keys,
            now_keys: &keys,
            layouts: &last.layouts,
            edited: match &places {
                Places::Kept {
                    edited: Some(edited),
                } => Some(edited),
                _ => None,
            },
        });
        // After an edit, the documents that are neither calendars nor pages (feeds of a few
        // dozen entries, archive pages, the subscription list) are made in memory and served
        // from there, like the patched outputs, until the edits stop.
        let small: Vec<&Output> = to_write
            .iter()
            .copied()
            .filter(|o| {
                last.is_some()
                    && current.is_some()
                    && !matches!(
                        o.format,
                        Format::Ical | Format::ReadableIcal | Format::Html(_)
                    )
            })
            .collect();
        // Side by side: the calendars patched, the pages the build before recorded patched
        // (see `pipeline::patch_page`), and the small documents made.
        let (calendars, (pages, small)) = rayon::join(
            || match (&previous, current) {
                (Some(previous), Some(current)) => {
                    patch_calendars(&site, &to_write, previous, current)
                }
                _ => Ok(Vec::new()),
            },
            || {
                rayon::join(
                    || match (&last, current) {
                        (Some(last), Some(current)) => {
                            patch_pages(&site, &to_write, &last.pages, current)
                        }
                        _ => Ok(Vec::new()),
                    },
                    || render_in_memory(&site, &small),
                )
            },
        );
        let mut patched = calendars?;
        patched.extend(pages?);
        patched.extend(small?);
        // A patched calendar's readable name is the same file: it follows the calendar.
        let patched_paths: FxHashSet<String> = patched.iter().map(|p| p.path.clone()).collect();
        let (readable_of_patched, staged): (Vec<&Output>, Vec<&Output>) = to_write
            .iter()
            .copied()
            .filter(|o| !patched_paths.contains(&o.path))
            .partition(|o| {
                o.format == Format::ReadableIcal
                    && patched_paths.contains(&o.view.path(Format::Ical))
            });
        // The pages written record where their articles lie, for the next edit to patch them.
        let written_layouts = pipeline::write_outputs(&site, &staged, &stage, true, &|_| {})?;
        let mut layouts = written_layouts.calendars;
        let mut pages = written_layouts.pages;
        // Pages written again without a layout must not keep the one before.
        let rewritten: FxHashSet<&str> = to_write.iter().map(|o| o.path.as_str()).collect();
        // A calendar or page patched into too many parts is written whole now, from its parts.
        let (patched, overgrown): (Vec<Patched>, Vec<Patched>) =
            patched.into_iter().partition(|p| {
                p.parts.segments() <= self.most_segments && p.parts.in_memory() <= MOST_IN_MEMORY
            });
        for overgrown in &overgrown {
            pipeline::write_parts(&stage, &overgrown.path, &overgrown.parts)?;
        }
        if all {
            self.patched.clear();
            self.readable.clear();
        }
        for readable in readable_of_patched {
            let calendar = readable.view.path(Format::Ical);
            if overgrown.iter().any(|p| p.path == calendar) {
                stage.link(&readable.path, &calendar)?;
            } else {
                self.readable.insert(readable.path.clone(), calendar);
            }
        }
        let nothing_staged = staged.is_empty() && overgrown.is_empty();
        for overgrown in overgrown {
            overgrown
                .layout
                .keep(overgrown.path, &mut layouts, &mut pages);
        }
        // The record of published ids is `build`'s (serve publishes nothing): one a build left
        // in the folder is kept as it is.
        // An edit that moved no event, with every output it changed served from memory or
        // parts, changes no file: the folder and its manifest stay as they are.
        let written = if nothing_staged && !matches!(places, Places::Changed) {
            drop(stage);
            Vec::new()
        } else {
            let record = crate::published::RECORD;
            let kept_record = self.out.join(record).is_file().then_some(record);
            let complete: BTreeSet<&str> = outputs
                .iter()
                .map(|o| o.path.as_str())
                .chain(kept_record)
                .collect();
            stage.commit_part(&complete)?
        };
        let written: FxHashMap<&str, &Written> =
            written.iter().map(|w| (w.path.as_str(), w)).collect();
        for patched in patched {
            let mut resource = Resource::identity(
                patched.output.format,
                Payload::Parts(patched.parts),
                &hex(&patched.digest),
                site.view_updated(&patched.output.view),
            );
            resource.link = hub_link(&collection, &site, patched.output);
            let resource = Arc::new(resource);
            patched
                .layout
                .keep(patched.path.clone(), &mut layouts, &mut pages);
            self.patched.insert(patched.path, resource);
        }
        let resources = outputs
            .iter()
            .map(|output| {
                let resource = match written.get(output.path.as_str()) {
                    Some(w) => {
                        self.patched.remove(&output.path);
                        self.readable.remove(&output.path);
                        // A calendar's digest is made from its parts' (see
                        // `CalendarLayout::digest`), so that a patched one has the same; a
                        // readable name's is its calendar's.
                        let calendar = match output.format {
                            Format::ReadableIcal => output.view.path(Format::Ical),
                            _ => output.path.clone(),
                        };
                        let digest = match layouts.get(&calendar) {
                            Some(layout) => layout.digest(),
                            None => w.digest.expect("a digesting stage"),
                        };
                        let mut resource = Resource::from_file(
                            output.format,
                            self.out.join(&output.path),
                            w.len,
                            digest,
                            site.view_updated(&output.view),
                        )?;
                        // Outputs kept from the set before have the same hub: a change to
                        // the settings writes every output again.
                        resource.link = hub_link(&collection, &site, output);
                        Arc::new(resource)
                    }
                    None => match self.patched.get(&output.path).or_else(|| {
                        let calendar = self.readable.get(&output.path)?;
                        self.patched.get(calendar)
                    }) {
                        Some(resource) => Arc::clone(resource),
                        None => current
                            .and_then(|c| c.output(&output.path))
                            .cloned()
                            .ok_or_else(|| RebuildError::Lost(output.path.clone()))?,
                    },
                };
                Ok((output.path.clone(), resource))
            })
            .collect::<Result<Vec<_>, RebuildError>>()?;
        let pings = current.and_then(|current| {
            let settings = &collection.settings;
            let changed = changed_feeds(&outputs, &resources, current);
            Pings::for_changed(settings.websub_hub.as_ref(), &settings.base_url, changed)
        });
        self.patched
            .retain(|path, _| outputs.iter().any(|o| &o.path == path));
        let patched = &self.patched;
        self.readable.retain(|path, calendar| {
            patched.contains_key(calendar) && outputs.iter().any(|o| &o.path == path)
        });
        let rendered = to_write.len();
        let events = collection.events.len();
        let mut served = Served::new(resources, events);
        served.filters = Some(Arc::new(Source::new(
            &collection,
            &self.link_base,
            self.source_date_epoch,
        )));
        // Versions of files no longer in the collection.
        if self.versions.len() > collection.events.len() {
            let paths: FxHashSet<&str> =
                collection.events.iter().map(|e| e.path.as_str()).collect();
            self.versions
                .retain(|path, _| paths.contains(path.as_str()));
        }
        self.site_parts = Some(site.into_parts());
        let count = outputs.len();
        // The calendars and pages not written again keep their layouts.
        if let Some(mut last) = last {
            for output in &outputs {
                if !layouts.contains_key(&output.path) {
                    if let Some(layout) = last.layouts.remove(&output.path) {
                        layouts.insert(output.path.clone(), layout);
                    }
                }
                if !rewritten.contains(output.path.as_str()) {
                    if let Some(layout) = last.pages.remove(&output.path) {
                        pages.insert(output.path.clone(), layout);
                    }
                }
            }
        }
        drop(rewritten);
        self.last = Some(Last {
            outputs,
            keys,
            layouts,
            pages,
        });
        self.collection = Some(collection);
        Ok(Rebuilt {
            served,
            outputs: count,
            rendered,
            events,
            incremental: !all,
            took: started.elapsed(),
            pings,
        })
    }
}

/// A stage in `out`; the first one (`staged_before` false) looks for what earlier versions
/// left there.
fn create_stage(out: &Path, staged_before: &mut bool) -> Result<Stage, WriteError> {
    if std::mem::replace(staged_before, true) {
        Stage::create_again(out, || {})
    } else {
        Stage::create(out, || {})
    }
}

/// The subscription feeds of the new set (`outputs`, with their `resources` in the same order)
/// whose bytes differ from those `current` serves (or that it does not hold): entity tags are
/// digests of the bytes, so equal tags are equal bytes.
fn changed_feeds<'o>(
    outputs: &'o [Output],
    resources: &[(String, Arc<Resource>)],
    current: &Served,
) -> Vec<&'o Output> {
    outputs
        .iter()
        .zip(resources)
        .filter(|(output, _)| websub::is_subscription_feed(output.format))
        .filter(|(output, (_, resource))| {
            current
                .output(&output.path)
                .is_none_or(|old| old.identity.etag != resource.identity.etag)
        })
        .map(|(output, _)| output)
        .collect()
}

/// A calendar or page patched after an edit.
struct Patched<'o> {
    path: String,
    output: &'o Output,
    parts: Parts,
    /// Its entity tag's digest: a calendar's from its layout (see `CalendarLayout::digest`), a
    /// page's from its bytes, as a digesting stage takes it.
    digest: [u8; 16],
    layout: PatchedLayout,
}

/// Where the parts of a patched output lie, for the next edit to patch it again.
enum PatchedLayout {
    Calendar(CalendarLayout),
    /// `None` when the page's articles could not be placed: it is written afresh next time.
    Page(Option<PageLayout>),
    /// Made whole in memory: the next edit makes it whole again.
    Whole,
}

impl PatchedLayout {
    /// Keeps the layout of the output at `path` among the calendars' or pages'.
    fn keep(self, path: String, calendars: &mut pipeline::Layouts, pages: &mut PageLayouts) {
        match self {
            PatchedLayout::Calendar(layout) => {
                calendars.insert(path, layout);
            }
            PatchedLayout::Page(Some(layout)) => {
                pages.insert(path, layout);
            }
            PatchedLayout::Page(None) | PatchedLayout::Whole => {}
        }
    }
}

/// Most parts a patched calendar may have, and most bytes of it in memory: past either, it is
/// written whole at once rather than when the edits stop (edits that never pause for
/// [`super::watch::Editing::QUIET`] would otherwise grow it without end).
const MOST_SEGMENTS: usize = 4096;
const MOST_IN_MEMORY: u64 = 16 * 1024 * 1024;

/// The calendars of `to_write` that can be patched from the ones `current` serves, patched.
fn patch_calendars<'o>(
    site: &Site,
    to_write: &[&'o Output],
    previous: &pipeline::Previous,
    current: &Served,
) -> Result<Vec<Patched<'o>>, RebuildError> {
    let calendars: Vec<&Output> = to_write
        .iter()
        .copied()
        .filter(|o| o.format == Format::Ical)
        .collect();
    let patched = calendars
        .par_iter()
        .map(|&output| {
            let Some(earlier) = current
                .output(&output.path)
                .and_then(|resource| served_parts(&resource.identity.body))
            else {
                return Ok(None);
            };
            let patched = pipeline::patch(site, output, previous, &earlier)
                .map_err(|err| err.at(&output.path))?;
            Ok(patched.map(|(parts, layout)| Patched {
                path: output.path.clone(),
                output,
                parts,
                digest: layout.digest(),
                layout: PatchedLayout::Calendar(layout),
            }))
        })
        .collect::<Result<Vec<_>, RebuildError>>()?;
    Ok(patched.into_iter().flatten().collect())
}

/// `outputs` made in memory, each as one part.
fn render_in_memory<'o>(
    site: &Site,
    outputs: &[&'o Output],
) -> Result<Vec<Patched<'o>>, RebuildError> {
    let shared = render::SharedHtml::of_feeds(site, outputs);
    outputs
        .par_iter()
        .map(|&output| {
            let mut bytes = Vec::new();
            render::render_with(site, output, Some(&shared), &mut bytes)
                .map_err(|err| err.at(&output.path))?;
            let digest = crate::write::digest(&bytes[..])?;
            let mut parts = PartsBuilder::default();
            parts.bytes(bytes);
            Ok(Patched {
                path: output.path.clone(),
                output,
                parts: parts.finish(),
                digest,
                layout: PatchedLayout::Whole,
            })
        })
        .collect()
}

/// The `Link` header naming the collection's WebSub hub that a subscription feed is served
/// with, when the settings name a hub.
fn hub_link(
    collection: &Collection,
    site: &Site,
    output: &Output,
) -> Option<hyper::header::HeaderValue> {
    let hub = collection.settings.websub_hub.as_ref()?;
    websub::is_subscription_feed(output.format)
        .then(|| websub_link(hub, &site.url(&output.path)))
        .flatten()
}

/// The timeline pages of `to_write` that can be patched from the ones `current` serves (laid
/// out as `layouts` says), patched.
fn patch_pages<'o>(
    site: &Site,
    to_write: &[&'o Output],
    layouts: &PageLayouts,
    current: &Served,
) -> Result<Vec<Patched<'o>>, RebuildError> {
    let pages: Vec<(&Output, &PageLayout)> = to_write
        .iter()
        .filter(|o| matches!(o.format, Format::Html(_)))
        .filter_map(|&o| Some((o, layouts.get(&o.path)?)))
        .collect();
    let patched = pages
        .par_iter()
        .map(|&(output, layout)| {
            let Some(earlier) = current
                .output(&output.path)
                .and_then(|resource| served_parts(&resource.identity.body))
            else {
                return Ok(None);
            };
            let at = |err: RenderError| err.at(&output.path);
            let Some((parts, layout)) =
                pipeline::patch_page(site, output, layout, &earlier).map_err(at)?
            else {
                return Ok(None);
            };
            let digest = crate::write::digest(parts.reader()).map_err(|err| at(err.into()))?;
            Ok(Some(Patched {
                path: output.path.clone(),
                output,
                parts,
                digest,
                layout: PatchedLayout::Page(layout),
            }))
        })
        .collect::<Result<Vec<_>, RebuildError>>()?;
    Ok(patched.into_iter().flatten().collect())
}

/// A served calendar's or page's bytes as parts: its parts, or its file, opened and checked to
/// be the one the set refers to. `None` when it cannot be had (the file was replaced or
/// removed: the output is then written afresh).
fn served_parts(body: &Payload) -> Option<Parts> {
    match body {
        Payload::Parts(parts) => Some(parts.clone()),
        Payload::File(on_disk) => {
            let file = std::fs::File::open(&on_disk.path).ok()?;
            on_disk.check(&file.metadata().ok()?).ok()?;
            Some(Parts::whole_file(file, on_disk.len))
        }
        Payload::Whole(_) => None,
    }
}

/// `dir` as given and in the spellings a file-system watcher may use for it (absolute, with
/// links resolved), so that the paths it reports can be matched.
pub fn spellings(dir: &Path) -> Vec<PathBuf> {
    let mut spellings = vec![dir.to_path_buf()];
    spellings.extend(std::path::absolute(dir).ok());
    spellings.extend(dir.canonicalize().ok());
    spellings.dedup();
    spellings
}

/// Above this many changed files, finding them by comparing paths costs more than hashing.
const MAX_REREAD_SCANNED: usize = 16;

/// The rebuild cannot use the watcher's paths alone.
struct Full;

/// The errors among `diagnostics`, each as `check` prints it without colour (its line, then
/// its source line with the span underlined), in the order `check` prints them.
fn errors_of<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) -> Vec<String> {
    let mut errors: Vec<&Diagnostic> = diagnostics.filter(|d| d.is_error()).collect();
    errors.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    errors
        .iter()
        .map(|error| crate::diag::render(error, false).trim_end().to_string())
        .collect()
}

fn report_errors(errors: usize) {
    let plural = if errors == 1 { "" } else { "s" };
    eprintln!("{errors} error{plural} in the collection; still serving the last good build");
}

/// A relative path as the loader writes it: `/`-separated.
fn relative_name(relative: &Path) -> String {
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// How the events changed since the last build, as far as [`Builder::render`] can use it.
enum Places {
    /// Events may have moved (or there is no build before): everything is made again.
    Changed,
    /// No event changed its [`Placement`]: the last build's site parts and outputs are kept.
    /// With `edited`, only the events at those indices changed (replaced in place).
    Kept { edited: Option<Vec<usize>> },
}

/// The event of the checked file at `path`, unless it has none or is a draft.
fn event_of(files: &CheckedFiles, path: &Path) -> Option<Arc<Event>> {
    let at = files
        .loaded
        .files
        .binary_search_by(|f| f.path.as_path().cmp(path))
        .ok()?;
    let event = files.loaded.files[at].value.as_ref().ok()?.event.as_ref()?;
    (!event.draft).then(|| Arc::clone(event))
}

/// Puts the new events of the files read again (each relative path with its event `before`,
/// as `collection` holds it) where their old ones are, when each keeps its [`Placement`], and
/// returns their indices: found by their place in the collection's order, with no pass over
/// the collection. `None`, with `collection` untouched, when any file has no event now or one
/// placed elsewhere.
fn replace_in_place(
    collection: &mut Collection,
    before: &[(&String, Arc<Event>)],
    collection_dir: &Path,
    files: &CheckedFiles,
) -> Option<Vec<usize>> {
    let events = &collection.events;
    let replaced = before
        .iter()
        .map(|(relative, old)| {
            let new = event_of(files, &collection_dir.join(relative))?;
            if Placement::of(&new) != Placement::of(old) {
                return None;
            }
            let key = (old.start(), &old.id);
            let at = events
                .binary_search_by(|e| (e.start(), &e.id).cmp(&key))
                .ok()?;
            (&events[at].path == *relative).then_some((at, new))
        })
        .collect::<Option<Vec<_>>>()?;
    let mut edited = Vec::with_capacity(replaced.len());
    for (at, new) in replaced {
        collection.events[at] = new;
        edited.push(at);
    }
    Some(edited)
}

/// Takes the events of the `changed` files out of `collection` and puts in their new versions
/// from `files` (drafts left out), each at its place in the collection's order (start, id).
/// The [`Placement`] of each event of `collection` from one of `paths` (relative), by path.
fn placements(collection: &Collection, paths: &FxHashSet<String>) -> Vec<(String, Placement)> {
    let mut placements: Vec<(String, Placement)> = collection
        .events
        .iter()
        .filter(|event| paths.contains(&event.path))
        .map(|event| (event.path.clone(), Placement::of(event)))
        .collect();
    // Stable: the events of one file keep the collection's order.
    placements.sort_by(|a, b| a.0.cmp(&b.0));
    placements
}

fn update_events(
    collection: &mut Collection,
    collection_dir: &Path,
    files: &CheckedFiles,
    changed: &FxHashSet<String>,
) {
    let events = &mut collection.events;
    if changed.len() <= MAX_REREAD_SCANNED {
        // A few changed files, as a rule: comparing each path with them (most differ in
        // length) costs less than hashing every path of the collection.
        let changed: Vec<&String> = changed.iter().collect();
        events.retain(|e| !changed.contains(&&e.path));
    } else {
        events.retain(|e| !changed.contains(&e.path));
    }
    let fresh = changed
        .iter()
        .filter_map(|relative| {
            let path = collection_dir.join(relative);
            let at = files
                .loaded
                .files
                .binary_search_by(|f| f.path.cmp(&path))
                .ok()?;
            let file = &files.loaded.files[at];
            file.value.as_ref().ok().and_then(|c| c.event.as_ref())
        })
        .filter(|e| !e.draft);
    for event in fresh {
        let key = (event.start(), &event.id);
        let at = events.partition_point(|e| (e.start(), &e.id) < key);
        events.insert(at, event.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARIFF: &str = "2025/03-04-fentanyl-tariff.md";
    const BASE: &str = "https://example.org/t/";

    /// A copy of the sample collection in `events/` of a temporary folder, beside which the
    /// builds write (`out/`, `fresh/`).
    struct Sample {
        _tmp: tempfile::TempDir,
        events: PathBuf,
    }

    impl Sample {
        /// The collection folder.
        fn path(&self) -> &Path {
            &self.events
        }
    }

    fn sample() -> Sample {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let events = tmp.path().join("events");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.expect("walk the sample");
            let to = events.join(entry.path().strip_prefix(&from).expect("inside"));
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("folder");
            } else {
                std::fs::copy(entry.path(), &to).expect("copy");
            }
        }
        Sample { _tmp: tmp, events }
    }

    fn full_build(dir: &Path) -> (Builder, Served) {
        full_build_into(dir, &dir.with_file_name("out"))
    }

    fn full_build_into(dir: &Path, out: &Path) -> (Builder, Served) {
        let mut builder = Builder::new(dir, out, BASE, None, true);
        let collection = builder
            .check_all()
            .expect("readable")
            .collection
            .expect("valid");
        let served = builder.build(collection).expect("built").served;
        (builder, served)
    }

    fn paths(dir: &Path) -> Vec<String> {
        let checked = check::check_collection(dir, render::covering::render_covering_pages)
            .expect("readable");
        let collection = checked.collection.expect("valid");
        render::outputs(&collection)
            .into_iter()
            .map(|o| o.path)
            .collect()
    }

    /// Every file below `dir`, relative, with its bytes.
    fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|entry| entry.expect("walk"))
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| {
                let relative = entry.path().strip_prefix(dir).expect("inside");
                let bytes = std::fs::read(entry.path()).expect("read");
                (relative_name(relative), bytes)
            })
            .collect()
    }

    /// `served` answers each output with the bytes, entity tag and date of a fresh build, and
    /// once the calendars served as parts are written whole ([`Builder::settle`]), serve's
    /// folder holds the files of a fresh build, byte for byte.
    fn assert_same_as_fresh(dir: &Path, builder: &mut Builder, served: &Served) {
        let fresh_dir = dir.with_file_name("fresh");
        let _ = std::fs::remove_dir_all(&fresh_dir);
        let (_, fresh) = full_build_into(dir, &fresh_dir);
        let expected = files(&fresh_dir);
        let paths = paths(dir);
        assert_eq!(served.outputs, paths.len());
        for path in paths {
            let (a, b) = (served.output(&path), fresh.output(&path));
            let (a, b) = (a.expect("served"), b.expect("fresh"));
            assert!(
                a.identity.body.to_bytes() == expected[&path][..],
                "{path} is served with other bytes than a fresh build's"
            );
            assert_eq!(a.identity.etag, b.identity.etag, "{path}");
            assert_eq!(a.last_modified, b.last_modified, "{path}");
        }
        builder.settle().expect("settled");
        let now = files(&dir.with_file_name("out"));
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "the same files"
        );
        for (path, bytes) in &expected {
            assert!(now[path] == *bytes, "{path} differs from a fresh build");
        }
    }

    /// The set rebuilt after `path` changed; the rebuild must succeed.
    fn rebuilt_after(builder: &mut Builder, path: &Path, served: &Served) -> Served {
        builder
            .rebuild(Some(&[path.to_path_buf()]), served)
            .expect("rebuilt")
            .served
    }

    fn edit(dir: &Path, relative: &str, from: &str, to: &str) -> PathBuf {
        let path = dir.join(relative);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains(from), "{from} in {relative}");
        std::fs::write(&path, text.replace(from, to)).expect("write");
        path
    }

    /// The edit most tests make: the tariff's title gains "Edited: ".
    fn edit_the_tariff_title(dir: &Path) -> PathBuf {
        edit(dir, TARIFF, "title = \"US 25", "title = \"Edited: US 25")
    }

    #[test]
    fn an_edit_renders_only_the_outputs_that_hold_the_event() {
        let tmp = sample();
        let (mut builder, before) = full_build(tmp.path());
        let path = edit_the_tariff_title(tmp.path());
        let rebuilt = builder.rebuild(Some(&[path]), &before).expect("rebuilt");
        assert!(rebuilt.incremental);
        // The collection's four documents, readable calendar name, front page and subscription
        // list, those of its two tags, its year, the page of every tag (its counts follow
        // every event) and the subscribe page (its tags' names do).
        assert_eq!(
            rebuilt.rendered,
            7 + 2 * 6 + 1 + 1 + 1,
            "of {}",
            rebuilt.outputs
        );
        for path in [
            "rss.xml",
            "calendar.ics",
            "us-mexico-security-cooperation-2025.ics",
            "tags/trade/us-mexico-security-cooperation-2025-trade.ics",
            "tags/trade/atom.xml",
            "years/2025/index.html",
        ] {
            let (old, new) = (before.output(path), rebuilt.served.output(path));
            assert!(!Arc::ptr_eq(old.expect("old"), new.expect("new")), "{path}");
        }
        for path in ["tags/extradition/rss.xml", "tags/extradition/index.html"] {
            let (old, new) = (before.output(path), rebuilt.served.output(path));
            assert!(
                Arc::ptr_eq(old.expect("old"), new.expect("new")),
                "{path} kept"
            );
        }
        assert_same_as_fresh(tmp.path(), &mut builder, &rebuilt.served);
    }

    /// A page written again after an edit takes the articles of the events that did not
    /// change from the page before, as that file has them: a change made to one in the file
    /// (of the same length, which the page's layout checks) shows in the page written again.
    #[test]
    fn an_edited_page_copies_the_unchanged_articles_from_the_page_before() {
        let tmp = sample();
        let (mut builder, before) = full_build(tmp.path());
        let page = tmp
            .path()
            .with_file_name("out")
            .join("years/2025/index.html");
        let text = std::fs::read_to_string(&page).expect("the year page");
        let (title, marked) = ("Rubio and Sheinbaum", "RUBIO AND SHEINBAUM");
        assert!(text.contains(title));
        std::fs::write(&page, text.replace(title, marked)).expect("written");
        let path = edit_the_tariff_title(tmp.path());
        let served = rebuilt_after(&mut builder, &path, &before);
        let body = served
            .output("years/2025/index.html")
            .expect("served")
            .identity
            .body
            .to_bytes();
        let body = String::from_utf8(body.to_vec()).expect("UTF-8");
        assert!(
            body.contains("Edited: US 25"),
            "the edited event is rendered"
        );
        assert!(body.contains(marked), "the others are copied");
        assert!(!body.contains(title));
    }

    /// An edited year page is served as parts: the edited article, and the text around it
    /// that changed, in memory; the rest read from the page before. A second edit patches
    /// those parts in turn, and the pages written whole once settled are a fresh build's.
    #[test]
    fn an_edited_page_is_served_as_parts_and_patched_again() {
        let tmp = sample();
        let (mut builder, mut served) = full_build(tmp.path());
        let page = "years/2025/index.html";
        for (from, to) in [
            ("title = \"US 25", "title = \"Edited: US 25"),
            ("title = \"Edited: US 25", "title = \"Edited again: US 25"),
        ] {
            let path = edit(tmp.path(), TARIFF, from, to);
            served = rebuilt_after(&mut builder, &path, &served);
            let resource = served.output(page).expect("served");
            let Payload::Parts(parts) = &resource.identity.body else {
                panic!("{page} is not patched: {:?}", resource.identity.body);
            };
            assert_eq!(parts.segments(), 3, "before, the article, after");
            assert!(
                parts.in_memory() * 4 < parts.len(),
                "{} of {} bytes in memory",
                parts.in_memory(),
                parts.len()
            );
        }
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    /// After an edit the feeds are made in memory and served from there: the folder keeps
    /// the files before, untouched, until the edits stop, then holds a fresh build's.
    #[test]
    fn an_edit_makes_the_feeds_in_memory_until_the_edits_stop() {
        let tmp = sample();
        let (mut builder, before) = full_build(tmp.path());
        let out = tmp.path().with_file_name("out");
        let folder_before = files(&out);
        let path = edit_the_tariff_title(tmp.path());
        let served = rebuilt_after(&mut builder, &path, &before);
        let rss = served.output("rss.xml").expect("served");
        assert!(
            matches!(&rss.identity.body, Payload::Parts(p) if p.in_memory() == p.len()),
            "{:?}",
            rss.identity.body
        );
        let body = rss.identity.body.to_bytes();
        assert!(body.windows(10).any(|w| w == b"Edited: US"));
        // Every output the edit changed is served from memory or parts: no file changed,
        // the manifest included.
        assert!(files(&out) == folder_before, "the folder is as it was");
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    /// A calendar patched into more parts than allowed is written whole at once, from its
    /// parts, and still equals a fresh build.
    #[test]
    fn a_calendar_patched_into_too_many_parts_is_written_whole() {
        let tmp = sample();
        let (mut builder, served) = full_build(tmp.path());
        builder.most_segments = 2;
        let path = edit_the_tariff_title(tmp.path());
        let served = rebuilt_after(&mut builder, &path, &served);
        let calendar = served.output("calendar.ics").expect("served");
        assert!(matches!(calendar.identity.body, Payload::File(_)));
        let file = std::fs::read(tmp.path().with_file_name("out").join("calendar.ics"));
        assert!(file.expect("read").windows(10).any(|w| w == b"Edited: US"));
        // The year page too: the edited article, the text before it and that after it.
        let page = served.output("years/2025/index.html").expect("served");
        assert!(matches!(page.identity.body, Payload::File(_)));
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    /// An edit patches the calendars holding the event: served as parts (the unchanged
    /// VEVENTs read from the file before, which stays as it was), written whole once settled.
    #[test]
    fn an_edited_calendar_is_served_as_parts_then_written_whole() {
        let tmp = sample();
        let (mut builder, before) = full_build(tmp.path());
        let out = tmp.path().with_file_name("out");
        let old_file = std::fs::read(out.join("calendar.ics")).expect("read");
        let path = edit_the_tariff_title(tmp.path());
        let rebuilt = builder.rebuild(Some(&[path]), &before).expect("rebuilt");
        for calendar in [
            "calendar.ics",
            "tags/trade/calendar.ics",
            "tags/tariffs/calendar.ics",
        ] {
            let resource = rebuilt.served.output(calendar).expect("served");
            let Payload::Parts(parts) = &resource.identity.body else {
                panic!("{calendar} is not patched: {:?}", resource.identity.body);
            };
            // The header, the edited VEVENT and the footer are new; the rest is the file's.
            assert!(parts.in_memory() < 8 * 1024, "{calendar}");
            assert_ne!(
                resource.identity.etag,
                before.output(calendar).unwrap().identity.etag
            );
        }
        // The readable name is the calendar itself.
        let readable = rebuilt
            .served
            .output("us-mexico-security-cooperation-2025.ics");
        let calendar = rebuilt.served.output("calendar.ics");
        assert!(Arc::ptr_eq(
            readable.expect("readable"),
            calendar.expect("calendar")
        ));
        let served = rebuilt
            .served
            .output("calendar.ics")
            .unwrap()
            .identity
            .body
            .to_bytes();
        assert!(served.windows(10).any(|w| w == b"Edited: US"));
        assert_eq!(std::fs::read(out.join("calendar.ics")).unwrap(), old_file);
        let replacements = builder.settle().expect("settled");
        let calendars = replacements
            .iter()
            .filter(|(old, _)| {
                old.content_type
                    .to_str()
                    .is_ok_and(|t| t.starts_with("text/calendar"))
            })
            .count();
        assert_eq!(calendars, 3, "the pages patched are written too");
        for (old, new) in &replacements {
            assert!(matches!(new.identity.body, Payload::File(_)));
            assert_eq!(old.identity.etag, new.identity.etag);
            assert!(old.identity.body.to_bytes() == new.identity.body.to_bytes());
        }
        assert!(std::fs::read(out.join("calendar.ics")).unwrap() == served);
        // Nothing is left to settle.
        assert!(builder.settle().expect("settled").is_empty());
        assert_same_as_fresh(tmp.path(), &mut builder, &rebuilt.served);
    }

    #[test]
    fn a_new_date_year_or_tag_moves_the_event_between_outputs() {
        let tmp = sample();
        let (mut builder, served) = full_build(tmp.path());
        let path = edit(
            tmp.path(),
            TARIFF,
            "tags = [\"tariffs\", \"trade\"]",
            "tags = [\"tariffs\", \"a-new-tag\"]",
        );
        let served = rebuilt_after(&mut builder, &path, &served);
        assert!(served.output("tags/a-new-tag/rss.xml").is_some());
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
        let path = edit(tmp.path(), TARIFF, "date = 2025-03-04", "date = 2024-12-30");
        let served = rebuilt_after(&mut builder, &path, &served);
        assert!(served.output("years/2024/index.html").is_some());
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
        // The events after its old place moved up one: what is kept of each must follow it
        // into the next rebuild, which moves no event.
        let path = edit(
            tmp.path(),
            "2025/01-20-trump-inauguration.md",
            "Donald Trump is inaugurated",
            "Trump is sworn in",
        );
        let served = rebuilt_after(&mut builder, &path, &served);
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    #[test]
    fn added_and_removed_files_and_a_broken_edit() {
        let tmp = sample();
        let (mut builder, served) = full_build(tmp.path());
        let added = tmp.path().join("2025/12-01-added.md");
        std::fs::write(
            &added,
            "+++\ntitle = \"Added\"\ndate = 2025-12-01\ntags = [\"added\"]\npublished = 2025-12-01T10:00:00Z\n+++\nNew.\n",
        )
        .expect("write");
        let served = rebuilt_after(&mut builder, &added, &served);
        assert!(served.output("tags/added/index.html").is_some());
        assert_same_as_fresh(tmp.path(), &mut builder, &served);

        // A broken edit: nothing is returned, and the set is kept by the caller.
        let broken = edit(tmp.path(), TARIFF, "date = 2025-03-04", "date = 2025-02-30");
        assert!(builder.rebuild(Some(&[broken]), &served).is_none());
        // Removing the added file meanwhile, then fixing the edit: both are picked up.
        std::fs::remove_file(&added).expect("remove");
        assert!(builder
            .rebuild(Some(std::slice::from_ref(&added)), &served)
            .is_none());
        let fixed = edit(tmp.path(), TARIFF, "date = 2025-02-30", "date = 2025-03-05");
        let served = rebuilt_after(&mut builder, &fixed, &served);
        assert!(served.output("tags/added/index.html").is_none());
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    /// A folder `extra` of two events, one with a tag nothing else has.
    fn add_extra_folder(dir: &Path) -> PathBuf {
        let extra = dir.join("extra");
        std::fs::create_dir_all(extra.join("deeper")).expect("folder");
        std::fs::write(
            extra.join("a.md"),
            "+++\ntitle = \"Extra A\"\ndate = 2025-06-01\ntags = [\"extra-only\"]\n+++\nA.\n",
        )
        .expect("write");
        std::fs::write(
            extra.join("deeper/b.md"),
            "+++\ntitle = \"Extra B\"\ndate = 2025-06-02\n+++\nB.\n",
        )
        .expect("write");
        extra
    }

    /// What the watcher reports when a folder is removed, moved away or renamed: the folder's
    /// own path (its files are not named, see `notify_debouncer_full`'s handling of removals).
    #[test]
    fn issue_8_a_removed_moved_or_hidden_folder_takes_its_events_along() {
        let tmp = sample();
        let elsewhere = tempfile::tempdir().expect("temporary directory");
        let extra = add_extra_folder(tmp.path());
        let (mut builder, served) = full_build(tmp.path());
        assert!(served.output("tags/extra-only/rss.xml").is_some());
        let hidden = tmp.path().join(".extra");
        let moves: [(&str, &dyn Fn() -> Vec<PathBuf>); 3] = [
            ("removed", &|| {
                std::fs::remove_dir_all(&extra).expect("remove");
                vec![extra.clone()]
            }),
            ("moved out", &|| {
                std::fs::rename(&extra, elsewhere.path().join("extra")).expect("move");
                std::fs::remove_dir_all(elsewhere.path().join("extra")).expect("clean");
                vec![extra.clone()]
            }),
            ("hidden", &|| {
                std::fs::rename(&extra, &hidden).expect("rename");
                vec![extra.clone(), hidden.clone()]
            }),
        ];
        let mut served = served;
        for (what, change) in moves {
            let changed = change();
            let rebuilt = builder.rebuild(Some(&changed), &served).expect("rebuilt");
            served = rebuilt.served;
            assert!(
                served.output("tags/extra-only/rss.xml").is_none(),
                "{what}: the folder's events are gone"
            );
            assert_same_as_fresh(tmp.path(), &mut builder, &served);
            // Back again, re-created (or renamed back): its events return.
            let _ = std::fs::remove_dir_all(&hidden);
            add_extra_folder(tmp.path());
            served = rebuilt_after(&mut builder, &extra, &served);
            assert!(served.output("tags/extra-only/rss.xml").is_some(), "{what}");
            assert_same_as_fresh(tmp.path(), &mut builder, &served);
        }
    }

    /// RFC 5005 §4: the newest archive page links `next-archive` only once a newer page exists,
    /// so a change in the number of pages re-renders it even when its entries stay.
    #[test]
    fn the_newest_archive_page_follows_the_number_of_pages() {
        let tmp = sample();
        // 11 events, 5 in the feeds: archive pages of 5 and 1 entries.
        edit(
            tmp.path(),
            "chronicle.toml",
            "feed_limit = 50",
            "feed_limit = 5",
        );
        let (mut builder, served) = full_build(tmp.path());
        assert!(served.output("archive/atom-2.xml").is_some());
        // The newest event goes: page 1 keeps its entries and is now the newest page.
        let newest = tmp.path().join("2025/09-03-trade-talks-washington.md");
        std::fs::remove_file(&newest).expect("remove");
        let served = rebuilt_after(&mut builder, &newest, &served);
        assert!(served.output("archive/atom-2.xml").is_none());
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    /// Sets `key = value` in the front matter of `relative` (replacing the line that sets it,
    /// or adding one after the title); `None` removes the line.
    fn set_field(dir: &Path, relative: &str, key: &str, value: Option<&str>) -> PathBuf {
        let path = dir.join(relative);
        let text = std::fs::read_to_string(&path).expect("read");
        let (front, body) = text[4..].split_once("+++\n").expect("front matter");
        let prefix = format!("{key} = ");
        let mut lines: Vec<String> = front.lines().map(String::from).collect();
        let at = lines.iter().position(|l| l.starts_with(&prefix));
        match (at, value) {
            (Some(at), Some(value)) => lines[at] = format!("{prefix}{value}"),
            (Some(at), None) => {
                lines.remove(at);
            }
            (None, Some(value)) => lines.insert(1, format!("{prefix}{value}")),
            (None, None) => {}
        }
        let text = format!("+++\n{}\n+++\n{body}", lines.join("\n"));
        std::fs::write(&path, text).expect("write");
        path
    }

    /// The sample's event with a correction, and the correction as written.
    const SECOND_TRANSFER: &str = "2025/08-12-second-cartel-transfer.md";
    const SAMPLE_CORRECTION: &str = "[[corrections]]\ndate = 2025-08-14T11:40:00-06:00\nnote = \"An earlier version of this entry counted Rafael Caro Quintero among the 26 people sent on 12 August. He was sent in the first transfer, on 27 February 2025, with 28 others.\"\n";

    /// Each field of an event changed in turn (and each change kept for the next), with archive
    /// pages in the build: after each rebuild, serve's folder equals a fresh build, so every
    /// output the plan left alone still holds the right bytes, and every index entry agrees.
    #[test]
    fn every_field_changed_in_turn_leaves_the_folder_equal_to_a_fresh_build() {
        let tmp = sample();
        edit(
            tmp.path(),
            "chronicle.toml",
            "feed_limit = 50",
            "feed_limit = 3",
        );
        let (mut builder, mut served) = full_build(tmp.path());
        let other = "2025/02-27-first-cartel-transfer.md";
        let changes: &[(&str, &str, Option<&str>)] = &[
            (TARIFF, "title", Some("\"Tariff & <more>\"")),
            (TARIFF, "date", Some("2025-03-06")),
            (TARIFF, "end", Some("2025-03-08")),
            (TARIFF, "timezone", Some("\"America/Mexico_City\"")),
            (TARIFF, "location", Some("\"Washington, D.C.\"")),
            (TARIFF, "tags", Some("[\"tariffs\", \"security\"]")),
            (TARIFF, "status", Some("\"tentative\"")),
            // Corrections: the log gains an event, then one of the same second as another's
            // (the log moves one a second), then a second correction of the first event.
            (
                TARIFF,
                "corrections",
                Some("[{ date = 2025-09-04T10:00:00-06:00, note = \"First *note*.\" }]"),
            ),
            (
                other,
                "corrections",
                Some("[{ date = 2025-09-04T10:00:00-06:00, note = \"Same second.\" }]"),
            ),
            (
                TARIFF,
                "corrections",
                Some("[{ date = 2025-09-04T10:00:00-06:00, note = \"First *note*.\" }, { date = 2025-09-05T10:00:00-06:00, note = \"Second.\" }]"),
            ),
            (TARIFF, "retraction", Some("\"It did not happen.\"")),
            // The sample's own correction goes, then the others: the log is no longer written.
            (SECOND_TRANSFER, "corrections", None),
            (other, "corrections", None),
            (TARIFF, "corrections", None),
            // The same instant as another event's: one of the two moves a second.
            (TARIFF, "updated", Some("2025-08-13T11:20:00-06:00")),
            (TARIFF, "published", Some("2025-08-01T10:00:00Z")),
            (TARIFF, "id", Some("\"tariff-renamed\"")),
            (TARIFF, "publisher", Some("\"Another publisher\"")),
            (TARIFF, "draft", Some("true")),
            (TARIFF, "draft", None),
            (TARIFF, "date", Some("2024-12-30")),
            (TARIFF, "end", None),
            (TARIFF, "tags", None),
            (other, "updated", None),
            (TARIFF, "published", None),
        ];
        for &(relative, key, value) in changes {
            let path = if key == "retraction" {
                // With its status, or the event would have an error.
                edit(
                    tmp.path(),
                    relative,
                    "status = \"tentative\"",
                    &format!(
                        "status = \"retracted\"\nretraction = {}",
                        value.expect("a value")
                    ),
                )
            } else if relative == SECOND_TRANSFER {
                edit(tmp.path(), relative, SAMPLE_CORRECTION, "")
            } else if key == "publisher" {
                edit(
                    tmp.path(),
                    relative,
                    "publisher = \"Mexico News Daily\"",
                    &format!("publisher = {}", value.expect("a value")),
                )
            } else {
                set_field(tmp.path(), relative, key, value)
            };
            let rebuilt = builder
                .rebuild(Some(&[path]), &served)
                .unwrap_or_else(|| panic!("rebuilt after {key} = {value:?}"));
            assert!(rebuilt.incremental, "{key}");
            served = rebuilt.served;
            assert_same_as_fresh(tmp.path(), &mut builder, &served);
        }
        // And the body.
        let path = edit(tmp.path(), TARIFF, "A 25% tariff", "A *25%* tariff");
        served = rebuilt_after(&mut builder, &path, &served);
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    /// A first correction dated before the event's `updated` leaves the event's `updated` as
    /// it was, but puts the event in the corrections log: the list of outputs is made again.
    #[test]
    fn a_first_correction_older_than_the_update_changes_the_outputs() {
        let tmp = sample();
        let path = set_field(tmp.path(), TARIFF, "updated", Some("2025-12-01T00:00:00Z"));
        let (mut builder, served) = full_build(tmp.path());
        let text = std::fs::read_to_string(&path).expect("read");
        let (front, body) = text[4..].split_once("+++\n").expect("front matter");
        let corrected = format!("+++\n{front}{SAMPLE_CORRECTION}+++\n{body}");
        std::fs::write(&path, corrected).expect("write");
        let served = rebuilt_after(&mut builder, &path, &served);
        assert_same_as_fresh(tmp.path(), &mut builder, &served);
    }

    /// `serve --out` into a folder `build` wrote: the record of published ids stays the
    /// build's, untouched, through the first build and a rebuild.
    #[test]
    fn the_record_of_a_build_in_the_folder_is_kept() {
        let tmp = sample();
        let out = tmp.path().with_file_name("out");
        std::fs::create_dir_all(&out).expect("folder");
        let record = crate::published::RECORD;
        std::fs::write(out.join(record), "the build's record").expect("record");
        std::fs::write(out.join(crate::write::MANIFEST), format!("{record}\n")).expect("manifest");
        let (mut builder, served) = full_build(tmp.path());
        let path = edit_the_tariff_title(tmp.path());
        rebuilt_after(&mut builder, &path, &served);
        assert_eq!(
            std::fs::read_to_string(out.join(record)).expect("kept"),
            "the build's record"
        );
    }

    #[test]
    fn the_settings_or_unnamed_changes_rebuild_everything() {
        let tmp = sample();
        let (mut builder, served) = full_build(tmp.path());
        let settings = edit(
            tmp.path(),
            SETTINGS_FILE,
            "title = \"",
            "title = \"Renamed ",
        );
        let rebuilt = builder
            .rebuild(Some(&[settings]), &served)
            .expect("rebuilt");
        assert!(!rebuilt.incremental);
        assert_eq!(rebuilt.rendered, rebuilt.outputs);
        // Written afresh, every one: none patched from the build before, none in memory.
        for path in paths(tmp.path()) {
            let body = &rebuilt.served.output(&path).expect("served").identity.body;
            assert!(matches!(body, Payload::File(_)), "{path}: {body:?}");
        }
        assert_same_as_fresh(tmp.path(), &mut builder, &rebuilt.served);
        // The calendars' readable names follow the title; the old ones are gone, from the
        // folder and from what is served.
        let out = tmp.path().with_file_name("out");
        for (old, new, calendar) in [
            (
                "us-mexico-security-cooperation-2025.ics",
                "renamed-us-mexico-security-cooperation-2025.ics",
                "calendar.ics",
            ),
            (
                "tags/trade/us-mexico-security-cooperation-2025-trade.ics",
                "tags/trade/renamed-us-mexico-security-cooperation-2025-trade.ics",
                "tags/trade/calendar.ics",
            ),
        ] {
            assert!(!out.join(old).exists(), "{old} removed");
            assert!(rebuilt.served.output(old).is_none(), "{old} not served");
            assert!(out.join(new).is_file(), "{new} written");
            let served = |path| &rebuilt.served.output(path).expect("served").identity.etag;
            assert_eq!(served(new), served(calendar), "{new}");
        }
        let rebuilt = builder.rebuild(None, &rebuilt.served).expect("rebuilt");
        assert!(!rebuilt.incremental);
        // Nothing changed: the bytes are the same, so the entity tags are too.
        assert_same_as_fresh(tmp.path(), &mut builder, &rebuilt.served);
    }
}
