//! Each kind of diagnostic's stable name, for tools and editors (`check --format json`) and
//! for the documentation's list (`docs/check.md`). A name never changes once released; a new
//! kind of problem gets a new one.

/// What kind of problem a diagnostic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The TOML does not parse (an unclosed string, an impossible date like 2025-02-30).
    InvalidToml,
    /// A field chronicle does not know (a suggestion names the nearest).
    UnknownField,
    /// A value of the wrong type (`tags = "trade"`).
    WrongType,
    /// The file does not start with a `+++` line.
    NoFrontMatter,
    /// No closing `+++` line.
    UnclosedFrontMatter,
    /// Front matter in YAML between `---` lines.
    YamlFrontMatter,
    /// The file cannot be read, is not UTF-8, is over 1 MiB or resolves outside the collection.
    UnreadableFile,
    /// A required field (or setting) is not written.
    MissingField,
    /// No `published` (a warning).
    MissingPublished,
    /// A required text is empty or has only invisible characters.
    EmptyText,
    /// A text holds a control character, or a line break where one line is expected.
    ForbiddenCharacter,
    /// A time zone that is not an IANA name (a suggestion names the nearest).
    UnknownTimeZone,
    /// A status other than confirmed, tentative, cancelled and retracted.
    UnknownStatus,
    /// A date in none of the forms, or one that does not exist.
    InvalidDate,
    /// A date or time outside 0001-01-01 to 9999-12-31, what every output can hold.
    DateOutOfRange,
    /// `end` before `date`, `updated` or a correction's date before `published`.
    EndBeforeStart,
    /// `published` or `updated` without an offset.
    TimestampWithoutOffset,
    /// `published` before 1990 (a warning).
    EarlyPublished,
    /// A tag over the limits (number, length, page name) or with no letter or digit.
    InvalidTag,
    /// Two tags that share a page but are not spellings of one tag.
    TagPageShared,
    /// A tag that differs only in case from one used earlier (a warning).
    TagCase,
    /// An id with characters other than ASCII letters, digits, `-`, `_` and `.`, or one the
    /// pages use for their own anchors.
    InvalidId,
    /// Two events with one id.
    DuplicateId,
    /// An id that would change from the one published (build).
    IdChanged,
    /// The record of published ids cannot be read (build).
    BrokenRecord,
    /// Feeds would move an entry's updated time past 9999-12-31T23:59:59Z.
    UpdatedPastRange,
    /// A source without its title or url, or a url that is not absolute http(s).
    InvalidSource,
    /// The settings file is missing.
    MissingSettings,
    /// A setting's value is wrong (base_url, language, id, feed_limit, websub_hub).
    InvalidSetting,
    /// No collection id: published ids follow base_url (a warning).
    UnpinnedCollectionId,
    /// A page template does not compile or fails to render.
    Template,
    /// `updated` older than the newest correction, which dates the entry instead (a warning).
    UpdatedBeforeCorrection,
    /// A retraction note on an entry whose status is not `retracted`.
    RetractionWithoutStatus,
    /// A retracted entry without `updated`: readers are not told when it changed (a warning).
    RetractedWithoutUpdated,
}

impl Code {
    /// Every code, in the documented order.
    pub const ALL: [Code; 34] = [
        Code::InvalidToml,
        Code::UnknownField,
        Code::WrongType,
        Code::NoFrontMatter,
        Code::UnclosedFrontMatter,
        Code::YamlFrontMatter,
        Code::UnreadableFile,
        Code::MissingField,
        Code::MissingPublished,
        Code::EmptyText,
        Code::ForbiddenCharacter,
        Code::UnknownTimeZone,
        Code::UnknownStatus,
        Code::InvalidDate,
        Code::DateOutOfRange,
        Code::EndBeforeStart,
        Code::TimestampWithoutOffset,
        Code::EarlyPublished,
        Code::InvalidTag,
        Code::TagPageShared,
        Code::TagCase,
        Code::InvalidId,
        Code::DuplicateId,
        Code::IdChanged,
        Code::BrokenRecord,
        Code::UpdatedPastRange,
        Code::InvalidSource,
        Code::MissingSettings,
        Code::InvalidSetting,
        Code::UnpinnedCollectionId,
        Code::Template,
        Code::UpdatedBeforeCorrection,
        Code::RetractionWithoutStatus,
        Code::RetractedWithoutUpdated,
    ];

    /// The code's kebab-case name, as `--format json` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Code::InvalidToml => "invalid-toml",
            Code::UnknownField => "unknown-field",
            Code::WrongType => "wrong-type",
            Code::NoFrontMatter => "no-front-matter",
            Code::UnclosedFrontMatter => "unclosed-front-matter",
            Code::YamlFrontMatter => "yaml-front-matter",
            Code::UnreadableFile => "unreadable-file",
            Code::MissingField => "missing-field",
            Code::MissingPublished => "missing-published",
            Code::EmptyText => "empty-text",
            Code::ForbiddenCharacter => "forbidden-character",
            Code::UnknownTimeZone => "unknown-time-zone",
            Code::UnknownStatus => "unknown-status",
            Code::InvalidDate => "invalid-date",
            Code::DateOutOfRange => "date-out-of-range",
            Code::EndBeforeStart => "end-before-start",
            Code::TimestampWithoutOffset => "timestamp-without-offset",
            Code::EarlyPublished => "early-published",
            Code::InvalidTag => "invalid-tag",
            Code::TagPageShared => "tag-page-shared",
            Code::TagCase => "tag-case",
            Code::InvalidId => "invalid-id",
            Code::DuplicateId => "duplicate-id",
            Code::IdChanged => "id-changed",
            Code::BrokenRecord => "broken-record",
            Code::UpdatedPastRange => "updated-past-range",
            Code::InvalidSource => "invalid-source",
            Code::MissingSettings => "missing-settings",
            Code::InvalidSetting => "invalid-setting",
            Code::UpdatedBeforeCorrection => "updated-before-correction",
            Code::RetractionWithoutStatus => "retraction-without-status",
            Code::RetractedWithoutUpdated => "retracted-without-updated",
            Code::UnpinnedCollectionId => "unpinned-collection-id",
            Code::Template => "template",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code is listed, once, and documented in docs/check.md.
    #[test]
    fn every_code_is_listed_and_documented() {
        let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo test");
        let docs = std::fs::read_to_string(std::path::Path::new(&root).join("docs/check.md"))
            .expect("docs/check.md");
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        for name in &names {
            assert!(
                docs.contains(&format!("| `{name}` |")),
                "{name} is not in docs/check.md"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
