//! The toml crate's and serde's messages about a value, said in the collection's words: which
//! field, what it must be, and how to write it ("`tags` must be a list of strings, e.g.
//! tags = [\"trade\"]"), and for an unknown field the known one it most likely stands for.
//!
//! Written by hand: serde's messages name Rust's types ("expected a sequence"), and only the
//! collection knows its fields' examples. Serde's wording for an unknown field (`unknown field
//! `x`, expected one of `a`, `b``) is the one message read back, for its list of fields.

use crate::diag::Code;

/// A problem found reading a TOML document, in the collection's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// Unknown field, wrong type, or any other TOML problem.
    pub code: Code,
    pub message: String,
    /// What to write in place of the span (see [`crate::diag::Diagnostic::suggestion`]).
    pub suggestion: Option<String>,
}

/// `message` (the toml crate's, already trimmed and lowercased) about the value of `field`
/// (the top-level key being read), in the collection's words. `key` is the key the value is
/// written under when it is not `field` itself (a field of a `[[sources]]` table).
pub fn explain(message: &str, field: Option<&str>, key: Option<&str>) -> Explained {
    if let Some(explained) = unknown_field(message) {
        return explained;
    }
    let plain = Explained {
        code: Code::InvalidToml,
        message: message.to_string(),
        suggestion: None,
    };
    let Some(found) = message.strip_prefix("invalid type: ") else {
        return plain;
    };
    let plain = Explained {
        code: Code::WrongType,
        ..plain
    };
    let found = found.split(", expected").next().unwrap_or(found);
    // A field of a source table is named for what it is in.
    let (name, of_source) = match (field, key) {
        (Some("sources"), Some(key)) if key != "sources" => (key, true),
        (Some(field), _) => (field, false),
        (None, _) => return plain,
    };
    let Some((kind, example)) = expectation(name, of_source) else {
        return plain;
    };
    let shown = if of_source {
        format!("source `{name}`")
    } else {
        format!("`{name}`")
    };
    Explained {
        code: Code::WrongType,
        message: format!("{shown} must be {kind}, e.g. {example} (found {found})"),
        suggestion: None,
    }
}

/// What a field's value must be, and an example of it written in full.
fn expectation(name: &str, of_source: bool) -> Option<(&'static str, &'static str)> {
    const STRING: &str = "a string in quotes";
    const DATE_TIME: &str = "a date-time with an offset, without quotes";
    Some(match (name, of_source) {
        ("title", false) => (STRING, "title = \"Rubio visits Mexico City\""),
        ("title", true) => (STRING, "title = \"Joint statement\""),
        ("url", true) => (STRING, "url = \"https://example.org/report\""),
        ("publisher", true) => (STRING, "publisher = \"Reuters\""),
        ("date", true) => ("a date", "date = 2025-09-03"),
        ("location", false) => (STRING, "location = \"Mexico City\""),
        ("timezone", false) => (STRING, "timezone = \"America/Mexico_City\""),
        ("status", false) => (STRING, "status = \"confirmed\""),
        ("id", false) => (STRING, "id = \"rubio-visit\""),
        ("tags", false) => ("a list of strings", "tags = [\"trade\"]"),
        ("published", false) => (DATE_TIME, "published = 2025-09-03T12:00:00-06:00"),
        ("updated", false) => (DATE_TIME, "updated = 2025-09-04T09:30:00-06:00"),
        ("draft", false) => ("true or false", "draft = true"),
        (
            "sources",
            false,
        ) => (
            "a list of tables",
            "[[sources]] then title = \"Joint statement\" and url = \"https://example.org/report\" on the lines below",
        ),
        ("description", false) => (STRING, "description = \"Who met whom, and when\""),
        ("base_url", false) => (STRING, "base_url = \"https://example.org/\""),
        ("language", false) => (STRING, "language = \"en\""),
        ("author", false) => (STRING, "author = \"Newsroom\""),
        ("feed_limit", false) => ("a whole number", "feed_limit = 20"),
        ("websub_hub", false) => (STRING, "websub_hub = \"https://pubsubhubbub.appspot.com/\""),
        _ => return None,
    })
}

/// Serde's "unknown field `loaction`, expected one of `title`, ..." as "unknown field
/// `loaction` (fields: title, ...)", suggesting the nearest known field.
fn unknown_field(message: &str) -> Option<Explained> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let message = if known.is_empty() {
        format!("unknown field `{unknown}`")
    } else {
        format!("unknown field `{unknown}` (fields: {})", known.join(", "))
    };
    Some(Explained {
        code: Code::UnknownField,
        message,
        suggestion: crate::diag::closest(unknown, known.iter().copied()).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_what_it_must_be_and_an_example() {
        let cases = [
            (
                "invalid type: string \"x\", expected a sequence",
                Some("tags"),
                None,
                "`tags` must be a list of strings, e.g. tags = [\"trade\"] (found string \"x\")",
            ),
            (
                "invalid type: integer `1`, expected a string",
                Some("tags"),
                None,
                "`tags` must be a list of strings, e.g. tags = [\"trade\"] (found integer `1`)",
            ),
            (
                "invalid type: integer `1`, expected a string",
                Some("title"),
                None,
                "`title` must be a string in quotes, e.g. title = \"Rubio visits Mexico City\" (found integer `1`)",
            ),
            (
                "invalid type: integer `1`, expected a string",
                Some("sources"),
                Some("url"),
                "source `url` must be a string in quotes, e.g. url = \"https://example.org/report\" (found integer `1`)",
            ),
            (
                "invalid type: string \"yes\", expected a boolean",
                Some("draft"),
                None,
                "`draft` must be true or false, e.g. draft = true (found string \"yes\")",
            ),
            (
                "invalid date, expected day between 01 and 28",
                Some("date"),
                None,
                "invalid date, expected day between 01 and 28",
            ),
        ];
        for (message, field, key, expected) in cases {
            assert_eq!(explain(message, field, key).message, expected, "{message}");
        }
    }

    #[test]
    fn an_unknown_field_lists_the_fields_and_suggests_the_nearest() {
        let explained = explain(
            "unknown field `loaction`, expected one of `title`, `location`, `tags`",
            Some("loaction"),
            None,
        );
        assert_eq!(
            explained,
            Explained {
                code: Code::UnknownField,
                message: "unknown field `loaction` (fields: title, location, tags)".into(),
                suggestion: Some("location".into()),
            }
        );
        let far = explain(
            "unknown field `colour`, expected `title`",
            Some("colour"),
            None,
        );
        assert_eq!(far.message, "unknown field `colour` (fields: title)");
        assert_eq!(far.suggestion, None);
    }
}
