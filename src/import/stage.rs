//! The path every import takes: read the inputs, name each event's file, stage the files in a
//! copy of the collection, check that copy with `check`'s own rules, then write.
//!
//! Nothing is written while any input has a problem or the staged collection has an error. An
//! event file that exists is never overwritten, with one exception: with `--update`, a file
//! that `import` wrote, recognised by the comment line [`MARKER`] it opens its front matter
//! with, is replaced by the event of the same id. Deleting that line keeps a file from ever
//! being replaced. Each file is written atomically (a temporary file beside it, then linked or
//! renamed into place); should a write fail, the files already written are taken back.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use super::{guess_format, read, Format, Imported, Problem};
use crate::check::{check_collection, read_settings};
use crate::create::event::{event_text, numbered, title_slug, written_year};
use crate::diag::Diagnostic;
use crate::load;
use crate::render::covering::render_covering_pages;
use crate::write::{write_atomically, write_new};

/// The comment line an imported file's front matter starts with (TOML comments are ignored by
/// every reader): it tells `import --update` the file is its own to replace.
pub const MARKER: &str = "# imported by chronicle: `chronicle import --update` may replace this file; delete this line to keep it as it is\n";

/// What to import, resolved from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub files: Vec<PathBuf>,
    /// The inputs' format; guessed for each file when `None` (see [`guess_format`]).
    pub from: Option<Format>,
    /// The collection folder.
    pub events: PathBuf,
    /// Replace files imported earlier under the same id.
    pub update: bool,
    /// Check everything, write nothing.
    pub dry_run: bool,
}

/// What happens to one event file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new file.
    Write,
    /// A file imported earlier, replaced (`--update`).
    Replace,
    /// A file imported earlier that already holds exactly this (`--update`): left as it is.
    Unchanged,
}

/// One event file an import writes.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The file, in the collection folder.
    pub path: PathBuf,
    /// Relative to the collection folder, `/`-separated.
    pub relative: String,
    pub action: Action,
    /// The input and the line the event was read from.
    pub file: PathBuf,
    pub line: usize,
    text: String,
}

/// What an import did, or why it did nothing.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing was written: the inputs' problems (each at its input line), and the collection's
    /// own errors (at their event files) when it already had some or an imported event clashes
    /// with one of its files.
    Refused {
        problems: Vec<Problem>,
        diagnostics: Vec<Diagnostic>,
    },
    /// Every file was written (or, with `--dry-run`, would be); `warnings` are `check`'s about
    /// the imported events.
    Done {
        planned: Vec<Planned>,
        warnings: Vec<Problem>,
    },
}

/// An event file of the collection, as far as an import cares.
struct ExistingFile {
    relative: String,
    /// Opens with [`MARKER`].
    imported: bool,
}

/// Imports `options.files` into the collection: all or nothing (see the module doc).
pub fn import(options: &Options) -> anyhow::Result<Outcome> {
    let dir = &options.events;
    let mut diagnostics = Vec::new();
    let settings = read_settings(dir, &mut diagnostics)
        .with_context(|| format!("cannot read the collection in {}", dir.display()))?;
    let Some(settings) = settings else {
        diagnostics.retain(Diagnostic::is_error);
        return Ok(Outcome::Refused {
            problems: Vec::new(),
            diagnostics,
        });
    };
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    for file in &options.files {
        let bytes = fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
        let text = String::from_utf8_lossy(bytes);
        let Some(format) = options.from.or_else(|| guess_format(file, &text)) else {
            problems.push(problem(
                file,
                1,
                "cannot tell the format from the file's name or text: name it with --from".into(),
            ));
            continue;
        };
        for (line, read) in read(format, bytes, settings.timezone) {
            match read {
                Ok(imported) => entries.push((file, line, imported)),
                Err(message) => problems.push(problem(file, line, message)),
            }
        }
    }
    let existing = existing_files(dir)?;
    let mut namer = Namer::new(dir, &existing, options.update);
    let mut planned = Vec::new();
    let mut notes = Vec::new();
    for (file, line, mut imported) in entries {
        for note in std::mem::take(&mut imported.notes) {
            let mut warning = problem(file, line, note);
            warning.warning = true;
            notes.push(warning);
        }
        match namer.plan(imported, file, line) {
            Ok(plan) => planned.push(plan),
            Err(message) => problems.push(problem(file, line, message)),
        }
    }
    // In the order the inputs were given, line by line.
    let order = |p: &Problem| {
        let file = options.files.iter().position(|f| *f == p.file);
        (file, p.line)
    };
    if !problems.is_empty() {
        problems.sort_by_key(order);
        return Ok(Outcome::Refused {
            problems,
            diagnostics: Vec::new(),
        });
    }
    let (mut problems, diagnostics, mut warnings) = check_staged(dir, &planned)?;
    problems.sort_by_key(order);
    warnings.extend(notes);
    warnings.sort_by_key(order);
    if !problems.is_empty() || !diagnostics.is_empty() {
        return Ok(Outcome::Refused {
            problems,
            diagnostics,
        });
    }
    if !options.dry_run {
        write_planned(&planned)?;
    }
    Ok(Outcome::Done { planned, warnings })
}

