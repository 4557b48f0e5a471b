//! Load stage: walks `events/**/*.md`, reads each file (size limit, UTF-8, BOM), refuses paths
//! that resolve outside the collection, and hands each file's text to a parser, in parallel.
//!
//! Each file's text lives only while its parser runs, so a large collection is never held in
//! memory twice (text and parsed events). A previous load can be passed back in: files whose
//! path, size and modification time are unchanged keep their parsed value and are not read
//! again (what `serve` needs to rebuild a large collection after one edit).
//!
//! It reports what it cannot read as diagnostics and never stops at the first one.

pub mod front_matter;
pub mod normalize;
pub mod source;
pub mod templates;
pub mod toml_words;

use std::cell::Cell;
use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

pub use self::front_matter::{ParsedFile, RawCorrection, RawEvent, RawSource};
pub use self::source::SourceFile;
use crate::diag::{Code, Diagnostic, Severity};

/// Event files larger than this are refused: an event is a page of text, not an archive.
pub const MAX_EVENT_FILE_BYTES: u64 = 1024 * 1024;

/// The settings file inside the collection directory.
pub const SETTINGS_FILE: &str = "chronicle.toml";

/// Why a collection folder cannot be used at all: an operational error, reported the same
/// way by every command.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("no collection folder at {} (give its path with --events DIR)", .0.display())]
    Missing(PathBuf),
    #[error(
        "{} is not a folder (give the collection folder's path with --events DIR)",
        .0.display()
    )]
    NotAFolder(PathBuf),
    #[error("cannot read the collection folder {}", .0.display())]
    Unreadable(PathBuf, #[source] std::io::Error),
}

impl From<FolderError> for std::io::Error {
    fn from(err: FolderError) -> Self {
        let kind = match &err {
            FolderError::Missing(_) => std::io::ErrorKind::NotFound,
            FolderError::NotAFolder(_) => std::io::ErrorKind::NotADirectory,
            FolderError::Unreadable(_, source) => source.kind(),
        };
        std::io::Error::new(kind, err)
    }
}

/// Says whether `dir` is a folder chronicle can read a collection from.
pub fn require_folder(dir: &Path) -> Result<(), FolderError> {
    match fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(FolderError::NotAFolder(dir.to_path_buf())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Err(FolderError::Missing(dir.to_path_buf()))
        }
        Err(err) => Err(FolderError::Unreadable(dir.to_path_buf(), err)),
    }
}

/// Every event file of a collection that could be read, and what could not.
#[derive(Debug, Default)]
pub struct LoadedFiles {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads every `*.md` file below `dir` (sorted by relative path), skipping hidden entries, and
/// keeps their text.
pub fn load_event_files(dir: &Path) -> std::io::Result<LoadedFiles> {
    let loaded = load_with(dir, None, SourceFile::clone)?;
    let mut diagnostics = loaded.diagnostics;
    let mut files = Vec::with_capacity(loaded.files.len());
    for file in loaded.files {
        match file.value {
            Ok(source) => files.push(source),
            Err(diag) => diagnostics.push(diag),
        }
    }
    Ok(LoadedFiles { files, diagnostics })
}

/// What tells a file's content apart between two loads without reading it: its size and its
/// modification time (with the path, the key of [`Loaded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    /// `None` where the file system keeps no modification time: such files are always re-read.
    pub modified: Option<SystemTime>,
}

impl FileStamp {
    fn of(metadata: &fs::Metadata) -> FileStamp {
        FileStamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }

    fn matches(&self, other: &FileStamp) -> bool {
        self.modified.is_some() && self == other
    }
}

/// One event file and what its parser made of it.
#[derive(Debug)]
pub struct LoadedFile<T> {
    /// The path as shown to the user: the collection directory joined with the relative path.
    pub path: PathBuf,
    /// The path relative to the collection directory, with `/` separators.
    pub relative: String,
    /// The file's size and modification time when it was read; `None` if it could not be read.
    pub stamp: Option<FileStamp>,
    /// The parser's value, or why the file could not be read.
    pub value: Result<T, Diagnostic>,
}

