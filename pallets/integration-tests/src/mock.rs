//! A test runtime with the real POP pallets wired together as `runtime/src/configs/mod.rs`
//! wires them, with small constants: five-block sessions, two sessions to an era.
//!
//! What the test runtime does differently from the real one:
//! - sessions end every [`SESSION_LENGTH`] blocks (`PeriodicSessions`) instead of on BABE's
//!   epoch change, and session keys are dummy [`UintAuthorityId`]s;
//! - block authors take turns over the session validators (no BABE pre-digest);
//! - randomness is a hash of a fixed seed, the subject and the block number;
//! - masternode sidecars are simulated after each block's `on_initialize`: online ones
//!   confirm their replicas once they can have the bytes (they were uploaded to them, or a
//!   holder confirmed) and answer their challenges with valid proofs (see [`run_sidecars`]);
//!   the tests take some offline;
//! - upload receipts are `TestSignature`s, "signed" by the uploader's proof key.

use codec::Encode;
use frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, FindAuthor, Get, Randomness, VariantCountOf},
	PalletId,
};
use frame_system::RunToBlockHooks;
use pop_primitives::{
	commitment::{ContentId, LeafProof, TreeBuilder, CHUNK_SIZE, LEAF_SIZE},
	ActiveMasternodes, DelegatedStake, EraIndex, MasternodeRegistry, MasternodeStatus,
	UploadReceipt,
};
use sp_core::H256;
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	traits::{ConvertInto, OpaqueKeys},
	BuildStorage, ConsensusEngineId, KeyTypeId, Perbill,
};

/// Accounts are plain numbers.
pub type AccountId = u64;
/// POP in its smallest unit.
pub type Balance = u128;
/// Block heights.
pub type BlockNumber = u64;

type Block = frame_system::mocking::MockBlock<Runtime>;

/// Creates and pays for content.
pub const CREATOR: AccountId = 1;
/// Pays to watch content.
pub const VIEWER: AccountId = 2;
/// Delegates to masternodes.
pub const BACKER: AccountId = 3;
/// The masternode operators, registered at genesis, best bonded first.
pub const MASTERNODES: [AccountId; 5] = [10, 20, 30, 40, 50];
/// The self-bonds of [`MASTERNODES`], in the same order.
pub const BONDS: [Balance; 5] = [5_000, 4_000, 3_000, 2_500, 2_000];
/// The proof key of masternode `m` is `m + PROOF_KEY_OFFSET`.
pub const PROOF_KEY_OFFSET: AccountId = 100;
/// Free balance of every endowed account at genesis; large enough that an era's emission
/// (8% a year of the issuance) is not rounded down to nothing.
pub const ENDOWMENT: Balance = 1_000_000_000;
/// The existential deposit.
pub const EXISTENTIAL_DEPOSIT: Balance = 1;
/// Commission of every masternode.
pub const COMMISSION: Perbill = Perbill::from_percent(10);
/// Bytes each masternode offers to store.
pub const CAPACITY: u64 = 1 << 20;
/// Milliseconds per block.
pub const BLOCK_MS: u64 = 3_000;
/// Blocks per session.
pub const SESSION_LENGTH: BlockNumber = 5;
/// Sessions per era.
pub const SESSIONS_PER_ERA: u32 = 2;
/// Eras unbonded POP stays held, for masternodes and backers alike.
pub const BONDING_DURATION: EraIndex = 2;
/// Eras a slashed masternode stays jailed.
pub const JAIL_DURATION: EraIndex = 2;
/// The smallest self-bond.
pub const MIN_SELF_BOND: Balance = 1_000;
/// The smallest delegation.
pub const MIN_DELEGATION: Balance = 100;
/// Blocks a holder has to answer a challenge.
pub const CHALLENGE_DEADLINE: BlockNumber = 3;
/// Blocks an item has for its first confirmation before it is dropped.
pub const CONFIRMATION_TIMEOUT: BlockNumber = 5;
/// Blocks of every fetch window, on top of one per [`FETCH_BYTES_PER_BLOCK`].
pub const FETCH_WINDOW_BASE: BlockNumber = 5;
/// Bytes a holder is expected to fetch per block.
pub const FETCH_BYTES_PER_BLOCK: u64 = 1 << 20;
/// Faults in an era at which a masternode is slashed and jailed.
pub const FAULT_THRESHOLD: u32 = 3;
/// Reward points per valid proof.
pub const PROOF_POINTS: u32 = 5;
/// Reward points per authored block.
pub const POINTS_PER_BLOCK: u32 = 20;
/// Most holders of one content item, and so most servers paid per view.
pub const MAX_REPLICATION: u32 = 3;
/// Blocks a viewer's grant lasts.
pub const GRANT_DURATION: BlockNumber = 100;
/// Seed of the test randomness.
const RANDOM_SEED: u64 = 7;

