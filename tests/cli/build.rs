//! `chronicle build`: every output written atomically, reproducibly, and never on error.

use std::fs;

use crate::harness::{snapshot_dir, stderr, Project};

const ROOT_OUTPUTS: [&str; 4] = ["rss.xml", "atom.xml", "feed.json", "calendar.ics"];

#[test]
fn sample_builds_every_output() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    for name in ROOT_OUTPUTS {
        assert!(project.public().join(name).is_file(), "{name}");
        for tag in ["security", "extradition", "tariffs", "diplomacy"] {
            assert!(
                project.public().join("tags").join(tag).join(name).is_file(),
                "{tag}/{name}"
            );
        }
    }
}

#[test]
fn sample_outputs_match_snapshots() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    for name in ROOT_OUTPUTS {
        insta::assert_snapshot!(
            format!("sample_{name}"),
            project.read(&format!("public/{name}"))
        );
    }
    insta::assert_snapshot!(
        "sample_tags_extradition_rss.xml",
        project.read("public/tags/extradition/rss.xml")
    );
}

#[test]
fn builds_are_byte_identical() {
    let project = Project::fixture("sample");
    project.ok(&["build", "--out", "first"]);
    project.ok(&["build", "--out", "second"]);
    let first = snapshot_dir(&project.path("first"));
    assert!(!first.is_empty());
    assert_eq!(first, snapshot_dir(&project.path("second")));
}

#[test]
fn source_date_epoch_sets_the_build_time() {
    let project = Project::fixture("sample");
    let out = assert_cmd::Command::cargo_bin("chronicle")
        .unwrap()
        .current_dir(project.dir.path())
        .env("SOURCE_DATE_EPOCH", "1757000000")
        .arg("build")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rss = project.read("public/rss.xml");
    assert!(
        rss.contains("<lastBuildDate>Thu, 4 Sep 2025 15:33:20 +0000</lastBuildDate>"),
        "{rss}"
    );
}

#[test]
fn an_error_leaves_previous_outputs_untouched() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let before = snapshot_dir(&project.public());
    project.write(
        "events/2025/12-01-broken.md",
        "+++\ntitle = \"Broken\"\ndate = 2025-12-32\n+++\n",
    );
    let out = project.chronicle(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("events/2025/12-01-broken.md:3:8: error:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot_dir(&project.public()), before);
}

#[test]
fn files_chronicle_did_not_write_are_left_alone() {
    let project = Project::fixture("sample");
    project.write("public/robots.txt", "User-agent: *\n");
    project.write("public/tags/notes.txt", "mine\n");
    project.ok(&["build"]);
    // Dropping a tag removes its outputs, and only those.
    let path = project.events().join("2025/01-20-trump-inauguration.md");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("tags = [\"politics\"]", "tags = []")).unwrap();
    project.ok(&["build"]);
    assert!(!project.public().join("tags/politics").exists());
    assert_eq!(project.read("public/robots.txt"), "User-agent: *\n");
    assert_eq!(project.read("public/tags/notes.txt"), "mine\n");
}

#[test]
fn refuses_an_output_folder_inside_the_collection() {
    let project = Project::fixture("sample");
    let out = project.chronicle(&["build", "--out", "events/public"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is inside the collection"),
        "{}",
        stderr(&out)
    );
    assert!(!project.events().join("public").exists());
}

#[test]
fn drafts_are_left_out_of_every_output() {
    let project = Project::fixture("sample");
    project.write(
        "events/2025/12-24-draft.md",
        "+++\ntitle = \"Unpublished draft\"\ndate = 2025-12-24\ndraft = true\npublished = 2025-12-24T00:00:00Z\ntags = [\"security\"]\n+++\n",
    );
    project.ok(&["build"]);
    for (path, bytes) in snapshot_dir(&project.public()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("Unpublished draft"),
            "{path}"
        );
    }
}
