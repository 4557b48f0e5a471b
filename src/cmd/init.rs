//! `chronicle init`: start a collection in a folder: its settings, with a new collection id,
//! and one example event, both checked by `check`'s rules before they are written.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono_tz::Tz;

use crate::cli::{self, InitArgs};
use crate::config::parse_settings;
use crate::create::event::{title_slug, written_year, NewEvent};
use crate::create::settings::{settings_text, NewSettings};
use crate::load::{SourceFile, SETTINGS_FILE};
use crate::terminal::escape_path;
use crate::write::write_new;

const DEFAULT_TITLE: &str = "My timeline";
const DEFAULT_BASE_URL: &str = "https://example.org/";
const EXAMPLE_TITLE: &str = "Started this timeline";
const EXAMPLE_BODY: &str = "An example event: edit it, or delete this file.\n\n\
Each event is one Markdown file like this one, TOML front matter between the `+++` lines and\n\
then its text; `chronicle new \"A title\" --date 2025-09-03` writes the next one.\n";

pub fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    let settings_path = dir.join(SETTINGS_FILE);
    if settings_path.symlink_metadata().is_ok() {
        bail!(
            "{} already holds a collection ({} exists); init starts a new one and overwrites nothing",
            dir.display(),
            settings_path.display()
        );
    }
    let settings = NewSettings {
        title: answer(&args.title, "Title", DEFAULT_TITLE, cli::parse_line_text)?,
        base_url: with_slash(answer(
            &args.base_url,
            "Base URL",
            DEFAULT_BASE_URL,
            cli::parse_base_url,
        )?),
        // A new collection's id: random, as nothing else names the collection for good yet
        // (RFC 9562 §5.4); written once, then never changed.
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        language: answer(&args.language, "Language", "en", cli::parse_language)?,
        timezone: answer(&args.timezone, "Time zone", "UTC", cli::parse_timezone)?,
    };
    let text = settings_text(&settings)?;
    let file = SourceFile::new(settings_path.clone(), SETTINGS_FILE.into(), text);
    let zone = match parse_settings(&file) {
        Ok(read) => read.timezone,
        Err(errors) => {
            for error in &errors {
                super::usage_error(&error.message);
            }
            return Ok(ExitCode::from(2));
        }
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let example = example_event(zone)?;
    let Some(event_path) = write_example(&example, dir, zone)? else {
        bail!("the example event does not pass check");
    };
    if let Err(err) = write_new(&settings_path, file.text.as_bytes()) {
        // Leave the folder as it was: no event without its settings.
        let _ = std::fs::remove_file(&event_path);
        return Err(err.into());
    }
    let shown = escape_path(dir);
    println!("Started a collection in {shown}:");
    println!(
        "  {}  its settings and permanent id",
        escape_path(&settings_path)
    );
    println!("  {}  an example event", escape_path(&event_path));
    println!();
    println!("Next:");
    println!("  chronicle new \"A title\" --date 2025-09-03 --events {shown}");
    println!("  chronicle check --events {shown}");
    println!("  chronicle build --events {shown} --out public");
    println!("  chronicle serve --events {shown}");
    Ok(ExitCode::SUCCESS)
}

/// The example event: dated today in the collection's zone, published now.
fn example_event(zone: Tz) -> anyhow::Result<NewEvent> {
    let now = super::now()?;
    let today = now.with_timezone(&zone).date_naive();
    Ok(NewEvent {
        title: EXAMPLE_TITLE.into(),
        date: crate::create::event::date_value(&today.format("%Y-%m-%d").to_string())
            .map_err(anyhow::Error::msg)?,
        end: None,
        timezone: None,
        location: None,
        tags: Vec::new(),
        status: crate::model::Status::default(),
        sources: Vec::new(),
        published: Some(crate::create::event::utc_datetime(now)?),
        updated: None,
        body: EXAMPLE_BODY.into(),
        corrections: Vec::new(),
        retraction: None,
    })
}

/// Writes the example event as `new` writes an event; `None` if it would not pass check.
fn write_example(
    event: &NewEvent,
    dir: &std::path::Path,
    zone: Tz,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    let slug = title_slug(&event.title).context("the example event's title names a file")?;
    let year = written_year(&event.date).context("the example event is dated by a day")?;
    let existing = super::new::Existing::read(dir, zone)?;
    let written = super::new::write_event(event, dir, &year, &slug, &existing, zone)?;
    Ok(written.ok())
}

/// The value of a setting: the flag's, else (at a terminal) the answer to a question, else the
/// default. Asks again until the answer is valid.
fn answer(
    flag: &Option<String>,
    question: &str,
    default: &str,
    parse: fn(&str) -> Result<String, String>,
) -> anyhow::Result<String> {
    if let Some(value) = flag {
        return Ok(value.clone());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(default.to_string());
    }
    loop {
        eprint!("{question} [{default}]: ");
        std::io::stderr().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(default.to_string());
        }
        let line = line.trim();
        if line.is_empty() {
            return Ok(default.to_string());
        }
        match parse(line) {
            Ok(value) => return Ok(value),
            Err(problem) => eprintln!("{}", crate::terminal::escape(&problem)),
        }
    }
}

/// `base_url` ends with `/`, as links are made by adding paths to it.
fn with_slash(url: String) -> String {
    if url.ends_with('/') {
        url
    } else {
        url + "/"
    }
}
