//! A property over mutated collections: the sample with a few seeded mutations (flipped bytes,
//! truncation, inserted and deleted text, TOML lines added, dropped or given other values,
//! random Unicode), sometimes with a page template of its own, mutated too. For each:
//! nothing panics, and when `check` finds no error, `build` succeeds and every output parses
//! (XML, RSS and Atom, JSON Feed, iCalendar).
//!
//! Deterministic: the seed is fixed, and the case count keeps it within seconds. For a longer
//! run, set `CHRONICLE_MUTATION_CASES` (say 5000) and `CHRONICLE_MUTATION_SEED` (any number).
//! A failure is shrunk to the fewest, smallest mutations that still fail, and printed.

#![allow(unreachable_pub)]

// Shared with the other test binaries; this one uses only the file helpers.
#[allow(dead_code)]
#[path = "common/mod.rs"]
mod common;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use common::{copy_dir, repo_path};

/// How many mutated collections a run checks and builds, unless the environment says.
const DEFAULT_CASES: u32 = 128;

/// Values a TOML key may be given, valid and not: each date form, out-of-range dates, other
/// types, text that troubles feeds and calendars.
const VALUES: &[&str] = &[
    "\"\"",
    "\"   \"",
    "[]",
    "{}",
    "true",
    "-1",
    "0",
    "4294967296",
    "1e400",
    "nan",
    "2025-02-30",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "1900-01-01T00:00:00+14:00",
    "2025-03-09T02:30:00",
    "2025-09-03 12:00:00Z",
    "12:00:00",
    "\"2025\"",
    "\"2025-13\"",
    "\"0000\"",
    "\"-0001\"",
    "\"9999-12\"",
    "\"America/Atlantis\"",
    "\"Pacific/Kiritimati\"",
    "\"Etc/GMT+12\"",
    "\"cancelled\"",
    "\"tentative\"",
    "\"<script>alert(1)</script>\"",
    "\"]]> & <b>\"",
    "\"line\\nEND:VEVENT\"",
    "\"\\u2028 \\u2029 \\u0085 \\ufeff\"",
    "\"\\u0000\"",
    "\"\\ud7ff\\ue000\\uffff\"",
    "\"C++\"",
    "[\"C\", \"C#\"]",
    "[\"a\", \"A\", \"a b\", \"a-b\"]",
    "[\"東京\", \"Ελληνικά\", \"🚀\"]",
    "[1, 2]",
    "\"https://\"",
    "\"javascript:alert(1)\"",
    "\"https://example.org/a b\"",
    "\"http://[::1]:0/x?a=1&b=<2>\"",
    "\"zz-Latn-ZZ\"",
    "\"x\"",
];

/// Lines added to a file: every field, valid and not, and TOML structure.
const LINES: &[&str] = &[
    "end = 2025-09-04",
    "end = 2024-01-01",
    "end = \"2026\"",
    "end = 2025-09-03T23:59:59-06:00",
    "timezone = \"Asia/Kathmandu\"",
    "timezone = \"UTC\"",
    "location = \"Plaza; a,b \\\\ c\"",
    "tags = [\"C\", \"c++\", \"C#\"]",
    "tags = [\"Press conference\", \"press-conference\"]",
    "status = \"cancelled\"",
    "status = \"maybe\"",
    "status = \"retracted\"\nretraction = \"Wrong <b>x</b> & ]]> END:VEVENT\"",
    "status = \"retracted\"",
    "retraction = \"No status\"",
    "draft = true",
    "draft = \"yes\"",
    "published = 1970-01-01T00:00:00Z",
    "published = 2100-01-01T00:00:00Z",
    "updated = 2020-01-01T00:00:00Z",
    "updated = 2099-12-31T23:59:59Z",
    "id = \"same-id\"",
    "id = \"bad id\"",
    "id = \"..\"",
    "[[sources]]\ntitle = \"S\"\nurl = \"https://example.org/s\"",
    "[[sources]]\ntitle = \"S\"",
    "[[sources]]\ntitle = \"S\"\nurl = \"https://example.org/s\"\ndate = \"2025\"\npublisher = \"P & Q\"",
    "[sources]",
    "[[corrections]]\ndate = 2025-09-10T10:00:00Z\nnote = \"Fixed & <i>x</i> [j](javascript:x)\"",
    "[[corrections]]\ndate = 9999-12-31T23:59:59Z\nnote = \"At the end of time\"",
    "[[corrections]]\ndate = 2020-01-01T00:00:00Z\nnote = \"Before\"",
    "[[corrections]]\nnote = \"No date\"",
    "[x]",
    "title = \"again\"",
    "+++",
    "",
    "feed_limit = 0",
    "feed_limit = 1",
    "feed_limit = 100000000000",
    "base_url = \"http://[::1]:0/\"",
    "base_url = \"https://example.org/a b/\"",
    "language = \"\"",
    "timezone = \"Mars/Olympus\"",
    "description = \"\"",
    "author = \"<desk>\"",
];

