//! Resumable uploads: the tus 1.0 protocol at `/uploads` (core, creation, termination,
//! checksum with `sha256` and `sha1`), so any tus client can upload and resume.
//!
//! - `OPTIONS /uploads`: what the server supports.
//! - `POST /uploads` (signed, see [`crate::auth`]): `Upload-Length` (at most
//!   `--max-upload-size`; `Upload-Defer-Length` is not supported) and optionally
//!   `Upload-Metadata`, whose `filetype` becomes the item's `Content-Type` (default
//!   `application/octet-stream`). Every account may hold up to `--quota-per-account` bytes in
//!   uploads not yet registered on chain. Answers `201` with `Location: /uploads/<id>`.
//! - `HEAD /uploads/<id>`: `Upload-Offset` and `Upload-Length`.
//! - `PATCH /uploads/<id>`: `application/offset+octet-stream` bytes at `Upload-Offset`, checked
//!   against `Upload-Checksum` when given (a mismatch is `460` and keeps nothing of the body).
//! - `DELETE /uploads/<id>`: ends the upload and deletes its bytes (and the finished item, while
//!   it is unregistered).
//!
//! Only the account that created an upload may touch it. When its last byte arrives the item is
//! stored under its [`ContentId`], recorded as [`ItemState::Uploaded`], and the response (and
//! every later `HEAD`) carries `Pop-Content-Id: 0x<hex>` for the creator to register on chain.
//! Sessions idle for longer than `--unregistered-ttl`, and uploaded items not registered within
//! it, are deleted by [`crate::gc`].
//!
//! # Durability
//!
//! A session is a record in the index plus a partial file `uploads/<id>`. Bytes are hashed into
//! the commitment as they stream in, written, fsynced, and only then is the new offset recorded
//! (when the body ends, and every second along the way for a body of declared length without a
//! checksum, so a crash in a long PATCH loses at most a second of it). Bytes past the recorded
//! offset do not count: whoever opens the partial file cuts them off. A body cut short keeps
//! what arrived (unless it carried a checksum, which then cannot be checked). After a crash the
//! hash state is rebuilt by reading the partial file again, so every upload resumes where its
//! record says.
//!
//! # One request at a time
//!
//! A request for an upload that another request holds (a PATCH still streaming, perhaps from a
//! connection the client has given up on) asks the holder to let go: it stops reading, keeps
//! what arrived, and the newer request proceeds. A holder that does not let go within ten
//! seconds gets the newer request a `423 Locked`.

use crate::{
	auth::{self, Account},
	blob_store::{id_hex, BlobStore, StoreError},
	error::ApiError,
	hashing::{hash_reader, NativeSha256, TreeHasher},
	index::{ItemRecord, ItemState, MetadataIndex, UploadId, UploadRecord, DEFAULT_MIME},
	metrics::Metrics,
	state::{AppState, OpenError},
	unix_time_ms,
};
use axum::{
	body::Body,
	extract::{Path as UrlPath, State},
	http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri},
	response::{IntoResponse, Response},
	routing::{head, post},
	Router,
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use bytes::Bytes;
use futures_util::StreamExt;
use pop_primitives::commitment::{ChunkedTree, ContentId};
use sha2::digest::DynDigest;
use std::{
	collections::{HashMap, HashSet},
	fs::{self, File, OpenOptions},
	io::{self, Read, Seek, SeekFrom, Write},
	path::{Path, PathBuf},
	sync::{Arc, Mutex, MutexGuard, PoisonError},
	time::Duration,
};
use tokio::sync::{Notify, OwnedMutexGuard};
use tower_http::set_header::SetResponseHeaderLayer;

/// The tus version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Header listing the tus versions spoken.
pub const TUS_VERSION_HEADER: HeaderName = HeaderName::from_static("tus-version");
/// Header with the tus version of a request or response.
pub const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
/// Header with the id of a finished upload, `0x` and 64 hex digits.
pub const POP_CONTENT_ID: HeaderName = HeaderName::from_static("pop-content-id");
const TUS_EXTENSION: HeaderName = HeaderName::from_static("tus-extension");
const TUS_MAX_SIZE: HeaderName = HeaderName::from_static("tus-max-size");
const TUS_CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static("tus-checksum-algorithm");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// How long a request waits for another request on the same upload to let go.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often it repeats its request to let go (a holder hears it only while listening).
const RELEASE_RETRY: Duration = Duration::from_millis(50);
/// Body frames queued between the connection and the disk writer.
const FRAMES_IN_FLIGHT: usize = 64;
/// Bytes after which the writer fsyncs, so the fsync at the end of a body is short.
const SYNC_EVERY: u64 = 32 << 20;
/// How often a long PATCH makes its progress durable and records it, bounding what a crash
/// mid-body loses.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// The tus routes, every response marked `Tus-Resumable: 1.0.0`.
pub fn routes() -> Router<AppState> {
	Router::new()
		.route("/uploads", post(create).options(options))
		.route("/uploads/{id}", head(progress).patch(append).delete(terminate).options(options))
		.layer(SetResponseHeaderLayer::overriding(
			TUS_RESUMABLE,
			HeaderValue::from_static(TUS_VERSION),
		))
}

/// The hash state of a session's bytes up to its recorded offset; `None` until rebuilt from the
/// partial file (after a restart, or after a request that failed half way).
type HashState = Option<TreeHasher>;

/// A session some request is working on.
#[derive(Default)]
struct Slot {
	/// Held by the one request working on the session.
	hash: Arc<tokio::sync::Mutex<HashState>>,
	/// Asks the holder to let go.
	release: Notify,
}

/// The right to work on one session, until dropped.
struct Held {
	slot: Arc<Slot>,
	hash: OwnedMutexGuard<HashState>,
}

/// Upload sessions: their records in the index, their partial files, and the hash state of the
/// ones in use.
pub struct Uploads {
	dir: PathBuf,
	store: Arc<BlobStore>,
	index: Arc<dyn MetadataIndex>,
	metrics: Arc<Metrics>,
	slots: Mutex<HashMap<UploadId, Arc<Slot>>>,
	/// Held while a quota is checked and a session created, so that two creations cannot both
	/// take the last room.
	creation: Mutex<()>,
	/// Held while an unregistered item is stored or deleted, so that an expiring item and a new
	/// upload of the same bytes cannot cross.
	unregistered_items: Mutex<()>,
}

impl Uploads {
	/// Opens the sessions under `data_dir/uploads`: partial files are cut back to their recorded
	/// offsets, finished uploads whose storing a crash cut short are stored, and files without a
	/// session are removed.
	pub fn open(
		data_dir: &Path,
		store: Arc<BlobStore>,
		index: Arc<dyn MetadataIndex>,
		metrics: Arc<Metrics>,
	) -> Result<Self, OpenError> {
		let dir = data_dir.join("uploads");
		let uploads = Self {
			dir,
			store,
			index,
			metrics,
			slots: Mutex::default(),
			creation: Mutex::default(),
			unregistered_items: Mutex::default(),
		};
		uploads.recover().map_err(|error| OpenError::Uploads(error.to_string()))?;
		Ok(uploads)
	}

	fn recover(&self) -> Result<(), ApiError> {
		fs::create_dir_all(&self.dir)?;
		let sessions = self.index.uploads()?;
		let names: HashSet<String> = sessions.iter().map(|(id, _)| hex::encode(id)).collect();
		// Leftovers of a termination or expiry cut short.
		for entry in fs::read_dir(&self.dir)? {
			let entry = entry?;
			if !entry.file_name().to_str().is_some_and(|name| names.contains(name)) {
				fs::remove_file(entry.path())?;
			}
		}
		for (id, record) in sessions {
			// One broken session must not keep the sidecar down; it stays for a later start.
			if let Err(error) = self.recover_session(&id, record) {
				tracing::error!(upload = hex::encode(id), %error, "upload session not recovered");
			}
		}
		self.index.flush()?;
		Ok(())
	}

