//! Outputs checked by the parsers feed readers and calendar apps use: Python feedparser and
//! icalendar, and ical.js (Thunderbird's parser), via `tests/external/check_outputs.py`.
//! `.ci/install-tools.sh` installs them; these tests fail, rather than skip, without them.

use std::path::PathBuf;
use std::process::Command;

use crate::harness::{repo_path, Project};
use crate::hostile;

fn python() -> PathBuf {
    let python = repo_path("tests/external/.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run .ci/install-tools.sh first",
        python.display()
    );
    python
}

fn check_with_external_parsers(project: &Project) {
    let jsonl = project.ok(&["export", "--format", "jsonl"]);
    let jsonl_path = project.path("events.jsonl");
    std::fs::write(&jsonl_path, jsonl).unwrap();
    let out = Command::new(python())
        .arg(repo_path("tests/external/check_outputs.py"))
        .arg("--public")
        .arg(project.public())
        .arg("--events-jsonl")
        .arg(&jsonl_path)
        .arg("--config")
        .arg(project.events().join("chronicle.toml"))
        .output()
        .expect("run check_outputs.py");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "external parsers flagged the outputs:\n{report}"
    );
    assert!(report.contains(" passed, 0 failed"), "{report}");
}

#[test]
fn sample_passes_feedparser_icalendar_and_icaljs() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    check_with_external_parsers(&project);
}

#[test]
fn hostile_collection_passes_feedparser_icalendar_and_icaljs() {
    let project = Project::empty();
    hostile::write_collection(&project.events(), 2000, 300);
    project.ok(&["build"]);
    check_with_external_parsers(&project);
}
