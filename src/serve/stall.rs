//! Serve stage, slow readers: a connection's byte stream whose writes fail once the client has
//! taken no byte for a set time.
//!
//! In: a stream (the TCP connection) and the time allowed without progress. Out: the same
//! stream, its writes ending in a `TimedOut` error after that time without a byte accepted, so
//! hyper drops the connection and its slot; the connection is then reset rather than closed,
//! so the kernel drops what it still holds for the client instead of trying to send it on
//! (megabytes of a calendar, for minutes, per connection). A client that reads slowly but steadily keeps its
//! connection; one that stops reading (its receive window stays shut) loses it. Reads are not
//! timed here: hyper's `header_read_timeout` bounds the wait for a request. hyper has no write
//! time-out of its own, hence this wrapper.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// A stream that can be set to be reset, its unsent bytes dropped, when it is closed.
pub trait Abort {
    fn reset_on_close(&self);
}

impl Abort for tokio::net::TcpStream {
    fn reset_on_close(&self) {
        // SO_LINGER with a zero time-out: close sends RST and frees the send buffer. Failing
        // to set it leaves an ordinary close, which is fine too.
        let _ = self.set_zero_linger();
    }
}

/// A stream whose writes time out after `limit` without progress.
#[derive(Debug)]
pub struct StallGuard<T> {
    inner: T,
    limit: Duration,
    /// Armed when a write could not go on, disarmed when one does.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T: Abort> StallGuard<T> {
    pub fn new(inner: T, limit: Duration) -> StallGuard<T> {
        StallGuard {
            inner,
            limit,
            stalled: None,
        }
    }

    /// Passes a write's outcome on; while it is pending, the clock runs, and once `limit` has
    /// passed since the last progress the write fails.
    fn progress<R>(
        &mut self,
        outcome: Poll<io::Result<R>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<R>> {
        if outcome.is_ready() {
            self.stalled = None;
            return outcome;
        }
        let limit = self.limit;
        let deadline = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.inner.reset_on_close();
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the client took no byte for {limit:?}"),
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for StallGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Abort + Unpin> AsyncWrite for StallGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress(outcome, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let outcome = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(outcome, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    // Neither moves a byte (a TCP stream flushes and shuts down at once): they are not
    // progress, and do not stop the clock of a stalled write.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes `accepts` bytes, then none.
    struct Stops {
        accepts: usize,
        reset: std::cell::Cell<bool>,
    }

    impl Abort for Stops {
        fn reset_on_close(&self) {
            self.reset.set(true);
        }
    }

    impl AsyncWrite for Stops {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            if self.accepts == 0 {
                return Poll::Pending;
            }
            let n = buf.len().min(self.accepts);
            self.accepts -= n;
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn write(guard: &mut StallGuard<Stops>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        Pin::new(guard).poll_write(cx, b"abc")
    }

    #[tokio::test]
    async fn issue_9_a_write_fails_after_the_limit_without_progress() {
        let limit = Duration::from_millis(100);
        let stops = Stops {
            accepts: 4,
            reset: std::cell::Cell::new(false),
        };
        let mut guard = StallGuard::new(stops, limit);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(matches!(write(&mut guard, &mut cx), Poll::Ready(Ok(3))));
        tokio::time::sleep(limit * 3).await;
        // Progress after a long pause: no time-out; the clock starts at the next stall.
        assert!(matches!(write(&mut guard, &mut cx), Poll::Ready(Ok(1))));
        let stalled = tokio::time::Instant::now();
        assert!(write(&mut guard, &mut cx).is_pending());
        tokio::time::sleep(limit / 2).await;
        assert!(Pin::new(&mut guard).poll_flush(&mut cx).is_ready());
        assert!(write(&mut guard, &mut cx).is_pending());
        assert!(!guard.inner.reset.get());
        tokio::time::sleep_until(stalled + limit).await;
        match write(&mut guard, &mut cx) {
            Poll::Ready(Err(err)) => assert_eq!(err.kind(), io::ErrorKind::TimedOut),
            other => panic!("expected a time-out, got {other:?}"),
        }
        assert!(guard.inner.reset.get(), "the connection is to be reset");
    }
}
