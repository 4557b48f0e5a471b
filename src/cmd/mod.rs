//! One module per command: turn arguments into options, call library code, print, pick the
//! exit code. Glue only.

pub mod build;
pub mod check;
pub mod completions;
pub mod export;
pub mod import;
pub mod init;
pub mod list;
pub mod man;
pub mod new;
pub mod serve;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::check::{check_collection, Checked};
use crate::cli::FilterArgs;
use crate::model::{range, Collection, Tag};
use crate::query::Filter;
use crate::render::covering::render_covering_pages;
use crate::terminal::escape;

/// Checks the collection and prints its diagnostics to stderr (warnings unless `quiet`).
/// Returns the collection, or `None` when there was an error.
pub fn checked_collection(events: &Path, quiet: bool) -> anyhow::Result<Option<Collection>> {
    let checked = check_collection(events, render_covering_pages)
        .with_context(|| format!("cannot read the collection in {}", events.display()))?;
    Ok(report(checked, quiet))
}

/// Prints what checking found to stderr (warnings unless `quiet`); returns the collection, or
/// `None` when there was an error.
pub fn report(checked: Checked, quiet: bool) -> Option<Collection> {
    print_diagnostics(&checked, quiet);
    if checked.error_count() > 0 {
        eprintln!("{}", summary(&checked));
    }
    checked.collection
}

fn print_diagnostics(checked: &Checked, quiet: bool) {
    for diagnostic in &checked.diagnostics {
        if diagnostic.is_error() || !quiet {
            crate::diag::eprint(diagnostic);
        }
    }
}

/// "checked 11 event files: 0 errors, 1 warning"
pub fn summary(checked: &Checked) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "checked {}: {}, {}",
        plural(checked.files, "event file"),
        plural(checked.error_count(), "error"),
        plural(checked.warning_count(), "warning")
    )
}

/// The exit code for an invalid collection.
pub fn invalid() -> ExitCode {
    ExitCode::FAILURE
}

/// The filter `--tag`, `--since` and `--until` ask for (clap has read the dates; the tag's
/// page name is found here, once).
pub fn filter(args: &FilterArgs) -> Filter {
    Filter {
        tag: args.tag.as_deref().map(Tag::new),
        since: args.since,
        until: args.until,
    }
}

/// Now, or `SOURCE_DATE_EPOCH` when it is set: when `init` and `new` date what they write.
pub fn now() -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    Ok(source_date_epoch()?
        .and_then(range::instant_from_epoch)
        .unwrap_or_else(chrono::Utc::now))
}

/// Reports a value that cannot be used as a usage error (exit 2, as clap's own are).
pub fn usage_error(message: &str) -> ExitCode {
    eprintln!("chronicle: error: {}", crate::terminal::escape(message));
    ExitCode::from(2)
}

/// Says on stderr why a filter selected nothing, so an empty listing or export is not taken
/// for a broken collection: a tag no event has is named with the tags there are, as
/// "no event has the tag 'unknown' (tags: cartels, security)". Not an error: the exit code
/// stays 0, as for any query with no results.
pub fn say_when_nothing_matches(collection: &Collection, filter: &Filter, selected: &[usize]) {
    if !selected.is_empty() {
        return;
    }
    if let Some(tag) = &filter.tag {
        // Each tag once, by page name, in its first spelling.
        let mut tags = std::collections::BTreeMap::new();
        for known in collection.events.iter().flat_map(|e| &e.tags) {
            tags.entry(known.slug())
                .or_insert_with(|| escape(known.name()));
        }
        if !tags.contains_key(tag.slug()) {
            let names: Vec<_> = tags.into_values().collect();
            let known = if names.is_empty() {
                "no event has any tag".to_string()
            } else {
                format!("tags: {}", names.join(", "))
            };
            eprintln!("no event has the tag '{}' ({known})", escape(tag.name()));
            return;
        }
    }
    if filter.tag.is_some() || filter.since.is_some() || filter.until.is_some() {
        eprintln!("no event matches the filters");
    }
}

/// `SOURCE_DATE_EPOCH` (seconds since 1970), the reproducible-builds convention for "now":
/// an error unless it names an instant every output can hold (see [`range`]).
pub fn source_date_epoch() -> anyhow::Result<Option<i64>> {
    let value = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) if !value.trim().is_empty() => value,
        _ => return Ok(None),
    };
    let seconds: i64 = value
        .trim()
        .parse()
        .with_context(|| format!("SOURCE_DATE_EPOCH={value} is not a number of seconds"))?;
    if range::instant_from_epoch(seconds).is_none() {
        bail!(
            "SOURCE_DATE_EPOCH={value} is outside {} to {} ({} to {}), the seconds every output \
             can hold",
            range::first_instant().timestamp(),
            range::last_instant().timestamp(),
            range::utc_text(range::first_instant()),
            range::utc_text(range::last_instant()),
        );
    }
    Ok(Some(seconds))
}
