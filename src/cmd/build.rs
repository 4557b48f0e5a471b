//! `chronicle build`: check, then write every output into the output folder.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::BuildArgs;
use crate::diag::Severity;
use crate::model::Collection;
use crate::pipeline;
use crate::published::{self, RecordError};
use crate::render::{self, Output, Site};
use crate::terminal::escape_path;
use crate::websub::{self, Pings};
use crate::write::Stage;

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    refuse_nested_folders(&args.events.events, &args.out)?;
    let source_date_epoch = super::source_date_epoch()?;
    let progress = progress_bar(args.quiet);
    progress.set_message(format!("checking {}", escape_path(&args.events.events)));
    let checked = crate::check::check_collection(
        &args.events.events,
        render::covering::render_covering_pages,
    )
    .with_context(|| {
        format!(
            "cannot read the collection in {}",
            args.events.events.display()
        )
    })?;
    let Some(collection) = progress.suspend(|| super::report(checked, args.quiet)) else {
        progress.finish_and_clear();
        return Ok(super::invalid());
    };
    if args.ping && collection.settings.websub_hub.is_none() {
        progress.finish_and_clear();
        return Ok(super::usage_error(&format!(
            "--ping needs a hub to tell: set websub_hub in {}",
            args.events
                .events
                .join(crate::load::SETTINGS_FILE)
                .display()
        )));
    }
    // Locked before the published ids are compared: a build that waits compares them with
    // what the build it waited for published.
    let stage = Stage::create(&args.out, || {
        if !args.quiet {
            progress.suspend(|| {
                eprintln!(
                    "waiting for another build into {} to finish",
                    escape_path(&args.out)
                );
            });
        }
    })?;
    if !progress.suspend(|| guard_published_ids(&collection, args))? {
        progress.finish_and_clear();
        return Ok(super::invalid());
    }
    progress.set_message(format!(
        "rendering {} event bodies",
        collection.events.len()
    ));
    let site = Site::new(
        &collection,
        &collection.settings.base_url,
        source_date_epoch,
    );
    let outputs = render::outputs(&collection);
    let all: Vec<&Output> = outputs.iter().collect();
    progress.set_length(pipeline::work(&all, collection.events.len()));
    progress.set_style(bar_style());
    progress.set_message("writing");
    pipeline::write_outputs(&site, &all, &stage, false, &|n| progress.inc(n))?;
    published::stage_record(&stage, &collection)?;
    let pings = if args.ping {
        changed_feeds(&stage, &outputs, &collection)?
    } else {
        None
    };
    progress.set_message("putting the outputs in place");
    stage.commit()?;
    progress.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "built {} events into {} files in {} in {:.0?}",
            collection.events.len(),
            outputs.len(),
            escape_path(&args.out),
            started.elapsed()
        );
    }
    match pings {
        // After the commit: the hub fetches each feed when pinged, and finds the new bytes.
        Some(pings) => {
            let report = websub::send(&pings, websub::PING_TIMEOUT);
            for line in report.lines(&pings.hub, args.quiet) {
                eprintln!("{line}");
            }
        }
        None if args.ping && !args.quiet => {
            eprintln!("no feed changed: the WebSub hub was not pinged");
        }
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The pings `--ping` owes the hub: the subscription feeds whose staged bytes differ from what
/// the output folder holds now (every feed, into an empty folder), at their public URLs.
fn changed_feeds(
    stage: &Stage,
    outputs: &[Output],
    collection: &Collection,
) -> anyhow::Result<Option<Pings>> {
    let mut changed = Vec::new();
    for output in outputs {
        if websub::is_subscription_feed(output.format)
            && stage.differs_from_destination(&output.path)?
        {
            changed.push(output);
        }
    }
    let settings = &collection.settings;
    Ok(Pings::for_changed(
        settings.websub_hub.as_ref(),
        &settings.base_url,
        changed,
    ))
}

/// Compares the ids `collection` would publish with those the last build into the output
/// folder published (see [`published`]), and prints every change: as errors, and `false` is
/// returned, unless `--allow-id-change` makes them warnings (printed unless `--quiet`).
fn guard_published_ids(collection: &Collection, args: &BuildArgs) -> anyhow::Result<bool> {
    let record = match published::read_record(&args.out) {
        Ok(Some(record)) => record,
        Ok(None) => return Ok(true),
        Err(RecordError::Invalid(mut diagnostic)) => {
            if args.allow_id_change {
                // This build writes a new record.
                diagnostic.severity = Severity::Warning;
                if !args.quiet {
                    crate::diag::eprint(&diagnostic);
                }
                return Ok(true);
            }
            crate::diag::eprint(&diagnostic);
            return Ok(false);
        }
        Err(err) => return Err(err.into()),
    };
    let mut changes = published::id_changes(&record, collection, &args.events.events, &args.out);
    if changes.is_empty() {
        return Ok(true);
    }
    crate::diag::sort(&mut changes);
    if args.allow_id_change {
        for change in &mut changes {
            change.severity = Severity::Warning;
            if !args.quiet {
                crate::diag::eprint(change);
            }
        }
        return Ok(true);
    }
    for change in &changes {
        crate::diag::eprint(change);
    }
    eprintln!(
        "published ids would change; nothing was written to {}",
        escape_path(&args.out)
    );
    Ok(false)
}

/// A progress bar on stderr, drawn only when stderr is a terminal and `--quiet` is not given
/// (a log file or a pipe gets the one-line summary alone). It starts as a spinner: the length
/// of the work is known once the collection is checked.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("the spinner template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% {elapsed} (eta {eta})")
        .expect("the bar template is valid")
        .progress_chars("=> ")
}

/// The output folder must not be, or lie inside, the collection: outputs would be mixed with
/// the user's files (and a collection's own template could be replaced). Nor may the
/// collection lie inside the output folder: a tag's outputs (`tags/<tag>/`) would land on the
/// collection's own files.
pub(super) fn refuse_nested_folders(events: &Path, out: &Path) -> anyhow::Result<()> {
    let events = events
        .canonicalize()
        .with_context(|| format!("cannot read the collection in {}", events.display()))?;
    // The output folder may not exist yet: resolve its nearest existing ancestor.
    let absolute = std::path::absolute(out)?;
    let existing = absolute
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(Path::new("/"));
    let resolved = existing
        .canonicalize()?
        .join(absolute.strip_prefix(existing)?);
    if resolved.starts_with(&events) {
        bail!(
            "the output folder {} is inside the collection {}; choose another --out",
            out.display(),
            events.display()
        );
    }
    if events.starts_with(&resolved) {
        bail!(
            "the collection {} is inside the output folder {}; choose another --out",
            events.display(),
            out.display()
        );
    }
    Ok(())
}
