//! Serve stage, incremental rebuild: the changed files of the collection -> a new [`Served`]
//! set that re-renders only the outputs whose content can have changed.
//!
//! In: the paths a file-system watcher reported, the set being served. Out: the new set (its
//! rebuilt resources in identity only: compressing them is left to the caller, after the swap),
//! or, when the collection has an error, the diagnostics on stderr and nothing.
//!
//! What is kept between rebuilds, and why it is safe:
//! - the checked event files ([`CheckedFiles`]): only the files the watcher named are read and
//!   checked again;
//! - the last good [`Collection`], updated in place: the events of the changed files are taken
//!   out and their new versions put in at their place in the order;
//! - per event file (keyed by its relative path): its HTML, its VEVENT and a version number that
//!   changes whenever the file is read again. An event depends only on its file and the
//!   settings, and its HTML and VEVENT on the event, the link base and the settings, so a
//!   change to the settings or the templates (or anything the watcher cannot pin down) clears
//!   everything and rebuilds in full;
//! - per event version: its articles on the timeline pages ([`Articles`]), dropped with the
//!   version;
//! - per output: a signature listing everything it is rendered from (its view, the versions of
//!   the events it shows, their feed `updated`, the view's date, the navigation for a page).
//!   An output whose signature is unchanged keeps the resource already served.
//!
//! Must not touch the served state itself, nor read the clock for anything but the log line.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::state::{body_hash, digest, parts_hash, Payload, Resource, Served};
use crate::check::{self, Checked, CheckedFiles};
use crate::diag::Diagnostic;
use crate::load::SETTINGS_FILE;
use crate::model::{Collection, Event};
use crate::render::article::{ArticleMemo, Articles};
use crate::render::{self, archive, html, ical, EventHtml, Format, Output, Page, Placement, Site};

/// One event's rendered parts, kept while its file is unchanged.
#[derive(Debug)]
struct CachedEvent {
    /// Changes each time the file is read again; outputs list it in their signatures.
    version: u64,
    html: EventHtml,
    /// The event's VEVENT, as every calendar holding it writes it.
    vevent: Bytes,
    /// A digest of `vevent`, for the calendars' entity tags.
    digest: [u8; 16],
}

/// What one rebuild did.
#[derive(Debug)]
pub struct Rebuilt {
    pub served: Served,
    /// Outputs in the set, and how many of them were rendered this time.
    pub outputs: usize,
    pub rendered: usize,
    pub events: usize,
    /// Whether only the changed files were read again.
    pub incremental: bool,
    pub took: Duration,
}

/// Builds the served set, and rebuilds it after changes reusing what did not change.
#[derive(Debug)]
pub struct Builder {
    /// The collection folder as given, and as the watcher may name it.
    events: PathBuf,
    spellings: Vec<PathBuf>,
    link_base: String,
    source_date_epoch: Option<i64>,
    quiet: bool,
    files: Option<CheckedFiles>,
    /// The last good collection, from which the served set was built.
    collection: Option<Collection>,
    /// Event files changed since `collection` was last brought up to date (relative paths).
    pending: FxHashSet<String>,
    /// Set when the last full check failed: until one succeeds, every rebuild is full.
    needs_full: bool,
    /// Each event's kept parts, in the order of `collection`'s events (`None`: to be rendered).
    /// By position rather than by path: after an edit that moves no event, every event keeps
    /// its position, and a look-up by path for each of 100,000 events cost more than the rest of
    /// the bookkeeping together (a hash and a string compare each, out of cache).
    cache: Vec<Option<CachedEvent>>,
    /// The events' articles on the timeline pages, by event version (see [`Articles`]).
    articles: Arc<Articles>,
    signatures: FxHashMap<String, Vec<u64>>,
    /// What the last build derived from the place of its events, and its outputs: kept for a
    /// rebuild after edits that moved no event (see [`Event::placement`]).
    placement: Option<(Placement, Arc<Vec<Output>>)>,
    next_version: u64,
}