// The pallets in the real runtime's order, so hooks run in the same order.
frame_support::construct_runtime!(
	pub enum Runtime {
		System: frame_system,
		Timestamp: pallet_timestamp,
		Balances: pallet_balances,
		Authorship: pallet_authorship,
		Session: pallet_session,
		PopToken: pallet_pop_token,
		Masternodes: pallet_masternodes,
		Delegation: pallet_delegation,
		Rewards: pallet_rewards,
		Content: pallet_content,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<{ BLOCK_MS / 2 }>;
	type WeightInfo = ();
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Runtime {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

/// Block authors take turns over the session validators, by block number.
pub struct RoundRobinAuthor;
impl FindAuthor<u32> for RoundRobinAuthor {
	fn find_author<'a, I>(_digests: I) -> Option<u32>
	where
		I: 'a + IntoIterator<Item = (ConsensusEngineId, &'a [u8])>,
	{
		let validators = pallet_session::Validators::<Runtime>::get().len() as u64;
		(validators > 0).then(|| (System::block_number() % validators) as u32)
	}
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, RoundRobinAuthor>;
	type EventHandler = Rewards;
}

/// Session handler for the dummy session keys: no consensus pallet needs them.
pub struct DummyKeysHandler;
impl pallet_session::SessionHandler<AccountId> for DummyKeysHandler {
	const KEY_TYPE_IDS: &'static [KeyTypeId] = &[sp_runtime::key_types::DUMMY];
	fn on_genesis_session<Ks: OpaqueKeys>(_: &[(AccountId, Ks)]) {}
	fn on_new_session<Ks: OpaqueKeys>(_: bool, _: &[(AccountId, Ks)], _: &[(AccountId, Ks)]) {}
	fn on_disabled(_: u32) {}
}

/// Sessions of [`SESSION_LENGTH`] blocks, the first ending at block `SESSION_LENGTH`.
pub type Sessions = pallet_session::PeriodicSessions<ConstU64<SESSION_LENGTH>, ConstU64<0>>;

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = Sessions;
	type NextSessionRotation = Sessions;
	type SessionManager = Delegation;
	type SessionHandler = DummyKeysHandler;
	type Keys = UintAuthorityId;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU128<10>;
}

parameter_types! {
	pub const PotId: PalletId = PalletId(*b"pop/pot_");
	pub const InitialInflation: Perbill = Perbill::from_percent(8);
	pub const InflationDecay: Perbill = Perbill::from_percent(10);
	pub const MinimumInflation: Perbill = Perbill::from_percent(2);
	pub const FeeToPot: Perbill = Perbill::from_percent(80);
	pub const CreatorShare: Perbill = Perbill::from_percent(70);
	pub const ServersShare: Perbill = Perbill::from_percent(20);
	pub const SlashFraction: Perbill = Perbill::from_percent(10);
}

impl pallet_pop_token::Config for Runtime {
	type Currency = Balances;
	type PotId = PotId;
	type InitialInflation = InitialInflation;
	type InflationDecay = InflationDecay;
	type MinimumInflation = MinimumInflation;
	type FeeToPot = FeeToPot;
	type Catalog = Content;
	type CreatorShare = CreatorShare;
	type ServersShare = ServersShare;
	type MaxServersPaid = ConstU32<MAX_REPLICATION>;
	type GrantDuration = ConstU64<GRANT_DURATION>;
	type WeightInfo = ();
}

impl pallet_masternodes::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinSelfBond = ConstU128<MIN_SELF_BOND>;
	type MaxMasternodes = ConstU32<20>;
	type MaxUnbondingChunks = ConstU32<4>;
	type BondingDuration = ConstU32<BONDING_DURATION>;
	type JailDuration = ConstU32<JAIL_DURATION>;
	type CurrentEra = Delegation;
	type Delegations = Delegation;
	type OnSlash = Delegation;
	type OnLeave = Content;
	type WeightInfo = ();
}

/// Size of the active set: every registered masternode fits.
pub type MaxActiveMasternodes = ConstU32<5>;

