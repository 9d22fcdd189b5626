//! Types stored by the masternode registry.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::ConstU32, BoundedVec};
pub use pop_primitives::UnbondingChunk;
use pop_primitives::{EraIndex, MasternodeStatus};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// Longest accepted endpoint URL, in bytes.
pub type MaxEndpointLen = ConstU32<256>;

/// The public URL where a masternode's sidecar serves content (`http://` or `https://`).
pub type Endpoint = BoundedVec<u8, MaxEndpointLen>;

/// A registered masternode.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct MasternodeInfo<AccountId, Balance> {
	/// POP the operator has bonded and not asked back; held under `HoldReason::SelfBond`.
	pub bond: Balance,
	/// Where the sidecar serves content.
	pub endpoint: Endpoint,
	/// The hot account the sidecar signs proofs with, so the bonded account stays cold.
	pub proof_key: AccountId,
	/// Bytes of content the masternode offers to store.
	pub capacity: u64,
	/// Share of rewards the operator keeps before its backers are paid.
	pub commission: Perbill,
	/// Active, Idle or Jailed.
	pub status: MasternodeStatus,
	/// While jailed: the first era in which `unjail` is allowed.
	pub jailed_until: Option<EraIndex>,
}

/// Changes to a masternode's settings; `None` leaves a setting as it is.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug)]
pub struct MasternodeUpdate<AccountId> {
	/// A new endpoint URL.
	pub endpoint: Option<alloc::vec::Vec<u8>>,
	/// A new proof key.
	pub proof_key: Option<AccountId>,
	/// A new advertised capacity in bytes.
	pub capacity: Option<u64>,
	/// A new commission.
	pub commission: Option<Perbill>,
}
