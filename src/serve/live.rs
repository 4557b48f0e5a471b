//! Serve stage, live reload: the pages open in a browser reload when a rebuild is served, and
//! show the collection's problems while an edit leaves it broken.
//!
//! Only `serve` does this, and only to the pages it sends: the built pages hold no script and
//! keep their Content Security Policy. A page sent by `serve` gets one external script,
//! [`SCRIPT_PATH`], and its policy (a `<meta http-equiv>`) lets that script and its connection
//! back to the server through (see [`inject`]). The script listens to [`EVENTS_PATH`], a
//! stream of Server-Sent Events (HTML Living Standard, "Server-sent events"):
//! - `hello`, first on every connection: the number of the build being served, so a page
//!   sent from an earlier one (the script tag carries its number) reloads;
//! - `built`: a new build is served; the page reloads;
//! - `broken`: the collection has errors, one per `data:` line; the page shows them over
//!   itself until the next `built`.
//!
//! A stream ends after a minute, before the server's connection lifetime, and the
//! browser opens the next one (a second later): no page holds a connection slot for good.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};
use tokio::sync::{mpsc, watch};

use super::body::PayloadBody;

/// The script every page `serve` sends loads.
pub const SCRIPT_PATH: &str = "/.chronicle/live.js";
/// The event stream the script listens to.
pub const EVENTS_PATH: &str = "/.chronicle/live";
/// How long one event stream lasts; the browser then opens another.
const STREAM_LIFETIME: Duration = Duration::from_secs(60);
/// How long the browser waits before it opens the next stream.
const RETRY_MS: u32 = 1000;

/// The script: no framework, no inline code (the page's policy allows only scripts of the
/// server's own). The problems are shown as text (`textContent`), never parsed as markup.
const SCRIPT: &str = r#"// chronicle serve: reloads this page when a new build is served, and shows the
// collection's problems while it has any. Only `chronicle serve` adds this script.
(() => {
  "use strict";
  // The build the page was sent from; a later one on connecting means one was missed.
  const first = document.currentScript.dataset.build;
  let panel = null;
  const source = new EventSource("/.chronicle/live");
  source.addEventListener("hello", (event) => {
    if (event.data !== first) {
      location.reload();
    }
  });
  source.addEventListener("built", () => location.reload());
  source.addEventListener("broken", (event) => {
    if (panel === null) {
      panel = document.createElement("pre");
      panel.id = "chronicle-problems";
      panel.setAttribute("role", "alert");
      panel.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;" +
        "margin:0;padding:1em;background:#2b0d0d;color:#fff;font:14px/1.4 monospace;" +
        "white-space:pre-wrap;z-index:2147483647;border-top:4px solid #e5484d";
      document.body.append(panel);
    }
    panel.textContent = "chronicle serve: the collection has errors; the last good build " +
      "is still served.\n\n" + event.data;
  });
})();
"#;

/// What the event streams tell: the build served and the problems since, if any.
#[derive(Debug, Clone, Default)]
struct Status {
    /// Counts the builds served, the first one being 0.
    build: u64,
    /// Each problem's text (as `check` prints it), while the collection has errors.
    problems: Arc<Vec<String>>,
    /// The server is stopping: every stream ends.
    closing: bool,
}

/// The live-reload side of a server: rebuilds report to it, event streams listen to it.
#[derive(Debug)]
pub struct Live {
    status: watch::Sender<Status>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            status: watch::Sender::new(Status::default()),
        }
    }
}

impl Live {
    /// A new build is served: every page reloads.
    pub fn built(&self) {
        self.status.send_modify(|status| {
            status.build += 1;
            status.problems = Arc::default();
        });
    }

    /// The collection has errors (and the last good build is still served): every page shows
    /// `problems`.
    pub fn broken(&self, problems: Vec<String>) {
        self.status
            .send_modify(|status| status.problems = Arc::new(problems));
    }

    /// The number of the build being served (the first is 0).
    pub fn build(&self) -> u64 {
        self.status.borrow().build
    }

    /// The server stops: every stream ends.
    pub fn close(&self) {
        self.status.send_modify(|status| status.closing = true);
    }

