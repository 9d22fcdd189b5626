//! # POP Network runtime
//!
//! The state transition function of POP Network: BABE block production with GRANDPA finality,
//! the POP token as native currency (`pallet-balances`, 12 decimals), transaction payment,
//! sessions, sudo and utility. The content economy pallets plug in here.
//!
//! Layout follows the polkadot-sdk solochain template: pallet configuration in [`configs`],
//! runtime API implementations in [`apis`], genesis presets in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// Declared before `apis`, whose benchmark entry points use the macros it defines.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_support::weights::constants::RocksDbWeight;
pub use pallet_balances::Call as BalancesCall;
pub use sp_consensus_babe::AuthorityId as BabeId;
pub use sp_consensus_grandpa::AuthorityId as GrandpaId;

/// Opaque types: what the node sees of the runtime without knowing its call or event types.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The session keys a validator registers: one for block production, one for finality.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
	}
}

/// The runtime version. Bump `spec_version` on every change of logic, `transaction_version` on
/// every change of call indices or extrinsic format.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("pop"),
	impl_name: alloc::borrow::Cow::Borrowed("pop-node"),
	authoring_version: 1,
	spec_version: 109,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// Token units. POP has 12 decimals: one POP is 10^12 planck.
pub mod currency {
	use super::Balance;

	/// Decimals of the POP token.
	pub const DECIMALS: u8 = 12;
	/// Ticker symbol of the native token.
	pub const SYMBOL: &str = "POP";
	/// One POP in planck.
	pub const POP: Balance = 10u128.pow(DECIMALS as u32);
	/// One thousandth of a POP.
	pub const MILLI_POP: Balance = POP / 1_000;
	/// One millionth of a POP.
	pub const MICRO_POP: Balance = MILLI_POP / 1_000;
	/// The smallest balance an account may hold: 0.01 POP. Small enough for pay-per-view
	/// viewers, large enough that dust accounts cost an attacker real money.
	pub const EXISTENTIAL_DEPOSIT: Balance = 10 * MILLI_POP;
}

/// Block and epoch timing.
pub mod time {
	use super::BlockNumber;

	/// Target block time. Three seconds keeps end-to-end tests quick while leaving ample room
	/// for block import and GRANDPA gossip on modest validator hardware.
	pub const MILLI_SECS_PER_BLOCK: u64 = 3_000;
	/// BABE slot duration; one block per slot.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;
	/// The BABE primary slot probability `c`: a quarter of slots have a primary author, the
	/// rest are filled by secondary (VRF) authors, so no slot is left empty.
	pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
}

/// The BABE epoch configuration a chain starts with.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: time::PRIMARY_PROBABILITY,
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// An index to a block.
pub type BlockNumber = u32;
/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;
/// Some way of identifying an account on the chain.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in planck.
pub type Balance = u128;
/// Index of a transaction in the chain.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A Block signed with a Justification.
pub type SignedBlock = generic::SignedBlock<Block>;
/// BlockId type as expected by this runtime.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions checked on every signed extrinsic.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	// Refuses proofs and confirmations that would do nothing, before they reach a block.
	pallet_content::CheckProof<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run once at the next runtime upgrade, in order, before the pallets'
/// own `on_runtime_upgrade`. Empty while every pallet is at its first storage version; a
/// change of a pallet's storage layout adds its versioned migration here (and try-runtime's
/// `pre_upgrade`/`post_upgrade` check it on a copy of live state, see `tests/try-state`).
pub type Migrations = ();

/// Executive: handles dispatch to the various pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Babe = pallet_babe;

	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(5)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(6)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(7)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(8)]
	pub type Utility = pallet_utility;

	#[runtime::pallet_index(9)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(10)]
	pub type Historical = pallet_session::historical;

	#[runtime::pallet_index(11)]
	pub type Offences = pallet_offences;

	#[runtime::pallet_index(20)]
	pub type PopToken = pallet_pop_token;

	#[runtime::pallet_index(21)]
	pub type Masternodes = pallet_masternodes;

	#[runtime::pallet_index(22)]
	pub type Delegation = pallet_delegation;

	#[runtime::pallet_index(23)]
	pub type Rewards = pallet_rewards;

	#[runtime::pallet_index(24)]
	pub type Content = pallet_content;
}
