//! Serve stage, HTTP semantics: one request and the current [`Served`] set -> one response.
//!
//! Routing is an exact lookup of the request path in the set (never a file-system path, so no
//! spelling of `..` can reach another file); conditional requests (RFC 9110 13), `HEAD`,
//! content coding (gzip, brotli) chosen from `Accept-Encoding` (RFC 9110 12.5.3), media types,
//! CORS for web-based readers and cache headers. Must not do I/O: connections, time-outs,
//! logging and opening a body's file ([`PayloadBody::open`]) belong to the caller, so the
//! answer only describes its body.

use std::time::SystemTime;

use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::http::uri::Authority;
use hyper::{Method, Response, StatusCode, Version};

pub use super::body::PayloadBody;
use super::state::{http_date, Payload, Resource, Served, Variant};

/// Feeds are polled every few minutes to every few hours; a minute of freshness lets caches
/// answer bursts while an edit still reaches every reader on its next poll, and a stale copy
/// costs only a conditional request.
const CACHE_CONTROL: HeaderValue = HeaderValue::from_static("public, max-age=60");
const ALLOW: HeaderValue = HeaderValue::from_static("GET, HEAD, OPTIONS");
const ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
const VARY: HeaderValue = HeaderValue::from_static("Accept-Encoding");

/// The parts of a request that decide the response.
#[derive(Debug)]
pub struct RequestHead<'a> {
    pub method: &'a Method,
    pub version: Version,
    /// The path of the request target, as sent (no query).
    pub path: &'a str,
    pub headers: &'a HeaderMap,
}

/// Answers one request from `served`. `now` is the clock at the time of the response, used
/// only to keep `Last-Modified` from lying in the future (RFC 9110 8.8.2.1). A body on disk is
/// left unopened (see [`PayloadBody::open`]); `HEAD` and 304 answers have none.
pub fn respond(served: &Served, request: &RequestHead, now: SystemTime) -> Response<PayloadBody> {
    if let Some(answered) = answer_before_lookup(request, |path| served.get(path).is_some()) {
        return answered;
    }
    let target = match served.get(request.path) {
        Some(resource) => Target::Found(resource),
        None => match folder_of(served, request.path) {
            Some(folder) => Target::MovedTo(folder),
            None => Target::Refused(StatusCode::NOT_FOUND, "not found\n"),
        },
    };
    respond_with(target, request, now)
}

/// What a `GET` or `HEAD` request's path names.
#[derive(Debug)]
pub enum Target<'a> {
    Found(&'a Resource),
    /// 301 to this path, one that stays on this server and is a valid header value.
    MovedTo(String),
    /// This status, with this short text (which names nothing from the request).
    Refused(StatusCode, &'static str),
}

/// The answer to a request that is made before its path is looked up: 400 for a bad `Host`,
/// the answer to `OPTIONS` (`known` tells whether a path answers), 405 for any method but
/// `GET` and `HEAD`; `None` for a `GET` or `HEAD` to be answered with [`respond_with`].
pub fn answer_before_lookup(
    request: &RequestHead,
    known: impl FnOnce(&str) -> bool,
) -> Option<Response<PayloadBody>> {
    let method = request.method;
    if !host_is_valid(request.headers, request.version) {
        let mut response = plain(
            StatusCode::BAD_REQUEST,
            "bad request: one valid Host header is required\n",
            method,
        );
        // The request may be a smuggling attempt; nothing after it on the connection is read.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return Some(response);
    }
    if method == Method::OPTIONS {
        return Some(preflight(request.path == "*" || known(request.path)));
    }
    if method != Method::GET && method != Method::HEAD {
        let mut response = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed\n",
            method,
        );
        response.headers_mut().insert(header::ALLOW, ALLOW);
        return Some(response);
    }
    None
}

