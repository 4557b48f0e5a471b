//! [`Tag`]: a tag's name with the name of its page (its slug), made once when the tag is
//! checked, so every page, feed, filter and rule reads the same slug and none computes it again.

use serde::{Serialize, Serializer};

/// A tag as written (trimmed, NFC) and its page name: `tags/<slug>/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag {
    name: String,
    slug: String,
}

impl Tag {
    /// The tag `name` and its slug. `check` also bounds the name's and the slug's length and
    /// refuses an empty slug; a tag asked for on the command line is matched by its slug as is.
    pub fn new(name: impl Into<String>) -> Tag {
        let name = name.into();
        let slug = slugify(&name);
        Tag { name, slug }
    }

    /// The tag as written, as feeds and pages show it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the tag's page: lowercase ASCII letters, digits and '-'
    /// (`Seguridad pública` -> `seguridad-publica`); spellings of one tag share it.
    pub fn slug(&self) -> &str {
        &self.slug
    }
}

/// The slug of `text`: lowercase ASCII letters, digits and single `-` between words, other
/// scripts transliterated (the slug crate, through deunicode: `Seguridad pública` ->
/// `seguridad-publica`, `Безопасность` -> `bezopasnost`); empty when nothing is left. The one
/// slug function: tag pages, new event files and the calendars' readable names use it.
pub fn slugify(text: &str) -> String {
    slug::slugify(text)
}

/// The slug of `text` cut at a word boundary to at most `max_len` bytes; `None` when `text`
/// has no letter or digit (once transliterated).
pub fn short_slug(text: &str, max_len: usize) -> Option<String> {
    let slug = slugify(text);
    let mut cut = slug.as_str();
    if cut.len() > max_len {
        cut = &cut[..max_len];
        if let Some(at) = cut.rfind('-') {
            cut = &cut[..at];
        }
    }
    let cut = cut.trim_matches('-');
    (!cut.is_empty()).then(|| cut.to_string())
}

/// A tag is written as its name in every export (JSON Feed `tags`, JSON Lines, CSV).
impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(Tag::new("Seguridad pública").slug(), "seguridad-publica");
        assert_eq!(Tag::new("press-conference").slug(), "press-conference");
        assert_eq!(Tag::new("Press conference").name(), "Press conference");
    }

    #[test]
    fn short_slugs_end_at_a_word_and_need_a_letter_or_digit() {
        for (text, max, slug) in [
            (
                "US-Mexico security cooperation 2025",
                80,
                Some("us-mexico-security-cooperation-2025"),
            ),
            (
                "US-Mexico security cooperation 2025",
                20,
                Some("us-mexico-security"),
            ),
            ("Безопасность", 80, Some("bezopasnost")),
            ("Ünïcödé — café", 80, Some("unicode-cafe")),
            ("!!! ... ???", 80, None),
            ("", 80, None),
            ("abcdefghij", 4, Some("abcd")),
        ] {
            assert_eq!(short_slug(text, max).as_deref(), slug, "{text:?}");
        }
    }

    #[test]
    fn a_tag_is_serialized_as_its_name() {
        let tags = [Tag::new("Seguridad pública"), Tag::new("C++")];
        assert_eq!(
            serde_json::to_string(&tags).expect("serialized"),
            r#"["Seguridad pública","C++"]"#
        );
    }
}
