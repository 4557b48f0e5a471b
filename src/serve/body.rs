//! Serve stage, response bodies: a [`Payload`] sent as frames, its length known up front.
//!
//! In: the body [`respond`](super::http::respond) chose, unopened; for a file, `serve::handle`
//! then opens it ([`PayloadBody::open`]) and checks that it is the very file the set refers to.
//! Out: frames of at most 64 KiB. A body that cannot be sent whole ends with an error, never
//! early: hyper then closes the connection, so the client sees fewer bytes than
//! `Content-Length` promised instead of a short body passed off as complete.

use std::fs::File;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};

use super::state::{OnDisk, Payload};
use crate::pipeline::parts::Parts;

/// The most read from a file for one frame.
const FRAME: u64 = 64 * 1024;

/// A response body: a [`Payload`] sent in one frame, or read from its file frame by frame.
#[derive(Debug)]
pub struct PayloadBody {
    source: Source,
    /// Bytes not sent yet.
    remaining: u64,
}

#[derive(Debug)]
enum Source {
    /// In memory, until sent.
    Memory(Bytes),
    /// A file not opened yet: nothing can be sent until it is.
    Unopened(OnDisk),
    /// A file opened and checked.
    Open(File),
    /// Parts, read on from the offset.
    Parts(Parts, u64),
    /// Everything sent, or the body failed.
    Done,
}

impl PayloadBody {
    pub fn new(payload: Payload) -> PayloadBody {
        let remaining = payload.len();
        let source = match payload {
            Payload::File(file) => Source::Unopened(file),
            Payload::Whole(bytes) => Source::Memory(bytes),
            Payload::Parts(parts) => Source::Parts(parts, 0),
        };
        PayloadBody { source, remaining }
    }

    pub fn empty() -> PayloadBody {
        PayloadBody::new(Payload::Whole(Bytes::new()))
    }

    /// Opens the body's file, if it has one not yet opened, and checks on the open file that
    /// it is the one the body was made from (see [`OnDisk::check`]): a file renamed over it or
    /// removed since is an error, of kind [`io::ErrorKind::NotFound`].
    pub fn open(&mut self) -> io::Result<()> {
        let Source::Unopened(on_disk) = &self.source else {
            return Ok(());
        };
        // Checked on the open file, not on the path: a rename between a check and an open
        // would go unnoticed, while the open file's bytes can no longer change (nothing
        // rewrites an output in place).
        let file = File::open(&on_disk.path)?;
        on_disk.check(&file.metadata()?)?;
        self.source = Source::Open(file);
        Ok(())
    }
}

impl PayloadBody {
    /// The whole body, read now from memory or from its opened file: for a page `serve`
    /// changes before it sends it (see [`super::live`]). A file that ends before the length
    /// it was indexed with is an error, as when it is sent.
    pub fn into_bytes(self) -> io::Result<Bytes> {
        match self.source {
            Source::Memory(bytes) => Ok(bytes),
            Source::Done => Ok(Bytes::new()),
            Source::Parts(parts, mut at) => {
                let mut bytes = Vec::new();
                while at < parts.len() {
                    let remaining = parts.len() - at;
                    let frame = read_parts_frame(&parts, &mut at, remaining)?;
                    bytes.extend_from_slice(&frame);
                }
                Ok(Bytes::from(bytes))
            }
            Source::Unopened(file) => Err(io::Error::other(format!(
                "{} was not opened before its body was read",
                file.path.display()
            ))),
            Source::Open(file) => {
                let capacity = usize::try_from(self.remaining).unwrap_or(0);
                let mut bytes = Vec::with_capacity(capacity);
                file.take(self.remaining).read_to_end(&mut bytes)?;
                if (bytes.len() as u64) < self.remaining {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the file ended {} bytes before its length",
                            self.remaining - bytes.len() as u64
                        ),
                    ));
                }
                Ok(Bytes::from(bytes))
            }
        }
    }
}

