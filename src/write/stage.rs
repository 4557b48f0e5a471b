//! A build's outputs, staged, then committed as one set. Every output is written into a
//! staging folder inside the output folder (`.chronicle-stage-<random>/`, so each output is
//! later renamed, never copied, into place); nothing in the output folder changes until every
//! output is written. [`Stage::commit`] then checks that every destination can take a file,
//! and renames each staged file over its destination.
//!
//! What a reader of the output folder can observe: each file is replaced atomically (the old
//! bytes or the new, never part of either), but the files are replaced one after the other,
//! so a reader that reads several files while a commit runs (milliseconds; about 4,300 renames
//! for 100,000 events) can see some old and some new. If a rename fails, the files already
//! replaced are restored from hard links to the old ones taken just before, so a failed build
//! leaves the previous set whole. If the process dies during a commit (SIGKILL, a power cut),
//! the set can be mixed, but the manifest then already lists every output of both builds, and
//! the next build puts a whole set in place and removes the rest. Chronicle's leftovers (a
//! stage a killed build did not remove) are recognisable by their prefix and removed by the
//! next build into the folder.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use tempfile::TempDir;
use xxhash_rust::xxh3::Xxh3;

use super::{
    context, folder_in_the_way, manifest_text, passes_through_link, read_manifest,
    remove_stale_outputs, OutputLock, WriteError, MANIFEST,
};

/// The name of each staging folder starts with this, followed by a random part: a folder with
/// this prefix directly in the output folder is chronicle's, and the next build removes it.
pub const STAGE_PREFIX: &str = ".chronicle-stage-";

/// In the staging folder: the new outputs, at their paths.
const NEW: &str = "new";
/// In the staging folder: links to the outputs being replaced, by number, kept until the
/// commit is over.
const OLD: &str = "old";

/// A build's outputs, written but not yet in place. Dropped without a commit, it removes
/// everything it wrote and the output folder stays as it was.
#[derive(Debug)]
pub struct Stage {
    out: PathBuf,
    /// Declared before the lock, so it is removed while the lock is still held.
    dir: TempDir,
    finished: Mutex<Vec<Written>>,
    /// Which outputs' digests are taken as they are written (see [`Stage::digesting`]).
    digesting: Option<fn(&str) -> bool>,
    _lock: OutputLock,
}

/// One output a stage wrote: its path, its length and, when the stage takes them, the digest
/// of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub len: u64,
    /// The 128-bit xxh3 of the bytes (see [`Stage::digesting`]).
    pub digest: Option<[u8; 16]>,
}

/// Why a commit failed, and what the output folder holds after it.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// Nothing was replaced, or everything replaced was restored.
    #[error("cannot put the new outputs in {}; the previous outputs are left as they were", out.display())]
    Kept {
        out: PathBuf,
        #[source]
        source: WriteError,
    },
    /// Some replaced files could not be restored: a mix, which the next build replaces.
    #[error(
        "cannot put the new outputs in {}, and {} previous outputs could not be restored \
         (the first: {}); the next build replaces them",
        out.display(),
        unrestored.len(),
        unrestored.first().map_or_else(String::new, |e| e.path.display().to_string())
    )]
    Mixed {
        out: PathBuf,
        #[source]
        source: WriteError,
        unrestored: Vec<WriteError>,
    },
    /// The new outputs are in place; removing outputs the build no longer writes failed.
    #[error(
        "the new outputs are in {}, but removing the outputs this build no longer writes \
         failed; the next build removes them",
        out.display()
    )]
    Unfinished {
        out: PathBuf,
        #[source]
        source: WriteError,
    },
}

impl Stage {
    /// Creates `out` if needed, locks it (calling `on_wait` first if another build holds the
    /// lock, then waiting for it), removes the stages of earlier builds that were killed and
    /// the temporary files of earlier versions, and creates a new, empty stage.
    pub fn create(out: &Path, on_wait: impl FnOnce()) -> Result<Stage, WriteError> {
        Stage::create_with(out, on_wait, true)
    }

    /// [`Stage::create`] for a process that created a stage in `out` before, and so removed
    /// the temporary files of earlier versions already: `serve`, at each rebuild (looking for
    /// them takes a look into every folder of the outputs).
    pub fn create_again(out: &Path, on_wait: impl FnOnce()) -> Result<Stage, WriteError> {
        Stage::create_with(out, on_wait, false)
    }

