//! Upload sessions: their durable records in the index beside their partial files, the quota,
//! and the work of creating an upload, appending a body to it and storing the finished item.

use super::{
	lease::{HashState, Leases},
	lock,
	pipeline::{open_partial, receive, BodyEnd, Checkpoint, Sink},
	protocol::{Creation, Patch},
	UploadError,
};
use crate::{
	auth::{ss58, Account},
	blob_store::{id_hex, BlobStore},
	hashing::{hash_reader, NativeSha256, TreeHasher},
	index::{self, ItemRecord, ItemState, MetadataIndex, UploadId, UploadRecord},
	ledger::{DepositRoom, LedgerError},
	metrics::{Metrics, RefusalLabels},
	receipts::{Receipts, SignedReceipt},
	unix_time_ms,
};
use bytes::Bytes;
use futures_util::Stream;
use pop_primitives::commitment::{ChunkedTree, ContentId};
use std::{
	collections::{BTreeMap, BTreeSet},
	fs::File,
	io::{self, Read},
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
};

/// What uploads may take.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UploadLimits {
	/// The largest upload accepted (`--max-upload-size`).
	pub max_size: u64,
	/// Bytes an account may hold in uploads not registered on chain (`--quota-per-account`).
	pub quota_per_account: u64,
	/// Bytes all accounts may hold in uploads not registered on chain
	/// (`--unregistered-limit`).
	pub unregistered_limit: u64,
	/// Free space uploads leave on the file system (`--disk-reserve`).
	pub disk_reserve: u64,
}

/// Upload sessions: their records in the index, their partial files, and the hash state of the
/// ones in use.
pub struct Uploads {
	pub(super) dir: PathBuf,
	pub(super) store: Arc<BlobStore>,
	pub(super) index: Arc<dyn MetadataIndex>,
	metrics: Arc<Metrics>,
	limits: UploadLimits,
	receipts: Receipts,
	pub(super) leases: Leases,
	/// Held while a quota is checked and a session created, so that two creations cannot both
	/// take the last room.
	creation: Mutex<()>,
	/// Held while an unregistered item is stored or deleted, so that an expiring item and a new
	/// upload of the same bytes cannot cross.
	pub(super) unregistered_items: Mutex<()>,
}

impl Uploads {
	/// The account of the proof key that signs this sidecar's receipts.
	pub fn proof_key(&self) -> crate::auth::Account {
		self.receipts.signer()
	}

	/// Opens the sessions under `data_dir/uploads`: partial files are cut back to their recorded
	/// offsets, finished uploads whose storing a crash cut short are stored, and files without a
	/// session are removed. Finished uploads get their receipts from `receipts`.
	pub fn open(
		data_dir: &Path,
		store: Arc<BlobStore>,
		index: Arc<dyn MetadataIndex>,
		metrics: Arc<Metrics>,
		limits: UploadLimits,
		receipts: Receipts,
	) -> Result<Self, UploadError> {
		let uploads = Self {
			dir: data_dir.join("uploads"),
			store,
			index,
			metrics,
			limits,
			receipts,
			leases: Leases::default(),
			creation: Mutex::default(),
			unregistered_items: Mutex::default(),
		};
		uploads.recover()?;
		Ok(uploads)
	}

	/// What uploads may take.
	pub fn limits(&self) -> UploadLimits {
		self.limits
	}

	pub(super) fn partial_path(&self, id: &UploadId) -> PathBuf {
		self.dir.join(hex::encode(id))
	}

	/// The session `id`, if `caller` owns it.
	pub(super) fn owned(
		&self,
		id: &UploadId,
		caller: &Account,
	) -> Result<UploadRecord, UploadError> {
		let record = self.record(id)?;
		if record.owner != *caller {
			return Err(UploadError::NotOwner { upload: hex::encode(id), caller: ss58(caller) });
		}
		Ok(record)
	}

	pub(super) fn record(&self, id: &UploadId) -> Result<UploadRecord, UploadError> {
		self.index.upload(id)?.ok_or_else(|| {
			// The slot of a session that is gone goes too, so the map cannot grow without end.
			self.leases.forget(id);
			UploadError::NotFound(hex::encode(id))
		})
	}

