//! Command-line interface: clap derive types only, no logic. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::When;
use crate::query::parse_day_period;
use crate::text::{forbidden_characters, has_visible_character};
use crate::url::AbsoluteUrl;

/// Keep dated events as ordered records and publish them as RSS, Atom, JSON Feed and iCalendar.
///
/// A collection is a folder: `chronicle.toml` holds its settings and each `**/*.md` file is one
/// event (TOML front matter between `+++` lines, then a Markdown body).
#[derive(Debug, Parser)]
#[command(name = "chronicle", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour diagnostics: auto (when stderr is a terminal and NO_COLOR is not set),
    /// always or never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    pub color: Color,
}

/// The `--color` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a collection: chronicle.toml, with every setting explained, and one example event
    ///
    /// Gives the collection a new permanent id (urn:uuid:…), from which every feed and calendar
    /// id derives. Asks for the title, base URL, language and time zone when run at a terminal
    /// and they are not given; otherwise takes the defaults. Overwrites nothing, and refuses a
    /// folder that already holds a collection.
    ///
    /// Example: `chronicle init events --title "US-Mexico security" --base-url https://example.org/security/ --timezone America/Mexico_City`
    Init(InitArgs),
    /// Write a new event file with its front matter filled in, and print its path
    ///
    /// Writes EVENTS/YYYY/SLUG.md (SLUG made from the title, also the event's id),
    /// published now (or at SOURCE_DATE_EPOCH). A taken name gets a numbered suffix (-2, -3…);
    /// nothing is ever overwritten.
    ///
    /// Example: `chronicle new "Rubio visits Mexico City" --date 2025-09-03 --time 10:00 --tag security --source https://example.org/report`
    New(NewArgs),
    /// Validate the collection and report every problem as path:line:col
    ///
    /// Example: chronicle check --events events
    Check(CheckArgs),
    /// Check, then write every feed, calendar and timeline page into the output folder
    ///
    /// Writes rss.xml, atom.xml, feed.json and calendar.ics, and the same four under
    /// tags/TAG/ for every tag, and the timeline pages: index.html, one page per year under
    /// years/ and one per tag beside its feeds. Entries older than the feed's newest feed_limit
    /// are kept in archive/rss-N.xml and archive/atom-N.xml (RFC 5005 archived feeds). Once an
    /// event has a correction, corrections/ holds the corrections log (RSS, Atom, JSON Feed and
    /// a page). Nothing is written if the collection has an error.
    ///
    /// Example: chronicle build --events events --out public
    Build(BuildArgs),
    /// Write one format to stdout (or a file), optionally filtered
    ///
    /// Example: chronicle export --format ics --tag security --since 2025-09 -o security.ics
    Export(ExportArgs),
    /// Add events from other formats: chronicle's jsonl and csv, iCalendar, TimelineJS, TimelineSetter
    ///
    /// Writes one event file per event read, checked by check's rules first: nothing is
    /// written if any input has a problem (each reported as FILE:LINE: message). Never
    /// overwrites an event file; --update replaces only files import wrote before, under the
    /// same id. Prints each file written.
    ///
    /// Example: chronicle import events.jsonl --events events --dry-run
    Import(ImportArgs),
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
pub struct InitArgs {
    /// The folder to start the collection in (created if missing)
    #[arg(value_name = "DIR", default_value = "events")]
    pub dir: PathBuf,
    /// The collection's name [default: My timeline]
    #[arg(long, value_parser = parse_line_text)]
    pub title: Option<String>,
    /// The absolute http(s) URL the outputs will be published at [default:
    /// `https://example.org/`]
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,
    /// A BCP 47 language tag, like en or es-MX [default: en]
    #[arg(long, value_name = "TAG", value_parser = parse_language)]
    pub language: Option<String>,
    /// The IANA time zone dates are read in, like America/Mexico_City [default: UTC]
    #[arg(long, value_name = "ZONE", value_parser = parse_timezone)]
    pub timezone: Option<String>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The event's title (one line)
    #[arg(value_parser = parse_line_text)]
    pub title: String,
    /// When it happened: 2025-09-03, 2025-09-03T12:00 (local), 2025-09-03T12:00:00-06:00, 2025-09
    /// or 2025
    #[arg(long, value_name = "DATE", value_parser = parse_event_date)]
    pub date: toml::Value,
    /// When it ended, in the same forms
    #[arg(long, value_name = "DATE", value_parser = parse_event_date)]
    pub end: Option<toml::Value>,
    /// The local time of day it started (HH:MM), with a --date that is a day
    #[arg(long, value_name = "HH:MM", value_parser = parse_time)]
    pub time: Option<chrono::NaiveTime>,
    /// The IANA time zone its local date and time are in [default: the collection's]
    #[arg(long, value_name = "ZONE", value_parser = parse_timezone)]
    pub timezone: Option<String>,
    /// A tag (repeat for more)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Where it happened
    #[arg(long, value_name = "PLACE", value_parser = parse_line_text)]
    pub location: Option<String>,
    /// The absolute URL of a source (repeat for more)
    #[arg(long, value_name = "URL", value_parser = parse_source_url)]
    pub source: Vec<String>,
    /// Open $VISUAL (or $EDITOR) on the new file
    #[arg(long)]
    pub edit: bool,
    #[command(flatten)]
    pub events: EventsArg,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub events: EventsArg,
    /// How to report: text for people (stderr), or json for tools and editors: one JSON
    /// object per diagnostic, one per line, on stdout
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
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
    /// After the build, tell the WebSub hub (websub_hub in chronicle.toml) which feeds changed
    /// against what --out held before; a hub that fails is reported and the build still
    /// succeeds
    #[arg(long)]
    pub ping: bool,
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
    /// TimelineJS JSON, one slide per event (every event)
    Timelinejs,
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
    /// Write to this file instead of stdout (a regular file is replaced atomically; a device,
    /// pipe or link such as /dev/stdout is written through)
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// JSON Lines, one object per event, as `export --format jsonl` writes it
    Jsonl,
    /// CSV with a header row, as `export --format csv` writes it
    Csv,
    /// iCalendar (RFC 5545): every VEVENT; recurring events are refused
    Ics,
    /// TimelineJS JSON: every slide, its HTML as Markdown
    Timelinejs,
    /// The CSV of TimelineJS's Google Sheets template (Year, Month, Day, Time, …, Headline,
    /// Text, Media, …, Group)
    TimelinejsCsv,
    /// ProPublica TimelineSetter's CSV (date, display_date, description, link, series, html)
    Timelinesetter,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The files to import
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Their format [default: from each file's extension, else its content]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub from: Option<ImportFormat>,
    #[command(flatten)]
    pub events: EventsArg,
    /// Check everything and print the files that would be written; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Replace the files an earlier import wrote for events of the same id (their front matter
    /// opens with the import comment); each is reported
    #[arg(long)]
    pub update: bool,
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
    /// The address and port to listen on: `127.0.0.1:8080`, `localhost:8080`, `[::1]:8080`, or
    /// `:8080` and `8080` for that port on 127.0.0.1 (write `0.0.0.0:8080` to listen on every
    /// interface; port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080", value_parser = parse_listen_addr)]
    pub addr: std::net::SocketAddr,
    /// The port to listen on, in place of the port of --addr
    #[arg(long, short, value_name = "PORT")]
    pub port: Option<u16>,
    /// The public address links point at, for a server behind a proxy [default: the listening
    /// address]
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,
    /// The folder the outputs are written into and served from, kept after the server stops
    /// (it holds what `build --out` would write there) [default: a private temporary folder,
    /// removed at the end]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Send the pages as built: without the script that reloads them after a rebuild and
    /// shows the collection's errors while it has any
    #[arg(long)]
    pub no_reload: bool,
    /// Open the front page in the browser once the server listens ($BROWSER, else the
    /// system's default)
    #[arg(long)]
    pub open: bool,
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
pub fn parse_base_url(url: &str) -> Result<String, String> {
    AbsoluteUrl::base(url).map(String::from)
}

/// `serve --addr`: a socket address, or a host name with a port (resolved; an IPv4 address is
/// preferred, as `localhost` then means the 127.0.0.1 the printed links use), or a port alone
/// (`:8080`, `8080`) on the loopback address: a server for writing is not opened to the network
/// unless asked.
pub fn parse_listen_addr(text: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::{Ipv4Addr, SocketAddr, ToSocketAddrs};
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let port = |port: &str| {
        port.parse::<u16>()
            .map_err(|_| format!("'{port}' is not a port number (0 to 65535)"))
    };
    let (host, port) = match text.rsplit_once(':') {
        Some((host, p)) => (host, port(p)?),
        None if text.bytes().all(|b| b.is_ascii_digit()) => ("", port(text)?),
        None => return Err(format!("'{text}' has no port: write it as {text}:8080")),
    };
    if host.is_empty() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    let resolved: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve the host '{host}': {error}"))?
        .collect();
    resolved
        .iter()
        .find(|addr| addr.is_ipv4())
        .or(resolved.first())
        .copied()
        .ok_or_else(|| format!("the host '{host}' has no address"))
}

/// A one-line text value (title, location): what `check` accepts in such a field.
pub fn parse_line_text(text: &str) -> Result<String, String> {
    if let Some(problem) = forbidden_characters(text, false) {
        return Err(format!("the text {problem}"));
    }
    if !has_visible_character(text) {
        return Err("the text is empty or only invisible characters".into());
    }
    Ok(text.trim().to_string())
}

/// `--language`: a BCP 47 tag, as the settings' `language` must be.
pub fn parse_language(text: &str) -> Result<String, String> {
    crate::config::check_language(text)?;
    Ok(text.to_string())
}

/// `--timezone`: an IANA time zone name.
pub fn parse_timezone(text: &str) -> Result<String, String> {
    text.parse::<chrono_tz::Tz>()
        .map(|_| text.to_string())
        .map_err(|_| {
            format!("unknown time zone '{text}' (use an IANA name like America/Mexico_City)")
        })
}

/// `--date`, `--end`: an event file's date forms (see [`crate::create::event::date_value`]).
fn parse_event_date(text: &str) -> Result<toml::Value, String> {
    crate::create::event::date_value(text)
}

/// `--time`: a time of day, HH:MM (or HH:MM:SS).
fn parse_time(text: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .map_err(|_| format!("{text} is not a time of day: use HH:MM, like 09:30 or 18:00"))
}

/// `--source`: an absolute http(s) URL, as a source's `url` must be.
fn parse_source_url(text: &str) -> Result<String, String> {
    AbsoluteUrl::new(text.trim()).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_in_every_form() {
        for (text, addr) in [
            ("127.0.0.1:8080", "127.0.0.1:8080"),
            ("0.0.0.0:80", "0.0.0.0:80"),
            ("[::1]:9000", "[::1]:9000"),
            (":8080", "127.0.0.1:8080"),
            ("8081", "127.0.0.1:8081"),
            (":0", "127.0.0.1:0"),
            ("localhost:8082", "127.0.0.1:8082"),
        ] {
            assert_eq!(parse_listen_addr(text).unwrap().to_string(), addr, "{text}");
        }
        for (text, message) in [
            ("localhost", "has no port"),
            (":http", "is not a port number"),
            ("127.0.0.1:70000", "is not a port number"),
            (
                "no-such-host.invalid:8080",
                "cannot resolve the host 'no-such-host.invalid'",
            ),
        ] {
            let error = parse_listen_addr(text).unwrap_err();
            assert!(error.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn command_tree_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
