//! The sidecar's connections: content goes from the page cache to the socket with
//! `sendfile(2)`, never through user space, while hyper keeps all of HTTP.
//!
//! # Why this is the fast path
//!
//! Reading a range into a buffer and writing it to the socket moves every byte through the
//! CPU twice (page cache to buffer, buffer to socket) and through its caches once more; on a
//! machine with fast loopback and memory that copy is what separates a server from nginx,
//! which serves files with `sendfile` (`sendfile on`). A memory map written to the socket saves
//! one copy but pays page-table work for every range. `sendfile` has the kernel pass the
//! file's cached pages to the socket itself: the server's CPU is spent on HTTP alone.
//! `scripts/sidecar-benchmark.sh` measures the server CPU per GB of both ways (with
//! `BASELINE_SIDECAR_BIN` set to a sidecar from before) against nginx's, in
//! `docs/benchmarks.md`.
//!
//! # How it works under hyper
//!
//! hyper has no way to hand a file to the socket (its body frames are buffers; see
//! hyperium/hyper#3026), which is why tower-http's `ServeFile` and hyper-staticfile read files
//! into buffers. The way around it here is at the connection, below hyper.
//!
//! A content body is one frame: a [`Bytes`] over the item's memory map
//! ([`crate::blob_store::MappedBlob::frame`]). This stream says it writes vectored, so hyper
//! queues body frames as buffers of their own rather than copying them into its write buffer,
//! and hands them to [`AsyncWrite::poll_write_vectored`] as they are. There, a buffer that lies
//! in a mapping ([`crate::blob_store::file_region`]) is sent with `sendfile` from the mapped
//! file at the same offset; anything else (heads, other bodies) is written as usual. Partial
//! writes are hyper's to track, as for any write. Ranges, heads, keep-alive and pipelining are
//! all hyper's: nothing about HTTP changes.
//!
//! The head before a content frame goes with `MSG_MORE`: the kernel holds it back so that it
//! leaves in one segment with the frame's first bytes, as nginx corks its headers before
//! `sendfile` (`tcp_nopush on`). A frame whose pages were cut off the file by another process
//! sends fewer bytes, then none, and hyper closes the connection: the mapping itself is never
//! read here.
//!
//! A write that waits longer than the send timeout for the client to take more fails, and hyper
//! closes the connection (nginx's `send_timeout`): a client that stops reading holds neither
//! the connection nor its item's mapping past it.

use crate::blob_store::file_region;
use prometheus_client::metrics::counter::Counter;
use std::{
	future::Future,
	io::{self, IoSlice},
	net::SocketAddr,
	os::fd::AsFd,
	pin::Pin,
	task::{ready, Context, Poll},
	time::Duration,
};
use tokio::{
	io::{AsyncRead, AsyncWrite, Interest, ReadBuf},
	net::{TcpListener, TcpStream},
	time::{Instant, Sleep},
};

/// The sidecar's listener: its connections send content frames with `sendfile`.
pub struct ContentListener {
	listener: TcpListener,
	bytes_served: Counter,
	send_timeout: Duration,
}

impl ContentListener {
	/// Serves on `listener`, counting the content bytes sent into `bytes_served`; a write that
	/// cannot go on for `send_timeout` fails.
	pub fn new(listener: TcpListener, bytes_served: Counter, send_timeout: Duration) -> Self {
		Self { listener, bytes_served, send_timeout }
	}

	/// The next connection, and its client's address.
	pub async fn accept(&mut self) -> (ContentStream, SocketAddr) {
		// axum's accept loop: it skips connections reset before they were taken, and backs off
		// (logging) when out of file descriptors.
		let (stream, peer) = axum::serve::Listener::accept(&mut self.listener).await;
		// Frames are large and heads go with MSG_MORE: nothing is left waiting for more.
		let _ = stream.set_nodelay(true);
		let stream = ContentStream {
			stream,
			bytes_served: self.bytes_served.clone(),
			send_timeout: self.send_timeout,
			stall_timer: Box::pin(tokio::time::sleep(self.send_timeout)),
			timer_set: false,
			waiting_since: None,
		};
		(stream, peer)
	}
}

