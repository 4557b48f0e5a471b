//! `chronicle build`: every output written atomically, reproducibly, and never on error.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::{snapshot_dir, stderr, Project};
use crate::hostile;

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
    insta::assert_snapshot!("sample_feeds.opml", project.read("public/feeds.opml"));
    for name in ["rss.xml", "atom.xml", "feed.json"] {
        insta::assert_snapshot!(
            format!("sample_corrections_{name}"),
            project.read(&format!("public/corrections/{name}"))
        );
    }
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
    let opml = project.read("public/feeds.opml");
    assert!(
        opml.contains("<dateModified>Thu, 4 Sep 2025 15:33:20 +0000</dateModified>"),
        "{opml}"
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

/// Every file below `dir` that is neither an output the manifest lists nor one of chronicle's
/// own bookkeeping files (the manifest, the lock).
fn debris(dir: &Path) -> Vec<String> {
    let listed: BTreeSet<String> = fs::read_to_string(dir.join(".chronicle-outputs"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    snapshot_dir(dir)
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| {
            !listed.contains(path) && path != ".chronicle-outputs" && path != ".chronicle-lock"
        })
        .collect()
}

/// A project whose build takes long enough (about a second) to be interrupted.
fn large_project() -> Project {
    let project = Project::empty();
    hostile::write_collection(&project.events(), 3000, 20);
    project
}

#[test]
fn a_killed_build_leaves_nothing_the_next_build_keeps() {
    // Issue 7: a build killed by SIGKILL or SIGTERM left its temporary files for good.
    for signal in ["KILL", "TERM"] {
        let project = large_project();
        let mut build = project.spawn(&["build"]);
        let started = Instant::now();
        // Killed once it has written some outputs, wherever it writes them.
        while snapshot_dir_if_any(&project.public()).len() < 20 {
            assert!(
                build.try_wait().expect("wait").is_none(),
                "finished too soon"
            );
            assert!(started.elapsed() < Duration::from_secs(60), "no outputs");
            std::thread::sleep(Duration::from_millis(5));
        }
        let killed = std::process::Command::new("kill")
            .args([format!("-{signal}"), build.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = build.wait().expect("wait");
        assert!(status.code().is_none(), "SIG{signal} ended the build");
        project.ok(&["build", "--quiet"]);
        assert_eq!(
            debris(&project.public()),
            Vec::<String>::new(),
            "SIG{signal}"
        );
    }
}

/// [`snapshot_dir`], or nothing while `dir` does not exist; files vanishing while it is read
/// (a build renames them) are skipped.
fn snapshot_dir_if_any(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => folders.push(entry.path()),
                Ok(_) => files.push(entry.path().display().to_string()),
                Err(_) => {}
            }
        }
    }
    files
}

#[test]
fn builds_of_two_collections_into_one_folder_leave_one_whole_set() {
    // Issue 7: two builds into one --out at once left a mix of both, and a manifest listing
    // deleted files.
    // Two collections of the same size, so that the builds overlap: their outputs hold
    // different entries, and their archive pages differ in number.
    let project = Project::empty();
    hostile::write_collection(&project.events(), 600, 20);
    hostile::write_collection(&project.path("other"), 600, 7);
    let build = |events: &str, out: &str| {
        let mut command = project.command(&["build", "--quiet", "--events", events, "--out", out]);
        command.env("SOURCE_DATE_EPOCH", "1757000000");
        command
    };
    let alone = |events: &str, out: &str| {
        let status = build(events, out).status().expect("run");
        assert!(status.success());
        let mut files = snapshot_dir(&project.path(out));
        files.retain(|(path, _)| path != ".chronicle-lock");
        files
    };
    let sample = alone("events", "sample-alone");
    let other = alone("other", "other-alone");
    for trial in 0..3 {
        let out = format!("both-{trial}");
        let mut first = build("other", &out).spawn().expect("start");
        let mut second = build("events", &out).spawn().expect("start");
        assert!(first.wait().expect("wait").success());
        assert!(second.wait().expect("wait").success());
        let mut files = snapshot_dir(&project.path(&out));
        files.retain(|(path, _)| path != ".chronicle-lock");
        assert!(
            files == sample || files == other,
            "trial {trial}: a mix of both builds"
        );
    }
}

#[test]
fn a_build_waits_while_another_holds_the_folder() {
    let project = Project::fixture("sample");
    fs::create_dir(project.public()).expect("folder");
    let lock = fs::File::create(project.public().join(".chronicle-lock")).expect("lock file");
    lock.lock().expect("locked");
    let mut build = project.spawn(&["build"]);
    let mut stderr = BufReader::new(build.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("read");
    assert_eq!(line, "waiting for another build into public to finish\n");
    std::thread::sleep(Duration::from_millis(300));
    assert!(build.try_wait().expect("wait").is_none(), "still waiting");
    assert!(
        !project.public().join("rss.xml").exists(),
        "nothing written"
    );
    drop(lock);
    assert!(build.wait().expect("wait").success());
    assert!(project.public().join("rss.xml").is_file());
}

#[test]
fn a_folder_where_an_output_goes_fails_the_build_before_anything_changes() {
    // Issue 7: an I/O error in the middle of a build left a mix of old and new outputs.
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    retitle_an_event(&project);
    fs::remove_file(project.public().join("rss.xml")).expect("remove");
    fs::create_dir(project.public().join("rss.xml")).expect("folder");
    let before = snapshot_dir(&project.public());
    let out = project.chronicle(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "chronicle: error: cannot put the new outputs in public; the previous outputs are left \
         as they were\n  caused by: cannot write public/rss.xml\n  caused by: a folder is in \
         the way\n"
    );
    assert_eq!(snapshot_dir(&project.public()), before);
    assert_eq!(debris(&project.public()), Vec::<String>::new());
}

/// Changes the title of an event of 2025, which every page and feed of the sample shows.
fn retitle_an_event(project: &Project) {
    let path = project.events().join("2025/01-20-trump-inauguration.md");
    let text = fs::read_to_string(&path).expect("event");
    let retitled = text.replacen("title = \"", "title = \"Retitled: ", 1);
    assert_ne!(retitled, text);
    fs::write(&path, retitled).expect("event");
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_fails_the_build_and_keeps_the_previous_set() {
    // Issue 7: a read-only `years/2025/` left a mix of old and new outputs.
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let project = Project::fixture("sample");
    project.ok(&["build"]);
    retitle_an_event(&project);
    let year = project.public().join("years/2025");
    fs::set_permissions(&year, fs::Permissions::from_mode(0o555)).expect("read-only");
    let before = snapshot_dir(&project.public());
    let mut command = project.command(&["build"]);
    // Root writes into a read-only folder: the build then runs as another user, who owns
    // the project.
    if fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0) {
        let status = std::process::Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(project.dir.path())
            .status()
            .expect("chown");
        assert!(status.success());
        command.uid(65534).gid(65534);
    }
    let out = command.output().expect("run");
    fs::set_permissions(&year, fs::Permissions::from_mode(0o755)).expect("writable");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.starts_with(
            "chronicle: error: cannot put the new outputs in public; the previous outputs are \
             left as they were\n  caused by: cannot write public/years/2025/"
        ),
        "{message}"
    );
    assert_eq!(snapshot_dir(&project.public()), before);
    assert_eq!(debris(&project.public()), Vec::<String>::new());
}

#[test]
fn refuses_a_collection_inside_the_output_folder() {
    // Issue 7: `--events site/tags --out site` wrote a tag's outputs over the collection.
    let project = Project::fixture("sample");
    fs::create_dir(project.path("site")).expect("folder");
    fs::rename(project.events(), project.path("site/tags")).expect("move");
    let before = snapshot_dir(&project.path("site"));
    let out = project.chronicle(&["build", "--events", "site/tags", "--out", "site"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "chronicle: error: the collection {} is inside the output folder site; choose \
             another --out\n",
            project
                .path("site/tags")
                .canonicalize()
                .expect("path")
                .display()
        )
    );
    assert_eq!(snapshot_dir(&project.path("site")), before);
}

/// Whether two paths are one file (a hard link), not two with the same bytes.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (fs::metadata(a).expect("a"), fs::metadata(b).expect("b"));
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// Each calendar is also published under a name made of the collection's title (and the
/// tag), as one file linked twice; a new title renames them and the old names go.
#[cfg(unix)]
#[test]
fn calendars_have_readable_names_that_follow_the_title() {
    let project = Project::fixture("sample");
    project.ok(&["build"]);
    let public = project.public();
    let readable = |title: &str| {
        let mut pairs = vec![("calendar.ics".to_string(), format!("{title}.ics"))];
        for tag in ["security", "extradition", "tariffs", "press-conference"] {
            pairs.push((
                format!("tags/{tag}/calendar.ics"),
                format!("tags/{tag}/{title}-{tag}.ics"),
            ));
        }
        pairs
    };
    let title = "us-mexico-security-cooperation-2025";
    for (calendar, name) in readable(title) {
        let (calendar, name) = (public.join(calendar), public.join(&name));
        assert_eq!(
            fs::read(&calendar).expect("calendar"),
            fs::read(&name).expect("readable")
        );
        assert!(same_file(&calendar, &name), "{} is a link", name.display());
    }
    let manifest = project.read("public/.chronicle-outputs");
    assert!(
        manifest.lines().any(|l| l == format!("{title}.ics")),
        "{manifest}"
    );
    let settings = project.read("events/chronicle.toml");
    project.write(
        "events/chronicle.toml",
        &settings.replace("title = \"", "title = \"Renamed: "),
    );
    project.ok(&["build"]);
    for ((_, old), (calendar, new)) in readable(title)
        .into_iter()
        .zip(readable(&format!("renamed-{title}")))
    {
        assert!(!public.join(&old).exists(), "{old} removed");
        assert!(
            same_file(&public.join(calendar), &public.join(&new)),
            "{new}"
        );
    }
    // A title with no letter or digit names no calendar: `calendar.ics` alone.
    project.write(
        "events/chronicle.toml",
        &settings.replace(
            "title = \"US-Mexico security cooperation, 2025\"",
            "title = \"¿…?\"",
        ),
    );
    project.ok(&["build"]);
    let calendars: Vec<String> = manifest_lines(&project)
        .into_iter()
        .filter(|l| l.ends_with(".ics"))
        .filter(|l| !l.ends_with("/calendar.ics") && l != "calendar.ics")
        .collect();
    assert_eq!(calendars, Vec::<String>::new());
    assert!(!public.join(format!("renamed-{title}.ics")).exists());
}

fn manifest_lines(project: &Project) -> Vec<String> {
    project
        .read("public/.chronicle-outputs")
        .lines()
        .map(str::to_string)
        .collect()
}