    fn create_with(
        out: &Path,
        on_wait: impl FnOnce(),
        old_temporaries: bool,
    ) -> Result<Stage, WriteError> {
        fs::create_dir_all(out).map_err(context(out))?;
        let lock = OutputLock::acquire(out, on_wait)?;
        remove_leftovers(out)?;
        if old_temporaries {
            remove_old_temporaries(out, &read_manifest(out)?)?;
        }
        let dir = tempfile::Builder::new()
            .prefix(STAGE_PREFIX)
            .tempdir_in(out)
            .map_err(context(out))?;
        for part in [NEW, OLD] {
            let path = dir.path().join(part);
            fs::create_dir(&path).map_err(context(&path))?;
        }
        Ok(Stage {
            out: out.to_path_buf(),
            dir,
            finished: Mutex::new(Vec::new()),
            digesting: None,
            _lock: lock,
        })
    }

    /// The same stage, taking the digest of each output whose path `which` picks as its bytes
    /// are written: `serve` makes its entity tags from them without reading the files again.
    /// Not a cryptographic hash: it tells versions of the collection's own outputs apart.
    pub fn digesting(mut self, which: fn(&str) -> bool) -> Stage {
        self.digesting = Some(which);
        self
    }

    /// Whether the output at `path` is digested.
    fn digests(&self, path: &str) -> bool {
        self.digesting.is_some_and(|which| which(path))
    }

    /// Where the output at `path` (relative to the output folder) goes.
    pub fn destination(&self, path: &str) -> PathBuf {
        self.out.join(path)
    }

