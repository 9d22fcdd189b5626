//! What this client reads and writes on chain, in one place: the pallets, storage entries and
//! calls by name, the types their values are decoded as, and the two ways storage is read
//! ([`read`] one value, [`entries`] of a double map under its first key), where subxt's errors
//! become [`subxt::Error`].

use super::AtBlock;
use crate::auth::Account;
use pop_primitives::commitment::{ContentId, LeafProof};
use subxt::{
	dynamic,
	ext::{
		frame_decode::helpers::{IntoDecodableValues, IntoEncodableValues},
		scale_decode::DecodeAsType,
		scale_encode::EncodeAsType,
	},
	storage::{DynamicAddress, PrefixOf},
	transactions::DynamicPayload,
};

/// `Content::Challenges` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct OpenChallenge {
	/// The content challenged.
	pub content: ChainContentId,
	/// The leaf to prove.
	pub leaf: u64,
	/// The last block an answer counts at.
	pub deadline: u32,
}

/// A `ContentId` as the chain encodes it.
#[derive(Debug, Clone, Copy, DecodeAsType, EncodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub(crate) struct ChainContentId(pub [u8; 32]);

/// What this client reads of `Content::Contents` values.
#[derive(Debug, Clone, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(crate) struct ContentInfo {
	/// The account that registered it.
	pub owner: Account,
	/// Bytes of the content.
	pub size: u64,
	/// Its media type, as registered.
	pub mime: Vec<u8>,
	/// Its price to stream.
	pub price: u128,
	/// The masternodes it is assigned to.
	pub replicas: Vec<Replica>,
}

/// One masternode's replica of a content item.
#[derive(Debug, Clone, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(crate) struct Replica {
	/// The masternode (its operator account).
	pub holder: Account,
	/// Whether the holder confirmed it stores the content.
	pub confirmed: bool,
}

impl ContentInfo {
	/// Whether `masternode` confirmed its replica.
	pub fn confirmed_by(&self, masternode: Account) -> bool {
		self.replicas.iter().any(|replica| replica.holder == masternode && replica.confirmed)
	}

	/// The masternodes other than `masternode` that confirmed their replicas, in the chain's
	/// order: where a replica can be fetched from.
	pub fn holders_besides(&self, masternode: Account) -> impl Iterator<Item = Account> + '_ {
		self.replicas
			.iter()
			.filter(move |replica| replica.confirmed && replica.holder != masternode)
			.map(|replica| replica.holder)
	}
}

/// What this client reads of `Masternodes::Masternodes` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct MasternodeInfo {
	/// The URL of its sidecar.
	pub endpoint: Vec<u8>,
	/// Whether it may be elected.
	pub status: MasternodeStatus,
}

/// `MasternodeStatus`: whether a masternode may be elected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(crate) enum MasternodeStatus {
	/// Elected in the current era.
	Active,
	/// Registered and not elected.
	Idle,
	/// Slashed and out of elections until its operator unjails it.
	Jailed,
}

/// What this client reads of `System::Account` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(crate) struct AccountInfo {
	/// The account's balances.
	pub data: AccountData,
}

/// What this client reads of `pallet_balances::AccountData`.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(crate) struct AccountData {
	/// Balance neither held nor reserved.
	pub free: u128,
	/// Balance held (deposits among it) or reserved.
	pub reserved: u128,
	/// The part of the balance that may not be spent; holds count towards it.
	pub frozen: u128,
}

impl AccountData {
	/// What the account can spend on a new hold: its free balance less what the freezes keep
	/// of it beyond the holds.
	pub fn spendable(&self) -> u128 {
		self.free.saturating_sub(self.frozen.saturating_sub(self.reserved))
	}
}

/// What this client reads of `Content::Videos` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct VideoInfo {
	/// Playing time in milliseconds.
	pub duration_ms: u64,
	/// The poster's id.
	pub poster: Option<ChainContentId>,
	/// The renditions.
	pub renditions: Vec<RenditionInfo>,
}

/// One `Content::Videos` rendition.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub(super) struct RenditionInfo {
	/// Its content id.
	pub content: ChainContentId,
	/// Width in pixels.
	pub width: u16,
	/// Height in pixels.
	pub height: u16,
	/// Peak bits per second.
	pub bandwidth: u32,
	/// RFC 6381 codecs, as bytes.
	pub codecs: Vec<u8>,
}

impl From<VideoInfo> for crate::ledger::Video {
	fn from(info: VideoInfo) -> Self {
		Self {
			duration_ms: info.duration_ms,
			poster: info.poster.map(|poster| ContentId(poster.0)),
			renditions: info
				.renditions
				.into_iter()
				.map(|rendition| crate::ledger::RenditionSpec {
					content: ContentId(rendition.content.0),
					width: rendition.width,
					height: rendition.height,
					bandwidth: rendition.bandwidth,
					codecs: String::from_utf8_lossy(&rendition.codecs).into_owned(),
				})
				.collect(),
		}
	}
}

/// `LeafProof` as `submit_proof` takes it.
#[derive(Debug, EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub(super) struct ProofArg {
	index: u64,
	leaf: Vec<u8>,
	path: Vec<[u8; 32]>,
}

/// `System::Account`: account → its nonce and balances.
pub(crate) fn accounts() -> DynamicAddress<(Account,), AccountInfo> {
	dynamic::storage("System", "Account")
}

/// A balance constant of the content pallet (`DepositBase`, `DepositPerMiB`).
pub(super) fn content_constant(name: &str) -> subxt::constants::DynamicAddress<u128> {
	dynamic::constant("Content", name)
}

