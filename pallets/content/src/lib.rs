//! # Content pallet
//!
//! The registry of POP Network content and the proof-of-availability game that keeps its
//! holders honest.
//!
//! - A creator uploads bytes to a masternode's sidecar and then registers the item with
//!   [`Pallet::register_content`]: its [`ContentId`] (the Merkle commitment of the bytes and
//!   their size, see [`pop_primitives::commitment`]), size, MIME type, title, price and
//!   replication factor. A deposit is held from the creator for as long as the item exists.
//! - The item is assigned to `replication` distinct masternodes: first the one the creator
//!   uploaded to, then active masternodes with free advertised capacity, drawn with the
//!   chain's randomness. Each holder's sidecar fetches the bytes, checks them against the id
//!   and confirms with [`Pallet::confirm_replica`], signed by the masternode's proof key.
//! - Every block, [`Config::ChallengesPerBlock`] challenges are drawn from BABE randomness: a
//!   content item, one of its holders and a leaf. The holder answers within
//!   [`Config::ChallengeDeadline`] blocks with [`Pallet::submit_proof`]: the leaf's bytes and
//!   its Merkle path, verified here with `sp_io::hashing::sha2_256`. Valid proofs are free,
//!   operational transactions, so full blocks do not crowd them out, and earn
//!   [`Config::ProofPoints`] reward points.
//! - A missed deadline or a bad proof is a fault. [`Config::FaultThreshold`] faults in an era
//!   slash [`Config::SlashFraction`] of the masternode's stake and jail it through the
//!   masternode registry. A masternode that is jailed or deregisters loses its replicas, which
//!   move to other masternodes a few per block ([`Config::MaxReassignmentsPerBlock`]); items
//!   left short of holders are retried once per era.
//! - The pallet is the token pallet's [`ContentCatalog`] (price and servers for viewer
//!   payments), and [`runtime_api::ContentApi`] tells a dapp where to stream an item.
//!
//! ## Invariants (checked by `try_state`)
//! - [`ContentByIndex`] holds exactly the registered ids, each at the index its item records,
//!   and [`ContentCount`] is their number.
//! - An item's holders are distinct, at most its replication factor, and each has exactly one
//!   [`Assignments`] entry for it; no assignment exists without its replica.
//! - [`Used`] of a masternode is the total size of the items assigned to it.
//! - The `ContentDeposit` hold of every owner is the sum of its items' deposits.
//! - Every open challenge is listed under its deadline in [`Deadlines`], which is not in the
//!   past.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	dispatch::{DispatchClass, Pays, PostDispatchInfo},
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		tokens::Precision,
		Randomness,
	},
};
use frame_system::pallet_prelude::*;
use pop_primitives::{
	commitment::{self, ContentId, Hash, LeafProof},
	ActiveMasternodes, ContentCatalog, EraIndex, MasternodeDirectory, MasternodeSlashing,
	OnMasternodeLeave, RewardPoint, RewardPoints,
};
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill, SaturatedConversion,
};

/// Balance type of the currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Identifies an availability challenge.
pub type ChallengeId = u64;

/// What challenge randomness is drawn for.
const CHALLENGE_SUBJECT: &[u8] = b"pop/content/challenge";

/// One mebibyte, the unit of the per-size deposit.
const MIB: u64 = 1 << 20;

