//! `chronicle build`: check, then write every output into the output folder.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;

use crate::cli::BuildArgs;
use crate::render::{self, Site};
use crate::write::{update_manifest, write_atomically};

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    refuse_to_overwrite_collection(&args.events.events, &args.out)?;
    let Some(collection) = super::checked_collection(&args.events.events, args.quiet)? else {
        return Ok(super::invalid());
    };
    let site = Site::new(
        &collection,
        &collection.settings.base_url,
        super::source_date_epoch()?,
    );
    let outputs = render::outputs(&collection);
    outputs.par_iter().try_for_each(|output| {
        write_atomically(&args.out.join(&output.path), |w| {
            render::render(&site, output, w)
        })
    })?;
    let written: Vec<String> = outputs.iter().map(|o| o.path.clone()).collect();
    update_manifest(&args.out, &written)?;
    if !args.quiet {
        eprintln!(
            "built {} events into {} files in {} in {:.0?}",
            collection.events.len(),
            outputs.len(),
            args.out.display(),
            started.elapsed()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The output folder must not be, or lie inside, the collection: outputs would be mixed with
/// the user's files (and a collection's own template could be replaced).
fn refuse_to_overwrite_collection(events: &Path, out: &Path) -> anyhow::Result<()> {
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
    Ok(())
}
