//! Diagnostics: problems found in the collection, each pointing at a span of a file.
//!
//! Input problems are data, not failures: every stage collects them and `check` prints them all,
//! sorted. A diagnostic displays on one line as `path:line:col: severity: message` (the form
//! editors and CI parse); [`render`] adds the source lines it points at, with a caret under the
//! span. The path, the message and the source lines are escaped for the terminal (a file name or
//! a value quoted in a message is the collection's text).

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

mod code;
mod json;
mod render;
mod suggest;

pub use self::code::Code;
pub use self::json::json_line;
pub use self::render::{eprint, render, stderr_is_styled};
pub use self::suggest::closest;

/// How bad a diagnostic is: errors stop `build`, warnings are only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// The word shown before the message: `error` or `warning`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one file. `line` and `col` are where its span starts, `end_line` and
/// `end_col` where it ends (just after its last character; equal to the start for a position
/// with no extent): all 1-based, columns counted in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub end_line: usize,
    pub end_col: usize,
    pub severity: Severity,
    /// What kind of problem it is: a stable name for tools.
    pub code: Code,
    pub message: String,
    /// The source lines the span covers, shown under the message; `None` for a problem with
    /// the whole file or one whose text is not at hand.
    pub excerpt: Option<Box<Excerpt>>,
    /// What to write in place of the span, as it would be written in the file ("did you
    /// mean"): `location` for the field `loaction`, `"America/Chicago"` for a zone.
    pub suggestion: Option<String>,
}

/// Whole lines of a file, as written, and the span within them a diagnostic points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The 1-based number of the first line of `text`.
    pub first_line: usize,
    /// The lines, without the line break after the last.
    pub text: String,
    /// Byte offsets into `text`.
    pub span: Range<usize>,
}

impl Diagnostic {
    /// A diagnostic at one position, with no source to show.
    pub fn at_position(
        path: PathBuf,
        (line, col): (usize, usize),
        severity: Severity,
        code: Code,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            path,
            line,
            col,
            end_line: line,
            end_col: col,
            severity,
            code,
            message: message.into(),
            excerpt: None,
            suggestion: None,
        }
    }

    /// This diagnostic with `replacement` suggested for its span.
    #[must_use]
    pub fn suggest(mut self, replacement: Option<String>) -> Diagnostic {
        self.suggestion = replacement;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    fn sort_key(&self) -> (&PathBuf, usize, usize, Severity, &str) {
        (
            &self.path,
            self.line,
            self.col,
            self.severity,
            &self.message,
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            crate::terminal::escape_path(&self.path),
            self.line,
            self.col,
            self.severity.name(),
            crate::terminal::escape(&self.message)
        )
    }
}

/// Sorts diagnostics by path, line and column, the order `check` prints them in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_path_line_col() {
        let d = Diagnostic::at_position(
            PathBuf::from("events/a.md"),
            (3, 9),
            Severity::Error,
            Code::EmptyText,
            "title is empty",
        );
        assert_eq!(d.to_string(), "events/a.md:3:9: error: title is empty");
    }

    #[test]
    fn escapes_path_and_message() {
        let d = Diagnostic::at_position(
            PathBuf::from("events/a\nb\u{1b}[2J.md"),
            (1, 1),
            Severity::Error,
            Code::UnknownStatus,
            "unknown status '\u{1b}[31mred'",
        );
        assert_eq!(
            d.to_string(),
            "events/a\\u{a}b\\u{1b}[2J.md:1:1: error: unknown status '\\u{1b}[31mred'"
        );
    }
}
