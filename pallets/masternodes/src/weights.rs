//! Weights of `pallet_masternodes`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-25 on AMD EPYC with pop-node 0.1.0-ecf6ca64a2f, wasm compiled,
//! dev genesis; 50 steps × 20 repeats.

//! Proof sizes are not estimated: POP is a solochain, and its blocks have no proof-size limit.
//! Do not edit by hand; run `scripts/benchmark.sh` again.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet_masternodes`.
pub trait WeightInfo {
	fn slash_and_jail() -> Weight;
	fn register() -> Weight;
	fn update() -> Weight;
	fn bond_more() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded(c: u32, ) -> Weight;
	fn deregister() -> Weight;
	fn unjail() -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn slash_and_jail() -> Weight {
		Weight::from_parts(200_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(20))
			.saturating_add(T::DbWeight::get().writes(20))
	}
	fn register() -> Weight {
		// Measured proof size: 377 bytes.
		// Fastest run: 70_084 ns.
		Weight::from_parts(74_130_000, 0)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn update() -> Weight {
		// Measured proof size: 332 bytes.
		// Fastest run: 24_216 ns.
		Weight::from_parts(26_709_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn bond_more() -> Weight {
		// Measured proof size: 507 bytes.
		// Fastest run: 62_323 ns.
		Weight::from_parts(67_631_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		// Measured proof size: 585 bytes.
		// Fastest run: 22_674 ns.
		Weight::from_parts(26_519_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn withdraw_unbonded(_c: u32, ) -> Weight {
		// Measured proof size: 702 + c × 20 bytes.
		// Fastest run: 58_107 ns.
		Weight::from_parts(70_167_845, 0)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn deregister() -> Weight {
		// Measured proof size: 675 bytes.
		// Fastest run: 32_749 ns.
		Weight::from_parts(36_114_000, 0)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn unjail() -> Weight {
		// Measured proof size: 589 bytes.
		// Fastest run: 16_504 ns.
		Weight::from_parts(18_237_000, 0)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn slash_and_jail() -> Weight {
		Weight::from_parts(200_000_000, 0)
			.saturating_add(RocksDbWeight::get().reads(20))
			.saturating_add(RocksDbWeight::get().writes(20))
	}
	fn register() -> Weight {
		// Measured proof size: 377 bytes.
		// Fastest run: 70_084 ns.
		Weight::from_parts(74_130_000, 0)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn update() -> Weight {
		// Measured proof size: 332 bytes.
		// Fastest run: 24_216 ns.
		Weight::from_parts(26_709_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn bond_more() -> Weight {
		// Measured proof size: 507 bytes.
		// Fastest run: 62_323 ns.
		Weight::from_parts(67_631_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		// Measured proof size: 585 bytes.
		// Fastest run: 22_674 ns.
		Weight::from_parts(26_519_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn withdraw_unbonded(_c: u32, ) -> Weight {
		// Measured proof size: 702 + c × 20 bytes.
		// Fastest run: 58_107 ns.
		Weight::from_parts(70_167_845, 0)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn deregister() -> Weight {
		// Measured proof size: 675 bytes.
		// Fastest run: 32_749 ns.
		Weight::from_parts(36_114_000, 0)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn unjail() -> Weight {
		// Measured proof size: 589 bytes.
		// Fastest run: 16_504 ns.
		Weight::from_parts(18_237_000, 0)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
}
