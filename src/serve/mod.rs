//! Serve stage: the built set held in memory and served over HTTP/1.1, rebuilt live.
//!
//! In: a bound listener, the first [`Served`] set and a [`Watch`] on the collection. Out:
//! responses ([`http`]), one log line per request on stderr, and a clean stop on Ctrl-C or
//! SIGTERM. [`state`] holds the set, [`watch`] rebuilds it. The HTTP/1.1 parser and connection
//! handling are hyper's; this module only bounds what a client may hold: time to send its
//! headers, header size, connection count (in all and per client address, [`addresses`]),
//! time without taking a byte of its response ([`stall`]) and connection lifetime.

pub mod addresses;
pub mod http;
pub mod memory;
pub mod rebuild;
pub mod stall;
pub mod state;
pub mod watch;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use hyper::body::{Body, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch as signal_watch, Semaphore};

use self::addresses::AddressSlots;
pub use self::rebuild::Builder;
use self::stall::StallGuard;
pub use self::state::{Served, State};
pub use self::watch::Watch;

/// A client must send a request's headers within this time, counted from the connection's
/// start and again after each response, so an idle keep-alive connection is closed too.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head accepted (hyper answers 431 beyond it); feed requests are small.
const MAX_HEADER_SIZE: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
/// Connections served at once; more wait in the listen backlog until one closes.
const MAX_CONNECTIONS: usize = 512;
/// Connections one client address may hold at once (see [`addresses`]); more from it are
/// closed at once. A quarter of the slots: ample for the readers behind one NAT, or for a
/// proxy in front, and three quarters stay for everyone else whatever one address does.
const MAX_CONNECTIONS_PER_ADDRESS: usize = MAX_CONNECTIONS / 4;
/// A connection whose client takes no byte of its response for this long is closed (see
/// [`stall`]), so that clients that stop reading give their slots back within seconds.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection is asked to close after this long, so a client that reads its responses too
/// slowly cannot keep a slot.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// How long a connection asked to close (at shutdown or end of lifetime) may finish the
/// response it is writing.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What can stop the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("cannot watch {} for changes", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("cannot start the server")]
    Runtime(#[source] io::Error),
}

/// Binds `addr` (port 0 picks a free port; the listener knows which).
pub fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    let bind_error = |source| ServeError::Bind { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(bind_error)?;
    listener.set_nonblocking(true).map_err(bind_error)?;
    Ok(listener)
}

/// Everything a running server needs.
#[derive(Debug)]
pub struct Server {
    pub listener: std::net::TcpListener,
    pub state: Arc<State>,
    pub watch: Watch,
    /// Rebuilds the set after changes; it built the first one.
    pub builder: Builder,
    /// No request log.
    pub quiet: bool,
    /// How long a client may take no byte of its response (see [`WRITE_STALL_TIMEOUT`]).
    pub write_stall: Duration,
}

/// Serves until Ctrl-C or SIGTERM, then lets open requests finish (for a bounded time).
pub fn run(server: Server) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let served = runtime.block_on(serve(server));
    // Background compression (a large calendar takes minutes) and a rebuild in progress are
    // not waited for: they only make what is served, which is about to go.
    runtime.shutdown_background();
    served
}

async fn serve(server: Server) -> Result<(), ServeError> {
    let Server {
        listener,
        state,
        watch,
        builder,
        quiet,
        write_stall,
    } = server;
    let listener = TcpListener::from_std(listener).map_err(ServeError::Runtime)?;
    tokio::spawn(watch::rebuild_on_change(
        watch,
        Arc::clone(&state),
        builder,
        quiet,
    ));

    let (stop_sender, stop) = signal_watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_sender.send(true);
    });

    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(MAX_HEADER_SIZE)
        .max_headers(MAX_HEADERS);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let addresses = AddressSlots::new(MAX_CONNECTIONS_PER_ADDRESS);
    let mut stopping = stop.clone();

    loop {
        let slot = tokio::select! {
            biased;
            _ = stopping.changed() => break,
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the slot semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            biased;
            _ = stopping.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // moment rather than spin.
                    eprintln!("accepting a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Over its share, the connection is closed unanswered (and its slot freed at once).
        let held = match addresses.take(peer.ip()) {
            Ok(held) => held,
            Err(refused) => {
                if refused.first && !quiet {
                    eprintln!(
                        "{refused} holds {MAX_CONNECTIONS_PER_ADDRESS} connections: closing its next ones until one of them ends"
                    );
                }
                continue;
            }
        };
        // Responses are written whole; Nagle's algorithm would only delay the last segment.
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        let service = service_fn(move |request| {
            let state = Arc::clone(&state);
            async move { Ok::<_, Infallible>(handle(&state, &request, quiet)) }
        });
        let builder = Arc::clone(&builder);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let stream = StallGuard::new(stream, write_stall);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stop.changed() => close(connection).await,
                () = tokio::time::sleep(CONNECTION_LIFETIME) => close(connection).await,
            }
            drop((slot, held));
        });
    }

    // Every connection holds a slot; having them all back means every connection has closed.
    let all = u32::try_from(MAX_CONNECTIONS).expect("MAX_CONNECTIONS fits in u32");
    let _ = tokio::time::timeout(CLOSE_GRACE * 2, slots.acquire_many(all)).await;
    Ok(())
}

/// Lets a connection finish the response it is on, then closes it; gives up after
/// [`CLOSE_GRACE`].
async fn close<C>(
    mut connection: std::pin::Pin<
        &mut http1::Connection<TokioIo<StallGuard<tokio::net::TcpStream>>, C>,
    >,
) where
    C: hyper::service::HttpService<Incoming>,
    C::ResBody: 'static,
    <C::ResBody as Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    connection.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(CLOSE_GRACE, connection).await;
}

/// Answers one request from the current set and logs it.
fn handle(
    state: &State,
    request: &Request<Incoming>,
    quiet: bool,
) -> hyper::Response<http::PayloadBody> {
    let started = Instant::now();
    let served = state.load();
    let head = http::RequestHead {
        method: request.method(),
        version: request.version(),
        path: request.uri().path(),
        headers: request.headers(),
    };
    let mut response = http::respond(&served, &head, SystemTime::now());
    // No request body is ever read. Rather than let hyper wait for one to keep the connection
    // alive, the connection closes after the answer, so a slow body cannot hold it.
    if request.body().size_hint().upper() != Some(0) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if !quiet {
        let bytes = response.body().size_hint().exact().unwrap_or(0);
        eprintln!(
            "{} {} {} {} {:.3}ms",
            request.method(),
            request.uri().path(),
            response.status().as_u16(),
            bytes,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    response
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
