//! Weights of `pallet_masternodes`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-26 on Intel(R) Xeon(R) Processor with pop-node 0.1.0-6c94326dc81, wasm compiled,
//! dev genesis; 50 steps × 20 repeats.

//! Proof sizes are not estimated: POP is a solochain, and its blocks have no proof-size limit.
//! Do not edit by hand; run `scripts/benchmark.sh` again.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet_masternodes`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn update() -> Weight;
	fn bond_more() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded(c: u32, ) -> Weight;
	fn deregister() -> Weight;
	fn slash_and_jail() -> Weight;
	fn unjail() -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		// Measured proof size: 769 bytes.
		// Fastest run: 114_291 ns.
		Weight::from_parts(195_840_000, 0)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn update() -> Weight {
		// Measured proof size: 332 bytes.
		// Fastest run: 41_441 ns.
		Weight::from_parts(77_621_000, 0)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn bond_more() -> Weight {
		// Measured proof size: 507 bytes.
		// Fastest run: 86_012 ns.
		Weight::from_parts(156_264_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		// Measured proof size: 585 bytes.
		// Fastest run: 34_791 ns.
		Weight::from_parts(64_230_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn withdraw_unbonded(_c: u32, ) -> Weight {
		// Measured proof size: 702 + c × 20 bytes.
		// Fastest run: 91_869 ns.
		Weight::from_parts(163_390_050, 0)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn deregister() -> Weight {
		// Measured proof size: 1060 bytes.
		// Fastest run: 70_044 ns.
		Weight::from_parts(132_337_000, 0)
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn slash_and_jail() -> Weight {
		// Measured proof size: 1290 bytes.
		// Fastest run: 497_907 ns.
		Weight::from_parts(886_396_000, 0)
			.saturating_add(T::DbWeight::get().reads(11))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn unjail() -> Weight {
		// Measured proof size: 589 bytes.
		// Fastest run: 25_540 ns.
		Weight::from_parts(50_792_000, 0)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn register() -> Weight {
		// Measured proof size: 769 bytes.
		// Fastest run: 114_291 ns.
		Weight::from_parts(195_840_000, 0)
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn update() -> Weight {
		// Measured proof size: 332 bytes.
		// Fastest run: 41_441 ns.
		Weight::from_parts(77_621_000, 0)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn bond_more() -> Weight {
		// Measured proof size: 507 bytes.
		// Fastest run: 86_012 ns.
		Weight::from_parts(156_264_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		// Measured proof size: 585 bytes.
		// Fastest run: 34_791 ns.
		Weight::from_parts(64_230_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn withdraw_unbonded(_c: u32, ) -> Weight {
		// Measured proof size: 702 + c × 20 bytes.
		// Fastest run: 91_869 ns.
		Weight::from_parts(163_390_050, 0)
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn deregister() -> Weight {
		// Measured proof size: 1060 bytes.
		// Fastest run: 70_044 ns.
		Weight::from_parts(132_337_000, 0)
			.saturating_add(RocksDbWeight::get().reads(7))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn slash_and_jail() -> Weight {
		// Measured proof size: 1290 bytes.
		// Fastest run: 497_907 ns.
		Weight::from_parts(886_396_000, 0)
			.saturating_add(RocksDbWeight::get().reads(11))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn unjail() -> Weight {
		// Measured proof size: 589 bytes.
		// Fastest run: 25_540 ns.
		Weight::from_parts(50_792_000, 0)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
}
