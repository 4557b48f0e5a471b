//! Dates at the edge of the range every output can hold (years 0001 to 9999, see
//! `docs/format.md`): what lies outside is a `check` error at the value, and `build`, `export`
//! and `serve` refuse it the same way, with exit status 1 and nothing written, never a panic.

use std::process::Output;
use std::time::Duration;

use crate::harness::{stderr, Project};

/// `chronicle <args>` in the project, with `SOURCE_DATE_EPOCH` set as given, stopped after a
/// minute (a `serve` that wrongly starts would otherwise run on).
fn chronicle(project: &Project, args: &[&str], epoch: Option<&str>) -> Output {
    let mut command = assert_cmd::Command::cargo_bin("chronicle").expect("chronicle binary");
    command
        .current_dir(project.dir.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .args(args)
        .timeout(Duration::from_secs(60));
    if let Some(epoch) = epoch {
        command.env("SOURCE_DATE_EPOCH", epoch);
    }
    command.output().expect("run chronicle")
}

/// A collection whose settings are valid, with `events/<name>.md` holding `front_matter`.
fn collection(events: &[(&str, &str)]) -> Project {
    let project = Project::empty();
    project.write(
        "events/chronicle.toml",
        "title = \"T\"\nbase_url = \"https://example.org/\"\n",
    );
    for (name, front_matter) in events {
        project.write(
            &format!("events/{name}.md"),
            &format!("+++\n{front_matter}\n+++\nBody.\n"),
        );
    }
    project
}

/// `check`, `build`, `export --format rss` and `serve` each fail with exit status 1 and print
/// exactly `errors` (one per line) as the collection's errors; `build` writes nothing.
fn refused_everywhere(project: &Project, errors: &[&str]) {
    let commands: [&[&str]; 4] = [
        &["check"],
        &["build"],
        &["export", "--format", "rss"],
        &["serve", "--addr", "127.0.0.1:0"],
    ];
    for args in commands {
        let out = chronicle(project, args, None);
        let report = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "chronicle {args:?}:\n{report}");
        let printed: Vec<&str> = report.lines().filter(|l| l.contains(": error: ")).collect();
        assert_eq!(printed, errors, "chronicle {args:?}");
        assert!(out.stdout.is_empty(), "chronicle {args:?} printed output");
    }
    assert!(!project.public().exists(), "build wrote outputs");
}

#[test]
fn all_day_event_on_9999_12_31_is_refused_not_ended_before_its_start() {
    let project = collection(&[("e", "title = \"E\"\ndate = 9999-12-31")]);
    refused_everywhere(
        &project,
        &[
            "events/e.md:3:8: error: date (9999-12-31) lasts until 9999-12-31, after \
           9999-12-30, the last day a date may cover (calendars need the day after it to end \
           an event)",
        ],
    );
}

#[test]
fn year_9999_is_refused_not_written_zero_length() {
    let project = collection(&[("e", "title = \"E\"\ndate = \"9999\"")]);
    refused_everywhere(
        &project,
        &[
            "events/e.md:3:8: error: date (\"9999\") lasts until 9999-12-31, after 9999-12-30, \
           the last day a date may cover (calendars need the day after it to end an event)",
        ],
    );
}

#[test]
fn time_in_year_10000_in_utc_is_refused_not_written_a_year_early() {
    let project = collection(&[("e", "title = \"E\"\ndate = 9999-12-31T23:00:00-06:00")]);
    refused_everywhere(
        &project,
        &[
            // Shown at its written offset, its day is 9999-12-31 (in UTC, already 10000).
            "events/e.md:3:8: error: date (9999-12-31T23:00:00-06:00) lasts until \
           9999-12-31, after 9999-12-30, the last day a date may cover (calendars need the \
           day after it to end an event)",
        ],
    );
}

#[test]
fn end_on_9999_12_31_is_refused() {
    let project = collection(&[("e", "title = \"E\"\ndate = 9999-12-01\nend = 9999-12-31")]);
    refused_everywhere(
        &project,
        &[
            "events/e.md:4:7: error: end (9999-12-31) lasts until 9999-12-31, after 9999-12-30, \
           the last day a date may cover (calendars need the day after it to end an event)",
        ],
    );
}

#[test]
fn all_day_date_starting_in_year_0_in_utc_is_refused() {
    let project = collection(&[(
        "e",
        "title = \"E\"\ntimezone = \"Asia/Tokyo\"\ndate = 0001-01-01",
    )]);
    refused_everywhere(
        &project,
        &[
            "events/e.md:4:8: error: date (0001-01-01) starts at 0000-12-31T14:41:01Z in UTC, \
           before 0001-01-01T00:00:00Z, the first instant every output can hold",
        ],
    );
}

#[test]
fn published_in_year_10000_in_utc_is_refused_not_a_panic() {
    let project = collection(&[(
        "e",
        "title = \"E\"\ndate = 2025-01-01\npublished = 9999-12-31T23:59:59-12:00",
    )]);
    refused_everywhere(
        &project,
        &[
            "events/e.md:4:13: error: published (9999-12-31T23:59:59-12:00) is \
           +10000-01-01T11:59:59Z in UTC, outside 0001-01-01T00:00:00Z to \
           9999-12-31T23:59:59Z, the instants every output can hold",
        ],
    );
}