impl Builder {
    /// A builder for the collection in `events`, its links under `link_base`.
    pub fn new(
        events: &Path,
        link_base: &str,
        source_date_epoch: Option<i64>,
        quiet: bool,
    ) -> Builder {
        Builder {
            events: events.to_path_buf(),
            spellings: spellings(events),
            link_base: render::with_trailing_slash(link_base),
            source_date_epoch,
            quiet,
            files: None,
            collection: None,
            pending: FxHashSet::default(),
            needs_full: true,
            cache: Vec::new(),
            articles: Arc::default(),
            signatures: FxHashMap::default(),
            placement: None,
            next_version: 0,
        }
    }

    /// Sets where links point and the pinned "now" (before the first [`Builder::build`]).
    pub fn set_link_base(&mut self, link_base: &str, source_date_epoch: Option<i64>) {
        self.link_base = render::with_trailing_slash(link_base);
        self.source_date_epoch = source_date_epoch;
        self.cache.clear();
        self.articles.clear();
        self.signatures.clear();
        self.placement = None;
    }

    /// Checks the whole collection (reusing the checks of files unchanged since the last one,
    /// by path, size and modification time). The collection, if valid, is to be passed to
    /// [`Builder::build`].
    pub fn check_all(&mut self) -> io::Result<Checked> {
        let dir = &self.events;
        let mut diagnostics = Vec::new();
        let settings = check::read_settings(dir, &mut diagnostics)?;
        let zone = settings.as_ref().map_or(chrono_tz::Tz::UTC, |s| s.timezone);
        let files = check::check_files(dir, zone, self.files.take())?;
        let (file_diagnostics, count) = check::file_diagnostics(dir, &files, None);
        diagnostics.extend(file_diagnostics);
        let templates = check::check_templates(dir, &mut diagnostics);
        let events = || events_of(&files).cloned().collect();
        let collection =
            check::valid_collection(dir, settings, events, templates, &mut diagnostics);
        self.files = Some(files);
        self.needs_full = collection.is_none();
        Ok(Checked {
            collection,
            diagnostics,
            files: count,
        })
    }

    /// Renders every output of `collection` (from [`Builder::check_all`]) afresh.
    pub fn build(&mut self, collection: Collection) -> io::Result<Rebuilt> {
        self.cache.clear();
        self.articles.clear();
        self.signatures.clear();
        self.placement = None;
        self.pending.clear();
        self.render(collection, None, Rendering::Full)
    }

