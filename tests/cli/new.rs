//! `chronicle new`: event files that pass `check` as written and hold the values given; hostile
//! titles give a valid file or a usage error; taken names get a numbered suffix; `--edit`.

use std::fs;
use std::process::Output;

use assert_cmd::Command;

use crate::harness::{snapshot_dir, stderr, Project};

/// 2025-09-03T11:46:40Z: what `published` is when SOURCE_DATE_EPOCH pins now.
const EPOCH: &str = "1756900000";

/// A collection made by `init`, in Mexico City's time zone.
fn collection() -> Project {
    let project = Project::empty();
    project.ok(&["init", "--timezone", "America/Mexico_City"]);
    // Only the events `new` writes below.
    fs::remove_dir_all(
        project
            .events()
            .join(chrono::Utc::now().format("%Y").to_string()),
    )
    .expect("remove the example event");
    project
}

fn new(project: &Project, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::cargo_bin("chronicle").expect("chronicle binary");
    command
        .current_dir(project.dir.path())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("VISUAL")
        .env_remove("EDITOR")
        .arg("new")
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run chronicle")
}

fn new_ok(project: &Project, args: &[&str]) -> String {
    let out = new(project, args, &[]);
    assert!(out.status.success(), "new {args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Every event `export --format jsonl` holds, by id.
fn exported(project: &Project) -> serde_json::Map<String, serde_json::Value> {
    project
        .ok(&["export", "--format", "jsonl"])
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("JSON");
            (event["id"].as_str().expect("id").to_string(), event)
        })
        .collect()
}