fn problem(file: &Path, line: usize, message: String) -> Problem {
    Problem {
        file: file.to_path_buf(),
        line,
        message,
        warning: false,
    }
}

/// Every event file of the collection by its event's id (as written, else the file stem).
fn existing_files(dir: &Path) -> anyhow::Result<HashMap<String, ExistingFile>> {
    let loaded = load::load_with(dir, None, |file| {
        (load::written_id(file), has_marker(&file.text))
    })
    .with_context(|| format!("cannot read the collection in {}", dir.display()))?;
    Ok(loaded
        .files
        .into_iter()
        .filter_map(|f| {
            let (id, imported) = f.value.ok()?;
            let relative = f.relative;
            Some((id, ExistingFile { relative, imported }))
        })
        .collect())
}

/// Whether an event file's front matter opens with [`MARKER`] (a BOM already dropped).
fn has_marker(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("+++") else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '\t', '\r']);
    rest.strip_prefix('\n')
        .is_some_and(|front| front.starts_with(MARKER.trim_end()))
}

/// Gives each imported event its id and file, refusing what would overwrite or clash.
struct Namer<'a> {
    dir: &'a Path,
    existing: &'a HashMap<String, ExistingFile>,
    update: bool,
    /// Ids and paths given to events of this import so far, with where each was read.
    ids: HashMap<String, String>,
    paths: HashMap<String, String>,
    /// The paths of the collection's files (lowercase: a file system may ignore case).
    existing_paths: HashMap<String, String>,
}

impl<'a> Namer<'a> {
    fn new(dir: &'a Path, existing: &'a HashMap<String, ExistingFile>, update: bool) -> Self {
        let existing_paths = existing
            .iter()
            .map(|(id, f)| (f.relative.to_lowercase(), id.clone()))
            .collect();
        Namer {
            dir,
            existing,
            update,
            ids: HashMap::new(),
            paths: HashMap::new(),
            existing_paths,
        }
    }

