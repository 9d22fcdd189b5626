//! Weights of `pallet_masternodes`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-24 on AMD EPYC with pop-node 0.1.0-b0001b7a6f8, wasm compiled,
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
	fn unjail() -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		// Measured proof size: 377 bytes.
		// Fastest run: 69_243 ns.
		Weight::from_parts(72_548_000, 0)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn update() -> Weight {
		// Measured proof size: 332 bytes.
		// Fastest run: 23_675 ns.
		Weight::from_parts(25_518_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn bond_more() -> Weight {
		// Measured proof size: 507 bytes.
		// Fastest run: 60_880 ns.
		Weight::from_parts(63_464_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		// Measured proof size: 585 bytes.
		// Fastest run: 22_043 ns.
		Weight::from_parts(23_836_000, 0)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 702 + c × 20 bytes.
		// Fastest run: 57_636 ns.
		Weight::from_parts(60_519_134, 0)
			.saturating_add(Weight::from_parts(17_576, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn deregister() -> Weight {
		// Measured proof size: 669 bytes.
		// Fastest run: 27_932 ns.
		Weight::from_parts(30_105_000, 0)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn unjail() -> Weight {
		// Measured proof size: 589 bytes.
		// Fastest run: 16_214 ns.
		Weight::from_parts(17_707_000, 0)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn register() -> Weight {
		// Measured proof size: 377 bytes.
		// Fastest run: 69_243 ns.
		Weight::from_parts(72_548_000, 0)
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn update() -> Weight {
		// Measured proof size: 332 bytes.
		// Fastest run: 23_675 ns.
		Weight::from_parts(25_518_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn bond_more() -> Weight {
		// Measured proof size: 507 bytes.
		// Fastest run: 60_880 ns.
		Weight::from_parts(63_464_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn unbond() -> Weight {
		// Measured proof size: 585 bytes.
		// Fastest run: 22_043 ns.
		Weight::from_parts(23_836_000, 0)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 702 + c × 20 bytes.
		// Fastest run: 57_636 ns.
		Weight::from_parts(60_519_134, 0)
			.saturating_add(Weight::from_parts(17_576, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn deregister() -> Weight {
		// Measured proof size: 669 bytes.
		// Fastest run: 27_932 ns.
		Weight::from_parts(30_105_000, 0)
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn unjail() -> Weight {
		// Measured proof size: 589 bytes.
		// Fastest run: 16_214 ns.
		Weight::from_parts(17_707_000, 0)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
}