/// Answers a `GET` or `HEAD` request (one [`answer_before_lookup`] left) for `target`: a
/// resource with its validators, cache and CORS headers, conditional answers and content
/// coding, or a redirect, or an error. `now` as in [`respond`].
pub fn respond_with(
    target: Target,
    request: &RequestHead,
    now: SystemTime,
) -> Response<PayloadBody> {
    let method = request.method;
    let resource = match target {
        Target::Found(resource) => resource,
        Target::MovedTo(path) => return moved_to(path, method),
        Target::Refused(status, text) => return plain(status, text, method),
    };
    let (variant, coding) = choose_variant(resource, request.headers);
    // The date is from the data and may lie ahead of the clock; it must not be sent then.
    let (last_modified, last_modified_header) = if resource.last_modified <= now {
        (
            resource.last_modified,
            resource.last_modified_header.clone(),
        )
    } else {
        (now, http_date(now))
    };

    let mut response = Response::new(PayloadBody::empty());
    let headers = response.headers_mut();
    headers.insert(header::ETAG, variant.etag.clone());
    headers.insert(header::LAST_MODIFIED, last_modified_header);
    headers.insert(header::CACHE_CONTROL, CACHE_CONTROL);
    headers.insert(header::VARY, VARY);
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
    // ETag is not a CORS-safelisted response header; a web reader needs it to revalidate.
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("ETag"),
    );

    if not_modified(request.headers, &variant.etag, last_modified) {
        // 304 carries the validators and cache headers of the 200 it stands for, and no
        // content headers or body (RFC 9110 15.4.5).
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    headers.insert(header::CONTENT_TYPE, resource.content_type.clone());
    if let Some(link) = &resource.link {
        headers.insert(header::LINK, link.clone());
    }
    if let Some(coding) = coding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(variant.body.len()),
    );
    if method == Method::GET {
        *response.body_mut() = PayloadBody::new(variant.body.clone());
    }
    response
}

/// The answer when no set could be answered from (its files kept being replaced, or cannot be
/// opened): 503, to be asked again in a second (RFC 9110 15.6.4, 10.2.3).
pub fn unavailable(method: &Method) -> Response<PayloadBody> {
    let mut response = plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "service unavailable: try again in a second\n",
        method,
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The answer when a document could not be rendered (the caller logs why): 500.
pub fn failed(method: &Method) -> Response<PayloadBody> {
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal server error\n",
        method,
    )
}

/// RFC 9112 3.2: an HTTP/1.1 request must carry exactly one `Host` header, and no request may
/// carry two or an invalid one (`uri-host [ ":" port ]`, RFC 9110 7.2); an empty value is
/// allowed. HTTP/1.0 requests may omit it.
fn host_is_valid(headers: &HeaderMap, version: Version) -> bool {
    let mut hosts = headers.get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) => matches!(version, Version::HTTP_09 | Version::HTTP_10),
        (Some(host), None) => host.is_empty() || is_uri_host_and_port(host.as_bytes()),
        (Some(_), Some(_)) => false,
    }
}

/// `uri-host [ ":" port ]` (RFC 3986 3.2.2, 3.2.3): an authority with no user information and
/// a port, if any, of digits (`Authority` itself accepts any port text and user information).
fn is_uri_host_and_port(value: &[u8]) -> bool {
    if value.contains(&b'@') {
        return false;
    }
    let Ok(authority) = Authority::try_from(value) else {
        return false;
    };
    let rest = authority
        .as_str()
        .strip_prefix(authority.host())
        .unwrap_or(":?");
    match rest.strip_prefix(':') {
        Some(port) => port.is_empty() || port.parse::<u16>().is_ok(),
        None => rest.is_empty(),
    }
}

