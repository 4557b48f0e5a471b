//! Runs the built `chronicle` binary on a temporary copy of a fixture collection.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A temporary working directory holding `events/` (a copy of a fixture) and, after a build,
/// `public/`.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A copy of `tests/fixtures/<case>/events`, or of the repository's sample with "sample".
    pub fn fixture(case: &str) -> Project {
        let source = if case == "sample" {
            repo_path("events")
        } else {
            repo_path(&format!("tests/fixtures/{case}/events"))
        };
        let project = Project::empty();
        copy_dir(&source, &project.events());
        project
    }

    pub fn empty() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn events(&self) -> PathBuf {
        self.path("events")
    }

    pub fn public(&self) -> PathBuf {
        self.path("public")
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("file has a parent")).expect("create dirs");
        fs::write(path, text).expect("write file");
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("reading {relative}: {e}"))
    }

    /// `chronicle <args>` run in the project directory, with no SOURCE_DATE_EPOCH.
    pub fn chronicle(&self, args: &[&str]) -> Output {
        Command::cargo_bin("chronicle")
            .expect("chronicle binary")
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .args(args)
            .output()
            .expect("run chronicle")
    }

    /// `chronicle <args>` started in the project directory, with no SOURCE_DATE_EPOCH, its
    /// stdout and stderr piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start chronicle")
    }

    /// `chronicle <args>` to run in the project directory, with no SOURCE_DATE_EPOCH.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_chronicle"));
        command
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .args(args);
        command
    }

    /// Runs a command that must succeed and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.chronicle(args);
        assert!(
            out.status.success(),
            "chronicle {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("stdout is UTF-8")
    }
}

pub(crate) use crate::common::{copy_dir, repo_path};

/// Every file below `dir`, relative, sorted, with its bytes.
pub fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    files
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    for entry in fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("below root")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((relative, fs::read(&path).expect("read file")));
        }
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