fn check_passes(project: &Project) {
    let check = project.chronicle(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stderr(&check).ends_with(" 0 errors, 0 warnings\n"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn new_with_every_flag_combination_round_trips_through_check_and_export() {
    let project = collection();
    // (--date, the date exported without --timezone, and with --timezone Asia/Tokyo)
    let forms = [
        ("2025-09-03", "2025-09-03", "2025-09-03"),
        ("2025-09", "2025-09", "2025-09"),
        ("2025", "2025", "2025"),
        (
            "2025-09-03T12:00",
            "2025-09-03T12:00:00-06:00",
            "2025-09-03T12:00:00+09:00",
        ),
        (
            // An offset date-time keeps the offset it was written with.
            "2025-09-03T12:00:00+09:00",
            "2025-09-03T12:00:00+09:00",
            "2025-09-03T12:00:00+09:00",
        ),
    ];
    let mut expected = Vec::new();
    for mask in 0..64u32 {
        let has = |flag: u32| mask & (1 << flag) != 0;
        let title = format!("Event {mask}");
        let (form, plain, tokyo) = if has(1) {
            // --time goes with a day.
            (
                "2025-09-03",
                "2025-09-03T10:30:00-06:00",
                "2025-09-03T10:30:00+09:00",
            )
        } else {
            forms[mask as usize % forms.len()]
        };
        let mut args = vec![title.as_str(), "--date", form];
        if has(0) {
            args.extend(["--end", "2025-09-05"]);
        }
        if has(1) {
            args.extend(["--time", "10:30"]);
        }
        if has(2) {
            args.extend(["--timezone", "Asia/Tokyo"]);
        }
        if has(3) {
            args.extend(["--tag", "security", "--tag", "Seguridad pública"]);
        }
        if has(4) {
            args.extend(["--location", "Mexico City, \"CDMX\""]);
        }
        if has(5) {
            args.extend([
                "--source",
                "https://example.org/a?b=1&c=2",
                "--source",
                "https://example.org/report",
            ]);
        }
        let path = new_ok(&project, &args);
        let slug = format!("event-{mask}");
        let year = form.get(..4).expect("a year");
        assert_eq!(path, format!("events/{year}/{slug}.md\n"));
        let date = if has(2) { tokyo } else { plain };
        expected.push((slug, title, date, mask));
    }
    check_passes(&project);
    let events = exported(&project);
    assert_eq!(events.len(), 64);
    for (id, title, date, mask) in expected {
        let has = |flag: u32| mask & (1 << flag) != 0;
        let event = &events[&id];
        assert_eq!(event["title"], title.as_str());
        assert_eq!(event["date"], date, "{title}");
        assert_eq!(
            event["end"],
            if has(0) {
                "2025-09-05".into()
            } else {
                serde_json::Value::Null
            },
            "{title}"
        );
        let zone = if has(2) {
            "Asia/Tokyo"
        } else {
            "America/Mexico_City"
        };
        assert_eq!(event["timezone"], zone, "{title}");
        let tags: Vec<&str> = if has(3) {
            vec!["security", "Seguridad pública"]
        } else {
            vec![]
        };
        assert_eq!(event["tags"], serde_json::json!(tags), "{title}");
        assert_eq!(
            event["location"],
            if has(4) {
                "Mexico City, \"CDMX\"".into()
            } else {
                serde_json::Value::Null
            },
            "{title}"
        );
        let urls: Vec<&str> = event["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .map(|s| s["url"].as_str().expect("url"))
            .collect();
        let given: Vec<&str> = if has(5) {
            vec![
                "https://example.org/a?b=1&c=2",
                "https://example.org/report",
            ]
        } else {
            vec![]
        };
        assert_eq!(urls, given, "{title}");
        assert_eq!(event["published"], "2025-09-03T11:46:40+00:00", "{title}");
        assert_eq!(event["status"], "confirmed", "{title}");
    }
}

#[test]
fn hostile_titles_give_a_valid_file_or_a_usage_error() {
    let project = collection();
    let long = "A very long title ".repeat(600);
    let titles: &[(&str, bool)] = &[
        ("Quotes \" and 'single' quotes", true),
        ("Back\\slashes \\n \\u0041 \\", true),
        ("+++", false),
        ("+++ a title +++", true),
        ("\"\"\" ''' multi-line string openers", true),
        ("[[sources]]\ntitle = 1", false),
        ("line\nbreak", false),
        ("carriage\rreturn", false),
        ("a\u{2028}separator", false),
        ("bell \u{7} and escape \u{1b}[31m", false),
        ("delete \u{7f}", false),
        ("!!! ... ???", false),
        ("\u{200b}\u{200b}", false),
        ("   ", false),
        ("  padded  ", true),
        ("Ünïcödé 東京 🎉", true),
        (&long, true),
    ];
    for &(title, valid) in titles {
        let before = snapshot_dir(&project.events());
        let out = new(&project, &[title, "--date", "2025-09-03"], &[]);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{title:?}: {err}");
        if valid {
            assert!(out.status.success(), "{title:?}: {err}");
            let path = String::from_utf8(out.stdout).expect("UTF-8");
            let name = path.trim().rsplit('/').next().expect("a file name");
            assert!(name.len() <= 100, "{name}");
            check_passes(&project);
            let id = name.trim_end_matches(".md");
            assert_eq!(exported(&project)[id]["title"], title.trim(), "{title:?}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{title:?}: {err}");
            assert!(err.contains("error: "), "{title:?}: {err}");
            assert!(out.stdout.is_empty(), "{title:?}");
            assert_eq!(snapshot_dir(&project.events()), before, "{title:?} wrote");
        }
    }
}

#[test]
fn taken_names_get_numbered_suffixes_and_ids_stay_unique() {
    let project = collection();
    for expected in ["", "-2", "-3"] {
        let path = new_ok(&project, &["Press conference", "--date", "2025-09-03"]);
        assert_eq!(path, format!("events/2025/press-conference{expected}.md\n"));
    }
    // An id written in another file is taken too, whatever that file's name.
    project.write(
        "events/other/anything.md",
        "+++\ntitle = \"T\"\ndate = 2024-01-01\npublished = 2024-01-01T00:00:00Z\nid = \"summit\"\n+++\n",
    );
    let path = new_ok(&project, &["Summit", "--date", "2025-09-03"]);
    assert_eq!(path, "events/2025/summit-2.md\n");
    check_passes(&project);
    let titles: Vec<(String, String)> = exported(&project)
        .into_iter()
        .map(|(id, event)| (id, event["title"].as_str().unwrap_or_default().to_string()))
        .collect();
    let press = "Press conference".to_string();
    assert_eq!(
        titles,
        [
            ("press-conference".to_string(), press.clone()),
            ("press-conference-2".to_string(), press.clone()),
            ("press-conference-3".to_string(), press),
            ("summit".to_string(), "T".to_string()),
            ("summit-2".to_string(), "Summit".to_string()),
        ]
    );
}

#[test]
fn new_rejects_what_check_would_and_writes_nothing() {
    let project = collection();
    for args in [
        ["X", "--date", "2025-09-04", "--end", "2025-09-03"].as_slice(),
        &["X", "--date", "2025-09", "--time", "10:00"],
        // The clocks skip 02:30 that night in New York.
        &[
            "X",
            "--date",
            "2025-03-09T02:30",
            "--timezone",
            "America/New_York",
        ],
        &["X", "--date", "9999-12-31"],
        &["X", "--date", "2025-02-29"],
        &["X", "--date", "03/09/2025"],
        &["X", "--date", "2025-09-03", "--time", "25:00"],
        &["X", "--date", "2025-09-03", "--timezone", "Mars/Base"],
        &["X", "--date", "2025-09-03", "--source", "example.org"],
        &["X", "--date", "2025-09-03", "--tag", "!!!"],
        &["X", "--date", "2025-09-03", "--tag", ""],
        &["X", "--date", "10000-01-01"],
    ] {
        let before = snapshot_dir(&project.events());
        let out = new(&project, args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(snapshot_dir(&project.events()), before, "{args:?} wrote");
    }
    let out = new(
        &project,
        &["X", "--date", "2025-09-04", "--end", "2025-09-03"],
        &[],
    );
    assert_eq!(
        stderr(&out),
        "chronicle: error: end (2025-09-03) is before date (2025-09-04)\n"
    );
}

#[test]
fn edit_opens_visual_or_editor_on_the_new_file() {
    let project = collection();
    let record = project.path("edited");
    let script = project.path("editor.sh");
    fs::write(&script, "#!/bin/sh\nprintf '%s\\n' \"$1\" >> \"$RECORD\"\n").expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let script = script.to_str().expect("a UTF-8 path");
    let record_env = ("RECORD", record.to_str().expect("a UTF-8 path"));
    let out = new(
        &project,
        &["Edited", "--date", "2025-09-03", "--edit"],
        &[("EDITOR", script), record_env],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&record).expect("the editor ran"),
        "events/2025/edited.md\n"
    );
    // VISUAL comes first; EDITOR would fail.
    let out = new(
        &project,
        &["Visual", "--date", "2025-09-03", "--edit"],
        &[("VISUAL", script), ("EDITOR", "false"), record_env],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&record).expect("the editor ran"),
        "events/2025/edited.md\nevents/2025/visual.md\n"
    );
    // No editor: an error before anything is written.
    let before = snapshot_dir(&project.events());
    let out = new(&project, &["None", "--date", "2025-09-03", "--edit"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "chronicle: error: --edit needs an editor: set VISUAL or EDITOR\n"
    );
    assert_eq!(snapshot_dir(&project.events()), before);
}

#[test]
fn a_tag_sharing_another_tags_page_is_a_usage_error() {
    let project = collection();
    new_ok(
        &project,
        &["Language C", "--date", "2025-09-03", "--tag", "C"],
    );
    // Another spelling of the same tag is one tag.
    new_ok(
        &project,
        &["Lowercase", "--date", "2025-09-03", "--tag", "c"],
    );
    let before = snapshot_dir(&project.events());
    let out = new(
        &project,
        &["Language C++", "--date", "2025-09-03", "--tag", "C++"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "chronicle: error: tag 'C++' has the page of tag 'C' (tags/c/) in \
         events/2025/language-c.md: rename one, or spell them alike\n"
    );
    assert_eq!(snapshot_dir(&project.events()), before);
    // Spellings differing only in case are one tag, and check suggests the first.
    let check = project.chronicle(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stderr(&check).starts_with(
            "events/2025/lowercase.md:4:9: warning: tag 'c' differs only in case from tag 'C' in \
             events/2025/language-c.md: both are one tag, shown as 'C'\n"
        ),
        "{}",
        stderr(&check)
    );
}

#[test]
fn new_needs_valid_settings_and_writes_nothing_without_them() {
    let project = collection();
    project.write("events/chronicle.toml", "title = \"T\"\n");
    let out = new(&project, &["X", "--date", "2025-09-03"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "events/chronicle.toml:1:1: error: missing base_url (the absolute URL the outputs are \
         published at, ending with '/')\n\
         chronicle: error: cannot add an event to events: its settings have errors\n"
    );
    assert!(!project.events().join("2025").exists());
}
