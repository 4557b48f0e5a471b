//! Serve stage, live rebuild: file-system changes in the collection -> a new [`Served`] set.
//!
//! In: the collection folder, watched recursively with `notify` and debounced, so an editor's
//! burst of writes (temporary file, rename, metadata) costs one rebuild. Out: a rebuilt set
//! swapped into [`State`], or, when the edit breaks `check`, the diagnostics on stderr and the
//! last good set left in place. Must not stop the server: every failure here is logged.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use tokio::sync::mpsc;

use super::state::{Served, State};
use crate::check::check_collection;

/// Long enough to gather an editor's save (write, rename, chmod) into one batch, short enough
/// that an edit shows up at once.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// A running watch on the collection folder; dropping it stops the watch.
pub struct Watch {
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    changes: mpsc::UnboundedReceiver<DebounceEventResult>,
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
            _debouncer: debouncer,
            changes,
        })
    }
}

/// How to rebuild the set: the same inputs the first build had.
#[derive(Debug, Clone)]
pub struct Rebuild {
    /// The collection folder.
    pub events: PathBuf,
    /// Where links point, ending with `/`.
    pub link_base: String,
    /// `SOURCE_DATE_EPOCH`, if set when the server started.
    pub source_date_epoch: Option<i64>,
    /// Log failures only.
    pub quiet: bool,
}

impl Rebuild {
    /// Checks and builds the collection; `None` (with the reasons on stderr) when it has an
    /// error or cannot be read.
    pub fn run(&self) -> Option<Served> {
        let started = Instant::now();
        let keeping = "still serving the last good build";
        let checked = match check_collection(&self.events) {
            Ok(checked) => checked,
            Err(err) => {
                eprintln!(
                    "cannot read the collection in {}: {err}; {keeping}",
                    self.events.display()
                );
                return None;
            }
        };
        for diagnostic in &checked.diagnostics {
            if diagnostic.is_error() || !self.quiet {
                eprintln!("{diagnostic}");
            }
        }
        let Some(collection) = checked.collection else {
            let errors = checked.error_count();
            let plural = if errors == 1 { "" } else { "s" };
            eprintln!("{errors} error{plural} in the collection; {keeping}");
            return None;
        };
        match Served::build(&collection, &self.link_base, self.source_date_epoch) {
            Ok(served) => {
                if !self.quiet {
                    eprintln!(
                        "rebuilt {} events into {} files in {:.0?}",
                        served.events,
                        served.outputs,
                        started.elapsed()
                    );
                }
                Some(served)
            }
            Err(err) => {
                eprintln!("cannot render the outputs: {err}; {keeping}");
                None
            }
        }
    }
}

/// Rebuilds after each batch of relevant changes until the watch ends.
pub async fn rebuild_on_change(mut watch: Watch, state: Arc<State>, rebuild: Rebuild) {
    while let Some(first) = watch.changes.recv().await {
        let mut relevant = is_relevant(first);
        // Changes that arrived while the last rebuild ran are handled by this one.
        while let Ok(more) = watch.changes.try_recv() {
            relevant |= is_relevant(more);
        }
        if !relevant {
            continue;
        }
        let rebuild = rebuild.clone();
        match tokio::task::spawn_blocking(move || rebuild.run()).await {
            Ok(Some(served)) => state.swap(served),
            Ok(None) => {}
            Err(err) => eprintln!("the rebuild failed: {err}; still serving the last good build"),
        }
    }
}

/// Whether a batch may change the build: a change (not a read: the rebuild's own reads are
/// reported too) to anything in the collection but an editor's swap, backup or temporary file.
/// Event files, the settings and whatever else the collection holds (page templates, say) all
/// count, so nothing the build reads is missed.
fn is_relevant(batch: DebounceEventResult) -> bool {
    match batch {
        Ok(events) => events.iter().any(|event| {
            !matches!(event.kind, EventKind::Access(_))
                && event.paths.iter().any(|path| affects_build(path))
        }),
        Err(errors) => {
            for err in errors {
                eprintln!("watching the collection: {err}");
            }
            // Something may have changed unseen; a rebuild is cheap and safe.
            true
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
}
