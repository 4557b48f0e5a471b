//! Check stage, the collection's page templates: each compiles (with the defaults it includes
//! or extends), and the timeline pages render from the collection's own events, within the
//! same work bound ([`template_fuel`]) as in `build` and `serve`.
//!
//! Which pages are rendered, and how, is the render stage's (`render::covering`, passed in as
//! [`RenderPages`]: `check` does not import `render`); here each error it finds becomes a
//! diagnostic at its template's line.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::diag::{Code, Diagnostic, Severity};
use crate::load::{self, SourceFile};
use crate::model::Collection;
use crate::templates::{template_fuel, Templates, PAGE_TEMPLATE};

/// Renders the pages that cover every page `build` writes of a collection (with the
/// collection's own templates), returning each template error: the render stage's
/// `render::covering::render_covering_pages`, which the caller passes in.
pub type RenderPages = fn(&Collection) -> Vec<minijinja::Error>;

/// The collection's own templates, as read and compiled by [`check_templates`].
#[derive(Debug, Default)]
pub struct CheckedTemplates {
    /// Template name -> source, as [`Collection::templates`] holds them.
    pub own: BTreeMap<String, String>,
    /// Their files, to locate an error.
    files: Vec<SourceFile>,
    /// The folder they are in, named by an error in a default template.
    folder: std::path::PathBuf,
}

/// Reads the collection's own templates and compiles each with the defaults, so a syntax
/// error is reported at its line (and column, where minijinja gives the span) before `build`.
pub fn check_templates(dir: &Path, diagnostics: &mut Vec<Diagnostic>) -> CheckedTemplates {
    let (files, read_errors) = load::templates::load_templates(dir);
    diagnostics.extend(read_errors);
    let own: BTreeMap<String, String> = files
        .iter()
        .map(|file| {
            (
                load::templates::template_name(file).to_string(),
                file.text.clone(),
            )
        })
        .collect();
    let compiled = Templates::new(&own, template_fuel(&[]));
    let checked = CheckedTemplates {
        own,
        files,
        folder: dir.join(load::templates::TEMPLATES_DIR),
    };
    for file in &checked.files {
        if let Err(err) = compiled.compile(load::templates::template_name(file)) {
            diagnostics.push(checked.locate(&err, "template"));
        }
    }
    checked
}

/// Renders the pages that cover every page of `collection` with `render_pages` and reports
/// each template error once, at its template's line.
pub fn check_pages(
    collection: &Collection,
    templates: &CheckedTemplates,
    render_pages: RenderPages,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let errors = render_pages(collection);
    // Pages run out of fuel at different columns of the same loop: one report a line.
    let mut seen = HashSet::new();
    for err in errors {
        let mut diagnostic = templates.locate(&err, "template render error:");
        if runs_out_of_fuel(&err) {
            diagnostic.message.push_str(&format!(
                " (a page may take {} fuel in this collection)",
                template_fuel(&collection.events)
            ));
        }
        if seen.insert((
            diagnostic.path.clone(),
            diagnostic.line,
            diagnostic.message.clone(),
        )) {
            diagnostics.push(diagnostic);
        }
    }
}

fn runs_out_of_fuel(err: &minijinja::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = cause {
        if err
            .downcast_ref::<minijinja::Error>()
            .is_some_and(|e| e.kind() == minijinja::ErrorKind::OutOfFuel)
        {
            return true;
        }
        cause = err.source();
    }
    false
}

impl CheckedTemplates {
    /// A diagnostic for a template error: at the innermost of the collection's templates the
    /// error passed through (an include's error is the cause of the including template's), at
    /// the line minijinja gives. An error in a default template the collection did not
    /// replace is reported at the collection's page template, naming the default's line.
    fn locate(&self, err: &minijinja::Error, what: &str) -> Diagnostic {
        let mut chain = vec![err];
        let mut cause = std::error::Error::source(err);
        while let Some(next) = cause.and_then(|c| c.downcast_ref::<minijinja::Error>()) {
            chain.push(next);
            cause = std::error::Error::source(next);
        }
        let innermost = chain.last().copied().unwrap_or(err);
        let message = match innermost.detail() {
            Some(detail) => format!("{what} {}: {detail}", innermost.kind()),
            None => format!("{what} {}", innermost.kind()),
        };
        let own_file = |err: &minijinja::Error| {
            let name = err.name()?;
            self.files
                .iter()
                .find(|file| load::templates::template_name(file) == name)
        };
        if let Some((err, file)) = chain
            .iter()
            .rev()
            .find_map(|err| own_file(err).map(|file| (*err, file)))
        {
            let span = match (err.range(), err.line()) {
                (Some(range), _) => range,
                (None, Some(line)) => {
                    let start = file
                        .text
                        .split_inclusive('\n')
                        .take(line.saturating_sub(1))
                        .map(str::len)
                        .sum();
                    start..start
                }
                (None, None) => 0..0,
            };
            return file.error(span, Code::Template, message);
        }
        let place = match (innermost.name(), innermost.line()) {
            (Some(name), Some(line)) => format!(" (in the default {name}, line {line})"),
            (Some(name), None) => format!(" (in the default {name})"),
            _ => String::new(),
        };
        let path = self
            .files
            .iter()
            .find(|file| load::templates::template_name(file) == PAGE_TEMPLATE)
            .or(self.files.first())
            .map_or_else(|| self.folder.clone(), |file| file.path.clone());
        load::file_level(
            path,
            Severity::Error,
            Code::Template,
            format!("{message}{place}"),
        )
    }
}