    /// Rebuilds after the watcher reported `changed` (`None`: changes it could not name), on
    /// top of `current`. `None` (with the reasons on stderr) when the collection cannot be read
    /// or has an error: the last good set stays.
    pub fn rebuild(&mut self, changed: Option<&[PathBuf]>, current: &Served) -> Option<Rebuilt> {
        let keeping = "still serving the last good build";
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
                eprintln!(
                    "cannot rebuild from {}: {}; {keeping}",
                    crate::terminal::escape_path(&self.events),
                    crate::terminal::escape(&err.to_string())
                );
                // Start over at the next change.
                self.needs_full = true;
                None
            }
        }
    }

    fn rebuild_all(&mut self, current: &Served) -> io::Result<Option<Rebuilt>> {
        let started = Instant::now();
        let checked = self.check_all()?;
        for diagnostic in &checked.diagnostics {
            if diagnostic.is_error() || !self.quiet {
                eprintln!("{diagnostic}");
            }
        }
        let Some(collection) = checked.collection else {
            report_errors(checked.error_count());
            return Ok(None);
        };
        self.cache.clear();
        self.articles.clear();
        self.signatures.clear();
        self.placement = None;
        self.pending.clear();
        let mut rebuilt = self.render(collection, Some(current), Rendering::Full)?;
        rebuilt.took = started.elapsed();
        Ok(Some(rebuilt))
    }

    /// Only the changed files are read again; `Err(Full)` when that cannot be done.
    fn rebuild_changed(
        &mut self,
        changed: &[PathBuf],
        current: &Served,
    ) -> Result<io::Result<Option<Rebuilt>>, Full> {
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
        let files = match check::recheck_changed(&self.events, zone, files, &paths) {
            Ok(Ok(files)) => files,
            Ok(Err(rescan)) => {
                if !self.quiet {
                    eprintln!("{rescan}: reading the whole collection again");
                }
                return Err(Full);
            }
            Err(err) => return Ok(Err(err)),
        };
        self.pending
            .extend(relatives.into_iter().filter(|r| r.ends_with(".md")));
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
            eprintln!("{diagnostic}");
        }
        if errors > 0 {
            self.files = Some(files);
            report_errors(errors);
            return Ok(Ok(None));
        }
        let Some(mut collection) = self.collection.take() else {
            return Err(Full);
        };
        let rendering = if moves_no_event(&collection, &self.events, &files, &self.pending) {
            Rendering::Unmoved
        } else {
            Rendering::Changed
        };
        // Where each kept part was, when events may move.
        let paths_before: Option<Vec<String>> = (rendering != Rendering::Unmoved)
            .then(|| collection.events.iter().map(|e| e.path.clone()).collect());
        update_events(&mut collection, &self.events, &files, &self.pending);
        self.files = Some(files);
        if rendering != Rendering::Unmoved {
            let mut moved_too_far = Vec::new();
            check::check_unique_updated(&self.events, &collection.events, &mut moved_too_far);
            if !moved_too_far.is_empty() {
                for diagnostic in &moved_too_far {
                    eprintln!("{diagnostic}");
                }
                report_errors(moved_too_far.len());
                // The collection is left behind: the next change checks everything again.
                self.needs_full = true;
                return Ok(Ok(None));
            }
        }
        let invalid = std::mem::take(&mut self.pending);
        let kept = std::mem::take(&mut self.cache);
        self.cache = self.realign(kept, paths_before, &collection, &invalid);
        let result = self
            .render(collection, Some(current), rendering)
            .map(|mut rebuilt| {
                rebuilt.took = started.elapsed();
                Some(rebuilt)
            });
        Ok(result)
    }

    /// The kept parts (`kept`, in the order of the events before, whose paths were
    /// `paths_before`, or `None` when no event moved) in the order of `collection`'s events,
    /// without those of the `invalid` files, which are read again.
    fn realign(
        &self,
        mut kept: Vec<Option<CachedEvent>>,
        paths_before: Option<Vec<String>>,
        collection: &Collection,
        invalid: &FxHashSet<String>,
    ) -> Vec<Option<CachedEvent>> {
        let forget = |part: Option<CachedEvent>| {
            if let Some(gone) = part {
                self.articles.forget(gone.version);
            }
        };
        match paths_before {
            // Every event where it was: only the re-read ones change.
            None if kept.len() == collection.events.len() => {
                // A few paths (no event moved): compared with each event's, most differ in
                // length, which costs less than hashing every path.
                let invalid: Vec<&String> = invalid.iter().collect();
                for (event, part) in collection.events.iter().zip(&mut kept) {
                    if invalid.contains(&&event.path) {
                        forget(part.take());
                    }
                }
                kept
            }
            None => Vec::new(),
            Some(paths) => {
                let mut by_path: FxHashMap<String, CachedEvent> = FxHashMap::default();
                for (path, part) in paths.into_iter().zip(kept) {
                    if invalid.contains(&path) {
                        forget(part);
                    } else if let Some(part) = part {
                        by_path.insert(path, part);
                    }
                }
                let aligned = collection
                    .events
                    .iter()
                    .map(|e| by_path.remove(&e.path))
                    .collect();
                // Parts of events no longer in the collection.
                by_path.into_values().for_each(|part| forget(Some(part)));
                aligned
            }
        }
    }

    /// A path the watcher reported, relative to the collection folder.
    fn relative(&self, path: &Path) -> Option<PathBuf> {
        self.spellings
            .iter()
            .find_map(|dir| path.strip_prefix(dir).ok())
            .map(Path::to_path_buf)
    }

    /// Renders the outputs of `collection` whose signature changed, reusing the cached event
    /// parts and, from `current`, the resources of the others.
    fn render(
        &mut self,
        collection: Collection,
        current: Option<&Served>,
        rendering: Rendering,
    ) -> io::Result<Rebuilt> {
        let incremental = rendering != Rendering::Full;
        let kept = match rendering {
            Rendering::Unmoved => self.placement.take(),
            _ => None,
        };
        self.placement = None;
        let unmoved = kept.is_some();
        let (placement, outputs) = match kept {
            Some((placement, outputs)) => (Some(placement), outputs),
            None => (None, Arc::new(render::outputs(&collection))),
        };
        let started = Instant::now();
        // Each event's kept parts, if its file did not change.
        if self.cache.len() != collection.events.len() {
            self.cache.clear();
            self.cache.resize_with(collection.events.len(), || None);
        }
        let cached: Vec<Option<&CachedEvent>> = self.cache.iter().map(Option::as_ref).collect();
        let html: Vec<EventHtml> = collection
            .events
            .par_iter()
            .zip(&cached)
            .map(|(event, cached)| match cached {
                Some(cached) => cached.html.clone(),
                None => EventHtml::render(event, &self.link_base),
            })
            .collect();
        let mut site = Site::with_html(
            &collection,
            &self.link_base,
            self.source_date_epoch,
            html,
            placement,
        );
        // The events whose files were read again (or not rendered before).
        let missing: Vec<usize> = (0..cached.len()).filter(|&i| cached[i].is_none()).collect();
        let mut next_version = self.next_version;
        let fresh = missing
            .par_iter()
            .map(|&index| {
                let vevent = ical::event_bytes(&site, index)?;
                let html = site.held_html(index).clone();
                Ok(CachedEvent {
                    version: 0,
                    html,
                    digest: digest(&vevent),
                    vevent: Bytes::from(vevent),
                })
            })
            .collect::<io::Result<Vec<_>>>()?;
        let mut fresh: Vec<(usize, CachedEvent)> = missing.into_iter().zip(fresh).collect();
        for (_, event) in &mut fresh {
            next_version += 1;
            event.version = next_version;
        }
        let mut parts = cached;
        for (index, event) in &fresh {
            parts[*index] = Some(event);
        }
        let parts: Vec<&CachedEvent> = parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| p.ok_or_else(|| io::Error::other(format!("event {i} was not rendered"))))
            .collect::<io::Result<_>>()?;
        let versions: Vec<u64> = parts.iter().map(|p| p.version).collect();
        site.article_memo = Some(ArticleMemo {
            articles: Arc::clone(&self.articles),
            versions: Arc::new(versions.clone()),
        });
        let navigation = Navigation::of(&site);
        // With no event moved, only the outputs holding a re-read event can have changed: the
        // others keep their signatures and resources (their views, dates and navigation are
        // those of the build before). Otherwise every signature is computed and compared.
        let reread: Vec<usize> = fresh.iter().map(|(index, _)| *index).collect();
        let only_holders_of: Option<&[usize]> =
            (unmoved && reread.len() <= MAX_REREAD_SCANNED).then_some(&reread);
        let previous = &mut self.signatures;
        let unchanged: Vec<Option<Vec<u64>>> = outputs
            .iter()
            .map(|output| match only_holders_of {
                Some(reread) if !reread.iter().any(|i| output.view.events.contains(i)) => {
                    previous.remove(&output.path)
                }
                _ => None,
            })
            .collect();
        let previous = std::mem::take(&mut self.signatures);
        let signatures: Vec<(Vec<u64>, bool)> = outputs
            .par_iter()
            .zip(unchanged)
            .map(|(output, unchanged)| match unchanged {
                Some(signature) => (signature, true),
                None => {
                    let signature = signature(&site, output, &versions, &navigation);
                    let same = previous.get(&output.path) == Some(&signature);
                    (signature, same)
                }
            })
            .collect();
        drop(previous);
        let kept: Vec<Option<Arc<Resource>>> = outputs
            .iter()
            .zip(&signatures)
            .map(|(output, (_, same))| {
                same.then(|| current.and_then(|c| c.output(&output.path)).cloned())
                    .flatten()
            })
            .collect();
        let resources = outputs
            .par_iter()
            .zip(kept)
            .map(|(output, kept)| match kept {
                Some(resource) => Ok((output.path.clone(), resource, false)),
                None => {
                    // The size it had: its new bytes go into one buffer of about that size
                    // instead of one doubled (and copied) a dozen times.
                    let size_before = current
                        .and_then(|c| c.output(&output.path))
                        .map_or(0, |r| r.identity.body.len());
                    let resource = render_output(&site, output, &parts, size_before)?;
                    Ok((output.path.clone(), Arc::new(resource), true))
                }
            })
            .collect::<io::Result<Vec<_>>>()?;
        let rendered = resources.iter().filter(|(_, _, fresh)| *fresh).count();
        let events = collection.events.len();
        let served = Served::new(resources.into_iter().map(|(p, r, _)| (p, r)), events);
        drop(parts);
        self.next_version = next_version;
        for (index, event) in fresh {
            self.cache[index] = Some(event);
        }
        self.signatures = outputs
            .iter()
            .map(|o| o.path.clone())
            .zip(signatures.into_iter().map(|(signature, _)| signature))
            .collect();
        self.placement = Some((site.placement(), Arc::clone(&outputs)));
        drop(site);
        self.collection = Some(collection);
        Ok(Rebuilt {
            served,
            outputs: outputs.len(),
            rendered,
            events,
            incremental,
            took: started.elapsed(),
        })
    }
}

