//! Published ids: they depend on the collection id and each event's id only, survive a move of
//! `base_url`, and `build` refuses to change one it has published unless asked to.

use std::fs;

use crate::harness::{snapshot_dir, stderr, Project};

const SAMPLE_BASE: &str = "https://example.org/us-mexico-security/";
const MOVED_BASE: &str = "https://news.example.com/timeline/";

/// Every published id in the output folder, by file: RSS `guid`, Atom `id`, JSON Feed item
/// `id`, calendar `UID`.
fn published_ids(project: &Project) -> Vec<(String, Vec<String>)> {
    let mut ids = Vec::new();
    for (path, bytes) in snapshot_dir(&project.public()) {
        let text = String::from_utf8(bytes).expect("UTF-8 output");
        let found: Vec<String> = if path.ends_with(".xml") {
            between(&text, "<guid isPermaLink=\"false\">", "</guid>")
                .chain(between(&text, "<id>", "</id>"))
                .collect()
        } else if path.ends_with(".json") {
            let feed: serde_json::Value = serde_json::from_str(&text).expect("JSON Feed");
            feed["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|item| item["id"].as_str().expect("id").to_string())
                .collect()
        } else if path.ends_with(".ics") {
            text.lines()
                .filter_map(|l| l.strip_prefix("UID:"))
                .map(str::to_string)
                .collect()
        } else {
            continue;
        };
        ids.push((path, found));
    }
    ids
}

fn between<'t>(text: &'t str, open: &'t str, close: &'t str) -> impl Iterator<Item = String> + 't {
    text.split(open)
        .skip(1)
        .filter_map(move |rest| rest.split(close).next())
        .map(str::to_string)
}

/// The outputs' text, the record of published ids (which names the collection id) left out.
fn outputs_text(project: &Project) -> String {
    snapshot_dir(&project.public())
        .into_iter()
        .filter(|(path, _)| !path.starts_with('.'))
        .map(|(_, bytes)| String::from_utf8(bytes).expect("UTF-8 output"))
        .collect()
}

