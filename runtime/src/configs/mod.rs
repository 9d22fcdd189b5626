//! Configuration of every pallet in the runtime.

mod offences;
pub use offences::{ElectedValidators, IdentificationTuple, SlashOffenders};

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_runtime::{traits::OpaqueKeys, Perbill};
use sp_version::RuntimeVersion;

use super::{
	currency::{EXISTENTIAL_DEPOSIT, MICRO_POP, POP},
	time::{DAYS, MILLI_SECS_PER_BLOCK, MINUTES, SLOT_DURATION},
	AccountId, Babe, Balance, Balances, Block, BlockNumber, Content, Delegation, Hash, Masternodes,
	Nonce, PalletInfo, PopToken, Rewards, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason,
	RuntimeHoldReason, RuntimeOrigin, RuntimeTask, Session, SessionKeys, Signature, System,
	Timestamp, VERSION,
};

/// Normal extrinsics may fill this share of a block; the rest is kept for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per block: two thirds of the 3 s slot, leaving time for import
	/// and propagation.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(frame_support::dispatch::DispatchClass::Normal, |m| {
			*m = NORMAL_DISPATCH_RATIO * *m
		})
		.build();
	/// Generic Substrate prefix 42: addresses read the same in Polkadot.js and every wallet
	/// without a registry entry of our own.
	pub const SS58Prefix: u16 = 42;
}

/// Defaults from the solochain preset; the values below are POP's own.
#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	// ParityDB is the node's database; its read/write costs are at or below RocksDB's, so the
	// RocksDB weights are a safe upper bound until the storage benchmark is run on reference
	// hardware.
	type DbWeight = RocksDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

parameter_types! {
	pub const ExpectedBlockTime: u64 = MILLI_SECS_PER_BLOCK;
}

/// Upper bound on the validator set; the election caps the active set far below this.
pub type MaxAuthorities = ConstU32<100>;

impl pallet_babe::Config for Runtime {
	// Set per chain at genesis (minute-long eras on dev chains, hours in production); BABE
	// reads it from the delegation pallet, which drives sessions and eras.
	type EpochDuration = pallet_delegation::EpochDuration<Runtime>;
	type ExpectedBlockTime = ExpectedBlockTime;
	// Epochs are driven by `pallet_session`, which asks BABE when a session should end.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = Session;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	// Equivocations are reported and slashed (see `offences.rs`).
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem = offences::BabeEquivocation;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = offences::HistoryDepth;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem = offences::GrandpaEquivocation;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Babe;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::from_u32(1);
	/// Ten micro-POP per byte: a plain transfer costs about a thousandth of a POP.
	pub const TransactionByteFee: Balance = 10 * MICRO_POP;
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// A share of fees and tips funds the reward pot; the rest is burned.
	type OnChargeTransaction = FungibleAdapter<Balances, pallet_pop_token::DealWithFees<Runtime>>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = frame_support::weights::ConstantMultiplier<Balance, TransactionByteFee>;
	// A constant multiplier keeps fees predictable for dapps and exact in tests.
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	// Authoring a block earns era points.
	type EventHandler = Rewards;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	// The DPoS election picks the validators at every era; each session's set is kept
	// provable for equivocation reports.
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, ElectedValidators>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	// An offender stops producing blocks and voting for the rest of the session, unless a
	// third of the set is disabled already.
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	type WeightInfo = ();
	type Currency = Balances;
	/// Registering session keys holds one POP, so key storage cannot be spammed for free.
	type KeyDeposit = ConstU128<POP>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = super::OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const PotId: frame_support::PalletId = frame_support::PalletId(*b"pop/pot_");
	/// 8% a year at first, shrinking by a tenth each year, never below 2%.
	pub const InitialInflation: Perbill = Perbill::from_percent(8);
	pub const InflationDecay: Perbill = Perbill::from_percent(10);
	pub const MinimumInflation: Perbill = Perbill::from_percent(2);
	/// 80% of fees reward the masternodes that keep the network up; 20% are burned.
	pub const FeeToPot: Perbill = Perbill::from_percent(80);
	/// Of a pay-per-view price: 70% to the creator, 20% to the serving masternodes, 10% burned.
	pub const CreatorShare: Perbill = Perbill::from_percent(70);
	pub const ServersShare: Perbill = Perbill::from_percent(20);
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
	type MaxServersPaid = MaxReplication;
	type GrantDuration = ConstU32<DAYS>;
	type WeightInfo = pallet_pop_token::weights::SubstrateWeight<Runtime>;
}

/// Eras a masternode's or backer's unbonded POP stays held.
pub type BondingDuration = ConstU32<4>;

impl pallet_masternodes::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinSelfBond = ConstU128<{ 1_000 * POP }>;
	type MaxMasternodes = ConstU32<1_000>;
	type MaxUnbondingChunks = ConstU32<16>;
	type BondingDuration = BondingDuration;
	type JailDuration = ConstU32<2>;
	type CurrentEra = Delegation;
	type Delegations = Delegation;
	type OnSlash = Delegation;
	type OnLeave = Content;
	type WeightInfo = pallet_masternodes::weights::SubstrateWeight<Runtime>;
}