impl pallet_delegation::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Masternodes = Masternodes;
	type Rewards = Rewards;
	type OnEraEnd = Rewards;
	type ValidatorKeys = Session;
	type Time = Timestamp;
	type MinDelegation = ConstU128<MIN_DELEGATION>;
	type MaxDelegationsPerDelegator = ConstU32<4>;
	type MaxDelegatorsPerMasternode = ConstU32<16>;
	type MaxUnbondingChunks = ConstU32<4>;
	type BondingDuration = ConstU32<BONDING_DURATION>;
	type MaxActiveMasternodes = MaxActiveMasternodes;
	type MaxValidators = ConstU32<3>;
	type WeightInfo = ();
}

impl pallet_rewards::Config for Runtime {
	type Currency = Balances;
	type Masternodes = Masternodes;
	type Delegations = Delegation;
	type Emission = PopToken;
	type PointsPerBlock = ConstU32<POINTS_PER_BLOCK>;
	type WeightInfo = ();
}

/// Deterministic randomness: a hash of a fixed seed, the subject and the block number.
pub struct TestRandomness;
impl Randomness<Option<H256>, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (Option<H256>, BlockNumber) {
		let block = System::block_number();
		let value = H256(sp_io::hashing::blake2_256(&(RANDOM_SEED, subject, block).encode()));
		(Some(value), block)
	}
}

impl pallet_content::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Masternodes = Masternodes;
	type ActiveSet = Delegation;
	type Slashing = Masternodes;
	type Points = Rewards;
	type Randomness = TestRandomness;
	type CurrentEra = Delegation;
	type DepositBase = ConstU128<100>;
	type DepositPerMiB = ConstU128<10>;
	type MaxContentSize = ConstU64<{ 1 << 30 }>;
	type MaxMimeLen = ConstU32<32>;
	type MaxTitleLen = ConstU32<32>;
	type MaxReplication = ConstU32<MAX_REPLICATION>;
	type MaxCandidates = MaxActiveMasternodes;
	type ChallengesPerBlock = ConstU32<2>;
	type ChallengeDeadline = ConstU64<CHALLENGE_DEADLINE>;
	type ConfirmationTimeout = ConstU64<CONFIRMATION_TIMEOUT>;
	type FetchWindowBase = ConstU64<FETCH_WINDOW_BASE>;
	type FetchBytesPerBlock = ConstU64<FETCH_BYTES_PER_BLOCK>;
	type MaxDeadlinesPerBlock = ConstU32<4>;
	type MaxRegistrationsPerBlock = ConstU32<4>;
	type ReceiptSignature = TestSignature;
	type Time = Timestamp;
	type FaultThreshold = ConstU32<FAULT_THRESHOLD>;
	type SlashFraction = SlashFraction;
	type ProofPoints = ConstU32<PROOF_POINTS>;
	type MaxFinalityLag = ConstU64<CHALLENGE_DEADLINE>;
	type MaxReassignmentsPerBlock = ConstU32<2>;
	type MaxRenditions = ConstU32<4>;
	type WeightInfo = ();
}

parameter_types! {
	/// The bytes of every registered content item and the masternode they were uploaded
	/// to, from which the other holders can fetch them once it confirmed.
	pub static Library: Vec<(ContentId, Vec<u8>, AccountId)> = vec![];
	/// Masternodes whose sidecar is down: they confirm nothing and answer no challenge.
	pub static Offline: Vec<AccountId> = vec![];
}

/// Builds the test state: endowed accounts, the five [`MASTERNODES`] registered with
/// [`BONDS`], proof keys and session keys, delegations, and the genesis election; then
/// block 1 is initialised.
#[derive(Default)]
pub struct ExtBuilder {
	delegations: Vec<(AccountId, AccountId, Balance)>,
}

impl ExtBuilder {
	/// `backer` delegates `amount` to `masternode` at genesis.
	pub fn delegate(mut self, backer: AccountId, masternode: AccountId, amount: Balance) -> Self {
		self.delegations.push((backer, masternode, amount));
		self
	}

	/// The test externalities, at block 1.
	pub fn build(self) -> sp_io::TestExternalities {
		Library::set(vec![]);
		Offline::set(vec![]);
		let endowed = [CREATOR, VIEWER, BACKER].into_iter().chain(MASTERNODES);
		let storage = RuntimeGenesisConfig {
			balances: pallet_balances::GenesisConfig {
				balances: endowed.map(|who| (who, ENDOWMENT)).collect(),
				..Default::default()
			},
			session: pallet_session::GenesisConfig {
				keys: MASTERNODES.iter().map(|&m| (m, m, UintAuthorityId(m))).collect(),
				..Default::default()
			},
			masternodes: pallet_masternodes::GenesisConfig {
				masternodes: MASTERNODES
					.iter()
					.zip(BONDS)
					.map(|(&operator, bond)| {
						(
							operator,
							bond,
							format!("https://mn-{operator}.example").into_bytes(),
							proof_key(operator),
							CAPACITY,
							COMMISSION,
						)
					})
					.collect(),
			},
			delegation: pallet_delegation::GenesisConfig {
				session_length: SESSION_LENGTH,
				sessions_per_era: SESSIONS_PER_ERA,
				delegations: self.delegations,
			},
			pop_token: pallet_pop_token::GenesisConfig { pot_balance: EXISTENTIAL_DEPOSIT },
			..Default::default()
		}
		.build_storage()
		.expect("the genesis config is valid");
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| run_to_block(1));
		ext
	}

	/// Runs `test` at block 1, then checks every pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			check_invariants();
		});
	}
}

