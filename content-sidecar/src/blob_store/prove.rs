//! Leaf proofs for the chain's storage challenges, built from an item's files.

use super::{id_hex, BlobStore, StoreError};
use crate::hashing::NativeSha256;
use pop_primitives::commitment::{ContentId, LeafProof, CHUNK_SIZE, LEAF_SIZE};
use std::io::{Read, Seek, SeekFrom};

impl BlobStore {
	/// Builds the proof of leaf `leaf` of stored `content` from its chunk roots and the one
	/// chunk the leaf is in, and checks it: bytes that changed on disk are `Corrupt`, never a
	/// proof the chain would take for a fault.
	pub fn prove(&self, content: &ContentId, leaf: u64) -> Result<LeafProof, StoreError> {
		let tree = self.chunk_tree(content)?;
		let (mut file, size) = self.open_blob(content)?;
		let chunk_size = CHUNK_SIZE as u64;
		let start = leaf * LEAF_SIZE as u64 / chunk_size * chunk_size;
		let len = chunk_size.min(size.saturating_sub(start));
		let mut chunk = vec![0; len as usize];
		file.seek(SeekFrom::Start(start))?;
		file.read_exact(&mut chunk)?;
		let corrupt = |_| StoreError::Corrupt(id_hex(content));
		let proof = tree.prove::<NativeSha256>(leaf, &chunk).map_err(corrupt)?;
		proof.verify::<NativeSha256>(content, size).map_err(corrupt)?;
		Ok(proof)
	}
}
