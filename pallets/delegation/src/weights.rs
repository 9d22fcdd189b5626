//! Weights of `pallet_delegation`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-24 on AMD EPYC with pop-node 0.1.0-b0001b7a6f8, wasm compiled,
//! dev genesis; calls 50 steps × 20 repeats, rotate_era 5 × 2.

//! Proof sizes are not estimated: POP is a solochain, and its blocks have no proof-size limit.
//! Do not edit by hand; run `scripts/benchmark.sh` again.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet_delegation`.
pub trait WeightInfo {
	fn delegate() -> Weight;
	fn undelegate() -> Weight;
	fn redelegate() -> Weight;
	fn withdraw_unbonded(c: u32, ) -> Weight;
	fn rotate_era(m: u32, d: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn delegate() -> Weight {
		// Measured proof size: 1259 bytes.
		// Fastest run: 117_855 ns.
		Weight::from_parts(122_432_000, 0)
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn undelegate() -> Weight {
		// Measured proof size: 1019 bytes.
		// Fastest run: 73_389 ns.
		Weight::from_parts(77_405_000, 0)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn redelegate() -> Weight {
		// Measured proof size: 1595 bytes.
		// Fastest run: 101_892 ns.
		Weight::from_parts(108_561_000, 0)
			.saturating_add(T::DbWeight::get().reads(11))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 661 + c × 20 bytes.
		// Fastest run: 58_037 ns.
		Weight::from_parts(62_287_751, 0)
			.saturating_add(Weight::from_parts(7_830, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn rotate_era(m: u32, d: u32, ) -> Weight {
		// Measured proof size: 10080 + m × 218 bytes.
		// Fastest run: 428_808 ns.
		Weight::from_parts(428_808_000, 0)
			.saturating_add(Weight::from_parts(25_209_665, 0).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(60_208, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes(91))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn delegate() -> Weight {
		// Measured proof size: 1259 bytes.
		// Fastest run: 117_855 ns.
		Weight::from_parts(122_432_000, 0)
			.saturating_add(RocksDbWeight::get().reads(7))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn undelegate() -> Weight {
		// Measured proof size: 1019 bytes.
		// Fastest run: 73_389 ns.
		Weight::from_parts(77_405_000, 0)
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn redelegate() -> Weight {
		// Measured proof size: 1595 bytes.
		// Fastest run: 101_892 ns.
		Weight::from_parts(108_561_000, 0)
			.saturating_add(RocksDbWeight::get().reads(11))
			.saturating_add(RocksDbWeight::get().writes(8))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 661 + c × 20 bytes.
		// Fastest run: 58_037 ns.
		Weight::from_parts(62_287_751, 0)
			.saturating_add(Weight::from_parts(7_830, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn rotate_era(m: u32, d: u32, ) -> Weight {
		// Measured proof size: 10080 + m × 218 bytes.
		// Fastest run: 428_808 ns.
		Weight::from_parts(428_808_000, 0)
			.saturating_add(Weight::from_parts(25_209_665, 0).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(60_208, 0).saturating_mul(d.into()))
			.saturating_add(RocksDbWeight::get().reads(64))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(RocksDbWeight::get().writes(91))
	}
}
