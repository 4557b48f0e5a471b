//! `chronicle import`: a collection exported as jsonl or csv and imported into an empty one
//! builds byte-identical outputs; hostile inputs are reported at their line and nothing is
//! written; existing files are never overwritten, and `--update` replaces only imported ones.

use std::fs;
use std::path::Path;

use crate::harness::{snapshot_dir, stderr, Project};

const EPOCH: &str = "1756900000";

/// A project holding `events/` made by `make`, and an empty `copy/` with its settings.
fn with_copy(make: impl FnOnce(&Path)) -> Project {
    let project = Project::empty();
    make(&project.events());
    fs::create_dir_all(project.path("copy")).expect("copy folder");
    fs::copy(
        project.events().join("chronicle.toml"),
        project.path("copy/chronicle.toml"),
    )
    .expect("settings copied");
    project
}

/// Every file `build` writes for the collection in `events` (into `out`), pinned in time.
fn built(project: &Project, events: &str, out: &str) -> Vec<(String, Vec<u8>)> {
    let status = project
        .command(&["build", "--quiet", "--events", events, "--out", out])
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .status()
        .expect("run build");
    assert!(status.success(), "build {events}");
    snapshot_dir(&project.path(out))
}

/// Exports `events/` as `format`, imports it into `copy/`, and compares the two builds.
fn assert_round_trip(project: &Project, format: &str) {
    let export = project.ok(&["export", "--format", format]);
    let file = format!("export.{format}");
    project.write(&file, &export);
    project.ok(&["import", &file, "--events", "copy"]);
    project.ok(&["check", "--events", "copy"]);
    let original = built(project, "events", "public-original");
    let imported = built(project, "copy", "public-imported");
    assert_eq!(original.len(), imported.len(), "{format}: the same outputs");
    for ((path, a), (other, b)) in original.iter().zip(&imported) {
        assert_eq!(path, other, "{format}");
        assert!(a == b, "{format}: {path} differs after the round trip");
    }
    // And again, into the result: the same export.
    assert_eq!(
        project.ok(&["export", "--format", format, "--events", "copy"]),
        export,
        "{format}: the imported collection exports as the original did"
    );
}

#[test]
fn sample_round_trips_through_jsonl_and_csv() {
    for format in ["jsonl", "csv"] {
        let project =
            with_copy(|dir| crate::harness::copy_dir(&crate::harness::repo_path("events"), dir));
        assert_round_trip(&project, format);
    }
}

#[test]
fn hostile_collection_round_trips_through_jsonl_and_csv() {
    for format in ["jsonl", "csv"] {
        let project = with_copy(|dir| {
            crate::hostile::write_collection(dir, 48, 10);
        });
        assert_round_trip(&project, format);
    }
}

#[test]
fn generated_corpus_round_trips_through_jsonl_and_csv() {
    for format in ["jsonl", "csv"] {
        let project = with_copy(|dir| crate::corpus::generate(120, dir).expect("corpus written"));
        assert_round_trip(&project, format);
    }
}

/// A collection with its settings and no event.
fn empty_collection() -> Project {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\ntimezone = \"America/Mexico_City\"\n",
    );
    project
}

fn import(project: &Project, args: &[&str]) -> std::process::Output {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    project.chronicle(&all)
}

fn event_files(project: &Project) -> Vec<String> {
    snapshot_dir(&project.events())
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.ends_with(".md"))
        .collect()
}

