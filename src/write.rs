//! Writes outputs into the output directory, each file atomically: rendered into a temporary
//! file beside it, then renamed over the old one, so a reader sees the old file or the new one,
//! never half of one. Files chronicle did not write are never touched.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

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

/// Writes `path` atomically with what `fill` writes; on failure the old file stays as it was.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let mut file = AtomicFile::create(path)?;
    fill(file.writer()).map_err(context(path))?;
    file.commit()
}

/// A file being written atomically: its bytes go through a buffer into a temporary file beside
/// it, which [`AtomicFile::commit`] renames over `path`. Dropped without a commit, the temporary
/// file is removed and `path` stays as it was. Several can be open at once, for outputs written
/// side by side.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file (and the folders above `path`).
    pub fn create(path: &Path) -> Result<AtomicFile, WriteError> {
        AtomicFile::with_buffer(path, 256 * 1024)
    }

    /// [`AtomicFile::create`] with a buffer of `capacity` bytes: smaller for files written
    /// side by side, whose buffers are all held at once.
    pub fn with_buffer(path: &Path, capacity: usize) -> Result<AtomicFile, WriteError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(context(dir))?;
        let name = path
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&temp).map_err(context(path))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            temp,
            writer: Some(BufWriter::with_capacity(capacity, file)),
        })
    }

    /// Where the bytes go.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer
            .as_mut()
            .expect("the writer is only taken by commit, which consumes the file")
    }

    /// The file's final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes the bytes and renames the temporary file over the final path.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let writer = self
            .writer
            .take()
            .expect("the writer is only taken by commit, which consumes the file");
        let result = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|_file| fs::rename(&self.temp, &self.path));
        if result.is_err() {
            let _ = fs::remove_file(&self.temp);
        }
        result.map_err(context(&self.path))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed (an error on the way): leave no temporary file behind. After a commit
        // the temporary file no longer exists and this fails harmlessly.
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Writes a new file at `path` and never over an existing one (`init` and `new`): the bytes go
/// into a temporary file beside it, which is then hard-linked to `path`. link(2) fails with
/// `AlreadyExists` when `path` is taken, where a rename would replace it, so a reader sees the
/// whole file or none, and a file that appeared meanwhile is kept.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut file = AtomicFile::with_buffer(path, bytes.len())?;
    file.writer().write_all(bytes).map_err(context(path))?;
    let writer = file
        .writer
        .take()
        .expect("the writer is only taken here and by commit, which consumes the file");
    let linked = writer
        .into_inner()
        .map_err(io::IntoInnerError::into_error)
        .and_then(|_file| fs::hard_link(&file.temp, path));
    let _ = fs::remove_file(&file.temp);
    linked.map_err(context(path))
}

/// Removes the outputs the previous build listed that this build no longer writes, then
/// records this build's list.
pub fn update_manifest(out_dir: &Path, written: &[String]) -> Result<(), WriteError> {
    let manifest = out_dir.join(MANIFEST);
    let now: BTreeSet<&str> = written.iter().map(String::as_str).collect();
    if let Ok(previous) = fs::read_to_string(&manifest) {
        for stale in previous
            .lines()
            .filter(|l| !l.is_empty() && !now.contains(l))
        {
            if stale.split('/').any(|part| part == ".." || part.is_empty()) {
                continue;
            }
            let path = out_dir.join(stale);
            match fs::remove_file(&path) {
                Ok(()) => {
                    if let Some(parent) = path.parent() {
                        // Only removes directories left empty.
                        let _ = fs::remove_dir(parent);
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(context(&path)(err)),
            }
        }
    }
    write_atomically(&manifest, |w| {
        for path in &now {
            writeln!(w, "{path}")?;
        }
        Ok(())
    })
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

    #[test]
    fn manifest_removes_only_stale_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        for name in ["rss.xml", "tags/a/rss.xml", "mine.txt"] {
            write_atomically(&out.join(name), |w| w.write_all(b"x")).unwrap();
        }
        update_manifest(out, &["rss.xml".into(), "tags/a/rss.xml".into()]).unwrap();
        update_manifest(out, &["rss.xml".into()]).unwrap();
        assert!(out.join("rss.xml").exists());
        assert!(!out.join("tags/a").exists());
        assert!(out.join("mine.txt").exists());
    }
}
