//! Splits an event file into its TOML front matter and Markdown body, and deserializes the
//! front matter into a [`RawEvent`] that keeps the byte span of every value.
//!
//! Splitting, deserializing and validating are separate steps: this module only reports what
//! stops it from reading the file (no `+++` block, malformed TOML, unknown fields, wrong types).
//! [`read_toml`] reads any TOML document (the settings file too) and reports every such problem
//! at once, still reading the fields around them.

use std::ops::Range;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::source::SourceFile;
use super::toml_words::explain;

mod yaml;
use crate::diag::{Code, Diagnostic};

const DELIMITER: &str = "+++";

/// An event file's front matter as written, every value with its span (bytes, relative to the
/// start of the file).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub title: Option<Spanned<String>>,
    pub date: Option<Spanned<toml::Value>>,
    pub end: Option<Spanned<toml::Value>>,
    pub timezone: Option<Spanned<String>>,
    pub location: Option<Spanned<String>>,
    pub tags: Option<Spanned<Vec<Spanned<String>>>>,
    pub status: Option<Spanned<String>>,
    pub published: Option<Spanned<toml::value::Datetime>>,
    pub updated: Option<Spanned<toml::value::Datetime>>,
    pub id: Option<Spanned<String>>,
    pub draft: Option<Spanned<bool>>,
    pub sources: Option<Vec<Spanned<RawSource>>>,
    pub corrections: Option<Vec<Spanned<RawCorrection>>>,
    pub retraction: Option<Spanned<String>>,
}

/// One `[[corrections]]` entry as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrection {
    pub date: Option<Spanned<toml::value::Datetime>>,
    pub note: Option<Spanned<String>>,
}

/// One `[[sources]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub title: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub publisher: Option<Spanned<String>>,
    pub date: Option<Spanned<toml::Value>>,
}

/// An event file split into its parts; spans in `raw` are already relative to the file start.
#[derive(Debug)]
pub struct ParsedFile {
    /// Every field that could be read; one that could not is left out.
    pub raw: RawEvent,
    /// What keeps fields from being read: TOML syntax errors, unknown fields, values of the
    /// wrong type. Every one is reported, not only the first.
    pub problems: Vec<Diagnostic>,
    /// Fields that are written but could not be read (so they are not reported missing too).
    pub unreadable: Vec<String>,
    /// Byte offset of the front matter's first line (just after the opening `+++`).
    pub front_matter_start: usize,
    /// Byte offset where the Markdown body starts.
    pub body_start: usize,
}

/// Splits and deserializes one event file. Only a file without a `+++` block cannot be read at
/// all; problems inside the front matter are gathered in [`ParsedFile::problems`] while the
/// fields around them are still read, so `check` reports each problem of a file at once.
pub fn parse_event_file(file: &SourceFile) -> Result<ParsedFile, Diagnostic> {
    if let Some(yaml) = yaml::front_matter(&file.text) {
        return Err(file
            .error(yaml.opening, Code::YamlFrontMatter, yaml::MESSAGE)
            .suggest(Some(yaml.as_toml)));
    }
    let (front_start, front_end, body_start) =
        split(&file.text).map_err(|(code, msg)| file.error(0, code, msg))?;
    let read = read_toml::<RawEvent>(&file.text[front_start..front_end]);
    let mut raw = read.value;
    shift_spans(&mut raw, front_start);
    Ok(ParsedFile {
        raw,
        problems: read
            .problems
            .into_iter()
            .map(|problem| {
                let span = front_start + problem.span.start..front_start + problem.span.end;
                file.error(span, problem.code, problem.message)
                    .suggest(problem.suggestion)
            })
            .collect(),
        unreadable: read.unreadable,
        front_matter_start: front_start,
        body_start,
    })
}

/// What reading a TOML document into a `T` found.
#[derive(Debug)]
pub struct TomlRead<T> {
    /// Every field that could be read; one that could not is left out.
    pub value: T,
    /// Every problem, in the order found.
    pub problems: Vec<TomlProblem>,
    /// Fields written but not readable (so they are not reported missing too).
    pub unreadable: Vec<String>,
}