/// A TCP connection that sends content frames with `sendfile`.
pub struct ContentStream {
	stream: TcpStream,
	bytes_served: Counter,
	send_timeout: Duration,
	/// Wakes the connection when a wait for the client may have lasted `send_timeout`. Set at
	/// most once per timeout, not at every wait: a busy connection waits for its client many
	/// times a second, and a clock read is cheaper than moving a timer.
	stall_timer: Pin<Box<Sleep>>,
	/// Whether `stall_timer` is set for a wait under way or one before it.
	timer_set: bool,
	/// When the write under way began to wait for the client.
	waiting_since: Option<Instant>,
}

impl ContentStream {
	/// Writes `bufs`: a content frame with `sendfile`, the head before one with `MSG_MORE`,
	/// anything else as it is.
	fn poll_write_bufs(
		&mut self,
		cx: &mut Context<'_>,
		bufs: &[IoSlice<'_>],
	) -> Poll<io::Result<usize>> {
		let first_content =
			bufs.iter().enumerate().find_map(|(at, buf)| Some((at, file_region(buf)?)));
		let Some((first_content, (blob, offset))) = first_content else {
			return Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
		};
		if first_content > 0 {
			// What precedes the content (a head): held back to leave with its first bytes.
			let head = &bufs[..first_content];
			return self.poll_send(cx, || {
				let flags = rustix::net::SendFlags::MORE | rustix::net::SendFlags::NOSIGNAL;
				let mut no_ancillary = rustix::net::SendAncillaryBuffer::default();
				Ok(rustix::net::sendmsg(&self.stream, head, &mut no_ancillary, flags)?)
			});
		}
		let content = &bufs[0];
		let sent = ready!(self.poll_send(cx, || {
			let mut at = offset;
			Ok(rustix::fs::sendfile(self.stream.as_fd(), &*blob, Some(&mut at), content.len())?)
		}))?;
		self.bytes_served.inc_by(sent as u64);
		Poll::Ready(Ok(sent))
	}

	/// Runs the non-blocking `send` when the socket is writable, until it does not block.
	fn poll_send(
		&self,
		cx: &mut Context<'_>,
		mut send: impl FnMut() -> io::Result<usize>,
	) -> Poll<io::Result<usize>> {
		loop {
			match self.stream.try_io(Interest::WRITABLE, &mut send) {
				Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
					ready!(self.stream.poll_write_ready(cx))?;
				}
				result => return Poll::Ready(result),
			}
		}
	}

	/// `write` as it is, unless it has waited for the client longer than the send timeout.
	fn bounded<T>(
		&mut self,
		cx: &mut Context<'_>,
		write: Poll<io::Result<T>>,
	) -> Poll<io::Result<T>> {
		if write.is_ready() {
			self.waiting_since = None;
			return write;
		}
		let since = *self.waiting_since.get_or_insert_with(Instant::now);
		let deadline = since + self.send_timeout;
		if !self.timer_set {
			self.timer_set = true;
			self.stall_timer.as_mut().reset(deadline);
		}
		// A timer set for an earlier wait runs out first: it is moved on to this one's end.
		while self.stall_timer.as_mut().poll(cx).is_ready() {
			if Instant::now() >= deadline {
				self.timer_set = false;
				self.waiting_since = None;
				return Poll::Ready(Err(io::Error::new(
					io::ErrorKind::TimedOut,
					format!("the client took nothing for {:?}", self.send_timeout),
				)));
			}
			self.stall_timer.as_mut().reset(deadline);
		}
		Poll::Pending
	}
}

impl AsyncWrite for ContentStream {
	fn poll_write(
		self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		buf: &[u8],
	) -> Poll<io::Result<usize>> {
		self.poll_write_vectored(cx, &[IoSlice::new(buf)])
	}

	fn poll_write_vectored(
		self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		bufs: &[IoSlice<'_>],
	) -> Poll<io::Result<usize>> {
		let this = self.get_mut();
		let write = this.poll_write_bufs(cx, bufs);
		this.bounded(cx, write)
	}

	fn is_write_vectored(&self) -> bool {
		// What makes hyper hand body frames over as they are (see the module docs).
		true
	}

	fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
		Pin::new(&mut self.get_mut().stream).poll_flush(cx)
	}

	fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
		Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
	}
}

impl AsyncRead for ContentStream {
	fn poll_read(
		self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		buf: &mut ReadBuf<'_>,
	) -> Poll<io::Result<()>> {
		Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
	}
}
