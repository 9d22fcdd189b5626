//! Types stored by the content registry.

use crate::{BalanceOf, Config};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use frame_system::pallet_prelude::BlockNumberFor;
use pop_primitives::commitment::ContentId;
use scale_info::TypeInfo;

/// A masternode's copy of a content item.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct Replica<T: Config> {
	/// The masternode holding it.
	pub holder: T::AccountId,
	/// Whether the holder has confirmed that it stores the bytes. Only confirmed replicas
	/// serve viewers and are challenged.
	pub confirmed: bool,
	/// The last block in which the holder may confirm, while it fetches the bytes from a
	/// confirmed holder (its fetch window, see [`Config::FetchWindowBase`]); `None` once
	/// confirmed, and while no holder of the item has confirmed (nothing to fetch from yet).
	pub fetch_deadline: Option<BlockNumberFor<T>>,
}

/// A registered content item.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct ContentInfo<T: Config> {
	/// The creator, who paid the deposit and receives viewer payments.
	pub owner: T::AccountId,
	/// Size in bytes; part of the id.
	pub size: u64,
	/// MIME type, e.g. `video/mp4`.
	pub mime: BoundedVec<u8, T::MaxMimeLen>,
	/// Title shown to viewers.
	pub title: BoundedVec<u8, T::MaxTitleLen>,
	/// What a viewer pays for access; zero for free content.
	pub price: BalanceOf<T>,
	/// How many masternodes should hold it.
	pub replication: u32,
	/// The deposit held from the owner, returned on removal.
	pub deposit: BalanceOf<T>,
	/// Position in [`crate::ContentByIndex`], from which challenges are drawn.
	pub index: u32,
	/// The block it was registered in; challenges issued before it were of an earlier
	/// registration of the same id and are void.
	pub registered_at: BlockNumberFor<T>,
	/// While no holder has confirmed: the last block in which one may, after which the item
	/// is dropped and its deposit returned ([`Config::ConfirmationTimeout`]). `None` while a
	/// holder has confirmed.
	pub confirmation_deadline: Option<BlockNumberFor<T>>,
	/// The current holders, the masternode it was uploaded to first; never two of one
	/// masternode.
	pub replicas: BoundedVec<Replica<T>, T::MaxReplication>,
}

/// An open availability challenge: the holder must prove leaf `leaf` of `content`. It was
/// issued [`Config::ChallengeDeadline`] blocks before its deadline.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug, DecodeWithMemTracking,
)]
pub struct Challenge<BlockNumber> {
	/// The content challenged.
	pub content: ContentId,
	/// The leaf whose bytes and path must be shown.
	pub leaf: u64,
	/// The last block in which the proof is accepted.
	pub deadline: BlockNumber,
}

/// What block authors reported of finality ([`crate::FinalityHint`]).
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug, Default)]
pub struct FinalityReport<BlockNumber> {
	/// The highest block reported finalized.
	pub finalized: BlockNumber,
	/// The block that carried the last report.
	pub noted_in: BlockNumber,
}

impl<BlockNumber: sp_runtime::traits::Saturating + Copy> FinalityReport<BlockNumber> {
	/// How far block `now` is ahead of the highest block reported finalized.
	pub fn lag(&self, now: BlockNumber) -> BlockNumber {
		now.saturating_sub(self.finalized)
	}
}

/// Where a content item can be streamed from, as the runtime API answers a dapp.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct ContentLocation<AccountId, Balance> {
	/// The creator.
	pub owner: AccountId,
	/// Size in bytes.
	pub size: u64,
	/// MIME type.
	pub mime: alloc::vec::Vec<u8>,
	/// Title.
	pub title: alloc::vec::Vec<u8>,
	/// Price of access; zero for free content.
	pub price: Balance,
	/// Holders that confirmed a copy, with their sidecar endpoints, in assignment order.
	pub holders: alloc::vec::Vec<(AccountId, alloc::vec::Vec<u8>)>,
}

/// Longest codecs string of a rendition (RFC 6381, e.g. `avc1.64001f,mp4a.40.2`).
pub type MaxCodecsLen = frame_support::traits::ConstU32<64>;

/// One rendition of a video: an H.264/AAC fragmented MP4 file, itself a registered content
/// item, as HLS players need it described to choose between renditions.
#[derive(
	Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug,
)]
pub struct Rendition {
	/// The rendition's content id.
	pub content: ContentId,
	/// Width in pixels.
	pub width: u16,
	/// Height in pixels.
	pub height: u16,
	/// Peak bit rate in bits per second (HLS `BANDWIDTH`).
	pub bandwidth: u32,
	/// Codecs in RFC 6381 form (HLS `CODECS`).
	pub codecs: BoundedVec<u8, MaxCodecsLen>,
}

/// A video: its source item (the key of [`crate::Videos`]) and the items made from it.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, MaxEncodedLen, TypeInfo, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct VideoInfo<T: Config> {
	/// Playing time in milliseconds.
	pub duration_ms: u64,
	/// The poster image's content id, if any.
	pub poster: Option<ContentId>,
	/// The renditions, an adaptive-bitrate ladder.
	pub renditions: BoundedVec<Rendition, T::MaxRenditions>,
}

impl<T: Config> VideoInfo<T> {
	/// The ids of every item that is part of the video: renditions, then the poster.
	pub fn parts(&self) -> impl Iterator<Item = ContentId> + '_ {
		self.renditions.iter().map(|rendition| rendition.content).chain(self.poster)
	}

	/// Forgets `part`, a rendition or the poster.
	pub fn forget(&mut self, part: &ContentId) {
		self.renditions.retain(|rendition| &rendition.content != part);
		if self.poster.as_ref() == Some(part) {
			self.poster = None;
		}
	}
}