/// Checks the invariants of every POP pallet.
pub fn check_invariants() {
	Masternodes::do_try_state().expect("masternode invariants hold");
	Delegation::do_try_state().expect("delegation invariants hold");
	Rewards::do_try_state().expect("reward invariants hold");
	Content::do_try_state().expect("content invariants hold");
	PopToken::do_try_state().expect("token invariants hold");
}

/// Runs blocks up to `n` as the runtime would: the previous block is finalised and each new
/// one initialised by every pallet, with its timestamp set first and the sidecars' calls
/// after; the invariants are checked after every finalised block.
pub fn run_to_block(n: BlockNumber) {
	System::run_to_block_with::<AllPalletsWithSystem>(
		n,
		RunToBlockHooks::default()
			.before_initialize(|block| Timestamp::set_timestamp(block * BLOCK_MS))
			.after_initialize(|block| {
				// The author saw its parent finalized, as on a healthy network.
				Content::note_finality(RuntimeOrigin::none(), block - 1)
					.expect("one report per block, of a past block");
				run_sidecars()
			})
			.after_finalize(|_| check_invariants()),
	);
}

/// Runs the next block.
pub fn next_block() {
	run_to_block(System::block_number() + 1);
}

/// Runs blocks until era `era` has started.
pub fn run_to_era(era: EraIndex) {
	while current_era() < era {
		next_block();
	}
}

/// Runs one block at a time, at most `max_blocks`, until `found` returns something.
pub fn run_until<R>(max_blocks: u32, mut found: impl FnMut() -> Option<R>) -> R {
	for _ in 0..max_blocks {
		next_block();
		if let Some(result) = found() {
			return result;
		}
	}
	panic!("not reached within {max_blocks} blocks (at block {})", System::block_number());
}

/// What the online sidecars do in a block: confirm the replicas assigned to them whose bytes
/// they can have (uploaded to them, or held by a confirmed holder to fetch from) and answer
/// their open challenges with valid proofs.
pub fn run_sidecars() {
	let offline = Offline::get();
	for (content, _, uploader) in Library::get() {
		while let Some(info) = pallet_content::Contents::<Runtime>::get(content) {
			let source = info.replicas.iter().any(|r| r.confirmed);
			let Some(replica) = info.replicas.iter().find(|r| {
				!r.confirmed && !offline.contains(&r.holder) && (source || r.holder == uploader)
			}) else {
				break;
			};
			assert_ok!(Content::confirm_replica(proof_origin(replica.holder), content));
		}
	}
	let open: Vec<_> = pallet_content::Challenges::<Runtime>::iter().collect();
	for (masternode, challenge, open) in open {
		if offline.contains(&masternode) {
			continue;
		}
		let data = content_bytes(&open.content);
		assert_ok!(Content::submit_proof(
			proof_origin(masternode),
			challenge,
			prove(&data, open.leaf)
		));
	}
}

/// Takes the sidecar of `masternode` offline.
pub fn take_offline(masternode: AccountId) {
	Offline::mutate(|offline| offline.push(masternode));
}

/// The proof key of `masternode`.
pub fn proof_key(masternode: AccountId) -> AccountId {
	masternode + PROOF_KEY_OFFSET
}

/// A call origin signed by the proof key of `masternode`, as its sidecar signs.
pub fn proof_origin(masternode: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(proof_key(masternode))
}

/// Test content: `size` bytes of a pattern that differs with `salt`.
pub fn bytes(size: usize, salt: u8) -> Vec<u8> {
	(0..size).map(|i| (i % 251) as u8 ^ salt).collect()
}

/// The commitment tree of `data`, hashed as the runtime hashes.
fn tree_of(data: &[u8]) -> pop_primitives::commitment::ChunkedTree {
	let mut builder = TreeBuilder::<pallet_content::RuntimeSha256>::new();
	builder.update(data);
	builder.finish().expect("test content is not empty")
}

