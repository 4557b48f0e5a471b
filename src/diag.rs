//! Diagnostics: problems found in the collection, each pointing at a file position.
//!
//! Input problems are data, not failures: every stage collects them and `check` prints them all,
//! sorted, as `path:line:col: severity: message`, the path and message escaped for the terminal
//! (a file name or a value quoted in a message is the collection's text).

use std::fmt;
use std::path::PathBuf;

/// How bad a diagnostic is: errors stop `build`, warnings are only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file; `line` and `col` are 1-based, the column counted in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
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
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {}: {}",
            crate::terminal::escape_path(&self.path),
            self.line,
            self.col,
            severity,
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
        let d = Diagnostic {
            path: PathBuf::from("events/a.md"),
            line: 3,
            col: 9,
            severity: Severity::Error,
            message: "title is empty".into(),
        };
        assert_eq!(d.to_string(), "events/a.md:3:9: error: title is empty");
    }

    #[test]
    fn escapes_path_and_message() {
        let d = Diagnostic {
            path: PathBuf::from("events/a\nb\u{1b}[2J.md"),
            line: 1,
            col: 1,
            severity: Severity::Error,
            message: "unknown status '\u{1b}[31mred'".into(),
        };
        assert_eq!(
            d.to_string(),
            "events/a\\u{a}b\\u{1b}[2J.md:1:1: error: unknown status '\\u{1b}[31mred'"
        );
    }
}