	/// A fresh receipt for the session `record`, naming its owner, if it is finished and its item
	/// is stored here. Handlers ask only for sessions of the caller, so nobody gets a receipt
	/// for another account's upload.
	pub(super) fn receipt(&self, record: &UploadRecord) -> Option<SignedReceipt> {
		self.receipt_for(record.owner, record.content_id?, record.length)
	}

	/// A fresh receipt for `owner`'s upload of `content`, `size` bytes, if it is stored here.
	/// Callers issue it only to `owner`: for its sessions, and for what was made of them.
	pub(super) fn receipt_for(
		&self,
		owner: Account,
		content: ContentId,
		size: u64,
	) -> Option<SignedReceipt> {
		self.store
			.contains(&content)
			.then(|| self.receipts.issue(owner, content, size, unix_time_ms()))
	}

	/// The accounts that uploaded `content` here: the uploader its item records while it is
	/// unregistered, and the owners of finished sessions that stored it (the item records only
	/// the last of several who uploaded the same bytes).
	pub fn uploaders(&self, content: &ContentId) -> Result<BTreeSet<Account>, UploadError> {
		let mut uploaders: BTreeSet<Account> = self
			.index
			.uploads()?
			.into_iter()
			.filter(|(_, record)| record.content_id.as_ref() == Some(content))
			.map(|(_, record)| record.owner)
			.collect();
		if let Some(ItemRecord { state: ItemState::Uploaded { owner }, .. }) =
			self.index.item(content)?
		{
			uploaders.insert(owner);
		}
		Ok(uploaders)
	}

	/// What uploads not registered on chain take: unfinished sessions and uploaded,
	/// unregistered items.
	fn unregistered(&self) -> Result<Unregistered, UploadError> {
		let mut unregistered = Unregistered::default();
		for (_, record) in self.index.uploads()? {
			if record.content_id.is_none() {
				unregistered.add(record.owner, record.length);
				unregistered.unwritten += record.length - record.offset;
			}
		}
		for (_, item) in self.index.items()? {
			if let ItemState::Uploaded { owner } = item.state {
				unregistered.add(owner, item.size);
			}
		}
		Ok(unregistered)
	}

	/// Opens a session for `owner` of `creation.length` bytes if every bound has room for it:
	/// the account's quota, the limit on all unregistered uploads, the disk's reserve (with
	/// the bytes other sessions are still to write), and the account's balance, which must
	/// cover the deposit of registering all it holds here unregistered (`room`).
	pub(super) fn create(
		&self,
		owner: Account,
		creation: Creation,
		room: Result<DepositRoom, LedgerError>,
	) -> Result<UploadId, UploadError> {
		let Creation { length, mime, filename } = creation;
		let _creation = lock(&self.creation);
		let refused = |error: UploadError| {
			self.metrics
				.uploads_refused
				.get_or_create(&RefusalLabels { reason: error.reason() })
				.inc();
			error
		};
		let unregistered = self.unregistered()?;
		let mine = unregistered.by_owner.get(&owner).map(Vec::as_slice).unwrap_or_default();
		let used: u64 = mine.iter().sum();
		let quota = self.limits.quota_per_account;
		if used.saturating_add(length) > quota {
			let owner = ss58(&owner);
			return Err(refused(UploadError::QuotaExceeded { owner, used, length, quota }));
		}
		let (all, limit) = (unregistered.bytes, self.limits.unregistered_limit);
		if all.saturating_add(length) > limit {
			return Err(refused(UploadError::UnregisteredLimit { length, limit }));
		}
		let free = self.store.free_space()?.saturating_sub(unregistered.unwritten);
		let reserve = self.limits.disk_reserve;
		if free < reserve.saturating_add(length) {
			return Err(refused(UploadError::DiskReserve { length, free, reserve }));
		}
		let room = room.map_err(|error| refused(error.into()))?;
		let deposit = room.deposit_for(mine.iter().copied().chain([length]));
		if deposit > room.free {
			let (owner, free) = (ss58(&owner), room.free);
			return Err(refused(UploadError::DepositUncovered { owner, length, free, deposit }));
		}
		let mut id = UploadId::default();
		getrandom::fill(&mut id).map_err(UploadError::Random)?;
		// The partial file is made by the first PATCH.
		let record = UploadRecord {
			owner,
			length,
			offset: 0,
			mime,
			touched_at_ms: unix_time_ms(),
			content_id: None,
		};
		self.index.put_upload(&id, &record)?;
		self.index.flush()?;
		self.metrics.uploads_created.inc();
		tracing::info!(
			upload = hex::encode(id),
			owner = ss58(&owner),
			length,
			?filename,
			"upload created"
		);
		Ok(id)
	}

