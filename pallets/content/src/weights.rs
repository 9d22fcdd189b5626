//! Weights of `pallet_content`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-26 on Intel(R) Xeon(R) Processor with pop-node 0.1.0-6c94326dc81, wasm compiled,
//! dev genesis; 50 steps × 20 repeats.

//! Proof sizes are not estimated: POP is a solochain, and its blocks have no proof-size limit.
//! Do not edit by hand; run `scripts/benchmark.sh` again.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet_content`.
pub trait WeightInfo {
	fn register_content(a: u32, ) -> Weight;
	fn assign_pending(n: u32, ) -> Weight;
	fn remove_content(r: u32, ) -> Weight;
	fn confirm_replica() -> Weight;
	fn submit_proof(d: u32, ) -> Weight;
	fn expire_challenges(c: u32, ) -> Weight;
	fn reassign(r: u32, ) -> Weight;
	fn issue_challenges() -> Weight;
	fn handle_deadlines(n: u32, ) -> Weight;
	fn describe_video(r: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_content(a: u32, ) -> Weight {
		// Measured proof size: 1614 + a × 40 bytes.
		// Fastest run: 268_876 ns.
		Weight::from_parts(467_686_686, 0)
			.saturating_add(Weight::from_parts(1_192_801, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(9))
	}
	fn assign_pending(n: u32, ) -> Weight {
		// Measured proof size: 17907 + n × 353 bytes.
		// Fastest run: 6_556 ns.
		Weight::from_parts(5_135_912_122, 0)
			.saturating_add(Weight::from_parts(858_154_650, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(252))
			.saturating_add(T::DbWeight::get().reads((6_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(8))
			.saturating_add(T::DbWeight::get().writes((13_u64).saturating_mul(n.into())))
	}
	fn remove_content(r: u32, ) -> Weight {
		// Measured proof size: 1031 + r × 128 bytes.
		// Fastest run: 128_337 ns.
		Weight::from_parts(176_648_285, 0)
			.saturating_add(Weight::from_parts(13_252_590, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(7))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(10))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(r.into())))
	}
	fn confirm_replica() -> Weight {
		// Measured proof size: 1104 bytes.
		// Fastest run: 43_422 ns.
		Weight::from_parts(55_733_000, 0)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn submit_proof(d: u32, ) -> Weight {
		// Measured proof size: 1131 bytes.
		// Fastest run: 61_507 ns.
		Weight::from_parts(125_629_763, 0)
			.saturating_add(Weight::from_parts(854_709, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn expire_challenges(c: u32, ) -> Weight {
		// Measured proof size: 259 + c × 1136 bytes.
		// Fastest run: 7_360 ns.
		Weight::from_parts(115_220_586, 0)
			.saturating_add(Weight::from_parts(227_500_005, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().reads((15_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((8_u64).saturating_mul(c.into())))
	}
	fn reassign(r: u32, ) -> Weight {
		// Measured proof size: 18889 + r × 867 bytes.
		// Fastest run: 1_827_710 ns.
		Weight::from_parts(5_001_417_312, 0)
			.saturating_add(Weight::from_parts(756_886_980, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(298))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((7_u64).saturating_mul(r.into())))
	}
	fn issue_challenges() -> Weight {
		// Measured proof size: 2021 bytes.
		// Fastest run: 168_538 ns.
		Weight::from_parts(205_588_000, 0)
			.saturating_add(T::DbWeight::get().reads(16))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn handle_deadlines(n: u32, ) -> Weight {
		// Measured proof size: 18423 + n × 851 bytes.
		// Fastest run: 1_344_166 ns.
		Weight::from_parts(5_174_049_104, 0)
			.saturating_add(Weight::from_parts(818_090_045, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(297))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(24))
			.saturating_add(T::DbWeight::get().writes((23_u64).saturating_mul(n.into())))
	}
	fn describe_video(r: u32, ) -> Weight {
		Weight::from_parts(250_000_000, 0)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(3))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(r.into())))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn register_content(a: u32, ) -> Weight {
		// Measured proof size: 1614 + a × 40 bytes.
		// Fastest run: 268_876 ns.
		Weight::from_parts(467_686_686, 0)
			.saturating_add(Weight::from_parts(1_192_801, 0).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads(10))
			.saturating_add(RocksDbWeight::get().writes(9))
	}
	fn assign_pending(n: u32, ) -> Weight {
		// Measured proof size: 17907 + n × 353 bytes.
		// Fastest run: 6_556 ns.
		Weight::from_parts(5_135_912_122, 0)
			.saturating_add(Weight::from_parts(858_154_650, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(252))
			.saturating_add(RocksDbWeight::get().reads((6_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(8))
			.saturating_add(RocksDbWeight::get().writes((13_u64).saturating_mul(n.into())))
	}
	fn remove_content(r: u32, ) -> Weight {
		// Measured proof size: 1031 + r × 128 bytes.
		// Fastest run: 128_337 ns.
		Weight::from_parts(176_648_285, 0)
			.saturating_add(Weight::from_parts(13_252_590, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(7))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(10))
			.saturating_add(RocksDbWeight::get().writes((2_u64).saturating_mul(r.into())))
	}
	fn confirm_replica() -> Weight {
		// Measured proof size: 1104 bytes.
		// Fastest run: 43_422 ns.
		Weight::from_parts(55_733_000, 0)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn submit_proof(d: u32, ) -> Weight {
		// Measured proof size: 1131 bytes.
		// Fastest run: 61_507 ns.
		Weight::from_parts(125_629_763, 0)
			.saturating_add(Weight::from_parts(854_709, 0).saturating_mul(d.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn expire_challenges(c: u32, ) -> Weight {
		// Measured proof size: 259 + c × 1136 bytes.
		// Fastest run: 7_360 ns.
		Weight::from_parts(115_220_586, 0)
			.saturating_add(Weight::from_parts(227_500_005, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().reads((15_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((8_u64).saturating_mul(c.into())))
	}
	fn reassign(r: u32, ) -> Weight {
		// Measured proof size: 18889 + r × 867 bytes.
		// Fastest run: 1_827_710 ns.
		Weight::from_parts(5_001_417_312, 0)
			.saturating_add(Weight::from_parts(756_886_980, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(298))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((7_u64).saturating_mul(r.into())))
	}
	fn issue_challenges() -> Weight {
		// Measured proof size: 2021 bytes.
		// Fastest run: 168_538 ns.
		Weight::from_parts(205_588_000, 0)
			.saturating_add(RocksDbWeight::get().reads(16))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn handle_deadlines(n: u32, ) -> Weight {
		// Measured proof size: 18423 + n × 851 bytes.
		// Fastest run: 1_344_166 ns.
		Weight::from_parts(5_174_049_104, 0)
			.saturating_add(Weight::from_parts(818_090_045, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(297))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(24))
			.saturating_add(RocksDbWeight::get().writes((23_u64).saturating_mul(n.into())))
	}
	fn describe_video(r: u32, ) -> Weight {
		Weight::from_parts(250_000_000, 0)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(3))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(r.into())))
	}
}