    /// Starts the output at `path` (relative to the output folder, `/`-separated), written
    /// through a buffer of `capacity` bytes.
    pub fn file(&self, path: &str, capacity: usize) -> Result<StagedFile<'_>, WriteError> {
        let destination = self.out.join(path);
        let Some(relative) = relative_path(path) else {
            return Err(context(&destination)(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a path inside the output folder",
            )));
        };
        let staged = self.dir.path().join(NEW).join(relative);
        if let Some(parent) = staged.parent() {
            fs::create_dir_all(parent).map_err(context(&destination))?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&staged)
            .map_err(context(&destination))?;
        let file = CountingFile {
            file,
            len: 0,
            digest: self.digests(path).then(Xxh3::new),
        };
        Ok(StagedFile {
            stage: self,
            path: path.to_owned(),
            writer: BufWriter::with_capacity(capacity, file),
        })
    }

    /// Writes the output at `path` with what `fill` writes.
    pub fn write(
        &self,
        path: &str,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), WriteError> {
        let mut file = self.file(path, 256 * 1024)?;
        fill(file.writer()).map_err(context(&self.out.join(path)))?;
        file.finish()
    }

    /// Whether the staged output at `path` differs from what the output folder holds at its
    /// destination now, byte for byte (nothing there differs): asked before the commit
    /// replaces it, by `build --ping`, which tells the WebSub hub only of changed feeds.
    pub fn differs_from_destination(&self, path: &str) -> Result<bool, WriteError> {
        let destination = self.out.join(path);
        let Some(relative) = relative_path(path) else {
            return Ok(true);
        };
        let staged = self.dir.path().join(NEW).join(relative);
        // Not followed: a link (to /dev/zero, say) is no output and is replaced by the commit.
        let old = match fs::symlink_metadata(&destination) {
            Ok(meta) if meta.is_file() => meta,
            Ok(_) => return Ok(true),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(true),
            Err(err) => return Err(context(&destination)(err)),
        };
        let new = fs::metadata(&staged).map_err(context(&destination))?;
        if old.len() != new.len() {
            return Ok(true);
        }
        let old = fs::read(&destination).map_err(context(&destination))?;
        let new = fs::read(&staged).map_err(context(&destination))?;
        Ok(old != new)
    }

    /// Stages the output at `path` as the same file as the output at `of`, without writing
    /// its bytes again: a hard link to `of` as this stage wrote it, or, when this stage did not
    /// write it (`serve` writes only what changed), to `of` as it is in the output folder (a
    /// regular file only, never through a symbolic link). Copied where the file system refuses
    /// hard links. Once committed, both names are one file until a later build replaces
    /// either (each replacement is a rename, so the other keeps its bytes).
    pub fn link(&self, path: &str, of: &str) -> Result<(), WriteError> {
        let destination = self.out.join(path);
        let fail = |source| WriteError {
            path: destination.clone(),
            source,
        };
        let not_inside = || {
            fail(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a path inside the output folder",
            ))
        };
        let relative = relative_path(path).ok_or_else(not_inside)?;
        let of_relative = relative_path(of).ok_or_else(not_inside)?;
        let staged_of = self
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|w| w.path == of)
            .cloned();
        let (source, len, digest) = if let Some(written) = staged_of {
            let source = self.dir.path().join(NEW).join(of_relative);
            (source, written.len, written.digest)
        } else {
            if passes_through_link(&self.out, of) {
                return Err(not_inside());
            }
            let source = self.out.join(of_relative);
            let meta = fs::symlink_metadata(&source).map_err(context(&source))?;
            if !meta.is_file() {
                return Err(fail(io::Error::other("the linked output is not a file")));
            }
            let digest = if self.digests(path) {
                Some(file_digest(&source).map_err(context(&source))?)
            } else {
                None
            };
            (source, meta.len(), digest)
        };
        let staged = self.dir.path().join(NEW).join(relative);
        if let Some(parent) = staged.parent() {
            fs::create_dir_all(parent).map_err(context(&destination))?;
        }
        // Some file systems have no hard links (FAT, some network shares): a copy then.
        if fs::hard_link(&source, &staged).is_err() {
            let copied = fs::copy(&source, &staged).map_err(context(&destination))?;
            if copied != len {
                return Err(fail(io::Error::other(
                    "the linked output changed meanwhile",
                )));
            }
        }
        self.finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Written {
                path: path.to_owned(),
                len,
                digest,
            });
        Ok(())
    }

    /// Puts every finished output in place, removes the outputs of the previous build that
    /// this one did not write, and records the new set in the manifest. Returns what was
    /// written, sorted by path.
    pub fn commit(self) -> Result<Vec<Written>, CommitError> {
        self.commit_into(None)
    }

    /// Puts the finished outputs in place as part of the set `complete` (every path of the
    /// new set, these included): the outputs `complete` holds but this stage did not write
    /// are left as they are, and those of the previous set it does not hold are removed.
    /// How `serve` updates its folder after an edit, writing only what changed.
    pub fn commit_part(self, complete: &BTreeSet<&str>) -> Result<Vec<Written>, CommitError> {
        self.commit_into(Some(complete))
    }

    fn commit_into(
        mut self,
        complete: Option<&BTreeSet<&str>>,
    ) -> Result<Vec<Written>, CommitError> {
        let mut finished = std::mem::take(
            self.finished
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        finished.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        let written: BTreeSet<&str> = finished.iter().map(|w| w.path.as_str()).collect();
        let mut now = written.clone();
        now.extend(complete.into_iter().flatten().copied());
        let kept = |source| CommitError::Kept {
            out: self.out.clone(),
            source,
        };
        let previous = read_manifest(&self.out).map_err(kept)?;
        check_destinations(
            &self.out,
            std::iter::once(MANIFEST).chain(written.iter().copied()),
        )
        .map_err(kept)?;
        // The manifest goes first and lists both sets: if the commit is cut short, it names
        // every output that may be in the folder, and the next build removes what it does
        // not write again.
        let both = manifest_text(
            previous
                .iter()
                .map(String::as_str)
                .chain(now.iter().copied()),
        );
        self.write(MANIFEST, |w| w.write_all(both.as_bytes()))
            .map_err(kept)?;
        let mut moves = Moves::default();
        for (number, path) in std::iter::once(MANIFEST)
            .chain(written.iter().copied())
            .enumerate()
        {
            if let Err(source) = self.put(path, number, &mut moves) {
                return Err(moves.undo(&self.out, source));
            }
        }
        let unfinished = |source| CommitError::Unfinished {
            out: self.out.clone(),
            source,
        };
        remove_stale_outputs(&self.out, &previous, &now).map_err(unfinished)?;
        let text = manifest_text(now.iter().copied());
        self.write(MANIFEST, |w| w.write_all(text.as_bytes()))
            .map_err(unfinished)?;
        let manifest = self.out.join(MANIFEST);
        fs::rename(self.dir.path().join(NEW).join(MANIFEST), &manifest)
            .map_err(|err| unfinished(context(&manifest)(err)))?;
        Ok(finished)
    }

    /// Renames the staged `path` over its destination, after a hard link to what it replaces
    /// (numbered `number` in the stage), creating the folders it needs.
    fn put(&self, path: &str, number: usize, moves: &mut Moves) -> Result<(), WriteError> {
        let destination = self.out.join(path);
        moves.create_folders(&self.out, path)?;
        let backup = match fs::symlink_metadata(&destination) {
            Ok(_) => {
                let backup = self.dir.path().join(OLD).join(number.to_string());
                fs::hard_link(&destination, &backup).map_err(context(&destination))?;
                Some(backup)
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            Err(err) => return Err(context(&destination)(err)),
        };
        fs::rename(self.dir.path().join(NEW).join(path), &destination)
            .map_err(context(&destination))?;
        moves.done.push(Moved {
            destination,
            backup,
        });
        Ok(())
    }
}

/// An output being staged.
#[derive(Debug)]
pub struct StagedFile<'s> {
    stage: &'s Stage,
    path: String,
    writer: BufWriter<CountingFile>,
}

