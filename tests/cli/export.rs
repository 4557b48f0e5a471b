//! `chronicle export`: one format to stdout or a file, with filters.

use std::fs;

use crate::harness::{stderr, Project};

#[test]
fn unfiltered_exports_equal_the_built_files() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    for (format, file) in [
        ("rss", "rss.xml"),
        ("atom", "atom.xml"),
        ("json", "feed.json"),
        ("ics", "calendar.ics"),
    ] {
        let exported = project.ok(&["export", "--format", format]);
        assert_eq!(
            exported,
            project.read(&format!("public/{file}")),
            "{format}"
        );
    }
}

#[test]
fn tag_export_equals_the_tag_files() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let exported = project.ok(&["export", "--format", "atom", "--tag", "extradition"]);
    assert_eq!(exported, project.read("public/tags/extradition/atom.xml"));
}

#[test]
fn jsonl_holds_every_field_in_order() {
    let project = Project::fixture("sample");
    let out = project.ok(&["export", "--format", "jsonl"]);
    let events: Vec<serde_json::Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(events.len(), 11);
    let first = &events[0];
    assert_eq!(first["id"], "01-20-trump-inauguration");
    assert_eq!(first["date"], "2025-01-20");
    assert_eq!(first["path"], "2025/01-20-trump-inauguration.md");
    assert_eq!(first["timezone"], "America/Mexico_City");
    assert!(first["body"].as_str().unwrap().contains("Trump"));
    assert_eq!(
        first["sources"][0]["url"],
        "https://mexiconewsdaily.com/news/sheinbaum-rubio-security-group/"
    );
    let dates: Vec<&str> = events.iter().map(|e| e["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable();
    assert_eq!(dates, sorted, "chronological order");
}

#[test]
fn csv_round_trips_through_a_csv_reader() {
    let project = Project::fixture("sample");
    let out = project.ok(&["export", "--format", "csv", "--tag", "extradition"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        ids,
        [
            "02-27-first-cartel-transfer",
            "08-12-second-cartel-transfer"
        ]
    );
    let tags: Vec<String> = serde_json::from_str(&rows[0][6]).unwrap();
    assert!(tags.contains(&"extradition".to_string()));
}

/// Corrections (newest first, each with its written date and Markdown note) and a retraction
/// survive both exports.
#[test]
fn jsonl_and_csv_hold_corrections_and_the_retraction() {
    let project = Project::fixture("corrections");
    let jsonl = project.ok(&["export", "--format", "jsonl"]);
    let events: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let by_id = |id: &str| {
        events
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let corrected = by_id("corrected-twice");
    assert_eq!(
        corrected["corrections"][0]["date"],
        "2025-09-05T09:30:00-06:00"
    );
    assert_eq!(
        corrected["corrections"][1]["date"],
        "2025-09-04T08:15:00-06:00"
    );
    assert_eq!(
        corrected["corrections"][1]["note"],
        "An earlier version gave the wrong minister; it was the *foreign* minister."
    );
    assert_eq!(corrected["retraction"], serde_json::Value::Null);
    let retracted = by_id("retracted");
    assert_eq!(retracted["status"], "retracted");
    assert!(retracted["retraction"]
        .as_str()
        .unwrap()
        .starts_with("A <b>bold</b> claim;"));

    let csv = project.ok(&["export", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (corrections, retraction) = (column("corrections"), column("retraction"));
    for row in reader.records().map(Result::unwrap) {
        let event = by_id(&row[0]);
        let read: serde_json::Value = serde_json::from_str(&row[corrections]).unwrap();
        assert_eq!(read, event["corrections"], "{}", &row[0]);
        assert_eq!(
            &row[retraction],
            event["retraction"].as_str().unwrap_or(""),
            "{}",
            &row[0]
        );
    }
}

#[test]
fn since_and_until_filter_by_calendar_day() {
    let project = Project::fixture("sample");
    let ids = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["export", "--format", "jsonl"];
        full.extend_from_slice(args);
        project
            .ok(&full)
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(ids(&["--since", "2025-09-03"]).len(), 3);
    assert_eq!(
        ids(&["--since", "2025-09", "--until", "2025-09-02"]).len(),
        2
    );
    assert_eq!(
        ids(&["--until", "2025-02"]),
        [
            "01-20-trump-inauguration",
            "02-20-terrorist-designations",
            "02-27-first-cartel-transfer"
        ]
    );
    let bad = project.chronicle(&["export", "--format", "jsonl", "--since", "soon"]);
    assert_eq!(bad.status.code(), Some(2), "a usage error");
}

#[test]
fn output_file_is_written_atomically() {
    let project = Project::fixture("sample");
    project.ok(&[
        "export",
        "--format",
        "ics",
        "--tag",
        "tariffs",
        "-o",
        "out/tariffs.ics",
    ]);
    let ics = project.read("out/tariffs.ics");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
}

#[cfg(unix)]
#[test]
fn output_writes_through_a_link_a_pipe_and_a_device() {
    // Issue 6: `export -o` replaced `/dev/null` (as root) and `/dev/stdout` with regular files.
    // The same kinds of file are made in the project, so a regression cannot harm the system's.
    use std::os::unix::fs::FileTypeExt;

    let project = Project::fixture("sample");
    let csv = project.ok(&["export", "--format", "csv"]);
    let export_to = |path: &str| project.ok(&["export", "--format", "csv", "-o", path]);

    std::os::unix::fs::symlink("/proc/self/fd/1", project.path("stdout")).expect("link");
    assert_eq!(
        export_to("stdout"),
        csv,
        "written through the link to stdout"
    );
    assert!(fs::symlink_metadata(project.path("stdout"))
        .expect("link")
        .is_symlink());

    let status = std::process::Command::new("mkfifo")
        .arg(project.path("pipe"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let (sent, received) = std::sync::mpsc::channel();
    let pipe = project.path("pipe");
    // The reader opens the pipe first; a regression that replaces it leaves the reader
    // waiting, which the timeout below turns into a failure.
    std::thread::spawn(move || {
        let _ = sent.send(fs::read_to_string(pipe).expect("read the pipe"));
    });
    let exported = project.chronicle(&["export", "--format", "csv", "-o", "pipe"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let read = received.recv_timeout(std::time::Duration::from_secs(10));
    assert_eq!(read.as_deref(), Ok(csv.as_str()), "written into the pipe");
    let meta = fs::symlink_metadata(project.path("pipe")).expect("pipe");
    assert!(meta.file_type().is_fifo());

    // A device node needs root to make; the null device swallows what is written.
    let made = std::process::Command::new("mknod")
        .arg(project.path("null"))
        .args(["c", "1", "3"])
        .status();
    if made.is_ok_and(|status| status.success()) {
        assert_eq!(export_to("null"), "");
        let meta = fs::symlink_metadata(project.path("null")).expect("device");
        assert!(meta.file_type().is_char_device(), "still the null device");
    } else {
        eprintln!("not root: the device case is skipped");
    }
}

#[test]
fn output_refuses_a_folder() {
    let project = Project::fixture("sample");
    fs::create_dir(project.path("out")).expect("folder");
    let out = project.chronicle(&["export", "--format", "csv", "-o", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "chronicle: error: cannot write out\n  caused by: a folder is in the way\n"
    );
}

#[test]
fn output_replaces_a_regular_file_and_leaves_no_temporary_file() {
    let project = Project::fixture("sample");
    project.write("out/events.csv", "old\n");
    let csv = project.ok(&["export", "--format", "csv"]);
    project.ok(&["export", "--format", "csv", "-o", "out/events.csv"]);
    assert_eq!(project.read("out/events.csv"), csv);
    let names: Vec<_> = fs::read_dir(project.path("out"))
        .expect("folder")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["events.csv"]);
}