/// The commitment's hash in the runtime: the `sha2_256` host function.
pub struct RuntimeSha256;
impl commitment::Sha256 for RuntimeSha256 {
	fn hash(parts: &[&[u8]]) -> Hash {
		sp_io::hashing::sha2_256(&parts.concat())
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency, in which deposits are held.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Registered masternodes: capacity, endpoints, proof keys.
		type Masternodes: MasternodeDirectory<Self::AccountId>;

		/// The current era's active masternodes, to which new replicas go.
		type ActiveSet: ActiveMasternodes<Self::AccountId>;

		/// Punishes a masternode whose faults reach the threshold.
		type Slashing: MasternodeSlashing<Self::AccountId, BalanceOf<Self>>;

		/// Where proof points go.
		type Points: RewardPoints<Self::AccountId>;

		/// Unbiasable per-block randomness (BABE's VRF output of the parent block); `None`
		/// until the chain has produced one.
		type Randomness: Randomness<Option<Self::Hash>, BlockNumberFor<Self>>;

		/// The current era, over which faults are counted.
		type CurrentEra: Get<EraIndex>;

		/// Deposit held for every content item.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;

		/// Deposit held per started MiB of content.
		#[pallet::constant]
		type DepositPerMiB: Get<BalanceOf<Self>>;

		/// Largest content item, in bytes.
		#[pallet::constant]
		type MaxContentSize: Get<u64>;

		/// Longest MIME type, in bytes.
		#[pallet::constant]
		type MaxMimeLen: Get<u32>;

		/// Longest title, in bytes.
		#[pallet::constant]
		type MaxTitleLen: Get<u32>;

		/// Most holders one item can ask for.
		#[pallet::constant]
		type MaxReplication: Get<u32>;

		/// Most active masternodes considered when replicas are assigned (the size of the
		/// active set); bounds the weight of an assignment.
		#[pallet::constant]
		type MaxCandidates: Get<u32>;

		/// Challenges drawn every block.
		#[pallet::constant]
		type ChallengesPerBlock: Get<u32>;

		/// Blocks a holder has to answer a challenge.
		#[pallet::constant]
		type ChallengeDeadline: Get<BlockNumberFor<Self>>;

		/// Blocks after which an unconfirmed replica is challenged like a confirmed one.
		#[pallet::constant]
		type ReplicationTimeout: Get<BlockNumberFor<Self>>;

		/// Faults in one era at which a masternode is slashed and jailed.
		#[pallet::constant]
		type FaultThreshold: Get<u32>;

		/// Fraction of stake slashed at the fault threshold.
		#[pallet::constant]
		type SlashFraction: Get<Perbill>;

		/// Reward points for each valid proof.
		#[pallet::constant]
		type ProofPoints: Get<RewardPoint>;

		/// Most replicas moved or filled per block.
		#[pallet::constant]
		type MaxReassignmentsPerBlock: Get<u32>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a registered content item.
		#[codec(index = 0)]
		ContentDeposit,
	}

	/// Events of the pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A content item was registered.
		ContentRegistered {
			/// Its id.
			content: ContentId,
			/// The creator.
			owner: T::AccountId,
			/// Size in bytes.
			size: u64,
			/// Price of access.
			price: BalanceOf<T>,
			/// Holders asked for.
			replication: u32,
			/// Deposit held from the creator.
			deposit: BalanceOf<T>,
		},
		/// A content item was removed and its deposit returned.
		ContentRemoved {
			/// Its id.
			content: ContentId,
			/// The creator.
			owner: T::AccountId,
		},
		/// A masternode is to hold a content item: its sidecar fetches and confirms it.
		ReplicaAssigned {
			/// The content.
			content: ContentId,
			/// The new holder.
			masternode: T::AccountId,
		},
		/// A holder confirmed that it stores a content item.
		ReplicaConfirmed {
			/// The content.
			content: ContentId,
			/// The holder.
			masternode: T::AccountId,
		},
		/// A masternode no longer holds a content item, because it left or was jailed.
		ReplicaDropped {
			/// The content.
			content: ContentId,
			/// The former holder.
			masternode: T::AccountId,
		},
		/// Too few masternodes could take a content item; it is retried each era.
		UnderReplicated {
			/// The content.
			content: ContentId,
			/// Holders it has.
			holders: u32,
			/// Holders it asks for.
			replication: u32,
		},
		/// A holder must prove a leaf of a content item by `deadline`.
		ChallengeIssued {
			/// The challenged masternode.
			masternode: T::AccountId,
			/// The challenge, to be named in the proof.
			challenge: ChallengeId,
			/// The content.
			content: ContentId,
			/// The leaf to prove.
			leaf: u64,
			/// The last block in which the proof is accepted.
			deadline: BlockNumberFor<T>,
		},
		/// A challenge was answered with a valid proof.
		ProofAccepted {
			/// The masternode.
			masternode: T::AccountId,
			/// The challenge.
			challenge: ChallengeId,
			/// The content.
			content: ContentId,
		},
		/// A challenge was answered with a proof that does not verify.
		ProofRejected {
			/// The masternode.
			masternode: T::AccountId,
			/// The challenge.
			challenge: ChallengeId,
			/// The content.
			content: ContentId,
		},
		/// A challenge's deadline passed without a proof.
		ChallengeMissed {
			/// The masternode.
			masternode: T::AccountId,
			/// The challenge.
			challenge: ChallengeId,
			/// The content.
			content: ContentId,
		},
		/// A masternode committed a fault (a missed challenge or a bad proof).
		FaultRecorded {
			/// The masternode.
			masternode: T::AccountId,
			/// Its faults in the current era, this one included.
			faults: u32,
		},
		/// A masternode reached the fault threshold and was slashed and jailed.
		MasternodePunished {
			/// The masternode.
			masternode: T::AccountId,
			/// POP slashed from its self-bond.
			slashed: BalanceOf<T>,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// A content item with this id is already registered.
		AlreadyRegistered,
		/// No content item has this id.
		UnknownContent,
		/// Only the content's owner may do this.
		NotOwner,
		/// The size is zero or above `MaxContentSize`.
		InvalidSize,
		/// The MIME type is empty, too long, or not of the form `type/subtype` in printable
		/// ASCII.
		InvalidMimeType,
		/// The title is longer than `MaxTitleLen`.
		TitleTooLong,
		/// The replication factor is zero or above `MaxReplication`.
		InvalidReplication,
		/// The masternode uploaded to is not active, or has no room for the content.
		UploaderUnavailable,
		/// The caller is not the proof key of a masternode.
		NotProofKey,
		/// The masternode does not hold this content item.
		NotAssigned,
		/// The replica is already confirmed.
		AlreadyConfirmed,
		/// The masternode has no open challenge with this id.
		UnknownChallenge,
	}

