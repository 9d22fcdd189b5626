//! # Content pallet
//!
//! The registry of POP Network content and the proof-of-availability game that keeps its
//! holders honest.
//!
//! ## Pallet API
//!
//! See the [`pallet`] module for the configuration trait, calls, storage, events and errors.
//! The calls are [`register_content`](Pallet::register_content) and
//! [`remove_content`](Pallet::remove_content) for creators, and
//! [`confirm_replica`](Pallet::confirm_replica) and [`submit_proof`](Pallet::submit_proof)
//! for masternodes, signed by their proof keys.
//!
//! ## Terminology
//!
//! - **Content id**: a [`ContentId`], the Merkle commitment of an item's bytes and size (see
//!   [`pop_primitives::commitment`]).
//! - **Replica**: one masternode's copy of an item ([`Replica`]); its holder is listed in
//!   [`Assignments`] and the item's size counts towards its [`AssignedBytes`].
//! - **Challenge**: a demand that a holder prove one leaf of an item by a deadline
//!   ([`Challenge`]).
//! - **Fault**: a missed challenge or a proof that does not verify.
//!
//! ## Registering and replicating
//!
//! A creator uploads bytes to a masternode's sidecar, which hands back an upload receipt
//! ([`pop_primitives::UploadReceipt`]): owner, id, size and expiry, signed by that
//! masternode's proof key. The creator then registers the item with the receipt: its id,
//! size, MIME type, title, price and replication factor. A receipt proves that a masternode
//! received the bytes, so nobody can register content no masternode holds; and it names the
//! owner, so a copied pending registration from another account fails. A deposit of
//! `(DepositBase + DepositPerMiB × started MiB) × replication` is held from the creator for
//! as long as the item exists: every copy the network stores is paid for. The item is
//! assigned to `replication` distinct masternodes: at once to the one the creator uploaded
//! to, and in the next block to active masternodes with free advertised capacity, drawn with
//! that block's randomness ([`PendingAssignment`]). That randomness (BABE's VRF output of the
//! block that included the registration) is unknown when the registration is signed, so a
//! registrant cannot grind ids to choose its holders; at most
//! [`Config::MaxRegistrationsPerBlock`] items are registered per block, which bounds the next
//! block's draw. Items left short of holders are kept in [`UnderReplicated`] and retried once
//! per era.
//!
//! ## Confirmation deadlines and fetch windows
//!
//! No masternode answers for bytes nobody has shown to exist:
//!
//! - An item no holder has confirmed has a confirmation deadline,
//!   [`Config::ConfirmationTimeout`] blocks after registration. Nobody can fetch it, so its
//!   replicas are never challenged and nobody is faulted for it. If nobody confirms in time,
//!   the item is dropped and its deposit returned ([`Event::ContentExpired`]).
//! - Once a holder confirms, the item's other holders fetch the bytes from it. Each gets a
//!   fetch window from then (or from its assignment, if a confirmed holder exists already)
//!   that scales with the item's size: [`Config::FetchWindowBase`] plus one block per
//!   [`Config::FetchBytesPerBlock`] bytes. A holder that has not confirmed by the end of its
//!   window loses the replica, which goes to another masternode ([`Event::FetchWindowMissed`]);
//!   that is not a fault, since the source may have been slow.
//! - An item whose confirmed holders have all left goes back to a confirmation deadline, and
//!   its open fetch windows close.
//!
//! Both kinds of deadline are indexed by block in [`ContentDeadlines`] and handled in
//! `on_initialize`, at most [`Config::MaxDeadlinesPerBlock`] per block, oldest first
//! ([`DeadlineCursor`]).
//!
//! ## Challenges and faults
//!
//! Every block, [`Config::ChallengesPerBlock`] challenges are drawn from BABE randomness: a
//! content item, one of its confirmed holders and a leaf. The holder answers within
//! [`Config::ChallengeDeadline`] blocks with the leaf's bytes and its Merkle path, verified
//! here with `sp_io::hashing::sha2_256`. Valid proofs are free, operational transactions, so
//! full blocks do not crowd them out, and earn [`Config::ProofPoints`] reward points.
//! [`Config::FaultThreshold`] faults in an era slash [`Config::SlashFraction`] of the
//! masternode's stake and jail it through the masternode registry.
//!
//! A missed challenge is a fault of its holder even if the holder has since left or been
//! jailed: leaving before a deadline does not erase it. Three exceptions: an item removed by
//! its owner (or registered again since) voids its open challenges; challenges issued
//! before a masternode's punishment at the threshold are covered by it ([`PunishedBefore`]),
//! so one outage is punished once; and while finality is stalled, missed challenges are
//! excused ([`Event::FaultExcused`]).
//!
//! ## Finality
//!
//! Deadlines count blocks of the chain as it is built, and sidecars answer challenges from
//! best blocks, so an honest holder can answer whatever finality does. Still, a network split
//! or a finality outage can cut holders off, so faults are not counted while finality is
//! stalled. The runtime cannot see GRANDPA: every block carries an inherent in which its
//! author reports the last block its node finalized ([`Pallet::note_finality`]). The highest
//! report stands ([`FinalityHint`]), so a hostile author can neither pause fault counting nor
//! hide a stall from honest authors; finality counts as stalled when the block is more than
//! [`Config::MaxFinalityLag`] ahead of it.
//!
//! ## Transaction pool
//!
//! [`CheckProof`], a transaction extension, refuses in the pool (and in blocks) a
//! `submit_proof` that does not answer an open challenge of the signer's masternode for a
//! registered item, and a `confirm_replica` that would fail, with an
//! [`InvalidContentTransaction`] code; so these free calls cannot be spammed. A valid proof
//! provides the tag `(masternode, challenge)`, so the pool keeps one answer per challenge.
//!
//! ## Videos
//!
//! A video is a registered source item plus items made from it: renditions (H.264/AAC
//! fragmented MP4 files of an adaptive-bitrate ladder, transcoded by the uploader's sidecar)
//! and a poster image. Each is an item of its own, registered with its own receipt,
//! replicated, challenged and proven like any other. [`Pallet::describe_video`] records which
//! renditions belong to which video ([`Videos`], with each rendition's size, bit rate and
//! codecs, and [`VideoOf`] back from each part), so that every holder of a rendition can
//! serve HLS playlists for it. A creator registers the source, its renditions, its poster and
//! the description in one `utility.batch_all`, one signature. Renditions cost what the video
//! costs, and a grant to watch the video covers them; posters are free. Removing a video
//! removes its parts; a part cannot be removed alone. An item dropped because nobody confirmed
//! it leaves its video (or, if it is the video, its parts stay as plain items).
//!
//! ## Hand-over
//!
//! A masternode that is jailed or deregisters loses its replicas: it is listed in
//! [`HandingOver`] and its replicas move to other masternodes a few per block
//! ([`Config::MaxReassignmentsPerBlock`]).
//!
//! ## Implementations
//!
//! - [`pop_primitives::ContentCatalog`]: price and servers of an item, for the token pallet's viewer payments.
//! - [`pop_primitives::OnMasternodeLeave`]: starts the hand-over of a masternode that left or was jailed.
//! - [`runtime_api::ContentApi`]: tells a dapp where to stream an item.
//!
//! ## Invariants (checked by `try_state`)
//!
//! - [`ContentByIndex`] holds exactly the registered ids, each at the index its item records,
//!   and [`ContentCount`] is their number.
//! - An item's holders are distinct, at most its replication factor, and each has exactly one
//!   [`Assignments`] entry for it; no assignment exists without its replica.
//! - [`AssignedBytes`] of a masternode is the total size of the items assigned to it.
//! - The `ContentDeposit` hold of every owner is the sum of its items' deposits.
//! - Every open challenge is listed under its deadline in [`Deadlines`], which is not in the
//!   past.
//! - An item has a confirmation deadline exactly when none of its replicas is confirmed; a
//!   replica has a fetch deadline exactly when it is unconfirmed and the item has a confirmed
//!   replica.
//! - [`ContentDeadlines`] holds exactly the items' confirmation deadlines and their replicas'
//!   fetch deadlines, none before [`DeadlineCursor`].
//! - [`PendingAssignment`] lists items registered in the current block, each once.
//! - Every [`Videos`] key and every part it lists is registered, all with one owner; each part
//!   has a [`VideoOf`] entry naming that video, and every [`VideoOf`] entry is such a part. No
//!   video is a part.
//! - [`FinalityHint`] was reported in a block up to this one, for a block before it.
//!
//! ## Code layout
//!
//! - `registry`: registering (with the receipt check), removing, confirming and locating
//!   items.
//! - `replicas`: assigning holders, the hand-over and the retry of under-replicated items.
//! - `deadlines`: confirmation deadlines and fetch windows.
//! - `challenges`: drawing challenges, checking proofs, expiring deadlines, counting faults.
//! - `extension`: [`CheckProof`], the transaction pool's check of proofs and confirmations.
//! - `finality`: the authors' finality reports and the stall they show.
//! - `videos`: videos, their renditions and posters.
//! - `impls`: the `pop-primitives` traits implemented for other pallets.
//! - [`types`]: the stored types; `try_state`: the invariants.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use challenges::RuntimeSha256;
pub use extension::{CheckProof, InvalidContentTransaction};
pub use finality::InherentError;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod challenges;
mod deadlines;
mod extension;
mod finality;
mod impls;
#[cfg(test)]
mod mock;
mod registry;
mod replicas;
pub mod runtime_api;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod try_state;
pub mod types;
mod videos;
pub mod weights;

