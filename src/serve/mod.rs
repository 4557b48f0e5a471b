//! Serve stage: the built set served over HTTP/1.1, rebuilt live.
//!
//! In: a bound listener, the first [`Served`] set and a [`Watch`] on the collection. Out:
//! responses ([`http`] decides them, [`body`] sends them), one log line per request on stderr,
//! and a clean stop on Ctrl-C or SIGTERM. [`state`] holds the set (an index of bodies on disk
//! or in memory), [`store`] their compressed variants, [`watch`] rebuilds the set. A response
//! comes from one set: its headers and its bytes agree (see `handle`). The HTTP/1.1 parser and
//! connection handling are hyper's; this module only bounds what a client may hold: time to
//! send its headers, header size, connection count (in all and per client address,
//! [`addresses`]), time without taking a byte of its response ([`stall`]) and connection
//! lifetime.

pub mod addresses;
pub mod body;
pub mod browser;
pub mod filter;
pub mod filter_cache;
pub mod http;
pub mod live;
pub mod memory;
pub mod rebuild;
pub mod stall;
pub mod state;
pub mod store;
pub mod watch;

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
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
use self::live::{AnyBody, Live};
pub use self::rebuild::Builder;
use self::stall::StallGuard;
pub use self::state::{Served, State};
pub use self::store::Store;
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
/// How many times a request is answered, each time from the set current then, when the body
/// files of the set it answered from were replaced or removed meanwhile (a newer build was
/// put in place, and its set is about to be swapped in): enough to wait out a commit of
/// thousands of renames, on a busy machine, before its swap (see [`FIRST_RETRY_WAIT`]). Past
/// them the answer is 503.
const ANSWER_ATTEMPTS: u32 = 11;
/// The wait before the third attempt, doubled before each one after (the second comes at
/// once: a newer set is usually in place already); 1 + 2 + ... + 256 = 511 ms in all.
const FIRST_RETRY_WAIT: Duration = Duration::from_millis(1);

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
    /// Pages reload when a rebuild is served (see [`live`]); `None`: pages are sent as built.
    pub live: Option<Arc<Live>>,
}

