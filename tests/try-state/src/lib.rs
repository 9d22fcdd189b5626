//! # pop-try-state
//!
//! Runs the runtime's try-runtime checks on the state of a running `pop-node`: the upgrade
//! hooks of the runtime's `Migrations` and of every pallet (`pre_upgrade`, `on_runtime_upgrade`,
//! `post_upgrade`, which also compares each pallet's on-chain storage version with its
//! `STORAGE_VERSION`), then every pallet's `try_state` invariants.
//!
//! The state of one block (the finalized head unless told otherwise) is read over JSON-RPC,
//! page by page, into [`TestExternalities`], and the native runtime of this checkout, built
//! with `try-runtime`, runs `Executive::try_runtime_upgrade(UpgradeCheckSelect::All)` on it.
//! Nothing is written to the node. This is the check `try-runtime on-runtime-upgrade live`
//! makes, without a separate tool to install.

#![cfg(feature = "try-runtime")]

use frame_support::{traits::UpgradeCheckSelect, weights::Weight};
use jsonrpsee::{
	core::{client::ClientT, params::ArrayParams},
	http_client::{HttpClient, HttpClientBuilder},
};
use serde_json::Value;
use sp_core::storage::Storage;
use sp_io::TestExternalities;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Keys asked for in one `state_getKeysPaged` call: the most the node answers.
const KEYS_PER_PAGE: usize = 1000;

/// The state of one block.
pub struct ChainState {
	/// The block's hash, `0x` and hex.
	pub block: String,
	/// The block's number.
	pub number: u64,
	/// Every top-level storage key and its value.
	pub pairs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Reads the whole state of block `at` (the finalized head if `None`) from the node whose
/// JSON-RPC endpoint is `url` (`http://` or `ws://`; both are served on one port).
pub async fn fetch_state(url: &str, at: Option<String>) -> Result<ChainState, String> {
	let url = url.replacen("ws://", "http://", 1).replacen("wss://", "https://", 1);
	let client = HttpClientBuilder::default()
		// The largest page of values is about a megabyte on a busy chain.
		.max_response_size(256 << 20)
		.build(&url)
		.map_err(|error| format!("cannot reach {url}: {error}"))?;
	let block = match at {
		Some(hash) => hash,
		None => call::<String>(&client, "chain_getFinalizedHead", ArrayParams::new()).await?,
	};
	let header =
		call::<Value>(&client, "chain_getHeader", params([Value::from(block.clone())])).await?;
	let number = header["number"]
		.as_str()
		.and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
		.ok_or_else(|| format!("block {block} has no header with a number: {header}"))?;

	let mut pairs = Vec::new();
	let mut start = Value::Null;
	loop {
		let keys: Vec<String> = call(
			&client,
			"state_getKeysPaged",
			params(["0x".into(), KEYS_PER_PAGE.into(), start, block.clone().into()]),
		)
		.await?;
		if keys.is_empty() {
			break;
		}
		let sets: Vec<Value> = call(
			&client,
			"state_queryStorageAt",
			params([Value::from(keys.clone()), block.clone().into()]),
		)
		.await?;
		let before = pairs.len();
		for change in sets.iter().flat_map(|set| set["changes"].as_array().into_iter().flatten()) {
			if let (Some(key), Some(value)) = (change[0].as_str(), change[1].as_str()) {
				pairs.push((decode_hex(key)?, decode_hex(value)?));
			}
		}
		// A state checked with keys missing could pass checks the whole state fails.
		if pairs.len() - before != keys.len() {
			return Err(format!(
				"block {block}: {} keys listed but {} values returned",
				keys.len(),
				pairs.len() - before
			));
		}
		if keys.len() < KEYS_PER_PAGE {
			break;
		}
		start = keys.last().cloned().into();
	}
	Ok(ChainState { block, number, pairs })
}

/// Externalities holding `pairs` as their top-level storage.
pub fn externalities(pairs: Vec<(Vec<u8>, Vec<u8>)>) -> TestExternalities {
	TestExternalities::new(Storage { top: pairs.into_iter().collect(), ..Default::default() })
}

/// Runs the upgrade hooks and every pallet's `try_state` on `ext`; returns the upgrade's
/// weight, or what failed. A check that panics counts as failed.
pub fn check(ext: &mut TestExternalities) -> Result<Weight, String> {
	ext.execute_with(|| {
		catch_unwind(AssertUnwindSafe(|| {
			pop_runtime::Executive::try_runtime_upgrade(UpgradeCheckSelect::All)
		}))
	})
	.map_err(|panic| {
		let message = panic
			.downcast_ref::<&str>()
			.map(|text| text.to_string())
			.or_else(|| panic.downcast_ref::<String>().cloned())
			.unwrap_or_default();
		format!("a check panicked: {message}")
	})?
	.map_err(|error| format!("{error:?}"))
}

async fn call<R: serde::de::DeserializeOwned>(
	client: &HttpClient,
	method: &str,
	params: ArrayParams,
) -> Result<R, String> {
	client.request(method, params).await.map_err(|error| format!("{method} failed: {error}"))
}

fn params<const N: usize>(values: [Value; N]) -> ArrayParams {
	let mut params = ArrayParams::new();
	for value in values {
		params.insert(value).expect("a JSON value serializes");
	}
	params
}

fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
	hex::decode(text.trim_start_matches("0x")).map_err(|_| format!("`{text}` is not hex"))
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::traits::StorageVersion;
	use pop_runtime::Runtime;

	/// The development chain's genesis state, from its committed raw chain spec.
	fn development() -> TestExternalities {
		let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../chain-specs/dev.raw.json");
		let spec: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
		let top = spec["genesis"]["raw"]["top"].as_object().unwrap();
		let pairs = top
			.iter()
			.map(|(key, value)| {
				(decode_hex(key).unwrap(), decode_hex(value.as_str().unwrap()).unwrap())
			})
			.collect();
		externalities(pairs)
	}

	#[test]
	fn the_development_genesis_passes_every_check() {
		check(&mut development()).unwrap();
	}

	#[test]
	fn a_broken_invariant_fails_the_check() {
		let mut ext = development();
		// The content index claims an item nobody registered.
		ext.execute_with(|| pallet_content::ContentCount::<Runtime>::put(1));
		assert!(check(&mut ext).is_err());
	}

	#[test]
	fn a_storage_layout_without_its_migration_fails_the_check() {
		let mut ext = development();
		// State written by a newer layout than this code's: the migration is missing.
		ext.execute_with(|| StorageVersion::new(1).put::<pop_runtime::Content>());
		assert!(check(&mut ext).is_err());
	}
}
