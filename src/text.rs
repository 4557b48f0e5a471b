//! Rules over one text value, shared by the settings (`config`), the event rules (`check`) and
//! the command line (`cli`): which characters it may hold, and whether any of them is drawn.
//! A leaf, so none of those imports another for them.

/// False for text a reader would see as empty: only white space and characters that are not
/// drawn (Unicode's Default_Ignorable_Code_Point: zero-width spaces and joiners, bidi marks,
/// variation selectors, the Hangul fillers, tags; DerivedCoreProperties.txt), and the blank
/// braille pattern U+2800. Listed by hand: no well-kept crate exposes that property.
pub fn has_visible_character(text: &str) -> bool {
    text.chars().any(|c| {
        !c.is_whitespace()
            && !matches!(
                c,
                '\u{00ad}'
                    | '\u{034f}'
                    | '\u{061c}'
                    | '\u{115f}'..='\u{1160}'
                    | '\u{17b4}'..='\u{17b5}'
                    | '\u{180b}'..='\u{180f}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{206f}'
                    | '\u{2800}'
                    | '\u{3164}'
                    | '\u{fe00}'..='\u{fe0f}'
                    | '\u{feff}'
                    | '\u{ffa0}'
                    | '\u{fff0}'..='\u{fff8}'
                    | '\u{1bca0}'..='\u{1bca3}'
                    | '\u{1d173}'..='\u{1d17a}'
                    | '\u{e0000}'..='\u{e0fff}'
            )
    })
}

/// Characters no output may carry: C0 controls (XML 1.0 forbids them, and in a single-line field
/// a line break would let text inject a calendar property), and the non-characters U+FFFE and
/// U+FFFF. Multi-line text (bodies) may hold tab, CR and LF, and the line and paragraph
/// separators U+2028 and U+2029, which single-line text may not.
pub fn forbidden_characters(text: &str, multi_line: bool) -> Option<String> {
    forbidden_character_offset(text, multi_line).map(|(_, msg)| msg)
}

/// [`forbidden_characters`], with the byte offset of the first such character in `text`.
pub fn forbidden_character_offset(text: &str, multi_line: bool) -> Option<(usize, String)> {
    // Every forbidden character starts with a byte below 0x20, 0x7f, 0xc2 (C1 controls) or
    // 0xef (U+FFFE, U+FFFF): skip the bytes that cannot start one, and look closely only from
    // the first that can (bodies are long and almost always clean).
    let first = text.bytes().position(|b| {
        b < 0x20 && b != b'\t' && !(multi_line && matches!(b, b'\n' | b'\r'))
            || matches!(b, 0x7f | 0xc2 | 0xef)
            || (!multi_line && b == 0xe2)
    })?;
    // ASCII and lead bytes both start a character, so `start` is a character boundary.
    let start = first;
    text[start..]
        .char_indices()
        .map(|(i, c)| (i + start, c))
        .find_map(|(i, c)| {
            let allowed = match c {
                '\t' => true,
                // U+2028 and U+2029 are line and paragraph separators (Unicode TR13): in a
                // single-line field they break the line in JSON readers and on pages.
                '\n' | '\r' | '\u{2028}' | '\u{2029}' => multi_line,
                '\u{fffe}' | '\u{ffff}' => false,
                c => !c.is_control(),
            };
            (!allowed).then(|| {
                let what = if matches!(c, '\n' | '\r') {
                    "must be a single line".to_string()
                } else if matches!(c, '\u{2028}' | '\u{2029}') {
                    format!(
                        "must be a single line (it holds the separator U+{:04X})",
                        c as u32
                    )
                } else {
                    format!("contains the control character U+{:04X}", c as u32)
                };
                (i, what)
            })
        })
}
