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
//! ```

use codec::Encode;
use pop_primitives::commitment::{leaf_count, ContentId};
use pop_sidecar::{
	auth,
	blob_store::{parse_id, BlobStore},
	hashing::{NativeSha256, TreeBuilder, TreeHasher},
	index::{ItemState, MetadataIndex, SledIndex},
};
use sp_core::Pair as _;
use std::{
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
		_ => {
			Err("usage: sidecar_bench token <stream|upload> <audience> <valid seconds> | register \
		          <data dir> <0x id> | hash <file> | prove <work dir> <source file> <samples> \
		          <size>..."
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
