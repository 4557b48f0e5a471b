//! Event and settings text in Unicode Normalization Form C (NFC), as it is loaded.
//!
//! The same words can be written with precomposed characters (`é`, U+00E9) or with combining
//! marks (`e` + U+0301), depending on the keyboard or the tool that wrote the file. The W3C
//! Character Model (§3.2, "Early Uniform Normalization") asks for NFC in documents, the Nu Html
//! Checker warns about any other text, and two spellings of one tag would otherwise be two
//! tags. Normalised once here, every output carries the same NFC text.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// `text` in NFC; borrowed when it already is (the usual case, found in one pass).
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        IsNormalized::No | IsNormalized::Maybe => Cow::Owned(text.nfc().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_combining_marks_and_keeps_nfc_text() {
        let cases = [
            (
                "Cafe\u{301} in Sa\u{303}o Paulo",
                "Caf\u{e9} in S\u{e3}o Paulo",
            ),
            ("Caf\u{e9}", "Caf\u{e9}"),
            // Hangul jamo compose into a syllable; the Ångström sign becomes the letter Å.
            ("\u{1100}\u{1161}", "\u{ac00}"),
            ("\u{212b}", "\u{c5}"),
            ("", ""),
        ];
        for (written, kept) in cases {
            assert_eq!(nfc(written), kept, "{written:?}");
        }
        assert!(matches!(nfc("plain"), Cow::Borrowed(_)));
    }
}
