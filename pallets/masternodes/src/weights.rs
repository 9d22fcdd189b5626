//! Weights of `pallet-masternodes` calls.
//!
//! These are conservative estimates from the storage each call touches (reads and writes at
//! `RocksDbWeight` cost plus a fixed compute allowance) until `scripts/benchmark.sh` replaces
//! this file with weights measured by the benchmarks in `benchmarking.rs`.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-masternodes`.
pub trait WeightInfo {
	fn register() -> Weight;
	fn update() -> Weight;
	fn bond_more() -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded(chunks: u32) -> Weight;
	fn deregister() -> Weight;
	fn unjail() -> Weight;
}

/// Weights for `pallet-masternodes` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);

const COMPUTE: u64 = 50_000_000;

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register() -> Weight {
		Weight::from_parts(COMPUTE, 4_000).saturating_add(T::DbWeight::get().reads_writes(6, 5))
	}
	fn update() -> Weight {
		Weight::from_parts(COMPUTE, 4_000).saturating_add(T::DbWeight::get().reads_writes(4, 3))
	}
	fn bond_more() -> Weight {
		Weight::from_parts(COMPUTE, 4_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(COMPUTE, 4_000).saturating_add(T::DbWeight::get().reads_writes(3, 2))
	}
	fn withdraw_unbonded(chunks: u32) -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(chunks.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 3))
	}
	fn deregister() -> Weight {
		Weight::from_parts(COMPUTE, 4_000).saturating_add(T::DbWeight::get().reads_writes(5, 4))
	}
	fn unjail() -> Weight {
		Weight::from_parts(COMPUTE, 4_000).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
}

/// Test weights: the same estimates without a runtime.
impl WeightInfo for () {
	fn register() -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
	fn update() -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
	fn bond_more() -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
	fn unbond() -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
	fn withdraw_unbonded(_chunks: u32) -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
	fn deregister() -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
	fn unjail() -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
}