use alloc::vec::Vec;
use challenges::CHALLENGE_SUBJECT;
use frame_support::{
	dispatch::DispatchClass,
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		Randomness, UnixTime,
	},
};
use frame_system::pallet_prelude::*;
use pop_primitives::{
	commitment::{self, ContentId, LeafProof},
	ActiveMasternodes, EraIndex, MasternodeDirectory, MasternodeSlashing, RewardPoint,
	RewardPoints,
};
use registry::Registration;
use sp_runtime::{
	traits::{IdentifyAccount, One, Saturating, Verify, Zero},
	Perbill,
};

/// Balance type of the currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Identifies an availability challenge.
pub type ChallengeId = u64;

/// One mebibyte, the unit of the per-size deposit.
const MIB: u64 = 1 << 20;

/// Signs upload receipts for the benchmarks: the runtime makes a key it can sign with the
/// proof key of the masternode.
#[cfg(feature = "runtime-benchmarks")]
pub trait ReceiptBenchmarkHelper<AccountId, Signature> {
	/// Signs `payload` with the proof key of masternode `uploader` (first giving it a proof
	/// key the benchmark can sign with, if need be).
	fn sign_as_uploader(uploader: &AccountId, payload: &[u8]) -> Signature;
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

		/// Blocks a registered item has for a holder (normally its uploader) to confirm it;
		/// an item nobody confirmed by then is dropped and its deposit returned.
		#[pallet::constant]
		type ConfirmationTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks of every fetch window, on top of the blocks its bytes take
		/// ([`Config::FetchBytesPerBlock`]).
		#[pallet::constant]
		type FetchWindowBase: Get<BlockNumberFor<Self>>;

