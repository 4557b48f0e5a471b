//! Writes outputs to disk. `build` stages its whole set in the output folder and commits it
//! ([`Stage`]); `export -o` writes one file ([`write_file`]). A regular file is replaced
//! atomically: its bytes go to a temporary file beside it, created exclusively under an
//! unpredictable name (a link planted in advance is never followed), which is then renamed over
//! it, so a reader sees the old file or the new one, never half of one. Files chronicle did not
//! write are never touched.

mod lock;
mod stage;

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub use lock::{OutputLock, LOCK};
pub use stage::{digest, CommitError, CountingFile, Stage, StagedFile, Written, STAGE_PREFIX};

/// Lists what the last build wrote, so a later build can remove outputs that no longer exist
/// (a tag that was dropped) without touching anything else in the directory.
pub const MANIFEST: &str = ".chronicle-outputs";

/// A failed write, with the path it concerned.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn context(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `path` with what `fill` writes. A regular file (or a missing one) is replaced
/// atomically; anything else that is not a folder (a device such as `/dev/null`, a named pipe,
/// a symbolic link such as `/dev/stdout`) is written through, as a shell's `>` would, and
/// never replaced.
pub fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    match fs::symlink_metadata(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => write_atomically(path, fill),
        Err(err) => Err(context(path)(err)),
        Ok(meta) if meta.is_file() => write_atomically(path, fill),
        Ok(meta) if meta.is_dir() => Err(context(path)(folder_in_the_way())),
        Ok(_) => write_through(path, fill),
    }
}

fn folder_in_the_way() -> io::Error {
    io::Error::new(io::ErrorKind::IsADirectory, "a folder is in the way")
}

/// Opens what `path` names (following a symbolic link) and writes into it: no temporary file,
/// no rename, no new file created.
fn write_through(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let file = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .map_err(context(path))?;
    let mut writer = BufWriter::new(file);
    fill(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(context(path))
}

/// Writes `path` atomically with what `fill` writes; on failure the old file stays as it was
/// and the temporary file is removed.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let temp = filled_temp_file(path, fill)?;
    temp.persist(path).map_err(|err| context(path)(err.error))?;
    Ok(())
}

/// Writes a new file at `path` and never over an existing one (`init` and `new`): the bytes go
/// into a temporary file beside it, which is then linked to `path` (tempfile's
/// `persist_noclobber`). The link fails with `AlreadyExists` when `path` is taken, where a
/// rename would replace it, so a reader sees the whole file or none, and a file that appeared
/// meanwhile is kept.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let temp = filled_temp_file(path, |w| w.write_all(bytes))?;
    temp.persist_noclobber(path)
        .map_err(|err| context(path)(err.error))?;
    Ok(())
}

/// A temporary file beside `path` (its folders made first) holding what `fill` writes; removed
/// when dropped.
fn filled_temp_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<tempfile::NamedTempFile, WriteError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(context(dir))?;
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    // O_EXCL with a random part (the tempfile crate): nothing planted at the name is opened.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // What `File::create` gives (0666 less the umask), not tempfile's private 0600: outputs
    // are meant to be read by others.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir).map_err(context(path))?;
    let mut writer = BufWriter::with_capacity(256 * 1024, temp);
    fill(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(context(path))?;
    writer
        .into_inner()
        .map_err(|err| context(path)(err.into_error()))
}

/// The outputs the manifest in `out_dir` lists; none when there is no manifest.
pub fn read_manifest(out_dir: &Path) -> Result<Vec<String>, WriteError> {
    let manifest = out_dir.join(MANIFEST);
    match fs::read_to_string(&manifest) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(context(&manifest)(err)),
    }
}

/// The manifest's text for `outputs`: one path a line, sorted.
pub fn manifest_text<'a>(outputs: impl IntoIterator<Item = &'a str>) -> String {
    let sorted: BTreeSet<&str> = outputs.into_iter().collect();
    sorted.into_iter().flat_map(|p| [p, "\n"]).collect()
}

/// Removes the outputs of `previous` that are not in `now` (each a path relative to `out_dir`,
/// as the manifest lists them), and the folders that leaves empty. A path that leaves the
/// folder, or passes through a symbolic link, is not followed.
pub fn remove_stale_outputs(
    out_dir: &Path,
    previous: &[String],
    now: &BTreeSet<&str>,
) -> Result<(), WriteError> {
    for stale in previous.iter().filter(|p| !now.contains(p.as_str())) {
        if stale.split('/').any(|part| part == ".." || part.is_empty()) {
            continue;
        }
        let path = out_dir.join(stale);
        if passes_through_link(out_dir, stale) {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => {
                // Only removes folders left empty, up to the output folder.
                for parent in path.ancestors().skip(1) {
                    if parent == out_dir || fs::remove_dir(parent).is_err() {
                        break;
                    }
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(context(&path)(err)),
        }
    }
    Ok(())
}

/// Whether a folder on the way from `out_dir` to `relative` is a symbolic link.
fn passes_through_link(out_dir: &Path, relative: &str) -> bool {
    let mut path = out_dir.to_path_buf();
    let mut parts = relative.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            break;
        }
        path.push(part);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        write_new(&path, b"first").unwrap();
        let err = write_new(&path, b"second").unwrap_err();
        assert_eq!(err.source.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&path).unwrap(), "first");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["a.md"], "a temporary file was left behind");
    }

    #[test]
    fn a_failed_render_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("boom"))
        })
        .unwrap_err();
        assert_eq!(err.path, path);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_old_temporary_name_is_not_followed() {
        // Issue 5: temporary files were `.<name>.<pid>.tmp`, opened through a link another
        // user planted at that name.
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "secret").unwrap();
        let path = dir.path().join("rss.xml");
        let planted = dir
            .path()
            .join(format!(".rss.xml.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "secret");
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert!(fs::symlink_metadata(&planted).unwrap().is_symlink());
    }

    #[test]
    fn stale_outputs_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        for name in ["rss.xml", "tags/a/rss.xml", "tags/b/rss.xml", "mine.txt"] {
            write_atomically(&out.join(name), |w| w.write_all(b"x")).unwrap();
        }
        let previous = [
            "rss.xml",
            "tags/a/rss.xml",
            "tags/b/rss.xml",
            "../x",
            "tags//y",
        ]
        .map(String::from);
        let now = BTreeSet::from(["rss.xml", "tags/b/rss.xml"]);
        remove_stale_outputs(out, &previous, &now).unwrap();
        assert!(out.join("rss.xml").exists());
        assert!(!out.join("tags/a").exists(), "the emptied folder goes too");
        assert!(out.join("tags/b/rss.xml").exists());
        assert!(out.join("mine.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn stale_outputs_behind_a_link_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (out, elsewhere) = (dir.path().join("out"), dir.path().join("elsewhere"));
        fs::create_dir_all(&out).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("rss.xml"), "not chronicle's").unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("tags")).unwrap();
        remove_stale_outputs(&out, &["tags/rss.xml".into()], &BTreeSet::new()).unwrap();
        assert!(elsewhere.join("rss.xml").exists());
    }
}
