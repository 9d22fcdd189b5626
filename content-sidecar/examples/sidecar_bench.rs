//! Helpers for `scripts/sidecar-benchmark.sh`; not part of the daemon.
//!
//! ```text
//! sidecar_bench token <stream|upload> <audience> <valid seconds>
//!     prints an auth token of //Alice of that scope for the sidecar at <audience>
//! sidecar_bench register <data dir> <0x content id>
//!     marks a stored item registered and free, as the chain client would (stop the daemon
//!     first: the index cannot be opened twice)
//! sidecar_bench hash <file>
//!     times, with the file in memory, its content commitment on one thread and on the pool
//!     (as uploads hash it), and a plain SHA-256 of it
//! sidecar_bench prove <work dir> <source file> <samples> <size>...
//!     stores the first <size> bytes of <source file> as an item in a store under <work dir>
//!     and times `BlobStore::prove` of <samples> random leaves of it; one line per size
//! sidecar_bench leaves <file> <leaf KiB>...
//!     for each leaf size, with the file in memory: the SHA-256 blocks per KiB its tree hashes,
//!     the time to hash it on one thread and on the pool, and the encoded size of a leaf proof
//!     (the largest path) for an item of the file's size; one line per leaf size
//! ```

use codec::{Compact, Encode};
use pop_primitives::commitment::{self, leaf_count, ContentId, Hash, CHUNK_SIZE, LEAF_SIZE};
use pop_sidecar::{
	auth,
	blob_store::{parse_id, BlobStore},
	hashing::{NativeSha256, TreeBuilder, TreeHasher},
	index::{ItemState, MetadataIndex, SledIndex},
};
use rayon::prelude::*;
use sp_core::Pair as _;
use std::{
	cell::Cell,
	error::Error,
	fs::File,
	io::Read,
	path::Path,
	process::ExitCode,
	time::{Duration, Instant},
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> ExitCode {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let args: Vec<&str> = args.iter().map(String::as_str).collect();
	let result = match args.as_slice() {
		["token", scope, audience, valid] => token(scope, audience, valid),
		["register", data_dir, id] => register(Path::new(data_dir), id),
		["hash", file] => hash(Path::new(file)),
		["prove", work, source, samples, sizes @ ..] if !sizes.is_empty() => {
			prove(Path::new(work), Path::new(source), samples, sizes)
		}
		["leaves", file, kibs @ ..] if !kibs.is_empty() => leaves(Path::new(file), kibs),
		_ => {
			Err("usage: sidecar_bench token <stream|upload> <audience> <valid seconds> | register \
		          <data dir> <0x id> | hash <file> | prove <work dir> <source file> <samples> \
		          <size>... | leaves <file> <leaf KiB>..."
				.into())
		}
	};
	match result {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("sidecar_bench: {error}");
			ExitCode::FAILURE
		}
	}
}

fn token(scope: &str, audience: &str, valid: &str) -> Result<()> {
	let scope: auth::Scope = scope.parse()?;
	let alice = sp_core::sr25519::Pair::from_string("//Alice", None)
		.map_err(|error| format!("//Alice: {error:?}"))?;
	let expires = pop_sidecar::unix_time_secs() + valid.parse::<u64>()?;
	println!("{}", auth::sign_token(&alice, scope, audience, expires));
	Ok(())
}

fn register(data_dir: &Path, id: &str) -> Result<()> {
	let id = parse_id(id.strip_prefix("0x").unwrap_or(id)).ok_or("not a content id")?;
	let index = SledIndex::open(&data_dir.join("index"))?;
	let mut item = index.item(&id)?.ok_or("no such item in the index")?;
	item.state = ItemState::Registered { price: 0 };
	index.put_item(&id, &item)?;
	index.flush()?;
	Ok(())
}

fn hash(file: &Path) -> Result<()> {
	use sha2::Digest;
	let bytes = bytes::Bytes::from(std::fs::read(file)?);
	// Pieces of the size the network hands the upload hasher.
	let pieces = || {
		(0..bytes.len())
			.step_by(256 << 10)
			.map(|at| bytes.slice(at..(at + (256 << 10)).min(bytes.len())))
	};
	let started = Instant::now();
	let mut tree = TreeBuilder::new();
	pieces().for_each(|piece| tree.update(&piece));
	let one_thread = tree.finish().map_err(|error| format!("{error:?}"))?.id::<NativeSha256>();
	let one_thread_s = started.elapsed();
	let started = Instant::now();
	let mut tree = TreeHasher::new();
	pieces().for_each(|piece| tree.update(piece));
	let pooled = tree.finish().map_err(|error| format!("{error:?}"))?.id::<NativeSha256>();
	let pooled_s = started.elapsed();
	if pooled != one_thread {
		return Err("the pooled commitment differs from the one-thread one".into());
	}
	let started = Instant::now();
	std::hint::black_box(sha2::Sha256::digest(&bytes));
	let plain = started.elapsed();
	println!(
		"commitment_s={:.4} commitment_pooled_s={:.4} sha256_s={:.4}",
		one_thread_s.as_secs_f64(),
		pooled_s.as_secs_f64(),
		plain.as_secs_f64()
	);
	Ok(())
}

