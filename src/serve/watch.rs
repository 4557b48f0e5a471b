//! Serve stage, live rebuild: file-system changes in the collection -> a new [`Served`](super::state::Served) set.
//!
//! In: the collection folder, watched recursively with `notify` and debounced, so an editor's
//! burst of writes (temporary file, rename, metadata) costs one rebuild, of the changed files
//! only ([`Builder`]). Out: a rebuilt set swapped into [`State`] and compressed after, into the
//! state's [`Store`](super::store::Store) (once per distinct body, in the background), or, when
//! the edit breaks `check`, the diagnostics on stderr and the last good set left in place; and,
//! with `websub_hub` set, pings to the hub for the feeds the rebuild changed, sent in the
//! background after the swap ([`crate::websub`]). Must not stop the server: every failure here
//! is logged.
//!
//! A watch is on folders (inotify's are on their inodes): when the collection folder itself is
//! removed or renamed, nothing below its path is watched any more, even once a folder of that
//! name is back. The watch then waits for the folder to be there again, watches it anew and
//! reads the whole collection again.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use notify::event::ModifyKind;
use notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use tokio::sync::mpsc;

use rayon::prelude::*;

use super::live::Live;
use super::rebuild::{spellings, Builder};
use super::state::{Resource, State};
use crate::websub::{self, Pings};

/// Long enough to gather an editor's save (write, rename, chmod: a few milliseconds) into one
/// batch, short enough that an edit is served within the time a rebuild takes. A save that
/// spans longer costs a second rebuild, and a file caught half-written is read again when its
/// writer finishes (and a half-written file that fails the check keeps the last good set).
const DEBOUNCE: Duration = Duration::from_millis(20);

/// While the collection folder is gone, how often to look whether it is back.
const LOOK_FOR_THE_FOLDER: Duration = Duration::from_millis(200);

/// A running watch on the collection folder; dropping it stops the watch.
pub struct Watch {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    changes: mpsc::UnboundedReceiver<DebounceEventResult>,
    /// The collection folder as given, and its spellings in the watcher's events.
    dir: PathBuf,
    spellings: Vec<PathBuf>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").finish_non_exhaustive()
    }
}

impl Watch {
    /// Starts watching `dir` and everything below it.
    pub fn start(dir: &Path) -> Result<Watch, notify::Error> {
        let (sender, changes) = mpsc::unbounded_channel();
        let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
            // The receiver is gone only when the server is stopping.
            let _ = sender.send(result);
        })?;
        debouncer.watch(dir, RecursiveMode::Recursive)?;
        Ok(Watch {
            debouncer,
            changes,
            dir: dir.to_path_buf(),
            spellings: spellings(dir),
        })
    }

    /// After the collection folder was removed or renamed: drops the watch on what was there,
    /// waits until a folder is at its path again and watches that.
    async fn watch_again(&mut self) {
        // Gone already when the folder was removed (the watcher drops a removed folder's watch).
        let _ = self.debouncer.unwatch(&self.dir);
        let mut reported = false;
        loop {
            if self.dir.is_dir() {
                match self.debouncer.watch(&self.dir, RecursiveMode::Recursive) {
                    Ok(()) => return,
                    // Removed again meanwhile, or unreadable: look again later.
                    Err(err) if !reported => {
                        eprintln!("cannot watch {}: {err}; trying again", self.dir.display());
                        reported = true;
                    }
                    Err(_) => {}
                }
            }
            tokio::time::sleep(LOOK_FOR_THE_FOLDER).await;
        }
    }
}

