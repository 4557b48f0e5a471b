//! `chronicle export`: one format to stdout or a file, with filters.

use crate::harness::Project;

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
