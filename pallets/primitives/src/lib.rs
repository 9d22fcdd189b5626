//! # POP primitives
//!
//! Types and the traits through which the POP pallets talk to each other. A pallet depends on
//! these traits, never on another pallet's internals, so each can be tested with a mock of
//! the others and the runtime wires the real ones together.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod commitment;

use commitment::ContentId;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Get, Saturating, Zero},
	BoundedVec, DispatchResult, Perbill, Weight,
};

/// Index of an era: the period between two elections of the active masternode set.
pub type EraIndex = u32;

/// Identifies the inherent in which a block's author reports the last block its node has
/// finalized, so the content pallet can tell when finality stalls (see `pallet_content`).
/// Its data is the block number, SCALE-encoded.
pub const FINALITY_INHERENT_IDENTIFIER: [u8; 8] = *b"popfinal";

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

/// A masternode's own bond on its way out: still held, and still slashable for the
/// masternode's faults, until `unlock_era`, then withdrawable. (A backer's chunk must also say
/// which masternode's pool it left, whose slashes it answers for: the delegation pallet keeps
/// its own chunk type for that.)
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct UnbondingChunk<Balance> {
	/// POP being unbonded.
	pub amount: Balance,
	/// The era from which it may be withdrawn.
	pub unlock_era: EraIndex,
}

/// A bounded queue of unbonding chunks, oldest first.
pub type UnbondingQueue<Balance, Max> = BoundedVec<UnbondingChunk<Balance>, Max>;

/// Queues `amount` to unlock at `unlock_era`, merging with the last chunk when it unlocks in
/// the same era. Fails, changing nothing, when the queue is full.
pub fn push_unbonding<Balance: Saturating + Copy, Max: Get<u32>>(
	queue: &mut UnbondingQueue<Balance, Max>,
	amount: Balance,
	unlock_era: EraIndex,
) -> Result<(), ()> {
	match queue.last_mut() {
		Some(last) if last.unlock_era == unlock_era => {
			last.amount = last.amount.saturating_add(amount);
			Ok(())
		}
		_ => queue.try_push(UnbondingChunk { amount, unlock_era }).map_err(|_| ()),
	}
}

/// Removes the chunks unlocked by `era` and returns their total.
pub fn take_matured<Balance: Saturating + Zero + Copy, Max: Get<u32>>(
	queue: &mut UnbondingQueue<Balance, Max>,
	era: EraIndex,
) -> Balance {
	let mut total = Balance::zero();
	queue.retain(|chunk| {
		let unlocked = chunk.unlock_era <= era;
		if unlocked {
			total = total.saturating_add(chunk.amount);
		}
		!unlocked
	});
	total
}

/// The total of a queue.
pub fn unbonding_total<Balance: Saturating + Zero + Copy, Max: Get<u32>>(
	queue: &UnbondingQueue<Balance, Max>,
) -> Balance {
	queue.iter().fold(Balance::zero(), |sum, chunk| sum.saturating_add(chunk.amount))
}

/// What the election and the reward payout need to know about masternodes.
pub trait MasternodeRegistry<AccountId, Balance> {
	/// The self-bond of a registered masternode, `None` when `who` is not registered.
	fn self_bond(who: &AccountId) -> Option<Balance>;
	/// The share of a masternode's rewards its operator keeps before backers are paid.
	fn commission(who: &AccountId) -> Perbill;
	/// Whether `who` is in the current era's active set.
	fn is_active(who: &AccountId) -> bool;
	/// Masternodes that may be elected: registered, not jailed, bonded at least the minimum.
	fn electable() -> Vec<(AccountId, Balance)>;
	/// Records the outcome of an election: `active` become Active, the others Idle (jailed
	/// ones stay Jailed).
	fn set_active_set(active: &[AccountId]);
	/// Most masternodes that can be registered at once: the election's worst case.
	fn max_registered() -> u32;
}

/// What the content pallet needs to know about masternodes: who may hold content and how
/// much, where it is served, and which masternode a proof key signs for.
pub trait MasternodeDirectory<AccountId> {
	/// The bytes `who` offers to store, `None` when it may not hold content (not registered,
	/// or jailed).
	fn storage_offer(who: &AccountId) -> Option<u64>;
	/// The URL where the sidecar of `who` serves content.
	fn endpoint(who: &AccountId) -> Option<Vec<u8>>;
	/// The masternode that `proof_key` signs storage proofs for.
	fn operator_of(proof_key: &AccountId) -> Option<AccountId>;
	/// The proof key of masternode `who`, which signs its proofs and its upload receipts.
	fn proof_key(who: &AccountId) -> Option<AccountId>;
}

