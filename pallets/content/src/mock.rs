//! A test runtime with balances and this pallet; masternodes, the active set, slashing and
//! points are statics that behave like the real pallets.

use crate as pallet_content;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks, Randomness, VariantCountOf},
};
use pop_primitives::{
	commitment::{ContentId, LeafProof, TreeBuilder},
	ActiveMasternodes, EraIndex, MasternodeDirectory, MasternodeSlashing, OnMasternodeLeave,
	RewardPoint, RewardPoints, UploadReceipt,
};
use sp_core::H256;
use sp_runtime::{testing::TestSignature, BuildStorage, Perbill, Weight};

pub type AccountId = u64;
pub type Balance = u128;
pub type BlockNumber = u64;

/// Creators.
pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
/// Masternodes 10..=14; the proof key of masternode `m` is `m + 100`.
pub const MN: [AccountId; 5] = [10, 11, 12, 13, 14];
pub const PROOF_KEY_OFFSET: AccountId = 100;
pub const ENDOWMENT: Balance = 1_000_000;
pub const DEPOSIT_BASE: Balance = 100;
pub const DEPOSIT_PER_MIB: Balance = 10;
pub const CAPACITY: u64 = 10 << 20;
pub const DEADLINE: BlockNumber = 3;
/// Blocks an item has for its first confirmation.
pub const TIMEOUT: BlockNumber = 5;
/// Fetch windows as in the runtime: 20 blocks plus a block per 60 MB, what a 20 MB/s link
/// moves in a 3 s block.
pub const FETCH_BASE: BlockNumber = 20;
pub const FETCH_BYTES_PER_BLOCK: u64 = 60_000_000;
pub const THRESHOLD: u32 = 2;
/// Blocks ahead of finality at which missed challenges stop counting.
pub const FINALITY_LAG: BlockNumber = 4;
/// What the mock's slash is charged at: large enough to tell from a proof's own weight.
pub const SLASH_WEIGHT: Weight = Weight::from_parts(7_000_000_000, 0);
/// Wall-clock time of the tests, in Unix milliseconds.
pub const START_MS: u64 = 1_700_000_000_000;
/// When the test receipts expire.
pub const RECEIPT_EXPIRY: u64 = START_MS + 60_000;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Content: pallet_content,
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

/// A registered masternode as the mock directory sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
	pub id: AccountId,
	pub capacity: u64,
	pub jailed: bool,
}

parameter_types! {
	pub static Nodes: Vec<Node> = vec![];
	pub static Active: Vec<AccountId> = vec![];
	pub static Slashes: Vec<(AccountId, Perbill)> = vec![];
	pub static Points: Vec<(AccountId, RewardPoint)> = vec![];
	pub static CurrentEra: EraIndex = 0;
	/// The randomness source; `None` as before BABE's first VRF output.
	pub static RandomSeed: Option<u64> = Some(7);
	/// Wall-clock time, in Unix milliseconds.
	pub static NowMs: u64 = START_MS;
	/// The deposit per MiB, changed by the tests of the deposit's arithmetic.
	pub static DepositPerMiB: Balance = DEPOSIT_PER_MIB;
	/// Whether block authors stop seeing finality advance (see `run_to_block`).
	pub static FinalityStalled: bool = false;
}

/// The wall clock, set by the tests.
pub struct MockTime;
impl frame_support::traits::UnixTime for MockTime {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(NowMs::get())
	}
}

