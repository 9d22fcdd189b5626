//! A test runtime with balances and the masternode registry; the era, delegations and slash
//! notifications are plain statics the tests set and read.

use crate as pallet_masternodes;
use frame_support::{derive_impl, parameter_types, traits::VariantCountOf};
use pop_primitives::{DelegatedStake, EraIndex, OnMasternodeLeave, OnMasternodeSlash};
use sp_runtime::{BuildStorage, Perbill, Weight};

pub type AccountId = u64;
pub type Balance = u128;

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
pub const ALICE_PROOF: AccountId = 101;
pub const BOB_PROOF: AccountId = 102;
pub const MIN_BOND: Balance = 1_000;
pub const ENDOWMENT: Balance = 100_000;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Masternodes: pallet_masternodes,
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
	type RuntimeHoldReason = RuntimeHoldReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

parameter_types! {
	pub static CurrentEra: EraIndex = 0;
	pub static HasDelegators: bool = false;
	pub static ClosedPools: Vec<AccountId> = vec![];
	pub static SlashNotices: Vec<(AccountId, Perbill)> = vec![];
	pub static LeaveNotices: Vec<AccountId> = vec![];
	pub static MaxMasternodes: u32 = 10;
}

pub struct MockDelegations;
impl DelegatedStake<AccountId, Balance> for MockDelegations {
	fn pool(_: &AccountId) -> (Balance, Balance) {
		(0, 0)
	}
	fn has_delegators(_: &AccountId) -> bool {
		HasDelegators::get()
	}
	fn close_pool(masternode: &AccountId) {
		ClosedPools::mutate(|closed| closed.push(*masternode));
	}
	fn delegations_of(_: &AccountId) -> Vec<(AccountId, Balance)> {
		Vec::new()
	}
	fn max_delegations_per_backer() -> u32 {
		0
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pop_primitives::DelegationBenchmarkHelper<AccountId> for MockDelegations {
	fn delegate_to(_backer: &AccountId, count: u32) -> Vec<AccountId> {
		use pop_primitives::BenchmarkHelper;
		let masternodes = (0..count).map(Masternodes::registered).collect();
		HasDelegators::set(true);
		masternodes
	}
}

pub struct RecordSlash;
impl OnMasternodeSlash<AccountId> for RecordSlash {
	fn on_slash(who: &AccountId, fraction: Perbill) {
		SlashNotices::mutate(|notices| notices.push((*who, fraction)));
	}
	fn on_slash_weight() -> Weight {
		Weight::zero()
	}
}

pub struct RecordLeave;
impl OnMasternodeLeave<AccountId> for RecordLeave {
	fn on_leave(who: &AccountId) {
		LeaveNotices::mutate(|notices| notices.push(*who));
	}
	fn on_leave_weight() -> Weight {
		Weight::zero()
	}
}

impl pallet_masternodes::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinSelfBond = frame_support::traits::ConstU128<MIN_BOND>;
	type MaxMasternodes = MaxMasternodes;
	type MaxUnbondingChunks = frame_support::traits::ConstU32<3>;
	type BondingDuration = frame_support::traits::ConstU32<2>;
	type JailDuration = frame_support::traits::ConstU32<3>;
	type CurrentEra = CurrentEra;
	type Delegations = MockDelegations;
	type OnSlash = RecordSlash;
	type OnLeave = RecordLeave;
	type WeightInfo = ();
}

/// Builds test externalities: every account in `1..=5` and `101..=105` holds `ENDOWMENT`.
#[derive(Default)]
pub struct ExtBuilder {
	masternodes: Vec<(AccountId, Balance, Vec<u8>, AccountId, u64, Perbill)>,
}

impl ExtBuilder {
	/// Registers Alice (proof key 101) with `bond` at genesis.
	pub fn with_alice(mut self, bond: Balance) -> Self {
		self.masternodes.push((
			ALICE,
			bond,
			b"https://alice.example".to_vec(),
			ALICE_PROOF,
			1 << 30,
			Perbill::from_percent(10),
		));
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		CurrentEra::set(0);
		HasDelegators::set(false);
		ClosedPools::set(vec![]);
		SlashNotices::set(vec![]);
		LeaveNotices::set(vec![]);
		MaxMasternodes::set(10);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=5).chain(101..=105).map(|who| (who, ENDOWMENT)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_masternodes::GenesisConfig::<Test> { masternodes: self.masternodes }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Masternodes::do_try_state().expect("invariants hold after the test");
		});
	}
}

/// The events this pallet emitted, in order.
pub fn masternode_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Masternodes(event) => Some(event),
			_ => None,
		})
		.collect()
}

pub fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&crate::HoldReason::SelfBond.into(), &who)
}