/// Serves until Ctrl-C or SIGTERM, then lets open requests finish (for a bounded time).
pub fn run(server: Server) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let state = Arc::clone(&server.state);
    let served = runtime.block_on(serve(server));
    // Background compression (a large calendar takes minutes) and a rebuild in progress are
    // not waited for: they only make what is served, which is about to go. They may still
    // hold the state, so its store is removed here rather than when it is dropped.
    runtime.shutdown_background();
    state.store().remove();
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
        live,
    } = server;
    let listener = TcpListener::from_std(listener).map_err(ServeError::Runtime)?;
    tokio::spawn(watch::rebuild_on_change(
        watch,
        Arc::clone(&state),
        builder,
        quiet,
        live.clone(),
    ));

    let (stop_sender, stop) = signal_watch::channel(false);
    let live_at_stop = live.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        // Event streams never end by themselves soon: they are ended, so connections close.
        if let Some(live) = live_at_stop {
            live.close();
        }
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
        let live = live.clone();
        let client = peer.ip();
        let service = service_fn(move |request| {
            let state = Arc::clone(&state);
            let live = live.clone();
            async move {
                Ok::<_, Infallible>(handle(&state, live.as_deref(), &request, quiet, client).await)
            }
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

/// Answers one request from the current set (see [`answer`]), or from `live` for its own
/// paths, and logs it.
async fn handle(
    state: &State,
    live: Option<&Live>,
    request: &Request<Incoming>,
    quiet: bool,
    client: IpAddr,
) -> hyper::Response<AnyBody> {
    let started = Instant::now();
    let mut response = match live {
        Some(live) => match live.respond(request.method(), request.uri().path()) {
            Some(response) => response.map(AnyBody::Live),
            None => answer_page_with_live_script(state, live, request, client).await,
        },
        None => answer_request(state, request, client).await,
    };
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

/// The answer from the current set, as built, or for a filtered subscription (see [`filter`]),
/// which `client` waits its turn to have rendered (see [`filter_cache`]).
async fn answer_request(
    state: &State,
    request: &Request<Incoming>,
    client: IpAddr,
) -> hyper::Response<AnyBody> {
    let head = http::RequestHead {
        method: request.method(),
        version: request.version(),
        path: request.uri().path(),
        headers: request.headers(),
    };
    if let Some(route) = filter::route(head.path) {
        return answer_filter(state, &head, route, client)
            .await
            .map(AnyBody::Payload);
    }
    answer_or_unavailable(state, request, &head)
        .await
        .map(AnyBody::Payload)
}

/// The answer to a path under [`filter::PREFIX`], from the current set's collection: the
/// document rendered (or kept, see [`filter_cache`]) for a canonical filter of known tags,
/// answered as a built output is (validators, 304, HEAD, content coding, CORS).
async fn answer_filter(
    state: &State,
    head: &http::RequestHead<'_>,
    route: filter::Route,
    client: IpAddr,
) -> hyper::Response<http::PayloadBody> {
    let served = state.load_full();
    let source = served.filters.as_ref();
    // A tag unknown is known to be so once the first render indexed the tags; until then a
    // preflight is answered for any canonical filter, and the render finds out.
    let known = |filter: &filter::Filter| source.is_some_and(|s| s.knows(filter) != Some(false));
    let answers = matches!(&route, filter::Route::Filter(f) if known(f));
    if let Some(answered) = http::answer_before_lookup(head, |_| answers) {
        return answered;
    }
    let not_found = http::Target::Refused(hyper::StatusCode::NOT_FOUND, "not found\n");
    let filter = match route {
        filter::Route::Filter(filter) => filter,
        filter::Route::Moved(path) => {
            return http::respond_with(http::Target::MovedTo(path), head, SystemTime::now())
        }
        filter::Route::Refused(status, text) => {
            return http::respond_with(http::Target::Refused(status, text), head, SystemTime::now())
        }
    };
    let Some(source) = source.filter(|_| known(&filter)) else {
        return http::respond_with(not_found, head, SystemTime::now());
    };
    let document = match state.filters().get_or_render(source, &filter, client).await {
        Ok(Some(document)) => document,
        Ok(None) => return http::respond_with(not_found, head, SystemTime::now()),
        Err(err) => return filter_failed(head, &err),
    };
    let mut response = http::respond_with(
        http::Target::Found(&document.resource),
        head,
        SystemTime::now(),
    );
    // Opened while `document` holds its temporary file, if any: the file is removed when it
    // goes, and the open file is read to its end.
    match response.body_mut().open() {
        Ok(()) => response,
        Err(err) => filter_failed(head, &err),
    }
}

/// 500 for a filter that could not be rendered or opened, logged (even when quiet).
fn filter_failed(
    head: &http::RequestHead<'_>,
    err: &dyn std::fmt::Display,
) -> hyper::Response<http::PayloadBody> {
    eprintln!(
        "cannot answer {}: {}",
        crate::terminal::escape(head.path),
        crate::terminal::escape(&err.to_string())
    );
    http::failed(head.method)
}

/// The answer from the current set, a page with the live-reload script added (see
/// [`live::inject`]). Such a page is sent whole, in identity, and never as "not modified": its
/// bytes are not the built ones the validators describe, and a browser must not keep a copy
/// without the script.
async fn answer_page_with_live_script(
    state: &State,
    live: &Live,
    request: &Request<Incoming>,
    client: IpAddr,
) -> hyper::Response<AnyBody> {
    // Read before the set: a build swapped in meanwhile then only makes the page reload once
    // more, where the other order could leave a page of an older build waiting.
    let build = live.build();
    let path = request.uri().path();
    let is_page = state
        .load()
        .get(path)
        .is_some_and(|resource| resource.content_type.as_bytes().starts_with(b"text/html"));
    if !is_page {
        return answer_request(state, request, client).await;
    }
    let mut headers = request.headers().clone();
    for name in [
        header::ACCEPT_ENCODING,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
    ] {
        headers.remove(name);
    }
    // HEAD is answered as GET, for the length of the page as sent.
    let head = http::RequestHead {
        method: &hyper::Method::GET,
        version: request.version(),
        path,
        headers: &headers,
    };
    let mut response = answer_or_unavailable(state, request, &head).await;
    if response.status() != hyper::StatusCode::OK {
        return response.map(AnyBody::Payload);
    }
    let body = std::mem::replace(response.body_mut(), http::PayloadBody::empty());
    let page = match body.into_bytes() {
        Ok(page) => live::inject(&page, build),
        Err(err) => {
            eprintln!(
                "cannot answer {}: {}",
                crate::terminal::escape(path),
                crate::terminal::escape(&err.to_string())
            );
            return http::unavailable(request.method()).map(AnyBody::Payload);
        }
    };
    let headers = response.headers_mut();
    headers.remove(header::ETAG);
    headers.remove(header::LAST_MODIFIED);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(page.len()));
    if request.method() == hyper::Method::GET {
        *response.body_mut() =
            http::PayloadBody::new(state::Payload::Whole(bytes::Bytes::from(page)));
    }
    response.map(AnyBody::Payload)
}

/// [`answer`], or 503 (logged) when no set could answer.
async fn answer_or_unavailable(
    state: &State,
    request: &Request<Incoming>,
    head: &http::RequestHead<'_>,
) -> hyper::Response<http::PayloadBody> {
    match answer(|| state.load(), head).await {
        Ok(response) => response,
        // An error, logged even when quiet: the output folder is gone or unreadable, or
        // builds keep replacing it faster than a request can be answered.
        Err(err) => {
            eprintln!(
                "cannot answer {}: {}",
                crate::terminal::escape(request.uri().path()),
                crate::terminal::escape(&err.to_string())
            );
            http::unavailable(request.method())
        }
    }
}

/// Answers `head` from the set `load` returns, with its body file opened and checked to be the
/// one that set refers to. When it is not (a newer build replaced or removed it after the set
/// was loaded; its variants in the store may be gone too), the answer is made again from the
/// set loaded anew, up to [`ANSWER_ATTEMPTS`] times: so the headers (length, `ETag`) and the
/// bytes of a response always come from the same set. The last attempt's error if none
/// succeeds.
async fn answer(
    mut load: impl FnMut() -> arc_swap::Guard<Arc<Served>>,
    head: &http::RequestHead<'_>,
) -> io::Result<hyper::Response<http::PayloadBody>> {
    let mut wait = Duration::ZERO;
    let mut attempt = 1;
    loop {
        let mut response = {
            let served = load();
            http::respond(&served, head, SystemTime::now())
        };
        match response.body_mut().open() {
            Ok(()) => return Ok(response),
            Err(err) if attempt == ANSWER_ATTEMPTS => return Err(err),
            Err(_) => {}
        }
        if wait.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(wait).await;
        }
        wait = (wait * 2).max(FIRST_RETRY_WAIT);
        attempt += 1;
    }
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

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::path::Path;

    use bytes::Bytes;
    use chrono::DateTime;
    use http_body_util::BodyExt;
    use hyper::header::HeaderMap;
    use hyper::{Method, StatusCode, Version};

    use super::state::{body_hash, digest, Resource};
    use super::*;
    use crate::render::Format;

    /// A set of one feed, `/rss.xml`, whose body is a file at `path` holding `body` (put in
    /// place by a rename, as a build does), with its variants made in `store` if given.
    fn set_on_disk(path: &Path, body: &[u8], store: Option<&Store>) -> Served {
        let new = path.with_extension("new");
        std::fs::write(&new, body).unwrap();
        std::fs::rename(&new, path).unwrap();
        let resource = Resource::from_file(
            Format::Rss,
            path.to_path_buf(),
            body.len() as u64,
            digest(body),
            DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        )
        .unwrap();
        let resource = match store {
            Some(store) => store.compress(&resource, &|| {}).unwrap(),
            None => resource,
        };
        Served::new([("rss.xml".to_string(), Arc::new(resource))], 1)
    }

    fn feed(seed: usize) -> Vec<u8> {
        let items: String = (0..400)
            .map(|i| format!("<item><title>Event {i} of {seed}</title></item>\n"))
            .collect();
        format!("<rss>{items}</rss>\n").into_bytes()
    }

    /// What a client receives: status, headers and the body, or the error that ended it.
    struct Received {
        status: StatusCode,
        headers: HeaderMap,
        body: io::Result<Bytes>,
    }

    impl Received {
        fn header(&self, name: header::HeaderName) -> &str {
            self.headers.get(&name).map_or("", |v| v.to_str().unwrap())
        }
    }

    async fn receive(response: hyper::Response<http::PayloadBody>) -> Received {
        let (parts, body) = response.into_parts();
        Received {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.map(|c| c.to_bytes()),
        }
    }

    async fn ask(
        load: impl FnMut() -> arc_swap::Guard<Arc<Served>>,
        method: Method,
        headers: &[(&str, &str)],
    ) -> io::Result<Received> {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        for (name, value) in headers {
            map.insert(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let head = http::RequestHead {
            method: &method,
            version: Version::HTTP_11,
            path: "/rss.xml",
            headers: &map,
        };
        Ok(receive(answer(load, &head).await?).await)
    }

    fn decoded(coding: &str, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match coding {
            "gzip" => flate2::read::GzDecoder::new(bytes).read_to_end(&mut out),
            "br" => brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out),
            _ => return bytes.to_vec(),
        }
        .unwrap();
        out
    }

    #[tokio::test]
    async fn a_body_on_disk_is_answered_like_one_in_memory() {
        let out = tempfile::tempdir().unwrap();
        let body = feed(1);
        let hash = body_hash(&body);
        let state = State::new(Served::default(), Store::new().unwrap());
        state.swap(set_on_disk(
            &out.path().join("rss.xml"),
            &body,
            Some(state.store()),
        ));
        let etag = format!("\"{hash}\"");
        for (method, headers, status, coding, suffix) in [
            (Method::GET, &[][..], 200, "", ""),
            (Method::HEAD, &[][..], 200, "", ""),
            (
                Method::GET,
                &[("if-none-match", etag.as_str())][..],
                304,
                "",
                "",
            ),
            (
                Method::GET,
                &[("if-modified-since", "Tue, 14 Nov 2023 22:13:20 GMT")][..],
                304,
                "",
                "",
            ),
            (
                Method::GET,
                &[("accept-encoding", "gzip")][..],
                200,
                "gzip",
                "-gzip",
            ),
            (
                Method::HEAD,
                &[("accept-encoding", "gzip")][..],
                200,
                "gzip",
                "-gzip",
            ),
            (
                Method::GET,
                &[("accept-encoding", "gzip, br")][..],
                200,
                "br",
                "-br",
            ),
            (
                Method::GET,
                &[
                    ("accept-encoding", "br"),
                    ("if-none-match", &format!("\"{hash}-br\"")),
                ][..],
                304,
                "br",
                "-br",
            ),
        ] {
            let case = format!("{method} {headers:?}");
            let got = ask(|| state.load(), method.clone(), headers).await.unwrap();
            assert_eq!(got.status.as_u16(), status, "{case}");
            assert_eq!(
                got.header(header::ETAG),
                format!("\"{hash}{suffix}\""),
                "{case}"
            );
            assert_eq!(
                got.header(header::LAST_MODIFIED),
                "Tue, 14 Nov 2023 22:13:20 GMT",
                "{case}"
            );
            let sent = got.body.as_ref().unwrap();
            if status == 304 || method == Method::HEAD {
                assert!(sent.is_empty(), "{case}");
            } else {
                assert_eq!(decoded(coding, sent), body, "{case}");
            }
            if status == 200 {
                assert_eq!(got.header(header::CONTENT_ENCODING), coding, "{case}");
                let length: usize = got.header(header::CONTENT_LENGTH).parse().unwrap();
                if method == Method::GET {
                    assert_eq!(length, sent.len(), "{case}");
                } else {
                    let get = ask(|| state.load(), Method::GET, headers).await.unwrap();
                    assert_eq!(length, get.body.unwrap().len(), "{case}");
                }
            }
        }
    }

    #[tokio::test]
    async fn a_file_replaced_after_its_set_was_loaded_is_answered_from_the_set_loaded_again() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("rss.xml");
        let older = Arc::new(set_on_disk(&path, b"<rss>older</rss>", None));
        // A newer build renamed its file over the older one after the request loaded the
        // older set, then swapped its own set in.
        let newer_body = b"<rss>the newer build</rss>";
        let newer = Arc::new(set_on_disk(&path, newer_body, None));
        let mut loads = 0;
        let load = || {
            loads += 1;
            arc_swap::Guard::from_inner(Arc::clone(if loads == 1 { &older } else { &newer }))
        };
        let got = ask(load, Method::GET, &[]).await.unwrap();
        assert_eq!(loads, 2);
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(
            got.header(header::ETAG),
            format!("\"{}\"", body_hash(newer_body))
        );
        assert_eq!(
            got.header(header::CONTENT_LENGTH),
            newer_body.len().to_string()
        );
        assert_eq!(got.body.unwrap(), &newer_body[..]);
    }

    #[tokio::test]
    async fn a_variant_removed_from_the_store_is_answered_from_the_set_loaded_again() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("rss.xml");
        let state = State::new(Served::default(), Store::new().unwrap());
        let first = feed(1);
        state.swap(set_on_disk(&path, &first, Some(state.store())));
        let held = state.load_full();
        // Two builds later the first set's variants are gone from the store.
        let second = feed(2);
        state.swap(set_on_disk(&path, &second, Some(state.store())));
        state.remove_unheld_variants().unwrap();
        let third = feed(3);
        state.swap(set_on_disk(&path, &third, Some(state.store())));
        state.remove_unheld_variants().unwrap();
        let mut loads = 0;
        let load = || {
            loads += 1;
            if loads == 1 {
                arc_swap::Guard::from_inner(Arc::clone(&held))
            } else {
                state.load()
            }
        };
        let got = ask(load, Method::GET, &[("accept-encoding", "br")])
            .await
            .unwrap();
        assert_eq!(loads, 2);
        assert_eq!(
            got.header(header::ETAG),
            format!("\"{}-br\"", body_hash(&third))
        );
        assert_eq!(decoded("br", &got.body.unwrap()), third);
    }

    #[tokio::test]
    async fn a_file_that_stays_gone_is_given_up_on() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("rss.xml");
        let state = State::new(set_on_disk(&path, b"<rss/>", None), Store::new().unwrap());
        std::fs::remove_file(&path).unwrap();
        let mut loads = 0;
        let load = || {
            loads += 1;
            state.load()
        };
        let err = ask(load, Method::GET, &[]).await.err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(loads, ANSWER_ATTEMPTS);
        // HEAD and 304 open nothing, so they are answered.
        let head = ask(|| state.load(), Method::HEAD, &[]).await.unwrap();
        assert_eq!(head.status, StatusCode::OK);
        let unavailable = http::unavailable(&Method::GET);
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.headers()[header::RETRY_AFTER], "1");
    }
}