/// A staged file that counts, and may digest, the bytes written to it.
pub struct CountingFile {
    file: File,
    len: u64,
    digest: Option<Xxh3>,
}

impl std::fmt::Debug for CountingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingFile")
            .field("file", &self.file)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Write for CountingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.len += n as u64;
        if let Some(digest) = &mut self.digest {
            digest.update(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl StagedFile<'_> {
    /// Where the bytes go.
    pub fn writer(&mut self) -> &mut BufWriter<CountingFile> {
        &mut self.writer
    }

    /// Flushes the bytes; the output is then part of what the commit puts in place.
    pub fn finish(self) -> Result<(), WriteError> {
        let StagedFile {
            stage,
            path,
            writer,
        } = self;
        let file = writer
            .into_inner()
            .map_err(|err| context(&stage.out.join(&path))(err.into_error()))?;
        let written = Written {
            path,
            len: file.len,
            digest: file.digest.map(|d| d.digest128().to_be_bytes()),
        };
        stage
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(written);
        Ok(())
    }
}

/// What a commit has changed so far, to undo it.
#[derive(Debug, Default)]
struct Moves {
    done: Vec<Moved>,
    /// Folders the commit created, outermost first.
    created: Vec<PathBuf>,
    /// Folders known to exist.
    folders: HashSet<PathBuf>,
}

#[derive(Debug)]
struct Moved {
    destination: PathBuf,
    /// A hard link to the file it replaced, if there was one.
    backup: Option<PathBuf>,
}

impl Moves {
    /// Creates the missing folders above `path` in `out`.
    fn create_folders(&mut self, out: &Path, path: &str) -> Result<(), WriteError> {
        let mut folder = out.to_path_buf();
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                break;
            }
            folder.push(part);
            if self.folders.contains(&folder) {
                continue;
            }
            match fs::create_dir(&folder) {
                Ok(()) => self.created.push(folder.clone()),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists && folder.is_dir() => {}
                Err(err) => return Err(context(&folder)(err)),
            }
            self.folders.insert(folder.clone());
        }
        Ok(())
    }

    /// Restores what was replaced, newest first, and removes the folders created.
    fn undo(self, out: &Path, source: WriteError) -> CommitError {
        let mut unrestored = Vec::new();
        for moved in self.done.iter().rev() {
            let restored = match &moved.backup {
                Some(backup) => fs::rename(backup, &moved.destination),
                None => fs::remove_file(&moved.destination),
            };
            if let Err(err) = restored {
                unrestored.push(context(&moved.destination)(err));
            }
        }
        for folder in self.created.iter().rev() {
            let _ = fs::remove_dir(folder);
        }
        let out = out.to_path_buf();
        if unrestored.is_empty() {
            CommitError::Kept { out, source }
        } else {
            CommitError::Mixed {
                out,
                source,
                unrestored,
            }
        }
    }
}