    fn plan(&mut self, imported: Imported, file: &Path, line: usize) -> Result<Planned, String> {
        let here = format!("{}:{line}", file.display());
        let Imported {
            event, id, path, ..
        } = imported;
        let id = match id {
            Some(id) => {
                check_id(&id)?;
                id
            }
            None => self.free_id(&event.title),
        };
        if let Some(first) = self.ids.get(&id) {
            return Err(format!("id '{id}' is also the id of the event at {first}"));
        }
        let year = written_year(&event.date).ok_or("date has no year")?;
        let mut relative = match path {
            Some(path) => check_path(&path)?,
            None => format!("{year}/{id}.md"),
        };
        let mut action = Action::Write;
        if let Some(existing) = self.existing.get(&id) {
            if !self.update {
                return Err(format!(
                    "the collection has an event with id '{id}' ({}); import never overwrites: \
                     --update replaces a file imported earlier",
                    existing.relative
                ));
            }
            if !existing.imported {
                return Err(format!(
                    "the collection's event '{id}' ({}) was not written by import (its front \
                     matter does not open with the import comment), so --update leaves it alone",
                    existing.relative
                ));
            }
            // The event stays where it is: its file may have been moved since.
            relative.clone_from(&existing.relative);
            action = Action::Replace;
        } else if let Some(other) = self.existing_paths.get(&relative.to_lowercase()) {
            return Err(format!(
                "{relative} already holds the event '{other}'; import never overwrites"
            ));
        } else if self.dir.join(&relative).symlink_metadata().is_ok() {
            return Err(format!(
                "{relative} already exists; import never overwrites"
            ));
        }
        if let Some(first) = self.paths.get(&relative.to_lowercase()) {
            return Err(format!(
                "{relative} is also the file of the event at {first}"
            ));
        }
        let text = event_text(&event, &id, MARKER).map_err(|e| e.to_string())?;
        let path = self.dir.join(&relative);
        if action == Action::Replace && fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            action = Action::Unchanged;
        }
        self.ids.insert(id, here.clone());
        self.paths.insert(relative.to_lowercase(), here);
        Ok(Planned {
            path,
            relative,
            action,
            file: file.to_path_buf(),
            line,
            text,
        })
    }

    /// An id made from the title, as `new` makes one: its slug, numbered if taken.
    fn free_id(&self, title: &str) -> String {
        let slug = title_slug(title).unwrap_or_else(|| "event".into());
        (1..)
            .map(|n| numbered(&slug, n))
            .find(|id| !self.existing.contains_key(id) && !self.ids.contains_key(id))
            .expect("the names slug-N are endless")
    }
}

/// An id, as `check` wants it; it names the file too, so it is checked before the file is
/// named.
fn check_id(id: &str) -> Result<(), String> {
    let valid = !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "id '{id}' may only use ASCII letters, digits, '-', '_' and '.', and not start with '.'"
        ))
    }
}

/// A path an input asks for: relative, inside the collection, a visible `.md` file.
fn check_path(path: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("path '{path}' {why}"));
    if !path.ends_with(".md") {
        return bad("is not a .md file");
    }
    if path.contains('\\') {
        return bad("must use / between folders");
    }
    let parts: Vec<Component<'_>> = Path::new(path).components().collect();
    for part in &parts {
        match part {
            Component::Normal(name) if !name.to_string_lossy().starts_with('.') => {}
            Component::Normal(_) => return bad("names a hidden file or folder, which check skips"),
            _ => return bad("must stay inside the collection folder (relative, no ..)"),
        }
    }
    if parts.is_empty() || path.split('/').any(str::is_empty) {
        return bad("is not a file path");
    }
    if path.split('/').any(|part| part.len() > 255) {
        return bad("has a name longer than 255 bytes");
    }
    Ok(path.to_string())
}