/// How much of the build before a render can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rendering {
    /// Nothing: every output is rendered.
    Full,
    /// The changed files' events moved (or came or went): every signature is compared.
    Changed,
    /// The changed files' events keep their places (see [`Event::placement`]).
    Unmoved,
}

/// Above this many re-read events, finding the outputs that hold them costs more than
/// comparing every output's signature.
const MAX_REREAD_SCANNED: usize = 16;

/// Whether the events of the `changed` files (relative paths) sit where they sat in
/// `collection`, as read again in `files`: no event came, went or moved (see
/// [`Event::placement`]).
fn moves_no_event(
    collection: &Collection,
    collection_dir: &Path,
    files: &CheckedFiles,
    changed: &FxHashSet<String>,
) -> bool {
    if changed.len() > MAX_REREAD_SCANNED {
        return false;
    }
    changed.iter().all(|relative| {
        let before = collection.events.iter().find(|e| &e.path == relative);
        let path = collection_dir.join(relative);
        let after = files
            .loaded
            .files
            .binary_search_by(|f| f.path.cmp(&path))
            .ok()
            .and_then(|at| files.loaded.files[at].value.as_ref().ok())
            .and_then(|c| c.event.as_deref())
            .filter(|e| !e.draft);
        match (before, after) {
            (Some(before), Some(after)) => before.placement() == after.placement(),
            (None, None) => true,
            _ => false,
        }
    })
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

/// The rebuild cannot use the watcher's paths alone.
struct Full;

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

fn events_of(files: &CheckedFiles) -> impl Iterator<Item = &Event> {
    files
        .loaded
        .files
        .iter()
        .filter_map(|f| f.value.as_ref().ok().and_then(|c| c.event.as_deref()))
}

/// Takes the events of the `changed` files out of `collection` and puts in their new versions
/// from `files` (drafts left out), each at its place in the collection's order (start, id).
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
            file.value.as_ref().ok().and_then(|c| c.event.as_deref())
        })
        .filter(|e| !e.draft);
    for event in fresh {
        let key = (event.start(), &event.id);
        let at = events.partition_point(|e| (e.start(), &e.id) < key);
        events.insert(at, event.clone());
    }
}

