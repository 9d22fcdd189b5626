//! A test runtime with balances and this pallet; masternodes, pools and emission are statics.

use crate as pallet_rewards;
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::Mutate, ConstU32, VariantCountOf},
};
use pop_primitives::{DelegatedStake, EraEmission, MasternodeRegistry};
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;

pub const MN_A: AccountId = 1;
pub const MN_B: AccountId = 2;
pub const DAVE: AccountId = 10;
pub const EVE: AccountId = 11;
pub const POT: AccountId = 999;
pub const POT_ED: Balance = 1;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Rewards: pallet_rewards,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

parameter_types! {
	/// `(masternode, self-bond, commission)` of the active masternodes.
	pub static Active: Vec<(AccountId, Balance, Perbill)> = vec![];
	/// `(masternode, shares, value)` of delegation pools.
	pub static Pools: Vec<(AccountId, Balance, Balance)> = vec![];
	/// `(backer, masternode, shares)` of delegations.
	pub static Backers: Vec<(AccountId, AccountId, Balance)> = vec![];
	pub static EmissionPerEra: Balance = 0;
}

pub struct MockMasternodes;
impl MasternodeRegistry<AccountId, Balance> for MockMasternodes {
	fn self_bond(who: &AccountId) -> Option<Balance> {
		Active::get().iter().find(|(m, ..)| m == who).map(|(_, bond, _)| *bond)
	}
	fn commission(who: &AccountId) -> Perbill {
		Active::get().iter().find(|(m, ..)| m == who).map(|(.., c)| *c).unwrap_or_default()
	}
	fn is_active(who: &AccountId) -> bool {
		Active::get().iter().any(|(m, ..)| m == who)
	}
	fn electable() -> Vec<(AccountId, Balance)> {
		Active::get().iter().map(|(m, b, _)| (*m, *b)).collect()
	}
	fn set_active_set(_: &[AccountId]) {}
	fn max_registered() -> u32 {
		10
	}
}

pub struct MockPools;
impl DelegatedStake<AccountId, Balance> for MockPools {
	fn pool(masternode: &AccountId) -> (Balance, Balance) {
		Pools::get()
			.iter()
			.find(|(m, ..)| m == masternode)
			.map(|(_, shares, value)| (*shares, *value))
			.unwrap_or_default()
	}
	fn has_delegators(masternode: &AccountId) -> bool {
		Self::pool(masternode).0 > 0
	}
	fn close_pool(_: &AccountId) {}
	fn delegations_of(backer: &AccountId) -> Vec<(AccountId, Balance)> {
		Backers::get()
			.into_iter()
			.filter(|(b, ..)| b == backer)
			.map(|(_, masternode, shares)| (masternode, shares))
			.collect()
	}
	fn max_delegations_per_backer() -> u32 {
		4
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pop_primitives::DelegationBenchmarkHelper<AccountId> for MockPools {
	fn delegate_to(backer: &AccountId, count: u32) -> Vec<AccountId> {
		(0..count as AccountId)
			.map(|i| {
				let masternode = 100 + i;
				Active::mutate(|active| active.push((masternode, 1_000, Perbill::zero())));
				Pools::mutate(|pools| pools.push((masternode, 1_000, 1_000)));
				Backers::mutate(|backers| backers.push((*backer, masternode, 1_000)));
				masternode
			})
			.collect()
	}
}

pub struct MockEmission;
impl EraEmission<AccountId, Balance> for MockEmission {
	fn mint_era_emission(_duration_ms: u64) -> Balance {
		let amount = EmissionPerEra::get();
		Balances::mint_into(&POT, amount).unwrap();
		amount
	}
	fn reward_pot() -> AccountId {
		POT
	}
}

impl pallet_rewards::Config for Test {
	type Currency = Balances;
	type Masternodes = MockMasternodes;
	type Delegations = MockPools;
	type Emission = MockEmission;
	type PointsPerBlock = ConstU32<20>;
	type WeightInfo = ();
}

#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		Active::set(vec![]);
		Pools::set(vec![]);
		Backers::set(vec![]);
		EmissionPerEra::set(0);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(POT, POT_ED), (MN_A, 10), (MN_B, 10), (DAVE, 10), (EVE, 10)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Rewards::do_try_state().expect("reward invariants hold");
		});
	}
}

pub fn reward_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Rewards(event) => Some(event),
			_ => None,
		})
		.collect()
}