	fn recover_session(&self, id: &UploadId, mut record: UploadRecord) -> Result<(), ApiError> {
		let path = self.partial_path(id);
		match record.content_id {
			// Every byte had arrived; the crash came while storing the item.
			Some(_) if path.exists() => {
				let tree = finish_tree(hash_reader(File::open(&path)?)?)?;
				self.store_item(&record, &path, &tree)?;
			}
			Some(content_id) if self.store.contains(&content_id) => {
				self.record_item(&record, content_id)?
			}
			// Neither the bytes nor the item are left: nothing to resume.
			Some(_) => self.index.remove_upload(id)?,
			None => {
				let (_, kept) = open_partial(&path, record.offset)?;
				if kept < record.offset {
					tracing::warn!(
						upload = hex::encode(id),
						kept,
						recorded = record.offset,
						"partial upload lost bytes"
					);
					record.offset = kept;
					self.index.put_upload(id, &record)?;
				}
			}
		}
		Ok(())
	}

	fn partial_path(&self, id: &UploadId) -> PathBuf {
		self.dir.join(hex::encode(id))
	}

	fn slot(&self, id: &UploadId) -> Arc<Slot> {
		lock(&self.slots).entry(*id).or_default().clone()
	}

	/// Takes the session for one request, asking a request that holds it to let go.
	async fn acquire(&self, id: &UploadId) -> Result<Held, ApiError> {
		let slot = self.slot(id);
		if let Ok(hash) = slot.hash.clone().try_lock_owned() {
			return Ok(Held { slot, hash });
		}
		let waiting = slot.hash.clone().lock_owned();
		tokio::pin!(waiting);
		let deadline = tokio::time::Instant::now() + RELEASE_TIMEOUT;
		loop {
			slot.release.notify_waiters();
			tokio::select! {
				hash = &mut waiting => return Ok(Held { slot, hash }),
				_ = tokio::time::sleep(RELEASE_RETRY) => {},
			}
			if tokio::time::Instant::now() >= deadline {
				return Err(ApiError::Locked(
					"another request is still writing this upload; try again shortly".into(),
				));
			}
		}
	}

	/// The session `id`, if `caller` owns it.
	fn owned(&self, id: &UploadId, caller: &Account) -> Result<UploadRecord, ApiError> {
		let record = self.record(id)?;
		if record.owner != *caller {
			return Err(ApiError::Forbidden(format!(
				"upload {} belongs to another account, not {}",
				hex::encode(id),
				auth::ss58(caller)
			)));
		}
		Ok(record)
	}

	fn record(&self, id: &UploadId) -> Result<UploadRecord, ApiError> {
		self.index.upload(id)?.ok_or_else(|| {
			// The slot of a session that is gone goes too, so the map cannot grow without end.
			lock(&self.slots).remove(id);
			no_such_upload(&hex::encode(id))
		})
	}

	/// Bytes `owner` holds in unfinished sessions and in uploaded, unregistered items.
	fn unregistered_bytes(&self, owner: &Account) -> Result<u64, ApiError> {
		let in_progress = self
			.index
			.uploads()?
			.into_iter()
			.filter(|(_, record)| record.owner == *owner && record.content_id.is_none())
			.map(|(_, record)| record.length);
		let stored = self
			.index
			.items()?
			.into_iter()
			.filter(|(_, item)| item.state == ItemState::Uploaded { owner: *owner })
			.map(|(_, item)| item.size);
		Ok(in_progress.chain(stored).sum())
	}

	/// Opens a session for `length` bytes if `owner` has room for them.
	fn create(
		&self,
		owner: Account,
		length: u64,
		mime: String,
		quota: u64,
	) -> Result<UploadId, ApiError> {
		let _creation = lock(&self.creation);
		let used = self.unregistered_bytes(&owner)?;
		if used.saturating_add(length) > quota {
			return Err(ApiError::Forbidden(format!(
				"upload quota exceeded: {} holds {used} bytes in uploads not registered on chain, \
				 {length} more would pass the quota of {quota}; register or delete some first",
				auth::ss58(&owner)
			)));
		}
		let mut id = UploadId::default();
		getrandom::fill(&mut id).map_err(|error| ApiError::Internal(error.to_string()))?;
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
		Ok(id)
	}

	/// Appends a PATCH body at `offset`; returns the session as it now stands.
	async fn append(
		self: Arc<Self>,
		id: UploadId,
		offset: u64,
		declared_length: Option<u64>,
		checksum: Option<Checksum>,
		body: Body,
	) -> Result<UploadRecord, ApiError> {
		let mut held = self.acquire(&id).await?;
		let mut record = self.record(&id)?;
		if offset != record.offset {
			return Err(ApiError::Conflict(format!(
				"Upload-Offset is {offset} but the upload is at {}; ask with HEAD where to resume",
				record.offset
			)));
		}
		let remaining = record.length - record.offset;
		if declared_length.is_some_and(|length| length > remaining) {
			return Err(too_long(remaining));
		}
		if record.content_id.is_some() {
			return Ok(record);
		}

		// From here on the hash state is only put back once the new bytes are recorded: any
		// failure leaves it to be rebuilt from the partial file.
		let hash = held.hash.take();
		let path = self.partial_path(&id);
		let (file, tree) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
			let (file, kept) = open_partial(&path, offset)?;
			if kept != offset {
				return Err(ApiError::Internal(format!(
					"partial upload has {kept} bytes, {offset} were recorded"
				)));
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
		let (end, written) = receive(body, sink, remaining, &held.slot.release).await?;
		match (end, &checksum) {
			(BodyEnd::TooLong, _) => return Err(too_long(remaining)),
			(BodyEnd::Cut | BodyEnd::Released, Some(_)) => {
				return Err(ApiError::BadRequest(
					"the body ended before its last byte, so its Upload-Checksum cannot be \
					 checked; nothing of it was kept"
						.into(),
				))
			}
			(BodyEnd::Complete, Some(checksum)) if checksum.expected != written.digest() => {
				return Err(ApiError::ChecksumMismatch(format!(
					"the body's {} is {}, not the Upload-Checksum {}; nothing of it was kept",
					checksum.algorithm.name(),
					BASE64.encode(written.digest()),
					BASE64.encode(&checksum.expected)
				)))
			}
			_ => {}
		}

		record.offset += written.bytes;
		record.touched_at_ms = unix_time_ms();
		let uploads = self.clone();
		let (record, tree) = tokio::task::spawn_blocking(move || {
			let tree = uploads.save_progress(&id, &mut record, written.tree)?;
			Ok::<_, ApiError>((record, tree))
		})
		.await??;
		*held.hash = tree;
		self.metrics.upload_bytes_received.inc_by(written.bytes);
		if record.content_id.is_some() {
			self.metrics.uploads_completed.inc();
			lock(&self.slots).remove(&id);
		}
		if end == BodyEnd::Cut {
			return Err(ApiError::BadRequest(format!(
				"the body ended early; the {} bytes that arrived were kept and Upload-Offset is \
				 now {}",
				written.bytes, record.offset
			)));
		}
		Ok(record)
	}

	/// Records the progress of `record`'s session part way through a body, given the bytes
	/// written and made durable so far. The last byte is left to [`Self::save_progress`], which
	/// completes the upload.
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
	) -> Result<HashState, ApiError> {
		if record.offset < record.length {
			self.index.put_upload(id, record)?;
			self.index.flush()?;
			return Ok(Some(tree));
		}
		let tree = finish_tree(tree)?;
		// The id is recorded before the bytes move, so a crash in between is finished on restart.
		record.content_id = Some(tree.id::<NativeSha256>().map_err(|_| empty_upload())?);
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
	fn store_item(
		&self,
		record: &UploadRecord,
		path: &Path,
		tree: &ChunkedTree,
	) -> Result<ContentId, ApiError> {
		let _items = lock(&self.unregistered_items);
		let content_id = self.store.adopt(path, tree, record.content_id.as_ref())?;
		self.record_item(record, content_id)?;
		Ok(content_id)
	}

	/// Records a stored upload as this session's, unless the content was already known as
	/// something more than an unregistered upload (registered, replicated, recovered).
	fn record_item(&self, record: &UploadRecord, id: ContentId) -> Result<(), ApiError> {
		let known = self.index.item(&id)?;
		if known.is_some_and(|item| !matches!(item.state, ItemState::Uploaded { .. })) {
			return Ok(());
		}
		let item = ItemRecord {
			size: record.length,
			state: ItemState::Uploaded { owner: record.owner },
			stored_at_ms: unix_time_ms(),
			mime: record.mime.clone(),
		};
		self.index.put_item(&id, &item)?;
		self.index.flush()?;
		Ok(())
	}

	/// Ends a session and deletes its bytes, and its item while that is unregistered.
	fn terminate(&self, id: &UploadId, _held: Held) -> Result<(), ApiError> {
		let record = self.record(id)?;
		self.remove_session(id)?;
		if let Some(content_id) = record.content_id {
			self.delete_unregistered(&content_id, |owner, _| *owner == record.owner)?;
		}
		Ok(())
	}

	/// Forgets a session and removes its partial file (the record first: a file without a
	/// session is removed on the next start).
	fn remove_session(&self, id: &UploadId) -> Result<(), ApiError> {
		self.index.remove_upload(id)?;
		self.index.flush()?;
		match fs::remove_file(self.partial_path(id)) {
			Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error.into()),
			_ => {}
		}
		lock(&self.slots).remove(id);
		Ok(())
	}

