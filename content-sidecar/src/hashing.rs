//! The content commitment of `pop-primitives`, hashed natively (SHA-NI where the CPU has it).

use pop_primitives::commitment::{self, Hash};
use sha2::Digest;
use std::io::{self, Read};

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

/// Builds the commitment of content streamed through it.
pub type TreeBuilder = commitment::TreeBuilder<NativeSha256>;

/// Hashes everything `reader` yields into a new tree.
pub fn hash_reader(mut reader: impl Read) -> io::Result<TreeBuilder> {
	let mut tree = TreeBuilder::new();
	let mut buffer = vec![0u8; 1 << 20];
	loop {
		match reader.read(&mut buffer)? {
			0 => return Ok(tree),
			read => tree.update(&buffer[..read]),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pop_primitives::commitment::ContentId;

	/// Every vector of `pallets/primitives/test-vectors/commitment.json`.
	#[test]
	fn agrees_with_the_published_test_vectors() {
		let vectors: serde_json::Value = serde_json::from_str(include_str!(
			"../../pallets/primitives/test-vectors/commitment.json"
		))
		.unwrap();
		for vector in vectors["vectors"].as_array().unwrap() {
			let size = vector["size"].as_u64().unwrap();
			let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
			let mut builder = TreeBuilder::new();
			builder.update(&bytes);
			let id = builder.finish().unwrap().id::<NativeSha256>().unwrap();
			let expected: Hash =
				hex::decode(vector["id"].as_str().unwrap()).unwrap().try_into().unwrap();
			assert_eq!(id, ContentId(expected), "{}", vector["name"]);
		}
	}
}
