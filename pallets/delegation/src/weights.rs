//! Weights of `pallet_delegation`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-25 on AMD EPYC with pop-node 0.1.0-ecf6ca64a2f, wasm compiled,
//! dev genesis; calls 50 steps × 20 repeats, rotate_era 5 × 2.

//! Proof sizes are not estimated: POP is a solochain, and its blocks have no proof-size limit.
//! Do not edit by hand; run `scripts/benchmark.sh` again.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet_delegation`.
pub trait WeightInfo {
	fn on_slash() -> Weight;
	fn delegate() -> Weight;
	fn undelegate() -> Weight;
	fn redelegate() -> Weight;
	fn withdraw_unbonded(c: u32, ) -> Weight;
	fn withdraw_closed() -> Weight;
	fn rotate_era(m: u32, d: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn on_slash() -> Weight {
		Weight::from_parts(100_000_000, 0)
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(10))
	}
	fn delegate() -> Weight {
		// Measured proof size: 1259 bytes.
		// Fastest run: 116_343 ns.
		Weight::from_parts(125_106_000, 0)
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn undelegate() -> Weight {
		// Measured proof size: 1019 bytes.
		// Fastest run: 72_388 ns.
		Weight::from_parts(78_467_000, 0)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn redelegate() -> Weight {
		// Measured proof size: 1595 bytes.
		// Fastest run: 99_308 ns.
		Weight::from_parts(105_907_000, 0)
			.saturating_add(T::DbWeight::get().reads(11))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 661 + c × 20 bytes.
		// Fastest run: 58_066 ns.
		Weight::from_parts(61_336_524, 0)
			.saturating_add(Weight::from_parts(145_967, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn withdraw_closed() -> Weight {
		// Not measured yet: undelegate's numbers until `scripts/benchmark.sh` runs again.
		Weight::from_parts(78_467_000, 0)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn rotate_era(m: u32, d: u32, ) -> Weight {
		// Measured proof size: 10081 + m × 218 bytes.
		// Fastest run: 384_362 ns.
		Weight::from_parts(384_362_000, 0)
			.saturating_add(Weight::from_parts(26_800_613, 0).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(80_734, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes(91))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn on_slash() -> Weight {
		Weight::from_parts(100_000_000, 0)
			.saturating_add(RocksDbWeight::get().reads(10))
			.saturating_add(RocksDbWeight::get().writes(10))
	}
	fn delegate() -> Weight {
		// Measured proof size: 1259 bytes.
		// Fastest run: 116_343 ns.
		Weight::from_parts(125_106_000, 0)
			.saturating_add(RocksDbWeight::get().reads(7))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn undelegate() -> Weight {
		// Measured proof size: 1019 bytes.
		// Fastest run: 72_388 ns.
		Weight::from_parts(78_467_000, 0)
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn redelegate() -> Weight {
		// Measured proof size: 1595 bytes.
		// Fastest run: 99_308 ns.
		Weight::from_parts(105_907_000, 0)
			.saturating_add(RocksDbWeight::get().reads(11))
			.saturating_add(RocksDbWeight::get().writes(8))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 661 + c × 20 bytes.
		// Fastest run: 58_066 ns.
		Weight::from_parts(61_336_524, 0)
			.saturating_add(Weight::from_parts(145_967, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn withdraw_closed() -> Weight {
		// Not measured yet: undelegate's numbers until `scripts/benchmark.sh` runs again.
		Weight::from_parts(78_467_000, 0)
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn rotate_era(m: u32, d: u32, ) -> Weight {
		// Measured proof size: 10081 + m × 218 bytes.
		// Fastest run: 384_362 ns.
		Weight::from_parts(384_362_000, 0)
			.saturating_add(Weight::from_parts(26_800_613, 0).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(80_734, 0).saturating_mul(d.into()))
			.saturating_add(RocksDbWeight::get().reads(64))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(RocksDbWeight::get().writes(91))
	}
}