    /// The answer to the live-reload paths, or `None` for any other path.
    pub fn respond(&self, method: &Method, path: &str) -> Option<Response<LiveBody>> {
        let (content_type, body) = match path {
            SCRIPT_PATH => (
                "text/javascript; charset=utf-8",
                LiveBody::Script(Some(Bytes::from_static(SCRIPT.as_bytes()))),
            ),
            EVENTS_PATH => ("text/event-stream", LiveBody::Events(self.stream())),
            _ => return None,
        };
        let mut response = Response::new(body);
        if method != Method::GET && method != Method::HEAD {
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            *response.body_mut() = LiveBody::Script(None);
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return Some(response);
        }
        if method == Method::HEAD {
            *response.body_mut() = LiveBody::Script(None);
        }
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if path == SCRIPT_PATH {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(SCRIPT.len()));
        }
        Some(response)
    }

    /// A new event stream: `hello`, the problems if there are any, then every change.
    fn stream(&self) -> mpsc::Receiver<Bytes> {
        let (sender, receiver) = mpsc::channel(4);
        let mut status = self.status.subscribe();
        tokio::spawn(async move {
            let first = status.borrow_and_update().clone();
            let mut opening = format!("retry: {RETRY_MS}\n\n").into_bytes();
            opening.extend(event("hello", &[first.build.to_string()]));
            if !first.problems.is_empty() {
                opening.extend(event("broken", &first.problems));
            }
            if first.closing || sender.send(Bytes::from(opening)).await.is_err() {
                return;
            }
            let mut last = first;
            let end = tokio::time::sleep(STREAM_LIFETIME);
            let mut end = std::pin::pin!(end);
            loop {
                tokio::select! {
                    changed = status.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        let now = status.borrow_and_update().clone();
                        if now.closing {
                            return;
                        }
                        let message = if now.build != last.build {
                            event("built", &[now.build.to_string()])
                        } else if !Arc::ptr_eq(&now.problems, &last.problems)
                            && !now.problems.is_empty()
                        {
                            event("broken", &now.problems)
                        } else {
                            Vec::new()
                        };
                        last = now;
                        if !message.is_empty() && sender.send(Bytes::from(message)).await.is_err() {
                            return;
                        }
                    }
                    () = &mut end => return,
                    () = sender.closed() => return,
                }
            }
        });
        receiver
    }
}

/// One event: its name and one `data:` line per line of text. A line break inside a line
/// would end the field early, so carriage returns and line feeds become spaces.
fn event(name: &str, lines: &[String]) -> Vec<u8> {
    let mut text = format!("event: {name}\n");
    for line in lines {
        for part in line.split(['\r', '\n']) {
            text.push_str("data: ");
            text.push_str(part);
            text.push('\n');
        }
    }
    text.push('\n');
    text.into_bytes()
}

/// The body of a live-reload answer: the script, or an event stream.
#[derive(Debug)]
pub enum LiveBody {
    /// Sent in one frame (`None`: no body, or sent).
    Script(Option<Bytes>),
    /// Frames as events happen, until the stream ends.
    Events(mpsc::Receiver<Bytes>),
}