	/// The session `id` of `caller`, once a PATCH in flight has let go, so the offset is settled.
	pub(super) async fn progress(
		&self,
		caller: &Account,
		id: &UploadId,
	) -> Result<UploadRecord, UploadError> {
		self.owned(id, caller)?;
		let _held = self.leases.acquire(id).await?;
		self.record(id)
	}

	/// Appends a PATCH body of `caller` to the session `id`; returns the session as it now
	/// stands.
	pub(super) async fn append<E>(
		self: Arc<Self>,
		caller: Account,
		id: UploadId,
		patch: Patch,
		body: impl Stream<Item = Result<Bytes, E>>,
	) -> Result<UploadRecord, UploadError> {
		let Patch { offset, declared_length, checksum } = patch;
		self.owned(&id, &caller)?;
		let mut held = self.leases.acquire(&id).await?;
		let mut record = self.record(&id)?;
		if offset != record.offset {
			return Err(UploadError::OffsetMismatch { given: offset, offset: record.offset });
		}
		let remaining = record.length - record.offset;
		if declared_length.is_some_and(|length| length > remaining) {
			return Err(UploadError::BodyTooLong { remaining });
		}
		if record.content_id.is_some() {
			return Ok(record);
		}
		// The room was counted when the session was made, but replicas fetched since may have
		// taken it: no byte is written into the reserve.
		let (free, reserve) = (self.store.free_space()?, self.limits.disk_reserve);
		if free < reserve.saturating_add(remaining) {
			return Err(UploadError::DiskReserve { length: remaining, free, reserve });
		}

		// From here on the hash state is only put back once the new bytes are recorded: any
		// failure leaves it to be rebuilt from the partial file.
		let hash = held.hash.take();
		let path = self.partial_path(&id);
		let (file, tree) = tokio::task::spawn_blocking(move || -> Result<_, UploadError> {
			let (file, kept) = open_partial(&path, offset)?;
			if kept != offset {
				return Err(UploadError::PartialShort { kept, recorded: offset });
			}
			let tree = match hash {
				Some(tree) => tree,
				None => hash_reader(File::open(&path)?.take(offset))?,
			};
			Ok((file, tree))
		})
		.await??;

		let sink = Sink {
			file,
			tree,
			algorithm: checksum.as_ref().map(|checksum| checksum.algorithm),
			// A body under a checksum counts whole or not at all, and one of undeclared length
			// may still prove too long: only other bodies are recorded as they arrive.
			checkpoint: (checksum.is_none() && declared_length.is_some())
				.then(|| self.checkpointer(id, record.clone())),
		};
		let (end, written) = receive(body, sink, remaining, held.release_asked()).await?;
		match (end, &checksum) {
			(BodyEnd::TooLong, _) => return Err(UploadError::BodyTooLong { remaining }),
			(BodyEnd::Cut | BodyEnd::Released, Some(_)) => {
				return Err(UploadError::ChecksumUncheckable)
			}
			(BodyEnd::Complete, Some(checksum)) => {
				if let Some(mismatch) = checksum.mismatch(written.digest()) {
					return Err(mismatch);
				}
			}
			_ => {}
		}

		record.offset += written.bytes;
		record.touched_at_ms = unix_time_ms();
		let uploads = self.clone();
		let (record, tree) = tokio::task::spawn_blocking(move || {
			let tree = uploads.save_progress(&id, &mut record, written.tree)?;
			Ok::<_, UploadError>((record, tree))
		})
		.await??;
		*held.hash = tree;
		self.metrics.upload_bytes_received.inc_by(written.bytes);
		if record.content_id.is_some() {
			self.metrics.uploads_completed.inc();
			self.leases.forget(&id);
		}
		if end == BodyEnd::Cut {
			return Err(UploadError::BodyCut { kept: written.bytes, offset: record.offset });
		}
		Ok(record)
	}

