//! Outputs checked by the parsers feed readers and calendar apps use: Python feedparser and
//! icalendar, and ical.js (Thunderbird's parser), via `tests/external/check_outputs.py`;
//! libical; vdirsyncer and khal; and every RSS and Atom document by the W3C Feed Validation
//! Service's own code, via `tests/external/validate_feeds.py`. `.ci/install-tools.sh` installs
//! the parsers; these tests fail, rather than skip, without them. The validator comes from
//! `../shared` (see [`feed_validator`]).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::calendar_clients::{event_uids, one_event_per_item, vdirsyncer_items};
use crate::common::{installed_tool, python};
use crate::harness::{repo_path, Project};
use crate::hostile;

/// Where the W3C Feed Validation Service's code is, relative to the repository: in `shared`
/// beside the clone (README, "Tests").
const FEED_VALIDATOR: &str = "../shared/tools/w3c-feedvalidator/validate";

/// The validator's `validate` script, or `None` when this clone has no `../shared` beside it.
/// CI (`CI=true`) always has it, so there a missing validator fails the test; elsewhere the
/// validation is skipped, and `scripts/test.sh` says so in its summary.
fn feed_validator() -> Option<PathBuf> {
    let path = repo_path(FEED_VALIDATOR);
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: CI runs with ../shared beside the clone",
        path.display()
    );
    eprintln!(
        "skipped: the W3C feed validator ({} not found)",
        path.display()
    );
    None
}

/// Every RSS and Atom document of the build judged by the W3C Feed Validation Service: no
/// error, no warning.
pub(crate) fn check_with_w3c_validator(project: &Project) {
    let Some(validator) = feed_validator() else {
        return;
    };
    let mut command = Command::new(python());
    command
        .arg(repo_path("tests/external/validate_feeds.py"))
        .arg("--validator")
        .arg(validator)
        .arg("--public")
        .arg(project.public())
        .arg("--config")
        .arg(project.events().join("chronicle.toml"));
    let out = command.output().expect("run validate_feeds.py");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the W3C feed validator flagged the outputs:\n{report}"
    );
    assert!(report.contains(" passed, 0 failed"), "{report}");
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

/// Every calendar of the build read by libical (with its RFC 5545 and iTIP restriction
/// checks): no error, and every event's UID and SUMMARY as the JSONL export has them.
fn check_with_libical(project: &Project) {
    let program = installed_tool("tests/external/.bin/libical_check");
    let titles = titles(project);
    let events = event_count(project);
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
            assert_eq!(uids.len(), events, "every event in the calendar");
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

/// How many events the collection has (titles need not be unique), from the JSONL export.
fn event_count(project: &Project) -> usize {
    project.ok(&["export", "--format", "jsonl"]).lines().count()
}

/// The title of every event as calendars show it, from the JSONL export: a retracted event's
/// SUMMARY says so and carries the retraction note (the fixtures' notes hold no Markdown
/// syntax, so its text is its words, one space apart).
fn titles(project: &Project) -> BTreeSet<String> {
    project
        .ok(&["export", "--format", "jsonl"])
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            let title = event["title"].as_str().unwrap();
            match event["retraction"].as_str() {
                Some(note) => format!(
                    "Retracted: {title} ({})",
                    note.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
                None => title.to_string(),
            }
        })
        .collect()
}

/// A vdirsyncer `singlefile` storage (a downloaded calendar) of a copy of `calendar` in `dir`:
/// vdirsyncer rewrites the file it syncs from, even when told it is read-only.
fn singlefile(calendar: &Path, dir: &Path) -> String {
    let copy = dir.join("calendar.ics");
    std::fs::copy(calendar, &copy).expect("copy the calendar");
    format!("type = \"singlefile\"\npath = \"{}\"", copy.display())
}

/// vdirsyncer (`singlefile` storage, as for a downloaded calendar) makes one item of each
/// event of the root calendar and of the first `tags` tag calendars (by path), with no
/// warning. A run takes seconds: a collection of hundreds of tags gets a few, whose calendars
/// are subsets of the root's, written by the same code.
fn check_with_vdirsyncer(project: &Project, tags: usize) {
    let calendars = crate::harness::snapshot_dir(&project.public())
        .into_iter()
        .filter(|(path, _)| path.ends_with("calendar.ics"))
        .filter(|(path, _)| path == "calendar.ics" || path.starts_with("tags/"))
        .take(tags.saturating_add(1));
    for (path, bytes) in calendars {
        let synced = tempfile::tempdir().expect("temporary directory");
        let items = vdirsyncer_items(
            &singlefile(&project.public().join(&path), synced.path()),
            &synced.path().join("items"),
        );
        let calendar = String::from_utf8(bytes).expect("a UTF-8 calendar");
        assert_eq!(
            one_event_per_item(&items),
            event_uids(&calendar),
            "{path}: one item per event"
        );
    }
}