/// An uploader masternode's word that it holds an item's bytes, uploaded by `owner`. Its
/// sidecar signs the receipt with its proof key when an upload completes and hands it to the
/// creator; `register_content` accepts an item only with a valid, unexpired receipt. So nobody
/// can register content that no masternode received (and get its holders faulted), nor take
/// another creator's upload as their own by copying a pending registration: the receipt names
/// the owner.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct UploadReceipt<AccountId> {
	/// The account that uploaded the bytes and may register them.
	pub owner: AccountId,
	/// The item's id.
	pub content: ContentId,
	/// The item's size in bytes.
	pub size: u64,
	/// Unix time in milliseconds after which the receipt is refused.
	pub expires_ms: u64,
}

impl<AccountId: Encode> UploadReceipt<AccountId> {
	/// Prefixed to what is signed, so a receipt's signature means nothing anywhere else.
	pub const DOMAIN: &'static [u8] = b"pop/upload-receipt/v1";

	/// The bytes the proof key signs: [`Self::DOMAIN`] followed by the receipt's SCALE
	/// encoding (owner, 32-byte id, size and expiry as little-endian `u64`s).
	pub fn signing_payload(&self) -> Vec<u8> {
		let mut payload = Self::DOMAIN.to_vec();
		self.encode_to(&mut payload);
		payload
	}
}

/// The masternodes elected into the current era's active set.
pub trait ActiveMasternodes<AccountId> {
	/// The active set, at most `MaxActiveMasternodes` long.
	fn active() -> Vec<AccountId>;

	/// Makes `active` the active set, for other pallets' benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_active(active: Vec<AccountId>);
}

/// Told when a masternode can no longer hold content: it deregistered or was jailed.
pub trait OnMasternodeLeave<AccountId> {
	/// `who` left; whatever it held must find another holder.
	fn on_leave(who: &AccountId);
	/// The most [`Self::on_leave`] can cost.
	fn on_leave_weight() -> Weight;
}

impl<AccountId> OnMasternodeLeave<AccountId> for () {
	fn on_leave(_: &AccountId) {}
	fn on_leave_weight() -> Weight {
		Weight::zero()
	}
}

/// Punishment of a masternode for faults, called by the pallet that detects them.
pub trait MasternodeSlashing<AccountId, Balance> {
	/// Slashes `fraction` of what is at stake behind the masternode and jails it: its
	/// self-bond, its own unbonding chunks that have not unlocked, and its backers' stake,
	/// delegated or still unbonding from its pool. A masternode that deregistered is slashed
	/// all the same (its unbonding stake and its former backers'), so leaving before a
	/// deadline erases no fault; there is nothing left to jail. Returns the POP burned from
	/// the operator (self-bond and its unbonding chunks).
	fn slash_and_jail(who: &AccountId, fraction: Perbill) -> Balance;
	/// The most [`Self::slash_and_jail`] can cost, whatever is at stake behind the masternode:
	/// callers charge it on every path that may slash.
	fn slash_weight() -> Weight;
}

/// Told when a masternode is slashed, so delegated stake loses the same fraction.
pub trait OnMasternodeSlash<AccountId> {
	/// `who` lost `fraction` of its stake: its backers lose the same fraction of what they
	/// delegate to it and of what left its pool and has not unlocked yet.
	fn on_slash(who: &AccountId, fraction: Perbill);
	/// The most [`Self::on_slash`] can cost.
	fn on_slash_weight() -> Weight;
}

impl<AccountId> OnMasternodeSlash<AccountId> for () {
	fn on_slash(_: &AccountId, _: Perbill) {}
	fn on_slash_weight() -> Weight {
		Weight::zero()
	}
}