/// Every event file of a collection, sorted by relative path, each with its parsed value.
#[derive(Debug)]
pub struct Loaded<T> {
    pub files: Vec<LoadedFile<T>>,
    /// Problems walking the directory (unreadable folders).
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were read and parsed this time (the rest were reused).
    pub parsed: usize,
}

/// Reads every `*.md` file below `dir` (sorted by relative path, hidden entries skipped) and
/// turns each into a `T` with `parse`, in parallel; the file's text is dropped right after.
///
/// With `previous`, a file whose path, size and modification time are those it had then keeps
/// its previous value without being read (values are moved, not copied). `parse` must then be
/// the same function it was, with the same inputs (settings); otherwise pass `None`.
pub fn load_with<T, F>(
    dir: &Path,
    previous: Option<Loaded<T>>,
    parse: F,
) -> std::io::Result<Loaded<T>>
where
    T: Send,
    F: Fn(&SourceFile) -> T + Sync,
{
    let root = dir.canonicalize()?;
    let (paths, diagnostics) = event_paths(dir);
    let mut reusable: HashMap<PathBuf, LoadedFile<T>> = previous
        .map(|p| {
            p.files
                .into_iter()
                .filter(|f| f.stamp.is_some() && f.value.is_ok())
                .map(|f| (f.path.clone(), f))
                .collect()
        })
        .unwrap_or_default();
    // Pair each path with what the previous load made of it (moved out of the map), so the
    // parallel pass below needs no shared state.
    // (Boxed: a fresh load has no previous values, and its list stays a few words an entry.)
    let work: Vec<(EventPath, Option<Box<LoadedFile<T>>>)> = paths
        .into_iter()
        .map(|p| {
            let old = reusable.remove(&p.path).map(Box::new);
            (p, old)
        })
        .collect();
    drop(reusable);
    let files: Vec<(LoadedFile<T>, bool)> = work
        .into_par_iter()
        .map(|(event_path, old)| load_one(dir, &root, event_path, old, &parse))
        .collect();
    let parsed = files.iter().filter(|(_, fresh)| *fresh).count();
    Ok(Loaded {
        files: files.into_iter().map(|(f, _)| f).collect(),
        diagnostics,
        parsed,
    })
}

/// Like [`load_with`], when a file-system watcher has said which paths were created, modified
/// or removed: the previous listing is kept and only the `changed` paths are looked at, so the
/// other files are neither walked nor examined. A changed path that is a folder, or that is
/// gone and had files below it (a folder removed, moved away or renamed: the watcher names the
/// folder, not its files), cannot be handled this way: [`Rescan::Folder`] is returned, and the
/// caller should call [`load_with`].
pub fn reload_changed<T, F>(
    dir: &Path,
    previous: Loaded<T>,
    changed: &[PathBuf],
    parse: F,
) -> std::io::Result<Result<Loaded<T>, Rescan>>
where
    T: Send,
    F: Fn(&SourceFile) -> T + Sync,
{
    let root = dir.canonicalize()?;
    let mut fresh = Vec::new();
    for path in changed {
        let Ok(relative) = path.strip_prefix(dir) else {
            continue;
        };
        if relative.components().any(|c| is_hidden(c.as_os_str())) {
            continue;
        }
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => return Ok(Err(Rescan::Folder(path.clone()))),
            Ok(metadata) if metadata.is_file() && is_event_file(path) => fresh.push(path.clone()),
            _ if holds_listed_files(&previous.files, path) => {
                return Ok(Err(Rescan::Folder(path.clone())));
            }
            _ => {}
        }
    }
    let mut files = previous.files;
    for path in changed {
        if let Ok(at) = files.binary_search_by(|f| f.path.as_path().cmp(path)) {
            files.remove(at);
        }
    }
    let reread: Vec<(LoadedFile<T>, bool)> = fresh
        .into_par_iter()
        .map(|path| {
            // A changed path may be a new link: have its real place checked.
            let event_path = EventPath {
                path,
                via_link: true,
            };
            load_one(dir, &root, event_path, None, &parse)
        })
        .collect();
    let parsed = reread.iter().filter(|(_, fresh)| *fresh).count();
    // The previous files are in walk order, which is path order (paths compare component by
    // component); each new one goes in its place, without sorting them all again.
    for (file, _) in reread {
        match files.binary_search_by(|f| f.path.cmp(&file.path)) {
            Ok(at) => files[at] = file,
            Err(at) => files.insert(at, file),
        }
    }
    Ok(Ok(Loaded {
        files,
        diagnostics: previous.diagnostics,
        parsed,
    }))
}

