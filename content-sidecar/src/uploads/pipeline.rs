//! The body pipeline of a PATCH: bytes are received from the connection, hashed into the
//! commitment (and the body's checksum) and written to the partial file side by side, made
//! durable, and checkpointed along the way.

use super::protocol::Algorithm;
use crate::hashing::TreeHasher;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::{
	fs::{File, OpenOptions},
	io::{self, Seek, SeekFrom, Write},
	path::Path,
	time::Duration,
};
use tokio::sync::Notify;

/// Body frames queued between the connection and the disk writer.
const FRAMES_IN_FLIGHT: usize = 64;
/// Bytes after which the writer fsyncs, so the fsync at the end of a body is short.
const SYNC_EVERY: u64 = 32 << 20;
/// How often a long PATCH makes its progress durable and records it, bounding what a crash
/// mid-body loses.
pub(super) const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// How a PATCH body ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum BodyEnd {
	/// Every byte arrived.
	Complete,
	/// The connection failed first.
	Cut,
	/// A newer request for the upload asked this one to let go.
	Released,
	/// More bytes came than the upload still needs.
	TooLong,
}

/// Records that the bytes written so far (the argument) are durable.
pub(super) type Checkpoint = Box<dyn FnMut(u64) -> io::Result<()> + Send>;

/// Where a PATCH body goes.
pub(super) struct Sink {
	/// The partial file, positioned at its end.
	pub file: File,
	/// The hash state of the bytes before.
	pub tree: TreeHasher,
	/// The checksum the body is checked against, if any.
	pub algorithm: Option<Algorithm>,
	/// Called every [`CHECKPOINT_INTERVAL`], if given.
	pub checkpoint: Option<Checkpoint>,
}

/// What the connection hands the disk writer.
enum Piece {
	Bytes(Bytes),
	Checkpoint,
}

/// What a PATCH body brought, durably written to the partial file.
pub(super) struct Written {
	/// The hash state including the bytes written.
	pub tree: TreeHasher,
	/// How many bytes were written.
	pub bytes: u64,
	/// The body's checksum, when one was asked for.
	digest: Option<Box<[u8]>>,
}

impl Written {
	/// The body's checksum; empty when none was asked for.
	pub fn digest(&self) -> &[u8] {
		self.digest.as_deref().unwrap_or_default()
	}
}

/// Streams `body` (at most `limit` bytes) into `sink` and fsyncs what was written; returns how
/// the body ended and what was written. The network, the hashing and the disk work side by
/// side: frames go to a blocking hasher and a blocking writer as they arrive. A body stops
/// being read when `release` is notified.
pub(super) async fn receive<E>(
	body: impl Stream<Item = Result<Bytes, E>>,
	sink: Sink,
	limit: u64,
	release: &Notify,
) -> io::Result<(BodyEnd, Written)> {
	let Sink { file, tree, algorithm, checkpoint } = sink;
	let checkpoints = checkpoint.is_some();
	let (to_disk, for_disk) = tokio::sync::mpsc::channel(FRAMES_IN_FLIGHT);
	let (to_hasher, for_hasher) = tokio::sync::mpsc::channel(FRAMES_IN_FLIGHT);
	let disk = tokio::task::spawn_blocking(move || write_pieces(for_disk, file, checkpoint));
	let hasher = tokio::task::spawn_blocking(move || hash_frames(for_hasher, tree, algorithm));
	let mut body = std::pin::pin!(body);
	let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
	ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	ticks.reset();
	let mut taken = 0u64;
	let end = loop {
		let piece = tokio::select! {
			frame = body.next() => match frame {
				None => break BodyEnd::Complete,
				Some(Err(_)) => break BodyEnd::Cut,
				Some(Ok(bytes)) => {
					taken += bytes.len() as u64;
					if taken > limit {
						break BodyEnd::TooLong;
					}
					Piece::Bytes(bytes)
				},
			},
			_ = ticks.tick(), if checkpoints => Piece::Checkpoint,
			_ = release.notified() => break BodyEnd::Released,
		};
		let hashing = match &piece {
			Piece::Bytes(bytes) => to_hasher.send(bytes.clone()).await.is_ok(),
			Piece::Checkpoint => true,
		};
		// A closed channel means the writer failed; its error is returned below.
		if !hashing || to_disk.send(piece).await.is_err() {
			break BodyEnd::Complete;
		}
	};
	drop((to_disk, to_hasher));
	let bytes = disk.await.map_err(io::Error::other)??;
	let (tree, digest) = hasher.await.map_err(io::Error::other)?;
	Ok((end, Written { tree, bytes, digest }))
}

/// Appends frames to `file` and makes them durable, calling `checkpoint` (if any) when asked;
/// returns how many bytes were written.
fn write_pieces(
	mut incoming: tokio::sync::mpsc::Receiver<Piece>,
	mut file: File,
	mut checkpoint: Option<Checkpoint>,
) -> io::Result<u64> {
	let (mut written, mut synced, mut recorded) = (0, 0, 0);
	while let Some(piece) = incoming.blocking_recv() {
		match (piece, &mut checkpoint) {
			(Piece::Bytes(frame), _) => {
				// Frames are mostly hundreds of KiB: written as they come, without a buffer.
				file.write_all(&frame)?;
				written += frame.len() as u64;
				// Syncing as the bytes come keeps the last fsync short.
				if written - synced >= SYNC_EVERY {
					file.sync_data()?;
					synced = written;
				}
			}
			(Piece::Checkpoint, Some(checkpoint)) if written > recorded => {
				file.sync_data()?;
				synced = written;
				checkpoint(written)?;
				recorded = written;
			}
			(Piece::Checkpoint, _) => {}
		}
	}
	file.sync_data()?;
	Ok(written)
}

/// Hashes frames into `tree`, and with `algorithm` when given; returns the tree and the digest.
fn hash_frames(
	mut incoming: tokio::sync::mpsc::Receiver<Bytes>,
	mut tree: TreeHasher,
	algorithm: Option<Algorithm>,
) -> (TreeHasher, Option<Box<[u8]>>) {
	let mut checksum = algorithm.map(Algorithm::hasher);
	while let Some(frame) = incoming.blocking_recv() {
		if let Some(checksum) = &mut checksum {
			checksum.update(&frame);
		}
		tree.update(frame);
	}
	(tree, checksum.map(|checksum| checksum.finalize()))
}

/// Opens a partial file for appending at `offset`, cutting off bytes past it (they were never
/// recorded). Returns the file and how many bytes it keeps: `offset`, unless some were lost.
pub(super) fn open_partial(path: &Path, offset: u64) -> io::Result<(File, u64)> {
	let mut file =
		OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
	let length = file.metadata()?.len();
	if length > offset {
		file.set_len(offset)?;
		file.sync_data()?;
	}
	let kept = length.min(offset);
	file.seek(SeekFrom::Start(kept))?;
	Ok((file, kept))
}
