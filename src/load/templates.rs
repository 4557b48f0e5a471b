//! The collection's own page templates: `templates/*.html` and `templates/*.css` directly
//! inside the collection directory, read as text. A template that resolves (through a link,
//! or a `templates` folder that is one) outside the collection is refused, as an event file
//! is. Checking their syntax is `check`'s job.

use std::fs;
use std::path::Path;

use super::{decode, file_level, refuse_outside, SourceFile, MAX_EVENT_FILE_BYTES};
use crate::diag::{Code, Diagnostic, Severity};

/// The folder of the collection's templates.
pub const TEMPLATES_DIR: &str = "templates";

/// Every template file of the collection (sorted by name), and what could not be read.
/// A collection without a `templates/` folder has none.
pub fn load_templates(dir: &Path) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let folder = dir.join(TEMPLATES_DIR);
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let Ok(entries) = fs::read_dir(&folder) else {
        return (files, diagnostics);
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| is_template(path) && path.is_file())
        .collect();
    paths.sort();
    // Where the collection is, once links are resolved: a template (or the folder) may be a
    // link, but not to a file outside, which would be published.
    let root = match dir.canonicalize() {
        Ok(root) => root,
        Err(err) => {
            let message = format!("cannot resolve path: {err}");
            diagnostics.push(file_level(
                folder,
                Severity::Error,
                Code::UnreadableFile,
                message,
            ));
            return (files, diagnostics);
        }
    };
    for path in paths {
        let error = |message: String| {
            file_level(path.clone(), Severity::Error, Code::UnreadableFile, message)
        };
        if let Err(diag) = refuse_outside(&root, &path) {
            diagnostics.push(diag);
            continue;
        }
        let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        // Templates are pages of markup; the event size limit is generous for them too.
        if size > MAX_EVENT_FILE_BYTES {
            diagnostics.push(error(format!(
                "file is {size} bytes, over the limit of {MAX_EVENT_FILE_BYTES} bytes (1 MiB) for a template"
            )));
            continue;
        }
        let text = match fs::read(&path) {
            Ok(bytes) => match decode(&path, bytes) {
                Ok(text) => text,
                Err(diag) => {
                    diagnostics.push(diag);
                    continue;
                }
            },
            Err(err) => {
                diagnostics.push(error(format!("cannot read file: {err}")));
                continue;
            }
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(SourceFile::new(
            path,
            format!("{TEMPLATES_DIR}/{name}"),
            text,
        ));
    }
    (files, diagnostics)
}

/// The template's name, as `include` and `extends` refer to it: its file name.
pub fn template_name(file: &SourceFile) -> &str {
    file.relative
        .strip_prefix(TEMPLATES_DIR)
        .map_or(file.relative.as_str(), |rest| rest.trim_start_matches('/'))
}

fn is_template(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_none_or(|n| n.starts_with('.'));
    !hidden
        && path
            .extension()
            .is_some_and(|ext| ext == "html" || ext == "css")
}
