//! vdirsyncer 0.19 (Debian's), which syncs a subscribed calendar into a folder one item per
//! event, the folder khal and other clients read. `.ci/install-tools.sh` installs it; a test
//! that needs it fails, rather than skips, without it.

use std::fs;
use std::path::Path;
use std::process::Command;

/// One-way syncs the calendar storage `source` (the body of a vdirsyncer storage section, such
/// as `type = "http"` and its `url`) into the new folder `items` and returns the items
/// vdirsyncer wrote there, each the text of one `.ics` file. Panics if vdirsyncer fails or
/// warns.
pub(crate) fn vdirsyncer_items(source: &str, items: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    fs::create_dir(items).expect("items folder");
    let config = dir.path().join("config");
    fs::write(
        &config,
        format!(
            "[general]\nstatus_path = \"{status}\"\n\n\
             [pair calendar]\na = \"source\"\nb = \"items\"\ncollections = null\n\
             conflict_resolution = \"a wins\"\n\n\
             [storage source]\n{source}\nread_only = true\n\n\
             [storage items]\ntype = \"filesystem\"\npath = \"{items}\"\nfileext = \".ics\"\n",
            status = dir.path().join("status").display(),
            items = items.display(),
        ),
    )
    .expect("write the vdirsyncer config");
    for step in ["discover", "sync"] {
        let out = Command::new("vdirsyncer")
            .arg("--config")
            .arg(&config)
            .arg(step)
            .env("HOME", dir.path())
            .output()
            .expect("run vdirsyncer (installed by .ci/install-tools.sh)");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "vdirsyncer {step} failed:\n{report}");
        let lower = report.to_lowercase();
        assert!(
            !lower.contains("warning") && !lower.contains("error"),
            "vdirsyncer {step} warned:\n{report}"
        );
    }
    let mut texts: Vec<String> = fs::read_dir(items)
        .expect("read the items folder")
        .map(|entry| fs::read_to_string(entry.expect("an item").path()).expect("a UTF-8 item"))
        .collect();
    texts.sort();
    texts
}

/// Each item holds exactly one event, and no two items the same one: the `UID` of each item's
/// VEVENT, sorted.
pub(crate) fn one_event_per_item(items: &[String]) -> Vec<String> {
    let mut uids: Vec<String> = items
        .iter()
        .map(|item| {
            let unfolded = item.replace("\r\n ", "");
            // Whole lines only: an escaped value may end with the text `BEGIN:VEVENT`.
            assert_eq!(
                unfolded
                    .split("\r\n")
                    .filter(|line| *line == "BEGIN:VEVENT")
                    .count(),
                1,
                "an item with other than one event:\n{item}"
            );
            let vevent = &unfolded[unfolded.find("\r\nBEGIN:VEVENT\r\n").unwrap_or(0)..];
            vevent
                .lines()
                .find_map(|line| line.strip_prefix("UID:"))
                .unwrap_or_else(|| panic!("an event without UID:\n{item}"))
                .to_string()
        })
        .collect();
    uids.sort();
    let before = uids.len();
    uids.dedup();
    assert_eq!(uids.len(), before, "two items hold the same event");
    uids
}

/// The `UID` of every VEVENT of a calendar's text, sorted.
pub(crate) fn event_uids(calendar: &str) -> Vec<String> {
    let unfolded = calendar.replace("\r\n ", "");
    let mut uids = Vec::new();
    let mut in_event = false;
    for line in unfolded.lines() {
        match line {
            "BEGIN:VEVENT" => in_event = true,
            "END:VEVENT" => in_event = false,
            _ if in_event => uids.extend(line.strip_prefix("UID:").map(str::to_string)),
            _ => {}
        }
    }
    uids.sort();
    uids
}