	/// Registered content by id.
	#[pallet::storage]
	pub type Contents<T: Config> =
		StorageMap<_, Blake2_128Concat, ContentId, ContentInfo<T>, OptionQuery>;

	/// Registered ids by a dense index, from which challenges draw uniformly.
	#[pallet::storage]
	pub type ContentByIndex<T: Config> = StorageMap<_, Twox64Concat, u32, ContentId, OptionQuery>;

	/// Number of registered content items.
	#[pallet::storage]
	pub type ContentCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The content items each masternode holds (confirmed or not).
	#[pallet::storage]
	pub type Assignments<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		T::AccountId,
		Blake2_128Concat,
		ContentId,
		(),
		OptionQuery,
	>;

	/// Bytes assigned to each masternode, checked against its advertised capacity.
	#[pallet::storage]
	pub type Used<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, u64, ValueQuery>;

	/// Open challenges by masternode and id.
	#[pallet::storage]
	pub type Challenges<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		T::AccountId,
		Twox64Concat,
		ChallengeId,
		Challenge<BlockNumberFor<T>>,
		OptionQuery,
	>;

	/// The id the next challenge gets.
	#[pallet::storage]
	pub type NextChallengeId<T: Config> = StorageValue<_, ChallengeId, ValueQuery>;

	/// Challenges by the block at whose end they expire.
	#[pallet::storage]
	pub type Deadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<(T::AccountId, ChallengeId), T::ChallengesPerBlock>,
		ValueQuery,
	>;

	/// Faults per masternode in the era they were counted in: `(era, faults)`.
	#[pallet::storage]
	pub type Faults<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, (EraIndex, u32), OptionQuery>;

	/// Masternodes that left or were jailed and still have replicas to hand over.
	#[pallet::storage]
	pub type Departing<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, (), OptionQuery>;

	/// Content items with fewer holders than their replication factor.
	#[pallet::storage]
	pub type Wanting<T: Config> = StorageMap<_, Blake2_128Concat, ContentId, (), OptionQuery>;

	/// The era whose retry of [`Wanting`] items has started.
	#[pallet::storage]
	pub type RetryEra<T: Config> = StorageValue<_, EraIndex, ValueQuery>;