/// `khal <args>` with one calendar, the folder `calendar` (dates written as 2025-09-03); its
/// stdout. Panics unless khal succeeds with nothing on stderr.
fn khal(calendar: &Path, args: &[&OsStr]) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[calendars]\n[[events]]\npath = {}\n[locale]\ndateformat = %Y-%m-%d\n\
             longdateformat = %Y-%m-%d\ntimeformat = %H:%M\ndatetimeformat = %Y-%m-%d %H:%M\n\
             longdatetimeformat = %Y-%m-%d %H:%M\n",
            calendar.display()
        ),
    )
    .expect("write the khal config");
    let out = Command::new("khal")
        .arg("--config")
        .arg(&config)
        .args(args)
        .env("HOME", dir.path())
        .output()
        .expect("run khal (installed by .ci/install-tools.sh)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "khal {args:?}:\n{stderr}"
    );
    String::from_utf8(out.stdout).expect("UTF-8 from khal")
}

/// `khal printics` reads the whole calendar as khal shows events: every event, each with its
/// UID and title, and nothing on stderr.
fn check_with_khal(project: &Project) {
    let unused = tempfile::tempdir().expect("temporary directory");
    let file = project.public().join("calendar.ics");
    let stdout = khal(
        unused.path(),
        &[
            "printics".as_ref(),
            "--format".as_ref(),
            "{uid}\t{title}".as_ref(),
            file.as_os_str(),
        ],
    );
    let mut lines = stdout.lines();
    let titles = titles(project);
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "{} events found in {}",
                event_count(project),
                file.display()
            )
            .as_str()
        )
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
    check_with_vdirsyncer(&project, usize::MAX);
}

#[test]
fn khal_lists_every_event_vdirsyncer_synced_from_the_sample() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let file = project.public().join("calendar.ics");
    let synced = tempfile::tempdir().expect("temporary directory");
    let items = synced.path().join("items");
    vdirsyncer_items(&singlefile(&file, synced.path()), &items);
    // Every event of the sample is in 2025; one listed over several days is listed each day.
    let listed = khal(
        &items,
        &[
            "list",
            "--format",
            "{uid}",
            "--day-format",
            "",
            "2025-01-01",
            "2025-12-31",
        ]
        .map(OsStr::new),
    );
    let uids: BTreeSet<&str> = listed.lines().filter(|l| !l.is_empty()).collect();
    let calendar = std::fs::read_to_string(&file).expect("the calendar");
    let expected = event_uids(&calendar);
    assert_eq!(uids.into_iter().collect::<Vec<_>>(), expected);
}

#[test]
fn sample_calendar_passes_khal() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    check_with_khal(&project);
}

/// Events at the edges of the date range every output can hold (`docs/format.md`): the first
/// day, year and instant, a local time in local mean time, the last all-day date, month and
/// year, the last time without an end, the last `published` and `updated` (and two entries
/// moved apart to the last second but one), and an event spanning the whole range.
const EDGES: [(&str, &str); 9] = [
    (
        "first-day",
        "date = 0001-01-01\npublished = 0001-01-01T00:00:00Z\ntags = [\"first\"]",
    ),
    (
        "first-year",
        "date = \"0001\"\npublished = 0001-01-02T00:00:00Z\ntags = [\"first\"]",
    ),
    (
        "first-instant",
        "timezone = \"UTC\"\ndate = 0001-01-01T00:00:00Z\npublished = 0001-01-03T00:00:00Z\n\
         tags = [\"first\"]",
    ),
    (
        "first-local-time",
        "date = 0001-01-01T12:00:00\nend = 0001-01-01T13:00:00\n\
         published = 0001-01-04T00:00:00Z\ntags = [\"first\"]",
    ),
    (
        "last-day",
        "date = 9999-12-30\npublished = 9999-12-31T23:59:56Z\ntags = [\"last\"]",
    ),
    (
        "last-month",
        "date = \"9999-11\"\npublished = 9999-12-31T23:59:57Z\ntags = [\"last\"]",
    ),
    (
        "last-year",
        "date = \"9998\"\npublished = 9999-12-31T23:59:57Z\ntags = [\"last\"]",
    ),
    (
        "last-instant",
        "timezone = \"UTC\"\ndate = 9999-12-30T23:59:59Z\npublished = 9999-12-31T23:59:59Z\n\
         updated = 9999-12-31T23:59:59Z\ntags = [\"last\"]",
    ),
    (
        "span",
        "timezone = \"UTC\"\ndate = 0001-01-01T00:00:00Z\nend = 9999-12-30\n\
         published = 2000-01-01T00:00:00Z\ntags = [\"first\", \"last\"]",
    ),
];

