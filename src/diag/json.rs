//! A diagnostic as one line of JSON, for tools and editors (`check --format json`): every
//! field of the diagnostic, positions 1-based with columns in characters, the end just after
//! the span's last character. JSON escapes what acts on a terminal itself (`\u001b`); nothing
//! else is escaped, so a tool reads the path and the message as they are.

use serde::Serialize;

use super::Diagnostic;

/// What `--format json` writes for one diagnostic; the field names are part of the interface.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    /// What to write in place of the span, or null.
    suggestion: Option<&'a str>,
}

/// `diagnostic` as one line of JSON (no line break).
pub fn json_line(diagnostic: &Diagnostic) -> String {
    let json = JsonDiagnostic {
        path: diagnostic.path.to_string_lossy().into_owned(),
        line: diagnostic.line,
        column: diagnostic.col,
        end_line: diagnostic.end_line,
        end_column: diagnostic.end_col,
        severity: diagnostic.severity.name(),
        code: diagnostic.code.name(),
        message: &diagnostic.message,
        suggestion: diagnostic.suggestion.as_deref(),
    };
    let line =
        serde_json::to_string(&json).expect("a diagnostic serializes: strings and numbers only");
    escape_for_terminal(&line)
}

/// JSON escapes C0 controls itself, but a line read at a terminal must not carry DEL, C1
/// controls, line separators or bidi overrides raw either (see [`crate::terminal`]): each is
/// written as a JSON `\uXXXX` escape, the same string to any JSON reader. All are in the
/// Basic Multilingual Plane, so one escape each.
fn escape_for_terminal(line: &str) -> String {
    use std::fmt::Write as _;
    let mut escaped = String::with_capacity(line.len());
    for c in line.chars() {
        if crate::terminal::acts_on_terminal(c) {
            let _ = write!(escaped, "\\u{:04x}", u32::from(c));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::diag::{Code, Severity};

    #[test]
    fn writes_every_field_on_one_line() {
        let mut d = Diagnostic::at_position(
            PathBuf::from("events/a\nb.md"),
            (4, 1),
            Severity::Error,
            Code::UnknownField,
            "unknown field `loaction`",
        )
        .suggest(Some("location".into()));
        d.end_col = 9;
        assert_eq!(
            json_line(&d),
            r#"{"path":"events/a\nb.md","line":4,"column":1,"end_line":4,"end_column":9,"severity":"error","code":"unknown-field","message":"unknown field `loaction`","suggestion":"location"}"#
        );
    }

    #[test]
    fn nothing_that_acts_on_a_terminal_is_written_raw() {
        let d = Diagnostic::at_position(
            PathBuf::from("events/a.md"),
            (1, 1),
            Severity::Error,
            Code::UnknownStatus,
            "unknown status '\u{1b}[2J\u{9b}31m\u{7f}\u{202e}x\u{2028}'",
        );
        let line = json_line(&d);
        assert!(
            line.chars().all(|c| !crate::terminal::acts_on_terminal(c)),
            "{line:?}"
        );
        assert!(
            line.contains(r"'\u001b[2J\u009b31m\u007f\u202ex\u2028'"),
            "{line}"
        );
        let read: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(read["message"], d.message.as_str());
    }
}