/// `Content::Videos`: source item → its video record.
pub(super) fn videos() -> DynamicAddress<(ChainContentId,), VideoInfo> {
	dynamic::storage("Content", "Videos")
}

/// `Content::VideoOf`: rendition or poster → its video.
pub(super) fn video_of() -> DynamicAddress<(ChainContentId,), ChainContentId> {
	dynamic::storage("Content", "VideoOf")
}

/// `PopToken::Grants`: (account, content) → last block of the grant.
pub(super) fn grants() -> DynamicAddress<(Account, [u8; 32]), u32> {
	dynamic::storage("PopToken", "Grants")
}

/// `Masternodes::ProofKeyOwner`: proof key → the masternode it signs for.
pub(crate) fn proof_key_owner() -> DynamicAddress<(Account,), Account> {
	dynamic::storage("Masternodes", "ProofKeyOwner")
}

/// `Masternodes::Masternodes`: operator → masternode.
pub(super) fn masternodes() -> DynamicAddress<(Account,), MasternodeInfo> {
	dynamic::storage("Masternodes", "Masternodes")
}

/// `Content::Assignments`: (operator, content) → `()` for every replica assigned.
pub(crate) fn assignments() -> DynamicAddress<(Account, ChainContentId), ()> {
	dynamic::storage("Content", "Assignments")
}

/// `Content::Faults`: operator → (era, faults counted in it).
pub(crate) fn faults() -> DynamicAddress<(Account,), (u32, u32)> {
	dynamic::storage("Content", "Faults")
}

/// `Delegation::CurrentEra`: the era under way.
pub(crate) fn current_era() -> DynamicAddress<(), u32> {
	dynamic::storage("Delegation", "CurrentEra")
}

/// The faults of `operator`'s masternode counted in the current era.
pub(crate) async fn faults_this_era(at: &AtBlock, operator: Account) -> Result<u32, subxt::Error> {
	let era = read(at, current_era(), ()).await?.unwrap_or_default();
	Ok(match read(at, faults(), (operator,)).await? {
		Some((counted_in, faults)) if counted_in == era => faults,
		_ => 0,
	})
}

/// `Content::Challenges`: (operator, challenge id) → the open challenge.
pub(super) fn challenges() -> DynamicAddress<(Account, u64), OpenChallenge> {
	dynamic::storage("Content", "Challenges")
}

/// `Content::Contents`: content → its record.
pub(crate) fn contents() -> DynamicAddress<(ChainContentId,), ContentInfo> {
	dynamic::storage("Content", "Contents")
}

/// `Content::submit_proof`: the answer to challenge `challenge`.
pub(super) fn submit_proof(challenge: u64, proof: LeafProof) -> DynamicPayload<(u64, ProofArg)> {
	let proof = ProofArg { index: proof.index, leaf: proof.leaf, path: proof.path };
	dynamic::transaction("Content", "submit_proof", (challenge, proof))
}

/// `Content::confirm_replica`: this masternode stores `content`.
pub(super) fn confirm_replica(content: ContentId) -> DynamicPayload<(ChainContentId,)> {
	dynamic::transaction("Content", "confirm_replica", (ChainContentId(content.0),))
}

/// The value at `keys` of `address`, if one is stored.
pub(crate) async fn read<Keys, Value>(
	at: &AtBlock,
	address: DynamicAddress<Keys, Value>,
	keys: Keys,
) -> Result<Option<Value>, subxt::Error>
where
	Keys: IntoEncodableValues + IntoDecodableValues,
	Value: DecodeAsType,
{
	match at.storage().try_fetch(address, keys).await? {
		Some(value) => Ok(Some(value.decode()?)),
		None => Ok(None),
	}
}

/// Every entry of the double map at `address` under `first`, as (second key, value). Entries
/// whose second key does not decode are left out.
pub(crate) async fn entries<Second, Value>(
	at: &AtBlock,
	address: DynamicAddress<(Account, Second), Value>,
	first: Account,
) -> Result<Vec<(Second, Value)>, subxt::Error>
where
	(Account, Second): IntoEncodableValues + IntoDecodableValues,
	(Account,): PrefixOf<(Account, Second)>,
	Second: DecodeAsType,
	Value: DecodeAsType,
{
	let mut stream = at.storage().iter(address, (first,)).await?;
	let mut found = Vec::new();
	while let Some(entry) = stream.next().await {
		let entry = entry?;
		let second =
			entry.key()?.part(1).and_then(|part| part.decode_as::<Second>().ok().flatten());
		let value = entry.value().decode()?;
		if let Some(second) = second {
			found.push((second, value));
		}
	}
	Ok(found)
}

/// Every entry of the single map at `address`, as (key, value). Entries whose key does not
/// decode are left out.
pub(crate) async fn all<Key, Value>(
	at: &AtBlock,
	address: DynamicAddress<(Key,), Value>,
) -> Result<Vec<(Key, Value)>, subxt::Error>
where
	(Key,): IntoEncodableValues + IntoDecodableValues,
	(): PrefixOf<(Key,)>,
	Key: DecodeAsType,
	Value: DecodeAsType,
{
	let mut stream = at.storage().iter(address, ()).await?;
	let mut found = Vec::new();
	while let Some(entry) = stream.next().await {
		let entry = entry?;
		let key = entry.key()?.part(0).and_then(|part| part.decode_as::<Key>().ok().flatten());
		let value = entry.value().decode()?;
		if let Some(key) = key {
			found.push((key, value));
		}
	}
	Ok(found)
}
