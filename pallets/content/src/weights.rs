//! Weights of `pallet_content`, measured by its benchmarks (`benchmarking.rs`).
//!
//! Measured on 2026-11-25 on AMD EPYC with pop-node 0.1.0-ecf6ca64a2f, wasm compiled,
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
	fn remove_content(r: u32, ) -> Weight;
	fn confirm_replica() -> Weight;
	fn submit_proof(d: u32, ) -> Weight;
	fn expire_challenges(c: u32, ) -> Weight;
	fn reassign(r: u32, ) -> Weight;
	fn handle_deadlines(n: u32, ) -> Weight;
	fn assign_pending(n: u32, ) -> Weight;
	fn issue_challenges() -> Weight;
}

/// Measured weights, with the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_content(a: u32, ) -> Weight {
		// Measured proof size: 1211 + a × 177 bytes.
		// Fastest run: 98_276 ns.
		Weight::from_parts(127_441_592, 0)
			.saturating_add(Weight::from_parts(10_504_165, 0).saturating_mul(a.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(a.into())))
			.saturating_add(T::DbWeight::get().writes(20))
	}
	fn remove_content(r: u32, ) -> Weight {
		// Measured proof size: 1016 + r × 131 bytes.
		// Fastest run: 80_080 ns.
		Weight::from_parts(96_429_653, 0)
			.saturating_add(Weight::from_parts(5_330_065, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(8))
			.saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(r.into())))
	}
	fn confirm_replica() -> Weight {
		// Measured proof size: 1119 bytes.
		// Fastest run: 23_135 ns.
		Weight::from_parts(25_088_000, 0)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn submit_proof(d: u32, ) -> Weight {
		// Measured proof size: 1125 bytes.
		// Fastest run: 38_307 ns.
		Weight::from_parts(41_302_451, 0)
			.saturating_add(Weight::from_parts(500_249, 0).saturating_mul(d.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn expire_challenges(c: u32, ) -> Weight {
		// Measured proof size: 252 + c × 810 bytes.
		// Fastest run: 4_687 ns.
		Weight::from_parts(10_318_947, 0)
			.saturating_add(Weight::from_parts(80_672_513, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().reads((9_u64).saturating_mul(c.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((7_u64).saturating_mul(c.into())))
	}
	fn reassign(r: u32, ) -> Weight {
		// Measured proof size: 18852 + r × 858 bytes.
		// Fastest run: 860_771 ns.
		Weight::from_parts(767_652_631, 0)
			.saturating_add(Weight::from_parts(513_216_556, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(298))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(r.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((5_u64).saturating_mul(r.into())))
	}
	fn handle_deadlines(n: u32, ) -> Weight {
		// Not measured yet: a per-item step priced as a step of `reassign` (a comparable
		// refill from the active set); the lead regenerates these with `scripts/benchmark.sh`.
		Weight::from_parts(10_318_947, 0)
			.saturating_add(Weight::from_parts(1_281_000_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().reads((300_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((8_u64).saturating_mul(n.into())))
	}
	fn assign_pending(n: u32, ) -> Weight {
		// Not measured yet: a per-item step priced as a step of `reassign` (the same draw
		// from the active set); the lead regenerates these with `scripts/benchmark.sh`.
		Weight::from_parts(4_687_000, 0)
			.saturating_add(Weight::from_parts(1_281_000_000, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().reads((300_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(1))
			.saturating_add(T::DbWeight::get().writes((8_u64).saturating_mul(n.into())))
	}
	fn issue_challenges() -> Weight {
		// Measured proof size: 2078 bytes.
		// Fastest run: 113_999 ns.
		Weight::from_parts(119_948_000, 0)
			.saturating_add(T::DbWeight::get().reads(16))
			.saturating_add(T::DbWeight::get().writes(6))
	}
}

/// Measured weights, with RocksDB's database weights (for tests and mocks).
impl WeightInfo for () {
	fn register_content(a: u32, ) -> Weight {
		// Measured proof size: 1211 + a × 177 bytes.
		// Fastest run: 98_276 ns.
		Weight::from_parts(127_441_592, 0)
			.saturating_add(Weight::from_parts(10_504_165, 0).saturating_mul(a.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().reads((3_u64).saturating_mul(a.into())))
			.saturating_add(RocksDbWeight::get().writes(20))
	}
	fn remove_content(r: u32, ) -> Weight {
		// Measured proof size: 1016 + r × 131 bytes.
		// Fastest run: 80_080 ns.
		Weight::from_parts(96_429_653, 0)
			.saturating_add(Weight::from_parts(5_330_065, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(8))
			.saturating_add(RocksDbWeight::get().writes((2_u64).saturating_mul(r.into())))
	}
	fn confirm_replica() -> Weight {
		// Measured proof size: 1119 bytes.
		// Fastest run: 23_135 ns.
		Weight::from_parts(25_088_000, 0)
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn submit_proof(d: u32, ) -> Weight {
		// Measured proof size: 1125 bytes.
		// Fastest run: 38_307 ns.
		Weight::from_parts(41_302_451, 0)
			.saturating_add(Weight::from_parts(500_249, 0).saturating_mul(d.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn expire_challenges(c: u32, ) -> Weight {
		// Measured proof size: 252 + c × 810 bytes.
		// Fastest run: 4_687 ns.
		Weight::from_parts(10_318_947, 0)
			.saturating_add(Weight::from_parts(80_672_513, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().reads((9_u64).saturating_mul(c.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((7_u64).saturating_mul(c.into())))
	}
	fn reassign(r: u32, ) -> Weight {
		// Measured proof size: 18852 + r × 858 bytes.
		// Fastest run: 860_771 ns.
		Weight::from_parts(767_652_631, 0)
			.saturating_add(Weight::from_parts(513_216_556, 0).saturating_mul(r.into()))
			.saturating_add(RocksDbWeight::get().reads(298))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(r.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((5_u64).saturating_mul(r.into())))
	}
	fn handle_deadlines(n: u32, ) -> Weight {
		// Not measured yet: a per-item step priced as a step of `reassign` (a comparable
		// refill from the active set); the lead regenerates these with `scripts/benchmark.sh`.
		Weight::from_parts(10_318_947, 0)
			.saturating_add(Weight::from_parts(1_281_000_000, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().reads((300_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((8_u64).saturating_mul(n.into())))
	}
	fn assign_pending(n: u32, ) -> Weight {
		// Not measured yet: a per-item step priced as a step of `reassign` (the same draw
		// from the active set); the lead regenerates these with `scripts/benchmark.sh`.
		Weight::from_parts(4_687_000, 0)
			.saturating_add(Weight::from_parts(1_281_000_000, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().reads((300_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
			.saturating_add(RocksDbWeight::get().writes((8_u64).saturating_mul(n.into())))
	}
	fn issue_challenges() -> Weight {
		// Measured proof size: 2078 bytes.
		// Fastest run: 113_999 ns.
		Weight::from_parts(119_948_000, 0)
			.saturating_add(RocksDbWeight::get().reads(16))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
}