fn prove(work: &Path, source: &Path, samples: &str, sizes: &[&str]) -> Result<()> {
	let samples: usize = samples.parse()?;
	let store = BlobStore::open(&work.join("proof-store"))?;
	for size in sizes {
		let size: u64 = size.parse()?;
		let id = store_prefix(&store, source, size)?;
		// Reading the item once puts it in the page cache, whatever happened to it before.
		std::io::copy(&mut store.open_blob(&id)?.0, &mut std::io::sink())?;
		let leaves = leaf_count(size);
		let mut random = SplitMix64(size);
		// A few unmeasured proofs first: the chunk-root file and code warm up.
		for _ in 0..10 {
			store.prove(&id, random.below(leaves))?;
		}
		let mut times = Vec::with_capacity(samples);
		let (mut smallest, mut largest) = (usize::MAX, 0);
		for sample in 0..samples {
			// The last leaf is always among the samples: its path may differ in length.
			let leaf = if sample == 0 { leaves - 1 } else { random.below(leaves) };
			let started = Instant::now();
			let proof = store.prove(&id, leaf)?;
			times.push(started.elapsed());
			proof
				.verify::<NativeSha256>(&id, size)
				.map_err(|error| format!("leaf {leaf}: the proof does not verify: {error:?}"))?;
			let encoded = proof.encode().len();
			smallest = smallest.min(encoded);
			largest = largest.max(encoded);
		}
		times.sort();
		let micros = |time: Duration| time.as_secs_f64() * 1e6;
		let quantile = |q: f64| micros(times[((times.len() - 1) as f64 * q).round() as usize]);
		println!(
			"size={size} leaves={leaves} samples={samples} proof_bytes_min={smallest} \
			 proof_bytes_max={largest} median_us={:.1} p90_us={:.1} max_us={:.1}",
			quantile(0.5),
			quantile(0.9),
			micros(times[times.len() - 1]),
		);
	}
	Ok(())
}

/// The commitment with leaves of another size, for comparing leaf sizes. Chunks stay
/// [`CHUNK_SIZE`] bytes (fewer, larger leaves each), so the pool gets the same pieces of work and
/// a proof still rebuilds one 256 KiB chunk; the tree over all leaves does not depend on the
/// chunk size, since chunks are aligned subtrees.
fn leaves(file: &Path, kibs: &[&str]) -> Result<()> {
	let bytes = bytes::Bytes::from(std::fs::read(file)?);
	let size = bytes.len() as u64;
	for kib in kibs {
		let leaf_size = kib.parse::<usize>()? << 10;
		// Chunks must stay aligned subtrees: a power of two of leaves each.
		if !leaf_size.is_power_of_two() || leaf_size > CHUNK_SIZE {
			return Err(format!("{kib} KiB leaves do not make whole 256 KiB chunks").into());
		}
		BLOCKS.with(|blocks| blocks.set(0));
		sized_root::<CountingSha256>(&bytes, leaf_size, false);
		let blocks = BLOCKS.with(Cell::get) + sha256_blocks(1 + 32 + 8);
		let started = Instant::now();
		let one_thread = sized_root::<NativeSha256>(&bytes, leaf_size, false);
		let one_thread_s = started.elapsed();
		let started = Instant::now();
		let pooled = sized_root::<NativeSha256>(&bytes, leaf_size, true);
		let pool_s = started.elapsed();
		if pooled != one_thread {
			return Err(format!("{kib} KiB leaves: the pool's tree differs").into());
		}
		let proof_bytes = proof_size(size, leaf_size);
		if leaf_size == LEAF_SIZE {
			check_against_the_commitment(&bytes, &pooled, proof_bytes)?;
		}
		println!(
			"leaf_bytes={leaf_size} chunk_bytes={CHUNK_SIZE} size={size} blocks={blocks} \
			 blocks_per_kib={:.4} one_thread_s={:.4} pool_s={:.4} pool_threads={} \
			 proof_bytes={proof_bytes}",
			blocks as f64 / (size as f64 / 1024.0),
			one_thread_s.as_secs_f64(),
			pool_s.as_secs_f64(),
			rayon::current_num_threads(),
		);
	}
	Ok(())
}

