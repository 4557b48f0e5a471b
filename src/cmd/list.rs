//! `chronicle list`: a chronological table for the terminal.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::ListArgs;
use crate::model::Event;
use crate::terminal::escape;

pub fn run(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let Some(collection) = super::checked_collection(&args.events.events, true)? else {
        return Ok(super::invalid());
    };
    let filter = super::filter(&args.filter);
    let rows: Vec<[String; 3]> = filter
        .select(&collection)
        .into_iter()
        .map(|i| row(&collection.events[i]))
        .collect();
    let date_width = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
    let title_width = rows
        .iter()
        .map(|r| r[1].chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_TITLE_WIDTH);
    let mut out = io::BufWriter::new(io::stdout().lock());
    for [date, title, tags] in &rows {
        let title = truncate(title, MAX_TITLE_WIDTH);
        let line = format!("{date:date_width$}  {title:title_width$}  {tags}");
        writeln!(out, "{}", line.trim_end())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Longer titles are cut with an ellipsis so the tags column stays aligned.
const MAX_TITLE_WIDTH: usize = 72;

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    // Never cut an escaped character (`\u{202e}`) in two: the cut moves before it.
    if let Some(start) = cut.rfind("\\u{") {
        if !cut[start..].contains('}') {
            cut.truncate(start);
        }
    }
    cut.push('…');
    cut
}

/// The row's date, title and tags, as shown: the title and tags are the collection's text,
/// escaped for the terminal.
fn row(event: &Event) -> [String; 3] {
    let date = event.date.period(event.end.as_ref()).to_string();
    let mut title = escape(&event.title).into_owned();
    match event.status {
        crate::model::Status::Confirmed => {}
        status => title = format!("{title} [{}]", status.as_str()),
    }
    let tags: Vec<_> = event.tags.iter().map(|t| escape(t)).collect();
    [date, title, tags.join(", ")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_escapes_whole() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdefg", 6), "abcde…");
        assert_eq!(truncate("ab\\u{202e}cdefg", 6), "ab…");
        assert_eq!(truncate("abcd\\u{1b}", 10), "abcd\\u{1b}");
    }
}
