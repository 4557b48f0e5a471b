//! Command-line interface: clap derive types only, no logic. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::When;
use crate::query::parse_day_period;

/// Keep dated events as ordered records and publish them as RSS, Atom, JSON Feed and iCalendar.
///
/// A collection is a folder: `chronicle.toml` holds its settings and each `**/*.md` file is one
/// event (TOML front matter between `+++` lines, then a Markdown body).
#[derive(Debug, Parser)]
#[command(name = "chronicle", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the collection and report every problem as path:line:col
    ///
    /// Example: chronicle check --events events
    Check(CheckArgs),
    /// Check, then write every feed, calendar and timeline page into the output folder
    ///
    /// Writes rss.xml, atom.xml, feed.json and calendar.ics, and the same four under
    /// tags/TAG/ for every tag, and the timeline pages: index.html, one page per year under
    /// years/ and one per tag beside its feeds. Entries older than the feed's newest feed_limit
    /// are kept in archive/rss-N.xml and archive/atom-N.xml (RFC 5005 archived feeds). Nothing
    /// is written if the collection has an error.
    ///
    /// Example: chronicle build --events events --out public
    Build(BuildArgs),
    /// Write one format to stdout (or a file), optionally filtered
    ///
    /// Example: chronicle export --format ics --tag security --since 2025-09 -o security.ics
    Export(ExportArgs),
    /// Show the events as a chronological table
    ///
    /// Example: chronicle list --since 2025-09-01 --until 2025-09-30
    List(ListArgs),
    /// Serve the feeds and calendar over HTTP, rebuilding when an event file changes
    ///
    /// Builds in memory, serves every path build writes (with ETag, Last-Modified, gzip and
    /// brotli) and prints the URLs to subscribe to. Links point at the server's own address
    /// unless --base-url is given.
    ///
    /// Example: chronicle serve --events events --addr 127.0.0.1:8080
    Serve(ServeArgs),
    /// Print a shell's completion script for chronicle
    ///
    /// Example (bash): source <(chronicle completions bash)
    Completions(CompletionsArgs),
    /// Print chronicle's man page, or one command's, as roff
    ///
    /// Example: chronicle man build | man -l -
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct EventsArg {
    /// The collection folder (holds chronicle.toml and the event files)
    #[arg(long, value_name = "DIR", default_value = "events")]
    pub events: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub events: EventsArg,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub events: EventsArg,
    /// Where outputs are written; files chronicle did not write are left alone
    #[arg(long, value_name = "DIR", default_value = "public")]
    pub out: PathBuf,
    /// Print nothing but errors
    #[arg(long, short)]
    pub quiet: bool,
    /// Publish events under new ids on purpose: build refuses otherwise when an event the
    /// last build into --out published would get another id (its id was edited, its file
    /// renamed without an id, or the collection id changed), as subscribers would see it again
    #[arg(long)]
    pub allow_id_change: bool,
}

/// Which events a listing or export holds.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only events with this tag
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Only events ending on or after this date (2025, 2025-09 or 2025-09-03)
    #[arg(long, value_name = "DATE", value_parser = parse_day_period)]
    pub since: Option<When>,
    /// Only events starting on or before this date (2025, 2025-09 or 2025-09-03)
    #[arg(long, value_name = "DATE", value_parser = parse_day_period)]
    pub until: Option<When>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// RSS 2.0 feed (newest feed_limit entries)
    Rss,
    /// Atom 1.0 feed (newest feed_limit entries)
    Atom,
    /// JSON Feed 1.1 (newest feed_limit entries)
    Json,
    /// iCalendar (every event)
    Ics,
    /// CSV, one row per event, every field
    Csv,
    /// JSON Lines, one object per event, every field
    Jsonl,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub events: EventsArg,
    /// The format to write
    #[arg(long, short, value_enum)]
    pub format: ExportFormat,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Write to this file (atomically) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub events: EventsArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// How the events are shown
    #[arg(long, short, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns under a header; titles fit the terminal's width (full when piped)
    Table,
    /// Tab-separated values under a header row; tabs, newlines and backslashes in a field are
    /// written \t, \n and \\
    Tsv,
    /// A JSON array with one object per event
    Json,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print [default: chronicle's own page]
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub events: EventsArg,
    /// The address and port to listen on (port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// The public address links point at, for a server behind a proxy [default: the listening
    /// address]
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,
    /// Log no requests and no rebuilds; errors only
    #[arg(long, short)]
    pub quiet: bool,
    /// Close a connection whose client takes no byte of its response for this many
    /// milliseconds [default: 5000] (hidden: for tests of slow clients)
    #[arg(long, value_name = "MS", hide = true)]
    pub write_stall_timeout_ms: Option<u64>,
}

/// `--base-url`: what the settings' `base_url` must be (a slash is added at the end if missing).
/// A bad value is a usage error, reported by clap like any other.
fn parse_base_url(url: &str) -> Result<String, String> {
    crate::check::check_base_url(url)?;
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_tree_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