/// The answer to a CORS preflight (Fetch standard, "CORS protocol"): a web reader that sends
/// `If-None-Match` or `If-Modified-Since` asks first.
fn preflight(known: bool) -> Response<PayloadBody> {
    if !known {
        return plain(StatusCode::NOT_FOUND, "not found\n", &Method::OPTIONS);
    }
    let mut response = Response::new(PayloadBody::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(header::ALLOW, ALLOW);
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("If-None-Match, If-Modified-Since"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

/// The folder a path without its final slash names (`/years/2025` for `/years/2025/`), when
/// the set serves that folder; static servers answer such a path with a redirect, so a link or
/// a typed address without the slash still reaches the page.
fn folder_of(served: &Served, path: &str) -> Option<String> {
    if path.ends_with('/') {
        return None;
    }
    let folder = format!("{path}/");
    served.get(&folder).map(|_| folder)
}

/// 301 to `path`: one of the set's own folders, or a filter's canonical path, a valid header
/// value and a path that stays on this server. The query, if any, is not carried (no output
/// reads one).
fn moved_to(path: String, method: &Method) -> Response<PayloadBody> {
    let mut response = plain(StatusCode::MOVED_PERMANENTLY, "moved permanently\n", method);
    if let Ok(location) = HeaderValue::try_from(path) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A short text answer for errors; `HEAD` gets the headers only.
fn plain(status: StatusCode, text: &'static str, method: &Method) -> Response<PayloadBody> {
    let body = if method == Method::HEAD {
        Bytes::new()
    } else {
        Bytes::from_static(text.as_bytes())
    };
    let mut response = Response::new(PayloadBody::new(Payload::Whole(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    response
}

/// RFC 9110 13.2.2: `If-None-Match` decides when present (weak comparison, 13.1.2);
/// otherwise `If-Modified-Since`, which is ignored when it does not parse as an HTTP date.
fn not_modified(headers: &HeaderMap, etag: &HeaderValue, last_modified: SystemTime) -> bool {
    let none_match: Vec<&HeaderValue> = headers.get_all(header::IF_NONE_MATCH).iter().collect();
    if !none_match.is_empty() {
        let ours = opaque_tag(etag.as_bytes());
        return none_match.iter().any(|value| {
            value
                .as_bytes()
                .split(|&b| b == b',')
                .map(<[u8]>::trim_ascii)
                .any(|tag| tag == b"*" || opaque_tag(tag) == ours)
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| httpdate::parse_http_date(value).ok())
        .is_some_and(|since| last_modified <= since)
}

/// An entity tag without its weakness indicator `W/`.
fn opaque_tag(tag: &[u8]) -> &[u8] {
    tag.strip_prefix(b"W/").unwrap_or(tag)
}

/// The smallest body the client accepts (brotli, then gzip, then identity), with its
/// `Content-Encoding`.
fn choose_variant<'a>(
    resource: &'a Resource,
    headers: &HeaderMap,
) -> (&'a Variant, Option<&'static str>) {
    if resource.br.is_none() && resource.gzip.is_none() {
        return (&resource.identity, None);
    }
    let accepted = AcceptEncoding::parse(headers);
    if let Some(br) = &resource.br {
        if accepted.accepts("br") {
            return (br, Some("br"));
        }
    }
    if let Some(gzip) = &resource.gzip {
        if accepted.accepts("gzip") || accepted.accepts("x-gzip") {
            return (gzip, Some("gzip"));
        }
    }
    (&resource.identity, None)
}

/// The codings of `Accept-Encoding` with their weights (RFC 9110 12.5.3). A coding is accepted
/// when it is listed with q > 0, or `*` is listed with q > 0 and the coding is not listed.
#[derive(Debug, Default)]
struct AcceptEncoding {
    /// (coding, lowercase) with whether its q is above zero.
    listed: Vec<(String, bool)>,
}

impl AcceptEncoding {
    fn parse(headers: &HeaderMap) -> AcceptEncoding {
        let mut listed = Vec::new();
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let mut params = item.split(';');
                let coding = params.next().unwrap_or("").trim().to_ascii_lowercase();
                if coding.is_empty() {
                    continue;
                }
                let positive = params
                    .filter_map(|p| p.split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                    // An unparsable weight counts as 1, the default.
                    .is_none_or(|(_, q)| q.trim().parse::<f32>().map_or(true, |q| q > 0.0));
                listed.push((coding, positive));
            }
        }
        AcceptEncoding { listed }
    }

    fn accepts(&self, coding: &str) -> bool {
        let find = |name: &str| self.listed.iter().find(|(c, _)| c == name).map(|(_, p)| *p);
        find(coding).or_else(|| find("*")).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use http_body_util::BodyExt;

    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn resource(last_modified: SystemTime) -> Resource {
        let variant = |body: &'static str, etag: &'static str| Variant {
            body: Payload::Whole(Bytes::from_static(body.as_bytes())),
            etag: HeaderValue::from_static(etag),
        };
        Resource {
            content_type: HeaderValue::from_static("application/rss+xml; charset=utf-8"),
            last_modified,
            last_modified_header: http_date(last_modified),
            identity: variant("<rss/>", "\"id\""),
            gzip: Some(variant("gz", "\"id-gzip\"")),
            br: None,
            compressed: true,
            link: None,
        }
    }

    fn answer(
        served: &Served,
        method: Method,
        headers: &[(&str, &str)],
        now: SystemTime,
    ) -> Response<PayloadBody> {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        for (name, value) in headers {
            map.append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let head = RequestHead {
            method: &method,
            version: Version::HTTP_11,
            path: "/rss.xml",
            headers: &map,
        };
        respond(served, &head, now)
    }

    /// A `Full` body is ready at once: one poll yields it.
    fn body(response: Response<PayloadBody>) -> Bytes {
        use std::future::Future as _;
        let collected = response.into_body().collect();
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut collected = std::pin::pin!(collected);
        match collected.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(Ok(c)) => c.to_bytes(),
            _ => panic!("a full body is ready"),
        }
    }

    #[test]
    fn a_304_has_validators_and_no_content_headers() {
        let at = UNIX_EPOCH + 20_000 * DAY;
        let served = Served::single("/rss.xml", resource(at));
        let response = answer(
            &served,
            Method::GET,
            &[("if-none-match", "\"id\"")],
            at + DAY,
        );
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        let headers = response.headers();
        assert_eq!(headers[header::ETAG], "\"id\"");
        assert!(headers.contains_key(header::LAST_MODIFIED));
        assert!(headers.contains_key(header::CACHE_CONTROL));
        assert!(!headers.contains_key(header::CONTENT_TYPE));
        assert!(!headers.contains_key(header::CONTENT_LENGTH));
        assert!(body(response).is_empty());
    }

    #[test]
    fn a_folder_asked_without_its_slash_is_a_redirect_to_it() {
        let at = UNIX_EPOCH + 1000 * DAY;
        let served = Served::single("/years/2025/", resource(at));
        let ask = |path: &str, method: Method| {
            let map = with(header::HOST, "127.0.0.1:8080");
            let head = RequestHead {
                method: &method,
                version: Version::HTTP_11,
                path,
                headers: &map,
            };
            respond(&served, &head, at)
        };
        for method in [Method::GET, Method::HEAD] {
            let moved = ask("/years/2025", method);
            assert_eq!(moved.status(), StatusCode::MOVED_PERMANENTLY);
            assert_eq!(moved.headers()[header::LOCATION], "/years/2025/");
        }
        assert_eq!(ask("/years/2025/", Method::GET).status(), StatusCode::OK);
        for missing in ["/years/2024", "/years", "/years/2025//"] {
            let answer = ask(missing, Method::GET);
            assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{missing}");
            assert!(answer.headers().get(header::LOCATION).is_none());
        }
    }

    #[test]
    fn head_has_the_length_of_get_and_no_body() {
        let at = UNIX_EPOCH + 20_000 * DAY;
        let served = Served::single("/rss.xml", resource(at));
        let head = answer(&served, Method::HEAD, &[("accept-encoding", "gzip")], at);
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(head.headers()[header::CONTENT_LENGTH], "2");
        assert_eq!(head.headers()[header::CONTENT_ENCODING], "gzip");
        assert!(body(head).is_empty());
        let get = answer(&served, Method::GET, &[("accept-encoding", "gzip")], at);
        assert_eq!(body(get), "gz");
    }

    #[test]
    fn a_last_modified_ahead_of_the_clock_is_sent_as_now() {
        // RFC 9110 8.8.2.1: never later than the response's Date.
        let now = UNIX_EPOCH + 20_000 * DAY;
        let served = Served::single("/rss.xml", resource(now + DAY));
        let response = answer(&served, Method::GET, &[], now);
        assert_eq!(response.headers()[header::LAST_MODIFIED], http_date(now));
        let since = httpdate::fmt_http_date(now);
        let response = answer(&served, Method::GET, &[("if-modified-since", &since)], now);
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn issue_11_host_header_rules() {
        let at = UNIX_EPOCH + 20_000 * DAY;
        let served = Served::single("/rss.xml", resource(at));
        let status = |version: Version, hosts: &[&str]| {
            let mut headers = HeaderMap::new();
            for host in hosts {
                headers.append(header::HOST, HeaderValue::from_str(host).unwrap());
            }
            let head = RequestHead {
                method: &Method::GET,
                version,
                path: "/rss.xml",
                headers: &headers,
            };
            let response = respond(&served, &head, at);
            if response.status() == StatusCode::BAD_REQUEST {
                assert_eq!(response.headers()[header::CONNECTION], "close");
            }
            response.status().as_u16()
        };
        for (version, hosts, expected) in [
            (Version::HTTP_11, &[][..], 400),
            (
                Version::HTTP_11,
                &["127.0.0.1:8080", "127.0.0.1:8080"][..],
                400,
            ),
            (Version::HTTP_11, &["a", "b"][..], 400),
            (Version::HTTP_10, &["a", "b"][..], 400),
            (Version::HTTP_11, &["a b"][..], 400),
            (Version::HTTP_11, &["user@example.org"][..], 400),
            (Version::HTTP_11, &["example.org:port"][..], 400),
            (Version::HTTP_11, &["example.org/feeds"][..], 400),
            (Version::HTTP_11, &["example.org:99999"][..], 400),
            (Version::HTTP_11, &["example.org:"][..], 200),
            (Version::HTTP_11, &["127.0.0.1:8080"][..], 200),
            (Version::HTTP_11, &["[::1]:8080"][..], 200),
            (Version::HTTP_11, &["feeds.example.org"][..], 200),
            (Version::HTTP_11, &[""][..], 200),
            (Version::HTTP_10, &[][..], 200),
        ] {
            assert_eq!(status(version, hosts), expected, "{version:?} {hosts:?}");
        }
    }

    fn accept(value: &str) -> AcceptEncoding {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        AcceptEncoding::parse(&headers)
    }

    #[test]
    fn accept_encoding_weights() {
        let table = [
            ("gzip", "gzip", true),
            ("gzip, deflate, br", "br", true),
            ("GZIP", "gzip", true),
            ("gzip;q=0", "gzip", false),
            ("gzip; q=0.5", "gzip", true),
            ("*", "br", true),
            ("*;q=0", "gzip", false),
            ("*, gzip;q=0", "gzip", false),
            ("identity", "gzip", false),
            ("", "gzip", false),
        ];
        for (header, coding, expected) in table {
            assert_eq!(
                accept(header).accepts(coding),
                expected,
                "{header} / {coding}"
            );
        }
    }

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn if_none_match_forms() {
        let etag = HeaderValue::from_static("\"abc\"");
        let at = SystemTime::UNIX_EPOCH;
        for (value, expected) in [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"x\", \"abc\"", true),
            ("*", true),
            ("\"abd\"", false),
            ("abc", false),
        ] {
            let headers = with(header::IF_NONE_MATCH, value);
            assert_eq!(not_modified(&headers, &etag, at), expected, "{value}");
        }
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let etag = HeaderValue::from_static("\"abc\"");
        let mut headers = with(header::IF_NONE_MATCH, "\"other\"");
        headers.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Sun, 06 Nov 2050 08:49:37 GMT"),
        );
        assert!(!not_modified(&headers, &etag, SystemTime::UNIX_EPOCH));
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let etag = HeaderValue::from_static("\"abc\"");
        let at = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        for (value, expected) in [
            ("Sun, 06 Nov 1994 08:49:37 GMT", true),
            ("Sunday, 06-Nov-94 08:49:37 GMT", true),
            ("Sun Nov  6 08:49:37 1994", true),
            ("Sun, 06 Nov 1994 08:49:36 GMT", false),
            ("yesterday", false),
        ] {
            let headers = with(header::IF_MODIFIED_SINCE, value);
            assert_eq!(not_modified(&headers, &etag, at), expected, "{value}");
        }
    }
}