/// An upload receipt of `size` bytes of `content` for `owner`, signed by the proof key of
/// `uploader` as its sidecar signs it.
pub fn sign_receipt(
	owner: AccountId,
	content: ContentId,
	size: u64,
	expires_ms: u64,
	uploader: AccountId,
) -> TestSignature {
	let receipt = UploadReceipt { owner, content, size, expires_ms };
	TestSignature(uploader + PROOF_KEY_OFFSET, receipt.signing_payload())
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::ReceiptBenchmarkHelper<AccountId, TestSignature> for MockDirectory {
	fn sign_as_uploader(uploader: &AccountId, payload: &[u8]) -> TestSignature {
		let key = <MockDirectory as MasternodeDirectory<AccountId>>::proof_key(uploader)
			.expect("the uploader is registered");
		TestSignature(key, payload.to_vec())
	}
}

pub struct MockDirectory;
impl MasternodeDirectory<AccountId> for MockDirectory {
	fn storage_offer(who: &AccountId) -> Option<u64> {
		Nodes::get().into_iter().find(|n| n.id == *who && !n.jailed).map(|n| n.capacity)
	}
	fn endpoint(who: &AccountId) -> Option<Vec<u8>> {
		Nodes::get()
			.iter()
			.any(|n| n.id == *who)
			.then(|| format!("http://mn-{who}.example").into_bytes())
	}
	fn operator_of(proof_key: &AccountId) -> Option<AccountId> {
		let operator = proof_key.checked_sub(PROOF_KEY_OFFSET)?;
		Nodes::get().iter().any(|n| n.id == operator).then_some(operator)
	}
	fn proof_key(who: &AccountId) -> Option<AccountId> {
		Nodes::get().iter().any(|n| n.id == *who).then(|| who + PROOF_KEY_OFFSET)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl pop_primitives::BenchmarkHelper<AccountId> for MockDirectory {
	fn registered(index: u32) -> AccountId {
		let id = 1_000 + index as AccountId;
		Nodes::mutate(|nodes| nodes.push(Node { id, capacity: u64::MAX, jailed: false }));
		id
	}
	fn proof_key(index: u32) -> AccountId {
		1_000 + index as AccountId + PROOF_KEY_OFFSET
	}
}

pub struct MockActiveSet;
impl ActiveMasternodes<AccountId> for MockActiveSet {
	fn active() -> Vec<AccountId> {
		Active::get()
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn set_active(active: Vec<AccountId>) {
		Active::set(active);
	}
}

/// Jails like the masternode registry: the node may hold nothing and leaves the active set.
pub struct MockSlashing;
impl MasternodeSlashing<AccountId, Balance> for MockSlashing {
	fn slash_and_jail(who: &AccountId, fraction: Perbill) -> Balance {
		Slashes::mutate(|s| s.push((*who, fraction)));
		Nodes::mutate(|nodes| {
			nodes.iter_mut().filter(|n| n.id == *who).for_each(|n| n.jailed = true)
		});
		Content::on_leave(who);
		fraction * 1_000u128
	}
	fn slash_weight() -> Weight {
		SLASH_WEIGHT
	}
}

pub struct MockPoints;
impl RewardPoints<AccountId> for MockPoints {
	fn add_points(who: &AccountId, points: RewardPoint) {
		Points::mutate(|p| p.push((*who, points)));
	}
}

pub struct MockRandomness;
impl Randomness<Option<H256>, BlockNumber> for MockRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, BlockNumber) {
		let block = System::block_number();
		let value = RandomSeed::get()
			.map(|seed| H256(sp_io::hashing::blake2_256(&(seed, subject, block).encode())));
		(value, block)
	}
}
use codec::Encode;

impl pallet_content::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Masternodes = MockDirectory;
	type ActiveSet = MockActiveSet;
	type Slashing = MockSlashing;
	type Points = MockPoints;
	type Randomness = MockRandomness;
	type CurrentEra = CurrentEra;
	type DepositBase = frame_support::traits::ConstU128<DEPOSIT_BASE>;
	type DepositPerMiB = DepositPerMiB;
	type MaxContentSize = ConstU64<{ 64 << 30 }>;
	type MaxMimeLen = ConstU32<32>;
	type MaxTitleLen = ConstU32<32>;
	type MaxReplication = ConstU32<3>;
	type MaxCandidates = ConstU32<5>;
	type ChallengesPerBlock = ConstU32<2>;
	type ChallengeDeadline = ConstU64<DEADLINE>;
	type ConfirmationTimeout = ConstU64<TIMEOUT>;
	type FetchWindowBase = ConstU64<FETCH_BASE>;
	type FetchBytesPerBlock = ConstU64<FETCH_BYTES_PER_BLOCK>;
	type MaxDeadlinesPerBlock = ConstU32<4>;
	type MaxRegistrationsPerBlock = ConstU32<4>;
	type ReceiptSignature = TestSignature;
	type Time = MockTime;
	type FaultThreshold = ConstU32<THRESHOLD>;
	type SlashFraction = SlashFraction;
	type ProofPoints = ConstU32<5>;
	type MaxFinalityLag = ConstU64<FINALITY_LAG>;
	type MaxReassignmentsPerBlock = ConstU32<2>;
	type MaxRenditions = ConstU32<4>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockDirectory;
}

parameter_types! {
	pub const SlashFraction: Perbill = Perbill::from_percent(10);
}

/// The hash the runtime uses, for building content in tests.
pub type Hasher = crate::RuntimeSha256;

/// Test content: `size` bytes of a pattern that differs with `salt`.
pub fn bytes(size: usize, salt: u8) -> Vec<u8> {
	(0..size).map(|i| (i % 251) as u8 ^ salt).collect()
}

/// The id of `data`.
pub fn id_of(data: &[u8]) -> ContentId {
	let mut builder = TreeBuilder::<Hasher>::new();
	builder.update(data);
	builder.finish().unwrap().id::<Hasher>().unwrap()
}

/// A proof of leaf `index` of `data`, as a sidecar builds it.
pub fn prove(data: &[u8], index: u64) -> LeafProof {
	let mut builder = TreeBuilder::<Hasher>::new();
	builder.update(data);
	let tree = builder.finish().unwrap();
	let chunk = pop_primitives::commitment::CHUNK_SIZE as usize;
	let start = (index as usize * pop_primitives::commitment::LEAF_SIZE) / chunk * chunk;
	let end = (start + chunk).min(data.len());
	tree.prove::<Hasher>(index, &data[start..end]).unwrap()
}

/// Runs blocks up to `n`, with the pallet's hook and invariants at each.
pub fn run_to_block(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Content::on_initialize(next);
		// The author reports its parent finalized, unless finality is stalled.
		if !FinalityStalled::get() {
			Content::note_finality(RuntimeOrigin::none(), next - 1).unwrap();
		}
		Content::do_try_state().unwrap();
	}
}