/// Delegated stake behind masternodes.
pub trait DelegatedStake<AccountId, Balance> {
	/// The pool of `masternode`: `(shares, value)`, value being the POP delegated after
	/// slashes. Backer rewards are paid per share.
	fn pool(masternode: &AccountId) -> (Balance, Balance);
	/// Whether anyone still delegates to `masternode`, in its pool or in the closed pool of
	/// its last registration.
	fn has_delegators(masternode: &AccountId) -> bool;
	/// `masternode` deregistered: its pool closes and its backers' stake unbonds, for the
	/// bonding duration, in place. Constant work whatever the number of backers: each
	/// backer's stake is released later, one backer at a time.
	fn close_pool(masternode: &AccountId);
	/// The masternodes `backer` delegates to, with its shares of each pool; at most
	/// [`Self::max_delegations_per_backer`] entries.
	fn delegations_of(backer: &AccountId) -> Vec<(AccountId, Balance)>;
	/// Most masternodes one backer can delegate to.
	fn max_delegations_per_backer() -> u32;
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
	/// `era`, which lasted `duration_ms`, ended; `active` were its active masternodes.
	fn on_era_end(era: EraIndex, active: &[AccountId], duration_ms: u64);

	/// Makes the coming era end as costly as it can be for `active`: every one of them has
	/// earned something to pay out.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_worst_case(_active: &[AccountId]) {}
}

impl<AccountId> OnEraEnd<AccountId> for () {
	fn on_era_end(_: EraIndex, _: &[AccountId], _: u64) {}
}

/// Creates the POP paid out for an era: emission minted into the reward pot.
pub trait EraEmission<AccountId, Balance> {
	/// Mints the emission of an era lasting `era_duration_ms` into the pot; returns it.
	fn mint_era_emission(era_duration_ms: u64) -> Balance;
	/// The account that holds minted emission, collected fees and unclaimed rewards.
	fn reward_pot() -> AccountId;
}

/// Priced content, as the token pallet needs it for viewer payments.
pub trait ContentCatalog<AccountId, Balance> {
	/// The creator and price of `content`, `None` if it is not registered.
	fn price_of(content: &ContentId) -> Option<(AccountId, Balance)>;
	/// The masternodes currently serving `content`.
	fn servers_of(content: &ContentId) -> Vec<AccountId>;
}

/// A no-op catalog for runtimes without content: every id is unknown.
impl<AccountId, Balance> ContentCatalog<AccountId, Balance> for () {
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

/// Sets up what other pallets' benchmarks need from this one.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A registered, electable masternode, distinct for each `index`.
	fn registered(index: u32) -> AccountId;
	/// The proof key of the masternode `registered(index)` returns.
	fn proof_key(index: u32) -> AccountId;
}

/// Sets up delegations for other pallets' benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait DelegationBenchmarkHelper<AccountId> {
	/// Makes `backer` delegate to `count` distinct masternodes, and returns them.
	fn delegate_to(backer: &AccountId, count: u32) -> Vec<AccountId>;
}

/// Sets up priced content for the token pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait CatalogBenchmarkHelper<AccountId, Balance> {
	/// Makes `content` exist with `price`, a funded creator and `servers` funded servers.
	fn priced(content: ContentId, price: Balance, servers: u32);
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::traits::ConstU32;

	#[test]
	fn unbonding_queue_merges_same_era_and_releases_matured_chunks() {
		let mut queue = UnbondingQueue::<u64, ConstU32<2>>::default();
		assert!(push_unbonding(&mut queue, 10, 3).is_ok());
		assert!(push_unbonding(&mut queue, 5, 3).is_ok());
		assert!(push_unbonding(&mut queue, 7, 4).is_ok());
		assert_eq!(queue.len(), 2);
		// Full: a third unlock era does not fit, and the queue is unchanged.
		assert!(push_unbonding(&mut queue, 1, 5).is_err());
		assert_eq!(unbonding_total(&queue), 22);
		assert_eq!(take_matured(&mut queue, 2), 0);
		assert_eq!(take_matured(&mut queue, 3), 15);
		assert_eq!(take_matured(&mut queue, 10), 7);
		assert!(queue.is_empty());
	}

	#[test]
	fn an_upload_receipt_signs_its_domain_then_its_fields_in_order() {
		let receipt = UploadReceipt {
			owner: [1u8; 32],
			content: ContentId([2; 32]),
			size: 3,
			expires_ms: 4,
		};
		let mut expected = b"pop/upload-receipt/v1".to_vec();
		expected.extend([1; 32]);
		expected.extend([2; 32]);
		expected.extend(3u64.to_le_bytes());
		expected.extend(4u64.to_le_bytes());
		assert_eq!(receipt.signing_payload(), expected);
	}
}
