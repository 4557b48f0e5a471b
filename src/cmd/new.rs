//! `chronicle new`: write one event file from the values given, checked by `check`'s rules
//! before it is written, and print its path.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono_tz::Tz;

use crate::check::{check_event_file, check_tag_pages, read_settings};
use crate::cli::NewArgs;
use crate::create::event::{
    at_time, event_text, numbered, title_slug, utc_datetime, written_year, NewEvent, NewSource,
};
use crate::load::{self, SourceFile};
use crate::model::Event;
use crate::terminal::escape_path;
use crate::write::write_new;

pub fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.events.events;
    // Before anything is written: --edit without an editor is known now.
    let editor = args.edit.then(editor).transpose()?;
    let mut diagnostics = Vec::new();
    let settings = read_settings(dir, &mut diagnostics)
        .with_context(|| format!("cannot read the collection in {}", dir.display()))?;
    let Some(settings) = settings else {
        for diagnostic in diagnostics.iter().filter(|d| d.is_error()) {
            crate::diag::eprint(diagnostic);
        }
        bail!(
            "cannot add an event to {}: its settings have errors",
            dir.display()
        );
    };
    let date = match args.time {
        Some(time) => match at_time(&args.date, time) {
            Some(date) => date,
            None => {
                return Ok(super::usage_error(
                    "--time needs a --date that is a day, like 2025-09-03",
                ))
            }
        },
        None => args.date.clone(),
    };
    let Some(slug) = title_slug(&args.title) else {
        return Ok(super::usage_error(&format!(
            "the title '{}' has no letter or digit to name the event's file",
            args.title
        )));
    };
    let Some(year) = written_year(&date) else {
        return Ok(super::usage_error("--date has no year"));
    };
    let event = NewEvent {
        title: args.title.clone(),
        date,
        end: args.end.clone(),
        timezone: args.timezone.clone(),
        location: args.location.clone(),
        tags: args.tag.clone(),
        status: crate::model::Status::default(),
        sources: args
            .source
            .iter()
            .map(|url| NewSource::from_url(url))
            .collect(),
        published: Some(utc_datetime(super::now()?)?),
        updated: None,
        body: String::new(),
        corrections: Vec::new(),
        retraction: None,
    };
    let existing = Existing::read(dir, settings.timezone)?;
    let path = match write_event(&event, dir, &year, &slug, &existing, settings.timezone)? {
        Ok(path) => path,
        Err(problems) => {
            for problem in &problems {
                super::usage_error(problem);
            }
            return Ok(ExitCode::from(2));
        }
    };
    println!("{}", escape_path(&path));
    if let Some(editor) = editor {
        open_editor(&editor, &path)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What a new event must not clash with: the ids and the tags of the collection's events.
#[derive(Debug, Default)]
pub struct Existing {
    /// Every event's id (as written, or from its file name), its file valid or not.
    ids: HashSet<String>,
    /// The events whose files are valid: the tags that name pages.
    events: Vec<Event>,
}

impl Existing {
    /// Reads every event file of the collection in `dir` (`zone`: the settings' time zone).
    pub fn read(dir: &Path, zone: Tz) -> anyhow::Result<Existing> {
        let loaded = load::load_with(dir, None, |file| {
            (load::written_id(file), check_event_file(file, zone).0)
        })
        .with_context(|| format!("cannot read the collection in {}", dir.display()))?;
        let mut existing = Existing::default();
        for (id, event) in loaded.files.into_iter().filter_map(|f| f.value.ok()) {
            existing.ids.insert(id);
            existing.events.extend(event);
        }
        Ok(existing)
    }
}

/// Writes the event into `dir`/`year`/ under the first free name (`slug`, `slug-2`, …): free
/// when no file has it in that folder and no event of the collection has it as id, so the new
/// event's id is unique. Returns the path, or what `check` would find wrong with the file.
pub fn write_event(
    event: &NewEvent,
    dir: &Path,
    year: &str,
    slug: &str,
    existing: &Existing,
    zone: Tz,
) -> anyhow::Result<Result<PathBuf, Vec<String>>> {
    for n in 1.. {
        let name = numbered(slug, n);
        let path = dir.join(year).join(format!("{name}.md"));
        if existing.ids.contains(&name) || path.symlink_metadata().is_ok() {
            continue;
        }
        let text = event_text(event, &name, "")?;
        let file = SourceFile::new(path.clone(), format!("{year}/{name}.md"), text);
        let errors = check_new_file(&file, dir, existing, zone);
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        match write_new(&path, file.text.as_bytes()) {
            Ok(()) => return Ok(Ok(path)),
            // Written by someone else since we looked: take the next name.
            Err(err) if err.source.kind() == ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err.into()),
        }
    }
    unreachable!("the names slug-N are endless")
}

/// What `check` would report as errors in the new file: its own rules, and whether its tags
/// would share a page with another event's different tag.
fn check_new_file(file: &SourceFile, dir: &Path, existing: &Existing, zone: Tz) -> Vec<String> {
    let (event, mut diagnostics) = check_event_file(file, zone);
    if let Some(event) = &event {
        // The new event last: a clash is reported at the later event, this one.
        let all = existing.events.iter().chain(std::iter::once(event));
        check_tag_pages(all, |e| dir.join(&e.path), &mut diagnostics);
    }
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect()
}

/// `$VISUAL`, else `$EDITOR`, as other command-line tools pick the editor.
fn editor() -> anyhow::Result<String> {
    ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .context("--edit needs an editor: set VISUAL or EDITOR")
}

/// Runs the editor on the file and waits for it. The variable may hold arguments
/// (`code --wait`), as for git: it is run by the shell, the path passed as `$1` so the shell
/// never splits or expands it.
fn open_editor(editor: &str, path: &Path) -> anyhow::Result<()> {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .with_context(|| format!("cannot run the editor '{editor}'"))?;
    if !status.success() {
        bail!("the editor '{editor}' failed ({status})");
    }
    Ok(())
}
