//! The content commitment: the Merkle tree that names a content item and proves that a
//! masternode still holds its bytes.
//!
//! - Content is cut into [`LEAF_SIZE`] leaves; the last is zero-padded.
//!   `leaf = sha256(0x00 ‖ leaf bytes)`, `node = sha256(0x01 ‖ left ‖ right)`; the tags keep a
//!   leaf from passing for a node.
//! - The tree is built level by level, pairing neighbours; a level's odd last node moves up
//!   unchanged.
//! - `ContentId = sha256(0x02 ‖ root ‖ size as u64 little-endian)`: the size fixes the shape of
//!   the tree, so a proof can be checked against the id alone.
//! - A proof of one leaf is its bytes (exactly as stored, the last leaf unpadded) and the
//!   sibling hashes from the leaf up.
//!
//! [`CHUNK_LEAVES`] leaves make a chunk. Chunks are aligned subtrees, so a holder can keep just
//! the chunk roots (32 bytes per 256 KiB) and rebuild one chunk's subtree to answer a challenge.
//!
//! The hash function is a parameter ([`Sha256`]): the runtime hashes through its host
//! functions, the sidecar natively. Test vectors from an independent implementation are in
//! `test-vectors/commitment.json`, written by `scripts/commitment-vectors.py`.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Bytes per leaf.
pub const LEAF_SIZE: usize = 1024;
/// Leaves per chunk: 256 KiB chunks.
pub const CHUNK_LEAVES: usize = 256;
/// Bytes per chunk.
pub const CHUNK_SIZE: usize = LEAF_SIZE * CHUNK_LEAVES;

const LEAF_TAG: u8 = 0x00;
const NODE_TAG: u8 = 0x01;
const ID_TAG: u8 = 0x02;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// SHA-256 over the concatenation of `parts`.
pub trait Sha256 {
	/// The digest of `parts` joined.
	fn hash(parts: &[&[u8]]) -> Hash;
}

/// The id of a content item: its commitment.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub struct ContentId(pub Hash);

impl ContentId {
	/// The id of content of `size` bytes whose tree has `root`.
	pub fn new<H: Sha256>(root: &Hash, size: u64) -> Self {
		Self(H::hash(&[&[ID_TAG], root, &size.to_le_bytes()]))
	}
}

/// Why a proof or a content description is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CommitmentError {
	/// Content must have at least one byte.
	Empty,
	/// The leaf index is past the content's last leaf.
	LeafOutOfRange,
	/// The leaf's length is not what the content's size says it must be.
	WrongLeafLength,
	/// The path has the wrong number of hashes for this leaf.
	WrongPathLength,
	/// The proof leads to a different id.
	Mismatch,
}

/// Number of leaves of content of `size` bytes.
pub fn leaf_count(size: u64) -> u64 {
	size.div_ceil(LEAF_SIZE as u64)
}

/// Length in bytes of leaf `index` of content of `size` bytes (0 past the end).
pub fn leaf_len(size: u64, index: u64) -> usize {
	let start = index.saturating_mul(LEAF_SIZE as u64);
	size.saturating_sub(start).min(LEAF_SIZE as u64) as usize
}

/// The hash of one leaf, given its bytes (at most [`LEAF_SIZE`]; shorter ones are padded).
pub fn leaf_hash<H: Sha256>(bytes: &[u8]) -> Hash {
	debug_assert!(bytes.len() <= LEAF_SIZE);
	let padding = [0u8; LEAF_SIZE];
	H::hash(&[&[LEAF_TAG], bytes, &padding[..LEAF_SIZE - bytes.len().min(LEAF_SIZE)]])
}

/// The hash of an inner node.
pub fn node_hash<H: Sha256>(left: &Hash, right: &Hash) -> Hash {
	H::hash(&[&[NODE_TAG], left, right])
}

/// The level above `level`: neighbours paired, an odd last node moved up unchanged.
fn parent_level<H: Sha256>(level: &[Hash]) -> Vec<Hash> {
	level
		.chunks(2)
		.map(|pair| match pair {
			[left, right] => node_hash::<H>(left, right),
			[single] => *single,
			_ => unreachable!("chunks of at most two, never empty"),
		})
		.collect()
}

/// The root of the tree over `level` (leaf hashes or the roots of aligned subtrees of equal
/// size), building it up level by level.
pub fn root<H: Sha256>(level: &[Hash]) -> Option<Hash> {
	let mut level = level.to_vec();
	while level.len() > 1 {
		level = parent_level::<H>(&level);
	}
	level.first().copied()
}