#[test]
fn a_wrong_type_is_reported_at_its_line_and_nothing_is_written() {
    let project = empty_collection();
    project.write(
        "in.jsonl",
        "{\"title\":\"Fine\",\"date\":\"2025-09-03\"}\n\n{\"title\":\"Bad\",\"date\":\"2025\",\"tags\":[\"a\",7]}\n{\"title\":\"No date\"}\n",
    );
    let out = import(&project, &["in.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "in.jsonl:3: tags[1]: invalid type: integer `7`, expected a string (column 42)\n\
         in.jsonl:4: missing date\n\
         nothing imported: 2 problems\n"
    );
    assert!(event_files(&project).is_empty(), "all or nothing");
}

#[test]
fn check_rules_are_reported_at_the_input_line() {
    let project = empty_collection();
    project.write(
        "in.jsonl",
        "{\"title\":\"Ok\",\"date\":\"2025-09-03\",\"published\":\"2025-09-03T00:00:00Z\"}\n\
         {\"title\":\"Bell\\u0007\",\"date\":\"2025-09-03\",\"published\":\"2025-09-03T00:00:00Z\"}\n\
         {\"title\":\"Backwards\",\"date\":\"2025-09-03\",\"end\":\"2025-09-01\",\"published\":\"2025-09-03T00:00:00Z\"}\n",
    );
    let out = import(&project, &["in.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].starts_with("in.jsonl:2: title "), "{err}");
    assert_eq!(
        lines[1],
        "in.jsonl:3: end (2025-09-01) is before date (2025-09-03)"
    );
    assert!(event_files(&project).is_empty());
}

#[test]
fn hostile_csv_with_bom_crlf_quotes_and_line_breaks() {
    let project = empty_collection();
    let csv = "\u{feff}id,title,date,tags,body,published\r\n\
               quoted,\"He said \"\"no\"\", then left\",2025-09-03,\"[\"\"a,b\"\",\"\"c\"\"]\",\"line one\r\n+++\r\nEND:VEVENT\r\n\",2025-09-03T10:00:00Z\r\n\
               plain,Plain,2025-09,,,2025-09-03T10:00:00Z\r\n";
    project.write("in.csv", csv);
    let out = import(&project, &["in.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "wrote events/2025/quoted.md\nwrote events/2025/plain.md\n"
    );
    let jsonl = project.ok(&["export", "--format", "jsonl"]);
    let events: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let quoted = events
        .iter()
        .find(|e| e["id"] == "quoted")
        .expect("imported");
    assert_eq!(quoted["title"], "He said \"no\", then left");
    assert_eq!(quoted["tags"], serde_json::json!(["a,b", "c"]));
    assert_eq!(quoted["body"], "line one\r\n+++\r\nEND:VEVENT\r\n");
    let plain = events
        .iter()
        .find(|e| e["id"] == "plain")
        .expect("imported");
    assert_eq!(plain["date"], "2025-09");
}

#[test]
fn csv_missing_a_column_or_a_cell() {
    let project = empty_collection();
    project.write("a.csv", "title,tags\r\nA,[]\r\n");
    project.write(
        "b.csv",
        "title,date\r\nA,2025\r\nB\r\n\"C\r\nD\",2025\r\n\"unclosed,2025\r\n",
    );
    let out = import(&project, &["a.csv", "b.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "a.csv:1: missing column 'date'\n\
         b.csv:3: the row has 1 cells where the header has 2\n\
         b.csv:6: the row has 1 cells where the header has 2\n\
         nothing imported: 3 problems\n"
    );
    assert!(event_files(&project).is_empty());
}

#[test]
fn hostile_paths_and_ids_are_refused() {
    let project = empty_collection();
    project.write(
        "in.jsonl",
        "{\"title\":\"A\",\"date\":\"2025\",\"path\":\"../escape.md\"}\n\
         {\"title\":\"B\",\"date\":\"2025\",\"path\":\"2025/.hidden.md\"}\n\
         {\"title\":\"C\",\"date\":\"2025\",\"id\":\"../x\"}\n\
         {\"title\":\"D\",\"date\":\"2025\",\"id\":\"d\"}\n\
         {\"title\":\"E\",\"date\":\"2025\",\"id\":\"d\"}\n",
    );
    let out = import(&project, &["in.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "in.jsonl:1: path '../escape.md' must stay inside the collection folder (relative, no ..)\n\
         in.jsonl:2: path '2025/.hidden.md' names a hidden file or folder, which check skips\n\
         in.jsonl:3: id '../x' may only use ASCII letters, digits, '-', '_' and '.', and not start with '.'\n\
         in.jsonl:5: id 'd' is also the id of the event at in.jsonl:4\n\
         nothing imported: 4 problems\n"
    );
    assert!(!project.path("escape.md").exists());
    assert!(event_files(&project).is_empty());
}

#[test]
fn dry_run_prints_escaped_paths_and_writes_nothing() {
    let project = empty_collection();
    project.write(
        "in.jsonl",
        "{\"title\":\"A\",\"date\":\"2025-09-03\",\"path\":\"2025/a\\u001b[2J.md\",\"published\":\"2025-09-03T00:00:00Z\"}\n",
    );
    let out = import(&project, &["in.jsonl", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "would write events/2025/a\\u{1b}[2J.md\n"
    );
    assert_eq!(
        stderr(&out),
        "would import 1 event: 1 new, 0 replaced, 0 unchanged\n"
    );
    assert!(event_files(&project).is_empty());
}

#[test]
fn existing_files_are_never_overwritten_and_update_replaces_only_imported_ones() {
    let project = empty_collection();
    project.write(
        "events/2025/mine.md",
        "+++\ntitle = \"Mine\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n+++\nHand-written.\n",
    );
    let line = |title: &str| {
        format!("{{\"id\":\"ours\",\"title\":\"{title}\",\"date\":\"2025-02-01\",\"published\":\"2025-02-01T00:00:00Z\"}}\n")
    };
    project.write("in.jsonl", &line("First"));
    project.ok(&["import", "in.jsonl"]);
    let first = project.read("events/2025/ours.md");

    // Again: refused, the file untouched.
    project.write("in.jsonl", &line("Second"));
    let out = import(&project, &["in.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("in.jsonl:1: the collection has an event with id 'ours' (2025/ours.md); import never overwrites"),
        "{}",
        stderr(&out)
    );
    assert_eq!(project.read("events/2025/ours.md"), first);

    // --update replaces the imported file and says so.
    let out = import(&project, &["in.jsonl", "--update"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "replaced events/2025/ours.md\n"
    );
    assert!(project
        .read("events/2025/ours.md")
        .contains("title = \"Second\""));
    let out = import(&project, &["in.jsonl", "--update"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "unchanged events/2025/ours.md\n"
    );

    // Never a hand-written file, nor one whose import line was deleted.
    project.write(
        "mine.jsonl",
        "{\"id\":\"mine\",\"title\":\"Replaced?\",\"date\":\"2025-01-01\"}\n",
    );
    let out = import(&project, &["mine.jsonl", "--update"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("was not written by import"),
        "{}",
        stderr(&out)
    );
    assert!(project
        .read("events/2025/mine.md")
        .contains("Hand-written."));

    // A path that is taken by another event is refused too.
    project.write(
        "taken.jsonl",
        "{\"id\":\"other\",\"title\":\"T\",\"date\":\"2025\",\"path\":\"2025/mine.md\"}\n",
    );
    let out = import(&project, &["taken.jsonl", "--update"]);
    assert_eq!(
        stderr(&out),
        "taken.jsonl:1: 2025/mine.md already holds the event 'mine'; import never overwrites\n\
         nothing imported: 1 problem\n"
    );
}

#[test]
fn a_clash_with_the_collection_is_found_by_check_and_nothing_is_written() {
    let project = empty_collection();
    project.write(
        "events/2025/mine.md",
        "+++\ntitle = \"Mine\"\ndate = 2025-01-01\ntags = [\"C\"]\npublished = 2025-01-01T00:00:00Z\n+++\n",
    );
    // Tags that would share a page with the collection's `C` (C++ has the slug c).
    project.write(
        "in.jsonl",
        "{\"title\":\"A\",\"date\":\"2025\",\"tags\":[\"C++\"],\"published\":\"2025-01-01T00:00:00Z\"}\n\
         {\"title\":\"B\",\"date\":\"2025\",\"published\":\"2025-01-01T00:00:00Z\"}\n",
    );
    let out = import(&project, &["in.jsonl"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("C++"), "{}", stderr(&out));
    assert_eq!(event_files(&project), ["2025/mine.md"]);
}

/// The events of the collection in `events/`, by id, as `export --format jsonl` gives them.
fn exported(project: &Project) -> std::collections::BTreeMap<String, serde_json::Value> {
    project
        .ok(&["export", "--format", "jsonl"])
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("a JSON object");
            (event["id"].as_str().expect("an id").to_string(), event)
        })
        .collect()
}

/// What the calendars written by make_calendar.py and make_calendar.mjs hold, imported into a
/// collection in America/Mexico_City.
fn assert_calendar_cases(project: &Project, file: &str) {
    let out = import(project, &[file]);
    assert!(out.status.success(), "{file}: {}", stderr(&out));
    assert!(
        stderr(&out)
            .contains(": warning: DTSTART is a floating time: read in the collection's time zone"),
        "{file}: {}",
        stderr(&out)
    );
    project.ok(&["check"]);
    let events = exported(project);
    let ids: Vec<&str> = events.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        ["all-day", "berlin", "floating", "hostile", "long", "utc"],
        "{file}"
    );
    let field = |id: &str, name: &str| events[id][name].clone();
    let json = |v: &str| serde_json::Value::String(v.into());
    assert_eq!(field("all-day", "date"), json("2025-09-03"), "{file}");
    assert_eq!(
        field("all-day", "end"),
        json("2025-09-05"),
        "{file}: DTEND is exclusive"
    );
    assert_eq!(
        field("all-day", "tags"),
        serde_json::json!(["summit", "a,b"]),
        "{file}"
    );
    assert_eq!(
        field("all-day", "location"),
        json("Mexico City; Zócalo"),
        "{file}"
    );
    assert_eq!(
        field("utc", "date"),
        json("2025-09-04T12:00:00+00:00"),
        "{file}"
    );
    assert_eq!(
        field("utc", "end"),
        json("2025-09-04T13:30:00+00:00"),
        "{file}"
    );
    assert_eq!(field("utc", "status"), json("tentative"), "{file}");
    assert_eq!(
        field("utc", "sources")[0]["url"],
        json("https://example.org/call?a=1&b=2"),
        "{file}"
    );
    assert_eq!(
        field("utc", "published"),
        json("2025-09-01T08:00:00+00:00"),
        "{file}: DTSTAMP"
    );
    assert_eq!(
        field("berlin", "date"),
        json("2025-09-05T09:00:00+02:00"),
        "{file}"
    );
    assert_eq!(field("berlin", "timezone"), json("Europe/Berlin"), "{file}");
    assert_eq!(
        field("berlin", "updated"),
        json("2025-09-02T10:00:00+00:00"),
        "{file}"
    );
    assert_eq!(
        field("floating", "date"),
        json("2025-09-06T08:00:00-06:00"),
        "{file}"
    );
    assert_eq!(
        field("long", "title"),
        json(&format!(
            "Sesión extraordinaria: {}fin",
            "ñandú 東京 🚀 ".repeat(8)
        )),
        "{file}: folded inside multi-byte characters"
    );
    assert_eq!(field("long", "status"), json("cancelled"), "{file}");
    assert_eq!(
        field("hostile", "title"),
        json("Injection attempt"),
        "{file}"
    );
    assert_eq!(
        field("hostile", "body"),
        json(
            "line one\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\n+++\ntitle = \"x\"\n+++\nlast\n"
        ),
        "{file}: the description stays in the body"
    );
}

#[test]
fn calendars_written_by_python_icalendar() {
    let project = empty_collection();
    let status = std::process::Command::new(crate::common::python())
        .arg(crate::harness::repo_path("tests/external/make_calendar.py"))
        .arg(project.path("python.ics"))
        .status()
        .expect("run make_calendar.py");
    assert!(status.success());
    assert!(
        project.read("python.ics").contains("BEGIN:VTIMEZONE"),
        "a VTIMEZONE for the TZID"
    );
    assert_calendar_cases(&project, "python.ics");
}

#[test]
fn calendars_written_by_ical_generator() {
    let project = empty_collection();
    crate::common::installed_tool("tests/external/node_modules/ical-generator/package.json");
    let status = std::process::Command::new("node")
        .arg(crate::harness::repo_path(
            "tests/external/make_calendar.mjs",
        ))
        .arg(project.path("generator.ics"))
        .env("TZ", "UTC")
        .status()
        .expect("run make_calendar.mjs");
    assert!(status.success());
    assert_calendar_cases(&project, "generator.ics");
}

#[test]
fn a_tzid_read_by_its_vtimezone_and_recurrence_refused_at_its_line() {
    let project = empty_collection();
    let calendar = |event: &str| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n\
             BEGIN:VTIMEZONE\r\nTZID:W. Central Africa Standard Time\r\nBEGIN:STANDARD\r\n\
             DTSTART:16010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
             BEGIN:VEVENT\r\nUID:abc@example.org\r\nDTSTAMP:20250901T000000Z\r\nSUMMARY:Lagos\r\n\
             DTSTART;TZID=W. Central Africa Standard Time:20250905T090000\r\n{event}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    };
    project.write("weekly.ics", &calendar("RRULE:FREQ=WEEKLY;COUNT=3\r\n"));
    let out = import(&project, &["weekly.ics"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "weekly.ics:17: RRULE: recurring events are not imported; a chronicle event happens once \
         (give each occurrence its own VEVENT)\nnothing imported: 1 problem\n"
    );
    assert!(event_files(&project).is_empty());

    project.write("once.ics", &calendar(""));
    project.ok(&["import", "once.ics"]);
    let events = exported(&project);
    let event = &events["abc-example-org"];
    assert_eq!(event["date"], "2025-09-05T09:00:00+01:00");
    // The same UID again: --update replaces the event instead of adding another.
    project.write("once.ics", &calendar("LOCATION:Lagos\r\n"));
    let out = import(&project, &["once.ics", "--update"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "replaced events/2025/abc-example-org.md\n"
    );
    assert_eq!(exported(&project)["abc-example-org"]["location"], "Lagos");
}

#[test]
fn chronicles_own_calendar_imports_back() {
    let project =
        with_copy(|dir| crate::harness::copy_dir(&crate::harness::repo_path("events"), dir));
    let calendar = project.ok(&["export", "--format", "ics"]);
    project.write("calendar.ics", &calendar);
    project.ok(&["import", "calendar.ics", "--events", "copy"]);
    project.ok(&["check", "--events", "copy"]);
    let fields = |events: &str| {
        let mut rows: Vec<Vec<serde_json::Value>> = project
            .ok(&["export", "--format", "jsonl", "--events", events])
            .lines()
            .map(|line| {
                let e: serde_json::Value = serde_json::from_str(line).expect("JSON");
                ["title", "date", "end", "location", "tags", "status"]
                    .iter()
                    .map(|name| e[*name].clone())
                    .collect()
            })
            .collect();
        rows.sort_by_key(|row| row[0].to_string());
        rows
    };
    assert_eq!(fields("events"), fields("copy"));

    // The hostile collection's calendar, every date form and hostile text in it, imports too.
    let project = with_copy(|dir| {
        crate::hostile::write_collection(dir, 48, 10);
    });
    project.write("calendar.ics", &project.ok(&["export", "--format", "ics"]));
    project.ok(&["import", "calendar.ics", "--events", "copy"]);
    let titles = |events: &str| {
        let mut titles: Vec<String> = project
            .ok(&["export", "--format", "jsonl", "--events", events])
            .lines()
            .map(|line| {
                let e: serde_json::Value = serde_json::from_str(line).expect("JSON");
                e["title"].as_str().expect("a title").to_string()
            })
            .collect();
        titles.sort();
        titles
    };
    assert_eq!(titles("events"), titles("copy"));
}

#[test]
fn timelinejs_export_imports_back_every_field_it_holds() {
    for make in [
        |dir: &Path| crate::harness::copy_dir(&crate::harness::repo_path("events"), dir),
        |dir: &Path| {
            crate::hostile::write_collection(dir, 48, 10);
        },
    ] {
        let project = with_copy(make);
        let timeline = project.ok(&["export", "--format", "timelinejs"]);
        project.write("timeline.json", &timeline);
        let out = import(&project, &["timeline.json", "--events", "copy"]);
        assert!(out.status.success(), "{}", stderr(&out));
        project.ok(&["check", "--events", "copy"]);
        let slides = |events: &str| -> Vec<Vec<serde_json::Value>> {
            project
                .ok(&["export", "--format", "jsonl", "--events", events])
                .lines()
                .map(|line| {
                    let e: serde_json::Value = serde_json::from_str(line).expect("JSON");
                    // TimelineJS dates have no zone: the wall-clock time is what it holds.
                    let clock = |v: &serde_json::Value| {
                        v.as_str().map(|s| s.chars().take(19).collect::<String>())
                    };
                    vec![
                        e["id"].clone(),
                        e["title"].clone(),
                        clock(&e["date"]).into(),
                        clock(&e["end"]).into(),
                        e["tags"].get(0).cloned().unwrap_or_default(),
                    ]
                })
                .collect()
        };
        let (original, imported) = (slides("events"), slides("copy"));
        assert_eq!(original.len(), imported.len());
        for (a, b) in original.iter().zip(&imported) {
            assert_eq!(a, b);
        }
    }
}

#[test]
fn timelinejs_html_is_markdown_without_scripts_or_handlers() {
    let project = empty_collection();
    project.write(
        "t.json",
        r#"{
  "title": {"text": {"headline": "A timeline"}},
  "events": [
    {
      "start_date": {"year": "2024", "month": "5"},
      "text": {
        "headline": "<b>Bold</b> &amp; plain<script>alert(1)</script>",
        "text": "<p>One <em>two</em><script>alert('x')</script></p><img src=\"https://example.org/x.png\" onerror=\"alert(1)\"><p><a href=\"https://example.org/\" onclick=\"steal()\">link</a></p>"
      },
      "group": "Elections",
      "unique_id": "may-2024",
      "media": {"url": "https://example.org/photo.jpg", "credit": "Agency", "caption": "A photo"}
    },
    {
      "start_date": {"year": 2024, "month": 5, "day": 2, "hour": 9},
      "text": {"headline": "Wrong", "bold": true}
    }
  ]
}
"#,
    );
    let out = import(&project, &["t.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("t.json:16: unknown field `bold`"),
        "{}",
        stderr(&out)
    );
    assert!(event_files(&project).is_empty());

    let text = project.read("t.json").replace(r#", "bold": true"#, "");
    project.write("t.json", &text);
    let out = import(&project, &["t.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let events = exported(&project);
    let may = &events["may-2024"];
    assert_eq!(may["title"], "Bold & plain");
    assert_eq!(may["date"], "2024-05");
    assert_eq!(may["tags"], serde_json::json!(["Elections"]));
    assert_eq!(
        may["sources"],
        serde_json::json!([{"title": "A photo", "url": "https://example.org/photo.jpg", "publisher": "Agency", "date": null}])
    );
    let body = may["body"].as_str().expect("a body");
    for gone in ["script", "alert", "onerror", "onclick", "steal"] {
        assert!(!body.contains(gone), "{gone} in {body}");
    }
    assert!(body.contains("[link](https://example.org/)"), "{body}");
    let wrong = events
        .values()
        .find(|e| e["title"] == "Wrong")
        .expect("imported");
    assert_eq!(wrong["date"], "2024-05-02T09:00:00-06:00");
}

/// A sheet made from TimelineJS's Google Sheets template, its content invented: a title row, an
/// era, and slides at each precision.
const TIMELINE_SHEET: &str = "Year,Month,Day,Time,End Year,End Month,End Day,End Time,Display Date,Headline,Text,Media,Media Credit,Media Caption,Media Thumbnail,Type,Group,Background\r\n\
,,,,,,,,,The harbour story,\"<p>An invented town, told in slides</p>\",,,,,title,,\r\n\
1890,,,,1914,,,,,The old port,,,,,,era,,\r\n\
1902,,,,,,,,Around 1902,Lighthouse built,<p>The first light.</p>,,,,,,History,\r\n\
1931,5,,,1931,7,,,,\"Strike, then a deal\",\"<p>Three months;\r\nthen an \"\"agreement\"\".</p><script>alert(1)</script>\",https://example.org/strike.jpg,Town archive,Dockers in May,,,Labour,#000\r\n\
2024,9,3,18:30,2024,9,3,20:00,,<b>Festival</b> opens,<img src=x onerror=alert(1)><p>Music</p>,,,,,,Culture,\r\n";

#[test]
fn timelinejs_spreadsheet_rows_become_events() {
    let project = empty_collection();
    project.write("sheet.csv", TIMELINE_SHEET);
    let out = import(&project, &["sheet.csv", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "would write events/1902/lighthouse-built.md\n\
         would write events/1931/strike-then-a-deal.md\n\
         would write events/2024/festival-opens.md\n"
    );
    project.ok(&["import", "sheet.csv"]);
    let events = exported(&project);
    let lighthouse = &events["lighthouse-built"];
    assert_eq!(lighthouse["date"], "1902");
    assert_eq!(lighthouse["tags"], serde_json::json!(["History"]));
    let strike = &events["strike-then-a-deal"];
    assert_eq!(strike["title"], "Strike, then a deal");
    assert_eq!(strike["date"], "1931-05");
    assert_eq!(strike["end"], "1931-07");
    assert_eq!(
        strike["sources"],
        serde_json::json!([{"title": "Dockers in May", "url": "https://example.org/strike.jpg", "publisher": "Town archive", "date": null}])
    );
    let body = strike["body"].as_str().expect("a body");
    assert!(
        body.contains("\"agreement\"") && !body.contains("alert"),
        "{body}"
    );
    let festival = &events["festival-opens"];
    assert_eq!(festival["date"], "2024-09-03T18:30:00-06:00");
    assert_eq!(festival["end"], "2024-09-03T20:00:00-06:00");
    assert!(!festival["body"]
        .as_str()
        .unwrap_or_default()
        .contains("onerror"));

    // A bad time and a missing column, each at its line.
    project.write(
        "bad.csv",
        "Year,Month,Day,Time,Headline\r\n2024,9,3,25h,Late\r\n",
    );
    project.write(
        "nohead.csv",
        "Year,Month,Headline,Colour\r\n2024,9,X,red\r\n",
    );
    let out = import(
        &project,
        &["bad.csv", "nohead.csv", "--from", "timelinejs-csv"],
    );
    assert_eq!(
        stderr(&out),
        "bad.csv:2: Time '25h' is not HH:MM or HH:MM:SS\n\
         nohead.csv:1: unknown column 'Colour' (the TimelineJS template's columns: Year, Month, \
         Day, Time, End Year, End Month, End Day, End Time, Display Date, Headline, Text, Media, \
         Media Credit, Media Caption, Media Thumbnail, Type, Group, Background)\n\
         nothing imported: 2 problems\n"
    );
}

/// A TimelineSetter sheet with invented content, in the tool's own columns.
const TIMELINESETTER_SHEET: &str = "date,display_date,description,link,series,html\n\
1902-06-01,June 1902,The lighthouse is lit,https://example.org/light,History,\"<p>First light, <em>at last</em>.</p>\"\n\
3/5/1931,Spring 1931,\"Dockers strike, \"\"for good\"\"\",,Labour,<script>alert(1)</script><p>Ten weeks.</p>\n\
\"September 3, 2024\",,Festival <b>opens</b>,,,\n\
2024-09-04 18:30,,Closing concert,,Culture,\n";

#[test]
fn timelinesetter_rows_become_events() {
    let project = empty_collection();
    project.write("setter.csv", TIMELINESETTER_SHEET);
    let out = import(&project, &["setter.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let events = exported(&project);
    let light = &events["the-lighthouse-is-lit"];
    assert_eq!(light["date"], "1902-06-01");
    assert_eq!(light["tags"], serde_json::json!(["History"]));
    assert_eq!(light["sources"][0]["url"], "https://example.org/light");
    assert_eq!(light["body"], "First light, *at last*.\n");
    let strike = &events["dockers-strike-for-good"];
    assert_eq!(strike["title"], "Dockers strike, \"for good\"");
    assert_eq!(strike["date"], "1931-03-05");
    assert_eq!(strike["body"], "Ten weeks.\n");
    assert_eq!(events["festival-opens"]["date"], "2024-09-03");
    assert_eq!(
        events["closing-concert"]["date"],
        "2024-09-04T18:30:00-06:00"
    );

    project.write(
        "bad.csv",
        "date,display_date,description,link,series,html\nsoon,,Later,,,\n2024-01-01,,,,,\n",
    );
    let out = import(&project, &["bad.csv"]);
    assert_eq!(
        stderr(&out),
        "bad.csv:2: date 'soon' is not a date: use 2012-03-05, 2012-03-05 14:30, 3/5/2012 or \
         March 5, 2012\n\
         bad.csv:3: description is empty: it is the event's title\n\
         nothing imported: 2 problems\n"
    );
}