/// Text inserted anywhere: markup, calendar and template syntax, and Unicode that is rare or
/// special in XML, JSON or calendars.
const SNIPPETS: &[&str] = &[
    "\u{2028}",
    "\u{feff}",
    "\u{0}",
    "\u{7}",
    "\u{85}",
    "\u{fffe}",
    "\u{ffff}",
    "\u{10ffff}",
    "\u{301}",
    "\u{202e}",
    "\r",
    "\r\n",
    "\n+++\n",
    "\"",
    "'",
    "\\",
    "]]>",
    "<![CDATA[",
    "<script>",
    "&",
    "&#0;",
    "END:VEVENT\n",
    "{{",
    "}}",
    "{{ totl }}",
    "{% include \"index.html\" %}",
    "{% extends \"index.html\" %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}",
    "{{ groups[0].months[0].events[0].end.text }}",
    "{{ e.sources[0].publisher | upper }}",
    "🚀",
    "東京",
    "[link](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "# heading\n\n",
    "[^1]\n\n[^1]: note",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
];

/// One change to a file's bytes; positions are taken relative to its length.
#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(Index, u8),
    Truncate(Index),
    Delete(Index, u8),
    Insert(Index, &'static str),
    InsertChar(Index, char),
    AddLine(Index, &'static str),
    DropLine(Index),
    DuplicateLine(Index),
    SetValue(Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::FlipByte(at, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1..40u8).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<Index>(), select(SNIPPETS)).prop_map(|(at, s)| Mutation::Insert(at, s)),
        (any::<Index>(), any::<char>()).prop_map(|(at, c)| Mutation::InsertChar(at, c)),
        (any::<Index>(), select(LINES)).prop_map(|(at, l)| Mutation::AddLine(at, l)),
        any::<Index>().prop_map(Mutation::DropLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), select(VALUES)).prop_map(|(at, v)| Mutation::SetValue(at, v)),
    ]
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let at = |index: &Index, len: usize| index.index(len + 1);
        match self {
            Mutation::FlipByte(index, byte) => {
                if !bytes.is_empty() {
                    let i = index.index(bytes.len());
                    bytes[i] = *byte;
                }
            }
            Mutation::Truncate(index) => bytes.truncate(at(index, bytes.len())),
            Mutation::Delete(index, n) => {
                let start = at(index, bytes.len());
                let end = (start + usize::from(*n)).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Insert(index, text) => {
                let i = at(index, bytes.len());
                bytes.splice(i..i, text.bytes());
            }
            Mutation::InsertChar(index, c) => {
                let i = at(index, bytes.len());
                bytes.splice(i..i, c.to_string().into_bytes());
            }
            Mutation::AddLine(index, line) => {
                let mut lines = split_lines(bytes);
                let i = at(index, lines.len());
                lines.insert(i, line.as_bytes().to_vec());
                *bytes = lines.join(&b'\n');
            }
            Mutation::DropLine(index) => {
                let mut lines = split_lines(bytes);
                if !lines.is_empty() {
                    lines.remove(index.index(lines.len()));
                }
                *bytes = lines.join(&b'\n');
            }
            Mutation::DuplicateLine(index) => {
                let mut lines = split_lines(bytes);
                if !lines.is_empty() {
                    let i = index.index(lines.len());
                    lines.insert(i, lines[i].clone());
                }
                *bytes = lines.join(&b'\n');
            }
            Mutation::SetValue(index, value) => {
                // The value of the chosen `key = value` line, if it is one.
                let mut lines = split_lines(bytes);
                if !lines.is_empty() {
                    let i = index.index(lines.len());
                    if let Some(eq) = lines[i].iter().position(|&b| b == b'=') {
                        lines[i].truncate(eq + 1);
                        lines[i].push(b' ');
                        lines[i].extend_from_slice(value.as_bytes());
                    }
                }
                *bytes = lines.join(&b'\n');
            }
        }
    }
}

fn split_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

/// A mutated collection: which default template (if any) the collection has a copy of, and
/// the mutations, each applied to the file it names.
#[derive(Debug, Clone)]
struct Case {
    template: Option<&'static str>,
    mutations: Vec<(Index, Mutation)>,
}