#[test]
fn collection_at_the_edges_of_the_date_range_passes_every_parser() {
    let project = Project::empty();
    // Mexico City kept local mean time (-06:36:36) in year 1.
    project.write(
        "events/chronicle.toml",
        "title = \"Edges\"\nbase_url = \"https://example.org/edges/\"\nlanguage = \"en\"\n\
         timezone = \"America/Mexico_City\"\nauthor = \"Edge tester\"\n",
    );
    for (id, front_matter) in EDGES {
        project.write(
            &format!("events/{id}.md"),
            &format!("+++\ntitle = \"Event {id}\"\n{front_matter}\n+++\nBody of {id}.\n"),
        );
    }
    project.ok(&["build"]);
    check_with_external_parsers(&project);
    check_with_libical(&project);
    check_with_vdirsyncer(&project, usize::MAX);
    check_with_khal(&project);
}

/// The `corrections` fixture (corrected, retracted and untouched events, hostile text in
/// every note) and its corrections log pass every parser, client and validator.
#[test]
fn corrections_and_a_retraction_pass_every_client_and_validator() {
    let project = Project::fixture("corrections");
    project.ok(&["build"]);
    assert!(project.public().join("corrections/atom.xml").is_file());
    // The notes' markup is text in every document; their script link is dropped.
    for (path, bytes) in crate::harness::snapshot_dir(&project.public()) {
        let text = String::from_utf8(bytes).expect("UTF-8 outputs");
        assert!(!text.contains("javascript:"), "{path}");
        if !path.ends_with(".ics") {
            assert!(
                !text.contains("<script") && !text.contains("<img"),
                "{path}"
            );
        }
    }
    check_with_w3c_validator(&project);
    check_with_external_parsers(&project);
    check_with_libical(&project);
    check_with_vdirsyncer(&project, usize::MAX);
    check_with_khal(&project);
}

#[test]
fn sample_passes_the_w3c_feed_validator() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    check_with_w3c_validator(&project);
}

#[test]
fn hostile_collection_passes_the_w3c_feed_validator() {
    let project = Project::empty();
    hostile::write_collection(&project.events(), 2000, 300);
    project.ok(&["build"]);
    check_with_w3c_validator(&project);
}

/// A generated corpus of 2,000 events: every output (root, each of its tags, every archive
/// page) passes every client and validator the sample passes.
#[test]
fn generated_corpus_passes_every_client() {
    let project = Project::empty();
    crate::corpus::generate(2000, &project.events()).expect("corpus written");
    project.ok(&["build"]);
    check_with_w3c_validator(&project);
    check_with_external_parsers(&project);
    check_with_libical(&project);
    check_with_vdirsyncer(&project, 3);
    check_with_khal(&project);
}

#[test]
fn hostile_collection_passes_vdirsyncer_and_khal() {
    let project = Project::empty();
    hostile::write_collection(&project.events(), 2000, 300);
    project.ok(&["build"]);
    check_with_vdirsyncer(&project, 3);
    check_with_khal(&project);
}

/// Titles with markup as text (the collection's, an event's, a tag) read back as written and
/// draw no validator warning, in the feeds, a tag's feeds and the archive pages.
#[test]
fn titles_with_markup_read_as_text_and_pass_the_w3c_feed_validator() {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "id = \"tag:example.org,2025:markup\"\ntitle = \"Rulings & <i>notes</i>\"\nbase_url = \"https://example.org/t/\"\nauthor = \"Desk\"\nfeed_limit = 1\n",
    );
    for (day, title) in [
        (4, r#"Ruling on <b>bold</b> claims & "AT&T""#),
        (5, "&amp; is not &, <!-- nor --> <?this?>"),
        (6, "a < b and 5<6 & R & D"),
    ] {
        project.write(
            &format!("events/2025/day-{day}.md"),
            &format!(
                "+++\ntitle = {}\ndate = 2025-03-0{day}\ntags = [\"<b>\"]\npublished = 2025-03-0{day}T10:00:00Z\n+++\nBody.\n",
                toml::Value::String(title.to_string())
            ),
        );
    }
    project.ok(&["build"]);
    assert!(project.path("public/archive/rss-2.xml").is_file());
    check_with_external_parsers(&project);
    check_with_w3c_validator(&project);
}

/// With `websub_hub` set (a hub whose query holds `&`), the corrections fixture's feeds, the
/// corrections log and the archive pages still pass the W3C validator, feedparser and the JSON
/// Feed checks, which also find the hub in every subscription document and in no archive page.
#[test]
fn feeds_naming_a_websub_hub_pass_every_judge() {
    let project = Project::fixture("corrections");
    let settings = project.read("events/chronicle.toml");
    project.write(
        "events/chronicle.toml",
        &format!(
            "{settings}feed_limit = 2\nwebsub_hub = \"{}\"\n",
            crate::websub::HUB
        ),
    );
    project.ok(&["build"]);
    assert!(project.public().join("archive").is_dir());
    check_with_w3c_validator(&project);
    check_with_external_parsers(&project);
}