		/// Bytes a holder is expected to fetch per block: the fetch window of an item of
		/// `size` bytes is `FetchWindowBase + ceil(size / FetchBytesPerBlock)` blocks.
		#[pallet::constant]
		type FetchBytesPerBlock: Get<u64>;

		/// Most items registered per block: their holders besides the uploader are drawn in
		/// the next block's `on_initialize`, which draws for all of them.
		#[pallet::constant]
		type MaxRegistrationsPerBlock: Get<u32>;

		/// Most confirmation deadlines and fetch windows handled per block; more wait for the
		/// next block.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// The signature of an upload receipt, by the uploader masternode's proof key.
		type ReceiptSignature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>
			+ Parameter;

		/// Wall-clock time, against which upload receipts expire.
		type Time: UnixTime;

		/// Faults in one era at which a masternode is slashed and jailed.
		#[pallet::constant]
		type FaultThreshold: Get<u32>;

		/// Fraction of stake slashed at the fault threshold.
		#[pallet::constant]
		type SlashFraction: Get<Perbill>;

		/// Reward points for each valid proof.
		#[pallet::constant]
		type ProofPoints: Get<RewardPoint>;

		/// Blocks the best chain may run ahead of the last finalized block its authors report
		/// before finality counts as stalled, and missed challenges stop counting as faults.
		#[pallet::constant]
		type MaxFinalityLag: Get<BlockNumberFor<Self>>;