/// One problem reading a TOML document, in the collection's words.
#[derive(Debug)]
pub struct TomlProblem {
    /// Bytes of the text read.
    pub span: Range<usize>,
    pub code: Code,
    pub message: String,
    /// What to write in place of the span, if a likely fix is known.
    pub suggestion: Option<String>,
}

/// Reads `text` into a `T`, reporting every problem rather than the first: each syntax error,
/// unknown field and value of the wrong type, while the fields around them are still read.
pub fn read_toml<T>(text: &str) -> TomlRead<T>
where
    T: serde::de::DeserializeOwned + Default,
{
    // Almost every document reads at once; only one with a problem is read again, by field.
    let err = match toml::from_str(text) {
        Ok(value) => {
            return TomlRead {
                value,
                problems: Vec::new(),
                unreadable: Vec::new(),
            }
        }
        Err(err) => err,
    };
    let mut read = read_each_field(text);
    if read.problems.is_empty() {
        // Never an error read at once and missed field by field; should it be, say so.
        let span = err.span().unwrap_or(0..0);
        let explained = explain(&toml_message(&err), None, key_before(text, span.start));
        read.problems.push(TomlProblem {
            span,
            code: explained.code,
            message: explained.message,
            suggestion: explained.suggestion,
        });
    }
    read
}

fn read_each_field<T>(text: &str) -> TomlRead<T>
where
    T: serde::de::DeserializeOwned + Default,
{
    let mut problems = Vec::new();
    let mut unreadable = Vec::new();
    let mut report = |span: Option<Range<usize>>, message: String, field: Option<&str>| {
        let span = span.unwrap_or(0..0);
        let explained = explain(&message, field, key_before(text, span.start));
        problems.push(TomlProblem {
            span,
            code: explained.code,
            message: explained.message,
            suggestion: explained.suggestion,
        });
    };
    // The recovering parser goes on after a syntax error; a value it could not read is left
    // as a placeholder, which is dropped here.
    let (table, syntax_errors) = DeTable::parse_recoverable(text);
    for err in &syntax_errors {
        report(err.span(), toml_message(err), None);
    }
    let span = table.span();
    // Each field is read alone, so an unknown field or a value of the wrong type (which stop
    // serde) is found and reported whatever else is wrong; then the good ones are read together.
    let mut readable = DeTable::new();
    for (key, value) in table.into_inner() {
        let value_span = value.span();
        let (start, end) = extent(&value);
        let broken = syntax_errors.iter().any(|err| {
            err.span()
                .is_some_and(|e| start <= e.start && e.start <= end)
        });
        if broken {
            unreadable.push(key.get_ref().to_string());
            continue;
        }
        let mut one = DeTable::new();
        one.insert(key.clone(), value.clone());
        match deserialize::<T>(Spanned::new(span.clone(), one)) {
            Ok(_) => {
                readable.insert(key, value);
            }
            Err(err) => {
                report(
                    err.span().or(Some(value_span)),
                    toml_message(&err),
                    Some(key.get_ref()),
                );
                unreadable.push(key.get_ref().to_string());
            }
        }
    }
    let value = deserialize(Spanned::new(span, readable)).unwrap_or_else(|err| {
        report(err.span(), toml_message(&err), None);
        T::default()
    });
    TomlRead {
        value,
        problems,
        unreadable,
    }
}

/// The bare key a value at `offset` is written under, read from its line (`url = 1` ->
/// `url`): a field of a table within the document, which the toml crate does not name.
fn key_before(text: &str, offset: usize) -> Option<&str> {
    let before = text.get(..offset)?;
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let key = line.trim_end().strip_suffix('=')?.trim();
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    (!key.is_empty() && key.chars().all(bare)).then_some(key)
}

