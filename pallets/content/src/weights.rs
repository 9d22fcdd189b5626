//! Weights of `pallet_content`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-27 on Intel(R) Xeon(R) Processor with pop-node 0.1.0-ddcacbff37a, wasm compiled,
//! dev genesis; 50 steps × 20 repeats.

//! Proof sizes are not estimated: POP is a solochain, and its blocks have no proof-size limit.
//! Do not edit by hand; run `scripts/benchmark.sh` again.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::RocksDbWeight, Weight}};

/// Weight functions needed by `pallet_content`.
pub trait WeightInfo {
	fn describe_video(r: u32, ) -> Weight;
	fn register_content(a: u32, ) -> Weight;
	fn assign_pending(n: u32, ) -> Weight;
	fn remove_content(r: u32, ) -> Weight;
	fn confirm_replica() -> Weight;
	fn submit_proof(d: u32, ) -> Weight;
	fn expire_challenges(c: u32, ) -> Weight;
	fn reassign(r: u32, ) -> Weight;
	fn issue_challenges() -> Weight;
	fn handle_deadlines(n: u32, ) -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn describe_video(r: u32, ) -> Weight {
		// Measured proof size: 795 + r × 320 bytes.
		// Fastest run: 94_626 ns.
		Weight::from_parts(187_085_694, 0)
			.saturating_add(Weight::from_parts(21_173_231, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(r.into())))
	}
	fn register_content(a: u32, ) -> Weight {
		// Measured proof size: 1614 + a × 40 bytes.
		// Fastest run: 253_413 ns.
		Weight::from_parts(481_001_701, 0)
			.saturating_add(Weight::from_parts(2_395_211, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(9))
	}
	fn assign_pending(n: u32, ) -> Weight {
		// Measured proof size: 17907 + n × 353 bytes.
		// Fastest run: 5_332 ns.
		Weight::from_parts(1_905_791_955, 0)
			.saturating_add(Weight::from_parts(1_403_928_911, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(252))
			.saturating_add(T::DbWeight::get().reads((6_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(8))
			.saturating_add(T::DbWeight::get().writes((13_u64).saturating_mul(n.into())))
	}
	fn remove_content(r: u32, ) -> Weight {
		// Measured proof size: 1031 + r × 128 bytes.
		// Fastest run: 234_970 ns.
		Weight::from_parts(303_073_451, 0)
			.saturating_add(Weight::from_parts(16_110_374, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(9))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(10))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(r.into())))
	}
	fn confirm_replica() -> Weight {
		// Measured proof size: 1104 bytes.
		// Fastest run: 58_051 ns.
		Weight::from_parts(99_535_000, 0)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn submit_proof(d: u32, ) -> Weight {
		// Measured proof size: 1131 bytes.
		// Fastest run: 87_853 ns.
		Weight::from_parts(134_646_223, 0)
			.saturating_add(Weight::from_parts(1_815_133, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn expire_challenges(c: u32, ) -> Weight {
		// Measured proof size: 287 + c × 1137 bytes.
		// Fastest run: 13_868 ns.
		Weight::from_parts(55_212_091, 0)
			.saturating_add(Weight::from_parts(293_142_537, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().reads((15_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((8_u64).saturating_mul(c.into())))
	}
	fn reassign(r: u32, ) -> Weight {
		// Measured proof size: 18889 + r × 867 bytes.
		// Fastest run: 2_146_396 ns.
		Weight::from_parts(2_608_913_368, 0)
			.saturating_add(Weight::from_parts(1_158_601_059, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(298))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((7_u64).saturating_mul(r.into())))
	}
	fn issue_challenges() -> Weight {
		// Measured proof size: 2021 bytes.
		// Fastest run: 223_003 ns.
		Weight::from_parts(326_695_000, 0)
			.saturating_add(T::DbWeight::get().reads(16))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn handle_deadlines(n: u32, ) -> Weight {
		// Measured proof size: 18423 + n × 851 bytes.
		// Fastest run: 1_463_015 ns.
		Weight::from_parts(2_700_935_761, 0)
			.saturating_add(Weight::from_parts(1_243_129_200, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(297))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(24))
			.saturating_add(T::DbWeight::get().writes((23_u64).saturating_mul(n.into())))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn describe_video(r: u32, ) -> Weight {
		// Measured proof size: 795 + r × 320 bytes.
		// Fastest run: 94_626 ns.
		Weight::from_parts(187_085_694, 0)
			.saturating_add(Weight::from_parts(21_173_231, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(2))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(r.into())))
	}
	fn register_content(a: u32, ) -> Weight {
		// Measured proof size: 1614 + a × 40 bytes.
		// Fastest run: 253_413 ns.
		Weight::from_parts(481_001_701, 0)
			.saturating_add(Weight::from_parts(2_395_211, 0).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads(10))
			.saturating_add(RocksDbWeight::get().writes(9))
	}
	fn assign_pending(n: u32, ) -> Weight {
		// Measured proof size: 17907 + n × 353 bytes.
		// Fastest run: 5_332 ns.
		Weight::from_parts(1_905_791_955, 0)
			.saturating_add(Weight::from_parts(1_403_928_911, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(252))
			.saturating_add(RocksDbWeight::get().reads((6_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(8))
			.saturating_add(RocksDbWeight::get().writes((13_u64).saturating_mul(n.into())))
	}
	fn remove_content(r: u32, ) -> Weight {
		// Measured proof size: 1031 + r × 128 bytes.
		// Fastest run: 234_970 ns.
		Weight::from_parts(303_073_451, 0)
			.saturating_add(Weight::from_parts(16_110_374, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(9))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(10))
			.saturating_add(RocksDbWeight::get().writes((2_u64).saturating_mul(r.into())))
	}
	fn confirm_replica() -> Weight {
		// Measured proof size: 1104 bytes.
		// Fastest run: 58_051 ns.
		Weight::from_parts(99_535_000, 0)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn submit_proof(d: u32, ) -> Weight {
		// Measured proof size: 1131 bytes.
		// Fastest run: 87_853 ns.
		Weight::from_parts(134_646_223, 0)
			.saturating_add(Weight::from_parts(1_815_133, 0).saturating_mul(d.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn expire_challenges(c: u32, ) -> Weight {
		// Measured proof size: 287 + c × 1137 bytes.
		// Fastest run: 13_868 ns.
		Weight::from_parts(55_212_091, 0)
			.saturating_add(Weight::from_parts(293_142_537, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().reads((15_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((8_u64).saturating_mul(c.into())))
	}
	fn reassign(r: u32, ) -> Weight {
		// Measured proof size: 18889 + r × 867 bytes.
		// Fastest run: 2_146_396 ns.
		Weight::from_parts(2_608_913_368, 0)
			.saturating_add(Weight::from_parts(1_158_601_059, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(298))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((7_u64).saturating_mul(r.into())))
	}
	fn issue_challenges() -> Weight {
		// Measured proof size: 2021 bytes.
		// Fastest run: 223_003 ns.
		Weight::from_parts(326_695_000, 0)
			.saturating_add(RocksDbWeight::get().reads(16))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn handle_deadlines(n: u32, ) -> Weight {
		// Measured proof size: 18423 + n × 851 bytes.
		// Fastest run: 1_463_015 ns.
		Weight::from_parts(2_700_935_761, 0)
			.saturating_add(Weight::from_parts(1_243_129_200, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(297))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(24))
			.saturating_add(RocksDbWeight::get().writes((23_u64).saturating_mul(n.into())))
	}
}
