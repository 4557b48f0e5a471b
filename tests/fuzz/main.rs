//! Fuzz targets on stable Rust: the front-matter parser and the event rules, the date parser,
//! and a whole collection (checked, then rendered to every format and read back), each fed
//! inputs made by mutating the repository's own event files, settings and dates.
//!
//! `cargo test --test fuzz` runs each target for `CHRONICLE_FUZZ_SECS` seconds (20 by default,
//! the targets side by side) from the seed `CHRONICLE_FUZZ_SEED` (fixed by default, so a run is
//! repeatable). An input that panics is saved under `target/tmp/fuzz-crashes/<target>/` and
//! named in the failure; once fixed, it goes to `tests/fuzz/regressions/<target>/`, which
//! every run replays first. See tests/README.md for the long run.

// Test modules share helpers with `pub`; the binary has no outside users to hide them from.
#![allow(unreachable_pub)]

#[path = "../common/mod.rs"]
#[allow(dead_code)]
mod common;
mod mutate;
mod targets;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::repo_path;
use mutate::Mutator;

fn budget() -> Duration {
    let secs = std::env::var("CHRONICLE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

fn seed() -> u64 {
    std::env::var("CHRONICLE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(20_250_903)
}

/// Every file below `relative` (in the repository) whose name ends with `suffix`, sorted.
fn files(relative: &str, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(repo_path(relative))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(suffix))
        .map(walkdir::DirEntry::into_path)
        .collect();
    found.sort();
    found
}

fn read_all(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| fs::read(p).expect("seed read"))
        .collect()
}

fn event_seeds() -> Vec<Vec<u8>> {
    let mut paths = files("events", ".md");
    paths.extend(files("tests/fixtures", ".md"));
    paths.extend(files("tests/fuzz/regressions/front_matter", ""));
    read_all(&paths)
}

fn settings_seeds() -> Vec<Vec<u8>> {
    let mut paths = files("events", "chronicle.toml");
    paths.extend(files("tests/fixtures", "chronicle.toml"));
    read_all(&paths)
}

fn date_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = [
        "2025-09-03",
        "2025-09-03T12:00:00-06:00",
        "2025-09-03T12:00:00Z",
        "2025-09-03 12:00:00",
        "2025-03-09T02:30:00",
        "2025-11-02T01:30:00.5",
        "\"2025-03\"",
        "\"2025\"",
        "\"2025-09-03\"",
        "2025",
        "2025-03",
        "0000-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "\"9999-12\"",
        "2011-12-30",
        "1979-05-27T00:32:00.999999-07:00",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    seeds.extend(read_all(&files("tests/fuzz/regressions/dates", "")));
    seeds
}

/// Runs `target` on `input`; a panic is reported with the input saved by `save` under
/// `target/tmp/fuzz-crashes/<name>/`.
fn run_one<I>(
    name: &str,
    iteration: u64,
    input: &I,
    target: impl Fn(&I),
    save: impl Fn(&I, &Path),
) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| target(input))) {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a panic");
        let folder = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("fuzz-crashes")
            .join(name);
        fs::create_dir_all(&folder).expect("crash folder");
        let path = folder.join(format!("seed-{}-iteration-{iteration}", seed()));
        save(input, &path);
        panic!(
            "fuzz target {name} failed at iteration {iteration} (seed {}): {message}\nthe input is saved at {}",
            seed(),
            path.display()
        );
    }
}

/// Feeds `target` mutated inputs until the budget is spent.
fn fuzz<I>(
    name: &str,
    mut generate: impl FnMut(&mut Mutator) -> I,
    mut mutator: Mutator,
    target: impl Fn(&I),
    save: impl Fn(&I, &Path),
) {
    let deadline = Instant::now() + budget();
    let mut iteration = 0;
    while Instant::now() < deadline {
        let input = generate(&mut mutator);
        run_one(name, iteration, &input, &target, &save);
        iteration += 1;
    }
    assert!(iteration > 0, "fuzz target {name} ran no input");
    eprintln!("fuzz target {name}: {iteration} inputs (seed {})", seed());
}