fn edit(project: &Project, relative: &str, from: &str, to: &str) {
    let path = project.path(relative);
    let text = fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{relative} holds {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// Issue 5: with a collection id, a new base_url moves every link and no id.
#[test]
fn ids_survive_a_move_of_base_url() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let before = published_ids(&project);
    let count: usize = before.iter().map(|(_, ids)| ids.len()).sum();
    assert!(count > 100, "{count} ids");
    edit(
        &project,
        "events/chronicle.toml",
        &format!("base_url = \"{SAMPLE_BASE}\""),
        &format!("base_url = \"{MOVED_BASE}\""),
    );
    let out = project.chronicle(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(published_ids(&project), before);
    let text = outputs_text(&project);
    assert!(
        text.contains(&format!("{MOVED_BASE}years/2025/#")),
        "links follow the move"
    );
    assert!(
        !text.contains("example.org/us-mexico-security"),
        "no link is left behind"
    );
}

/// Issue 5: a collection that had no id pins its former base_url as its id, once, and keeps
/// every id it published, byte for byte, wherever it moves.
#[test]
fn pinning_the_former_base_url_keeps_the_published_ids() {
    let project = Project::fixture("sample");
    let id_line = format!("id = \"{SAMPLE_BASE}\"\n");
    edit(&project, "events/chronicle.toml", &id_line, "");
    let out = project.chronicle(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!(
            "events/chronicle.toml:1:1: warning: no collection id: every published id derives \
             from base_url and would change with it; add id = \"{SAMPLE_BASE}\" (or the \
             base_url they were first published under, if it changed) to keep them wherever the \
             collection moves\n"
        )),
        "{}",
        stderr(&out)
    );
    let before = published_ids(&project);
    edit(
        &project,
        "events/chronicle.toml",
        &format!("base_url = \"{SAMPLE_BASE}\"\n"),
        &format!("base_url = \"{MOVED_BASE}\"\n{id_line}"),
    );
    project.ok(&["build"]);
    assert_eq!(published_ids(&project), before);
    assert!(!outputs_text(&project).contains("example.org/us-mexico-security"));
}

/// Issue 6: without a collection id, a new base_url would give every event a new id.
#[test]
fn a_base_url_move_without_a_collection_id_is_refused() {
    let project = Project::fixture("sample");
    edit(
        &project,
        "events/chronicle.toml",
        &format!("id = \"{SAMPLE_BASE}\"\n"),
        "",
    );
    project.ok(&["build"]);
    let published = snapshot_dir(&project.public());
    let before = published_ids(&project);
    edit(&project, "events/chronicle.toml", SAMPLE_BASE, MOVED_BASE);
    let out = project.chronicle(&["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "events/chronicle.toml:1:1: warning: no collection id: every published id derives \
             from base_url and would change with it; add id = \"{MOVED_BASE}\" (or the \
             base_url they were first published under, if it changed) to keep them wherever the \
             collection moves\n\
             events/chronicle.toml:1:1: error: the collection id changed from '{SAMPLE_BASE}' \
             to '{MOVED_BASE}' (base_url, as no id is set) since the last build into public: \
             all 11 events would be published under new ids; to keep their published ids, add \
             id = \"{SAMPLE_BASE}\" here, or pass --allow-id-change to publish them anew\n\
             published ids would change; nothing was written to public\n"
        )
    );
    assert_eq!(
        snapshot_dir(&project.public()),
        published,
        "nothing written"
    );
    // On purpose: every id changes, and the record follows.
    project.ok(&["build", "--allow-id-change"]);
    let after = published_ids(&project);
    assert_ne!(after, before);
    assert!(after
        .iter()
        .zip(&before)
        .all(|((_, a), (_, b))| a.iter().all(|id| !b.contains(id))));
    project.ok(&["build"]);
}

/// Issue 6: an edited `id` is refused at the value, naming both ids and the way to keep the
/// published one.
#[test]
fn an_edited_event_id_is_refused() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let published = snapshot_dir(&project.public());
    let file = "events/2025/03-04-fentanyl-tariff.md";
    edit(&project, file, "+++\n", "+++\nid = \"tariff\"\n");
    let out = project.chronicle(&["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let old = uuid_of(&published, "03-04-fentanyl-tariff");
    let new = uuid_of_name(&format!("{SAMPLE_BASE}events/tariff"));
    assert_eq!(
        stderr(&out),
        format!(
            "{file}:2:6: error: this event was published as urn:uuid:{old} (id \
             '03-04-fentanyl-tariff') and would now be published as urn:uuid:{new} (id \
             'tariff'); to keep its published id, set id = \"03-04-fentanyl-tariff\" in its \
             front matter, or pass --allow-id-change to publish it anew\n  \
             |\n2 | id = \"tariff\"\n  |      ^^^^^^^^\n\n\
             published ids would change; nothing was written to public\n"
        )
    );
    assert_eq!(
        snapshot_dir(&project.public()),
        published,
        "nothing written"
    );
    let out = project.chronicle(&["build", "--allow-id-change"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!("{file}:2:6: warning: this event was published as")),
        "{}",
        stderr(&out)
    );
    assert!(project
        .read("public/rss.xml")
        .contains(&format!("urn:uuid:{new}")));
    // The record now holds the new id: the next build has nothing to say.
    project.ok(&["build"]);
}

/// Issue 6: a file renamed without an `id` would take the new file stem as its id.
#[test]
fn a_renamed_file_without_an_id_is_refused() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let published = snapshot_dir(&project.public());
    let old = uuid_of(&published, "03-04-fentanyl-tariff");
    fs::rename(
        project.path("events/2025/03-04-fentanyl-tariff.md"),
        project.path("events/2025/fentanyl-tariff.md"),
    )
    .expect("rename");
    let out = project.chronicle(&["build"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stderr(&out);
    assert!(
        report.starts_with(&format!(
            "events/2025/fentanyl-tariff.md:1:1: error: this event was published from \
             2025/03-04-fentanyl-tariff.md as urn:uuid:{old} (id '03-04-fentanyl-tariff') and \
             would now be published as urn:uuid:"
        )),
        "{report}"
    );
    assert!(report.contains("set id = \"03-04-fentanyl-tariff\" in its front matter"));
    assert_eq!(
        snapshot_dir(&project.public()),
        published,
        "nothing written"
    );
    // Doing as told keeps the published id.
    edit(
        &project,
        "events/2025/fentanyl-tariff.md",
        "+++\n",
        "+++\nid = \"03-04-fentanyl-tariff\"\n",
    );
    project.ok(&["build"]);
    assert!(project
        .read("public/rss.xml")
        .contains(&format!("urn:uuid:{old}")));
}

/// Moving an event to another file with its id, removing one and adding one change no
/// published id.
#[test]
fn moved_removed_and_new_events_are_no_id_change() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let moved = "events/2025/03-04-fentanyl-tariff.md";
    edit(
        &project,
        moved,
        "+++\n",
        "+++\nid = \"03-04-fentanyl-tariff\"\n",
    );
    fs::rename(project.path(moved), project.path("events/tariff.md")).expect("rename");
    fs::remove_file(project.path("events/2025/01-20-trump-inauguration.md")).expect("remove");
    project.write(
        "events/2025/12-01-new.md",
        "+++\ntitle = \"New\"\ndate = 2025-12-01\npublished = 2025-12-01T00:00:00Z\n+++\n",
    );
    project.ok(&["build"]);
}

/// Issue 6: a record that is not one (cut short, hand-edited) is an error at its position,
/// never a panic; `--allow-id-change` writes a new one.
#[test]
fn a_broken_record_is_reported_at_its_position() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let record = project.read("public/.chronicle-ids");
    assert!(record.starts_with(&format!(
        "{{\"version\":1,\"collection\":\"{SAMPLE_BASE}\",\"events\":[\n{{\"path\":\"2025/"
    )));
    for (text, expected) in [
        (
            &record[..record.len() / 2],
            "public/.chronicle-ids:7:",
        ),
        ("{\"version\":7}", "public/.chronicle-ids:1:1: error: the published-id record has version 7, this chronicle reads version 1; remove it, or pass --allow-id-change to write a new one\n"),
        ("\u{0}\u{1}", "public/.chronicle-ids:1:1: error: the published-id record is not valid (expected value); "),
    ] {
        project.write("public/.chronicle-ids", text);
        let out = project.chronicle(&["build"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).starts_with(expected), "{}", stderr(&out));
    }
    let out = project.chronicle(&["build", "--allow-id-change"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(project.read("public/.chronicle-ids"), record);
}

/// The UUID in the `guid` of the RSS item whose link ends with `#<event id>`.
fn uuid_of(published: &[(String, Vec<u8>)], event_id: &str) -> String {
    let rss = published
        .iter()
        .find(|(path, _)| path == "rss.xml")
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .expect("rss.xml");
    let item = rss
        .split("<item>")
        .find(|item| item.contains(&format!("#{event_id}</link>")))
        .expect("the event's item");
    let guid = between(item, "<guid isPermaLink=\"false\">urn:uuid:", "</guid>")
        .next()
        .expect("a guid");
    guid
}

fn uuid_of_name(name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}