/// The first and last byte a value is written over, tables and arrays within it included
/// (the span of an array of tables is only its first `[[header]]`).
fn extent(value: &Spanned<DeValue<'_>>) -> (usize, usize) {
    let span = value.span();
    let inner: Vec<(usize, usize)> = match value.get_ref() {
        DeValue::Array(items) => items.iter().map(extent).collect(),
        DeValue::Table(table) => table
            .iter()
            .flat_map(|(key, value)| [(key.span().start, key.span().end), extent(value)])
            .collect(),
        _ => Vec::new(),
    };
    inner
        .into_iter()
        .fold((span.start, span.end), |(start, end), (s, e)| {
            (start.min(s), end.max(e))
        })
}

fn deserialize<T: serde::de::DeserializeOwned>(
    table: Spanned<DeTable<'_>>,
) -> Result<T, toml::de::Error> {
    T::deserialize(toml::de::Deserializer::from(table))
}

/// The toml crate's message without the source excerpt it appends: the diagnostic already
/// carries the position.
fn toml_message(err: &toml::de::Error) -> String {
    let message = err.message().trim();
    let message = message.strip_suffix('.').unwrap_or(message);
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "malformed front matter".to_string(),
    }
}

/// Finds the `+++` block: returns (front start, front end, body start) as byte offsets.
fn split(text: &str) -> Result<(usize, usize, usize), (Code, &'static str)> {
    let mut lines = line_spans(text);
    match lines.next() {
        Some((start, end)) if text[start..end].trim_end() == DELIMITER => {}
        _ => {
            return Err((
                Code::NoFrontMatter,
                "missing front matter: the file must start with a +++ line",
            ))
        }
    }
    let front_start = lines.clone().next().map_or(text.len(), |(start, _)| start);
    for (start, end) in lines {
        if text[start..end].trim_end() == DELIMITER {
            let body_start = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
            return Ok((front_start, start, body_start));
        }
    }
    Err((
        Code::UnclosedFrontMatter,
        "front matter is not closed: no +++ line after the opening one",
    ))
}

/// (start, end) byte offsets of each line, without its line ending.
fn line_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + Clone + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = (start, end);
        start = end + 1;
        Some(line)
    })
}

fn shift<T>(value: &mut Spanned<T>, by: usize)
where
    T: Default,
{
    let span = value.span();
    let inner = std::mem::take(value.get_mut());
    *value = Spanned::new(span.start + by..span.end + by, inner);
}

fn shift_opt<T: Default>(value: &mut Option<Spanned<T>>, by: usize) {
    if let Some(v) = value {
        shift(v, by);
    }
}

/// toml reports spans relative to the text it parsed; make them relative to the whole file.
fn shift_spans(raw: &mut RawEvent, by: usize) {
    shift_opt(&mut raw.title, by);
    shift_value(&mut raw.date, by);
    shift_value(&mut raw.end, by);
    shift_opt(&mut raw.timezone, by);
    shift_opt(&mut raw.location, by);
    if let Some(tags) = &mut raw.tags {
        for tag in tags.get_mut().iter_mut() {
            shift(tag, by);
        }
        shift(tags, by);
    }
    shift_opt(&mut raw.status, by);
    shift_datetime(&mut raw.published, by);
    shift_datetime(&mut raw.updated, by);
    shift_opt(&mut raw.id, by);
    shift_opt(&mut raw.draft, by);
    for source in raw.sources.iter_mut().flatten() {
        let span = source.span();
        let inner = source.get_mut();
        shift_opt(&mut inner.title, by);
        shift_opt(&mut inner.url, by);
        shift_opt(&mut inner.publisher, by);
        shift_value(&mut inner.date, by);
        let moved = std::mem::replace(
            inner,
            RawSource {
                title: None,
                url: None,
                publisher: None,
                date: None,
            },
        );
        *source = Spanned::new(span.start + by..span.end + by, moved);
    }
    for correction in raw.corrections.iter_mut().flatten() {
        let span = correction.span();
        let mut inner = std::mem::take(correction.get_mut());
        shift_datetime(&mut inner.date, by);
        shift_opt(&mut inner.note, by);
        *correction = Spanned::new(span.start + by..span.end + by, inner);
    }
    shift_opt(&mut raw.retraction, by);
}

