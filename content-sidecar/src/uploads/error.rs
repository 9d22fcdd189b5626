//! Why an upload request failed, in the upload sessions' terms; the HTTP handlers turn it into
//! an [`ApiError`](crate::error::ApiError).

use super::protocol::OFFSET_OCTET_STREAM;
use crate::{blob_store::StoreError, index::IndexError, ledger::LedgerError};
use std::io;

/// Why an upload request failed. Whatever failed changed nothing but what the message says.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
	/// A tus header is missing or malformed, or the body is unusable.
	#[error("{0}")]
	Malformed(String),
	/// A tus version this server does not speak.
	#[error("{0}")]
	UnsupportedVersion(String),
	/// A PATCH body of another media type than `application/offset+octet-stream`.
	#[error("a PATCH body must be sent as Content-Type: {OFFSET_OCTET_STREAM}")]
	WrongContentType,
	/// An `Upload-Length` over `--max-upload-size`.
	#[error("Upload-Length {length} is over the largest upload accepted here, {max} bytes")]
	TooLarge {
		/// The length asked for.
		length: u64,
		/// The largest upload accepted.
		max: u64,
	},
	/// No upload session by that id (the id as given).
	#[error("no upload {0} here (it may have expired or been deleted)")]
	NotFound(String),
	/// The upload belongs to another account.
	#[error("upload {upload} belongs to another account, not {caller}")]
	NotOwner {
		/// The upload's id.
		upload: String,
		/// The account that asked (SS58).
		caller: String,
	},
	/// The account's unregistered uploads would pass its quota.
	#[error(
		"upload quota exceeded: {owner} holds {used} bytes in uploads not registered on chain, \
		 {length} more would pass the quota of {quota}; register or delete some first"
	)]
	QuotaExceeded {
		/// The account (SS58).
		owner: String,
		/// Bytes it holds in unregistered uploads.
		used: u64,
		/// Bytes it asked for.
		length: u64,
		/// `--quota-per-account`.
		quota: u64,
	},
	/// All accounts' unregistered uploads would pass the sidecar's limit.
	#[error(
		"this sidecar holds as many uploads not yet registered on chain as it takes \
		 (--unregistered-limit {limit} bytes); {length} more do not fit now, try later or \
		 another masternode"
	)]
	UnregisteredLimit {
		/// Bytes asked for.
		length: u64,
		/// `--unregistered-limit`.
		limit: u64,
	},
	/// The upload would eat into the free space the sidecar keeps.
	#[error(
		"not enough disk space: {length} bytes would leave less than the {reserve} bytes this \
		 sidecar keeps free ({free} are free for uploads now); nothing was stored"
	)]
	DiskReserve {
		/// Bytes asked for.
		length: u64,
		/// Bytes free, less what other sessions are still to write.
		free: u64,
		/// `--disk-reserve`.
		reserve: u64,
	},
	/// The account could not pay the deposit of registering what it would hold here.
	#[error(
		"{owner} has {free} planck free, but registering its uploads here with {length} more \
		 bytes needs a deposit of {deposit}: fund the account first"
	)]
	DepositUncovered {
		/// The account (SS58).
		owner: String,
		/// Bytes asked for.
		length: u64,
		/// Its spendable balance.
		free: u128,
		/// The deposit all its unregistered uploads here would need.
		deposit: u128,
	},
	/// The upload's item is registered on chain, so it is not this session's to delete.
	#[error(
		"content {0} is registered on chain: holders rely on these bytes; remove it on chain \
		 (Content::remove_content) and the sidecars delete it"
	)]
	Registered(String),
	/// The chain could not be asked what the request depends on; nothing changed.
	#[error(transparent)]
	Chain(#[from] LedgerError),
	/// A PATCH at another offset than the upload's.
	#[error(
		"Upload-Offset is {given} but the upload is at {offset}; ask with HEAD where to resume"
	)]
	OffsetMismatch {
		/// `Upload-Offset`.
		given: u64,
		/// The upload's offset.
		offset: u64,
	},
	/// A body longer than what the upload still needs.
	#[error(
		"the body is longer than the {remaining} bytes the upload still needs; nothing of it was \
		 kept"
	)]
	BodyTooLong {
		/// Bytes the upload still needs.
		remaining: u64,
	},
	/// A body under a checksum ended early, so nothing of it counts.
	#[error(
		"the body ended before its last byte, so its Upload-Checksum cannot be checked; nothing \
		 of it was kept"
	)]
	ChecksumUncheckable,
	/// A body ended early; what arrived was kept.
	#[error(
		"the body ended early; the {kept} bytes that arrived were kept and Upload-Offset is now \
		 {offset}"
	)]
	BodyCut {
		/// Bytes of the body kept.
		kept: u64,
		/// The upload's offset now.
		offset: u64,
	},
	/// The body does not match its `Upload-Checksum`; nothing of it was kept.
	#[error(
		"the body's {algorithm} is {actual}, not the Upload-Checksum {expected}; nothing of it \
		 was kept"
	)]
	ChecksumMismatch {
		/// The checksum algorithm.
		algorithm: &'static str,
		/// The body's digest (base64).
		actual: String,
		/// The digest expected (base64).
		expected: String,
	},
	/// Another request holds the upload and did not let go in time.
	#[error("another request is still writing this upload; try again shortly")]
	Busy,
	/// An upload came to its end without bytes (they are created with at least one).
	#[error("an upload finished without bytes")]
	Empty,
	/// The partial file holds fewer bytes than its session records.
	#[error("partial upload has {kept} bytes, {recorded} were recorded")]
	PartialShort {
		/// Bytes in the file.
		kept: u64,
		/// The recorded offset.
		recorded: u64,
	},
	/// No random upload id could be drawn.
	#[error("{0}")]
	Random(getrandom::Error),
	/// The blob store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// The index failed.
	#[error(transparent)]
	Index(#[from] IndexError),
	/// The disk failed.
	#[error("storage I/O failed: {0}")]
	Io(#[from] io::Error),
	/// A worker task failed.
	#[error("a worker task failed: {0}")]
	Task(#[from] tokio::task::JoinError),
}

impl UploadError {
	/// The label of a refused upload creation in `pop_sidecar_uploads_refused_total`.
	pub fn reason(&self) -> &'static str {
		match self {
			Self::QuotaExceeded { .. } => "quota",
			Self::UnregisteredLimit { .. } => "unregistered_limit",
			Self::DiskReserve { .. } => "disk_reserve",
			Self::DepositUncovered { .. } => "deposit",
			Self::Chain(_) => "chain_unavailable",
			_ => "other",
		}
	}
}