/// Writes the planned files into a copy of the collection and checks it as `check` does:
/// (errors at imported events, other errors, warnings at imported events).
fn check_staged(
    dir: &Path,
    planned: &[Planned],
) -> anyhow::Result<(Vec<Problem>, Vec<Diagnostic>, Vec<Problem>)> {
    let stage = tempfile::Builder::new()
        .prefix("chronicle-import-")
        .tempdir()
        .context("cannot make a folder to check the import in")?;
    let staged = stage.path();
    copy_collection(dir, staged)?;
    for plan in planned {
        let path = staged.join(&plan.relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        // Removed first: a copied file is never written through.
        let _ = fs::remove_file(&path);
        fs::write(&path, &plan.text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let checked = check_collection(staged, render_covering_pages)
        .with_context(|| format!("cannot check the import in {}", staged.display()))?;
    let by_path: HashMap<&str, &Planned> =
        planned.iter().map(|p| (p.relative.as_str(), p)).collect();
    let staged_name = staged.display().to_string();
    let shown_name = dir.display().to_string();
    let (mut errors, mut others, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    for mut diag in checked.diagnostics {
        diag.message = diag.message.replace(&staged_name, &shown_name);
        let relative = diag
            .path
            .strip_prefix(staged)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .ok();
        match relative.as_deref().and_then(|r| by_path.get(r)) {
            Some(plan) => {
                let mut problem = problem(&plan.file, plan.line, diag.message.clone());
                problem.warning = !diag.is_error();
                if diag.is_error() {
                    errors.push(problem);
                } else {
                    warnings.push(problem);
                }
            }
            None if diag.is_error() => {
                if let Some(relative) = relative {
                    diag.path = dir.join(relative);
                }
                others.push(diag);
            }
            None => {}
        }
    }
    if errors.is_empty() && others.is_empty() {
        // Every staged file must have been read as an event: one skipped would be lost.
        if let Some(collection) = &checked.collection {
            let read: std::collections::HashSet<&str> =
                collection.events.iter().map(|e| e.path.as_str()).collect();
            for plan in planned
                .iter()
                .filter(|p| !read.contains(p.relative.as_str()))
            {
                errors.push(problem(
                    &plan.file,
                    plan.line,
                    format!("{} would not be read as an event file", plan.relative),
                ));
            }
        }
    }
    Ok((errors, others, warnings))
}

/// Copies the collection folder's files (the content of a linked file) into `to`.
fn copy_collection(dir: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let relative = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields paths below its root");
        let target = to.join(relative);
        let kind = entry.file_type();
        if kind.is_dir() {
            fs::create_dir_all(&target)
                .with_context(|| format!("cannot create {}", target.display()))?;
        } else if kind.is_file() || fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Writes every planned file; on a failure, takes back what was written and says why.
fn write_planned(planned: &[Planned]) -> anyhow::Result<()> {
    let mut done: Vec<(&Planned, Option<Vec<u8>>)> = Vec::new();
    let mut result = Ok(());
    for plan in planned {
        let written = match plan.action {
            Action::Unchanged => continue,
            Action::Write => write_new(&plan.path, plan.text.as_bytes()).map(|()| None),
            Action::Replace => match fs::read(&plan.path) {
                Ok(old) if has_marker(&String::from_utf8_lossy(&old)) => {
                    write_atomically(&plan.path, |w| w.write_all(plan.text.as_bytes()))
                        .map(|()| Some(old))
                }
                Ok(_) => {
                    result = Err(anyhow::anyhow!(
                        "{} changed while importing: no longer marked as imported",
                        plan.path.display()
                    ));
                    break;
                }
                Err(err) => {
                    result = Err(anyhow::Error::new(err)
                        .context(format!("cannot read {}", plan.path.display())));
                    break;
                }
            },
        };
        match written {
            Ok(old) => done.push((plan, old)),
            Err(err) => {
                result = Err(err.into());
                break;
            }
        }
    }
    if result.is_err() {
        for (plan, old) in done.into_iter().rev() {
            // Best effort: the error that stopped the import is the one to report.
            match old {
                Some(old) => {
                    let _ = write_atomically(&plan.path, |w| w.write_all(&old));
                }
                None => {
                    let _ = fs::remove_file(&plan.path);
                }
            }
        }
    }
    result.context("nothing was imported: the files already written were removed again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_visible_inside_the_collection() {
        assert_eq!(check_path("2025/a.md"), Ok("2025/a.md".into()));
        for bad in [
            "../a.md",
            "/etc/a.md",
            "2025/../../a.md",
            "2025/.hidden.md",
            ".git/a.md",
            "a.txt",
            "2025//a.md",
            "a\\b.md",
            "./a.md",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_name_files() {
        assert!(check_id("a-b_c.d").is_ok());
        for bad in ["", ".x", "a/b", "a b", "é"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_marker_opens_the_front_matter() {
        assert!(has_marker(&format!("+++\n{MARKER}title = \"A\"\n+++\n")));
        assert!(has_marker(&format!(
            "+++\r\n{}\r\ntitle = \"A\"\n+++\n",
            MARKER.trim_end()
        )));
        assert!(!has_marker(&format!("+++\ntitle = \"A\"\n{MARKER}+++\n")));
        assert!(!has_marker("+++\ntitle = \"A\"\n+++\n"));
    }
}