/// The sibling hashes from `level[index]` up to the root of the tree over `level`.
pub fn path<H: Sha256>(level: &[Hash], mut index: usize) -> Vec<Hash> {
	let mut level = level.to_vec();
	let mut siblings = Vec::new();
	while level.len() > 1 {
		if let Some(sibling) = level.get(index ^ 1) {
			siblings.push(*sibling);
		}
		level = parent_level::<H>(&level);
		index /= 2;
	}
	siblings
}

/// Proof that leaf `index` of a content item holds `leaf`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct LeafProof {
	/// Index of the leaf.
	pub index: u64,
	/// The leaf's bytes, unpadded.
	pub leaf: Vec<u8>,
	/// Sibling hashes from the leaf up.
	pub path: Vec<Hash>,
}

impl LeafProof {
	/// Most path hashes any proof has: a tree over `u64::MAX` bytes is 54 levels tall.
	pub const MAX_PATH: u32 = 64;
	/// Largest encoded proof: index, a full leaf, a full path, and their length prefixes.
	pub const MAX_ENCODED_LEN: usize = 8 + 3 + LEAF_SIZE + 1 + 32 * Self::MAX_PATH as usize;

	/// Checks the proof against the id of content of `size` bytes.
	pub fn verify<H: Sha256>(&self, id: &ContentId, size: u64) -> Result<(), CommitmentError> {
		let mut width = leaf_count(size);
		if width == 0 {
			return Err(CommitmentError::Empty);
		}
		if self.index >= width {
			return Err(CommitmentError::LeafOutOfRange);
		}
		if self.leaf.len() != leaf_len(size, self.index) {
			return Err(CommitmentError::WrongLeafLength);
		}
		let mut hash = leaf_hash::<H>(&self.leaf);
		let mut index = self.index;
		let mut siblings = self.path.iter();
		while width > 1 {
			let is_right = index % 2 == 1;
			if is_right || index + 1 < width {
				let sibling = siblings.next().ok_or(CommitmentError::WrongPathLength)?;
				hash = if is_right {
					node_hash::<H>(sibling, &hash)
				} else {
					node_hash::<H>(&hash, sibling)
				};
			}
			index /= 2;
			width = width.div_ceil(2);
		}
		if siblings.next().is_some() {
			return Err(CommitmentError::WrongPathLength);
		}
		if ContentId::new::<H>(&hash, size) != *id {
			return Err(CommitmentError::Mismatch);
		}
		Ok(())
	}
}

/// What a holder keeps of a content item: its size and the roots of its chunks.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct ChunkedTree {
	/// Size of the content in bytes.
	pub size: u64,
	/// Root of each [`CHUNK_SIZE`] chunk, in order (the last may cover fewer leaves).
	pub chunk_roots: Vec<Hash>,
}

impl ChunkedTree {
	/// The root of the whole tree.
	pub fn root<H: Sha256>(&self) -> Option<Hash> {
		root::<H>(&self.chunk_roots)
	}

	/// The content's id.
	pub fn id<H: Sha256>(&self) -> Result<ContentId, CommitmentError> {
		let root = self.root::<H>().ok_or(CommitmentError::Empty)?;
		Ok(ContentId::new::<H>(&root, self.size))
	}

	/// Proves leaf `index` from the bytes of the chunk that holds it (all of them, as
	/// stored). Fails when the index is out of range or the chunk has the wrong length; a
	/// chunk whose bytes changed yields a proof that does not verify.
	pub fn prove<H: Sha256>(&self, index: u64, chunk: &[u8]) -> Result<LeafProof, CommitmentError> {
		if index >= leaf_count(self.size) {
			return Err(CommitmentError::LeafOutOfRange);
		}
		let chunk_index = (index / CHUNK_LEAVES as u64) as usize;
		let chunk_start = chunk_index as u64 * CHUNK_SIZE as u64;
		let expected = self.size.saturating_sub(chunk_start).min(CHUNK_SIZE as u64) as usize;
		if chunk.len() != expected {
			return Err(CommitmentError::WrongLeafLength);
		}
		let leaves: Vec<Hash> = chunk.chunks(LEAF_SIZE).map(leaf_hash::<H>).collect();
		let in_chunk = (index % CHUNK_LEAVES as u64) as usize;
		let mut siblings = path::<H>(&leaves, in_chunk);
		siblings.extend(path::<H>(&self.chunk_roots, chunk_index));
		let leaf_start = in_chunk * LEAF_SIZE;
		let leaf = chunk[leaf_start..(leaf_start + LEAF_SIZE).min(chunk.len())].to_vec();
		Ok(LeafProof { index, leaf, path: siblings })
	}
}

/// Builds a [`ChunkedTree`] from content streamed in pieces of any size.
pub struct TreeBuilder<H> {
	size: u64,
	leaf: Vec<u8>,
	chunk_leaves: Vec<Hash>,
	chunk_roots: Vec<Hash>,
	_hasher: core::marker::PhantomData<H>,
}