	/// Deletes the item `id` if it is still an unregistered upload that `doomed` condemns;
	/// returns whether it did.
	fn delete_unregistered(
		&self,
		id: &ContentId,
		doomed: impl Fn(&Account, &ItemRecord) -> bool,
	) -> Result<bool, ApiError> {
		let _items = lock(&self.unregistered_items);
		let condemned = match self.index.item(id)? {
			Some(item) => match item.state {
				ItemState::Uploaded { owner } => doomed(&owner, &item),
				_ => false,
			},
			None => false,
		};
		if !condemned {
			return Ok(false);
		}
		// The record goes last: until then a crash leaves it for the next collection.
		match self.store.remove(id) {
			Err(StoreError::NotFound(_)) | Ok(()) => {}
			Err(error) => return Err(error.into()),
		}
		self.index.remove_item(id)?;
		self.index.flush()?;
		Ok(true)
	}

	/// Deletes sessions idle since before `cutoff_ms`, except those a request is using; returns
	/// how many.
	pub fn expire_sessions(&self, cutoff_ms: u64) -> Result<usize, ApiError> {
		let mut expired = 0;
		for (id, record) in self.index.uploads()? {
			if record.touched_at_ms >= cutoff_ms {
				continue;
			}
			let slot = self.slot(&id);
			if let Ok(_in_use) = slot.hash.clone().try_lock_owned() {
				self.remove_session(&id)?;
				expired += 1;
			}
		}
		Ok(expired)
	}

	/// Deletes items uploaded before `cutoff_ms` and still not registered on chain; returns how
	/// many.
	pub fn expire_items(&self, cutoff_ms: u64) -> Result<usize, ApiError> {
		let mut expired = 0;
		for (id, item) in self.index.items()? {
			if matches!(item.state, ItemState::Uploaded { .. })
				&& self.delete_unregistered(&id, |_, item| item.stored_at_ms < cutoff_ms)?
			{
				expired += 1;
			}
		}
		Ok(expired)
	}
}

/// How a PATCH body ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BodyEnd {
	/// Every byte arrived.
	Complete,
	/// The connection failed first.
	Cut,
	/// A newer request for the upload asked this one to let go.
	Released,
	/// More bytes came than the upload still needs.
	TooLong,
}

/// Records that the bytes written so far (the argument) are durable.
type Checkpoint = Box<dyn FnMut(u64) -> io::Result<()> + Send>;

/// Where a PATCH body goes.
struct Sink {
	/// The partial file, positioned at its end.
	file: File,
	/// The hash state of the bytes before.
	tree: TreeHasher,
	/// The checksum the body is checked against, if any.
	algorithm: Option<Algorithm>,
	/// Called every [`CHECKPOINT_INTERVAL`], if given.
	checkpoint: Option<Checkpoint>,
}

/// What the connection hands the disk writer.
enum Piece {
	Bytes(Bytes),
	Checkpoint,
}

/// Streams `body` (at most `limit` bytes) into `sink` and fsyncs what was written; returns how
/// the body ended and what was written. The network, the hashing and the disk work side by
/// side: frames go to a blocking hasher and a blocking writer as they arrive.
async fn receive(
	body: Body,
	sink: Sink,
	limit: u64,
	release: &Notify,
) -> io::Result<(BodyEnd, Written)> {
	let Sink { file, tree, algorithm, checkpoint } = sink;
	let checkpoints = checkpoint.is_some();
	let (to_disk, for_disk) = tokio::sync::mpsc::channel(FRAMES_IN_FLIGHT);
	let (to_hasher, for_hasher) = tokio::sync::mpsc::channel(FRAMES_IN_FLIGHT);
	let disk = tokio::task::spawn_blocking(move || write_pieces(for_disk, file, checkpoint));
	let hasher = tokio::task::spawn_blocking(move || hash_frames(for_hasher, tree, algorithm));
	let mut stream = body.into_data_stream();
	let mut ticks = tokio::time::interval(CHECKPOINT_INTERVAL);
	ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	ticks.reset();
	let mut taken = 0u64;
	let end = loop {
		let piece = tokio::select! {
			frame = stream.next() => match frame {
				None => break BodyEnd::Complete,
				Some(Err(_)) => break BodyEnd::Cut,
				Some(Ok(bytes)) => {
					taken += bytes.len() as u64;
					if taken > limit {
						break BodyEnd::TooLong;
					}
					Piece::Bytes(bytes)
				},
			},
			_ = ticks.tick(), if checkpoints => Piece::Checkpoint,
			_ = release.notified() => break BodyEnd::Released,
		};
		let hashing = match &piece {
			Piece::Bytes(bytes) => to_hasher.send(bytes.clone()).await.is_ok(),
			Piece::Checkpoint => true,
		};
		// A closed channel means the writer failed; its error is returned below.
		if !hashing || to_disk.send(piece).await.is_err() {
			break BodyEnd::Complete;
		}
	};
	drop((to_disk, to_hasher));
	let bytes = disk.await.map_err(io::Error::other)??;
	let (tree, digest) = hasher.await.map_err(io::Error::other)?;
	Ok((end, Written { tree, bytes, digest }))
}

/// What a PATCH body brought, durably written to the partial file.
struct Written {
	/// The hash state including the bytes written.
	tree: TreeHasher,
	bytes: u64,
	/// The body's checksum, when one was asked for.
	digest: Option<Box<[u8]>>,
}

impl Written {
	fn digest(&self) -> &[u8] {
		self.digest.as_deref().unwrap_or_default()
	}
}

/// Appends frames to `file` and makes them durable, calling `checkpoint` (if any) when asked;
/// returns how many bytes were written.
fn write_pieces(
	mut incoming: tokio::sync::mpsc::Receiver<Piece>,
	mut file: File,
	mut checkpoint: Option<Checkpoint>,
) -> io::Result<u64> {
	let (mut written, mut synced, mut recorded) = (0, 0, 0);
	while let Some(piece) = incoming.blocking_recv() {
		match (piece, &mut checkpoint) {
			(Piece::Bytes(frame), _) => {
				// Frames are mostly hundreds of KiB: written as they come, without a buffer.
				file.write_all(&frame)?;
				written += frame.len() as u64;
				// Syncing as the bytes come keeps the last fsync short.
				if written - synced >= SYNC_EVERY {
					file.sync_data()?;
					synced = written;
				}
			}
			(Piece::Checkpoint, Some(checkpoint)) if written > recorded => {
				file.sync_data()?;
				synced = written;
				checkpoint(written)?;
				recorded = written;
			}
			(Piece::Checkpoint, _) => {}
		}
	}
	file.sync_data()?;
	Ok(written)
}