impl hyper::body::Body for LiveBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match &mut *self {
            LiveBody::Script(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            LiveBody::Events(receiver) => receiver
                .poll_recv(cx)
                .map(|message| message.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, LiveBody::Script(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            LiveBody::Script(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            LiveBody::Events(_) => SizeHint::default(),
        }
    }
}

/// Every body `serve` sends: a built output (or an error text), or a live-reload answer.
#[derive(Debug)]
pub enum AnyBody {
    Payload(PayloadBody),
    Live(LiveBody),
}

impl hyper::body::Body for AnyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            AnyBody::Payload(body) => Pin::new(body).poll_frame(cx),
            AnyBody::Live(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            AnyBody::Payload(body) => body.is_end_stream(),
            AnyBody::Live(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            AnyBody::Payload(body) => body.size_hint(),
            AnyBody::Live(body) => body.size_hint(),
        }
    }
}

/// The script tag a page sent from build `build` gets.
fn script_tag(build: u64) -> Vec<u8> {
    format!("<script src=\"{SCRIPT_PATH}\" data-build=\"{build}\"></script>").into_bytes()
}
/// Put first in each Content Security Policy of the page: the first of two same-named
/// directives is the one applied (CSP Level 3, 6.1 "parse a serialized CSP"), so these hold
/// whatever the rest of the policy says.
const POLICY_ADDITION: &[u8] = b"script-src 'self'; connect-src 'self'; ";
/// The same, for a value in single quotes: its quotes as character references.
const POLICY_ADDITION_IN_SINGLE_QUOTES: &[u8] =
    b"script-src &#39;self&#39;; connect-src &#39;self&#39;; ";

/// The page with the live-reload script: its tag just before `</head>` (else before `</body>`,
/// else at the end), and `script-src 'self'; connect-src 'self';` at the start of the
/// `content` of every `<meta http-equiv="Content-Security-Policy">` in the head, so the script
/// and its event stream may load. Searches are ASCII case-insensitive, as HTML tag names are;
/// the rest of the page is copied as it is.
pub fn inject(page: &[u8], build: u64) -> Vec<u8> {
    let tag = script_tag(build);
    let head_end = find(page, b"</head>", 0);
    let search_end = head_end.unwrap_or(page.len());
    let mut inserts: Vec<(usize, &[u8])> = policy_positions(&page[..search_end])
        .into_iter()
        .map(|(at, quote)| match quote {
            b'\'' => (at, POLICY_ADDITION_IN_SINGLE_QUOTES),
            _ => (at, POLICY_ADDITION),
        })
        .collect();
    let script_at = head_end
        .or_else(|| find(page, b"</body>", 0))
        .unwrap_or(page.len());
    inserts.push((script_at, &tag));
    inserts.sort_by_key(|(at, _)| *at);
    let added: usize = inserts.iter().map(|(_, bytes)| bytes.len()).sum();
    let mut out = Vec::with_capacity(page.len() + added);
    let mut copied = 0;
    for (at, bytes) in inserts {
        out.extend_from_slice(&page[copied..at]);
        out.extend_from_slice(bytes);
        copied = at;
    }
    out.extend_from_slice(&page[copied..]);
    out
}

/// Where each Content Security Policy's value starts: just after the opening quote of the
/// `content` attribute of a `<meta>` tag whose `http-equiv` is `Content-Security-Policy`;
/// and that quote. An unquoted `content` cannot be added to and is left as it is.
fn policy_positions(head: &[u8]) -> Vec<(usize, u8)> {
    let mut positions = Vec::new();
    let mut from = 0;
    while let Some(tag_start) = find(head, b"<meta", from) {
        let tag_end = find(head, b">", tag_start).unwrap_or(head.len());
        let tag = &head[tag_start..tag_end];
        from = tag_end;
        let names_policy = attribute(tag, b"http-equiv")
            .is_some_and(|value| value.eq_ignore_ascii_case(b"content-security-policy"));
        if !names_policy {
            continue;
        }
        let Some(value) = attribute_start(tag, b"content") else {
            continue;
        };
        if let Some(&quote @ (b'"' | b'\'')) = tag.get(value) {
            positions.push((tag_start + value + 1, quote));
        }
    }
    positions
}

/// The value of the attribute `name` in `tag` (without its quotes).
fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let start = attribute_start(tag, name)?;
    let (start, ends) = match tag.get(start) {
        Some(&quote @ (b'"' | b'\'')) => (start + 1, vec![quote]),
        _ => (start, vec![b' ', b'\t', b'\n', b'\r', b'\x0c', b'/', b'>']),
    };
    let value = &tag[start..];
    let end = value
        .iter()
        .position(|b| ends.contains(b))
        .unwrap_or(value.len());
    Some(&value[..end])
}

/// Where the value of the attribute `name` starts in `tag` (at its quote, if quoted): `name`
/// after white space, then `=`, white space allowed around it.
fn attribute_start(tag: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = find(tag, name, from) {
        from = at + 1;
        if !at
            .checked_sub(1)
            .is_some_and(|before| tag[before].is_ascii_whitespace())
        {
            continue;
        }
        let rest = &tag[at + name.len()..];
        let skip = |bytes: &[u8]| bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let equals = skip(rest);
        if rest.get(equals) != Some(&b'=') {
            continue;
        }
        let value = equals + 1 + skip(&rest[equals + 1..]);
        return Some(at + name.len() + value);
    }
    None
}

