//! The pallets whose benchmarks the runtime exposes to `pop-node benchmark pallet`, and what
//! their benchmarks need from the runtime.

use crate::{AccountId, Balance, Balances, Runtime};
use alloc::vec::Vec;
use frame_support::traits::fungible::Mutate;
use pallet_pop_token::ContentId;
use pop_primitives::{CatalogBenchmarkHelper, ContentCatalog};

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
);

impl frame_system_benchmarking::Config for Runtime {}
impl frame_benchmarking::baseline::Config for Runtime {}

frame_support::parameter_types! {
	/// The one priced item of [`BenchmarkCatalog`]: id, creator, price and servers.
	pub storage BenchmarkContent: Option<(ContentId, AccountId, Balance, Vec<AccountId>)> = None;
}

/// The content catalog of benchmark builds, until the content pallet is the catalog: one
/// priced item in one storage value, which costs about what a registry lookup does, so
/// `pay_for_content` can be measured.
pub struct BenchmarkCatalog;

impl ContentCatalog<AccountId, ContentId, Balance> for BenchmarkCatalog {
	fn price_of(content: &ContentId) -> Option<(AccountId, Balance)> {
		BenchmarkContent::get()
			.filter(|(id, ..)| id == content)
			.map(|(_, creator, price, _)| (creator, price))
	}

	fn servers_of(content: &ContentId) -> Vec<AccountId> {
		BenchmarkContent::get()
			.filter(|(id, ..)| id == content)
			.map(|(.., servers)| servers)
			.unwrap_or_default()
	}
}

impl CatalogBenchmarkHelper<AccountId, ContentId, Balance> for BenchmarkCatalog {
	fn priced(content: ContentId, price: Balance, servers: u32) {
		let funded = |name, index| {
			let who: AccountId = frame_benchmarking::account(name, index, 0);
			Balances::set_balance(&who, crate::currency::POP);
			who
		};
		let creator = funded("creator", 0);
		let servers = (0..servers).map(|index| funded("server", index)).collect();
		BenchmarkContent::set(&Some((content, creator, price, servers)));
	}
}
