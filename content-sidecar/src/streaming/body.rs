//! Content bodies read from disk into pooled buffers, a chunk at a time.

use crate::metrics::Metrics;
use axum::body::Body;
use bytes::Bytes;
use std::{
	fs::File,
	ops::Range,
	sync::{Arc, Mutex, PoisonError},
};

/// Bytes read from disk per body frame: big enough that a frame costs one read and one write.
const READ_CHUNK: usize = 512 * 1024;
/// Read buffers kept for reuse once their frame is sent (at most 32 MiB). Fresh buffers of this
/// size come from the system each time and go back to it when freed, so every frame would
/// otherwise pay for page faults and the kernel's zeroing of new memory.
const POOLED_BUFFERS: usize = 64;

/// Read buffers whose frames have been sent, empty and ready for the next read.
static BUFFERS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// A body streaming `range` of `file`, read in the blocking pool a chunk at a time straight into
/// the buffer that is sent (one copy from the page cache, no zero-filling).
pub(super) fn file_body(file: Arc<File>, range: Range<u64>, metrics: Arc<Metrics>) -> Body {
	let chunks = futures_util::stream::try_unfold(range, move |range| {
		let file = file.clone();
		let metrics = metrics.clone();
		async move {
			if range.is_empty() {
				return Ok(None);
			}
			let length = (range.end - range.start).min(READ_CHUNK as u64) as usize;
			let start = range.start;
			let chunk = tokio::task::spawn_blocking(move || read_chunk(&file, start, length))
				.await
				.map_err(std::io::Error::other)??;
			metrics.bytes_served.inc_by(length as u64);
			Ok::<_, std::io::Error>(Some((chunk, start + length as u64..range.end)))
		}
	});
	Body::from_stream(chunks)
}

/// Reads exactly `length` bytes of `file` at `offset`, into a pooled buffer that goes back to
/// the pool when the frame is dropped.
fn read_chunk(file: &File, offset: u64, length: usize) -> std::io::Result<Bytes> {
	let mut buffer = Pooled(take_buffer());
	buffer.0.reserve(length);
	while buffer.0.len() < length {
		let position = offset + buffer.0.len() as u64;
		let spare = rustix::buffer::spare_capacity(&mut buffer.0);
		if rustix::io::pread(file, spare, position)? == 0 {
			return Err(std::io::ErrorKind::UnexpectedEof.into());
		}
	}
	// The buffer may hold more than asked for, and the read fill it.
	buffer.0.truncate(length);
	Ok(Bytes::from_owner(buffer))
}

fn buffers() -> std::sync::MutexGuard<'static, Vec<Vec<u8>>> {
	// A list of empty buffers stays valid even if a holder panicked.
	BUFFERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An empty buffer of [`READ_CHUNK`] bytes' capacity.
fn take_buffer() -> Vec<u8> {
	buffers().pop().unwrap_or_else(|| Vec::with_capacity(READ_CHUNK))
}

/// A read buffer lent to a frame.
struct Pooled(Vec<u8>);

impl AsRef<[u8]> for Pooled {
	fn as_ref(&self) -> &[u8] {
		&self.0
	}
}

impl Drop for Pooled {
	fn drop(&mut self) {
		let mut buffer = std::mem::take(&mut self.0);
		buffer.clear();
		let mut pool = buffers();
		if pool.len() < POOLED_BUFFERS {
			pool.push(buffer);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		streaming::tests::{get, send},
		testing::{body_of, content, Sidecar},
	};

	#[test]
	fn a_reused_buffer_shows_only_the_new_bytes() {
		let dir = tempfile::tempdir().unwrap();
		let (long, short) = (dir.path().join("long"), dir.path().join("short"));
		std::fs::write(&long, content(READ_CHUNK, 7)).unwrap();
		std::fs::write(&short, content(1000, 8)).unwrap();
		let (long, short) = (File::open(long).unwrap(), File::open(short).unwrap());
		// Frames of other tests come and go meanwhile: each read checks its own bytes only.
		for _ in 0..3 {
			assert_eq!(read_chunk(&long, 0, READ_CHUNK).unwrap(), content(READ_CHUNK, 7));
			assert_eq!(read_chunk(&short, 10, 990).unwrap(), content(1000, 8)[10..]);
			assert_eq!(
				read_chunk(&short, 0, 1001).unwrap_err().kind(),
				std::io::ErrorKind::UnexpectedEof
			);
		}
		assert!(buffers().len() <= POOLED_BUFFERS);
		assert!(buffers().iter().all(|buffer| buffer.is_empty()));
	}

	#[tokio::test]
	async fn large_items_stream_in_many_chunks() {
		let sidecar = Sidecar::new();
		let bytes = content(2 * READ_CHUNK + 12_345, 6);
		let id = sidecar.store_registered(&bytes, 0, "video/mp4");
		let response = send(&sidecar, get(&id)).await;
		assert_eq!(body_of(response).await, bytes);
		let (start, end) = (READ_CHUNK - 10, 2 * READ_CHUNK + 10);
		let range = format!("bytes={start}-{}", end - 1);
		let response = send(&sidecar, get(&id).header("range", range)).await;
		assert_eq!(body_of(response).await, bytes[start..end]);
	}
}