/// Hashes frames into `tree`, and with `algorithm` when given; returns the tree and the digest.
fn hash_frames(
	mut incoming: tokio::sync::mpsc::Receiver<Bytes>,
	mut tree: TreeHasher,
	algorithm: Option<Algorithm>,
) -> (TreeHasher, Option<Box<[u8]>>) {
	let mut checksum = algorithm.map(Algorithm::hasher);
	while let Some(frame) = incoming.blocking_recv() {
		if let Some(checksum) = &mut checksum {
			checksum.update(&frame);
		}
		tree.update(frame);
	}
	(tree, checksum.map(|checksum| checksum.finalize()))
}

/// Opens a partial file for appending at `offset`, cutting off bytes past it (they were never
/// recorded). Returns the file and how many bytes it keeps: `offset`, unless some were lost.
fn open_partial(path: &Path, offset: u64) -> io::Result<(File, u64)> {
	let mut file =
		OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
	let length = file.metadata()?.len();
	if length > offset {
		file.set_len(offset)?;
		file.sync_data()?;
	}
	let kept = length.min(offset);
	file.seek(SeekFrom::Start(kept))?;
	Ok((file, kept))
}

fn finish_tree(tree: TreeHasher) -> Result<ChunkedTree, ApiError> {
	tree.finish().map_err(|_| empty_upload())
}

fn empty_upload() -> ApiError {
	// Uploads are created with at least one byte.
	ApiError::Internal("an upload finished without bytes".into())
}

fn too_long(remaining: u64) -> ApiError {
	ApiError::TooLarge(format!(
		"the body is longer than the {remaining} bytes the upload still needs; nothing of it was \
		 kept"
	))
}

fn no_such_upload(id: &str) -> ApiError {
	ApiError::NotFound(format!("no upload {id} here (it may have expired or been deleted)"))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	// What these mutexes guard stays consistent even if a holder panicked.
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A checksum algorithm of the tus checksum extension.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Algorithm {
	Sha256,
	Sha1,
}

impl Algorithm {
	const ALL: [Self; 2] = [Self::Sha256, Self::Sha1];

	fn name(self) -> &'static str {
		match self {
			Self::Sha256 => "sha256",
			Self::Sha1 => "sha1",
		}
	}

	fn hasher(self) -> Box<dyn DynDigest + Send> {
		match self {
			Self::Sha256 => Box::new(sha2::Sha256::default()),
			Self::Sha1 => Box::new(sha1::Sha1::default()),
		}
	}
}

/// An `Upload-Checksum`.
struct Checksum {
	algorithm: Algorithm,
	expected: Vec<u8>,
}

fn parse_checksum(headers: &HeaderMap) -> Result<Option<Checksum>, ApiError> {
	let Some(value) = headers.get(UPLOAD_CHECKSUM) else { return Ok(None) };
	let bad = || {
		ApiError::BadRequest(format!(
			"Upload-Checksum must be `<algorithm> <base64 digest>` with algorithm {}",
			Algorithm::ALL.map(Algorithm::name).join(" or ")
		))
	};
	let (name, digest) =
		value.to_str().ok().and_then(|value| value.split_once(' ')).ok_or_else(bad)?;
	let algorithm = Algorithm::ALL.into_iter().find(|a| a.name() == name).ok_or_else(bad)?;
	let expected = BASE64.decode(digest.trim()).map_err(|_| bad())?;
	Ok(Some(Checksum { algorithm, expected }))
}

/// The `Upload-Metadata` pairs: `key base64-value`, comma-separated, the value optional.
fn parse_metadata(value: &HeaderValue) -> Result<HashMap<String, Vec<u8>>, ApiError> {
	let bad = |why: &str| ApiError::BadRequest(format!("Upload-Metadata {why}"));
	let text = value.to_str().map_err(|_| bad("must be ASCII"))?;
	let mut pairs = HashMap::new();
	for pair in text.split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
		let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
		let value = BASE64
			.decode(value.trim())
			.map_err(|_| bad(&format!("value of `{key}` is not base64")))?;
		if pairs.insert(key.to_owned(), value).is_some() {
			return Err(bad(&format!("has `{key}` twice")));
		}
	}
	Ok(pairs)
}

/// The item's `Content-Type`: the metadata's `filetype`, if it is a media type.
fn item_mime(metadata: &HashMap<String, Vec<u8>>) -> Result<String, ApiError> {
	const LONGEST: usize = 255;
	let Some(filetype) = metadata.get("filetype") else { return Ok(DEFAULT_MIME.into()) };
	std::str::from_utf8(filetype)
		.ok()
		.filter(|text| text.len() <= LONGEST && text.parse::<mime::Mime>().is_ok())
		.map(str::to_owned)
		.ok_or_else(|| {
			ApiError::BadRequest(format!(
				"Upload-Metadata filetype must be a media type such as video/mp4, at most \
				 {LONGEST} bytes"
			))
		})
}

fn check_tus_resumable(headers: &HeaderMap) -> Result<(), ApiError> {
	match headers.get(TUS_RESUMABLE) {
		Some(version) if version == TUS_VERSION => Ok(()),
		Some(version) => Err(ApiError::UnsupportedTusVersion(format!(
			"Tus-Resumable {version:?} is not supported: this server speaks tus {TUS_VERSION}"
		))),
		None => Err(ApiError::UnsupportedTusVersion(format!(
			"Tus-Resumable: {TUS_VERSION} is required on tus requests"
		))),
	}
}

/// A header holding a byte count, if present.
fn number_header(headers: &HeaderMap, name: &HeaderName) -> Result<Option<u64>, ApiError> {
	let Some(value) = headers.get(name) else { return Ok(None) };
	value
		.to_str()
		.ok()
		.filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
		.and_then(|text| text.parse().ok())
		.map(Some)
		.ok_or_else(|| ApiError::BadRequest(format!("{name} must be a whole number of bytes")))
}

fn parse_upload_id(text: &str) -> Result<UploadId, ApiError> {
	hex::decode(text)
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or_else(|| no_such_upload(text))
}

/// `status` with the session's offset, and its content id once complete.
fn progress_response(status: StatusCode, record: &UploadRecord) -> Response {
	let mut response = status.into_response();
	let headers = response.headers_mut();
	headers.insert(UPLOAD_OFFSET, record.offset.into());
	if let Some(id) = &record.content_id {
		let value =
			HeaderValue::from_str(&format!("0x{}", id_hex(id))).expect("hex is a valid header");
		headers.insert(POP_CONTENT_ID, value);
	}
	response
}

async fn options(State(state): State<AppState>) -> Response {
	let algorithms = Algorithm::ALL.map(Algorithm::name).join(",");
	(
		StatusCode::NO_CONTENT,
		[
			(TUS_VERSION_HEADER, HeaderValue::from_static(TUS_VERSION)),
			(TUS_EXTENSION, HeaderValue::from_static("creation,termination,checksum")),
			(TUS_MAX_SIZE, state.config.max_upload_size.into()),
			(TUS_CHECKSUM_ALGORITHM, HeaderValue::from_str(&algorithms).expect("names are ASCII")),
		],
	)
		.into_response()
}

