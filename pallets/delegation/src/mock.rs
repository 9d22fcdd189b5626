//! A test runtime with balances, the real masternode registry and this pallet; rewards, era
//! end, session keys and the clock are statics the tests set and read.

use crate as pallet_delegation;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, UnixTime, ValidatorRegistration, VariantCountOf},
};
use pop_primitives::{EraIndex, RewardSettlement};
use sp_runtime::{BuildStorage, DispatchResult, Perbill};

pub type AccountId = u64;
pub type Balance = u128;

pub const MN_A: AccountId = 1;
pub const MN_B: AccountId = 2;
pub const MN_C: AccountId = 3;
pub const DAVE: AccountId = 10;
pub const EVE: AccountId = 11;
pub const FERDIE: AccountId = 12;
pub const MIN_BOND: Balance = 1_000;
pub const MIN_DELEGATION: Balance = 100;
pub const ENDOWMENT: Balance = 1_000_000;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Masternodes: pallet_masternodes,
		Delegation: pallet_delegation,
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

impl pallet_masternodes::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinSelfBond = ConstU128<MIN_BOND>;
	type MaxMasternodes = ConstU32<20>;
	type MaxUnbondingChunks = ConstU32<4>;
	type BondingDuration = ConstU32<2>;
	type JailDuration = ConstU32<2>;
	type CurrentEra = Delegation;
	type Delegations = Delegation;
	type OnSlash = Delegation;
	type OnLeave = ();
	type WeightInfo = ();
}

parameter_types! {
	pub static NowMs: u64 = 0;
	pub static WithSessionKeys: Vec<AccountId> = vec![];
	pub static EraEnds: Vec<(EraIndex, Vec<AccountId>, u64)> = vec![];
	pub static Settlements: Vec<(AccountId, AccountId, Balance)> = vec![];
	pub static Forgotten: Vec<(AccountId, AccountId)> = vec![];
	pub static MaxActive: u32 = 3;
	pub static MaxValidators: u32 = 2;
}

pub struct Clock;
impl UnixTime for Clock {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(NowMs::get())
	}
}

pub struct SessionKeys;
impl ValidatorRegistration<AccountId> for SessionKeys {
	fn is_registered(who: &AccountId) -> bool {
		WithSessionKeys::get().contains(who)
	}
}

pub struct RecordEraEnd;
impl pop_primitives::OnEraEnd<AccountId> for RecordEraEnd {
	fn on_era_end(era: EraIndex, active: &[AccountId], duration_ms: u64) {
		EraEnds::mutate(|ends| ends.push((era, active.to_vec(), duration_ms)));
	}
}

pub struct RecordRewards;
impl RewardSettlement<AccountId, Balance> for RecordRewards {
	fn settle(masternode: &AccountId, backer: &AccountId, shares: Balance) -> DispatchResult {
		Settlements::mutate(|s| s.push((*masternode, *backer, shares)));
		Ok(())
	}
	fn forget(masternode: &AccountId, backer: &AccountId) {
		Forgotten::mutate(|f| f.push((*masternode, *backer)));
	}
}

impl pallet_delegation::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Masternodes = Masternodes;
	type Rewards = RecordRewards;
	type OnEraEnd = RecordEraEnd;
	type ValidatorKeys = SessionKeys;
	type Time = Clock;
	type MinDelegation = ConstU128<MIN_DELEGATION>;
	type MaxDelegationsPerDelegator = ConstU32<2>;
	type MaxDelegatorsPerMasternode = ConstU32<3>;
	type MaxUnbondingChunks = ConstU32<3>;
	type BondingDuration = ConstU32<2>;
	type MaxActiveMasternodes = MaxActive;
	type MaxValidators = MaxValidators;
	type WeightInfo = ();
}

/// Builds test externalities. Accounts 1..=9 and 10..=20 hold `ENDOWMENT`.
pub struct ExtBuilder {
	masternodes: Vec<(AccountId, Balance)>,
	delegations: Vec<(AccountId, AccountId, Balance)>,
	max_active: u32,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { masternodes: vec![(MN_A, 5_000), (MN_B, 3_000)], delegations: vec![], max_active: 3 }
	}
}

impl ExtBuilder {
	pub fn masternodes(mut self, masternodes: Vec<(AccountId, Balance)>) -> Self {
		self.masternodes = masternodes;
		self
	}

	pub fn delegations(mut self, delegations: Vec<(AccountId, AccountId, Balance)>) -> Self {
		self.delegations = delegations;
		self
	}

	/// The size of the active set (a storage bound: set it before genesis).
	pub fn max_active(mut self, max_active: u32) -> Self {
		self.max_active = max_active;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		NowMs::set(0);
		WithSessionKeys::set(vec![]);
		EraEnds::set(vec![]);
		Settlements::set(vec![]);
		Forgotten::set(vec![]);
		MaxActive::set(self.max_active);
		MaxValidators::set(2);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=20).map(|who| (who, ENDOWMENT)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_masternodes::GenesisConfig::<Test> {
			masternodes: self
				.masternodes
				.iter()
				.map(|(who, bond)| {
					(
						*who,
						*bond,
						b"https://mn.example".to_vec(),
						100 + who,
						1 << 30,
						Perbill::from_percent(10),
					)
				})
				.collect(),
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_delegation::GenesisConfig::<Test> {
			session_length: 10,
			sessions_per_era: 2,
			delegations: self.delegations,
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds, runs `test`, then checks both pallets' invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Masternodes::do_try_state().expect("masternode invariants hold");
			Delegation::do_try_state().expect("delegation invariants hold");
		});
	}
}

/// The events this pallet emitted, in order.
pub fn delegation_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Delegation(event) => Some(event),
			_ => None,
		})
		.collect()
}

pub fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&crate::HoldReason::Delegation.into(), &who)
}

/// Starts session `index` as `pallet_session` would.
pub fn start_session(index: u32) -> Option<Vec<AccountId>> {
	<Delegation as pallet_session::SessionManager<AccountId>>::new_session(index)
}
