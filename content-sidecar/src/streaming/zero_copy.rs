//! PROTOTYPE (issue 15): range bodies sent with sendfile(2) under hyper.
//!
//! A body frame is a `Bytes` over a memory map of the item that user space never reads. The
//! connection's stream (`ZeroCopyStream`) recognises such a slice among the buffers hyper hands
//! to `poll_write_vectored` (hyper queues body frames as their own iovecs when the stream
//! writes vectored) and sends those bytes with `sendfile` from the file instead: the page cache
//! goes to the socket without a copy through user space. Anything else is written as before.

use bytes::Bytes;
use std::{
	collections::BTreeMap,
	fs::File,
	io::{self, IoSlice},
	ops::Range,
	os::fd::AsFd,
	pin::Pin,
	sync::{Arc, Mutex, PoisonError},
	task::{ready, Context, Poll},
};
use tokio::{
	io::{AsyncRead, AsyncWrite, Interest, ReadBuf},
	net::{TcpListener, TcpStream},
};

/// Live mappings: start address → (length, the file mapped).
static MAPPINGS: Mutex<BTreeMap<usize, (usize, Arc<File>)>> = Mutex::new(BTreeMap::new());

fn mappings() -> std::sync::MutexGuard<'static, BTreeMap<usize, (usize, Arc<File>)>> {
	MAPPINGS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A whole-file mapping, registered while it lives.
pub(super) struct Mapping {
	map: memmap2::Mmap,
}

impl Mapping {
	fn new(file: Arc<File>) -> io::Result<Arc<Self>> {
		// SAFETY: content files are immutable once stored (written to a temp file, synced,
		// renamed); the bytes are only ever read by the kernel's sendfile, or by hyper if it
		// copies a frame, which for a file truncated behind the sidecar's back would fault.
		let map = unsafe { memmap2::Mmap::map(&*file)? };
		mappings().insert(map.as_ptr() as usize, (map.len(), file));
		Ok(Arc::new(Self { map }))
	}
}

impl Drop for Mapping {
	fn drop(&mut self) {
		mappings().remove(&(self.map.as_ptr() as usize));
	}
}

/// `range` of a mapping, as a frame's owner.
struct MappedRange(Arc<Mapping>, Range<usize>);

impl AsRef<[u8]> for MappedRange {
	fn as_ref(&self) -> &[u8] {
		&self.0.map[self.1.clone()]
	}
}

/// One frame of `range` of a mapping.
pub(super) fn mapped_frame(mapping: Arc<Mapping>, range: Range<u64>) -> Bytes {
	Bytes::from_owner(MappedRange(mapping, range.start as usize..range.end as usize))
}

/// Mappings kept per item (EXPERIMENT: no invalidation, no bound).
static CACHE: Mutex<BTreeMap<[u8; 32], (Arc<Mapping>, u64)>> = Mutex::new(BTreeMap::new());

/// The kept mapping of `id`, if any.
pub(super) fn cached(id: &pop_primitives::commitment::ContentId) -> Option<(Arc<Mapping>, u64)> {
	CACHE.lock().unwrap_or_else(PoisonError::into_inner).get(&id.0).cloned()
}

/// Maps `file` and keeps the mapping for `id`.
pub(super) fn cache(
	id: pop_primitives::commitment::ContentId,
	file: Arc<File>,
	size: u64,
) -> io::Result<Arc<Mapping>> {
	let mapping = Mapping::new(file)?;
	CACHE.lock().unwrap_or_else(PoisonError::into_inner).insert(id.0, (mapping.clone(), size));
	Ok(mapping)
}

/// The file and offset of `slice`, if it lies in a live mapping.
fn mapped(slice: &[u8]) -> Option<(Arc<File>, u64)> {
	let start = slice.as_ptr() as usize;
	let mappings = mappings();
	let (base, (length, file)) = mappings.range(..=start).next_back()?;
	(start + slice.len() <= base + length).then(|| (file.clone(), (start - base) as u64))
}

/// A TCP stream that sends mapped frames with sendfile.
pub struct ZeroCopyStream(TcpStream);

impl AsyncRead for ZeroCopyStream {
	fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
		Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
	}
}

impl AsyncWrite for ZeroCopyStream {
	fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
		self.poll_write_vectored(cx, &[IoSlice::new(buf)])
	}

	fn poll_write_vectored(
		self: Pin<&mut Self>,
		cx: &mut Context<'_>,
		bufs: &[IoSlice<'_>],
	) -> Poll<io::Result<usize>> {
		let stream = &mut self.get_mut().0;
		let first_mapped = bufs.iter().position(|buf| mapped(buf).is_some());
		match first_mapped {
			Some(0) => {
				let (file, offset) = mapped(&bufs[0]).expect("just found");
				loop {
					let send = || {
						let mut at = offset;
						rustix::fs::sendfile(stream.as_fd(), file.as_fd(), Some(&mut at), bufs[0].len())
							.map_err(io::Error::from)
					};
					match stream.try_io(Interest::WRITABLE, send) {
						Ok(sent) => return Poll::Ready(Ok(sent)),
						Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
							ready!(stream.poll_write_ready(cx))?;
						}
						Err(error) => return Poll::Ready(Err(error)),
					}
				}
			}
			// The head before a mapped frame: held back (MSG_MORE) to leave in one segment
			// with the frame's first bytes, as nginx corks its headers before sendfile.
			Some(end) => loop {
				let send = || {
					rustix::net::sendmsg(
						stream.as_fd(),
						&bufs[..end],
						&mut rustix::net::SendAncillaryBuffer::default(),
						rustix::net::SendFlags::MORE,
					)
					.map_err(io::Error::from)
				};
				match stream.try_io(Interest::WRITABLE, send) {
					Ok(sent) => return Poll::Ready(Ok(sent)),
					Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
						ready!(stream.poll_write_ready(cx))?;
					}
					Err(error) => return Poll::Ready(Err(error)),
				}
			},
			None => Pin::new(stream).poll_write_vectored(cx, bufs),
		}
	}

	fn is_write_vectored(&self) -> bool {
		true
	}

	fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
		Pin::new(&mut self.get_mut().0).poll_flush(cx)
	}

	fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
		Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
	}
}

/// A listener whose connections are [`ZeroCopyStream`]s.
pub struct ZeroCopyListener(pub TcpListener);

impl axum::serve::Listener for ZeroCopyListener {
	type Io = ZeroCopyStream;
	type Addr = std::net::SocketAddr;

	async fn accept(&mut self) -> (Self::Io, Self::Addr) {
		loop {
			match self.0.accept().await {
				Ok((stream, address)) => {
					let _ = stream.set_nodelay(true);
					return (ZeroCopyStream(stream), address);
				}
				Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
			}
		}
	}

	fn local_addr(&self) -> io::Result<Self::Addr> {
		self.0.local_addr()
	}
}
