//! `chronicle check`: report every problem, then a summary; exit 1 on any error.

use std::process::ExitCode;

use anyhow::Context;

use crate::check::check_collection;
use crate::cli::CheckArgs;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let events = &args.events.events;
    let checked = check_collection(events)
        .with_context(|| format!("cannot read the collection in {}", events.display()))?;
    super::print_diagnostics(&checked, false);
    eprintln!("{}", super::summary(&checked));
    Ok(if checked.error_count() > 0 {
        super::invalid()
    } else {
        ExitCode::SUCCESS
    })
}