/// The pallet's events since the last call, oldest first.
pub fn content_events() -> Vec<pallet_content::Event<Test>> {
	let events = System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Content(e) => Some(e),
			_ => None,
		})
		.collect();
	System::reset_events();
	events
}

/// Builds test externalities: creators and proof keys funded, masternodes 10..=14 registered
/// with `CAPACITY`, the first three active.
pub struct ExtBuilder {
	active: Vec<AccountId>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { active: MN[..3].to_vec() }
	}
}

impl ExtBuilder {
	/// Sets the active set.
	pub fn active(mut self, active: &[AccountId]) -> Self {
		self.active = active.to_vec();
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		Nodes::set(MN.iter().map(|&id| Node { id, capacity: CAPACITY, jailed: false }).collect());
		Active::set(self.active);
		Slashes::set(vec![]);
		Points::set(vec![]);
		CurrentEra::set(0);
		RandomSeed::set(Some(7));
		NowMs::set(START_MS);
		DepositPerMiB::set(DEPOSIT_PER_MIB);
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let funded = [ALICE, BOB].into_iter().chain(MN.iter().map(|m| m + PROOF_KEY_OFFSET));
		pallet_balances::GenesisConfig::<Test> {
			balances: funded.map(|who| (who, ENDOWMENT)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Runs `test`, then checks the invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Content::do_try_state().unwrap();
		});
	}
}
