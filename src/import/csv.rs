//! CSV import: a header row naming the columns, one event per row, as
//! `export --format csv` writes them: the columns are [`Record`]'s fields, `tags` and
//! `sources` hold JSON arrays, and an empty cell is a field left out.
//!
//! RFC 4180 quoting (by the csv crate): quoted cells may hold commas, quotes (doubled) and line
//! breaks; rows may end with CRLF, as Excel writes them. A problem is reported at the line its
//! row starts on.

use chrono_tz::Tz;

use super::record::{json_message, Record, RecordCorrection, RecordSource};
use super::Read;

/// The columns, in the export's order: the export's own list.
const COLUMNS: [&str; 15] = crate::render::csv::HEADER;

/// The columns a row cannot do without.
const REQUIRED: [&str; 2] = ["title", "date"];

/// Reads the header and every row of `text` (the collection's zone: `zone`).
pub(super) fn read_csv(text: &str, zone: Tz) -> Vec<Read> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // Row lengths are compared here, where the row's own line is known.
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(err) => return vec![(error_line(text, &err), Err(csv_message(&err)))],
    };
    let mut columns = Vec::new();
    let mut problems = Vec::new();
    for name in &header {
        match COLUMNS.iter().position(|c| *c == name.trim()) {
            Some(at) if columns.contains(&Some(at)) => {
                problems.push((1, Err(format!("column '{name}' appears twice"))));
            }
            Some(at) => columns.push(Some(at)),
            None => problems.push((
                1,
                Err(format!(
                    "unknown column '{name}' (columns: {})",
                    COLUMNS.join(", ")
                )),
            )),
        }
    }
    for required in REQUIRED {
        if !header.iter().any(|name| name.trim() == required) {
            problems.push((1, Err(format!("missing column '{required}'"))));
        }
    }
    if !problems.is_empty() {
        return problems;
    }
    let mut read = Vec::new();
    for (line, row) in rows(text, &mut reader, header.len()) {
        let row = match row {
            Ok(row) => row,
            Err(message) => {
                read.push((line, Err(message)));
                continue;
            }
        };
        let cells = header.iter().zip(row.iter());
        read.push((line, record(cells).and_then(|r| r.into_imported(zone))));
    }
    read
}

/// The record of one row: (column name, cell) pairs.
fn record<'a>(cells: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Record, String> {
    let mut record = Record::default();
    for (name, cell) in cells {
        // An empty cell is a field left out (the export writes none for a missing value).
        let value = (!cell.is_empty()).then(|| cell.to_string());
        match name.trim() {
            "id" => record.id = value,
            "title" => record.title = value,
            "date" => record.date = value,
            "end" => record.end = value,
            "timezone" => record.timezone = value,
            "location" => record.location = value,
            "tags" => record.tags = json_cell::<Vec<String>>(cell, "tags")?,
            "status" => record.status = value,
            "published" => record.published = value,
            "updated" => record.updated = value,
            "sources" => record.sources = json_cell::<Vec<RecordSource>>(cell, "sources")?,
            "corrections" => {
                record.corrections = json_cell::<Vec<RecordCorrection>>(cell, "corrections")?;
            }
            "retraction" => record.retraction = value,
            "body" => record.body = cell.to_string(),
            "path" => record.path = value,
            _ => unreachable!("the header's columns were checked"),
        }
    }
    Ok(record)
}

/// A cell holding a JSON array (`["security","diplomacy"]`); empty is an empty list.
fn json_cell<T: serde::de::DeserializeOwned + Default>(
    cell: &str,
    column: &str,
) -> Result<T, String> {
    if cell.trim().is_empty() {
        return Ok(T::default());
    }
    let mut deserializer = serde_json::Deserializer::from_str(cell);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        format!(
            "{column} is not a JSON array as the export writes it ({})",
            json_message(&err.path().to_string(), err.inner())
        )
    })
}

/// Each data row after the header, with the line it starts on: its cells, or why it cannot be
/// read. A row that does not parse (invalid UTF-8) ends the reading; one with another number
/// of cells than the header's `columns` is reported and passed over. The one row reader of
/// every CSV format `import` reads.
pub(super) fn rows(
    text: &str,
    reader: &mut csv::Reader<&[u8]>,
    columns: usize,
) -> Vec<(usize, Result<csv::StringRecord, String>)> {
    let mut rows = Vec::new();
    for row in reader.records() {
        match row {
            Err(err) => {
                rows.push((error_line(text, &err), Err(csv_message(&err))));
                break;
            }
            Ok(row) => {
                let line = row.position().map_or(1, |p| line_at(text, p.byte()));
                if row.len() == columns {
                    rows.push((line, Ok(row)));
                } else {
                    let message = format!(
                        "the row has {} cells where the header has {columns}",
                        row.len()
                    );
                    rows.push((line, Err(message)));
                }
            }
        }
    }
    rows
}

fn error_line(text: &str, err: &csv::Error) -> usize {
    err.position().map_or(1, |p| line_at(text, p.byte()))
}

/// The line (1-based) a row starts on, from the byte offset the crate gives: that may be the
/// `\n` of the CRLF before it (the crate ends a row at its `\r`), or a blank line it skips.
pub(super) fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).map_or(bytes.len(), |b| b.min(bytes.len()));
    while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
        start += 1;
    }
    1 + bytes[..start].iter().filter(|&&b| b == b'\n').count()
}

/// The csv crate's message for a row, without the position the report already gives.
fn csv_message(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_string(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<(usize, Result<String, String>)> {
        read_csv(text, chrono_tz::UTC)
            .into_iter()
            .map(|(line, read)| (line, read.map(|i| i.event.title)))
            .collect()
    }

    #[test]
    fn quoted_cells_hold_quotes_commas_and_line_breaks() {
        let text = "title,date,body\r\n\"Say \"\"hi\"\", all\",2025,\"one\r\ntwo\"\r\nB,2024,\r\n";
        assert_eq!(
            messages(text),
            [(2, Ok("Say \"hi\", all".into())), (4, Ok("B".into()))]
        );
        let read = read_csv(text, chrono_tz::UTC);
        assert_eq!(
            read[0].1.as_ref().map(|i| i.event.body.as_str()),
            Ok("one\r\ntwo")
        );
    }

    #[test]
    fn reports_the_header_and_short_rows() {
        assert_eq!(
            messages("title,dte\nA,2025\n"),
            [
                (1, Err("unknown column 'dte' (columns: id, title, date, end, timezone, location, tags, status, published, updated, sources, corrections, retraction, body, path)".into())),
                (1, Err("missing column 'date'".into())),
            ]
        );
        assert_eq!(
            messages("title,date\nA\nB,2025\n"),
            [
                (2, Err("the row has 1 cells where the header has 2".into())),
                (3, Ok("B".into())),
            ]
        );
        assert_eq!(
            messages("title,date,tags\nA,2025,x\n"),
            [(
                2,
                Err("tags is not a JSON array as the export writes it (expected value)".into())
            )]
        );
    }
}