impl<H: Sha256> TreeBuilder<H> {
	/// An empty builder.
	pub fn new() -> Self {
		Self {
			size: 0,
			leaf: Vec::with_capacity(LEAF_SIZE),
			chunk_leaves: Vec::with_capacity(CHUNK_LEAVES),
			chunk_roots: Vec::new(),
			_hasher: core::marker::PhantomData,
		}
	}

	/// Bytes taken so far.
	pub fn size(&self) -> u64 {
		self.size
	}

	/// Takes the next bytes of the content.
	pub fn update(&mut self, mut bytes: &[u8]) {
		self.size += bytes.len() as u64;
		if !self.leaf.is_empty() {
			let take = (LEAF_SIZE - self.leaf.len()).min(bytes.len());
			self.leaf.extend_from_slice(&bytes[..take]);
			bytes = &bytes[take..];
			if self.leaf.len() < LEAF_SIZE {
				return;
			}
			let leaf = leaf_hash::<H>(&self.leaf);
			self.leaf.clear();
			self.push_leaf(leaf);
		}
		let mut whole = bytes.chunks_exact(LEAF_SIZE);
		for leaf in &mut whole {
			self.push_leaf(leaf_hash::<H>(leaf));
		}
		self.leaf.extend_from_slice(whole.remainder());
	}

	fn push_leaf(&mut self, leaf: Hash) {
		self.chunk_leaves.push(leaf);
		if self.chunk_leaves.len() == CHUNK_LEAVES {
			self.close_chunk();
		}
	}

	fn close_chunk(&mut self) {
		if let Some(root) = root::<H>(&self.chunk_leaves) {
			self.chunk_roots.push(root);
		}
		self.chunk_leaves.clear();
	}

