//! The content commitment of `pop-primitives`, hashed natively (SHA-NI where the CPU has it)
//! and, for streamed content, on every core: chunks are aligned subtrees, so their roots are
//! taken side by side on rayon's pool and joined in order.

use bytes::Bytes;
use pop_primitives::commitment::{self, ChunkedTree, CommitmentError, Hash, CHUNK_SIZE};
use sha2::Digest;
use std::{
	collections::VecDeque,
	io::{self, Read},
	sync::mpsc,
};

/// SHA-256 from the `sha2` crate, fed part by part without copying.
pub struct NativeSha256;

impl commitment::Sha256 for NativeSha256 {
	fn hash(parts: &[&[u8]]) -> Hash {
		let mut hasher = sha2::Sha256::new();
		for part in parts {
			hasher.update(part);
		}
		hasher.finalize().into()
	}
}

/// Builds the commitment of content on one thread.
pub type TreeBuilder = commitment::TreeBuilder<NativeSha256>;

/// Builds the commitment of content streamed through it, hashing whole chunks on rayon's pool
/// while the next ones arrive. It holds at most a few chunks' bytes: when the pool falls
/// behind, [`TreeHasher::update`] waits for it.
pub struct TreeHasher {
	size: u64,
	/// Roots of the chunks done, in order.
	chunk_roots: Vec<Hash>,
	/// The chunks on the pool, in order.
	in_flight: VecDeque<mpsc::Receiver<Hash>>,
	/// The pieces of the chunk being gathered, and their length.
	gathering: Vec<Bytes>,
	gathered: usize,
}

impl Default for TreeHasher {
	fn default() -> Self {
		Self::new()
	}
}

impl TreeHasher {
	/// An empty hasher.
	pub fn new() -> Self {
		Self {
			size: 0,
			chunk_roots: Vec::new(),
			in_flight: VecDeque::new(),
			gathering: Vec::new(),
			gathered: 0,
		}
	}

	/// Bytes taken so far.
	pub fn size(&self) -> u64 {
		self.size
	}

	/// Takes the next bytes of the content (sliced, never copied).
	pub fn update(&mut self, mut bytes: Bytes) {
		self.size += bytes.len() as u64;
		while !bytes.is_empty() {
			let piece = bytes.split_to((CHUNK_SIZE - self.gathered).min(bytes.len()));
			self.gathered += piece.len();
			self.gathering.push(piece);
			if self.gathered == CHUNK_SIZE {
				self.send_chunk();
			}
		}
	}

	/// Hands the gathered chunk to the pool, first waiting for the oldest chunk when enough
	/// are in flight to keep every thread busy.
	fn send_chunk(&mut self) {
		if self.in_flight.len() >= 2 * rayon::current_num_threads() {
			self.collect_oldest();
		}
		let pieces = std::mem::take(&mut self.gathering);
		self.gathered = 0;
		let (root, receiver) = mpsc::sync_channel(1);
		rayon::spawn(move || {
			// The receiver is gone only when the hasher was dropped half way.
			let _ = root.send(chunk_root(&pieces));
		});
		self.in_flight.push_back(receiver);
	}

	fn collect_oldest(&mut self) {
		if let Some(receiver) = self.in_flight.pop_front() {
			// A pool task that panics aborts the process, so every task sends its root.
			self.chunk_roots.push(receiver.recv().expect("chunk tasks always send a root"));
		}
	}

	/// The tree of everything taken; `Empty` when nothing was.
	pub fn finish(mut self) -> Result<ChunkedTree, CommitmentError> {
		while !self.in_flight.is_empty() {
			self.collect_oldest();
		}
		if self.gathered > 0 {
			self.chunk_roots.push(chunk_root(&self.gathering));
		}
		if self.size == 0 {
			return Err(CommitmentError::Empty);
		}
		Ok(ChunkedTree { size: self.size, chunk_roots: self.chunk_roots })
	}
}

/// The root of one chunk (at most [`CHUNK_SIZE`] bytes, at least one) given in pieces: the
/// root of the tree of its bytes alone.
fn chunk_root(pieces: &[Bytes]) -> Hash {
	let mut tree = TreeBuilder::new();
	pieces.iter().for_each(|piece| tree.update(piece));
	let tree = tree.finish().expect("chunks are never empty");
	debug_assert_eq!(tree.chunk_roots.len(), 1);
	tree.chunk_roots[0]
}

/// Hashes everything `reader` yields into a new tree.
pub fn hash_reader(mut reader: impl Read) -> io::Result<TreeHasher> {
	const READ_SIZE: u64 = 1 << 20;
	let mut tree = TreeHasher::new();
	loop {
		// A fresh buffer per read: the pool still holds the last ones.
		let mut buffer = Vec::with_capacity(READ_SIZE as usize);
		if reader.by_ref().take(READ_SIZE).read_to_end(&mut buffer)? == 0 {
			return Ok(tree);
		}
		tree.update(buffer.into());
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pop_primitives::commitment::ContentId;

	fn pattern(size: usize) -> Vec<u8> {
		(0..size).map(|i| (i % 251) as u8).collect()
	}

	fn one_thread(bytes: &[u8]) -> ChunkedTree {
		let mut tree = TreeBuilder::new();
		tree.update(bytes);
		tree.finish().unwrap()
	}

	/// Every vector of `pallets/primitives/test-vectors/commitment.json`, on one thread and on
	/// the pool.
	#[test]
	fn agrees_with_the_published_test_vectors() {
		let vectors: serde_json::Value = serde_json::from_str(include_str!(
			"../../pallets/primitives/test-vectors/commitment.json"
		))
		.unwrap();
		for vector in vectors["vectors"].as_array().unwrap() {
			let bytes = pattern(vector["size"].as_u64().unwrap() as usize);
			let expected: Hash =
				hex::decode(vector["id"].as_str().unwrap()).unwrap().try_into().unwrap();
			let name = &vector["name"];
			assert_eq!(one_thread(&bytes).id::<NativeSha256>(), Ok(ContentId(expected)), "{name}");
			let pooled = hash_reader(&bytes[..]).unwrap().finish().unwrap();
			assert_eq!(pooled.id::<NativeSha256>(), Ok(ContentId(expected)), "{name}");
		}
	}

	/// Pieces of any size, empty ones and ones across chunk and leaf boundaries included, give
	/// the tree the one-thread builder gives, and more chunks than the pool holds at once.
	#[test]
	fn any_cut_into_pieces_gives_the_one_thread_tree() {
		let many_chunks = 4 * rayon::current_num_threads() * CHUNK_SIZE + 3;
		let sizes = [1, 1023, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE];
		let cuts = [1, 1000, 4096, CHUNK_SIZE - 7, CHUNK_SIZE, 2 * CHUNK_SIZE + 5];
		for size in sizes.into_iter().chain([many_chunks]) {
			let bytes = Bytes::from(pattern(size));
			let expected = one_thread(&bytes);
			for cut in cuts {
				let mut tree = TreeHasher::new();
				tree.update(Bytes::new());
				for start in (0..size).step_by(cut) {
					tree.update(bytes.slice(start..(start + cut).min(size)));
				}
				assert_eq!(tree.size(), size as u64);
				assert_eq!(tree.finish().unwrap(), expected, "size {size}, pieces of {cut}");
			}
		}
	}

	#[test]
	fn nothing_taken_is_empty() {
		let mut tree = TreeHasher::new();
		tree.update(Bytes::new());
		assert_eq!(tree.finish(), Err(CommitmentError::Empty));
	}
}