/// Rebuilds after each batch of relevant changes until the watch ends; a rebuilt set is served
/// at once (in identity), and its compressed variants join it when they are made.
pub async fn rebuild_on_change(
    mut watch: Watch,
    state: Arc<State>,
    builder: Builder,
    quiet: bool,
    live: Option<Arc<Live>>,
) {
    let builder = Arc::new(Mutex::new(builder));
    // Background compression waits while the collection is being edited (see `Editing`).
    let rebuilding = Arc::new(Editing::default());
    // One compression at a time, in order: each takes what the current set still lacks.
    let compressing = Arc::new(tokio::sync::Mutex::new(()));
    // The first set may hold large files left for later (see `cmd::serve`).
    tokio::spawn(compress_in_background(
        Arc::clone(&state),
        Arc::clone(&compressing),
        Arc::clone(&rebuilding),
    ));
    while let Some(first) = watch.changes.recv().await {
        let mut changes = Changes::default();
        changes.add(first, &watch.spellings);
        // Changes that arrived while the last rebuild ran are handled by this one.
        while let Ok(more) = watch.changes.try_recv() {
            changes.add(more, &watch.spellings);
        }
        if changes.folder_gone || !watch.dir.is_dir() {
            let dir = watch.dir.display().to_string();
            eprintln!(
                "the collection folder {dir} was removed or renamed; still serving the last good build until it is back"
            );
            watch.watch_again().await;
            eprintln!("the collection folder {dir} is back: reading the whole collection again");
            // What was reported meanwhile is read with everything else.
            while watch.changes.try_recv().is_ok() {}
            changes.relevant = true;
            changes.unknown = true;
        }
        if !changes.relevant {
            continue;
        }
        let paths = (!changes.unknown).then_some(changes.paths);
        let rebuilder = Arc::clone(&builder);
        let current = state.load_full();
        rebuilding.start();
        let rebuilt = tokio::task::spawn_blocking(move || {
            let mut builder = rebuilder.lock().unwrap_or_else(PoisonError::into_inner);
            let rebuilt = builder.rebuild(paths.as_deref(), &current);
            (rebuilt, builder.take_problems())
        })
        .await
        .map(|(rebuilt, problems)| {
            if let (None, Some(live)) = (&rebuilt, &live) {
                if !problems.is_empty() {
                    live.broken(problems);
                }
            }
            rebuilt
        });
        if !matches!(rebuilt, Ok(Some(_))) {
            rebuilding.end();
        }
        match rebuilt {
            Ok(Some(rebuilt)) => {
                let swapped = Instant::now();
                state.swap(rebuilt.served);
                if let Err(err) = state.remove_unheld_variants() {
                    eprintln!("{err}");
                }
                rebuilding.end();
                if let Some(live) = &live {
                    live.built();
                }
                if !quiet {
                    eprintln!(
                        "rebuilt {} events in {:.1?} ({}): {} of {} files rendered again, served after {:.1?}",
                        rebuilt.events,
                        rebuilt.took,
                        if rebuilt.incremental { "changed files only" } else { "every file" },
                        rebuilt.rendered,
                        rebuilt.outputs,
                        rebuilt.took + swapped.elapsed(),
                    );
                }
                if let Some(pings) = rebuilt.pings {
                    ping_in_background(pings, quiet);
                }
                tokio::spawn(settle_then_compress(
                    Arc::clone(&state),
                    Arc::clone(&builder),
                    Arc::clone(&compressing),
                    Arc::clone(&rebuilding),
                ));
            }
            Ok(None) => {}
            Err(err) => eprintln!(
                "the rebuild failed: {}; still serving the last good build",
                crate::terminal::escape(&err.to_string())
            ),
        }
    }
}

/// Tells the WebSub hub which feeds the rebuild changed, on a thread of its own once the new
/// set is served: neither the swap, nor any request, nor the next rebuild waits for the hub
/// (each ping gives up after [`websub::PING_TIMEOUT`]). What the hub answered goes to stderr.
fn ping_in_background(pings: Pings, quiet: bool) {
    tokio::task::spawn_blocking(move || {
        let report = websub::send(&pings, websub::PING_TIMEOUT);
        for line in report.lines(&pings.hub, quiet) {
            eprintln!("{line}");
        }
    });
}

/// Once the edits stop (see [`Editing`]), writes the calendars served as parts whole into the
/// folder and serves them from their files (see [`Builder::settle`]), then compresses what the
/// set lacks. Writing a large calendar whole takes a second: done after each edit, it would
/// hold the next one up.
async fn settle_then_compress(
    state: Arc<State>,
    builder: Arc<Mutex<Builder>>,
    compressing: Arc<tokio::sync::Mutex<()>>,
    rebuilding: Arc<Editing>,
) {
    {
        let _turn = Arc::clone(&compressing).lock_owned().await;
        while rebuilding.is_editing() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let settling = Arc::clone(&state);
        let settled = tokio::task::spawn_blocking(move || {
            let mut builder = builder.lock().unwrap_or_else(PoisonError::into_inner);
            builder
                .settle()
                .map(|replacements| settling.upgrade(&replacements))
        })
        .await;
        match settled {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => eprintln!(
                "cannot write the edited calendars whole: {}; serving them as they are",
                crate::terminal::escape(&err.to_string())
            ),
            Err(err) => eprintln!("writing the edited calendars whole failed: {err}"),
        }
    }
    compress_in_background(state, compressing, rebuilding).await;
}

