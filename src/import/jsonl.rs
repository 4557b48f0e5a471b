//! JSON Lines import: one JSON object per line, as `export --format jsonl` writes them (see
//! [`Record`]). Blank lines are skipped; a problem is reported at its line.

use chrono_tz::Tz;

use super::record::{json_message, Record};
use super::Read;

/// Reads every line of `text` (the collection's zone: `zone`).
pub(super) fn read_jsonl(text: &str, zone: Tz) -> Vec<Read> {
    text.split('\n')
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let value = parse_record(line).and_then(|record| record.into_imported(zone));
            (index + 1, value)
        })
        .collect()
}

/// One line's object; a wrong type names its field (`sources[0].url: invalid type: …`) and its
/// column in the line.
fn parse_record(line: &str) -> Result<Record, String> {
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let record: Record = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let column = err.inner().column();
        format!(
            "{} (column {column})",
            json_message(&err.path().to_string(), err.inner())
        )
    })?;
    deserializer.end().map_err(|err| {
        let column = err.column();
        format!("{} (column {column})", json_message(".", &err))
    })?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_a_wrong_type_at_its_line_and_field() {
        let text = "{\"title\":\"A\",\"date\":\"2025\"}\n\n{\"title\":\"B\",\"date\":\"2025\",\"tags\":[\"x\",3]}\n";
        let read = read_jsonl(text, chrono_tz::UTC);
        assert_eq!(read.len(), 2);
        assert!(read[0].1.is_ok());
        assert_eq!(read[1].0, 3);
        assert_eq!(
            read[1].1.as_ref().err().map(String::as_str),
            Some("tags[1]: invalid type: integer `3`, expected a string (column 40)")
        );
    }

    #[test]
    fn reports_malformed_json_and_unknown_fields() {
        let read = read_jsonl("{\"title\":\"A\",\n{\"titel\":\"A\"}\n", chrono_tz::UTC);
        let messages: Vec<_> = read
            .iter()
            .map(|(line, r)| (*line, r.as_ref().err().cloned()))
            .collect();
        assert_eq!(messages[0].0, 1);
        assert!(
            messages[0].1.as_deref().is_some_and(|m| m.contains("EOF")),
            "{messages:?}"
        );
        assert_eq!(messages[1].0, 2);
        assert!(
            messages[1]
                .1
                .as_deref()
                .is_some_and(|m| m.starts_with("unknown field `titel`")),
            "{messages:?}"
        );
    }
}
