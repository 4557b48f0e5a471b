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
        let slug = slug::slugify(&name);
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
    fn a_tag_is_serialized_as_its_name() {
        let tags = [Tag::new("Seguridad pública"), Tag::new("C++")];
        assert_eq!(
            serde_json::to_string(&tags).expect("serialized"),
            r#"["Seguridad pública","C++"]"#
        );
    }
}
