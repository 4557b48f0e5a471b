//! `chronicle check`: report every problem, then a summary; exit 1 on any error.

use std::process::ExitCode;

use anyhow::Context;

use crate::check::check_collection;
use crate::cli::CheckArgs;
use crate::render::covering::render_covering_pages;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let events = &args.events.events;
    let checked = check_collection(events, render_covering_pages)
        .with_context(|| format!("cannot read the collection in {}", events.display()))?;
    super::print_diagnostics(&checked, false);
    eprintln!("{}", super::summary(&checked));
    Ok(if checked.error_count() > 0 {
        super::invalid()
    } else {
        ExitCode::SUCCESS
    })
}