/// The id of `data`.
pub fn content_id(data: &[u8]) -> ContentId {
	tree_of(data).id::<pallet_content::RuntimeSha256>().expect("test content is not empty")
}

/// A proof of leaf `index` of `data`, as a sidecar builds it from the leaf's chunk.
pub fn prove(data: &[u8], index: u64) -> LeafProof {
	let start = index as usize * LEAF_SIZE / CHUNK_SIZE * CHUNK_SIZE;
	let end = (start + CHUNK_SIZE).min(data.len());
	tree_of(data)
		.prove::<pallet_content::RuntimeSha256>(index, &data[start..end])
		.expect("the leaf is in range")
}

/// The bytes of registered content `content`.
fn content_bytes(content: &ContentId) -> Vec<u8> {
	Library::get()
		.into_iter()
		.find_map(|(id, data, _)| (id == *content).then_some(data))
		.expect("every challenged item was registered through `register_content`")
}

/// `owner` registers `data` uploaded to `uploader`, and the sidecars learn its bytes.
pub fn register_content(
	owner: AccountId,
	data: &[u8],
	price: Balance,
	replication: u32,
	uploader: AccountId,
) -> ContentId {
	let id = content_id(data);
	assert_ok!(register_unheld(owner, id, data.len() as u64, price, replication, uploader));
	Library::mutate(|library| library.push((id, data.to_vec(), uploader)));
	id
}

/// `owner` registers `content` of `size` bytes as uploaded to `uploader`, with a receipt
/// from its sidecar; no sidecar learns any bytes.
pub fn register_unheld(
	owner: AccountId,
	content: ContentId,
	size: u64,
	price: Balance,
	replication: u32,
	uploader: AccountId,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let expires_ms = Timestamp::get() + 60_000;
	let receipt = UploadReceipt { owner, content, size, expires_ms };
	Content::register_content(
		RuntimeOrigin::signed(owner),
		content,
		size,
		b"video/mp4".to_vec(),
		b"A film".to_vec(),
		price,
		replication,
		uploader,
		expires_ms,
		TestSignature(proof_key(uploader), receipt.signing_payload()),
	)
}

/// The masternodes holding `content`, confirmed or not, in assignment order.
pub fn holders(content: &ContentId) -> Vec<AccountId> {
	pallet_content::Contents::<Runtime>::get(content)
		.expect("the content is registered")
		.replicas
		.iter()
		.map(|replica| replica.holder)
		.collect()
}

/// The current era.
pub fn current_era() -> EraIndex {
	<Delegation as Get<EraIndex>>::get()
}

/// The current era's active set.
pub fn active_set() -> Vec<AccountId> {
	<Delegation as ActiveMasternodes<AccountId>>::active()
}

/// The self-bond of `masternode`.
pub fn self_bond(masternode: AccountId) -> Balance {
	<Masternodes as MasternodeRegistry<AccountId, Balance>>::self_bond(&masternode)
		.expect("the masternode is registered")
}

/// The status of `masternode`.
pub fn status(masternode: AccountId) -> MasternodeStatus {
	pallet_masternodes::Masternodes::<Runtime>::get(masternode)
		.expect("the masternode is registered")
		.status
}

/// `(shares, value)` of `masternode`'s delegation pool.
pub fn pool(masternode: AccountId) -> (Balance, Balance) {
	<Delegation as DelegatedStake<AccountId, Balance>>::pool(&masternode)
}

/// POP held from `who` for `reason`.
pub fn held(reason: impl Into<RuntimeHoldReason>, who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&reason.into(), &who)
}

/// The events of pallet `E` since genesis, oldest first.
pub fn events<E>() -> Vec<E>
where
	RuntimeEvent: TryInto<E>,
{
	System::read_events_for_pallet::<E>()
}

/// `payer` pays `amount` of transaction fees, dealt with as the runtime deals with them:
/// [`FeeToPot`] into the reward pot, the rest burned.
pub fn pay_fees(payer: AccountId, amount: Balance) {
	use frame_support::traits::{
		fungible::Balanced,
		tokens::{Fortitude, Precision, Preservation},
		OnUnbalanced,
	};
	let fees = <Balances as Balanced<AccountId>>::withdraw(
		&payer,
		amount,
		Precision::Exact,
		Preservation::Preserve,
		Fortitude::Polite,
	)
	.expect("the payer can pay the fees");
	pallet_pop_token::DealWithFees::<Runtime>::on_unbalanced(fees);
}
