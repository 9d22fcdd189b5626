//! A test runtime with balances and this pallet; the content catalog is a static.

use crate as pallet_pop_token;
use crate::ContentId;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, VariantCountOf},
	PalletId,
};
use pop_primitives::ContentCatalog;
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;

pub const CREATOR: AccountId = 1;
pub const SERVER_A: AccountId = 2;
pub const SERVER_B: AccountId = 3;
pub const VIEWER: AccountId = 10;
pub const ENDOWMENT: Balance = 1_000_000;
pub const VIDEO: ContentId = ContentId([7; 32]);
pub const FREE_VIDEO: ContentId = ContentId([8; 32]);

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		PopToken: pallet_pop_token,
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
	type ExistentialDeposit = frame_support::traits::ConstU128<1>;
}

parameter_types! {
	pub const PotId: PalletId = PalletId(*b"pop/pot_");
	pub static Price: Balance = 1_000;
	pub static Servers: Vec<AccountId> = vec![SERVER_A, SERVER_B];
	/// Priced content the benchmarks set up, besides `VIDEO` and `FREE_VIDEO`.
	pub static BenchmarkContent: Option<(ContentId, Balance)> = None;
	pub const InitialInflation: Perbill = Perbill::from_percent(10);
	pub const InflationDecay: Perbill = Perbill::from_percent(20);
	pub const MinimumInflation: Perbill = Perbill::from_percent(2);
	pub const FeeToPot: Perbill = Perbill::from_percent(80);
	pub const CreatorShare: Perbill = Perbill::from_percent(70);
	pub const ServersShare: Perbill = Perbill::from_percent(20);
}

pub struct Catalog;
impl ContentCatalog<AccountId, Balance> for Catalog {
	fn price_of(content: &ContentId) -> Option<(AccountId, Balance)> {
		match *content {
			VIDEO => Some((CREATOR, Price::get())),
			FREE_VIDEO => Some((CREATOR, 0)),
			other => BenchmarkContent::get()
				.filter(|(id, _)| *id == other)
				.map(|(_, price)| (CREATOR, price)),
		}
	}
	fn servers_of(_: &ContentId) -> Vec<AccountId> {
		Servers::get()
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pop_primitives::CatalogBenchmarkHelper<AccountId, Balance> for Catalog {
	fn priced(content: ContentId, price: Balance, servers: u32) {
		BenchmarkContent::set(Some((content, price)));
		Servers::set((0..servers as AccountId).map(|i| 100 + i).collect());
	}
}

impl pallet_pop_token::Config for Test {
	type Currency = Balances;
	type PotId = PotId;
	type InitialInflation = InitialInflation;
	type InflationDecay = InflationDecay;
	type MinimumInflation = MinimumInflation;
	type FeeToPot = FeeToPot;
	type Catalog = Catalog;
	type CreatorShare = CreatorShare;
	type ServersShare = ServersShare;
	type MaxServersPaid = ConstU32<4>;
	type GrantDuration = ConstU64<100>;
	type WeightInfo = ();
}

#[derive(Default)]
pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build(self) -> sp_io::TestExternalities {
		Price::set(1_000);
		Servers::set(vec![SERVER_A, SERVER_B]);
		BenchmarkContent::set(None);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: vec![(CREATOR, 100), (SERVER_A, 100), (SERVER_B, 100), (VIEWER, ENDOWMENT)],
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_pop_token::GenesisConfig::<Test> { pot_balance: 50 }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			PopToken::do_try_state().expect("token invariants hold");
		});
	}
}

pub fn token_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::PopToken(event) => Some(event),
			_ => None,
		})
		.collect()
}
