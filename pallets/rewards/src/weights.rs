//! Weights of `pallet-rewards` calls.
//!
//! Conservative estimates from the storage each call touches until `scripts/benchmark.sh`
//! replaces this file with weights measured by `benchmarking.rs`.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-rewards`.
pub trait WeightInfo {
	fn claim(n: u32) -> Weight;
}

/// Weights for `pallet-rewards` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn claim(n: u32) -> Weight {
		Weight::from_parts(50_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads_writes(4, 4))
			.saturating_add(T::DbWeight::get().reads_writes(3, 3).saturating_mul(n.into()))
	}
}

impl WeightInfo for () {
	fn claim(n: u32) -> Weight {
		Weight::from_parts(50_000_000, 4_000)
			.saturating_add(Weight::from_parts(10_000_000, 3_000).saturating_mul(n.into()))
	}
}
