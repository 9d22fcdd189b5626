//! Weights of `pallet-pop-token` calls.
//!
//! Conservative estimates from the storage each call touches until `scripts/benchmark.sh`
//! replaces this file with weights measured by `benchmarking.rs`.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-pop-token`.
pub trait WeightInfo {
	fn pay_for_content(servers: u32) -> Weight;
}

/// Weights for `pallet-pop-token` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn pay_for_content(servers: u32) -> Weight {
		Weight::from_parts(80_000_000, 6_000)
			.saturating_add(Weight::from_parts(30_000_000, 2_600).saturating_mul(servers.into()))
			.saturating_add(T::DbWeight::get().reads_writes(6, 4))
			.saturating_add(T::DbWeight::get().reads_writes(1, 1).saturating_mul(servers.into()))
	}
}

impl WeightInfo for () {
	fn pay_for_content(servers: u32) -> Weight {
		Weight::from_parts(80_000_000, 6_000)
			.saturating_add(Weight::from_parts(30_000_000, 2_600).saturating_mul(servers.into()))
	}
}
