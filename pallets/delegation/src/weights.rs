//! Weights of `pallet-delegation` calls and of the era rotation.
//!
//! Conservative estimates from the storage each call touches until `scripts/benchmark.sh`
//! replaces this file with weights measured by `benchmarking.rs`.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed by `pallet-delegation`.
pub trait WeightInfo {
	fn delegate() -> Weight;
	fn undelegate() -> Weight;
	fn redelegate() -> Weight;
	fn withdraw_unbonded(chunks: u32) -> Weight;
	fn rotate_era(masternodes: u32, delegators: u32) -> Weight;
}

const COMPUTE: u64 = 60_000_000;

/// Weights for `pallet-delegation` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn delegate() -> Weight {
		Weight::from_parts(COMPUTE, 6_000).saturating_add(T::DbWeight::get().reads_writes(8, 6))
	}
	fn undelegate() -> Weight {
		Weight::from_parts(COMPUTE, 6_000).saturating_add(T::DbWeight::get().reads_writes(8, 7))
	}
	fn redelegate() -> Weight {
		Weight::from_parts(2 * COMPUTE, 8_000)
			.saturating_add(T::DbWeight::get().reads_writes(12, 10))
	}
	fn withdraw_unbonded(chunks: u32) -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
			.saturating_add(Weight::from_parts(1_000_000, 0).saturating_mul(chunks.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 3))
	}
	fn rotate_era(masternodes: u32, _delegators: u32) -> Weight {
		Weight::from_parts(COMPUTE, 10_000)
			.saturating_add(Weight::from_parts(1_000_000, 3_000).saturating_mul(masternodes.into()))
			.saturating_add(
				T::DbWeight::get().reads_writes(3, 3).saturating_mul(masternodes.into()),
			)
	}
}

impl WeightInfo for () {
	fn delegate() -> Weight {
		Weight::from_parts(COMPUTE, 6_000)
	}
	fn undelegate() -> Weight {
		Weight::from_parts(COMPUTE, 6_000)
	}
	fn redelegate() -> Weight {
		Weight::from_parts(2 * COMPUTE, 8_000)
	}
	fn withdraw_unbonded(_chunks: u32) -> Weight {
		Weight::from_parts(COMPUTE, 4_000)
	}
	fn rotate_era(masternodes: u32, _delegators: u32) -> Weight {
		Weight::from_parts(COMPUTE, 10_000)
			.saturating_add(Weight::from_parts(1_000_000, 3_000).saturating_mul(masternodes.into()))
	}
}
