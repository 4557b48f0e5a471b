//! `chronicle new`: write one event file from the values given, checked by `check`'s rules
//! before it is written, and print its path.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono_tz::Tz;

use crate::check::{check_event_file, read_settings};
use crate::cli::NewArgs;
use crate::create::event::{at_time, event_text, numbered, title_slug, written_year, NewEvent};
use crate::load::{self, front_matter::parse_event_file, SourceFile};
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
            eprintln!("{diagnostic}");
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
        sources: args.source.clone(),
        published: super::now()?,
        body: String::new(),
    };
    let taken_ids = collection_ids(dir)?;
    let folder = dir.join(&year);
    let path = match write_event(&event, &folder, &year, &slug, &taken_ids, settings.timezone)? {
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

/// Writes the event under the first free name (`slug`, `slug-2`, …): free when no file has it
/// in the year's folder and no event in the collection has it as id, so the new event's id is
/// unique. Returns the path, or what `check` would find wrong with the file.
pub fn write_event(
    event: &NewEvent,
    folder: &Path,
    year: &str,
    slug: &str,
    taken_ids: &HashSet<String>,
    zone: Tz,
) -> anyhow::Result<Result<PathBuf, Vec<String>>> {
    for n in 1.. {
        let name = numbered(slug, n);
        let path = folder.join(format!("{name}.md"));
        if taken_ids.contains(&name) || path.symlink_metadata().is_ok() {
            continue;
        }
        let text = event_text(event, &name)?;
        let file = SourceFile::new(path.clone(), format!("{year}/{name}.md"), text);
        let (_, diagnostics) = check_event_file(&file, zone);
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect();
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

/// Every id the collection's events have (as written, or from the file name), errors or not.
pub fn collection_ids(dir: &Path) -> anyhow::Result<HashSet<String>> {
    let loaded = load::load_with(dir, None, |file| {
        let written = parse_event_file(file)
            .ok()
            .and_then(|parsed| parsed.raw.id.map(toml::Spanned::into_inner));
        written.unwrap_or_else(|| {
            Path::new(&file.relative)
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    })
    .with_context(|| format!("cannot read the collection in {}", dir.display()))?;
    Ok(loaded
        .files
        .into_iter()
        .filter_map(|f| f.value.ok())
        .collect())
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
