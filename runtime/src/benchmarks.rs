//! The pallets whose benchmarks the runtime exposes to `pop-node benchmark pallet`, and what
//! their benchmarks need from the runtime.

use crate::Runtime;

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
	[pallet_pop_token, PopToken]
	[pallet_content, Content]
);

impl frame_system_benchmarking::Config for Runtime {}
impl frame_benchmarking::baseline::Config for Runtime {}
