//! File helpers shared by the integration test binaries (each includes this file as a module).

pub(crate) mod hub;

use std::fs;
use std::path::{Path, PathBuf};

/// A path inside the repository.
pub(crate) fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Copies a folder and everything below it.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

/// A tool `.ci/install-tools.sh` installs into the repository (a path inside it); a test that
/// needs one fails, rather than skips, when it is missing.
pub(crate) fn installed_tool(relative: &str) -> PathBuf {
    let path = repo_path(relative);
    assert!(
        path.exists(),
        "{} is missing: run .ci/install-tools.sh first",
        path.display()
    );
    path
}

/// The Python of the venv `tests/external/install.sh` makes (feedparser, icalendar).
pub(crate) fn python() -> PathBuf {
    installed_tool("tests/external/.venv/bin/python")
}
