//! # POP primitives
//!
//! Types and the traits through which the POP pallets talk to each other. A pallet depends on
//! these traits, never on another pallet's internals, so each can be tested with a mock of
//! the others and the runtime wires the real ones together.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{DispatchResult, Perbill};

/// Index of an era: the period between two elections of the active masternode set.
pub type EraIndex = u32;

/// Reward points a masternode earned in an era.
pub type RewardPoint = u32;

/// Where a masternode stands.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
)]
pub enum MasternodeStatus {
	/// Elected into this era's active set: serves content and earns rewards.
	Active,
	/// Registered but not in the active set.
	Idle,
	/// Punished for faults; cannot be elected until it unjails after the jail period.
	Jailed,
}

/// What the election and the reward payout need to know about masternodes.
pub trait MasternodeRegistry<AccountId, Balance> {
	/// The self-bond of a registered masternode, `None` when `who` is not registered.
	fn self_bond(who: &AccountId) -> Option<Balance>;
	/// The share of a masternode's rewards its operator keeps before backers are paid.
	fn commission(who: &AccountId) -> Perbill;
	/// Masternodes that may be elected: registered, not jailed, bonded at least the minimum.
	fn electable() -> Vec<(AccountId, Balance)>;
	/// Records the outcome of an election: `active` become Active, the others Idle (jailed
	/// ones stay Jailed).
	fn set_active_set(active: &[AccountId]);
}

/// Punishment of a masternode for faults, called by the pallet that detects them.
pub trait MasternodeSlashing<AccountId, Balance> {
	/// Slashes `fraction` of the masternode's self-bond and of its backers' delegations and
	/// jails it. Returns the amount slashed from the self-bond.
	fn slash_and_jail(who: &AccountId, fraction: Perbill) -> Balance;
}

/// Told when a masternode is slashed, so delegated stake loses the same fraction.
pub trait OnMasternodeSlash<AccountId> {
	/// `who` lost `fraction` of its stake.
	fn on_slash(who: &AccountId, fraction: Perbill);
}

impl<AccountId> OnMasternodeSlash<AccountId> for () {
	fn on_slash(_: &AccountId, _: Perbill) {}
}

/// Delegated stake behind masternodes.
pub trait DelegatedStake<AccountId, Balance> {
	/// Total POP delegated to `masternode`, after slashes.
	fn delegated_to(masternode: &AccountId) -> Balance;
	/// Whether anyone still delegates to `masternode`.
	fn has_delegators(masternode: &AccountId) -> bool;
}

/// Reward points for work done in the current era; the content pallet adds proof points.
pub trait RewardPoints<AccountId> {
	/// Credits `points` to `who` for the current era.
	fn add_points(who: &AccountId, points: RewardPoint);
}

impl<AccountId> RewardPoints<AccountId> for () {
	fn add_points(_: &AccountId, _: RewardPoint) {}
}

/// Told at each era boundary, after the outgoing era's work is done.
pub trait OnEraEnd<AccountId> {
	/// `era` ended; `active` were its active masternodes.
	fn on_era_end(era: EraIndex, active: &[AccountId]);
}

impl<AccountId> OnEraEnd<AccountId> for () {
	fn on_era_end(_: EraIndex, _: &[AccountId]) {}
}

/// Creates the POP paid out for an era: emission minted into the reward pot.
pub trait EraEmission<AccountId, Balance> {
	/// Mints the emission of an era lasting `era_duration_ms` into the pot; returns it.
	fn mint_era_emission(era_duration_ms: u64) -> Balance;
	/// The account that holds minted emission, collected fees and unclaimed rewards.
	fn reward_pot() -> AccountId;
}

/// Priced content, as the token pallet needs it for viewer payments.
pub trait ContentCatalog<AccountId, ContentId, Balance> {
	/// The creator and price of `content`, `None` if it is not registered.
	fn price_of(content: &ContentId) -> Option<(AccountId, Balance)>;
	/// The masternodes currently serving `content`.
	fn servers_of(content: &ContentId) -> Vec<AccountId>;
}

/// A no-op catalog for runtimes without content: every id is unknown.
impl<AccountId, ContentId, Balance> ContentCatalog<AccountId, ContentId, Balance> for () {
	fn price_of(_: &ContentId) -> Option<(AccountId, Balance)> {
		None
	}
	fn servers_of(_: &ContentId) -> Vec<AccountId> {
		Vec::new()
	}
}

/// Settlement of backer rewards, called by the delegation pallet before a stake changes.
pub trait RewardSettlement<AccountId, Balance> {
	/// Credits `backer` what its `shares` in `masternode`'s pool earned since it was last
	/// settled, and marks it settled at the current accumulator.
	fn settle(masternode: &AccountId, backer: &AccountId, shares: Balance) -> DispatchResult;
	/// Forgets the settlement point of a backer that left the pool (after settling it).
	fn forget(masternode: &AccountId, backer: &AccountId);
}

impl<AccountId, Balance> RewardSettlement<AccountId, Balance> for () {
	fn settle(_: &AccountId, _: &AccountId, _: Balance) -> DispatchResult {
		Ok(())
	}
	fn forget(_: &AccountId, _: &AccountId) {}
}