	/// Records the progress of `record`'s session part way through a body, given the bytes
	/// written and made durable so far (every
	/// [`CHECKPOINT_INTERVAL`](super::pipeline::CHECKPOINT_INTERVAL)). The last byte is left to
	/// [`Self::save_progress`], which completes the upload.
	fn checkpointer(self: &Arc<Self>, id: UploadId, mut record: UploadRecord) -> Checkpoint {
		let uploads = self.clone();
		let start = record.offset;
		Box::new(move |written| {
			if start + written >= record.length {
				return Ok(());
			}
			record.offset = start + written;
			record.touched_at_ms = unix_time_ms();
			let index = &uploads.index;
			index.put_upload(&id, &record).and_then(|()| index.flush()).map_err(io::Error::other)
		})
	}

	/// Records a session whose bytes up to `record.offset` are durable; when they are all there,
	/// stores the item. Returns the hash state while the upload goes on.
	fn save_progress(
		&self,
		id: &UploadId,
		record: &mut UploadRecord,
		tree: TreeHasher,
	) -> Result<HashState, UploadError> {
		if record.offset < record.length {
			self.index.put_upload(id, record)?;
			self.index.flush()?;
			return Ok(Some(tree));
		}
		let tree = finish_tree(tree)?;
		// The id is recorded before the bytes move, so a crash in between is finished on restart.
		record.content_id = Some(tree.id::<NativeSha256>().map_err(|_| UploadError::Empty)?);
		self.index.put_upload(id, record)?;
		self.index.flush()?;
		let content_id = self.store_item(record, &self.partial_path(id), &tree)?;
		tracing::info!(
			upload = hex::encode(id),
			content = id_hex(&content_id),
			size = record.length,
			"upload complete"
		);
		Ok(None)
	}

	/// Moves a finished upload's bytes into the store and records the item.
	pub(super) fn store_item(
		&self,
		record: &UploadRecord,
		path: &Path,
		tree: &ChunkedTree,
	) -> Result<ContentId, UploadError> {
		let _items = lock(&self.unregistered_items);
		let content_id = self.store.adopt(path, tree, record.content_id.as_ref())?;
		self.record_item(record, content_id)?;
		Ok(content_id)
	}

	/// Records a stored upload as this session's, unless the content was already known as
	/// something more than an unregistered upload (registered, replicated, recovered).
	pub(super) fn record_item(
		&self,
		record: &UploadRecord,
		id: ContentId,
	) -> Result<(), UploadError> {
		let (owner, size) = (record.owner, record.length);
		index::record_uploaded(&*self.index, &id, owner, size, &record.mime, unix_time_ms())?;
		Ok(())
	}
}

/// What uploads not registered on chain take, as [`Uploads::create`] bounds it.
#[derive(Default)]
struct Unregistered {
	/// Their sizes, by account.
	by_owner: BTreeMap<Account, Vec<u64>>,
	/// Their bytes in all.
	bytes: u64,
	/// Bytes unfinished sessions are still to write.
	unwritten: u64,
}

impl Unregistered {
	fn add(&mut self, owner: Account, size: u64) {
		self.by_owner.entry(owner).or_default().push(size);
		self.bytes = self.bytes.saturating_add(size);
	}
}

/// The commitment of an upload whose every byte arrived.
pub(super) fn finish_tree(tree: TreeHasher) -> Result<ChunkedTree, UploadError> {
	tree.finish().map_err(|_| UploadError::Empty)
}
