//! Text for the terminal: everything chronicle prints for a person to read goes through
//! [`escape`] where it holds text from the collection or a file name.
//!
//! A field value or a file name is written by whoever wrote the collection. Printed raw, an
//! escape sequence in it could retitle the window, clear the screen or recolour what follows, a
//! line break could split one `path:line:col` report into two, and a bidi override could show a
//! line in another order than it is read. Such characters are shown as Rust writes them,
//! `\u{1b}`, so the line stays one line and says what the file holds.
//!
//! Written by hand: the rule is a few character classes, and the crates that escape for a
//! terminal either strip (losing what the file holds) or escape quotes and backslashes too
//! (`char::escape_debug`), which would garble Windows paths and quoted values in messages.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// `text` with every character that could act on a terminal or reorder its line written as
/// `\u{..}` (lowercase hex, as Rust writes it); other text, any script, is left as it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts_on_terminal(c) {
            let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// A path as [`escape`] shows it (a name that is not UTF-8 shows U+FFFD where its bytes are not).
pub fn escape_path(path: &Path) -> String {
    escape(&path.to_string_lossy()).into_owned()
}

/// Control characters (C0 with tab and line breaks, DEL, C1: ECMA-48 gives each a meaning to the
/// terminal), the line and paragraph separators U+2028 and U+2029, and the explicit bidi
/// formatting characters of Unicode TR9 §2 (embeddings, overrides, isolates and marks), which
/// reorder the rest of the line ("Trojan Source", CVE-2021-42574).
pub fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_acts_on_a_terminal() {
        let cases = [
            ("plain", "plain"),
            ("Sheinbaum y Rubio: cooperación 東京 🚀", "Sheinbaum y Rubio: cooperación 東京 🚀"),
            ("C:\\events\\a.md 'quoted'", "C:\\events\\a.md 'quoted'"),
            ("\u{1b}]0;PWNED\u{7}\u{1b}[2J", "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J"),
            ("\u{1b}[31mred", "\\u{1b}[31mred"),
            ("a\nb\rc\td", "a\\u{a}b\\u{d}c\\u{9}d"),
            ("del\u{7f} c1\u{85}\u{9b}", "del\\u{7f} c1\\u{85}\\u{9b}"),
            ("x\u{2028}y\u{2029}", "x\\u{2028}y\\u{2029}"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            (
                "\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{61c}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200e}\\u{200f}\\u{61c}",
            ),
            ("עברית ← RTL", "עברית ← RTL"),
        ];
        for (text, shown) in cases {
            assert_eq!(escape(text), shown, "{text:?}");
        }
    }

    #[test]
    fn leaves_clean_text_borrowed() {
        assert!(matches!(escape("events/2025/a.md"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_paths() {
        assert_eq!(
            escape_path(Path::new("events/new\nline.md")),
            "events/new\\u{a}line.md"
        );
    }
}
