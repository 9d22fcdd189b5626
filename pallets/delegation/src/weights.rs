//! Weights of `pallet_delegation`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-26 on Intel(R) Xeon(R) Processor with pop-node 0.1.0-6c94326dc81, wasm compiled,
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
	fn on_slash() -> Weight;
	fn withdraw_closed() -> Weight;
	fn rotate_era(m: u32, d: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn delegate() -> Weight {
		// Measured proof size: 1259 bytes.
		// Fastest run: 162_213 ns.
		Weight::from_parts(263_941_000, 0)
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn undelegate() -> Weight {
		// Measured proof size: 2810 bytes.
		// Fastest run: 147_983 ns.
		Weight::from_parts(239_480_000, 0)
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(7))
	}
	fn redelegate() -> Weight {
		// Measured proof size: 3136 bytes.
		// Fastest run: 154_685 ns.
		Weight::from_parts(190_210_000, 0)
			.saturating_add(T::DbWeight::get().reads(11))
			.saturating_add(T::DbWeight::get().writes(7))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 1367 + c × 191 bytes.
		// Fastest run: 172_073 ns.
		Weight::from_parts(364_513_321, 0)
			.saturating_add(Weight::from_parts(89_155_125, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(9))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(6))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(c.into())))
	}
	fn on_slash() -> Weight {
		// Measured proof size: 743 bytes.
		// Fastest run: 60_382 ns.
		Weight::from_parts(95_035_000, 0)
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn withdraw_closed() -> Weight {
		// Measured proof size: 1269 bytes.
		// Fastest run: 150_754 ns.
		Weight::from_parts(254_816_000, 0)
			.saturating_add(T::DbWeight::get().reads(9))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn rotate_era(m: u32, d: u32, ) -> Weight {
		// Measured proof size: 10081 + m × 218 bytes.
		// Fastest run: 516_419 ns.
		Weight::from_parts(6_661_148_000, 0)
			.saturating_add(Weight::from_parts(43_486_132, 0).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(71_644, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(71))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(T::DbWeight::get().writes(96))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn delegate() -> Weight {
		// Measured proof size: 1259 bytes.
		// Fastest run: 162_213 ns.
		Weight::from_parts(263_941_000, 0)
			.saturating_add(RocksDbWeight::get().reads(7))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn undelegate() -> Weight {
		// Measured proof size: 2810 bytes.
		// Fastest run: 147_983 ns.
		Weight::from_parts(239_480_000, 0)
			.saturating_add(RocksDbWeight::get().reads(10))
			.saturating_add(RocksDbWeight::get().writes(7))
	}
	fn redelegate() -> Weight {
		// Measured proof size: 3136 bytes.
		// Fastest run: 154_685 ns.
		Weight::from_parts(190_210_000, 0)
			.saturating_add(RocksDbWeight::get().reads(11))
			.saturating_add(RocksDbWeight::get().writes(7))
	}
	fn withdraw_unbonded(c: u32, ) -> Weight {
		// Measured proof size: 1367 + c × 191 bytes.
		// Fastest run: 172_073 ns.
		Weight::from_parts(364_513_321, 0)
			.saturating_add(Weight::from_parts(89_155_125, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(9))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(6))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(c.into())))
	}
	fn on_slash() -> Weight {
		// Measured proof size: 743 bytes.
		// Fastest run: 60_382 ns.
		Weight::from_parts(95_035_000, 0)
			.saturating_add(RocksDbWeight::get().reads(7))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn withdraw_closed() -> Weight {
		// Measured proof size: 1269 bytes.
		// Fastest run: 150_754 ns.
		Weight::from_parts(254_816_000, 0)
			.saturating_add(RocksDbWeight::get().reads(9))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn rotate_era(m: u32, d: u32, ) -> Weight {
		// Measured proof size: 10081 + m × 218 bytes.
		// Fastest run: 516_419 ns.
		Weight::from_parts(6_661_148_000, 0)
			.saturating_add(Weight::from_parts(43_486_132, 0).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(71_644, 0).saturating_mul(d.into()))
			.saturating_add(RocksDbWeight::get().reads(71))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(m.into())))
			.saturating_add(RocksDbWeight::get().writes(96))
	}
}