fn save_text(text: &String, path: &Path) {
    fs::write(path, text).expect("crash saved");
}

/// A collection as files: the settings and a few event files, some mutated, some as they were.
struct CollectionInput {
    settings: Vec<u8>,
    events: Vec<(String, Vec<u8>)>,
}

impl CollectionInput {
    fn generate(events: &mut Mutator, settings: &mut Mutator) -> CollectionInput {
        // Mostly valid settings, so the events are checked in a zone and rendered.
        let settings = if events.rng.u8(..4) == 0 {
            settings.next()
        } else {
            let seeds = settings_seeds();
            seeds[events.rng.usize(..seeds.len())].clone()
        };
        let count = events.rng.usize(1..=6);
        let files = (0..count)
            .map(|i| {
                // Some names hold what a terminal acts on: reports must show them escaped.
                let folder =
                    ["", "2025/", "a b/", "é/", "\u{1b}[2J/", "new\nline/"][events.rng.usize(..6)];
                let name = ["e", "\u{202e}e", "\u{7}e"][events.rng.usize(..3)];
                (format!("{folder}{name}{i}.md"), events.next())
            })
            .collect();
        CollectionInput {
            settings,
            events: files,
        }
    }

    fn write(&self, dir: &Path) {
        fs::create_dir_all(dir).expect("collection folder");
        fs::write(dir.join("chronicle.toml"), &self.settings).expect("settings written");
        for (name, bytes) in &self.events {
            let path = dir.join(name);
            fs::create_dir_all(path.parent().expect("inside the folder")).expect("folder");
            fs::write(path, bytes).expect("event written");
        }
    }
}

/// The three targets side by side, each for the whole budget: the run takes the budget
/// however many threads the test harness uses.
#[test]
fn fuzz_targets() {
    std::thread::scope(|scope| {
        scope.spawn(fuzz_front_matter);
        scope.spawn(fuzz_dates);
        scope.spawn(fuzz_collection);
    });
}

fn fuzz_front_matter() {
    let mutator = Mutator::new(seed(), event_seeds());
    fuzz(
        "front_matter",
        Mutator::next_text,
        mutator,
        |text| targets::front_matter(text),
        save_text,
    );
}

fn fuzz_dates() {
    let mutator = Mutator::new(seed(), date_seeds());
    fuzz(
        "dates",
        |m| m.next_text().chars().take(64).collect(),
        mutator,
        |text| targets::dates(text),
        save_text,
    );
}

fn fuzz_collection() {
    let mut settings = Mutator::new(seed() ^ 1, settings_seeds());
    let mutator = Mutator::new(seed(), event_seeds());
    fuzz(
        "collection",
        |m| CollectionInput::generate(m, &mut settings),
        mutator,
        |input| {
            let tmp = tempfile::tempdir().expect("temporary folder");
            input.write(tmp.path());
            targets::collection(tmp.path());
        },
        |input, path| input.write(path),
    );
}

/// Every input a run found failing, kept once fixed: `regressions/<target>/<case>` (a file,
/// or for `collection` a collection folder).
#[test]
fn regressions_pass() {
    let folder = repo_path("tests/fuzz/regressions");
    let cases = |target: &str| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(folder.join(target))
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        found.sort();
        found
    };
    for path in cases("front_matter") {
        let text = String::from_utf8_lossy(&fs::read(&path).expect("case read")).into_owned();
        run_one(
            "front_matter",
            0,
            &text,
            |t| targets::front_matter(t),
            save_text,
        );
    }
    for path in cases("dates") {
        let text = fs::read_to_string(&path).expect("case read");
        run_one("dates", 0, &text, |t| targets::dates(t), save_text);
    }
    for path in cases("collection") {
        // Each case is checked where it lies; it is never written to.
        run_one(
            "collection",
            0,
            &path,
            |p| targets::collection(p),
            |_, _| {},
        );
    }
}