async fn create(
	State(state): State<AppState>,
	headers: HeaderMap,
	uri: Uri,
) -> Result<Response, ApiError> {
	check_tus_resumable(&headers)?;
	let owner = auth::require_caller(&headers, &uri, &state.config.public_url)?;
	if headers.contains_key(UPLOAD_DEFER_LENGTH) {
		return Err(ApiError::BadRequest(
			"Upload-Defer-Length is not supported: give the size in Upload-Length".into(),
		));
	}
	let length = number_header(&headers, &UPLOAD_LENGTH)?
		.ok_or_else(|| ApiError::BadRequest("Upload-Length is required".into()))?;
	if length == 0 {
		return Err(ApiError::BadRequest("an upload needs at least one byte".into()));
	}
	let max = state.config.max_upload_size;
	if length > max {
		return Err(ApiError::TooLarge(format!(
			"Upload-Length {length} is over the largest upload accepted here, {max} bytes"
		)));
	}
	let metadata =
		headers.get(UPLOAD_METADATA).map(parse_metadata).transpose()?.unwrap_or_default();
	let mime = item_mime(&metadata)?;
	let filename = metadata.get("filename").map(|name| String::from_utf8_lossy(name).into_owned());
	let quota = state.config.quota_per_account;
	let uploads = state.uploads.clone();
	let id =
		tokio::task::spawn_blocking(move || uploads.create(owner, length, mime, quota)).await??;
	state.metrics.uploads_created.inc();
	tracing::info!(
		upload = hex::encode(id),
		owner = auth::ss58(&owner),
		length,
		?filename,
		"upload created"
	);
	Ok((StatusCode::CREATED, [(header::LOCATION, format!("/uploads/{}", hex::encode(id)))])
		.into_response())
}

async fn progress(
	State(state): State<AppState>,
	UrlPath(id): UrlPath<String>,
	headers: HeaderMap,
	uri: Uri,
) -> Result<Response, ApiError> {
	check_tus_resumable(&headers)?;
	let caller = auth::require_caller(&headers, &uri, &state.config.public_url)?;
	let id = parse_upload_id(&id)?;
	state.uploads.owned(&id, &caller)?;
	// A PATCH in flight lets go first, so the offset is settled.
	let _held = state.uploads.acquire(&id).await?;
	let record = state.uploads.record(&id)?;
	let mut response = progress_response(StatusCode::OK, &record);
	response.headers_mut().insert(UPLOAD_LENGTH, record.length.into());
	response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
	Ok(response)
}

async fn append(
	State(state): State<AppState>,
	UrlPath(id): UrlPath<String>,
	headers: HeaderMap,
	uri: Uri,
	body: Body,
) -> Result<Response, ApiError> {
	check_tus_resumable(&headers)?;
	let caller = auth::require_caller(&headers, &uri, &state.config.public_url)?;
	let id = parse_upload_id(&id)?;
	let content_type =
		headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
	if content_type.split(';').next().unwrap_or("").trim() != OFFSET_OCTET_STREAM {
		return Err(ApiError::UnsupportedMediaType(format!(
			"a PATCH body must be sent as Content-Type: {OFFSET_OCTET_STREAM}"
		)));
	}
	let offset = number_header(&headers, &UPLOAD_OFFSET)?
		.ok_or_else(|| ApiError::BadRequest("Upload-Offset is required".into()))?;
	let checksum = parse_checksum(&headers)?;
	let declared_length = number_header(&headers, &header::CONTENT_LENGTH)?;
	state.uploads.owned(&id, &caller)?;
	// In a task of its own, so a client hanging up cannot cancel the work half way: what
	// arrived is still made durable and recorded.
	let uploads = state.uploads.clone();
	let record =
		tokio::spawn(uploads.append(id, offset, declared_length, checksum, body)).await??;
	Ok(progress_response(StatusCode::NO_CONTENT, &record))
}