	/// Where the running retry of [`Wanting`] items resumes: the raw storage key last
	/// visited, empty at the start; `None` when no retry is running.
	#[pallet::storage]
	pub type RetryCursor<T: Config> = StorageValue<_, BoundedVec<u8, ConstU32<128>>, OptionQuery>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			// Proofs are accepted up to and including the deadline block.
			let expired = Self::expire_challenges(now.saturating_sub(One::one()));
			let moved = Self::reassign(T::MaxReassignmentsPerBlock::get());
			let (random, _) = T::Randomness::random(CHALLENGE_SUBJECT);
			let challenges = match random {
				Some(random) => {
					Self::issue_challenges(now, random);
					T::WeightInfo::issue_challenges()
				}
				None => Weight::zero(),
			};
			T::WeightInfo::expire_challenges(expired)
				.saturating_add(T::WeightInfo::reassign(moved))
				.saturating_add(challenges)
				.saturating_add(T::DbWeight::get().reads(1))
		}

		fn integrity_test() {
			assert!(T::MaxReplication::get() > 0, "MaxReplication must be positive");
			assert!(T::MaxCandidates::get() > 0, "MaxCandidates must be positive");
			assert!(T::MaxContentSize::get() > 0, "MaxContentSize must be positive");
			assert!(T::MaxMimeLen::get() >= 3, "MaxMimeLen must fit `a/b`");
			assert!(
				!T::ChallengeDeadline::get().is_zero(),
				"a challenge must be answerable in at least one block"
			);
			assert!(T::FaultThreshold::get() > 0, "FaultThreshold must be positive");
			assert!(
				T::MaxReassignmentsPerBlock::get() > 0,
				"departing masternodes must hand their replicas over"
			);
			// A proof for the largest item must fit the proof format.
			let depth =
				u64::BITS - commitment::leaf_count(T::MaxContentSize::get()).leading_zeros();
			assert!(depth <= LeafProof::MAX_PATH, "MaxContentSize too large for a leaf proof");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers content the caller uploaded to the sidecar of masternode `uploader`,
		/// holding a deposit of `DepositBase` plus `DepositPerMiB` per started MiB. The item
		/// is assigned to `uploader` and to `replication - 1` more active masternodes with
		/// room for it, drawn from the chain's randomness; if too few have room it is
		/// registered with fewer holders and retried each era.
		///
		/// Errors: `AlreadyRegistered`, `InvalidSize`, `InvalidMimeType`, `TitleTooLong`,
		/// `InvalidReplication`, `UploaderUnavailable`, and the currency's error when the
		/// deposit cannot be held.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_content(T::MaxCandidates::get()))]
		pub fn register_content(
			origin: OriginFor<T>,
			content: ContentId,
			#[pallet::compact] size: u64,
			mime: Vec<u8>,
			title: Vec<u8>,
			#[pallet::compact] price: BalanceOf<T>,
			replication: u32,
			uploader: T::AccountId,
		) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			ensure!(!Contents::<T>::contains_key(content), Error::<T>::AlreadyRegistered);
			ensure!(size > 0 && size <= T::MaxContentSize::get(), Error::<T>::InvalidSize);
			let mime = Self::checked_mime(mime)?;
			let title = BoundedVec::try_from(title).map_err(|_| Error::<T>::TitleTooLong)?;
			ensure!(
				replication > 0 && replication <= T::MaxReplication::get(),
				Error::<T>::InvalidReplication
			);
			ensure!(
				T::ActiveSet::active().contains(&uploader) && Self::has_room(&uploader, size),
				Error::<T>::UploaderUnavailable
			);
			let deposit = Self::deposit_for(size);
			T::Currency::hold(&HoldReason::ContentDeposit.into(), &owner, deposit)?;

			let index = ContentCount::<T>::get();
			ContentByIndex::<T>::insert(index, content);
			ContentCount::<T>::put(index.saturating_add(1));
			let mut info = ContentInfo {
				owner: owner.clone(),
				size,
				mime,
				title,
				price,
				replication,
				deposit,
				index,
				replicas: BoundedVec::new(),
			};
			Self::deposit_event(Event::ContentRegistered {
				content,
				owner,
				size,
				price,
				replication,
				deposit,
			});
			Self::add_replica(&content, &mut info, uploader);
			let candidates = Self::fill_replicas(&content, &mut info);
			Contents::<T>::insert(content, info);
			Ok(Some(T::WeightInfo::register_content(candidates)).into())
		}

		/// Removes one of the caller's content items: its holders are released and the
		/// deposit is returned.
		///
		/// Errors: `UnknownContent`, `NotOwner`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_content(T::MaxReplication::get()))]
		pub fn remove_content(
			origin: OriginFor<T>,
			content: ContentId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let info = Contents::<T>::get(content).ok_or(Error::<T>::UnknownContent)?;
			ensure!(info.owner == who, Error::<T>::NotOwner);
			T::Currency::release(
				&HoldReason::ContentDeposit.into(),
				&who,
				info.deposit,
				Precision::BestEffort,
			)?;
			for replica in &info.replicas {
				Self::release_assignment(&replica.holder, &content, info.size);
			}
			Self::remove_from_index(info.index);
			Wanting::<T>::remove(content);
			Contents::<T>::remove(content);
			Self::deposit_event(Event::ContentRemoved { content, owner: who });
			Ok(Some(T::WeightInfo::remove_content(info.replicas.len() as u32)).into())
		}

		/// Confirms, signed by a masternode's proof key, that the masternode stores a content
		/// item assigned to it. Free when it succeeds.
		///
		/// Errors: `NotProofKey`, `UnknownContent`, `NotAssigned`, `AlreadyConfirmed`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::confirm_replica())]
		pub fn confirm_replica(
			origin: OriginFor<T>,
			content: ContentId,
		) -> DispatchResultWithPostInfo {
			let masternode = Self::masternode_of(origin)?;
			Contents::<T>::try_mutate(content, |info| -> DispatchResult {
				let info = info.as_mut().ok_or(Error::<T>::UnknownContent)?;
				let replica = info
					.replicas
					.iter_mut()
					.find(|replica| replica.holder == masternode)
					.ok_or(Error::<T>::NotAssigned)?;
				ensure!(!replica.confirmed, Error::<T>::AlreadyConfirmed);
				replica.confirmed = true;
				Ok(())
			})?;
			Self::deposit_event(Event::ReplicaConfirmed { content, masternode });
			Ok(Pays::No.into())
		}

		/// Answers challenge `challenge` of the masternode whose proof key signs, with the
		/// challenged leaf's bytes and Merkle path. A valid proof is free and earns proof
		/// points; a proof that does not verify (or names another leaf) is a fault and pays
		/// the fee. Operational, so it is included even when blocks are full.
		///
		/// Errors: `NotProofKey`, `UnknownChallenge`.
		#[pallet::call_index(3)]
		#[pallet::weight((T::WeightInfo::submit_proof(LeafProof::MAX_PATH), DispatchClass::Operational))]
		pub fn submit_proof(
			origin: OriginFor<T>,
			challenge: ChallengeId,
			proof: LeafProof,
		) -> DispatchResultWithPostInfo {
			let masternode = Self::masternode_of(origin)?;
			let open = Challenges::<T>::take(&masternode, challenge)
				.ok_or(Error::<T>::UnknownChallenge)?;
			let weight =
				T::WeightInfo::submit_proof((proof.path.len() as u32).min(LeafProof::MAX_PATH));
			let content = open.content;
			// Content removed since the challenge was drawn: nothing left to prove.
			let Some(info) = Contents::<T>::get(content) else {
				return Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::No });
			};
			let valid = proof.index == open.leaf
				&& proof.verify::<RuntimeSha256>(&content, info.size).is_ok();
			if valid {
				T::Points::add_points(&masternode, T::ProofPoints::get());
				Self::deposit_event(Event::ProofAccepted { masternode, challenge, content });
				Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::No })
			} else {
				Self::deposit_event(Event::ProofRejected {
					masternode: masternode.clone(),
					challenge,
					content,
				});
				Self::record_fault(&masternode);
				Ok(PostDispatchInfo { actual_weight: None, pays_fee: Pays::Yes })
			}
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The deposit for an item of `size` bytes.
	pub fn deposit_for(size: u64) -> BalanceOf<T> {
		let mib: BalanceOf<T> = size.div_ceil(MIB).saturated_into();
		T::DepositBase::get().saturating_add(T::DepositPerMiB::get().saturating_mul(mib))
	}

	/// Where `content` can be streamed from: its metadata and its confirmed holders with
	/// their endpoints.
	pub fn locate(content: &ContentId) -> Option<ContentLocation<T::AccountId, BalanceOf<T>>> {
		let info = Contents::<T>::get(content)?;
		let holders = info
			.replicas
			.iter()
			.filter(|replica| replica.confirmed)
			.filter_map(|replica| {
				T::Masternodes::endpoint(&replica.holder)
					.map(|endpoint| (replica.holder.clone(), endpoint))
			})
			.collect();
		Some(ContentLocation {
			owner: info.owner,
			size: info.size,
			mime: info.mime.into_inner(),
			title: info.title.into_inner(),
			price: info.price,
			holders,
		})
	}

	/// The masternode whose proof key signed `origin`.
	fn masternode_of(origin: OriginFor<T>) -> Result<T::AccountId, DispatchError> {
		let key = ensure_signed(origin)?;
		T::Masternodes::operator_of(&key).ok_or_else(|| Error::<T>::NotProofKey.into())
	}

	/// Accepts `type/subtype` of printable ASCII without spaces, within `MaxMimeLen`.
	fn checked_mime(mime: Vec<u8>) -> Result<BoundedVec<u8, T::MaxMimeLen>, DispatchError> {
		let slashes = mime.iter().filter(|b| **b == b'/').count();
		let well_formed = slashes == 1
			&& mime.first() != Some(&b'/')
			&& mime.last() != Some(&b'/')
			&& mime.iter().all(|b| b.is_ascii_graphic());
		ensure!(well_formed, Error::<T>::InvalidMimeType);
		BoundedVec::try_from(mime).map_err(|_| Error::<T>::InvalidMimeType.into())
	}

	/// Whether `who` may take `size` more bytes: not leaving, and within its capacity.
	fn has_room(who: &T::AccountId, size: u64) -> bool {
		!Departing::<T>::contains_key(who)
			&& T::Masternodes::storage_offer(who)
				.is_some_and(|capacity| Used::<T>::get(who).saturating_add(size) <= capacity)
	}

	/// Assigns `content` to `holder`, which must have room and not hold it yet.
	fn add_replica(content: &ContentId, info: &mut ContentInfo<T>, holder: T::AccountId) {
		let replica = Replica {
			holder: holder.clone(),
			assigned_at: frame_system::Pallet::<T>::block_number(),
			confirmed: false,
		};
		if info.replicas.try_push(replica).is_ok() {
			Used::<T>::mutate(&holder, |used| *used = used.saturating_add(info.size));
			Assignments::<T>::insert(&holder, content, ());
			Self::deposit_event(Event::ReplicaAssigned { content: *content, masternode: holder });
		}
	}

	/// Undoes the bookkeeping of `holder`'s replica of a `size`-byte item.
	fn release_assignment(holder: &T::AccountId, content: &ContentId, size: u64) {
		Assignments::<T>::remove(holder, content);
		Used::<T>::mutate_exists(holder, |used| {
			*used = used.map(|u| u.saturating_sub(size)).filter(|u| *u > 0);
		});
	}

	/// Tops `content` up to its replication factor from the active set, drawing holders
	/// with the chain's randomness; keeps it in [`Wanting`] while it stays short. Returns
	/// the number of active masternodes considered.
	fn fill_replicas(content: &ContentId, info: &mut ContentInfo<T>) -> u32 {
		let active = T::ActiveSet::active();
		let considered = active.len() as u32;
		let mut candidates: Vec<T::AccountId> = active
			.into_iter()
			.take(T::MaxCandidates::get() as usize)
			.filter(|who| !info.replicas.iter().any(|replica| &replica.holder == who))
			.filter(|who| Self::has_room(who, info.size))
			.collect();
		let (random, _) = T::Randomness::random(b"pop/content/assign");
		let mut round = 0u32;
		while (info.replicas.len() as u32) < info.replication && !candidates.is_empty() {
			let seed = sp_io::hashing::blake2_256(&(random, content, round).encode());
			let pick = draw(&seed, 0, candidates.len() as u64) as usize;
			Self::add_replica(content, info, candidates.swap_remove(pick));
			round += 1;
		}
		let holders = info.replicas.len() as u32;
		if holders < info.replication {
			Wanting::<T>::insert(content, ());
			Self::deposit_event(Event::UnderReplicated {
				content: *content,
				holders,
				replication: info.replication,
			});
		} else {
			Wanting::<T>::remove(content);
		}
		considered
	}

	/// Removes index `index` from [`ContentByIndex`], moving the last id into the gap.
	fn remove_from_index(index: u32) {
		let last = ContentCount::<T>::get().saturating_sub(1);
		if index != last {
			if let Some(moved) = ContentByIndex::<T>::get(last) {
				ContentByIndex::<T>::insert(index, moved);
				Contents::<T>::mutate(moved, |info| {
					if let Some(info) = info {
						info.index = index;
					}
				});
			}
		}
		ContentByIndex::<T>::remove(last);
		ContentCount::<T>::put(last);
	}

	/// Counts a fault of `masternode` in the current era, and slashes and jails it at the
	/// threshold.
	fn record_fault(masternode: &T::AccountId) {
		let era = T::CurrentEra::get();
		let faults = match Faults::<T>::get(masternode) {
			Some((counted, faults)) if counted == era => faults.saturating_add(1),
			_ => 1,
		};
		Self::deposit_event(Event::FaultRecorded { masternode: masternode.clone(), faults });
		if faults >= T::FaultThreshold::get() {
			Faults::<T>::remove(masternode);
			let slashed = T::Slashing::slash_and_jail(masternode, T::SlashFraction::get());
			Self::deposit_event(Event::MasternodePunished {
				masternode: masternode.clone(),
				slashed,
			});
		} else {
			Faults::<T>::insert(masternode, (era, faults));
		}
	}

	/// Turns the unanswered challenges whose deadline was `deadline` into faults of their
	/// holders; returns how many there were.
	pub(crate) fn expire_challenges(deadline: BlockNumberFor<T>) -> u32 {
		let mut missed = 0;
		for (masternode, challenge) in Deadlines::<T>::take(deadline) {
			let Some(open) = Challenges::<T>::take(&masternode, challenge) else { continue };
			// A holder that left already lost the replica; it is not punished twice.
			if Departing::<T>::contains_key(&masternode)
				|| !Assignments::<T>::contains_key(&masternode, open.content)
			{
				continue;
			}
			missed += 1;
			Self::deposit_event(Event::ChallengeMissed {
				masternode: masternode.clone(),
				challenge,
				content: open.content,
			});
			Self::record_fault(&masternode);
		}
		missed
	}

	/// Draws this block's challenges from `random`; returns how many were issued.
	pub(crate) fn issue_challenges(now: BlockNumberFor<T>, random: T::Hash) -> u32 {
		let count = ContentCount::<T>::get();
		if count == 0 {
			return 0;
		}
		let deadline = now.saturating_add(T::ChallengeDeadline::get());
		let timeout = T::ReplicationTimeout::get();
		let mut due = BoundedVec::<_, T::ChallengesPerBlock>::new();
		for round in 0..T::ChallengesPerBlock::get() {
			let seed = sp_io::hashing::blake2_256(&(random, round).encode());
			let Some(content) = ContentByIndex::<T>::get(draw(&seed, 0, count.into()) as u32)
			else {
				continue;
			};
			let Some(info) = Contents::<T>::get(content) else { continue };
			let eligible: Vec<&Replica<T>> = info
				.replicas
				.iter()
				.filter(|r| r.confirmed || now >= r.assigned_at.saturating_add(timeout))
				.filter(|r| !Departing::<T>::contains_key(&r.holder))
				.collect();
			if eligible.is_empty() {
				continue;
			}
			let masternode =
				eligible[draw(&seed, 1, eligible.len() as u64) as usize].holder.clone();
			let leaf = draw(&seed, 2, commitment::leaf_count(info.size));
			let challenge = NextChallengeId::<T>::mutate(|next| {
				let id = *next;
				*next = next.wrapping_add(1);
				id
			});
			if due.try_push((masternode.clone(), challenge)).is_err() {
				break;
			}
			Challenges::<T>::insert(&masternode, challenge, Challenge { content, leaf, deadline });
			Self::deposit_event(Event::ChallengeIssued {
				masternode,
				challenge,
				content,
				leaf,
				deadline,
			});
		}
		let issued = due.len() as u32;
		if issued > 0 {
			Deadlines::<T>::insert(deadline, due);
		}
		issued
	}

	/// Hands over replicas of departing masternodes and, once per era, retries items short
	/// of holders: at most `budget` steps. Returns the steps taken.
	pub(crate) fn reassign(budget: u32) -> u32 {
		let mut steps = 0;
		while steps < budget {
			let Some(leaver) = Departing::<T>::iter_keys().next() else { break };
			steps += 1;
			match Assignments::<T>::iter_key_prefix(&leaver).next() {
				Some(content) => Self::move_replica(&content, &leaver),
				None => Departing::<T>::remove(&leaver),
			}
		}
		if steps < budget {
			steps += Self::retry_wanting(budget - steps);
		}
		steps
	}

	/// Takes `content` from `leaver` and gives it to another masternode if one has room.
	fn move_replica(content: &ContentId, leaver: &T::AccountId) {
		let Some(mut info) = Contents::<T>::get(content) else {
			// Unreachable while the invariants hold; drop the stray assignment.
			Assignments::<T>::remove(leaver, content);
			return;
		};
		info.replicas.retain(|replica| &replica.holder != leaver);
		Self::release_assignment(leaver, content, info.size);
		Self::deposit_event(Event::ReplicaDropped {
			content: *content,
			masternode: leaver.clone(),
		});
		Self::fill_replicas(content, &mut info);
		Contents::<T>::insert(content, info);
	}

	/// Tries to fill [`Wanting`] items, resuming where the era's retry left off: at most
	/// `budget` items. Returns the items tried.
	fn retry_wanting(budget: u32) -> u32 {
		let era = T::CurrentEra::get();
		if RetryEra::<T>::get() != era {
			RetryEra::<T>::put(era);
			RetryCursor::<T>::put(BoundedVec::new());
		}
		let Some(cursor) = RetryCursor::<T>::get() else { return 0 };
		let mut ids = if cursor.is_empty() {
			Wanting::<T>::iter_keys()
		} else {
			Wanting::<T>::iter_keys_from(cursor.into_inner())
		};
		let mut tried = 0;
		while tried < budget {
			let Some(content) = ids.next() else {
				RetryCursor::<T>::kill();
				return tried;
			};
			tried += 1;
			if let Some(mut info) = Contents::<T>::get(content) {
				Self::fill_replicas(&content, &mut info);
				Contents::<T>::insert(content, info);
			} else {
				Wanting::<T>::remove(content);
			}
		}
		RetryCursor::<T>::put(BoundedVec::truncate_from(ids.last_raw_key().to_vec()));
		tried
	}

	/// Checks the pallet's invariants (see the crate docs).
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let count = ContentCount::<T>::get();
		let mut used: BTreeMap<T::AccountId, u64> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut items = 0u32;
		for (content, info) in Contents::<T>::iter() {
			items += 1;
			ensure!(info.index < count, "content index out of range");
			ensure!(
				ContentByIndex::<T>::get(info.index) == Some(content),
				"content index does not point back at its item"
			);
			ensure!(
				info.replicas.len() as u32 <= info.replication,
				"more holders than the replication factor"
			);
			for (i, replica) in info.replicas.iter().enumerate() {
				ensure!(
					!info.replicas[..i].iter().any(|other| other.holder == replica.holder),
					"a masternode holds an item twice"
				);
				ensure!(
					Assignments::<T>::contains_key(&replica.holder, content),
					"replica without its assignment"
				);
				let entry = used.entry(replica.holder.clone()).or_default();
				*entry = entry.saturating_add(info.size);
			}
			let entry = deposits.entry(info.owner.clone()).or_default();
			*entry = entry.saturating_add(info.deposit);
		}
		ensure!(items == count, "content counter out of sync");
		ensure!(
			ContentByIndex::<T>::iter_keys().count() as u32 == count,
			"stray content index entries"
		);
		for (holder, content, ()) in Assignments::<T>::iter() {
			let info = Contents::<T>::get(content).ok_or("assignment of unknown content")?;
			ensure!(
				info.replicas.iter().any(|replica| replica.holder == holder),
				"assignment without its replica"
			);
		}
		for (holder, bytes) in Used::<T>::iter() {
			ensure!(used.get(&holder) == Some(&bytes), "used bytes differ from assignments");
		}
		ensure!(Used::<T>::iter().count() == used.len(), "used bytes missing");
		for (owner, deposit) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ContentDeposit.into(), &owner) == deposit,
				"ContentDeposit hold differs from the owner's deposits"
			);
		}
		let now = frame_system::Pallet::<T>::block_number();
		for (masternode, challenge, open) in Challenges::<T>::iter() {
			ensure!(open.deadline >= now, "open challenge past its deadline");
			ensure!(
				Deadlines::<T>::get(open.deadline).contains(&(masternode, challenge)),
				"open challenge missing from its deadline"
			);
		}
		Ok(())
	}
}

