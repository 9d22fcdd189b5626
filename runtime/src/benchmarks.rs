//! The pallets whose benchmarks the runtime exposes to `pop-node benchmark pallet`.
//!
//! `pallet_pop_token` joins when the content pallet gives it priced content to pay for.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_utility, Utility]
	[pallet_masternodes, Masternodes]
	[pallet_delegation, Delegation]
	[pallet_rewards, Rewards]
);