/// The first position of `needle` in `haystack` at or after `from`, ignoring ASCII case.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
        .map(|at| at + from)
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[test]
    fn the_script_goes_before_the_head_ends_and_every_policy_lets_it_load() {
        let page = concat!(
            "<!DOCTYPE html><html><HEAD><meta charset=\"utf-8\">",
            "<META HTTP-EQUIV=\"Content-Security-Policy\" content=\"default-src 'none'\">",
            "<meta content='script-src none' http-equiv='content-security-policy'>",
            "<meta name=\"description\" content=\"a Content-Security-Policy page\">",
            "<meta data-http-equiv=\"content-security-policy\" content=\"x\">",
            "<meta http-equiv = Content-Security-Policy data-content=\"y\" content = \"img-src *\">",
            "<title>t</title></head><body><p>&lt;/head&gt;</p></body></html>"
        );
        let injected = String::from_utf8(inject(page.as_bytes(), 7)).unwrap();
        assert_eq!(
            injected,
            concat!(
                "<!DOCTYPE html><html><HEAD><meta charset=\"utf-8\">",
                "<META HTTP-EQUIV=\"Content-Security-Policy\" content=\"script-src 'self'; ",
                "connect-src 'self'; default-src 'none'\">",
                "<meta content='script-src &#39;self&#39;; connect-src &#39;self&#39;; ",
                "script-src none' ",
                "http-equiv='content-security-policy'>",
                "<meta name=\"description\" content=\"a Content-Security-Policy page\">",
                "<meta data-http-equiv=\"content-security-policy\" content=\"x\">",
                "<meta http-equiv = Content-Security-Policy data-content=\"y\" content = \"",
                "script-src 'self'; connect-src 'self'; img-src *\">",
                "<title>t</title><script src=\"/.chronicle/live.js\" data-build=\"7\"></script>",
                "</head>",
                "<body><p>&lt;/head&gt;</p></body></html>"
            )
        );
    }

    #[test]
    fn a_page_without_a_head_gets_the_script_before_its_body_ends_or_at_its_end() {
        let tag = "<script src=\"/.chronicle/live.js\" data-build=\"0\"></script>";
        assert_eq!(
            inject(b"<p>a</p></body>", 0),
            format!("<p>a</p>{tag}</body>").as_bytes()
        );
        assert_eq!(inject(b"<p>a", 0), format!("<p>a{tag}").as_bytes());
        assert_eq!(inject(b"", 0), tag.as_bytes());
    }

    #[test]
    fn an_event_is_one_data_line_per_line_never_a_bare_line_break() {
        let text = event(
            "broken",
            &["a.md:1:1: error\r\nevent: built".into(), "b".into()],
        );
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "event: broken\ndata: a.md:1:1: error\ndata: \ndata: event: built\ndata: b\n\n"
        );
    }

    async fn next(body: &mut LiveBody) -> String {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("a frame in time")
            .expect("the stream goes on")
            .unwrap();
        String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_stream_says_hello_then_each_build_and_each_breakage() {
        let live = Live::default();
        live.built();
        live.broken(vec!["events/a.md:3:1: error: bad date".into()]);
        let mut body = live
            .respond(&Method::GET, EVENTS_PATH)
            .expect("the events path")
            .into_body();
        assert_eq!(
            next(&mut body).await,
            "retry: 1000\n\nevent: hello\ndata: 1\n\n\
             event: broken\ndata: events/a.md:3:1: error: bad date\n\n"
        );
        live.broken(vec!["x".into(), "y".into()]);
        assert_eq!(next(&mut body).await, "event: broken\ndata: x\ndata: y\n\n");
        live.built();
        assert_eq!(next(&mut body).await, "event: built\ndata: 2\n\n");
        live.close();
        let end = tokio::time::timeout(Duration::from_secs(5), body.frame()).await;
        assert!(
            matches!(end, Ok(None)),
            "the stream ends when the server stops"
        );
    }

    #[tokio::test]
    async fn the_script_is_served_and_other_paths_are_not_live_ones() {
        let live = Live::default();
        let response = live.respond(&Method::GET, SCRIPT_PATH).unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, SCRIPT.as_bytes());
        let head = live.respond(&Method::HEAD, SCRIPT_PATH).unwrap();
        assert_eq!(
            head.headers()[header::CONTENT_LENGTH],
            SCRIPT.len().to_string()
        );
        assert!(head
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .is_empty());
        let post = live.respond(&Method::POST, EVENTS_PATH).unwrap();
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(live.respond(&Method::GET, "/.chronicle/other").is_none());
        assert!(live.respond(&Method::GET, "/index.html").is_none());
    }
}