fn case() -> impl Strategy<Value = Case> {
    let template = prop_oneof![
        3 => Just(None),
        1 => select(&["index.html", "base.html", "macros.html"][..]).prop_map(Some),
    ];
    let mutations = prop::collection::vec((any::<Index>(), mutation()), 1..4);
    (template, mutations).prop_map(|(template, mutations)| Case {
        template,
        mutations,
    })
}

/// The sample's files (settings, events) and the template copy, sorted, for mutations to pick.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("folder readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Lays out the case's collection in `dir`.
fn lay_out(case: &Case, dir: &Path) {
    copy_dir(&repo_path("events"), dir);
    if let Some(name) = case.template {
        let source = fs::read(repo_path("templates").join(name)).expect("default template");
        fs::create_dir_all(dir.join("templates")).expect("folder");
        fs::write(dir.join("templates").join(name), source).expect("template");
    }
    let files = files(dir);
    for (which, mutation) in &case.mutations {
        let path = which.get(&files);
        let mut bytes = fs::read(path).expect("readable");
        mutation.apply(&mut bytes);
        fs::write(path, bytes).expect("written");
    }
}

/// Every output below `out` parses as what its name says.
fn check_outputs(out: &Path) -> Result<(), String> {
    for path in files(out) {
        let name = path.to_string_lossy().into_owned();
        let bytes = fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
        let text = || String::from_utf8(bytes.clone()).map_err(|e| format!("{name}: {e}"));
        match path.extension().and_then(|e| e.to_str()) {
            Some("xml") => {
                let text = text()?;
                roxmltree::Document::parse(&text).map_err(|e| format!("{name}: {e}"))?;
                feed_rs::parser::parse(bytes.as_slice()).map_err(|e| format!("{name}: {e}"))?;
            }
            Some("json") => {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .map_err(|e| format!("{name}: {e}"))?;
                feed_rs::parser::parse(bytes.as_slice()).map_err(|e| format!("{name}: {e}"))?;
            }
            Some("ics") => {
                let calendars = ical::IcalParser::new(bytes.as_slice());
                for calendar in calendars {
                    calendar.map_err(|e| format!("{name}: {e}"))?;
                }
            }
            Some("html") => {
                text()?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// How many collections were built (their `check` was clean), of how many checked.
static BUILT: AtomicUsize = AtomicUsize::new(0);
static CHECKED: AtomicUsize = AtomicUsize::new(0);

/// Checks the case's collection; when `check` is clean, builds it and reads every output.
fn check_then_build(case: &Case) -> Result<(), TestCaseError> {
    CHECKED.fetch_add(1, Ordering::Relaxed);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let events = tmp.path().join("events");
    let out = tmp.path().join("public");
    lay_out(case, &events);
    let checked = catch_unwind(AssertUnwindSafe(|| {
        chronicle::check::check_collection(
            &events,
            chronicle::render::covering::render_covering_pages,
        )
    }))
    .map_err(|_| TestCaseError::fail("check panicked"))?;
    let Ok(checked) = checked else {
        // The collection folder cannot be read: an operational error, not a panic.
        return Ok(());
    };
    if checked.error_count() > 0 {
        return Ok(());
    }
    BUILT.fetch_add(1, Ordering::Relaxed);
    let cli = chronicle::cli::Cli::try_parse_from([
        "chronicle".as_ref(),
        "build".as_ref(),
        "--quiet".as_ref(),
        "--events".as_ref(),
        events.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .expect("arguments parse");
    let built = catch_unwind(AssertUnwindSafe(|| chronicle::run(cli)))
        .map_err(|_| TestCaseError::fail("build panicked"))?;
    match built {
        Ok(code) if code == ExitCode::SUCCESS => {}
        Ok(_) => return Err(TestCaseError::fail("check passed, build found errors")),
        Err(err) => {
            return Err(TestCaseError::fail(format!(
                "check passed, build failed: {err:#}"
            )))
        }
    }
    check_outputs(&out).map_err(|e| TestCaseError::fail(format!("an output does not parse: {e}")))
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
fn check_ok_means_build_ok_and_outputs_parse() {
    let cases = env_number("CHRONICLE_MUTATION_CASES")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_CASES);
    let seed = env_number("CHRONICLE_MUTATION_SEED").unwrap_or(2025);
    let config = Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(failure) = runner.run(&case(), |case| check_then_build(&case)) {
        panic!("{failure} (seed {seed})");
    }
    let built = BUILT.load(Ordering::Relaxed);
    let checked = CHECKED.load(Ordering::Relaxed);
    eprintln!("{built} of {checked} mutated collections passed check and were built");
    // Most mutations break a file; enough must leave it valid for the build to be tested.
    assert!(built * 5 >= checked, "only {built} of {checked} were built");
}
