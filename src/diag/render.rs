//! Shows a [`Diagnostic`] to a person: its one-line `path:line:col: severity: message` form
//! first (what editors and CI parse), then the source lines it points at with a caret under
//! the span, drawn by `annotate-snippets` (the renderer rustc and cargo use). Coloured when
//! asked: `--color always`, or `auto` with stderr a terminal and `NO_COLOR` unset (anstream's
//! rules). The one renderer for every command that reports diagnostics.

use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;

use annotate_snippets::renderer::{DEFAULT_ERROR_STYLE, DEFAULT_TERM_WIDTH, DEFAULT_WARNING_STYLE};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use anstyle::Style;

use super::{Diagnostic, Excerpt, Severity};
use crate::terminal::{acts_on_terminal, escape, escape_path};

/// Whether diagnostics written to stderr are coloured: the `--color` choice (set once with
/// `anstream::ColorChoice::write_global`), else whether stderr is a terminal that takes
/// colour, `NO_COLOR` and `CLICOLOR_FORCE` considered.
pub fn stderr_is_styled() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Writes `diagnostic` to stderr as [`render`] shows it, coloured per [`stderr_is_styled`].
pub fn eprint(diagnostic: &Diagnostic) {
    // Long source lines are cut to the terminal's width; piped, to the renderer's default.
    let width = terminal_size::terminal_size_of(std::io::stderr())
        .map_or(DEFAULT_TERM_WIDTH, |(w, _)| usize::from(w.0));
    let text = render_at_width(diagnostic, stderr_is_styled(), width);
    // Nothing is left to report a failed write of a report to.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The diagnostic's one-line form, then its source lines with the span underlined and a blank
/// line; with ANSI colours when `styled`. Everything from the collection (path,
/// message, source) is escaped for the terminal.
pub fn render(diagnostic: &Diagnostic, styled: bool) -> String {
    render_at_width(diagnostic, styled, DEFAULT_TERM_WIDTH)
}

/// [`render`], with source lines longer than `width` columns cut around the span.
fn render_at_width(diagnostic: &Diagnostic, styled: bool, width: usize) -> String {
    let (severity_style, level) = match diagnostic.severity {
        Severity::Error => (DEFAULT_ERROR_STYLE, Level::ERROR),
        Severity::Warning => (DEFAULT_WARNING_STYLE, Level::WARNING),
    };
    let paint = |style: Style| if styled { style } else { Style::new() };
    let bold = paint(Style::new().bold());
    let severity = paint(severity_style);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{bold}{}:{}:{}:{bold:#} {severity}{}{severity:#}{bold}:{bold:#} {bold}{}{bold:#}",
        escape_path(&diagnostic.path),
        diagnostic.line,
        diagnostic.col,
        diagnostic.severity.name(),
        escape(&diagnostic.message),
    );
    let help = diagnostic.suggestion.as_deref().map(|replacement| {
        if replacement.contains('\n') {
            // Several lines (a block to write instead): each escaped, shown below.
            let lines: Vec<_> = replacement.lines().map(escape).collect();
            format!("write it as:\n{}", lines.join("\n"))
        } else if replacement.len() > 1
            && replacement.starts_with('"')
            && replacement.ends_with('"')
        {
            // A TOML string shows its own quotes.
            format!("did you mean {}?", escape(replacement))
        } else {
            format!("did you mean `{}`?", escape(replacement))
        }
    });
    if let Some(excerpt) = &diagnostic.excerpt {
        let (text, span) = escape_excerpt(excerpt);
        let mut group = Group::with_level(level).element(
            Snippet::source(&text)
                .line_start(excerpt.first_line)
                .annotation(AnnotationKind::Primary.span(span)),
        );
        if let Some(help) = &help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let report = [group];
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        }
        .term_width(width);
        out.push_str(&renderer.render(&report));
        // A blank line ends a diagnostic that shows source, as rustc's do.
        out.push_str("\n\n");
    } else if let Some(help) = help {
        let help_style = paint(annotate_snippets::renderer::DEFAULT_HELP_STYLE);
        let _ = writeln!(out, "  = {help_style}help{help_style:#}: {help}");
    }
    out
}

/// The excerpt's text with every character that acts on a terminal escaped as
/// [`escape`] writes it (tabs excepted: the renderer expands them), line-ending `\r`s
/// dropped, and its span moved to match.
fn escape_excerpt(excerpt: &Excerpt) -> (String, Range<usize>) {
    let source = &excerpt.text;
    let mut text = String::with_capacity(source.len());
    let (mut start, mut end) = (None, None);
    let mut chars = source.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if at == excerpt.span.start {
            start = Some(text.len());
        }
        if at == excerpt.span.end {
            end = Some(text.len());
        }
        let line_end = c == '\r' && chars.peek().is_none_or(|&(_, next)| next == '\n');
        if line_end || c == '\n' || c == '\t' || !acts_on_terminal(c) {
            if !line_end {
                text.push(c);
            }
        } else {
            text.push_str(&escape(c.encode_utf8(&mut [0; 4])));
        }
    }
    let start = start.unwrap_or(text.len());
    let end = end.unwrap_or(text.len()).max(start);
    (text, start..end)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn at(text: &str, span: Range<usize>) -> Diagnostic {
        let mut d = Diagnostic::at_position(
            PathBuf::from("events/a.md"),
            (2, 9),
            Severity::Error,
            crate::diag::Code::EmptyText,
            "title is empty",
        );
        d.excerpt = Some(Box::new(Excerpt {
            first_line: 2,
            text: text.into(),
            span,
        }));
        d
    }

    #[test]
    fn shows_the_line_and_a_caret_under_the_span() {
        assert_eq!(
            render(&at("title = \"\"", 8..10), false),
            "events/a.md:2:9: error: title is empty\n  |\n2 | title = \"\"\n  |         ^^\n\n"
        );
    }

    #[test]
    fn escapes_what_acts_on_a_terminal_in_the_source() {
        let shown = render(&at("title = \"\u{1b}[2J\u{202e}x\"\r", 8..18), false);
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{202e}'));
        assert!(
            shown.contains(
                "2 | title = \"\\u{1b}[2J\\u{202e}x\"\n  |         ^^^^^^^^^^^^^^^^^^^^\n"
            ),
            "{shown}"
        );
    }

    #[test]
    fn shows_a_suggestion_as_help() {
        let d = at("loaction = \"Paris\"", 0..8).suggest(Some("location".into()));
        assert_eq!(
            render(&d, false),
            "events/a.md:2:9: error: title is empty\n  |\n2 | loaction = \"Paris\"\n  | ^^^^^^^^\n  |\n  = help: did you mean `location`?\n\n"
        );
        let mut whole_file = d;
        whole_file.excerpt = None;
        assert_eq!(
            render(&whole_file, false),
            "events/a.md:2:9: error: title is empty\n  = help: did you mean `location`?\n"
        );
    }

    #[test]
    fn colours_only_when_styled() {
        let plain = render(&at("title = \"\"", 8..10), false);
        let styled = render(&at("title = \"\"", 8..10), true);
        assert!(!plain.contains('\u{1b}'));
        assert!(styled.contains("\u{1b}["), "{styled}");
    }
}
