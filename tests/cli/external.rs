//! Outputs checked by the parsers feed readers and calendar apps use: Python feedparser and
//! icalendar, and ical.js (Thunderbird's parser), via `tests/external/check_outputs.py`;
//! libical; vdirsyncer and khal. `.ci/install-tools.sh` installs them; these tests fail,
//! rather than skip, without them.

use std::collections::BTreeSet;
use std::process::Command;

use crate::calendar_clients::{event_uids, one_event_per_item, vdirsyncer_items};
use crate::common::{installed_tool, python};
use crate::harness::{repo_path, Project};
use crate::hostile;

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

/// Every calendar of the build read by libical (with its RFC 5545 and iTIP restriction
/// checks): no error, and every event's UID and SUMMARY as the JSONL export has them.
fn check_with_libical(project: &Project) {
    let program = installed_tool("tests/external/.bin/libical_check");
    let jsonl = project.ok(&["export", "--format", "jsonl"]);
    let titles: BTreeSet<String> = jsonl
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            event["title"].as_str().unwrap().to_string()
        })
        .collect();
    let calendars = crate::harness::snapshot_dir(&project.public())
        .into_iter()
        .filter(|(path, _)| path.ends_with("calendar.ics"));
    let mut checked = 0;
    for (path, _) in calendars {
        let out = Command::new(&program)
            .arg(project.public().join(&path))
            .output()
            .expect("run libical_check");
        let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
        assert!(
            out.status.success(),
            "libical flagged {path}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut uids = BTreeSet::new();
        for line in stdout.lines() {
            let (uid, summary) = line.split_once('\t').expect("UID<TAB>SUMMARY");
            assert!(uids.insert(uid.to_string()), "{path}: duplicate UID {uid}");
            assert!(
                titles.contains(summary),
                "{path}: unexpected SUMMARY {summary:?}"
            );
        }
        if path == "calendar.ics" {
            assert_eq!(uids.len(), titles.len(), "every event in the calendar");
        }
        checked += 1;
    }
    assert!(
        checked > 1,
        "the root calendar and the tag calendars were checked"
    );
}

#[test]
fn sample_passes_feedparser_icalendar_and_icaljs() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    check_with_external_parsers(&project);
}

#[test]
fn sample_passes_libical() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    check_with_libical(&project);
}

#[test]
fn hostile_collection_passes_libical() {
    let project = Project::empty();
    hostile::write_collection(&project.events(), 2000, 300);
    project.ok(&["build"]);
    check_with_libical(&project);
}

#[test]
fn hostile_collection_passes_feedparser_icalendar_and_icaljs() {
    let project = Project::empty();
    hostile::write_collection(&project.events(), 2000, 300);
    project.ok(&["build"]);
    check_with_external_parsers(&project);
}

/// The title of every event, from the JSONL export.
fn titles(project: &Project) -> BTreeSet<String> {
    project
        .ok(&["export", "--format", "jsonl"])
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            event["title"].as_str().unwrap().to_string()
        })
        .collect()
}

/// vdirsyncer (`singlefile` storage, as for a downloaded calendar) makes one item of each
/// event of every calendar of the build, with no warning.
fn check_with_vdirsyncer(project: &Project) {
    let calendars = crate::harness::snapshot_dir(&project.public())
        .into_iter()
        .filter(|(path, _)| path.ends_with("calendar.ics"));
    for (path, bytes) in calendars {
        let file = project.public().join(&path);
        let items = vdirsyncer_items(&format!(
            "type = \"singlefile\"\npath = \"{}\"",
            file.display()
        ));
        let calendar = String::from_utf8(bytes).expect("a UTF-8 calendar");
        assert_eq!(
            one_event_per_item(&items),
            event_uids(&calendar),
            "{path}: one item per event"
        );
    }
}

/// `khal printics` reads the whole calendar as khal shows events: every event, each with its
/// UID and title, and nothing on stderr.
fn check_with_khal(project: &Project) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[calendars]\n[[events]]\npath = {}\n",
            dir.path().join("events").display()
        ),
    )
    .expect("write the khal config");
    let file = project.public().join("calendar.ics");
    let out = Command::new("khal")
        .arg("--config")
        .arg(&config)
        .args(["printics", "--format", "{uid}\t{title}"])
        .arg(&file)
        .env("HOME", dir.path())
        .output()
        .expect("run khal (installed by .ci/install-tools.sh)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "khal:\n{stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 from khal");
    let mut lines = stdout.lines();
    let titles = titles(project);
    assert_eq!(
        lines.next(),
        Some(format!("{} events found in {}", titles.len(), file.display()).as_str())
    );
    let (mut uids, shown): (Vec<String>, BTreeSet<String>) = lines
        .map(|line| {
            let (uid, title) = line.split_once('\t').expect("UID<TAB>title");
            (uid.to_string(), title.to_string())
        })
        .unzip();
    uids.sort();
    let calendar = std::fs::read_to_string(&file).expect("the calendar");
    assert_eq!(uids, event_uids(&calendar));
    assert_eq!(shown, titles);
}

#[test]
fn sample_calendars_sync_one_item_per_event_with_vdirsyncer() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    check_with_vdirsyncer(&project);
}

#[test]
fn sample_calendar_passes_khal() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    check_with_khal(&project);
}