/// Fails, before anything moves, if a destination cannot take a file: a folder where a file
/// goes, or a file or a symbolic link where a folder goes (a link would lead the output out of
/// the folder).
fn check_destinations<'p>(
    out: &Path,
    paths: impl IntoIterator<Item = &'p str>,
) -> Result<(), WriteError> {
    let mut folders: HashSet<PathBuf> = HashSet::new();
    for path in paths {
        let mut at = out.to_path_buf();
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            at.push(part);
            let is_last = parts.peek().is_none();
            if !is_last && folders.contains(&at) {
                continue;
            }
            let meta = match fs::symlink_metadata(&at) {
                Ok(meta) => meta,
                Err(err) if err.kind() == io::ErrorKind::NotFound => break,
                Err(err) => return Err(context(&at)(err)),
            };
            if is_last {
                if meta.is_dir() {
                    return Err(context(&at)(folder_in_the_way()));
                }
            } else if meta.is_dir() {
                folders.insert(at.clone());
            } else {
                let what = if meta.file_type().is_symlink() {
                    "a symbolic link"
                } else {
                    "a file"
                };
                return Err(context(&out.join(path))(io::Error::new(
                    io::ErrorKind::NotADirectory,
                    format!("{what} is in the way of the folder {}", at.display()),
                )));
            }
        }
    }
    Ok(())
}

/// Removes the stages that builds killed before their end left in `out`. Only folders named
/// with [`STAGE_PREFIX`] directly in `out` are chronicle's; a symbolic link with that name is
/// not followed.
fn remove_leftovers(out: &Path) -> Result<(), WriteError> {
    for entry in fs::read_dir(out).map_err(context(out))? {
        let entry = entry.map_err(context(out))?;
        let is_stage = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(STAGE_PREFIX));
        if is_stage && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(context(&path))?;
        }
    }
    Ok(())
}

/// Removes the temporary files that builds of earlier versions left when killed: they wrote
/// each output through `.<name>.<process id>.tmp` in its folder. Only files named so for an
/// output the manifest lists, or for the manifest itself, are removed.
fn remove_old_temporaries(out: &Path, listed: &[String]) -> Result<(), WriteError> {
    let mut names_by_folder: BTreeMap<PathBuf, HashSet<&str>> = BTreeMap::new();
    names_by_folder
        .entry(out.to_path_buf())
        .or_default()
        .insert(MANIFEST);
    for path in listed {
        if relative_path(path).is_none() || passes_through_link(out, path) {
            continue;
        }
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        names_by_folder
            .entry(out.join(folder))
            .or_default()
            .insert(name);
    }
    for (folder, names) in names_by_folder {
        // A folder the outputs no longer have holds nothing to remove.
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(context(&folder))?;
            let name = entry.file_name();
            let is_old_temporary = name
                .to_str()
                .and_then(|n| n.strip_prefix('.')?.strip_suffix(".tmp")?.rsplit_once('.'))
                .is_some_and(|(output, pid)| {
                    !pid.is_empty()
                        && pid.bytes().all(|b| b.is_ascii_digit())
                        && names.contains(output)
                });
            if is_old_temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
                let path = entry.path();
                fs::remove_file(&path).map_err(context(&path))?;
            }
        }
    }
    Ok(())
}

/// The 128-bit xxh3 of the file at `path`, as a digesting stage takes it of what it writes.
fn file_digest(path: &Path) -> io::Result<[u8; 16]> {
    digest(File::open(path)?)
}

/// The 128-bit xxh3 of the bytes `reader` reads, as a digesting stage takes it of what it
/// writes.
pub fn digest(mut reader: impl io::Read) -> io::Result<[u8; 16]> {
    let mut digest = Xxh3::new();
    let mut buffer = vec![0; 1024 * 1024];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if n == 0 {
            return Ok(digest.digest128().to_be_bytes());
        }
        digest.update(&buffer[..n]);
    }
}