impl pallet_delegation::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Masternodes = Masternodes;
	type Rewards = Rewards;
	type OnEraEnd = Rewards;
	type ValidatorKeys = Session;
	type Time = Timestamp;
	type MinDelegation = ConstU128<{ 10 * POP }>;
	type MaxDelegationsPerDelegator = ConstU32<16>;
	// A pool only counts its backers; nothing iterates them.
	type MaxDelegatorsPerMasternode = ConstU32<100_000>;
	type MaxUnbondingChunks = ConstU32<16>;
	type BondingDuration = BondingDuration;
	type MaxActiveMasternodes = MaxAuthorities;
	type MaxValidators = ConstU32<21>;
	type WeightInfo = pallet_delegation::weights::SubstrateWeight<Runtime>;
}

impl pallet_rewards::Config for Runtime {
	type Currency = Balances;
	type Masternodes = Masternodes;
	type Delegations = Delegation;
	type Emission = PopToken;
	type PointsPerBlock = ConstU32<20>;
	type WeightInfo = pallet_rewards::weights::SubstrateWeight<Runtime>;
}

/// Most masternodes one content item is stored on, and so most servers paid per view.
pub type MaxReplication = ConstU32<8>;

parameter_types! {
	/// A missed challenge or bad proof costs this much of the stake at the fault threshold.
	pub const ContentSlashFraction: Perbill = Perbill::from_percent(1);
}

/// Bytes a holder is expected to fetch per block: 20 MB/s over a 3 s block.
pub const FETCH_BYTES_PER_BLOCK: u64 = 20_000_000 * (MILLI_SECS_PER_BLOCK / 1_000);

impl pallet_content::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Masternodes = Masternodes;
	type ActiveSet = Delegation;
	type Slashing = Masternodes;
	type Points = Rewards;
	type Randomness = pallet_babe::ParentBlockRandomness<Runtime>;
	type CurrentEra = Delegation;
	// Per copy: 1 POP, and 1 POP more per GiB; an item stored 8 times pays 8 times.
	type DepositBase = ConstU128<POP>;
	type DepositPerMiB = ConstU128<{ POP / 1024 }>;
	type MaxContentSize = ConstU64<{ 64 << 30 }>;
	type MaxMimeLen = ConstU32<64>;
	type MaxTitleLen = ConstU32<128>;
	type MaxReplication = MaxReplication;
	type MaxCandidates = MaxAuthorities;
	type ChallengesPerBlock = ConstU32<4>;
	// 30 s to answer: a sidecar following finalized blocks sees a challenge a few blocks late.
	type ChallengeDeadline = ConstU32<10>;
	// The uploader holds the bytes already: it confirms as soon as it sees the registration.
	type ConfirmationTimeout = ConstU32<{ 10 * MINUTES }>;
	// A minute to start, then 60 MB a block: a 64 GiB item gets 1,166 blocks (58 minutes),
	// what a 20 MB/s link needs to move it (57 minutes) and a minute more.
	type FetchWindowBase = ConstU32<MINUTES>;
	type FetchBytesPerBlock = ConstU64<FETCH_BYTES_PER_BLOCK>;
	type MaxDeadlinesPerBlock = ConstU32<16>;
	// About five registrations a second; the next block draws holders for all of them.
	type MaxRegistrationsPerBlock = ConstU32<16>;
	type ReceiptSignature = Signature;
	type Time = Timestamp;
	type FaultThreshold = ConstU32<3>;
	type SlashFraction = ContentSlashFraction;
	// A block author earns 20 points; four challenges a block pay holders as much in all.
	type ProofPoints = ConstU32<5>;
	// Ten blocks (30 s) ahead of the finalized block is no longer GRANDPA's usual lag of a
	// few blocks: missed challenges stop counting as faults.
	type MaxFinalityLag = ConstU32<10>;
	type MaxReassignmentsPerBlock = ConstU32<16>;
	type MaxRenditions = ConstU32<8>;
	type WeightInfo = pallet_content::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ContentReceiptSigner;
}

/// Signs upload receipts in the content benchmarks: makes a fresh sr25519 key in the
/// benchmark's keystore the uploader's proof key, and signs with it.
#[cfg(feature = "runtime-benchmarks")]
pub struct ContentReceiptSigner;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_content::ReceiptBenchmarkHelper<AccountId, Signature> for ContentReceiptSigner {
	fn sign_as_uploader(uploader: &AccountId, payload: &[u8]) -> Signature {
		use sp_runtime::{app_crypto::RuntimePublic, traits::IdentifyAccount, MultiSigner};
		const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"popr");
		let public = sp_core::sr25519::Public::generate_pair(KEY_TYPE, None);
		let proof_key = MultiSigner::from(public).into_account();
		let update = pallet_masternodes::MasternodeUpdate {
			endpoint: None,
			proof_key: Some(proof_key),
			capacity: None,
			commission: None,
		};
		Masternodes::update(RuntimeOrigin::signed(uploader.clone()), update)
			.expect("benchmark masternodes are registered");
		let signature = public.sign(KEY_TYPE, &payload).expect("the key was just made");
		Signature::Sr25519(signature)
	}
}