impl hyper::body::Body for PayloadBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let frame = match &mut this.source {
            Source::Memory(bytes) if !bytes.is_empty() => Some(Ok(std::mem::take(bytes))),
            Source::Open(file) if this.remaining > 0 => Some(read_frame(file, this.remaining)),
            Source::Parts(parts, at) if this.remaining > 0 => {
                Some(read_parts_frame(parts, at, this.remaining))
            }
            Source::Unopened(file) if this.remaining > 0 => Some(Err(io::Error::other(format!(
                "{} was not opened before its body was sent",
                file.path.display()
            )))),
            Source::Memory(_)
            | Source::Open(_)
            | Source::Parts(..)
            | Source::Unopened(_)
            | Source::Done => None,
        };
        match frame {
            Some(Ok(data)) => {
                this.remaining = this.remaining.saturating_sub(data.len() as u64);
                if this.remaining == 0 {
                    // Closes the file now rather than when hyper drops the body.
                    this.source = Source::Done;
                }
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Some(Err(err)) => {
                this.source = Source::Done;
                Poll::Ready(Some(Err(err)))
            }
            None => {
                this.source = Source::Done;
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// The next frame of an open file, `remaining` bytes of it still to send. Read synchronously,
/// on the runtime's thread: from the page cache 64 KiB take microseconds, where `tokio::fs`
/// would hand every read to a blocking thread and back. A file that ends early (outputs are
/// replaced only by renames, never cut short in place, but a disk can fail) is an error.
fn read_frame(file: &mut File, remaining: u64) -> io::Result<Bytes> {
    let want = usize::try_from(remaining.min(FRAME)).expect("at most 64 KiB fits in usize");
    let mut buffer = vec![0; want];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the file ended {remaining} bytes before its length"),
                ))
            }
            Ok(read) => {
                buffer.truncate(read);
                return Ok(Bytes::from(buffer));
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// The next frame of `parts` from `at` on, at most `remaining` bytes; `at` moves past it.
fn read_parts_frame(parts: &Parts, at: &mut u64, remaining: u64) -> io::Result<Bytes> {
    let want = usize::try_from(remaining.min(FRAME)).expect("at most 64 KiB fits in usize");
    let mut buffer = vec![0; want];
    let read = parts.read_at(*at, &mut buffer)?;
    if read == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the calendar ended {remaining} bytes before its length"),
        ));
    }
    buffer.truncate(read);
    *at += read as u64;
    Ok(Bytes::from(buffer))
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};

    use http_body_util::BodyExt;
    use hyper::body::Body as _;

    use super::*;

    const LEN: usize = 3 * 64 * 1024 + 100;

    /// A body on a file of [`LEN`] bytes, opened, and the file.
    fn opened(dir: &std::path::Path) -> (PayloadBody, File) {
        let path = dir.join("calendar.ics");
        std::fs::write(&path, vec![b'v'; LEN]).unwrap();
        let on_disk = OnDisk::stat(path.clone(), LEN as u64).unwrap();
        let mut body = PayloadBody::new(Payload::File(on_disk));
        body.open().unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        (body, file)
    }

    #[tokio::test]
    async fn a_file_is_sent_whole_in_frames_of_64_kib() {
        let dir = tempfile::tempdir().unwrap();
        let (mut body, _) = opened(dir.path());
        let mut sizes = Vec::new();
        while let Some(frame) = body.frame().await {
            sizes.push(frame.unwrap().into_data().unwrap().len());
        }
        assert_eq!(sizes, [65_536, 65_536, 65_536, 100]);
        assert!(body.is_end_stream());
    }

    #[tokio::test]
    async fn a_file_that_ends_early_ends_the_body_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (body, file) = opened(dir.path());
        // Cut short after it was opened (a failing disk; builds never rewrite in place).
        file.set_len(100_000).unwrap();
        let err = body
            .collect()
            .await
            .expect_err("an error, not a short body");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn an_unopened_file_is_never_sent_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rss.xml");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(b"<rss/>")
            .unwrap();
        let body = PayloadBody::new(Payload::File(OnDisk::stat(path, 6).unwrap()));
        assert!(body.collect().await.is_err());
    }

    #[tokio::test]
    async fn a_client_sees_a_body_that_failed_as_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let (body, file) = opened(dir.path());
        let body = std::sync::Mutex::new(Some(body));
        let service = hyper::service::service_fn(move |_request| {
            let body = body.lock().unwrap().take().expect("one request");
            let mut response = hyper::Response::new(body);
            response
                .headers_mut()
                .insert(hyper::header::CONTENT_LENGTH, LEN.into());
            std::future::ready(Ok::<_, std::convert::Infallible>(response))
        });
        file.set_len(100_000).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let mut stream = std::net::TcpStream::connect(address).unwrap();
            stream
                .write_all(b"GET /calendar.ics HTTP/1.1\r\nHost: a\r\n\r\n")
                .unwrap();
            let mut received = Vec::new();
            // Closed by the server: the end, or a reset.
            let _ = stream.read_to_end(&mut received);
            received
        });
        let (stream, _) = listener.accept().await.unwrap();
        let served = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
        assert!(served.is_err(), "the connection ends in an error");
        let received = tokio::task::spawn_blocking(move || client.join().unwrap())
            .await
            .unwrap();
        // Whatever hyper had flushed before the error, then the close: never the whole length.
        let text = String::from_utf8_lossy(&received);
        if let Some((head, sent)) = text.split_once("\r\n\r\n") {
            assert!(head.contains(&format!("content-length: {LEN}")), "{head}");
            assert!(sent.len() < LEN, "{} bytes sent", sent.len());
        }
    }
}