/// A number below `bound` from 8 bytes of `seed` starting at `8 * part`.
fn draw(seed: &[u8; 32], part: usize, bound: u64) -> u64 {
	let start = 8 * part;
	let mut bytes = [0u8; 8];
	bytes.copy_from_slice(&seed[start..start + 8]);
	u64::from_le_bytes(bytes) % bound.max(1)
}

impl<T: Config> OnMasternodeLeave<T::AccountId> for Pallet<T> {
	fn on_leave(who: &T::AccountId) {
		if Assignments::<T>::iter_key_prefix(who).next().is_some() {
			Departing::<T>::insert(who, ());
		}
	}
}

impl<T: Config> ContentCatalog<T::AccountId, [u8; 32], BalanceOf<T>> for Pallet<T> {
	fn price_of(content: &[u8; 32]) -> Option<(T::AccountId, BalanceOf<T>)> {
		Contents::<T>::get(ContentId(*content)).map(|info| (info.owner, info.price))
	}

	fn servers_of(content: &[u8; 32]) -> Vec<T::AccountId> {
		Contents::<T>::get(ContentId(*content))
			.map(|info| {
				info.replicas
					.into_iter()
					.filter(|replica| replica.confirmed)
					.map(|replica| replica.holder)
					.collect()
			})
			.unwrap_or_default()
	}
}