/// Why the paths a watcher named cannot bring a listing up to date: every file is to be
/// listed (and, if changed, read) again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rescan {
    /// A folder came, went, moved or was renamed.
    Folder(PathBuf),
    /// The settings' time zone changed, which every event's times depend on.
    Zone,
}

impl std::fmt::Display for Rescan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rescan::Folder(path) => {
                write!(
                    f,
                    "{}: a folder was added, removed, renamed or changed",
                    path.display()
                )
            }
            Rescan::Zone => f.write_str("the time zone changed"),
        }
    }
}

/// Whether `files` (in path order) lists a file below `path`, which is then a folder that is
/// gone or is no longer one.
fn holds_listed_files<T>(files: &[LoadedFile<T>], path: &Path) -> bool {
    // Paths compare component by component, so the files below `path` follow it directly.
    let after = files.partition_point(|f| f.path.as_path() <= path);
    files
        .get(after)
        .is_some_and(|f| f.path.starts_with(path) && f.path != path)
}

/// A file found by the walk; `via_link` when it or a folder above it (below the collection
/// directory) is a symbolic link, so its real place must be checked.
struct EventPath {
    path: PathBuf,
    via_link: bool,
}

/// Walks the collection (following links) in path order.
fn event_paths(dir: &Path) -> (Vec<EventPath>, Vec<Diagnostic>) {
    let mut paths = Vec::new();
    let mut diagnostics = Vec::new();
    // via_link of the folder at each depth of the current walk position.
    let mut linked: Vec<bool> = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    for entry in walker {
        match entry {
            Ok(entry) => {
                let depth = entry.depth();
                let via_link = depth > 0
                    && (entry.path_is_symlink() || linked.get(depth - 1).copied().unwrap_or(true));
                if entry.file_type().is_dir() {
                    linked.truncate(depth);
                    linked.push(via_link);
                } else if entry.file_type().is_file() && is_event_file(entry.path()) {
                    paths.push(EventPath {
                        path: entry.into_path(),
                        via_link,
                    });
                }
            }
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
                if let Some(target) = dangling_link(&path) {
                    // A link that leads nowhere is only an event file's problem if it names one.
                    if is_event_file(&path) {
                        let message = format!(
                            "cannot read file: it is a symbolic link to {}, which does not exist",
                            target.display()
                        );
                        diagnostics.push(file_level(
                            path,
                            Severity::Error,
                            Code::UnreadableFile,
                            message,
                        ));
                    }
                    continue;
                }
                diagnostics.push(file_level(
                    path,
                    Severity::Error,
                    Code::UnreadableFile,
                    err.to_string(),
                ));
            }
        }
    }
    (paths, diagnostics)
}