async fn terminate(
	State(state): State<AppState>,
	UrlPath(id): UrlPath<String>,
	headers: HeaderMap,
	uri: Uri,
) -> Result<StatusCode, ApiError> {
	check_tus_resumable(&headers)?;
	let caller = auth::require_caller(&headers, &uri, &state.config.public_url)?;
	let id = parse_upload_id(&id)?;
	state.uploads.owned(&id, &caller)?;
	let held = state.uploads.acquire(&id).await?;
	let uploads = state.uploads.clone();
	tokio::task::spawn_blocking(move || uploads.terminate(&id, held)).await??;
	Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::{body_of, content, dev_account, header, id_of, Sidecar};
	use axum::http::{request::Builder, Request};
	use std::convert::Infallible;
	use tower::ServiceExt as _;

	const ALICE: &str = "Alice";
	const BOB: &str = "Bob";

	fn tus(method: &str, uri: &str) -> Builder {
		Request::builder().method(method).uri(uri).header("tus-resumable", TUS_VERSION)
	}

	async fn create_upload(sidecar: &Sidecar, who: &str, length: u64, metadata: &str) -> Response {
		let request = tus("POST", "/uploads")
			.header("authorization", sidecar.authorization(who))
			.header("upload-length", length)
			.header("upload-metadata", metadata)
			.body(Body::empty())
			.unwrap();
		sidecar.send(request).await
	}

	/// Creates an upload and returns its location.
	async fn start(sidecar: &Sidecar, who: &str, length: u64) -> String {
		let response = create_upload(sidecar, who, length, "filetype dmlkZW8vbXA0").await;
		assert_eq!(response.status(), StatusCode::CREATED);
		header(&response, "location").unwrap().to_owned()
	}

	fn patch_request(sidecar: &Sidecar, who: &str, location: &str, offset: u64) -> Builder {
		tus("PATCH", location)
			.header("authorization", sidecar.authorization(who))
			.header("content-type", OFFSET_OCTET_STREAM)
			.header("upload-offset", offset)
	}

	async fn patch(
		sidecar: &Sidecar,
		who: &str,
		location: &str,
		offset: u64,
		bytes: &[u8],
	) -> Response {
		let request = patch_request(sidecar, who, location, offset)
			.header("content-length", bytes.len())
			.body(Body::from(bytes.to_vec()))
			.unwrap();
		sidecar.send(request).await
	}

	async fn head(sidecar: &Sidecar, who: &str, location: &str) -> Response {
		let request = tus("HEAD", location)
			.header("authorization", sidecar.authorization(who))
			.body(Body::empty())
			.unwrap();
		sidecar.send(request).await
	}

	async fn offset_of(sidecar: &Sidecar, location: &str) -> u64 {
		let response = head(sidecar, ALICE, location).await;
		assert_eq!(response.status(), StatusCode::OK);
		header(&response, "upload-offset").unwrap().parse().unwrap()
	}

	fn content_id_header(response: &Response) -> Option<String> {
		header(response, "pop-content-id").map(str::to_owned)
	}

	fn hex_id(bytes: &[u8]) -> String {
		format!("0x{}", id_hex(&id_of(bytes)))
	}

	async fn error_of(response: Response) -> String {
		let body = body_of(response).await;
		serde_json::from_slice::<serde_json::Value>(&body).unwrap()["error"]
			.as_str()
			.unwrap()
			.to_owned()
	}

	#[tokio::test]
	async fn options_advertise_the_protocol() {
		let sidecar = Sidecar::with(|config| config.max_upload_size = 12345);
		let response = sidecar
			.send(Request::builder().method("OPTIONS").uri("/uploads").body(Body::empty()).unwrap())
			.await;
		assert_eq!(response.status(), StatusCode::NO_CONTENT);
		assert_eq!(header(&response, "tus-resumable"), Some("1.0.0"));
		assert_eq!(header(&response, "tus-version"), Some("1.0.0"));
		assert_eq!(header(&response, "tus-extension"), Some("creation,termination,checksum"));
		assert_eq!(header(&response, "tus-max-size"), Some("12345"));
		assert_eq!(header(&response, "tus-checksum-algorithm"), Some("sha256,sha1"));
	}

	#[tokio::test]
	async fn an_upload_in_two_pieces_is_stored_under_its_content_id() {
		let sidecar = Sidecar::new();
		let bytes = content(3 * 1024 * 1024 + 77, 1);
		let location = start(&sidecar, ALICE, bytes.len() as u64).await;
		assert!(location.starts_with("/uploads/") && location.len() == "/uploads/".len() + 32);

		let response = head(&sidecar, ALICE, &location).await;
		assert_eq!(response.status(), StatusCode::OK);
		assert_eq!(header(&response, "upload-offset"), Some("0"));
		assert_eq!(header(&response, "upload-length"), Some(&*bytes.len().to_string()));
		assert_eq!(header(&response, "cache-control"), Some("no-store"));
		assert_eq!(header(&response, "tus-resumable"), Some("1.0.0"));

		let half = bytes.len() / 2;
		let response = patch(&sidecar, ALICE, &location, 0, &bytes[..half]).await;
		assert_eq!(response.status(), StatusCode::NO_CONTENT);
		assert_eq!(header(&response, "upload-offset"), Some(&*half.to_string()));
		assert_eq!(content_id_header(&response), None);
		assert_eq!(offset_of(&sidecar, &location).await, half as u64);

		let response = patch(&sidecar, ALICE, &location, half as u64, &bytes[half..]).await;
		assert_eq!(response.status(), StatusCode::NO_CONTENT);
		assert_eq!(header(&response, "upload-offset"), Some(&*bytes.len().to_string()));
		assert_eq!(content_id_header(&response), Some(hex_id(&bytes)));
		let response = head(&sidecar, ALICE, &location).await;
		assert_eq!(content_id_header(&response), Some(hex_id(&bytes)));

		let id = id_of(&bytes);
		sidecar.state.store.verify(&id).unwrap();
		let item = sidecar.state.index.item(&id).unwrap().unwrap();
		assert_eq!(item.state, ItemState::Uploaded { owner: dev_account(ALICE) });
		assert_eq!((item.size, item.mime.as_str()), (bytes.len() as u64, "video/mp4"));
		assert!(fs::read_dir(sidecar.dir.path().join("uploads")).unwrap().next().is_none());
		let metrics = sidecar.state.metrics.encode();
		assert!(metrics.contains("pop_sidecar_uploads_completed_total 1\n"), "{metrics}");
		assert!(
			metrics.contains(&format!("pop_sidecar_upload_bytes_received_total {}\n", bytes.len()))
		);
	}

	#[tokio::test]
	async fn an_item_without_a_filetype_is_an_octet_stream() {
		let sidecar = Sidecar::new();
		let response = create_upload(&sidecar, ALICE, 5, "filename bW92aWUubXA0,private").await;
		let location = header(&response, "location").unwrap().to_owned();
		assert_eq!(
			patch(&sidecar, ALICE, &location, 0, b"hello").await.status(),
			StatusCode::NO_CONTENT
		);
		let item = sidecar.state.index.item(&id_of(b"hello")).unwrap().unwrap();
		assert_eq!(item.mime, DEFAULT_MIME);
	}

	#[tokio::test]
	async fn unsigned_and_badly_signed_requests_are_refused_and_change_nothing() {
		let sidecar = Sidecar::new();
		let audience = sidecar.state.config.public_url.clone();
		let now = crate::unix_time_secs();
		let alice = crate::testing::dev_pair(ALICE);
		let bob_address = auth::ss58(&dev_account(BOB));
		let alice_token = auth::sign_token(&alice, &audience, now + 60);
		let (_, signed_part) = alice_token.split_once('.').unwrap();
		let cases = [
			(None, "needs a signed request"),
			(Some(format!("PopSr25519 {bob_address}.{signed_part}")), "signature"),
			(
				Some(format!("PopSr25519 {}", auth::sign_token(&alice, &audience, now - 1))),
				"expired",
			),
			(
				Some(format!(
					"PopSr25519 {}",
					auth::sign_token(&alice, &audience, now + 2 * 86_400)
				)),
				"more than",
			),
			(
				Some(format!(
					"PopSr25519 {}",
					auth::sign_token(&alice, "http://elsewhere:8090", now + 60)
				)),
				"another sidecar",
			),
			(Some("PopSr25519 garbage".into()), "malformed"),
			(Some(format!("Bearer {alice_token}")), "PopSr25519 scheme"),
		];
		for (authorization, reason) in cases {
			let mut request = tus("POST", "/uploads").header("upload-length", 10);
			if let Some(authorization) = &authorization {
				request = request.header("authorization", authorization);
			}
			let response = sidecar.send(request.body(Body::empty()).unwrap()).await;
			assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
			assert_eq!(header(&response, "www-authenticate"), Some("PopSr25519"));
			let error = error_of(response).await;
			assert!(error.contains(reason), "{authorization:?}: {error}");
		}
		assert!(sidecar.state.index.uploads().unwrap().is_empty());

		// The token may also come as a query parameter.
		let request = tus("POST", &format!("/uploads?auth={alice_token}"))
			.header("upload-length", 10)
			.body(Body::empty())
			.unwrap();
		assert_eq!(sidecar.send(request).await.status(), StatusCode::CREATED);
	}

	#[tokio::test]
	async fn a_wrong_or_missing_tus_version_is_a_failed_precondition() {
		let sidecar = Sidecar::new();
		for version in [Some("0.2.2"), None] {
			let mut request = Request::builder()
				.method("POST")
				.uri("/uploads")
				.header("authorization", sidecar.authorization(ALICE))
				.header("upload-length", 10);
			if let Some(version) = version {
				request = request.header("tus-resumable", version);
			}
			let response = sidecar.send(request.body(Body::empty()).unwrap()).await;
			assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
			assert_eq!(header(&response, "tus-version"), Some("1.0.0"));
			assert_eq!(header(&response, "tus-resumable"), Some("1.0.0"));
		}
		assert!(sidecar.state.index.uploads().unwrap().is_empty());
	}

	#[tokio::test]
	async fn bad_creations_are_refused_with_their_reason() {
		let sidecar = Sidecar::with(|config| config.max_upload_size = 1000);
		let send = |length: Option<&str>, extra: Option<(&str, &str)>| {
			let mut request =
				tus("POST", "/uploads").header("authorization", sidecar.authorization(ALICE));
			if let Some(length) = length {
				request = request.header("upload-length", length);
			}
			if let Some((name, value)) = extra {
				request = request.header(name, value);
			}
			sidecar.send(request.body(Body::empty()).unwrap())
		};
		let cases = [
			(send(None, None).await, StatusCode::BAD_REQUEST, "Upload-Length is required"),
			(
				send(None, Some(("upload-defer-length", "1"))).await,
				StatusCode::BAD_REQUEST,
				"Upload-Defer-Length",
			),
			(send(Some("0"), None).await, StatusCode::BAD_REQUEST, "at least one byte"),
			(send(Some("-5"), None).await, StatusCode::BAD_REQUEST, "whole number"),
			(send(Some("1001"), None).await, StatusCode::PAYLOAD_TOO_LARGE, "1000 bytes"),
			(
				send(Some("10"), Some(("upload-metadata", "filetype %%%"))).await,
				StatusCode::BAD_REQUEST,
				"base64",
			),
			(
				send(Some("10"), Some(("upload-metadata", "a YQ==,a YQ=="))).await,
				StatusCode::BAD_REQUEST,
				"twice",
			),
			// "not a type"
			(
				send(Some("10"), Some(("upload-metadata", "filetype bm90IGEgdHlwZQ=="))).await,
				StatusCode::BAD_REQUEST,
				"media type",
			),
		];
		for (response, status, reason) in cases {
			assert_eq!(response.status(), status);
			let error = error_of(response).await;
			assert!(error.contains(reason), "{error} should say {reason}");
		}
		assert!(sidecar.state.index.uploads().unwrap().is_empty());
		assert_eq!(send(Some("1000"), None).await.status(), StatusCode::CREATED);
	}

	#[tokio::test]
	async fn the_quota_counts_uploads_in_progress_and_unregistered_items() {
		let sidecar = Sidecar::with(|config| config.quota_per_account = 1000);
		let first = start(&sidecar, ALICE, 600).await;
		let response = create_upload(&sidecar, ALICE, 500, "").await;
		assert_eq!(response.status(), StatusCode::FORBIDDEN);
		assert!(error_of(response).await.contains("quota"));
		// Another account has its own quota.
		start(&sidecar, BOB, 1000).await;

		// Finished but unregistered still counts.
		let bytes = content(600, 3);
		assert_eq!(
			patch(&sidecar, ALICE, &first, 0, &bytes).await.status(),
			StatusCode::NO_CONTENT
		);
		assert_eq!(create_upload(&sidecar, ALICE, 500, "").await.status(), StatusCode::FORBIDDEN);
		start(&sidecar, ALICE, 400).await;

		// Once registered on chain, it no longer does.
		let id = id_of(&bytes);
		let mut item = sidecar.state.index.item(&id).unwrap().unwrap();
		item.state = ItemState::Registered { price: 0 };
		sidecar.state.index.put_item(&id, &item).unwrap();
		start(&sidecar, ALICE, 600).await;
	}

	#[tokio::test]
	async fn another_account_may_not_touch_an_upload() {
		let sidecar = Sidecar::new();
		let location = start(&sidecar, ALICE, 100).await;
		assert_eq!(
			patch(&sidecar, ALICE, &location, 0, &[1; 10]).await.status(),
			StatusCode::NO_CONTENT
		);

		assert_eq!(head(&sidecar, BOB, &location).await.status(), StatusCode::FORBIDDEN);
		let response = patch(&sidecar, BOB, &location, 10, &[2; 10]).await;
		assert_eq!(response.status(), StatusCode::FORBIDDEN);
		assert!(error_of(response).await.contains("another account"));
		let request = tus("DELETE", &location)
			.header("authorization", sidecar.authorization(BOB))
			.body(Body::empty())
			.unwrap();
		assert_eq!(sidecar.send(request).await.status(), StatusCode::FORBIDDEN);
		assert_eq!(offset_of(&sidecar, &location).await, 10);
	}

	#[tokio::test]
	async fn bad_patches_are_refused_and_change_nothing() {
		let sidecar = Sidecar::new();
		let location = start(&sidecar, ALICE, 100).await;
		assert_eq!(
			patch(&sidecar, ALICE, &location, 0, &[1; 40]).await.status(),
			StatusCode::NO_CONTENT
		);

		let response = patch(&sidecar, ALICE, &location, 30, &[2; 10]).await;
		assert_eq!(response.status(), StatusCode::CONFLICT);
		assert!(error_of(response).await.contains("the upload is at 40"));
		assert_eq!(
			patch(&sidecar, ALICE, &location, 41, &[2; 10]).await.status(),
			StatusCode::CONFLICT
		);

		// A declared length over what is left, and a streamed body that turns out longer.
		let response = patch(&sidecar, ALICE, &location, 40, &[2; 61]).await;
		assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
		let frames: Vec<Result<Bytes, Infallible>> =
			vec![Ok(Bytes::from(vec![2; 50])), Ok(Bytes::from(vec![2; 11]))];
		let request = patch_request(&sidecar, ALICE, &location, 40)
			.body(Body::from_stream(futures_util::stream::iter(frames)))
			.unwrap();
		let response = sidecar.send(request).await;
		assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
		assert!(error_of(response).await.contains("60 bytes"));

		let request = tus("PATCH", &location)
			.header("authorization", sidecar.authorization(ALICE))
			.header("content-type", "application/octet-stream")
			.header("upload-offset", 40)
			.body(Body::from(vec![2; 10]))
			.unwrap();
		assert_eq!(sidecar.send(request).await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
		let request = tus("PATCH", &location)
			.header("authorization", sidecar.authorization(ALICE))
			.header("content-type", OFFSET_OCTET_STREAM)
			.body(Body::from(vec![2; 10]))
			.unwrap();
		assert_eq!(sidecar.send(request).await.status(), StatusCode::BAD_REQUEST);
		let unknown = format!("/uploads/{}", "ab".repeat(16));
		assert_eq!(patch(&sidecar, ALICE, &unknown, 0, &[1]).await.status(), StatusCode::NOT_FOUND);
		assert_eq!(
			patch(&sidecar, ALICE, "/uploads/nope", 0, &[1]).await.status(),
			StatusCode::NOT_FOUND
		);

		assert_eq!(offset_of(&sidecar, &location).await, 40);
		// The refused bytes left no trace: the rest completes to the right content.
		let mut bytes = vec![1; 40];
		bytes.extend([3; 60]);
		let response = patch(&sidecar, ALICE, &location, 40, &bytes[40..]).await;
		assert_eq!(content_id_header(&response), Some(hex_id(&bytes)));
		// Nothing more fits into a finished upload.
		assert_eq!(
			patch(&sidecar, ALICE, &location, 100, &[1]).await.status(),
			StatusCode::PAYLOAD_TOO_LARGE
		);
		let response = patch(&sidecar, ALICE, &location, 100, &[]).await;
		assert_eq!(response.status(), StatusCode::NO_CONTENT);
		assert_eq!(content_id_header(&response), Some(hex_id(&bytes)));
	}

	#[tokio::test]
	async fn checksums_are_checked_and_a_mismatch_keeps_nothing() {
		let sidecar = Sidecar::new();
		let bytes = content(300_000, 5);
		let location = start(&sidecar, ALICE, bytes.len() as u64).await;
		let with_checksum = |offset: usize, piece: &[u8], checksum: String| {
			let request = patch_request(&sidecar, ALICE, &location, offset as u64)
				.header("upload-checksum", checksum)
				.body(Body::from(piece.to_vec()))
				.unwrap();
			sidecar.send(request)
		};
		let sha256 = |piece: &[u8]| {
			format!("sha256 {}", BASE64.encode(<sha2::Sha256 as sha2::Digest>::digest(piece)))
		};
		let sha1 = |piece: &[u8]| {
			format!("sha1 {}", BASE64.encode(<sha1::Sha1 as sha2::Digest>::digest(piece)))
		};

		let response = with_checksum(0, &bytes[..100_000], sha256(&bytes[..100_000])).await;
		assert_eq!(response.status(), StatusCode::NO_CONTENT);
		let response = with_checksum(100_000, &bytes[100_000..200_000], sha256(&bytes[..10])).await;
		assert_eq!(response.status().as_u16(), 460);
		assert!(error_of(response).await.contains("nothing of it was kept"));
		assert_eq!(offset_of(&sidecar, &location).await, 100_000);
		let response = with_checksum(100_000, &bytes[100_000..200_000], "md5 AAAA".into()).await;
		assert_eq!(response.status(), StatusCode::BAD_REQUEST);
		let response =
			with_checksum(100_000, &bytes[100_000..200_000], sha1(&bytes[100_000..200_000])).await;
		assert_eq!(response.status(), StatusCode::NO_CONTENT);
		let response = patch(&sidecar, ALICE, &location, 200_000, &bytes[200_000..]).await;
		assert_eq!(content_id_header(&response), Some(hex_id(&bytes)));
	}

	#[tokio::test]
	async fn termination_deletes_the_partial_and_an_unregistered_item() {
		let sidecar = Sidecar::new();
		let delete = |location: String| {
			let request = tus("DELETE", &location)
				.header("authorization", sidecar.authorization(ALICE))
				.body(Body::empty())
				.unwrap();
			sidecar.send(request)
		};
		let location = start(&sidecar, ALICE, 100).await;
		assert_eq!(
			patch(&sidecar, ALICE, &location, 0, &[1; 10]).await.status(),
			StatusCode::NO_CONTENT
		);
		let partial = sidecar.dir.path().join("uploads").join(&location["/uploads/".len()..]);
		assert!(partial.exists());
		let response = delete(location.clone()).await;
		assert_eq!(response.status(), StatusCode::NO_CONTENT);
		assert_eq!(header(&response, "tus-resumable"), Some("1.0.0"));
		assert!(!partial.exists());
		assert_eq!(head(&sidecar, ALICE, &location).await.status(), StatusCode::NOT_FOUND);
		assert_eq!(
			patch(&sidecar, ALICE, &location, 10, &[1]).await.status(),
			StatusCode::NOT_FOUND
		);
		assert_eq!(delete(location).await.status(), StatusCode::NOT_FOUND);

		let location = start(&sidecar, ALICE, 10).await;
		assert_eq!(
			patch(&sidecar, ALICE, &location, 0, &[7; 10]).await.status(),
			StatusCode::NO_CONTENT
		);
		let id = id_of(&[7; 10]);
		assert!(sidecar.state.store.contains(&id));
		assert_eq!(delete(location).await.status(), StatusCode::NO_CONTENT);
		assert!(!sidecar.state.store.contains(&id));
		assert_eq!(sidecar.state.index.item(&id).unwrap(), None);
	}

	#[tokio::test]
	async fn a_body_cut_short_keeps_what_arrived() {
		let sidecar = Sidecar::new();
		let bytes = content(200_000, 9);
		let location = start(&sidecar, ALICE, bytes.len() as u64).await;
		let frames: Vec<Result<Bytes, io::Error>> = vec![
			Ok(Bytes::copy_from_slice(&bytes[..70_000])),
			Err(io::Error::new(io::ErrorKind::ConnectionReset, "cut")),
		];
		let request = patch_request(&sidecar, ALICE, &location, 0)
			.header("content-length", bytes.len())
			.body(Body::from_stream(futures_util::stream::iter(frames)))
			.unwrap();
		let response = sidecar.send(request).await;
		assert_eq!(response.status(), StatusCode::BAD_REQUEST);
		assert!(error_of(response).await.contains("70000 bytes that arrived were kept"));
		assert_eq!(offset_of(&sidecar, &location).await, 70_000);
		let response = patch(&sidecar, ALICE, &location, 70_000, &bytes[70_000..]).await;
		assert_eq!(content_id_header(&response), Some(hex_id(&bytes)));
	}

	#[tokio::test]
	async fn a_newer_request_takes_over_from_a_stalled_patch() {
		let sidecar = Sidecar::new();
		let location = start(&sidecar, ALICE, 1000).await;
		let (frames, stalled_body) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(4);
		let request = patch_request(&sidecar, ALICE, &location, 0)
			.body(Body::from_stream(tokio_stream_of(stalled_body)))
			.unwrap();
		let stalled = tokio::spawn(crate::app(sidecar.state.clone()).oneshot(request));
		frames.send(Ok(Bytes::from(vec![4; 300]))).await.unwrap();
		while frames.capacity() < frames.max_capacity() {
			tokio::time::sleep(Duration::from_millis(5)).await;
		}
		// The client never sends the rest; its HEAD to resume finds the bytes that arrived.
		assert_eq!(offset_of(&sidecar, &location).await, 300);
		assert_eq!(stalled.await.unwrap().unwrap().status(), StatusCode::NO_CONTENT);
		let response = patch(&sidecar, ALICE, &location, 300, &[4; 700]).await;
		assert_eq!(content_id_header(&response), Some(hex_id(&[4; 1000])));
		drop(frames);
	}

	#[tokio::test]
	async fn a_long_patch_records_its_progress_as_it_goes() {
		let sidecar = Sidecar::new();
		let location = start(&sidecar, ALICE, 1000).await;
		let (frames, slow_body) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(4);
		let request = patch_request(&sidecar, ALICE, &location, 0)
			.header("content-length", 1000)
			.body(Body::from_stream(tokio_stream_of(slow_body)))
			.unwrap();
		let patching = tokio::spawn(crate::app(sidecar.state.clone()).oneshot(request));
		frames.send(Ok(Bytes::from(vec![6; 300]))).await.unwrap();
		tokio::time::sleep(CHECKPOINT_INTERVAL * 3 / 2).await;
		// Recorded while the body is still coming: a crash now would keep the 300 bytes.
		let id = parse_upload_id(&location["/uploads/".len()..]).unwrap();
		assert_eq!(sidecar.state.index.upload(&id).unwrap().unwrap().offset, 300);

		frames.send(Ok(Bytes::from(vec![6; 700]))).await.unwrap();
		drop(frames);
		let response = patching.await.unwrap().unwrap();
		assert_eq!(content_id_header(&response), Some(hex_id(&[6; 1000])));
	}

	#[tokio::test]
	async fn a_session_in_use_does_not_expire() {
		let sidecar = Sidecar::new();
		let location = start(&sidecar, ALICE, 100).await;
		let id = parse_upload_id(&location["/uploads/".len()..]).unwrap();
		let held = sidecar.state.uploads.acquire(&id).await.unwrap();
		assert_eq!(sidecar.state.uploads.expire_sessions(u64::MAX).unwrap(), 0);
		drop(held);
		assert_eq!(sidecar.state.uploads.expire_sessions(u64::MAX).unwrap(), 1);
		assert_eq!(head(&sidecar, ALICE, &location).await.status(), StatusCode::NOT_FOUND);
	}

	fn tokio_stream_of<T>(
		mut receiver: tokio::sync::mpsc::Receiver<T>,
	) -> impl futures_util::Stream<Item = T> {
		futures_util::stream::poll_fn(move |context| receiver.poll_recv(context))
	}

	#[tokio::test]
	async fn every_upload_resumes_after_a_restart() {
		let sidecar = Sidecar::new();
		let bytes = content(1_000_000, 2);
		let location = start(&sidecar, ALICE, bytes.len() as u64).await;
		assert_eq!(
			patch(&sidecar, ALICE, &location, 0, &bytes[..400_000]).await.status(),
			StatusCode::NO_CONTENT
		);
		let finished = start(&sidecar, ALICE, 10).await;
		assert_eq!(
			patch(&sidecar, ALICE, &finished, 0, &[5; 10]).await.status(),
			StatusCode::NO_CONTENT
		);
		// Bytes written after the last recorded offset, as by a crash mid-PATCH.
		let partial = sidecar.dir.path().join("uploads").join(&location["/uploads/".len()..]);
		let mut file = OpenOptions::new().append(true).open(&partial).unwrap();
		file.write_all(&[0xee; 5000]).unwrap();
		drop(file);

		let sidecar = sidecar.restart();
		assert_eq!(fs::metadata(&partial).unwrap().len(), 400_000);
		assert_eq!(offset_of(&sidecar, &location).await, 400_000);
		let response = head(&sidecar, ALICE, &finished).await;
		assert_eq!(content_id_header(&response), Some(hex_id(&[5; 10])));
		let response = patch(&sidecar, ALICE, &location, 400_000, &bytes[400_000..]).await;
		assert_eq!(content_id_header(&response), Some(hex_id(&bytes)));
		sidecar.state.store.verify(&id_of(&bytes)).unwrap();
	}

	#[tokio::test]
	async fn a_crash_while_storing_a_finished_upload_is_finished_on_restart() {
		let sidecar = Sidecar::new();
		let bytes = content(50_000, 4);
		let location = start(&sidecar, ALICE, bytes.len() as u64).await;
		assert_eq!(
			patch(&sidecar, ALICE, &location, 0, &bytes[..49_999]).await.status(),
			StatusCode::NO_CONTENT
		);
		// Recorded as complete, but the crash came before the bytes moved into the store.
		let upload: UploadId =
			hex::decode(&location["/uploads/".len()..]).unwrap().try_into().unwrap();
		let partial = sidecar.dir.path().join("uploads").join(hex::encode(upload));
		OpenOptions::new()
			.append(true)
			.open(&partial)
			.unwrap()
			.write_all(&bytes[49_999..])
			.unwrap();
		let mut record = sidecar.state.index.upload(&upload).unwrap().unwrap();
		record.offset = record.length;
		record.content_id = Some(id_of(&bytes));
		sidecar.state.index.put_upload(&upload, &record).unwrap();

		let sidecar = sidecar.restart();
		let id = id_of(&bytes);
		sidecar.state.store.verify(&id).unwrap();
		let item = sidecar.state.index.item(&id).unwrap().unwrap();
		assert_eq!(item.state, ItemState::Uploaded { owner: dev_account(ALICE) });
		assert_eq!(
			content_id_header(&head(&sidecar, ALICE, &location).await),
			Some(hex_id(&bytes))
		);
		assert!(!partial.exists());
	}
}