/// Makes the compressed variants the current set lacks and adds them to it (see
/// [`State::upgrade`]); the rebuilt resources are served in identity until then.
/// While the collection is being edited (see [`Editing`]), it waits between the parts of a
/// body, so a large calendar being compressed does not slow the next rebuild down.
pub async fn compress_in_background(
    state: Arc<State>,
    compressing: Arc<tokio::sync::Mutex<()>>,
    rebuilding: Arc<Editing>,
) {
    let _turn = compressing.lock_owned().await;
    let mut todo = state.load().uncompressed();
    if todo.is_empty() {
        return;
    }
    // Smallest first: the feeds readers poll are small, the calendars large.
    todo.sort_by_key(|resource| resource.identity.body.len());
    // One file after the other, outside rayon's pool: the next rebuild must not queue behind
    // a large calendar being compressed.
    let done = tokio::task::spawn_blocking(move || {
        let pause = || {
            while rebuilding.is_editing() {
                std::thread::sleep(Duration::from_millis(2));
            }
        };
        for resource in todo {
            match state.store().compress(&resource, &pause) {
                Ok(compressed) => {
                    state.upgrade(&[(resource, Arc::new(compressed))]);
                }
                // Replaced by a newer build meanwhile: that build's set has its own resource.
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    eprintln!("cannot compress a rebuilt file: {err}; serving it uncompressed");
                }
            }
        }
        // Variants finished for a set swapped out meanwhile join no set.
        if let Err(err) = state.remove_unheld_variants() {
            eprintln!("{err}");
        }
        super::memory::give_back_this_threads_freed_memory();
    })
    .await;
    if let Err(err) = done {
        eprintln!("compressing the rebuilt files failed: {err}");
    }
}

/// Whether the collection is being edited: a rebuild is running, or one ended less than
/// [`Editing::QUIET`] ago. Background compression waits meanwhile: compressing a large calendar
/// beside a rebuild (even pausing while it runs) was seen to double the rebuild's time, and
/// someone editing wants each change served at once more than compressed; the rebuilt files
/// are compressed once the edits stop.
#[derive(Debug, Default)]
pub struct Editing {
    rebuilding: AtomicBool,
    last_ended: Mutex<Option<Instant>>,
}

impl Editing {
    /// How long after a rebuild compression stays paused.
    pub const QUIET: Duration = Duration::from_secs(5);

    fn start(&self) {
        self.rebuilding.store(true, Ordering::Relaxed);
    }

    fn end(&self) {
        *self
            .last_ended
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        self.rebuilding.store(false, Ordering::Relaxed);
    }

    fn is_editing(&self) -> bool {
        self.rebuilding.load(Ordering::Relaxed)
            || self
                .last_ended
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some_and(|ended| ended.elapsed() < Editing::QUIET)
    }
}

/// Compresses `todo` (in parallel, on rayon's pool) into the state's store and adds the
/// variants to the current set.
pub fn compress(state: &State, todo: &[Arc<Resource>]) {
    let replacements: Vec<(Arc<Resource>, Arc<Resource>)> = todo
        .par_iter()
        .filter_map(|resource| match state.store().compress(resource, &|| {}) {
            Ok(compressed) => Some((Arc::clone(resource), Arc::new(compressed))),
            Err(err) => {
                eprintln!("cannot compress a rebuilt file: {err}; serving it uncompressed");
                None
            }
        })
        .collect();
    state.upgrade(&replacements);
}

/// What a run of debounced batches says.
#[derive(Debug, Default)]
struct Changes {
    /// Whether any change may affect the build.
    relevant: bool,
    /// The changed paths that may.
    paths: Vec<PathBuf>,
    /// Whether the watcher reported errors: something may have changed unseen.
    unknown: bool,
    /// Whether the collection folder itself was removed or renamed (or replaced: a rename
    /// over it names it too).
    folder_gone: bool,
}