/// Where `path` points, if it is a symbolic link whose target does not exist.
fn dangling_link(path: &Path) -> Option<PathBuf> {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let leads_nowhere =
        matches!(fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    (is_link && leads_nowhere).then(|| fs::read_link(path).unwrap_or_default())
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

fn is_event_file(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "md")
}

/// The id an event file's name gives its event when its front matter names none: the name
/// without `.md` (`2025/03-04-tariff.md` -> `03-04-tariff`).
pub fn id_from_file_name(relative: &str) -> String {
    Path::new(relative)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The id an event file gives its event, as written and unchecked: its `id`, else
/// [`id_from_file_name`]. What a new or imported event's id must not clash with, even in a
/// file `check` would refuse.
pub fn written_id(file: &SourceFile) -> String {
    front_matter::parse_event_file(file)
        .ok()
        .and_then(|parsed| parsed.raw.id.map(toml::Spanned::into_inner))
        .unwrap_or_else(|| id_from_file_name(&file.relative))
}

/// A diagnostic about a whole file, pointing at 1:1.
pub fn file_level(
    path: PathBuf,
    severity: Severity,
    code: Code,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic::at_position(path, (1, 1), severity, code, message)
}

/// Loads one file, or reuses `old` when its stamp is unchanged; says whether it parsed.
fn load_one<T>(
    dir: &Path,
    root: &Path,
    event_path: EventPath,
    old: Option<Box<LoadedFile<T>>>,
    parse: &(impl Fn(&SourceFile) -> T + Sync),
) -> (LoadedFile<T>, bool) {
    let path = event_path.path;
    let relative = path
        .strip_prefix(dir)
        .unwrap_or(&path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let error =
        |message: String| file_level(path.clone(), Severity::Error, Code::UnreadableFile, message);
    let stamp = match fs::metadata(&path) {
        Ok(metadata) => FileStamp::of(&metadata),
        Err(err) => {
            let value = Err(error(format!("cannot read file: {err}")));
            return (
                LoadedFile {
                    path,
                    relative,
                    stamp: None,
                    value,
                },
                false,
            );
        }
    };
    if let Some(old) = old {
        if old.stamp.is_some_and(|s| s.matches(&stamp)) {
            return (*old, false);
        }
    }
    let (path, relative, value) = match read_event_file(root, event_path.via_link, &path, stamp.len)
    {
        Ok(text) => {
            let file = SourceFile::new(path, relative, text);
            let value = parse(&file);
            READ_BUFFER.set(file.text.into_bytes());
            (file.path, file.relative, Ok(value))
        }
        Err(diagnostic) => (path, relative, Err(diagnostic)),
    };
    let fresh = value.is_ok();
    let stamp = Some(stamp).filter(|_| fresh);
    (
        LoadedFile {
            path,
            relative,
            stamp,
            value,
        },
        fresh,
    )
}

thread_local! {
    /// The buffer each loading thread reads its files into, handed back after each file is
    /// parsed: the text of a file is needed only while it is parsed, and reading every file
    /// into a buffer of its own would leave the memory between the values kept from the
    /// files in small pieces the allocator cannot hand back or reuse for larger values.
    static READ_BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Reads one event file's text (into the thread's [`READ_BUFFER`]). Only a path that went through a symbolic link is resolved
/// (`canonicalize` costs a system call per path component): any other path is the collection
/// directory joined with plain names from the walk, so it cannot lead outside.
fn read_event_file(
    root: &Path,
    via_link: bool,
    path: &Path,
    len: u64,
) -> Result<String, Diagnostic> {
    let error = |message: String| {
        file_level(
            path.to_path_buf(),
            Severity::Error,
            Code::UnreadableFile,
            message,
        )
    };
    if via_link {
        refuse_outside(root, path)?;
    }
    if len > MAX_EVENT_FILE_BYTES {
        return Err(error(format!(
            "file is {len} bytes, over the limit of {MAX_EVENT_FILE_BYTES} bytes (1 MiB) for an event file"
        )));
    }
    let mut bytes = READ_BUFFER.take();
    bytes.clear();
    bytes.reserve(usize::try_from(len).unwrap_or(0) + 1);
    fs::File::open(path)
        // The file may have grown since it was measured: read no more than the limit allows.
        .and_then(|file| file.take(MAX_EVENT_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|err| error(format!("cannot read file: {err}")))?;
    if bytes.len() as u64 > MAX_EVENT_FILE_BYTES {
        return Err(error(format!(
            "file is over the limit of {MAX_EVENT_FILE_BYTES} bytes (1 MiB) for an event file"
        )));
    }
    decode(path, bytes)
}

/// Refuses a file whose path resolves (through symbolic links) outside the collection, whose
/// folder resolves to `root`: what it holds would be published.
fn refuse_outside(root: &Path, path: &Path) -> Result<(), Diagnostic> {
    let error = |message: String| {
        file_level(
            path.to_path_buf(),
            Severity::Error,
            Code::UnreadableFile,
            message,
        )
    };
    let real = path
        .canonicalize()
        .map_err(|err| error(format!("cannot resolve path: {err}")))?;
    if !real.starts_with(root) {
        return Err(error(format!(
            "path resolves outside the collection (to {})",
            real.display()
        )));
    }
    Ok(())
}

/// UTF-8 only; a leading BOM is dropped. Invalid bytes are reported at their position.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.as_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let shown = SourceFile::new(path.to_path_buf(), String::new(), prefix);
            Err(shown.error(
                valid,
                Code::UnreadableFile,
                format!(
                    "file is not valid UTF-8 (byte 0x{:02x} at offset {valid})",
                    bytes[valid]
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().expect("a parent")).expect("folder created");
        fs::write(path, text).expect("file written");
    }

    #[test]
    fn a_reload_reads_only_the_files_that_changed() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path();
        for name in ["a.md", "b.md", "2025/c.md", "2025/d.md"] {
            write(&dir.join(name), name);
        }
        let calls = AtomicUsize::new(0);
        // Each value remembers which parse call made it, to tell reused values from new ones.
        let parse = |file: &SourceFile| (file.text.clone(), calls.fetch_add(1, Ordering::SeqCst));
        let first = load_with(dir, None, parse).expect("loaded");
        assert_eq!(first.parsed, 4);

        write(&dir.join("b.md"), "b, longer now");
        // Same size, later modification time: changed too.
        write(&dir.join("2025/c.md"), "2025/C.md");
        let c = fs::File::options()
            .write(true)
            .open(dir.join("2025/c.md"))
            .expect("open");
        c.set_modified(SystemTime::now() + std::time::Duration::from_secs(60))
            .expect("set mtime");
        fs::remove_file(dir.join("2025/d.md")).expect("removed");
        write(&dir.join("e.md"), "e");
        let second = load_with(dir, Some(first), parse).expect("reloaded");
        assert_eq!(second.parsed, 3, "b and c changed, e is new");
        let values: Vec<(&str, &str, bool)> = second
            .files
            .iter()
            .map(|f| {
                let (text, call) = f.value.as_ref().expect("readable");
                (f.relative.as_str(), text.as_str(), *call >= 4)
            })
            .collect();
        assert_eq!(
            values,
            [
                ("2025/c.md", "2025/C.md", true),
                ("a.md", "a.md", false),
                ("b.md", "b, longer now", true),
                ("e.md", "e", true),
            ],
            "(path, text, parsed again)"
        );
        let third = load_with(dir, Some(second), parse).expect("reloaded");
        assert_eq!(third.parsed, 0, "nothing changed");
    }

    #[test]
    fn a_reload_told_what_changed_looks_at_nothing_else() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path();
        for name in ["a.md", "b.md", "2025/c.md"] {
            write(&dir.join(name), name);
        }
        let text = |file: &SourceFile| file.text.clone();
        let first = load_with(dir, None, text).expect("loaded");
        write(&dir.join("b.md"), "B");
        write(&dir.join("2025/0.md"), "new");
        fs::remove_file(dir.join("a.md")).expect("removed");
        // A file changed behind the watcher's back is not looked at: proof nothing else is.
        write(&dir.join("2025/c.md"), "unseen");
        let changed = [
            dir.join("b.md"),
            dir.join("2025/0.md"),
            dir.join("a.md"),
            dir.join(".x.md"),
        ];
        let second = reload_changed(dir, first, &changed, text)
            .expect("reloaded")
            .expect("no folder changed");
        assert_eq!(second.parsed, 2);
        let files: Vec<(&str, &str)> = second
            .files
            .iter()
            .map(|f| {
                (
                    f.relative.as_str(),
                    f.value.as_ref().expect("read").as_str(),
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                ("2025/0.md", "new"),
                ("2025/c.md", "2025/c.md"),
                ("b.md", "B")
            ]
        );
        let full = load_with(dir, None, text).expect("loaded");
        let order: Vec<&str> = full.files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(
            order,
            ["2025/0.md", "2025/c.md", "b.md"],
            "the same order as a walk"
        );
        fs::create_dir(dir.join("2026")).expect("folder");
        let folder = reload_changed(dir, second, &[dir.join("2026")], text).expect("reloaded");
        assert!(folder.is_err(), "a new folder needs a walk");
    }

    #[test]
    fn issue_8_a_folder_gone_with_its_files_needs_a_walk() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path();
        let text = |file: &SourceFile| file.text.clone();
        // Lists the collection, makes a change, then reloads with the path the watcher names.
        let reload_after = |change: &dyn Fn(), changed: &str| {
            for name in ["a.md", "2025/c.md", "2025/deeper/d.md", "2025-x/e.md"] {
                write(&dir.join(name), name);
            }
            let listed = load_with(dir, None, text).expect("loaded");
            change();
            reload_changed(dir, listed, &[dir.join(changed)], text).expect("reloaded")
        };
        // The watcher names a removed folder, not its files.
        let removed = reload_after(
            &|| fs::remove_dir_all(dir.join("2025")).expect("rm"),
            "2025",
        );
        assert_eq!(removed.err(), Some(Rescan::Folder(dir.join("2025"))));
        let made_a_file = reload_after(
            &|| {
                fs::remove_dir_all(dir.join("2025")).expect("rm");
                write(&dir.join("2025"), "a file now, not an event file");
            },
            "2025",
        );
        assert!(made_a_file.is_err(), "a folder made a file");
        fs::remove_file(dir.join("2025")).expect("rm");
        // A removed file, or a path that held nothing, is handled alone.
        let file = reload_after(&|| fs::remove_file(dir.join("a.md")).expect("rm"), "a.md");
        assert_eq!(file.map(|l| l.files.len()).ok(), Some(3));
        assert!(reload_after(&|| (), "never-there").is_ok());
    }

    #[test]
    fn links_leading_outside_the_collection_are_refused() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let (events, outside) = (tmp.path().join("events"), tmp.path().join("outside"));
        write(&events.join("a.md"), "a");
        write(&outside.join("secret.md"), "s");
        write(&outside.join("dir/deep.md"), "d");
        std::os::unix::fs::symlink(outside.join("secret.md"), events.join("b.md")).expect("link");
        std::os::unix::fs::symlink(outside.join("dir"), events.join("linked")).expect("link");
        std::os::unix::fs::symlink(events.join("a.md"), events.join("c.md")).expect("link");
        let loaded = load_event_files(&events).expect("loaded");
        let read: Vec<&str> = loaded.files.iter().map(|f| f.relative.as_str()).collect();
        assert_eq!(
            read,
            ["a.md", "c.md"],
            "a link inside the collection is followed"
        );
        let mut refused: Vec<String> = loaded
            .diagnostics
            .iter()
            .map(|d| {
                d.path
                    .strip_prefix(&events)
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        refused.sort();
        assert_eq!(refused, ["b.md", "linked/deep.md"]);
        assert!(loaded.diagnostics[0]
            .message
            .starts_with("path resolves outside the collection"));
    }

    #[test]
    fn decode_strips_bom_and_locates_bad_bytes() {
        let text = decode(Path::new("a.md"), b"\xef\xbb\xbf+++".to_vec()).expect("utf-8");
        assert_eq!(text, "+++");
        let err = decode(Path::new("a.md"), b"+++\nti\xfftle".to_vec()).unwrap_err();
        assert_eq!((err.line, err.col), (2, 3));
    }
}