		/// Most replicas moved or filled per block.
		#[pallet::constant]
		type MaxReassignmentsPerBlock: Get<u32>;

		/// Most renditions one video can list.
		#[pallet::constant]
		type MaxRenditions: Get<u32>;

		/// Weights of the calls and hooks.
		type WeightInfo: WeightInfo;

		/// Signs upload receipts in benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: ReceiptBenchmarkHelper<Self::AccountId, Self::ReceiptSignature>;
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
		/// A registered item was described as a video, with the items made from it.
		VideoDescribed {
			/// The video's source item.
			video: ContentId,
			/// The creator.
			owner: T::AccountId,
			/// Its renditions' ids.
			renditions: Vec<ContentId>,
			/// Its poster's id.
			poster: Option<ContentId>,
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
		/// A holder did not confirm within its fetch window and lost its replica, which goes
		/// to another masternode. Not a fault.
		FetchWindowMissed {
			/// The content.
			content: ContentId,
			/// The former holder.
			masternode: T::AccountId,
		},
		/// No holder confirmed a content item within `ConfirmationTimeout`: it was dropped
		/// and its deposit returned.
		ContentExpired {
			/// Its id.
			content: ContentId,
			/// The creator.
			owner: T::AccountId,
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
		/// A challenge was missed while finality was stalled: no fault is counted.
		FaultExcused {
			/// The masternode.
			masternode: T::AccountId,
			/// The challenge.
			challenge: ChallengeId,
			/// Blocks the chain was ahead of the last finalized block its authors reported.
			finality_lag: BlockNumberFor<T>,
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
		/// The upload receipt is not signed by the uploader masternode's proof key over this
		/// owner, id and size (and expiry).
		BadReceipt,
		/// The upload receipt has expired.
		ReceiptExpired,
		/// This block has as many registrations as `MaxRegistrationsPerBlock`; register in
		/// the next one.
		TooManyRegistrations,
		/// The block already carries its author's finality report.
		FinalityAlreadyNoted,
		/// A finalized block must be below the current one.
		FinalizedInFuture,
		/// This item is already described as a video.
		AlreadyDescribed,
		/// An item named as a rendition or poster is already part of a video.
		AlreadyPart,
		/// An item named as a rendition or poster is itself a video.
		PartIsVideo,
		/// An item is named twice, or as part of itself.
		DuplicatePart,
		/// A video needs at least one rendition.
		NoRenditions,
		/// A rendition's MIME type is not `video/mp4`, or its codecs string is empty or too
		/// long, or its size is zero.
		BadRendition,
		/// The poster's MIME type is not `image/*`.
		BadPoster,
		/// A rendition's price differs from the video's: each rendition is a way to watch the
		/// same video, so each costs the same.
		PriceMismatch,
		/// The poster has a price: posters are shown in catalogues to everyone.
		PricedPoster,
		/// This item is part of a video: remove the video, which removes its parts.
		PartOfVideo,
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

	/// Bytes of content assigned to each masternode (confirmed or not), checked against the
	/// capacity it advertises before it is given more; absent when nothing is assigned.
	#[pallet::storage]
	pub type AssignedBytes<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, u64, ValueQuery>;

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

	/// Content items with a deadline at the end of a block: an item no holder has confirmed,
	/// under its `confirmation_deadline`, and an item with holders fetching it, under each of
	/// their `fetch_deadline`s.
	#[pallet::storage]
	pub type ContentDeadlines<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		Blake2_128Concat,
		ContentId,
		(),
		OptionQuery,
	>;

	/// Items registered in this block, whose holders besides the uploader the next block
	/// draws from its randomness, unknown when the registration was signed.
	#[pallet::storage]
	pub type PendingAssignment<T: Config> =
		StorageValue<_, BoundedVec<ContentId, T::MaxRegistrationsPerBlock>, ValueQuery>;

	/// The earliest block whose [`ContentDeadlines`] may not all have been handled; at most
	/// [`Config::MaxDeadlinesPerBlock`] are handled per block.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// For each masternode punished at the fault threshold, the first challenge id issued
	/// after its last punishment: the punishment covers faults of earlier challenges.
	#[pallet::storage]
	pub type PunishedBefore<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, ChallengeId, OptionQuery>;

	/// Faults per masternode in the era they were counted in: `(era, faults)`.
	#[pallet::storage]
	pub type Faults<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, (EraIndex, u32), OptionQuery>;

	/// Masternodes that deregistered or were jailed and still have replicas to hand over to
	/// others, a few per block ([`Config::MaxReassignmentsPerBlock`]). They take no new
	/// replicas and are not challenged meanwhile.
	#[pallet::storage]
	pub type HandingOver<T: Config> = StorageMap<_, Twox64Concat, T::AccountId, (), OptionQuery>;

	/// Content items with fewer holders than their replication factor, because too few
	/// active masternodes had room; each is retried once per era.
	#[pallet::storage]
	pub type UnderReplicated<T: Config> =
		StorageMap<_, Blake2_128Concat, ContentId, (), OptionQuery>;

	/// The era whose retry of [`UnderReplicated`] items has started.
	#[pallet::storage]
	pub type RetryEra<T: Config> = StorageValue<_, EraIndex, ValueQuery>;

	/// Where the running retry of [`UnderReplicated`] items resumes: the raw storage key last
	/// visited, empty at the start; `None` when no retry is running.
	#[pallet::storage]
	pub type RetryCursor<T: Config> = StorageValue<_, BoundedVec<u8, ConstU32<128>>, OptionQuery>;

	/// Videos by their source item: the renditions and poster made from it.
	#[pallet::storage]
	pub type Videos<T: Config> =
		StorageMap<_, Blake2_128Concat, ContentId, VideoInfo<T>, OptionQuery>;

	/// The video each rendition or poster is part of.
	#[pallet::storage]
	pub type VideoOf<T: Config> =
		StorageMap<_, Blake2_128Concat, ContentId, ContentId, OptionQuery>;

	/// The highest block that block authors reported finalized, and the block that carried the
	/// last report (one per block).
	#[pallet::storage]
	pub type FinalityHint<T: Config> =
		StorageValue<_, FinalityReport<BlockNumberFor<T>>, ValueQuery>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			// Proofs are accepted up to and including the deadline block.
			let (expired, punished) = Self::expire_challenges(now.saturating_sub(One::one()));
			let assigned = Self::assign_pending();
			let deadlines = Self::handle_deadlines(now, T::MaxDeadlinesPerBlock::get());
			let moved = Self::reassign(T::MaxReassignmentsPerBlock::get());
			let (random, _) = T::Randomness::random(CHALLENGE_SUBJECT);
			let challenges = match random {
				Some(random) => {
					Self::issue_challenges(now, random);
					T::WeightInfo::issue_challenges()
				}
				None => Weight::zero(),
			};
			// The benchmark slashes masternodes with little at stake; each slash is charged
			// again at its worst.
			T::WeightInfo::expire_challenges(expired)
				.saturating_add(T::Slashing::slash_weight().saturating_mul(punished.into()))
				.saturating_add(T::WeightInfo::assign_pending(assigned))
				.saturating_add(deadlines)
				.saturating_add(T::WeightInfo::reassign(moved))
				.saturating_add(challenges)
				// The randomness and the finality hint.
				.saturating_add(T::DbWeight::get().reads(2))
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
				!T::ConfirmationTimeout::get().is_zero(),
				"an uploader must be able to confirm its upload"
			);
			assert!(T::FetchBytesPerBlock::get() > 0, "FetchBytesPerBlock must be positive");
			assert!(T::MaxRegistrationsPerBlock::get() > 0, "content must be registrable");
			assert!(
				T::MaxDeadlinesPerBlock::get() > 0,
				"deadlines must be handled for the cursor to move"
			);
			assert!(
				T::MaxReassignmentsPerBlock::get() > 0,
				"masternodes that leave must hand their replicas over"
			);
			// A proof for the largest item must fit the proof format.
			let depth =
				u64::BITS - commitment::leaf_count(T::MaxContentSize::get()).leading_zeros();
			assert!(depth <= LeafProof::MAX_PATH, "MaxContentSize too large for a leaf proof");
			// The block's own work at its worst: every expiring challenge slashes its holder,
			// and each step takes its full share.
			let challenges = T::ChallengesPerBlock::get();
			let hooks = T::WeightInfo::expire_challenges(challenges)
				.saturating_add(T::Slashing::slash_weight().saturating_mul(challenges.into()))
				.saturating_add(T::WeightInfo::assign_pending(T::MaxRegistrationsPerBlock::get()))
				.saturating_add(T::WeightInfo::handle_deadlines(T::MaxDeadlinesPerBlock::get()))
				.saturating_add(
					Self::unlink_weight().saturating_mul(T::MaxDeadlinesPerBlock::get().into()),
				)
				.saturating_add(T::WeightInfo::reassign(T::MaxReassignmentsPerBlock::get()))
				.saturating_add(T::WeightInfo::issue_challenges());
			let limits = <T as frame_system::Config>::BlockWeights::get();
			assert!(
				hooks.all_lte(limits.max_block / 4),
				"the worst on_initialize ({hooks:?}) takes more than a quarter of a block"
			);
			// A proof that slashes is charged whole; it must fit an operational transaction.
			let proof = T::WeightInfo::submit_proof(LeafProof::MAX_PATH)
				.saturating_add(T::Slashing::slash_weight());
			let operational =
				limits.get(DispatchClass::Operational).max_extrinsic.unwrap_or(limits.max_block);
			assert!(proof.all_lte(operational), "a slashing proof ({proof:?}) fits no block");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	/// Every block carries its author's finality report ([`Pallet::note_finality`]).
	#[pallet::inherent]
	impl<T: Config> ProvideInherent for Pallet<T> {
		type Call = Call<T>;
		type Error = finality::InherentError;
		const INHERENT_IDENTIFIER: InherentIdentifier =
			pop_primitives::FINALITY_INHERENT_IDENTIFIER;

		fn create_inherent(data: &InherentData) -> Option<Self::Call> {
			let finalized = data.get_data(&Self::INHERENT_IDENTIFIER).ok()??;
			Some(Call::note_finality { finalized })
		}

		fn is_inherent_required(_: &InherentData) -> Result<Option<Self::Error>, Self::Error> {
			Ok(Some(finality::InherentError::Missing))
		}

		fn is_inherent(call: &Self::Call) -> bool {
			matches!(call, Call::note_finality { .. })
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers content the caller uploaded to the sidecar of masternode `uploader`,
		/// with the upload receipt that sidecar handed over: `receipt_signature`, by the
		/// uploader's proof key, over [`pop_primitives::UploadReceipt`] `{ owner: caller,
		/// content, size, expires_ms: receipt_expires_ms }`. Holds a deposit of `(DepositBase
		/// + DepositPerMiB per started MiB) × replication`. The item is assigned to `uploader` now, and in the
		/// next block to `replication - 1` more active masternodes with room for it, drawn
		/// from that block's randomness; if too few have room it is kept with fewer holders
		/// and retried each era. If no holder confirms it within `ConfirmationTimeout` blocks,
		/// it is dropped and the deposit returned.
		///
		/// Errors: `AlreadyRegistered`, `InvalidSize`, `InvalidMimeType`, `TitleTooLong`,
		/// `InvalidReplication`, `UploaderUnavailable`, `ReceiptExpired`, `BadReceipt`,
		/// `TooManyRegistrations`, and the currency's error when the deposit cannot be held.
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
			receipt_expires_ms: u64,
			receipt_signature: T::ReceiptSignature,
		) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			let registration = Registration {
				size,
				mime,
				title,
				price,
				replication,
				uploader,
				receipt_expires_ms,
				receipt_signature,
			};
			let candidates = Self::do_register_content(owner, content, registration)?;
			Ok(Some(T::WeightInfo::register_content(candidates)).into())
		}

		/// Removes one of the caller's content items: its holders are released and the
		/// deposit is returned. Removing a video removes its renditions and poster with it.
		///
		/// Errors: `UnknownContent`, `NotOwner`, `PartOfVideo`.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::remove_weight(T::MaxRenditions::get() + 1, T::MaxReplication::get()))]
		pub fn remove_content(
			origin: OriginFor<T>,
			content: ContentId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let weight = Self::do_remove_content(who, content)?;
			Ok(Some(weight).into())
		}

		/// Confirms, signed by a masternode's proof key, that the masternode stores a content
		/// item assigned to it. Free when it succeeds; refused by the transaction pool when it
		/// would fail ([`CheckProof`]). The item's first confirmation opens the fetch windows
		/// of its other holders.
		///
		/// Errors: `NotProofKey`, `UnknownContent`, `NotAssigned`, `AlreadyConfirmed`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::confirm_replica())]
		pub fn confirm_replica(
			origin: OriginFor<T>,
			content: ContentId,
		) -> DispatchResultWithPostInfo {
			let masternode = Self::masternode_of(origin)?;
			Self::do_confirm_replica(masternode, content)
		}

		/// Answers challenge `challenge` of the masternode whose proof key signs, with the
		/// challenged leaf's bytes and Merkle path. A valid proof is free and earns proof
		/// points; a proof that does not verify (or names another leaf) is a fault and pays
		/// the fee. Operational, so it is included even when blocks are full; the transaction
		/// pool refuses a proof that answers no open challenge of the signer's masternode
		/// ([`CheckProof`]).
		///
		/// Errors: `NotProofKey`, `UnknownChallenge`.
		#[pallet::call_index(3)]
		#[pallet::weight((
			T::WeightInfo::submit_proof(LeafProof::MAX_PATH)
				.saturating_add(T::Slashing::slash_weight()),
			DispatchClass::Operational,
		))]
		pub fn submit_proof(
			origin: OriginFor<T>,
			challenge: ChallengeId,
			proof: LeafProof,
		) -> DispatchResultWithPostInfo {
			let masternode = Self::masternode_of(origin)?;
			Self::do_submit_proof(masternode, challenge, proof)
		}

		/// The block author's report of the last block its node finalized, an inherent that
		/// every block carries. The highest report is kept ([`FinalityHint`]): an author can
		/// neither move it back nor past the parent block, so a stall shows only when no
		/// author has seen finality advance for [`Config::MaxFinalityLag`] blocks.
		///
		/// Errors: `FinalityAlreadyNoted`, `FinalizedInFuture`.
		#[pallet::call_index(4)]
		#[pallet::weight((T::DbWeight::get().reads_writes(1, 1), DispatchClass::Mandatory))]
		pub fn note_finality(origin: OriginFor<T>, finalized: BlockNumberFor<T>) -> DispatchResult {
			ensure_none(origin)?;
			Self::do_note_finality(finalized)
		}

		/// Describes the caller's registered item `video` as a video: its playing time, its
		/// poster image and its renditions (H.264/AAC fragmented MP4 files made from it, an
		/// adaptive-bitrate ladder), each an item the caller registered too, normally in the
		/// same `utility.batch_all`. Sidecars serve HLS playlists of the renditions from this
		/// record; a grant to watch the video covers its renditions. Each rendition must cost
		/// what the video costs, and the poster nothing.
		///
		/// Errors: `UnknownContent`, `NotOwner`, `AlreadyDescribed`, `AlreadyPart`,
		/// `PartIsVideo`, `DuplicatePart`, `NoRenditions`, `BadRendition`,
		/// `BadPoster`, `PriceMismatch`, `PricedPoster`, `PartOfVideo`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::describe_video(T::MaxRenditions::get()))]
		pub fn describe_video(
			origin: OriginFor<T>,
			video: ContentId,
			duration_ms: u64,
			poster: Option<ContentId>,
			renditions: BoundedVec<Rendition, T::MaxRenditions>,
		) -> DispatchResultWithPostInfo {
			let owner = ensure_signed(origin)?;
			let count = renditions.len() as u32;
			Self::do_describe_video(owner, video, VideoInfo { duration_ms, poster, renditions })?;
			Ok(Some(T::WeightInfo::describe_video(count)).into())
		}
	}
}