/// `path` (`/`-separated) as a relative path that stays inside the folder it is joined to.
fn relative_path(path: &str) -> Option<PathBuf> {
    path.split('/')
        .map(|part| (!matches!(part, "" | "." | "..")).then_some(part))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(out: &Path, files: &[(&str, &str)]) -> Result<(), CommitError> {
        let stage = Stage::create(out, || {}).expect("stage");
        for (path, text) in files {
            stage
                .write(path, |w| w.write_all(text.as_bytes()))
                .expect("staged");
        }
        stage.commit().map(drop)
    }

    fn read(out: &Path, path: &str) -> String {
        fs::read_to_string(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Every entry below `out`, relative, sorted.
    fn entries(out: &Path) -> Vec<String> {
        let mut found: Vec<String> = walkdir::WalkDir::new(out)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                let e = e.expect("entry");
                let path = e.path().strip_prefix(out).expect("below");
                path.to_string_lossy().replace('\\', "/")
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn a_staged_output_differs_from_its_destination_unless_its_bytes_are_the_same() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir.path().join("out");
        build(&out, &[("same.xml", "one"), ("changed.xml", "two")]).expect("built");
        let stage = Stage::create(&out, || {}).expect("stage");
        for (path, text) in [("same.xml", "one"), ("changed.xml", "2"), ("new.xml", "3")] {
            stage
                .write(path, |w| w.write_all(text.as_bytes()))
                .expect("staged");
        }
        let differs = |path| stage.differs_from_destination(path).expect("readable");
        assert!(!differs("same.xml"));
        assert!(differs("changed.xml"));
        assert!(differs("new.xml"));
    }

    /// A link where an output goes is not followed (it could lead to an endless file).
    #[cfg(unix)]
    #[test]
    fn a_link_at_a_destination_differs_unread() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir.path().join("out");
        build(&out, &[("same.xml", "one")]).expect("built");
        std::os::unix::fs::symlink("/dev/zero", out.join("link.xml")).expect("a link");
        let stage = Stage::create(&out, || {}).expect("stage");
        stage
            .write("link.xml", |w| w.write_all(b"x"))
            .expect("staged");
        assert!(stage
            .differs_from_destination("link.xml")
            .expect("readable"));
    }

    #[test]
    fn a_commit_puts_the_set_in_place_and_removes_what_is_gone() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let out = tmp.path().join("out");
        build(&out, &[("a.txt", "a1"), ("tags/x/rss.xml", "x1")]).expect("first");
        build(&out, &[("a.txt", "a2"), ("tags/y/rss.xml", "y2")]).expect("second");
        assert_eq!(read(&out, "a.txt"), "a2");
        assert_eq!(read(&out, MANIFEST), "a.txt\ntags/y/rss.xml\n");
        assert_eq!(
            entries(&out),
            [
                ".chronicle-lock",
                ".chronicle-outputs",
                "a.txt",
                "tags",
                "tags/y",
                "tags/y/rss.xml"
            ]
        );
    }

    #[test]
    fn a_part_commit_keeps_the_rest_of_the_set_and_removes_what_left_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir.path();
        build(
            out,
            &[("a.xml", "a1"), ("b.xml", "b1"), ("tags/t/c.xml", "c1")],
        )
        .expect("built");
        let stage = Stage::create(out, || {})
            .expect("stage")
            .digesting(|_| true);
        stage
            .write("b.xml", |w| w.write_all(b"b2"))
            .expect("staged");
        let complete = BTreeSet::from(["a.xml", "b.xml"]);
        let written = stage.commit_part(&complete).expect("committed");
        assert_eq!(
            written,
            [Written {
                path: "b.xml".into(),
                len: 2,
                digest: Some(xxhash_rust::xxh3::xxh3_128(b"b2").to_be_bytes()),
            }]
        );
        assert_eq!(read(out, "a.xml"), "a1", "not written, still in the set");
        assert_eq!(read(out, "b.xml"), "b2");
        assert!(!out.join("tags").exists(), "outside the set: removed");
        assert_eq!(read(out, MANIFEST), "a.xml\nb.xml\n");
    }

    #[test]
    fn only_the_outputs_picked_are_digested() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir.path();
        let stage = Stage::create(out, || {})
            .expect("stage")
            .digesting(|path| !path.ends_with(".ics"));
        stage
            .write("calendar.ics", |w| w.write_all(b"BEGIN:VCALENDAR"))
            .expect("staged");
        stage.write("a.xml", |w| w.write_all(b"a")).expect("staged");
        stage.link("named.ics", "calendar.ics").expect("linked");
        let written = stage.commit().expect("committed");
        let digested: Vec<(&str, bool)> = written
            .iter()
            .map(|w| (w.path.as_str(), w.digest.is_some()))
            .collect();
        assert_eq!(
            digested,
            [
                ("a.xml", true),
                ("calendar.ics", false),
                ("named.ics", false)
            ]
        );
    }

    #[test]
    fn a_failed_commit_restores_what_it_replaced() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let out = tmp.path().join("out");
        build(&out, &[("a.txt", "a1"), ("sub/b.txt", "b1")]).expect("first");
        let before = entries(&out);
        let stage = Stage::create(&out, || {}).expect("stage");
        for (path, text) in [("a.txt", "a2"), ("new/c.txt", "c2"), ("sub/b.txt", "b2")] {
            stage
                .write(path, |w| w.write_all(text.as_bytes()))
                .expect("staged");
        }
        // The last rename fails (its staged file is gone), after two others succeeded.
        fs::remove_file(stage.dir.path().join(NEW).join("sub/b.txt")).expect("removed");
        let err = stage.commit().expect_err("the commit fails");
        assert!(matches!(err, CommitError::Kept { .. }), "{err:?}");
        assert_eq!(read(&out, "a.txt"), "a1");
        assert_eq!(read(&out, "sub/b.txt"), "b1");
        assert_eq!(read(&out, MANIFEST), "a.txt\nsub/b.txt\n");
        assert_eq!(
            entries(&out),
            before,
            "the new folder is gone, and the stage"
        );
    }

    #[test]
    fn a_commit_cut_short_is_finished_by_the_next_build() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let out = tmp.path().join("out");
        build(&out, &[("a.txt", "a1"), ("old/b.txt", "b1")]).expect("first");
        // A second build dies after moving its manifest and one output into place.
        let stage = Stage::create(&out, || {}).expect("stage");
        for (path, text) in [("a.txt", "a2"), ("second/c.txt", "c2"), ("z.txt", "z2")] {
            stage
                .write(path, |w| w.write_all(text.as_bytes()))
                .expect("staged");
        }
        let journal = manifest_text(["a.txt", "old/b.txt", "second/c.txt", "z.txt"]);
        stage
            .write(MANIFEST, |w| w.write_all(journal.as_bytes()))
            .expect("staged");
        let mut moves = Moves::default();
        for (number, path) in [MANIFEST, "second/c.txt"].into_iter().enumerate() {
            stage.put(path, number, &mut moves).expect("moved");
        }
        let Stage { dir, _lock, .. } = stage;
        let _ = dir.keep();
        drop(_lock);
        // The next build writes another set.
        build(&out, &[("a.txt", "a3"), ("third/d.txt", "d3")]).expect("third");
        assert_eq!(
            entries(&out),
            [
                ".chronicle-lock",
                ".chronicle-outputs",
                "a.txt",
                "third",
                "third/d.txt"
            ]
        );
    }

    #[test]
    fn temporary_files_of_earlier_versions_are_removed() {
        // Issue 7: builds killed before this version left `.<name>.<pid>.tmp` files for good.
        let tmp = tempfile::tempdir().expect("temporary directory");
        let out = tmp.path().join("out");
        build(&out, &[("a.txt", "a1"), ("tags/x/rss.xml", "x1")]).expect("first");
        let left = [
            ".a.txt.1234.tmp",
            "tags/x/.rss.xml.99.tmp",
            "..chronicle-outputs.5.tmp",
        ];
        let others = [
            ".a.txt.12x.tmp",
            ".mine.txt.1.tmp",
            "tags/x/.rss.xml.tmp",
            "tags/.rss.xml.7.tmp",
        ];
        for name in left.iter().chain(&others) {
            fs::write(out.join(name), "temporary").expect("planted");
        }
        build(&out, &[("a.txt", "a2"), ("tags/x/rss.xml", "x2")]).expect("second");
        for name in left {
            assert!(!out.join(name).exists(), "{name} is removed");
        }
        for name in others {
            assert!(out.join(name).exists(), "{name} is not chronicle's");
        }
    }

    #[test]
    fn a_folder_in_the_way_fails_before_anything_moves() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let out = tmp.path().join("out");
        build(&out, &[("a.txt", "a1")]).expect("first");
        fs::create_dir_all(out.join("b.txt")).expect("folder");
        fs::write(out.join("file"), "mine").expect("file");
        for (path, in_the_way) in [("b.txt", "b.txt"), ("file/c.txt", "file")] {
            let err = build(&out, &[("a.txt", "a2"), (path, "new")]).expect_err("fails");
            let CommitError::Kept { source, .. } = err else {
                panic!("{err:?}")
            };
            assert_eq!(source.path, out.join(path), "{in_the_way}");
            assert_eq!(read(&out, "a.txt"), "a1");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_where_a_folder_goes_is_not_followed() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let (out, elsewhere) = (tmp.path().join("out"), tmp.path().join("elsewhere"));
        fs::create_dir_all(&out).expect("folder");
        fs::create_dir_all(&elsewhere).expect("folder");
        std::os::unix::fs::symlink(&elsewhere, out.join("tags")).expect("link");
        let err = build(&out, &[("tags/x/rss.xml", "x")]).expect_err("refused");
        assert!(
            err.to_string().contains("previous outputs are left"),
            "{err}"
        );
        assert_eq!(fs::read_dir(&elsewhere).expect("read").count(), 0);
    }

    #[test]
    fn paths_that_leave_the_folder_are_refused() {
        for path in ["../x", "/x", "a//b", "a/./b", ""] {
            assert_eq!(relative_path(path), None, "{path}");
        }
        assert_eq!(
            relative_path("tags/a/rss.xml"),
            Some("tags/a/rss.xml".into())
        );
    }

    #[cfg(unix)]
    fn inode(path: &Path) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(path).expect("written"))
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_output_is_the_same_file_staged_or_already_in_place() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir.path().join("out");
        let stage = Stage::create(&out, || {})
            .expect("stage")
            .digesting(|_| true);
        stage
            .write("tags/a/calendar.ics", |w| w.write_all(b"BEGIN:VCALENDAR"))
            .expect("staged");
        stage
            .link("tags/a/readable-a.ics", "tags/a/calendar.ics")
            .expect("linked");
        let written = stage.commit().expect("committed");
        assert_eq!(written[0].path, "tags/a/calendar.ics");
        assert_eq!(written[1].path, "tags/a/readable-a.ics");
        assert_eq!(
            (written[0].len, written[0].digest),
            (written[1].len, written[1].digest)
        );
        let (calendar, readable) = (
            out.join("tags/a/calendar.ics"),
            out.join("tags/a/readable-a.ics"),
        );
        assert_eq!(inode(&calendar), inode(&readable), "one file, not a copy");
        assert_eq!(read(&out, "tags/a/readable-a.ics"), "BEGIN:VCALENDAR");
        assert_eq!(
            read(&out, MANIFEST),
            "tags/a/calendar.ics\ntags/a/readable-a.ics\n"
        );
        // A stage that writes only part of the set links to the output in place, with the
        // digest of its bytes.
        let stage = Stage::create(&out, || {})
            .expect("stage")
            .digesting(|_| true);
        stage
            .link("tags/a/renamed-a.ics", "tags/a/calendar.ics")
            .expect("linked");
        let complete = BTreeSet::from(["tags/a/calendar.ics", "tags/a/renamed-a.ics"]);
        let part = stage.commit_part(&complete).expect("committed");
        assert_eq!(part[0].digest, written[0].digest);
        assert_eq!(inode(&calendar), inode(&out.join("tags/a/renamed-a.ics")));
        assert!(
            !readable.exists(),
            "the name no longer in the set is removed"
        );
        // Replacing the calendar leaves the other name its own bytes until it is linked again.
        build(&out, &[("tags/a/calendar.ics", "new")]).expect("built");
        assert_eq!(read(&out, "tags/a/calendar.ics"), "new");
        assert!(!out.join("tags/a/renamed-a.ics").exists());
    }

    #[test]
    fn a_link_to_nothing_or_outside_the_folder_is_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = dir.path().join("out");
        fs::create_dir_all(&out).expect("folder");
        fs::write(dir.path().join("secret"), "not chronicle's").expect("written");
        let stage = Stage::create(&out, || {}).expect("stage");
        for (path, of) in [
            ("a.ics", "missing.ics"),
            ("a.ics", "../secret"),
            ("../b.ics", "a.ics"),
        ] {
            assert!(stage.link(path, of).is_err(), "{path} -> {of}");
        }
        stage.commit().expect("committed");
        assert_eq!(read(&out, MANIFEST), "", "nothing linked");
        assert!(!dir.path().join("b.ics").exists());
    }
}