	/// The tree of everything taken; `Empty` when nothing was.
	pub fn finish(mut self) -> Result<ChunkedTree, CommitmentError> {
		if !self.leaf.is_empty() {
			let leaf = leaf_hash::<H>(&self.leaf);
			self.chunk_leaves.push(leaf);
		}
		self.close_chunk();
		if self.size == 0 {
			return Err(CommitmentError::Empty);
		}
		Ok(ChunkedTree { size: self.size, chunk_roots: self.chunk_roots })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The runtime's hasher, as pallets use it.
	struct HostSha256;
	impl Sha256 for HostSha256 {
		fn hash(parts: &[&[u8]]) -> Hash {
			sp_io::hashing::sha2_256(&parts.concat())
		}
	}

	fn content(size: usize) -> Vec<u8> {
		(0..size).map(|i| (i % 251) as u8).collect()
	}

	fn tree(bytes: &[u8]) -> ChunkedTree {
		let mut builder = TreeBuilder::<HostSha256>::new();
		builder.update(bytes);
		builder.finish().unwrap()
	}

	fn hex(bytes: &[u8]) -> alloc::string::String {
		bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
	}

	fn unhex(text: &str) -> Vec<u8> {
		(0..text.len())
			.step_by(2)
			.map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
			.collect()
	}

	/// Test vectors computed by `scripts/commitment-vectors.py`, an independent implementation
	/// with Python's hashlib.
	#[test]
	fn matches_the_published_test_vectors() {
		let vectors: serde_json::Value =
			serde_json::from_str(include_str!("../test-vectors/commitment.json")).unwrap();
		let vectors = vectors["vectors"].as_array().unwrap();
		assert!(vectors.len() >= 8);
		for vector in vectors {
			let size = vector["size"].as_u64().unwrap() as usize;
			let bytes = content(size);
			let tree = tree(&bytes);
			let name = vector["name"].as_str().unwrap();
			assert_eq!(hex(&tree.root::<HostSha256>().unwrap()), vector["root"], "{name}: root");
			let id = tree.id::<HostSha256>().unwrap();
			assert_eq!(hex(&id.0), vector["id"], "{name}: id");
			let proof = &vector["proof"];
			let index = proof["index"].as_u64().unwrap();
			let chunk = (index as usize / CHUNK_LEAVES) * CHUNK_SIZE;
			let built = tree
				.prove::<HostSha256>(index, &bytes[chunk..(chunk + CHUNK_SIZE).min(size)])
				.unwrap();
			let path: Vec<Hash> = proof["path"]
				.as_array()
				.unwrap()
				.iter()
				.map(|h| unhex(h.as_str().unwrap()).try_into().unwrap())
				.collect();
			assert_eq!(built.path, path, "{name}: path");
			assert_eq!(built.verify::<HostSha256>(&id, size as u64), Ok(()), "{name}");
		}
	}

	#[test]
	fn streaming_in_any_pieces_gives_the_same_tree() {
		let bytes = content(3 * CHUNK_SIZE + 5 * LEAF_SIZE + 17);
		let whole = tree(&bytes);
		for piece in [1, 7, 1000, 1024, 1025, 4096, CHUNK_SIZE + 3] {
			let mut builder = TreeBuilder::<HostSha256>::new();
			bytes.chunks(piece).for_each(|p| builder.update(p));
			assert_eq!(builder.finish().unwrap(), whole, "pieces of {piece}");
		}
		assert_eq!(whole.chunk_roots.len(), 4);
	}

	#[test]
	fn chunked_roots_equal_the_tree_over_all_leaves() {
		for size in [1, LEAF_SIZE, LEAF_SIZE + 1, CHUNK_SIZE, CHUNK_SIZE + 1, 5 * CHUNK_SIZE - 3] {
			let bytes = content(size);
			let leaves: Vec<Hash> = bytes.chunks(LEAF_SIZE).map(leaf_hash::<HostSha256>).collect();
			assert_eq!(tree(&bytes).root::<HostSha256>(), root::<HostSha256>(&leaves), "{size}");
		}
	}

	#[test]
	fn every_leaf_proves_and_tampering_fails() {
		let size = 2 * CHUNK_SIZE + 3 * LEAF_SIZE + 100;
		let bytes = content(size);
		let tree = tree(&bytes);
		let id = tree.id::<HostSha256>().unwrap();
		let leaves = leaf_count(size as u64);
		for index in (0..leaves).step_by(37).chain([leaves - 1]) {
			let chunk = (index as usize / CHUNK_LEAVES) * CHUNK_SIZE;
			let chunk = &bytes[chunk..(chunk + CHUNK_SIZE).min(size)];
			let proof = tree.prove::<HostSha256>(index, chunk).unwrap();
			assert_eq!(proof.verify::<HostSha256>(&id, size as u64), Ok(()));
			assert!(proof.encoded_size() <= LeafProof::MAX_ENCODED_LEN);

			let mut bad = proof.clone();
			bad.leaf[0] ^= 1;
			assert_eq!(bad.verify::<HostSha256>(&id, size as u64), Err(CommitmentError::Mismatch));
			let mut bad = proof.clone();
			bad.path[0][0] ^= 1;
			assert_eq!(bad.verify::<HostSha256>(&id, size as u64), Err(CommitmentError::Mismatch));
			let mut bad = proof.clone();
			bad.path.push([0; 32]);
			assert_eq!(
				bad.verify::<HostSha256>(&id, size as u64),
				Err(CommitmentError::WrongPathLength)
			);
			let mut bad = proof.clone();
			bad.path.pop();
			assert_eq!(
				bad.verify::<HostSha256>(&id, size as u64),
				Err(CommitmentError::WrongPathLength)
			);
			// Another size is another id.
			assert!(proof.verify::<HostSha256>(&id, size as u64 + 1).is_err());
		}
		// The last leaf must come unpadded; a padded one is refused even though it hashes alike.
		let mut padded = tree.prove::<HostSha256>(leaves - 1, &bytes[2 * CHUNK_SIZE..]).unwrap();
		padded.leaf.resize(LEAF_SIZE, 0);
		assert_eq!(
			padded.verify::<HostSha256>(&id, size as u64),
			Err(CommitmentError::WrongLeafLength)
		);
		let mut moved = tree.prove::<HostSha256>(0, &bytes[..CHUNK_SIZE]).unwrap();
		moved.index = leaves;
		assert_eq!(
			moved.verify::<HostSha256>(&id, size as u64),
			Err(CommitmentError::LeafOutOfRange)
		);
	}

	#[test]
	fn a_changed_chunk_cannot_prove() {
		let size = CHUNK_SIZE + 10;
		let mut bytes = content(size);
		let tree = tree(&bytes);
		let id = tree.id::<HostSha256>().unwrap();
		bytes[5] ^= 0xff;
		let proof = tree.prove::<HostSha256>(3, &bytes[..CHUNK_SIZE]).unwrap();
		assert_eq!(proof.verify::<HostSha256>(&id, size as u64), Err(CommitmentError::Mismatch));
		assert_eq!(
			tree.prove::<HostSha256>(0, &bytes[..10]),
			Err(CommitmentError::WrongLeafLength)
		);
	}

	#[test]
	fn empty_content_has_no_id() {
		assert_eq!(TreeBuilder::<HostSha256>::new().finish(), Err(CommitmentError::Empty));
		let proof = LeafProof { index: 0, leaf: vec![], path: vec![] };
		assert_eq!(proof.verify::<HostSha256>(&ContentId([0; 32]), 0), Err(CommitmentError::Empty));
	}
}
