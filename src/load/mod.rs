//! Load stage: walks `events/**/*.md`, reads each file (size limit, UTF-8, BOM), refuses paths
//! that resolve outside the collection, and parses front matter in parallel.
//!
//! It reports what it cannot read as diagnostics and never stops at the first one.

pub mod front_matter;
pub mod source;

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use self::front_matter::{ParsedFile, RawEvent, RawSource};
pub use self::source::SourceFile;
use crate::diag::{Diagnostic, Severity};

/// Event files larger than this are refused: an event is a page of text, not an archive.
pub const MAX_EVENT_FILE_BYTES: u64 = 1024 * 1024;

/// The settings file inside the collection directory.
pub const SETTINGS_FILE: &str = "chronicle.toml";

/// Every event file of a collection that could be read, and what could not.
#[derive(Debug, Default)]
pub struct LoadedFiles {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads every `*.md` file below `dir` (sorted by relative path), skipping hidden entries.
pub fn load_event_files(dir: &Path) -> std::io::Result<LoadedFiles> {
    let root = dir.canonicalize()?;
    let mut paths = Vec::new();
    let mut diagnostics = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() && is_event_file(entry.path()) => {
                paths.push(entry.into_path());
            }
            Ok(_) => {}
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
                diagnostics.push(file_level(path, Severity::Error, err.to_string()));
            }
        }
    }
    let results: Vec<Result<SourceFile, Diagnostic>> = paths
        .par_iter()
        .map(|path| read_event_file(dir, &root, path))
        .collect();
    let mut files = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(diag) => diagnostics.push(diag),
        }
    }
    Ok(LoadedFiles { files, diagnostics })
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

fn is_event_file(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "md")
}

/// A diagnostic about a whole file, pointing at 1:1.
pub fn file_level(path: PathBuf, severity: Severity, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        path,
        line: 1,
        col: 1,
        severity,
        message: message.into(),
    }
}

fn read_event_file(dir: &Path, root: &Path, path: &Path) -> Result<SourceFile, Diagnostic> {
    let error = |message: String| file_level(path.to_path_buf(), Severity::Error, message);
    let real = path
        .canonicalize()
        .map_err(|err| error(format!("cannot resolve path: {err}")))?;
    if !real.starts_with(root) {
        return Err(error(format!(
            "path resolves outside the collection (to {})",
            real.display()
        )));
    }
    let size = fs::metadata(&real)
        .map_err(|err| error(format!("cannot read file: {err}")))?
        .len();
    if size > MAX_EVENT_FILE_BYTES {
        return Err(error(format!(
            "file is {size} bytes, over the limit of {MAX_EVENT_FILE_BYTES} bytes (1 MiB) for an event file"
        )));
    }
    let bytes = fs::read(&real).map_err(|err| error(format!("cannot read file: {err}")))?;
    let relative = path
        .strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let text = decode(path, bytes)?;
    Ok(SourceFile::new(path.to_path_buf(), relative, text))
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

    #[test]
    fn decode_strips_bom_and_locates_bad_bytes() {
        let text = decode(Path::new("a.md"), b"\xef\xbb\xbf+++".to_vec()).expect("utf-8");
        assert_eq!(text, "+++");
        let err = decode(Path::new("a.md"), b"+++\nti\xfftle".to_vec()).unwrap_err();
        assert_eq!((err.line, err.col), (2, 3));
    }
}