impl Changes {
    /// A change (not a read: the rebuild's own reads are reported too) to anything in the
    /// collection but an editor's swap, backup or temporary file. Event files, the settings and
    /// whatever else the collection holds (page templates, say) all count, so nothing the build
    /// reads is missed.
    /// `folder`: the collection folder's spellings.
    fn add(&mut self, batch: DebounceEventResult, folder: &[PathBuf]) {
        match batch {
            Ok(events) => {
                for event in events {
                    if matches!(event.kind, EventKind::Access(_)) {
                        continue;
                    }
                    if matches!(
                        event.kind,
                        EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
                    ) && event.paths.iter().any(|path| folder.contains(path))
                    {
                        self.folder_gone = true;
                    }
                    for path in &event.paths {
                        if affects_build(path) {
                            self.relevant = true;
                            if !self.paths.contains(path) {
                                self.paths.push(path.clone());
                            }
                        }
                    }
                }
            }
            Err(errors) => {
                for err in errors {
                    eprintln!(
                        "watching the collection: {}",
                        crate::terminal::escape(&err.to_string())
                    );
                }
                // A full rebuild is safe.
                self.relevant = true;
                self.unknown = true;
            }
        }
    }
}

fn affects_build(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return true;
    };
    let editor_artefact = name.starts_with('.')
        || name.ends_with('~')
        || name.starts_with('#')
        || [".swp", ".swx", ".tmp"]
            .iter()
            .any(|ext| name.ends_with(ext));
    !editor_artefact
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_paths_trigger_a_rebuild() {
        for (path, expected) in [
            ("events/2025/a.md", true),
            ("events/chronicle.toml", true),
            ("events/2025", true),
            ("events/2025/.a.md.swp", false),
            ("events/2025/a.md~", false),
            ("events/2025/4913", true),
            ("events/templates/page.html", true),
            ("events/2025/#a.md#", false),
            ("events/2025/a.md.tmp", false),
        ] {
            assert_eq!(affects_build(Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn issue_8_the_collection_folder_removed_or_renamed_is_seen() {
        use notify::event::{CreateKind, RemoveKind, RenameMode};
        use notify_debouncer_full::DebouncedEvent;
        let spellings = [PathBuf::from("events"), PathBuf::from("/srv/events")];
        let batch = |kind: EventKind, paths: &[&str]| {
            let mut event = notify::Event::new(kind);
            for path in paths {
                event = event.add_path(PathBuf::from(path));
            }
            let mut changes = Changes::default();
            changes.add(
                Ok(vec![DebouncedEvent::new(event, Instant::now())]),
                &spellings,
            );
            changes.folder_gone
        };
        let rename = |mode| EventKind::Modify(ModifyKind::Name(mode));
        for (kind, paths, expected) in [
            (
                EventKind::Remove(RemoveKind::Folder),
                &["/srv/events"][..],
                true,
            ),
            (
                EventKind::Remove(RemoveKind::Any),
                &["/srv/events/"][..],
                true,
            ),
            (rename(RenameMode::From), &["/srv/events"][..], true),
            (
                rename(RenameMode::Both),
                &["/srv/events", "/srv/old"][..],
                true,
            ),
            (
                rename(RenameMode::Both),
                &["/srv/new", "/srv/events"][..],
                true,
            ),
            (
                EventKind::Remove(RemoveKind::Folder),
                &["/srv/events/2025"][..],
                false,
            ),
            (rename(RenameMode::From), &["/srv/events/2025"][..], false),
            (
                EventKind::Create(CreateKind::Folder),
                &["/srv/events"][..],
                false,
            ),
        ] {
            assert_eq!(batch(kind, paths), expected, "{kind:?} {paths:?}");
        }
    }

    #[test]
    fn compression_waits_while_and_just_after_a_rebuild() {
        let editing = Editing::default();
        assert!(!editing.is_editing(), "no rebuild yet");
        editing.start();
        assert!(editing.is_editing(), "rebuilding");
        editing.end();
        assert!(editing.is_editing(), "within the quiet period");
        *editing.last_ended.lock().unwrap() = Instant::now().checked_sub(Editing::QUIET);
        assert!(!editing.is_editing(), "the quiet period is over");
    }
}
