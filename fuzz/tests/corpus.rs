//! Every committed corpus entry (`corpus/<target>/`) through its target's check, without the
//! fuzzer: the short pass CI runs (`scripts/fuzz-replay.sh`).

use std::{fs, path::Path, time::Instant};

/// Runs every entry of `corpus/<name>` through `check`; a corpus folder must not be empty.
fn replay(name: &str, check: fn(&[u8])) {
	let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(name);
	let started = Instant::now();
	let mut entries: Vec<_> = fs::read_dir(&folder)
		.unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
		.map(|entry| entry.expect("a readable folder").path())
		.collect();
	entries.sort();
	assert!(!entries.is_empty(), "{} is empty", folder.display());
	for entry in &entries {
		let bytes = fs::read(entry).expect("a readable entry");
		// The entry's name in the failure tells which input to run the fuzzer's binary on.
		eprintln!("{name}: {}", entry.display());
		check(&bytes);
	}
	println!("{name}: {} entries in {:.2?}", entries.len(), started.elapsed());
}

macro_rules! replay_tests {
	($($target:ident),* $(,)?) => {
		$(
			#[test]
			fn $target() {
				replay(stringify!($target), pop_fuzz::$target::check);
			}
		)*

		#[test]
		fn every_target_is_replayed() {
			let replayed = [$(stringify!($target)),*];
			let targets: Vec<&str> = pop_fuzz::TARGETS.iter().map(|(name, _)| *name).collect();
			assert_eq!(targets, replayed);
		}
	};
}

replay_tests!(range, tus_headers, auth_token, leaf_proof, content_locate, runtime_call);