/// What the timeline pages show besides their events, hashed once per build.
struct Navigation {
    /// Everything: the front page lists the tags too.
    all: u64,
    /// The years alone, which every page lists.
    years: u64,
}

impl Navigation {
    fn of(site: &Site) -> Navigation {
        let mut all = DefaultHasher::new();
        site.navigation.hash(&mut all);
        let mut years = DefaultHasher::new();
        site.navigation.years.hash(&mut years);
        Navigation {
            all: all.finish(),
            years: years.finish(),
        }
    }
}

fn secs(at: DateTime<Utc>) -> u64 {
    // Only compared for equality: the bit pattern will do.
    at.timestamp() as u64
}

/// Everything `output` is rendered from besides the link base, the settings and the templates
/// (a change to any of which rebuilds everything): equal signatures, equal bytes.
fn signature(site: &Site, output: &Output, versions: &[u64], navigation: &Navigation) -> Vec<u64> {
    let view = &output.view;
    let mut head = DefaultHasher::new();
    format!("{:?}", output.format).hash(&mut head);
    view.title.hash(&mut head);
    view.description.hash(&mut head);
    view.home_path.hash(&mut head);
    let mut signature = vec![
        head.finish(),
        secs(site.view_updated(view)),
        view.events.len() as u64,
    ];
    let with_updated = |signature: &mut Vec<u64>, entries: &[usize]| {
        for &i in entries {
            signature.push(versions[i]);
            signature.push(secs(site.entry_updated[i]));
        }
    };
    match output.format {
        // The whole collection's feeds also depend on the number of archive pages, which
        // depends on the number of events: in the head already.
        Format::Rss | Format::Atom | Format::JsonFeed => {
            with_updated(&mut signature, &site.feed_entries(view));
        }
        // An archive page links the page after it only once that page exists.
        Format::RssArchive(page) | Format::AtomArchive(page) => {
            signature.push(u64::from(archive::next_page(site, page).is_some()));
            with_updated(&mut signature, &view.events);
        }
        // A VEVENT does not use the feed `updated`.
        Format::Ical => signature.extend(view.events.iter().map(|&i| versions[i])),
        Format::Html(page) => {
            signature.push(match page {
                Page::Front => navigation.all,
                Page::Year(_) | Page::Tag => navigation.years,
            });
            let shown = html::shown_events(view, page);
            signature.extend(shown.iter().map(|&i| versions[i]));
        }
    }
    signature
}