fn shift_value(value: &mut Option<Spanned<toml::Value>>, by: usize) {
    if let Some(v) = value {
        let span = v.span();
        let inner = std::mem::replace(v.get_mut(), toml::Value::Boolean(false));
        *v = Spanned::new(span.start + by..span.end + by, inner);
    }
}

fn shift_datetime(value: &mut Option<Spanned<toml::value::Datetime>>, by: usize) {
    if let Some(v) = value {
        let span = v.span();
        let inner = *v.get_ref();
        *v = Spanned::new(span.start + by..span.end + by, inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("e.md".into(), "e.md".into(), text.into())
    }

    #[test]
    fn splits_front_matter_and_body() {
        let f = file("+++\r\ntitle = \"A\"\r\ndate = 2025-01-02\r\n+++\r\nBody\r\n");
        let parsed = parse_event_file(&f).expect("valid file");
        let title = parsed.raw.title.expect("title");
        assert_eq!(title.get_ref(), "A");
        assert_eq!(f.position(title.span().start), (2, 9));
        assert_eq!(&f.text[parsed.body_start..], "Body\r\n");
    }

    #[test]
    fn reports_missing_delimiters() {
        let err = parse_event_file(&file("title = \"A\"\n")).unwrap_err();
        assert!(err.message.starts_with("missing front matter"));
        let err = parse_event_file(&file("+++\ntitle = \"A\"\n")).unwrap_err();
        assert!(err.message.starts_with("front matter is not closed"));
    }

    #[test]
    fn reports_unknown_fields_at_their_line() {
        let parsed =
            parse_event_file(&file("+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n")).expect("split");
        let [err] = parsed.problems.as_slice() else {
            panic!("{:?}", parsed.problems)
        };
        assert_eq!((err.line, err.col), (3, 1));
        assert!(err.message.contains("titel"), "{}", err.message);
        assert_eq!(parsed.raw.title.expect("read").into_inner(), "A");
    }

    #[test]
    fn reports_malformed_toml_at_its_line() {
        let parsed = parse_event_file(&file("+++\ntitle = \"A\"\ndate = \n+++\n")).expect("split");
        let [err] = parsed.problems.as_slice() else {
            panic!("{:?}", parsed.problems)
        };
        assert_eq!(err.line, 3);
        assert_eq!(parsed.unreadable, ["date"]);
    }

    #[test]
    fn a_syntax_error_in_a_source_leaves_the_sources_unread() {
        let parsed = parse_event_file(&file(
            "+++\ntitle = \"A\"\n[[sources]]\ntitle = \"S\"\nurl = \"https://e.org/\n[[sources]]\ntitle = \"T\"\ndate = 2025-02-30\n+++\n",
        ))
        .expect("split");
        let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "e.md:5:22: error: invalid basic string, expected `\"`",
                "e.md:8:8: error: invalid date, expected day between 01 and 28",
            ],
            "no second report for the placeholder the parser leaves"
        );
        assert_eq!(parsed.unreadable, ["sources"]);
        assert!(parsed.raw.sources.is_none());
    }

    #[test]
    fn reads_every_field_it_can_beside_wrong_ones() {
        let parsed = parse_event_file(&file(
            "+++\ntitle = 1\ndate = 2025-01-01\ntags = \"x\"\nstatus = \"tentative\"\n+++\n",
        ))
        .expect("split");
        let problems: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "e.md:4:8: error: `tags` must be a list of strings, e.g. tags = [\"trade\"] (found string \"x\")",
                "e.md:2:9: error: `title` must be a string in quotes, e.g. title = \"Rubio visits Mexico City\" (found integer `1`)",
            ]
        );
        assert_eq!(parsed.unreadable, ["tags", "title"]);
        assert!(parsed.raw.date.is_some() && parsed.raw.status.is_some());
        assert_eq!(parsed.raw.date.expect("read").span().start, 21);
    }
}
