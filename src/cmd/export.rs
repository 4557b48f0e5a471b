//! `chronicle export`: one format, filtered, to stdout or a file.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{ExportArgs, ExportFormat};
use crate::model::{Collection, Tag};
use crate::render::{self, site, Format, Output, RenderError, Site};
use crate::write::write_file;

pub fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let epoch = super::source_date_epoch()?;
    let Some(collection) = super::checked_collection(&args.events.events, true)? else {
        return Ok(super::invalid());
    };
    let filter = super::filter(&args.filter);
    let selected = filter.select(&collection);
    super::say_when_nothing_matches(&collection, &filter, &selected);
    let tag = filter.tag.as_ref();
    // As I/O, so a closed pipe on stdout stays a broken pipe (see `main`).
    let write = |w: &mut dyn Write| {
        export(&collection, &selected, args, tag, epoch, w).map_err(io::Error::from)
    };
    match &args.output {
        Some(path) => write_file(path, write)?,
        None => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            write(&mut w)?;
            w.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn export(
    collection: &Collection,
    selected: &[usize],
    args: &ExportArgs,
    tag: Option<&Tag>,
    epoch: Option<i64>,
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    let events = selected.iter().map(|&i| &*collection.events[i]);
    let format = match args.format {
        ExportFormat::Csv => return render::csv::render_csv(events, w),
        ExportFormat::Jsonl => return render::jsonl::render_jsonl(events, w),
        ExportFormat::Timelinejs => {
            return render::timelinejs::render_timelinejs(collection, events, w)
        }
        ExportFormat::Rss => Format::Rss,
        ExportFormat::Atom => Format::Atom,
        ExportFormat::Json => Format::JsonFeed,
        ExportFormat::Ics => Format::Ical,
    };
    // A tag export is the tag's own view (its title and links); other filters narrow it.
    let mut view = match tag {
        Some(tag) => site::tag_views(collection)
            .into_iter()
            .find(|v| v.home_path == format!("tags/{}/", tag.slug()))
            .unwrap_or_else(|| site::collection_view(collection)),
        None => site::collection_view(collection),
    };
    view.events = selected.to_vec();
    let site = Site::new(collection, &collection.settings.base_url, epoch);
    let output = Output {
        path: view.path(format),
        format,
        view: Arc::new(view),
    };
    render::render(&site, &output, w)
}
