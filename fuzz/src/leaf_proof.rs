//! `LeafProof`, the argument of `Content::submit_proof`: its SCALE decoding and its check
//! against a content id (`pop_primitives::commitment`), with the sidecar's hasher.
//!
//! - Any bytes: decoding never panics; a proof decoded from all of them encodes back to them;
//!   checking it against any id and size never panics; a proof that verifies stops verifying
//!   when a bit of its leaf or of a path hash changes.
//! - Real proofs: content made from the input (up to 16 chunks, one of them with real bytes, the
//!   others named by their roots), a tree over it, and a proof of one of its leaves built by
//!   `ChunkedTree::prove`: the proof verifies, fits `MAX_ENCODED_LEN`, and survives SCALE. Then
//!   it is damaged (index, leaf, path, size or id changed): if it still verifies, the leaf it
//!   carries is byte for byte the content's leaf at the index it names, in the real chunk, and
//!   the size is the content's: a verified leaf really is the content.

use arbitrary::{Result, Unstructured};
use codec::{Decode, DecodeAll, Encode};
use pop_primitives::commitment::{
	leaf_count, root, ChunkedTree, ContentId, Hash, LeafProof, CHUNK_SIZE, LEAF_SIZE,
};
use pop_sidecar::hashing::NativeSha256 as Sha;

/// Most chunks of the made-up content.
const MAX_CHUNKS: u64 = 16;

/// The fuzz target.
pub fn check(data: &[u8]) {
	let mut u = Unstructured::new(data);
	let _ = if u.arbitrary().unwrap_or(false) { real_proof(&mut u) } else { decoded(&mut u) };
}

fn decoded(u: &mut Unstructured) -> Result<()> {
	let id = ContentId(u.arbitrary()?);
	let size: u64 = u.arbitrary()?;
	let bytes = u.bytes(u.len())?;
	let Ok(proof) = LeafProof::decode_all(&mut &bytes[..]) else { return Ok(()) };
	assert_eq!(proof.encode(), bytes, "SCALE has one encoding of each proof");
	if proof.verify::<Sha>(&id, size).is_ok() {
		// Some bits of the leaf, spread over it, and one bit of each path hash.
		let bits = proof.leaf.len() * 8;
		for bit in (0..8).map(|i| i * bits / 8 + i) {
			let mut flipped = proof.clone();
			flipped.leaf[bit / 8] ^= 1 << (bit % 8);
			assert!(flipped.verify::<Sha>(&id, size).is_err(), "leaf bit {bit} of {proof:?}");
		}
		for at in 0..proof.path.len() {
			let mut flipped = proof.clone();
			flipped.path[at][at % 32] ^= 1;
			assert!(flipped.verify::<Sha>(&id, size).is_err(), "path hash {at} of {proof:?}");
		}
	}
	Ok(())
}

/// The content's bytes from `start` to `end`: any function of the position would do, seeded so
/// content differs between inputs; eight bytes at a time, which keeps whole chunks cheap.
fn content(seed: u64, start: u64, end: u64) -> Vec<u8> {
	let mut bytes = vec![0; (end - start) as usize];
	for (word, at) in bytes.chunks_mut(8).zip((start..).step_by(8)) {
		let value = (at ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes();
		word.copy_from_slice(&value[..word.len()]);
	}
	bytes
}

fn real_proof(u: &mut Unstructured) -> Result<()> {
	let seed: u64 = u.arbitrary()?;
	let chunks = u.int_in_range(1..=MAX_CHUNKS)?;
	// The last chunk may be short: mostly at most 8 leaves, as hashing is what takes the time
	// (`ratio` is true when the input has run out, so that is the cheap side).
	let last_leaves =
		1u64 << if u.ratio(15, 16)? { u.int_in_range(0..=3)? } else { u.int_in_range(0..=8)? };
	let last_len =
		u.int_in_range((last_leaves - 1) * LEAF_SIZE as u64 + 1..=last_leaves * LEAF_SIZE as u64)?;
	let size = (chunks - 1) * CHUNK_SIZE as u64 + last_len.min(CHUNK_SIZE as u64);
	// The chunk with real bytes: mostly the last, for the same reason.
	let real = if u.ratio(255, 256)? { chunks - 1 } else { u.int_in_range(0..=chunks - 1)? };
	let start = real * CHUNK_SIZE as u64;
	let chunk = content(seed, start, size.min(start + CHUNK_SIZE as u64));
	let leaves: Vec<Hash> =
		chunk.chunks(LEAF_SIZE).map(pop_primitives::commitment::leaf_hash::<Sha>).collect();
	let mut chunk_roots = Vec::with_capacity(chunks as usize);
	for index in 0..chunks {
		chunk_roots.push(if index == real {
			root::<Sha>(&leaves).expect("a chunk has leaves")
		} else {
			let mut other = [0u8; 32];
			other[..8].copy_from_slice(&seed.to_le_bytes());
			other[8..16].copy_from_slice(&index.to_le_bytes());
			other
		});
	}
	let tree = ChunkedTree { size, chunk_roots };
	let id = tree.id::<Sha>().expect("content has bytes");
	let first_leaf = start / LEAF_SIZE as u64;
	let index = first_leaf + u.int_in_range(0..=leaves.len() as u64 - 1)?;
	let proof = tree.prove::<Sha>(index, &chunk).expect("a leaf of the real chunk");
	assert_eq!(proof.verify::<Sha>(&id, size), Ok(()), "index {index} of {size}");
	assert!(proof.encoded_size() <= LeafProof::MAX_ENCODED_LEN);
	assert!(proof.path.len() <= LeafProof::MAX_PATH as usize);
	assert_eq!(LeafProof::decode(&mut &proof.encode()[..]).as_ref(), Ok(&proof));

	let (mut damaged, mut damaged_id, mut damaged_size) = (proof.clone(), id, size);
	match u.int_in_range(0..=7)? {
		0 => damaged.index = u.arbitrary()?,
		1 => damaged.index = damaged.index.wrapping_add_signed(u.int_in_range(-300..=300)?),
		2 if !damaged.leaf.is_empty() => {
			let at = u.choose_index(damaged.leaf.len())?;
			damaged.leaf[at] ^= u.int_in_range(1..=255)?;
		}
		3 => damaged.leaf.resize(u.int_in_range(0..=LEAF_SIZE + 1)?, u.arbitrary()?),
		4 if !damaged.path.is_empty() => {
			let at = u.choose_index(damaged.path.len())?;
			damaged.path[at] = u.arbitrary()?;
		}
		5 => {
			let at = u.int_in_range(0..=damaged.path.len())?;
			if u.arbitrary()? && at < damaged.path.len() {
				damaged.path.remove(at);
			} else {
				damaged.path.insert(at, u.arbitrary()?);
			}
		}
		6 => damaged_size = u.arbitrary()?,
		_ => damaged_id = ContentId(u.arbitrary()?),
	}
	if damaged.verify::<Sha>(&damaged_id, damaged_size).is_ok() {
		assert_eq!(damaged_size, size, "a proof verified for another size");
		assert!(damaged.index < leaf_count(size));
		let at = damaged.index * LEAF_SIZE as u64;
		assert!(
			(start..start + chunk.len() as u64).contains(&at),
			"leaf {} verified outside the real chunk {real} of {chunks}",
			damaged.index
		);
		let offset = (at - start) as usize;
		let leaf = &chunk[offset..(offset + LEAF_SIZE).min(chunk.len())];
		assert_eq!(damaged.leaf, leaf, "leaf {} verified with other bytes", damaged.index);
	}
	Ok(())
}
