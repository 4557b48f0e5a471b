//! A WebSub hub on loopback for the ping tests: a small HTTP/1.1 server that records each
//! request and checks it as a hub would (POST, a form body labelled
//! `application/x-www-form-urlencoded`, `hub.mode=publish`, a `hub.url` that is one of the
//! collection's feed URLs, and `hub.topic`, when sent, the same URL).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the hub has seen.
#[derive(Default)]
struct Seen {
    /// The `hub.url` of each well-formed ping, in arrival order.
    topics: Vec<String>,
    /// What was wrong with each request that was not a well-formed ping.
    problems: Vec<String>,
}

/// A running hub; it stops taking connections when the test ends.
pub(crate) struct Hub {
    /// `http://127.0.0.1:PORT/hub`.
    pub(crate) url: String,
    seen: Arc<Mutex<Seen>>,
}

impl Hub {
    /// A hub that accepts pings for `feeds` (their public URLs), answering 202 to each, or
    /// `answer` (status line and body) when given.
    pub(crate) fn start(feeds: BTreeSet<String>, answer: Option<(&str, &str)>) -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the hub");
        let url = format!(
            "http://{}/hub",
            listener.local_addr().expect("the hub's address")
        );
        let seen = Arc::new(Mutex::new(Seen::default()));
        let feeds = Arc::new(feeds);
        let answer = answer.map(|(status, body)| (status.to_string(), body.to_string()));
        let shared = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (seen, feeds, answer) =
                    (Arc::clone(&shared), Arc::clone(&feeds), answer.clone());
                thread::spawn(move || serve(stream, &seen, &feeds, answer.as_ref()));
            }
        });
        Hub { url, seen }
    }

    /// The `hub.url` of every well-formed ping so far; panics if any request was not one.
    pub(crate) fn topics(&self) -> Vec<String> {
        let seen = self.seen.lock().expect("hub lock");
        assert!(
            seen.problems.is_empty(),
            "the hub got bad requests:\n{}",
            seen.problems.join("\n")
        );
        seen.topics.clone()
    }

    /// Waits until `count` pings arrived (panics after `timeout`), then returns them all.
    pub(crate) fn wait_for(&self, count: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let topics = self.topics();
            if topics.len() >= count {
                return topics;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} pings arrived: {topics:#?}",
                topics.len()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A hub URL where a listener accepts connections and never answers; it lives as long as
/// the returned listener.
pub(crate) fn silent_hub() -> (String, TcpListener) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the silent hub");
    let url = format!(
        "http://{}/hub",
        listener.local_addr().expect("the silent hub's address")
    );
    (url, listener)
}

/// A hub URL at a loopback port nothing listens on (bound, then closed).
pub(crate) fn closed_hub() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let addr = listener.local_addr().expect("the port's address");
    drop(listener);
    format!("http://{addr}/hub")
}

/// Answers each request of one connection (a client may send several) until it closes.
fn serve(
    stream: TcpStream,
    seen: &Mutex<Seen>,
    feeds: &BTreeSet<String>,
    answer: Option<&(String, String)>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = stream.try_clone().expect("clone the stream");
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut content_type = None;
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-type" => content_type = Some(value.trim().to_string()),
                "content-length" => length = value.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let verdict = check(&request_line, content_type.as_deref(), &body, feeds);
        let mut seen = seen.lock().expect("hub lock");
        let problem = match verdict {
            Ok(topic) => {
                seen.topics.push(topic);
                false
            }
            Err(problem) => {
                seen.problems.push(problem);
                true
            }
        };
        drop(seen);
        let (status, text) = match (problem, answer) {
            (true, _) => ("400 Bad Request", ""),
            (false, Some((status, text))) => (status.as_str(), text.as_str()),
            (false, None) => ("202 Accepted", ""),
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// The topic of a well-formed ping, or what is wrong with the request.
fn check(
    request_line: &str,
    content_type: Option<&str>,
    body: &[u8],
    feeds: &BTreeSet<String>,
) -> Result<String, String> {
    let request_line = request_line.trim_end();
    if !request_line.starts_with("POST /hub ") {
        return Err(format!("not a POST to /hub: {request_line}"));
    }
    let media_type = content_type
        .and_then(|t| t.split(';').next())
        .map(str::trim);
    if media_type != Some("application/x-www-form-urlencoded") {
        return Err(format!("content type {content_type:?}"));
    }
    let body = std::str::from_utf8(body).map_err(|_| "a body that is not UTF-8".to_string())?;
    let fields: Vec<(String, String)> = body
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect();
    let values = |name: &str| -> Vec<&str> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    if values("hub.mode") != ["publish"] {
        return Err(format!("hub.mode is not publish, once: {body}"));
    }
    let [topic] = values("hub.url")[..] else {
        return Err(format!("not one hub.url: {body}"));
    };
    if !feeds.contains(topic) {
        return Err(format!("hub.url {topic} is none of the collection's feeds"));
    }
    if values("hub.topic").iter().any(|t| *t != topic) {
        return Err(format!("hub.topic is not hub.url: {body}"));
    }
    Ok(topic.to_string())
}

/// A name or value of an `application/x-www-form-urlencoded` body (WHATWG URL §5.1).
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
