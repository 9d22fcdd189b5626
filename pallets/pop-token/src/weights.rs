//! Weights of `pallet_pop_token`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-26 on Intel(R) Xeon(R) Processor with pop-node 0.1.0-6c94326dc81, wasm compiled,
//! dev genesis; 50 steps × 20 repeats.

//! Proof sizes are not estimated: POP is a solochain, and its blocks have no proof-size limit.
//! Do not edit by hand; run `scripts/benchmark.sh` again.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet_pop_token`.
pub trait WeightInfo {
	fn pay_for_content(s: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn pay_for_content(s: u32, ) -> Weight {
		// Measured proof size: 763 + s × 113 bytes.
		// Fastest run: 139_387 ns.
		Weight::from_parts(537_522_467, 0)
			.saturating_add(Weight::from_parts(54_800_484, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(s.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(s.into())))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn pay_for_content(s: u32, ) -> Weight {
		// Measured proof size: 763 + s × 113 bytes.
		// Fastest run: 139_387 ns.
		Weight::from_parts(537_522_467, 0)
			.saturating_add(Weight::from_parts(54_800_484, 0).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(s.into())))
			.saturating_add(RocksDbWeight::get().writes(3))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(s.into())))
	}
}