/// The chunk roots of `bytes` with leaves of `leaf_size` bytes, on one thread or on rayon's pool
/// (the one the sidecar hashes uploads on), and the root over them.
fn sized_root<H: commitment::Sha256>(bytes: &[u8], leaf_size: usize, pool: bool) -> Hash {
	let chunk_root = |chunk: &[u8]| {
		let leaves: Vec<Hash> =
			chunk.chunks(leaf_size).map(|leaf| sized_leaf_hash::<H>(leaf, leaf_size)).collect();
		commitment::root::<H>(&leaves).expect("chunks are never empty")
	};
	let chunk_roots: Vec<Hash> = if pool {
		bytes.par_chunks(CHUNK_SIZE).map(chunk_root).collect()
	} else {
		bytes.chunks(CHUNK_SIZE).map(chunk_root).collect()
	};
	commitment::root::<H>(&chunk_roots).expect("the file is not empty")
}

/// `commitment::leaf_hash` for leaves of `leaf_size` bytes (the primitives fix it at
/// [`LEAF_SIZE`]): `sha256(0x00 ‖ leaf bytes)`, a short last leaf zero-padded.
fn sized_leaf_hash<H: commitment::Sha256>(leaf: &[u8], leaf_size: usize) -> Hash {
	const LEAF_TAG: u8 = 0x00;
	let padding = vec![0; leaf_size - leaf.len()];
	H::hash(&[&[LEAF_TAG], leaf, &padding])
}

/// Encoded size of the `LeafProof` of leaf 0 (a whole leaf and the longest path) of an item of
/// `size` bytes with leaves of `leaf_size`: the index (u64), the leaf and the path's hashes,
/// each with its compact length prefix.
fn proof_size(size: u64, leaf_size: usize) -> usize {
	let mut width = size.div_ceil(leaf_size as u64);
	let mut path = 0;
	while width > 1 {
		path += 1;
		width = width.div_ceil(2);
	}
	let leaf = leaf_size.min(size as usize);
	8 + Compact(leaf as u32).encoded_size() + leaf + Compact(path as u32).encoded_size() + 32 * path
}

/// At the commitment's own leaf size, the tree above must be the commitment, and
/// [`proof_size`] the length of a real proof of leaf 0.
fn check_against_the_commitment(
	bytes: &bytes::Bytes,
	root: &Hash,
	proof_bytes: usize,
) -> Result<()> {
	let mut real = TreeHasher::new();
	real.update(bytes.clone());
	let real = real.finish().map_err(|error| format!("{error:?}"))?;
	if real.root::<NativeSha256>().as_ref() != Some(root) {
		return Err("the tree of 1 KiB leaves is not the commitment".into());
	}
	let proof = real
		.prove::<NativeSha256>(0, &bytes[..CHUNK_SIZE.min(bytes.len())])
		.map_err(|error| format!("{error:?}"))?;
	let id = real.id::<NativeSha256>().map_err(|error| format!("{error:?}"))?;
	proof.verify::<NativeSha256>(&id, real.size).map_err(|error| format!("{error:?}"))?;
	if proof.encode().len() != proof_bytes {
		return Err(format!(
			"a real proof is {} bytes, the formula says {proof_bytes}",
			proof.encode().len()
		)
		.into());
	}
	Ok(())
}

thread_local! {
	/// SHA-256 blocks [`CountingSha256`] was asked to hash on this thread.
	static BLOCKS: Cell<u64> = const { Cell::new(0) };
}

/// Counts the SHA-256 compression blocks of each message instead of hashing it.
struct CountingSha256;

impl commitment::Sha256 for CountingSha256 {
	fn hash(parts: &[&[u8]]) -> Hash {
		let len = parts.iter().map(|part| part.len()).sum();
		BLOCKS.with(|blocks| blocks.set(blocks.get() + sha256_blocks(len)));
		[0; 32]
	}
}

/// Compression blocks SHA-256 runs over a message of `len` bytes: the message, the 0x80 byte
/// and the 8-byte length, in 64-byte blocks.
fn sha256_blocks(len: usize) -> u64 {
	(len + 9).div_ceil(64) as u64
}

/// Stores the first `size` bytes of `source` as an item (hashed as the sidecar does).
fn store_prefix(store: &BlobStore, source: &Path, size: u64) -> Result<ContentId> {
	let mut source = File::open(source)?.take(size);
	let mut writer = store.writer()?;
	loop {
		let mut buffer = vec![0; 1 << 20];
		match source.read(&mut buffer)? {
			0 => break,
			read => {
				buffer.truncate(read);
				writer.write(buffer.into())?;
			}
		}
	}
	if writer.size() != size {
		return Err(format!("the source file has fewer than {size} bytes").into());
	}
	Ok(writer.commit(None)?)
}

/// A small deterministic generator, so every run proves the same leaves.
struct SplitMix64(u64);

impl SplitMix64 {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	/// Below `bound` (the tiny modulo bias does not matter here).
	fn below(&mut self, bound: u64) -> u64 {
		self.next() % bound
	}
}