#[test]
fn updated_in_year_10000_in_utc_is_refused_not_a_panic() {
    let project = collection(&[(
        "e",
        "title = \"E\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n\
         updated = 9999-12-31T23:59:59-12:00",
    )]);
    refused_everywhere(
        &project,
        &[
            "events/e.md:5:11: error: updated (9999-12-31T23:59:59-12:00) is \
           +10000-01-01T11:59:59Z in UTC, outside 0001-01-01T00:00:00Z to \
           9999-12-31T23:59:59Z, the instants every output can hold",
        ],
    );
}

#[test]
fn unique_updated_moved_into_year_10000_is_refused_not_a_panic() {
    let front_matter = "title = \"E\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n\
                        updated = 9999-12-31T23:59:59Z";
    let project = collection(&[("a", front_matter), ("b", front_matter)]);
    // Entries sharing an `updated` time are moved apart in id order: "b" moves.
    refused_everywhere(
        &project,
        &[
            "events/b.md:5:11: error: updated (9999-12-31T23:59:59Z) is another entry's too: \
           feeds would move it to +10000-01-01T00:00:00Z (no two entries share an updated \
           time), after 9999-12-31T23:59:59Z, the last instant every output can hold",
        ],
    );
}

/// An entry dated by its newest correction is reported there; so is a correction the
/// corrections log would move past the range, even within one event.
#[test]
fn corrections_moved_past_9999_are_refused_at_their_date() {
    let corrected = "title = \"E\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n\
                     [[corrections]]\ndate = 9999-12-31T23:59:59Z\nnote = \"N\"";
    let project = collection(&[("a", corrected), ("b", corrected)]);
    refused_everywhere(
        &project,
        &[
            "events/b.md:6:8: error: correction date (9999-12-31T23:59:59Z) is another \
           correction's too: the corrections log would move it to +10000-01-01T00:00:00Z (no \
           two entries share an updated time), after 9999-12-31T23:59:59Z, the last instant \
           every output can hold",
            "events/b.md:6:8: error: correction date (9999-12-31T23:59:59Z) is another entry's \
           too: feeds would move it to +10000-01-01T00:00:00Z (no two entries share an updated \
           time), after 9999-12-31T23:59:59Z, the last instant every output can hold",
        ],
    );
    let twice = "title = \"E\"\ndate = 2025-01-01\npublished = 2025-01-01T00:00:00Z\n\
                 [[corrections]]\ndate = 9999-12-31T23:59:59Z\nnote = \"N\"\n\
                 [[corrections]]\ndate = 9999-12-31T23:59:59Z\nnote = \"M\"";
    let project = collection(&[("a", twice)]);
    refused_everywhere(
        &project,
        &[
            "events/a.md:6:8: error: correction date (9999-12-31T23:59:59Z) is another \
           correction's too: the corrections log would move it to +10000-01-01T00:00:00Z (no \
           two entries share an updated time), after 9999-12-31T23:59:59Z, the last instant \
           every output can hold",
        ],
    );
}

#[test]
fn entry_dated_by_published_is_reported_at_published_when_moved_past_9999() {
    let front_matter = "title = \"E\"\ndate = 2025-01-01\npublished = 9999-12-31T23:59:59+00:00";
    let project = collection(&[("a", front_matter), ("b", front_matter)]);
    refused_everywhere(
        &project,
        &[
            "events/b.md:4:13: error: published (9999-12-31T23:59:59+00:00) is another entry's \
           too: feeds would move it to +10000-01-01T00:00:00Z (no two entries share an updated \
           time), after 9999-12-31T23:59:59Z, the last instant every output can hold",
        ],
    );
}

#[test]
fn source_date_epoch_outside_the_range_is_an_error() {
    let project = collection(&[("e", "title = \"E\"\ndate = 2025-01-01")]);
    for epoch in [
        "253402300800",
        "-62167219201",
        "-62135596801",
        "8210298412800",
    ] {
        for args in [
            &["build"][..],
            &["export", "--format", "rss"],
            &["serve", "--addr", "127.0.0.1:0"],
        ] {
            let out = chronicle(&project, args, Some(epoch));
            assert_eq!(
                out.status.code(),
                Some(1),
                "{epoch} {args:?}: {}",
                stderr(&out)
            );
            assert_eq!(
                stderr(&out),
                format!(
                    "chronicle: error: SOURCE_DATE_EPOCH={epoch} is outside -62135596800 to \
                     253402300799 (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z), the seconds \
                     every output can hold\n"
                ),
                "{epoch} {args:?}"
            );
            assert!(out.stdout.is_empty(), "{epoch} {args:?} printed output");
        }
    }
    let out = chronicle(&project, &["build"], Some("1e9"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .starts_with("chronicle: error: SOURCE_DATE_EPOCH=1e9 is not a number of seconds\n"),
        "{}",
        stderr(&out)
    );
    assert!(!project.public().exists(), "build wrote outputs");
}

#[test]
fn source_date_epoch_at_the_ends_of_the_range_dates_the_feeds() {
    let project = collection(&[("e", "title = \"E\"\ndate = 2025-01-01")]);
    for (epoch, shown) in [
        ("253402300799", "Fri, 31 Dec 9999 23:59:59 +0000"),
        ("-62135596800", "Mon, 1 Jan 0001 00:00:00 +0000"),
    ] {
        let out = chronicle(&project, &["export", "--format", "rss"], Some(epoch));
        assert!(out.status.success(), "{epoch}: {}", stderr(&out));
        let rss = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(
            rss.contains(&format!("<lastBuildDate>{shown}</lastBuildDate>")),
            "{rss}"
        );
    }
}
