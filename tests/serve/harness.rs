//! Starts the built `chronicle serve` on a temporary copy of a collection, on a free loopback
//! port, and talks to it.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to start (a debug build compresses every output first).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a file edit may take to show up in what is served.
pub(crate) const REBUILD_TIMEOUT: Duration = Duration::from_secs(20);

use crate::common::copy_dir;
pub(crate) use crate::common::python;
pub(crate) use crate::common::repo_path;

/// A temporary folder holding `events/`, a copy of the repository's sample collection.
pub(crate) struct Project {
    pub(crate) dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn sample() -> Project {
        let project = Project {
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        copy_dir(&repo_path("events"), &project.events());
        project
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub(crate) fn events(&self) -> PathBuf {
        self.path("events")
    }

    pub(crate) fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative))
            .unwrap_or_else(|e| panic!("reading {relative}: {e}"))
    }

    /// Replaces a file's content the way an editor saving in place does.
    pub(crate) fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("file has a parent")).expect("create dirs");
        fs::write(path, text).expect("write file");
    }

    /// `chronicle <args>` in the project folder; panics unless it succeeds.
    pub(crate) fn chronicle(&self, args: &[&str]) -> Vec<u8> {
        let output = Command::new(env!("CARGO_BIN_EXE_chronicle"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .expect("run chronicle");
        assert!(
            output.status.success(),
            "chronicle {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// The collection's `base_url` from its settings.
    pub(crate) fn base_url(&self) -> String {
        let settings = self.read("events/chronicle.toml");
        let line = settings
            .lines()
            .find(|l| l.starts_with("base_url"))
            .expect("the sample sets base_url");
        line.split('"').nth(1).expect("quoted base_url").to_string()
    }

    /// `chronicle serve --events events --addr 127.0.0.1:0 <args>`, once it prints its URLs.
    /// Pages are sent as built (`--no-reload`), so what is served can be compared with a build.
    pub(crate) fn serve(&self, args: &[&str]) -> Server {
        Server::start(self.dir.path(), args, &[], false)
    }

    /// [`Project::serve`] with these variables set in the server's environment.
    pub(crate) fn serve_with_env(&self, args: &[&str], env: &[(&str, &Path)]) -> Server {
        Server::start(self.dir.path(), args, env, false)
    }

    /// [`Project::serve`] as a writer runs it: pages get the live-reload script.
    pub(crate) fn serve_live(&self, args: &[&str]) -> Server {
        Server::start(self.dir.path(), args, &[], true)
    }
}

/// A running server; killed when dropped.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, no final slash.
    pub(crate) origin: String,
    pub(crate) port: u16,
    /// Everything printed on stdout up to and including the last address (the subscribe page).
    pub(crate) stdout: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(dir: &Path, args: &[&str], env: &[(&str, &Path)], live: bool) -> Server {
        // A free loopback port unless the test gives its own address.
        let addr: &[&str] = if args.contains(&"--addr") {
            &[]
        } else {
            &["--addr", "127.0.0.1:0"]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_chronicle"))
            .args(["serve", "--events", "events"])
            .args(addr)
            .args(if live { None } else { Some("--no-reload") })
            .args(args)
            .envs(env.iter().copied())
            .current_dir(dir)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chronicle serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = BufReader::new(child.stderr.take().expect("piped stderr"));
        let sink = Arc::clone(&stderr);
        thread::spawn(move || {
            let mut line = String::new();
            while err_pipe.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().expect("stderr lock").push_str(&line);
                line.clear();
            }
        });
        let (lines, received) = mpsc::channel();
        let out_pipe = BufReader::new(child.stdout.take().expect("piped stdout"));
        thread::spawn(move || {
            for line in out_pipe.lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        let mut stdout = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match received.recv_timeout(left) {
                Ok(line) => {
                    stdout.push_str(&line);
                    stdout.push('\n');
                    if line.starts_with("Subscribe ") {
                        break;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    thread::sleep(Duration::from_millis(100));
                    panic!(
                        "chronicle serve did not print its URLs; stdout:\n{stdout}\nstderr:\n{}",
                        stderr.lock().expect("stderr lock")
                    );
                }
            }
        }
        let port = stdout
            .lines()
            .find_map(|l| l.strip_prefix("listening on http://127.0.0.1:"))
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("no listening line in:\n{stdout}"));
        Server {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            port,
            stdout,
            stderr,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr lock").clone()
    }

    /// Waits until stderr holds `needle`; panics after [`REBUILD_TIMEOUT`].
    pub(crate) fn wait_for_stderr(&self, needle: &str) {
        let deadline = Instant::now() + REBUILD_TIMEOUT;
        while !self.stderr().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "stderr never showed {needle:?}:\n{}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// GETs `path` until `ready` holds for the body; panics after [`REBUILD_TIMEOUT`].
    pub(crate) fn wait_for_body(&self, path: &str, ready: impl Fn(&str) -> bool) -> Reply {
        let deadline = Instant::now() + REBUILD_TIMEOUT;
        loop {
            let reply = get(&self.url(path), &[]);
            if ready(&reply.text()) {
                return reply;
            }
            assert!(
                Instant::now() < deadline,
                "{path} never changed as expected; stderr:\n{}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGTERM and waits (bounded) for the exit.
    pub(crate) fn terminate(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for chronicle") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "chronicle serve did not stop on SIGTERM"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names lowercase) and body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }
}

fn agent() -> ureq::Agent {
    // Redirects are answers to look at, not to follow.
    ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(30))
        .build()
}

fn reply(response: ureq::Response) -> Reply {
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .map(|name| {
            let value = response.header(&name).unwrap_or_default().to_string();
            (name.to_ascii_lowercase(), value)
        })
        .collect();
    let mut body = Vec::new();
    response
        .into_reader()
        .read_to_end(&mut body)
        .expect("read body");
    Reply {
        status,
        headers,
        body,
    }
}

/// Sends `method` to `url` with extra headers; any status is a reply.
pub(crate) fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = agent().request(method, url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    match request.call() {
        Ok(response) | Err(ureq::Error::Status(_, response)) => reply(response),
        Err(err) => panic!("{method} {url}: {err}"),
    }
}

pub(crate) fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    request("GET", url, headers)
}

/// Sends `head` as written (a request line and headers, no normalising client in between) and
/// returns the status code and the whole raw answer.
pub(crate) fn raw(port: u16, head: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set timeout");
    stream.write_all(head).expect("send request");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let status = answer
        .get(9..12)
        .and_then(|code| std::str::from_utf8(code).ok())
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {:?}", String::from_utf8_lossy(&answer)));
    (status, answer)
}

/// A GET of `target` exactly as written, on a connection that then closes.
pub(crate) fn raw_get(port: u16, target: &[u8]) -> (u16, Vec<u8>) {
    let mut head = b"GET ".to_vec();
    head.extend_from_slice(target);
    head.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    raw(port, &head)
}
