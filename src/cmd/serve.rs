//! `chronicle serve`: check, build into serve's folder, print the URLs to subscribe to, serve
//! that folder until stopped, building again what changed when an event file changes.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::cli::ServeArgs;
use crate::render::site::OPML_FILE;
use crate::render::Format;
use crate::serve::watch::compress;
use crate::serve::{self, Builder, ServeError, Server, State, Store, Watch};

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let events = &args.events.events;
    let source_date_epoch = super::source_date_epoch()?;
    serve::memory::keep_freed_memory_between_rebuilds();
    // Watch before the first check, so an edit made while the server starts is not missed.
    let watch = Watch::start(events).map_err(|source| ServeError::Watch {
        path: events.clone(),
        source,
    })?;
    // The folder the outputs are written into and served from: a private one unless --out
    // names one (removed when the server stops, as the `TempDir` is dropped).
    let private;
    let out = match &args.out {
        Some(out) => {
            super::build::refuse_nested_folders(events, out)?;
            out.clone()
        }
        None => {
            private = tempfile::Builder::new()
                .prefix("chronicle-serve-")
                .tempdir()
                .context("cannot create a folder for the outputs")?;
            private.path().to_path_buf()
        }
    };
    // The link base needs the bound address, and the check comes first: a collection with
    // errors does not start. Binding first and checking after would hold the port meanwhile.
    let mut builder = Builder::new(events, &out, "", None, args.quiet);
    let checked = builder
        .check_all()
        .with_context(|| format!("cannot read the collection in {}", events.display()))?;
    let Some(collection) = super::report(checked, args.quiet) else {
        return Ok(super::invalid());
    };
    let addr = match args.port {
        Some(port) => std::net::SocketAddr::new(args.addr.ip(), port),
        None => args.addr,
    };
    let listener = serve::bind(addr)?;
    let local = listener
        .local_addr()
        .with_context(|| format!("cannot read the address bound for {addr}"))?;
    let link_base = match &args.base_url {
        Some(url) if url.ends_with('/') => url.clone(),
        Some(url) => format!("{url}/"),
        None => format!("http://{local}/"),
    };
    builder.set_link_base(&link_base, source_date_epoch);
    let calendar = crate::render::site::readable_calendar_path(&collection.settings.title, "")
        .unwrap_or_else(|| Format::Ical.file_name().to_string());
    let built = builder
        .build(collection)
        .context("cannot render the outputs")?;
    serve::memory::give_back_freed_memory();
    let store = Store::new().context("cannot make a folder for the compressed outputs")?;
    let state = Arc::new(State::new(built.served, store));
    // A small collection is served compressed from the first request. A large one would keep
    // the server from answering for minutes (a calendar of 100 000 events is 150 MB): it is
    // compressed in the background, smallest files first, and served in identity until then.
    let todo = state.load().uncompressed();
    let total: u64 = todo.iter().map(|r| r.identity.body.len()).sum();
    if total <= COMPRESS_BEFORE_LISTENING {
        compress(&state, &todo);
    }

    print_urls(&local, &link_base, &calendar, args.base_url.is_none())?;
    if args.base_url.is_none() && local.ip().is_unspecified() {
        eprintln!(
            "note: links point at {link_base}, which clients elsewhere cannot reach; \
             pass --base-url with the address they use"
        );
    }
    if args.open {
        // The server's own address, reachable from this machine whatever --base-url says.
        let page = match local.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
                format!("http://127.0.0.1:{}/", local.port())
            }
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
                format!("http://[::1]:{}/", local.port())
            }
            _ => format!("http://{local}/"),
        };
        if let Err(error) = serve::browser::open(&page) {
            eprintln!("note: cannot open a browser on {page}: {error}");
        }
    }
    serve::run(Server {
        listener,
        state,
        watch,
        builder,
        quiet: args.quiet,
        write_stall: args
            .write_stall_timeout_ms
            .map_or(serve::WRITE_STALL_TIMEOUT, std::time::Duration::from_millis),
        live: (!args.no_reload).then(Arc::default),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// How many bytes are compressed before the server starts listening: under a second's work.
const COMPRESS_BEFORE_LISTENING: u64 = 16 * 1024 * 1024;

/// The addresses to subscribe to, on stdout:
/// ```text
/// listening on http://127.0.0.1:8080/
/// RSS         http://127.0.0.1:8080/rss.xml
/// Atom        http://127.0.0.1:8080/atom.xml
/// JSON Feed   http://127.0.0.1:8080/feed.json
/// Calendar    http://127.0.0.1:8080/us-mexico-security-cooperation-2025.ics
///             webcal://127.0.0.1:8080/us-mexico-security-cooperation-2025.ics
/// Feed list   http://127.0.0.1:8080/feeds.opml
/// Subscribe   http://127.0.0.1:8080/subscribe/
/// ```
/// The calendar under its readable name (`calendar`: see
/// [`crate::render::site::readable_calendar_path`]), which calendar apps that name a
/// calendar after its address show. With `--base-url` the addresses are the public ones.
fn print_urls(
    local: &std::net::SocketAddr,
    link_base: &str,
    calendar: &str,
    own_address: bool,
) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{local}/")?;
    if !own_address {
        writeln!(out, "links point at {link_base}")?;
    }
    let labels = [
        (Format::Rss, "RSS"),
        (Format::Atom, "Atom"),
        (Format::JsonFeed, "JSON Feed"),
    ];
    for (format, label) in labels {
        writeln!(out, "{label:<11} {link_base}{}", format.file_name())?;
    }
    writeln!(out, "{:<11} {link_base}{calendar}", "Calendar")?;
    // webcal:// asks the system to subscribe in its calendar app rather than download.
    let webcal = link_base
        .split_once("://")
        .map_or(link_base, |(_, rest)| rest);
    writeln!(out, "{:<11} webcal://{webcal}{calendar}", "")?;
    writeln!(out, "{:<11} {link_base}{OPML_FILE}", "Feed list")?;
    writeln!(
        out,
        "{:<11} {link_base}{}",
        "Subscribe",
        crate::render::site::SUBSCRIBE_HOME
    )?;
    out.flush()
}