/// Renders one output; a calendar is put together from its events' kept VEVENTs.
fn render_output(
    site: &Site,
    output: &Output,
    parts: &[&CachedEvent],
    size_hint: usize,
) -> io::Result<Resource> {
    let view = &output.view;
    let (body, hash) = if output.format == Format::Ical {
        let header = Bytes::from(ical::header_bytes(site, view)?);
        let footer = Bytes::from(ical::footer_bytes()?);
        let (header_digest, footer_digest) = (digest(&header), digest(&footer));
        let digests = std::iter::once(&header_digest[..])
            .chain(view.events.iter().map(|&i| &parts[i].digest[..]))
            .chain(std::iter::once(&footer_digest[..]));
        let hash = parts_hash(digests);
        let mut chunks = Vec::with_capacity(view.events.len() + 2);
        chunks.push(header);
        chunks.extend(view.events.iter().map(|&i| parts[i].vevent.clone()));
        chunks.push(footer);
        (Payload::parts(chunks), hash)
    } else {
        let mut body = Vec::with_capacity(size_hint + size_hint / 16);
        render::render(site, output, &mut body)?;
        let hash = body_hash(&body);
        (Payload::Whole(Bytes::from(body)), hash)
    };
    Ok(Resource::identity(
        output.format,
        body,
        &hash,
        site.view_updated(view),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARIFF: &str = "2025/03-04-fentanyl-tariff.md";
    const BASE: &str = "https://example.org/t/";

    /// A copy of the sample collection.
    fn sample() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.expect("walk the sample");
            let to = tmp
                .path()
                .join(entry.path().strip_prefix(&from).expect("inside"));
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("folder");
            } else {
                std::fs::copy(entry.path(), &to).expect("copy");
            }
        }
        tmp
    }

    fn full_build(dir: &Path) -> (Builder, Served) {
        let mut builder = Builder::new(dir, BASE, None, true);
        let collection = builder
            .check_all()
            .expect("readable")
            .collection
            .expect("valid");
        let served = builder.build(collection).expect("built").served;
        (builder, served)
    }

    fn paths(dir: &Path) -> Vec<String> {
        let checked = check::check_collection(dir).expect("readable");
        let collection = checked.collection.expect("valid");
        render::outputs(&collection)
            .into_iter()
            .map(|o| o.path)
            .collect()
    }

    /// Every output of `served` has the bytes and entity tag of a fresh full build.
    fn assert_same_as_fresh(dir: &Path, served: &Served) {
        let (_, fresh) = full_build(dir);
        let paths = paths(dir);
        assert_eq!(served.outputs, paths.len());
        for path in paths {
            let (a, b) = (served.output(&path), fresh.output(&path));
            let (a, b) = (a.expect("served"), b.expect("fresh"));
            assert!(
                a.identity.body.to_bytes() == b.identity.body.to_bytes(),
                "{path} differs from a fresh build"
            );
            assert_eq!(a.identity.etag, b.identity.etag, "{path}");
            assert_eq!(a.last_modified, b.last_modified, "{path}");
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

    #[test]
    fn an_edit_renders_only_the_outputs_that_hold_the_event() {
        let tmp = sample();
        let (mut builder, before) = full_build(tmp.path());
        let path = edit(
            tmp.path(),
            TARIFF,
            "title = \"US 25",
            "title = \"Edited: US 25",
        );
        let rebuilt = builder.rebuild(Some(&[path]), &before).expect("rebuilt");
        assert!(rebuilt.incremental);
        // The collection's four documents and front page, those of its two tags, its year.
        assert_eq!(rebuilt.rendered, 5 + 2 * 5 + 1, "of {}", rebuilt.outputs);
        for path in [
            "rss.xml",
            "calendar.ics",
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
        assert_same_as_fresh(tmp.path(), &rebuilt.served);
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
        assert_same_as_fresh(tmp.path(), &served);
        let path = edit(tmp.path(), TARIFF, "date = 2025-03-04", "date = 2024-12-30");
        let served = rebuilt_after(&mut builder, &path, &served);
        assert!(served.output("years/2024/index.html").is_some());
        assert_same_as_fresh(tmp.path(), &served);
        // The events after its old place moved up one: what is kept of each must follow it
        // into the next rebuild, which moves no event.
        let path = edit(
            tmp.path(),
            "2025/01-20-trump-inauguration.md",
            "Donald Trump is inaugurated",
            "Trump is sworn in",
        );
        let served = rebuilt_after(&mut builder, &path, &served);
        assert_same_as_fresh(tmp.path(), &served);
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
        assert_same_as_fresh(tmp.path(), &served);

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
        assert_same_as_fresh(tmp.path(), &served);
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
            assert_same_as_fresh(tmp.path(), &served);
            // Back again, re-created (or renamed back): its events return.
            let _ = std::fs::remove_dir_all(&hidden);
            add_extra_folder(tmp.path());
            served = rebuilt_after(&mut builder, &extra, &served);
            assert!(served.output("tags/extra-only/rss.xml").is_some(), "{what}");
            assert_same_as_fresh(tmp.path(), &served);
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
        assert_same_as_fresh(tmp.path(), &served);
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
        assert_same_as_fresh(tmp.path(), &rebuilt.served);
        let rebuilt = builder.rebuild(None, &rebuilt.served).expect("rebuilt");
        assert!(!rebuilt.incremental);
        // Nothing changed: the bytes are the same, so the entity tags are too.
        assert_same_as_fresh(tmp.path(), &rebuilt.served);
    }
}
