//! The metadata index: what the sidecar knows about its items beyond their bytes, and the
//! upload sessions in progress.
//!
//! The index lives in sled behind the small [`MetadataIndex`] trait. Its item records are never
//! the only copy of anything that matters: [`reindex`] rebuilds them from the blob store's
//! files, so a lost or damaged index loses no content. Upload sessions are kept in a tree of
//! their own beside their partial files (see [`crate::uploads`]).

use crate::blob_store::{BlobStore, StoreError};
use codec::{Decode, Encode};
use pop_primitives::commitment::ContentId;
use std::path::Path;

/// What can go wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
	/// The database failed.
	#[error("metadata index failed: {0}")]
	Db(#[from] sled::Error),
	/// Another process holds the database.
	#[error("the metadata index {0} is in use by another process (another pop-sidecar on this data dir?)")]
	InUse(String),
	/// A record could not be decoded.
	#[error("metadata index holds an undecodable record for {0}")]
	Corrupt(String),
	/// The blob store failed while reindexing.
	#[error(transparent)]
	Store(#[from] StoreError),
}

/// Where an item stands, as far as this sidecar knows.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, Debug)]
pub enum ItemState {
	/// Uploaded here by `owner` and not yet seen registered on chain.
	Uploaded {
		/// The uploading account.
		owner: [u8; 32],
	},
	/// Registered on chain, with its price per view (0 for free content).
	Registered {
		/// Price in planck; above zero, viewers need an access grant.
		price: u128,
	},
	/// Found on disk by [`reindex`] with no record; the chain client settles its state.
	Recovered,
	/// No longer assigned here by the chain: not served, and deleted once `--withdrawn-grace`
	/// has passed since `at_ms` (Unix milliseconds).
	Withdrawn {
		/// When the chain client saw it go.
		at_ms: u64,
		/// Whether its owner removed it from the chain (else its replica moved elsewhere).
		removed: bool,
	},
}

/// Content type of items whose type nobody told us.
pub const DEFAULT_MIME: &str = "application/octet-stream";

/// The index's record of one stored item.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct ItemRecord {
	/// Size in bytes.
	pub size: u64,
	/// Where it stands.
	pub state: ItemState,
	/// When it was stored (Unix milliseconds).
	pub stored_at_ms: u64,
	/// Its `Content-Type`.
	pub mime: String,
}

/// Key of an upload session: 16 random bytes.
pub type UploadId = [u8; 16];

/// An upload session: a tus upload in progress or finished.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct UploadRecord {
	/// The uploading account; only it may see, continue or end the upload.
	pub owner: [u8; 32],
	/// Size of the whole upload.
	pub length: u64,
	/// Bytes received and fsynced so far.
	pub offset: u64,
	/// `Content-Type` the item gets.
	pub mime: String,
	/// Last time bytes arrived, or creation (Unix milliseconds); sessions idle longer than the
	/// unregistered-upload TTL are collected.
	pub touched_at_ms: u64,
	/// Set once every byte has arrived: the id the bytes hash to.
	pub content_id: Option<ContentId>,
}

/// The transcoding of an uploaded video into renditions and a poster, keyed by the source's
/// id (see [`crate::videos`]).
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct TranscodeRecord {
	/// The uploader, who owns what is made.
	pub owner: [u8; 32],
	/// When it was queued (Unix milliseconds): the oldest goes first.
	pub queued_at_ms: u64,
	/// Where it stands.
	pub state: TranscodeState,
}

/// Where a transcoding stands. A transcoding under way is recorded as queued: after a crash it
/// starts again.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub enum TranscodeState {
	/// Waiting for, or under way in, a transcoder.
	Queued,
	/// It failed, for the reason given; the source stays as it was uploaded.
	Failed {
		/// Why, for the uploader.
		reason: String,
	},
	/// Done: the renditions and poster are stored as uploads of the owner.
	Done(Ladder),
}

/// What transcoding made of a video.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct Ladder {
	/// Playing time of the source, in milliseconds.
	pub duration_ms: u64,
	/// The source's frame size.
	pub width: u32,
	/// The source's frame height.
	pub height: u32,
	/// The renditions, highest first.
	pub renditions: Vec<DerivedRendition>,
	/// The poster image.
	pub poster: Option<DerivedItem>,
}

/// A stored item made from a video.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct DerivedItem {
	/// Its id.
	pub content: ContentId,
	/// Its size in bytes.
	pub size: u64,
	/// Its type.
	pub mime: String,
}

/// A rendition made from a video.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct DerivedRendition {
	/// The stored file.
	pub item: DerivedItem,
	/// Frame width.
	pub width: u32,
	/// Frame height.
	pub height: u32,
	/// Peak bits per second.
	pub bandwidth: u32,
	/// RFC 6381 codecs.
	pub codecs: String,
}

/// Records the stored item `id`, `size` bytes of type `mime`, as uploaded by `owner`, unless
/// it is known as something more than an unregistered upload (registered, replicated,
/// recovered), which it stays.
pub fn record_uploaded(
	index: &dyn MetadataIndex,
	id: &ContentId,
	owner: [u8; 32],
	size: u64,
	mime: &str,
	now_ms: u64,
) -> Result<(), IndexError> {
	let known = index.item(id)?;
	if known.is_some_and(|item| !matches!(item.state, ItemState::Uploaded { .. })) {
		return Ok(());
	}
	let item = ItemRecord {
		size,
		state: ItemState::Uploaded { owner },
		stored_at_ms: now_ms,
		mime: mime.to_owned(),
	};
	index.put_item(id, &item)?;
	index.flush()
}

/// The records of stored items.
pub trait MetadataIndex: Send + Sync {
	/// The record of `id`, if any.
	fn item(&self, id: &ContentId) -> Result<Option<ItemRecord>, IndexError>;
	/// Writes the record of `id`.
	fn put_item(&self, id: &ContentId, record: &ItemRecord) -> Result<(), IndexError>;
	/// Forgets `id`.
	fn remove_item(&self, id: &ContentId) -> Result<(), IndexError>;
	/// Every record, ordered by id.
	fn items(&self) -> Result<Vec<(ContentId, ItemRecord)>, IndexError>;
	/// Every id with a record, readable or not, ordered.
	fn ids(&self) -> Result<Vec<ContentId>, IndexError>;
	/// The upload session `id`, if any.
	fn upload(&self, id: &UploadId) -> Result<Option<UploadRecord>, IndexError>;
	/// Writes the upload session `id`.
	fn put_upload(&self, id: &UploadId, record: &UploadRecord) -> Result<(), IndexError>;
	/// Forgets the upload session `id`.
	fn remove_upload(&self, id: &UploadId) -> Result<(), IndexError>;
	/// Every upload session.
	fn uploads(&self) -> Result<Vec<(UploadId, UploadRecord)>, IndexError>;
	/// The transcoding of the video `id`, if any.
	fn transcode(&self, id: &ContentId) -> Result<Option<TranscodeRecord>, IndexError>;
	/// Writes the transcoding of the video `id`.
	fn put_transcode(&self, id: &ContentId, record: &TranscodeRecord) -> Result<(), IndexError>;
	/// Forgets the transcoding of the video `id`.
	fn remove_transcode(&self, id: &ContentId) -> Result<(), IndexError>;
	/// Every transcoding.
	fn transcodes(&self) -> Result<Vec<(ContentId, TranscodeRecord)>, IndexError>;
	/// The last finalized block whose assignments were reconciled here, and its chain.
	fn reconciled(&self) -> Result<Option<ReconciledAt>, IndexError>;
	/// Records the last finalized block whose assignments were reconciled here.
	fn put_reconciled(&self, at: &ReconciledAt) -> Result<(), IndexError>;
	/// Forgets it, so that the chain client reconciles at whatever its node finalizes.
	fn forget_reconciled(&self) -> Result<(), IndexError>;
	/// Makes every write so far durable.
	fn flush(&self) -> Result<(), IndexError>;
}

/// A finalized block whose assignments were reconciled: the chain client never reconciles at
/// an older one of the same chain, since content registered after it would look removed, nor
/// at a block of another chain (its node pointed at the wrong network would withdraw
/// everything), until `pop-sidecar reindex` forgets it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ReconciledAt {
	/// The chain's genesis hash.
	pub genesis: [u8; 32],
	/// The block's number.
	pub block: u64,
}

/// The key of [`ReconciledAt`] in the index's default tree.
const RECONCILED_KEY: &[u8; 10] = b"reconciled";

/// [`MetadataIndex`] in a sled database.
pub struct SledIndex {
	items: sled::Tree,
	uploads: sled::Tree,
	transcodes: sled::Tree,
	db: sled::Db,
}

impl SledIndex {
	/// Opens (creating if needed) the index in `dir`, waiting up to [`LOCK_WAIT`] for another
	/// holder to let it go.
	pub fn open(dir: &Path) -> Result<Self, IndexError> {
		let started = std::time::Instant::now();
		let db = loop {
			match sled::open(dir) {
				Err(error) if is_locked(&error) => {
					if started.elapsed() >= LOCK_WAIT {
						return Err(IndexError::InUse(dir.display().to_string()));
					}
					std::thread::sleep(LOCK_WAIT / 50);
				}
				opened => break opened?,
			}
		};
		Ok(Self {
			items: db.open_tree("items")?,
			uploads: db.open_tree("uploads")?,
			transcodes: db.open_tree("transcodes")?,
			db,
		})
	}
}

/// How long opening the index waits for its lock. A database dropped in this process lets its
/// lock go only once sled's own threads have closed their files (spacejam/sled#1234), a moment
/// later; an index restarted in place would otherwise fail now and then.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether `error` is sled's failure to take its database's lock. sled 0.34 tells it only in
/// the message of an `Other` error.
fn is_locked(error: &sled::Error) -> bool {
	matches!(error, sled::Error::Io(io) if io.to_string().starts_with("could not acquire lock"))
}

/// Decodes one entry of a tree keyed by fixed-size ids.
fn decode_entry<const N: usize, V: Decode>(
	key: &[u8],
	value: &[u8],
) -> Result<([u8; N], V), IndexError> {
	let corrupt = || IndexError::Corrupt(hex::encode(key));
	let key = key.try_into().map_err(|_| corrupt())?;
	let value = V::decode(&mut &value[..]).map_err(|_| corrupt())?;
	Ok((key, value))
}

fn read<const N: usize, V: Decode>(
	tree: &sled::Tree,
	key: &[u8; N],
) -> Result<Option<V>, IndexError> {
	let Some(value) = tree.get(key)? else { return Ok(None) };
	let (_, value): ([u8; N], V) = decode_entry(key, &value)?;
	Ok(Some(value))
}

fn read_all<const N: usize, V: Decode>(tree: &sled::Tree) -> Result<Vec<([u8; N], V)>, IndexError> {
	tree.iter()
		.map(|entry| {
			let (key, value) = entry?;
			decode_entry(&key, &value)
		})
		.collect()
}

impl MetadataIndex for SledIndex {
	fn item(&self, id: &ContentId) -> Result<Option<ItemRecord>, IndexError> {
		read(&self.items, &id.0)
	}

	fn put_item(&self, id: &ContentId, record: &ItemRecord) -> Result<(), IndexError> {
		self.items.insert(id.0, record.encode())?;
		Ok(())
	}

	fn remove_item(&self, id: &ContentId) -> Result<(), IndexError> {
		self.items.remove(id.0)?;
		Ok(())
	}

	fn items(&self) -> Result<Vec<(ContentId, ItemRecord)>, IndexError> {
		Ok(read_all(&self.items)?.into_iter().map(|(id, record)| (ContentId(id), record)).collect())
	}

	fn ids(&self) -> Result<Vec<ContentId>, IndexError> {
		self.items
			.iter()
			.keys()
			.map(|key| {
				let key = key?;
				Ok(ContentId(
					key.as_ref().try_into().map_err(|_| IndexError::Corrupt(hex::encode(&key)))?,
				))
			})
			.collect()
	}

	fn upload(&self, id: &UploadId) -> Result<Option<UploadRecord>, IndexError> {
		read(&self.uploads, id)
	}

	fn put_upload(&self, id: &UploadId, record: &UploadRecord) -> Result<(), IndexError> {
		self.uploads.insert(id, record.encode())?;
		Ok(())
	}

	fn remove_upload(&self, id: &UploadId) -> Result<(), IndexError> {
		self.uploads.remove(id)?;
		Ok(())
	}

	fn transcode(&self, id: &ContentId) -> Result<Option<TranscodeRecord>, IndexError> {
		read(&self.transcodes, &id.0)
	}

	fn put_transcode(&self, id: &ContentId, record: &TranscodeRecord) -> Result<(), IndexError> {
		self.transcodes.insert(id.0, record.encode())?;
		Ok(())
	}

	fn remove_transcode(&self, id: &ContentId) -> Result<(), IndexError> {
		self.transcodes.remove(id.0)?;
		Ok(())
	}

	fn transcodes(&self) -> Result<Vec<(ContentId, TranscodeRecord)>, IndexError> {
		Ok(read_all(&self.transcodes)?
			.into_iter()
			.map(|(id, record)| (ContentId(id), record))
			.collect())
	}

	fn uploads(&self) -> Result<Vec<(UploadId, UploadRecord)>, IndexError> {
		read_all(&self.uploads)
	}

	fn reconciled(&self) -> Result<Option<ReconciledAt>, IndexError> {
		read(&self.db, RECONCILED_KEY)
	}

	fn put_reconciled(&self, at: &ReconciledAt) -> Result<(), IndexError> {
		self.db.insert(RECONCILED_KEY, at.encode())?;
		Ok(())
	}

	fn forget_reconciled(&self) -> Result<(), IndexError> {
		self.db.remove(RECONCILED_KEY)?;
		Ok(())
	}

	fn flush(&self) -> Result<(), IndexError> {
		self.db.flush()?;
		Ok(())
	}
}

/// What [`reindex`] changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ReindexReport {
	/// Items on disk that the index had.
	pub kept: usize,
	/// Items on disk that the index lacked or had wrong, now recorded.
	pub recovered: usize,
	/// Records whose content is not on disk, now dropped.
	pub dropped: usize,
}

/// Makes the index agree with the files: records for every stored item (keeping what the
/// index knew when its size is right), none for items that are gone.
pub fn reindex(
	store: &BlobStore,
	index: &dyn MetadataIndex,
	now_ms: u64,
) -> Result<ReindexReport, IndexError> {
	let mut report = ReindexReport::default();
	let on_disk = store.list()?;
	for (id, size) in &on_disk {
		match index.item(id) {
			Ok(Some(record)) if record.size == *size => report.kept += 1,
			_ => {
				let record = ItemRecord {
					size: *size,
					state: ItemState::Recovered,
					stored_at_ms: now_ms,
					mime: DEFAULT_MIME.into(),
				};
				index.put_item(id, &record)?;
				report.recovered += 1;
			}
		}
	}
	let known: std::collections::BTreeSet<ContentId> = on_disk.iter().map(|(id, _)| *id).collect();
	for id in index.ids()? {
		if !known.contains(&id) {
			index.remove_item(&id)?;
			report.dropped += 1;
		}
	}
	index.flush()?;
	Ok(report)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn store_item(store: &BlobStore, seed: u8, size: usize) -> ContentId {
		let mut writer = store.writer().unwrap();
		writer.write(vec![seed; size].into()).unwrap();
		writer.commit(None).unwrap()
	}

	#[test]
	fn an_index_held_elsewhere_is_waited_for_then_refused_saying_why() {
		let dir = tempfile::tempdir().unwrap();
		let held = SledIndex::open(dir.path()).unwrap();
		let started = std::time::Instant::now();
		let error = SledIndex::open(dir.path()).err().expect("opened twice");
		assert!(started.elapsed() >= LOCK_WAIT, "gave up after {:?}", started.elapsed());
		assert!(matches!(error, IndexError::InUse(_)), "{error}");
		assert!(error.to_string().contains("in use by another process"), "{error}");

		// A holder that lets go within the wait is waited for.
		let releasing = std::thread::spawn(move || {
			std::thread::sleep(LOCK_WAIT / 4);
			drop(held);
		});
		SledIndex::open(dir.path()).unwrap();
		releasing.join().unwrap();
	}

	#[test]
	fn records_survive_a_reopen() {
		let dir = tempfile::tempdir().unwrap();
		let id = ContentId([1; 32]);
		let record = ItemRecord {
			size: 10,
			state: ItemState::Uploaded { owner: [9; 32] },
			stored_at_ms: 5,
			mime: "video/mp4".into(),
		};
		{
			let index = SledIndex::open(dir.path()).unwrap();
			index.put_item(&id, &record).unwrap();
			index.flush().unwrap();
		}
		let index = SledIndex::open(dir.path()).unwrap();
		assert_eq!(index.item(&id).unwrap(), Some(record.clone()));
		assert_eq!(index.items().unwrap(), vec![(id, record)]);
		index.remove_item(&id).unwrap();
		assert_eq!(index.item(&id).unwrap(), None);
	}

	#[test]
	fn upload_sessions_live_beside_the_items() {
		let dir = tempfile::tempdir().unwrap();
		let session = UploadRecord {
			owner: [1; 32],
			length: 100,
			offset: 40,
			mime: "video/mp4".into(),
			touched_at_ms: 9,
			content_id: None,
		};
		{
			let index = SledIndex::open(dir.path()).unwrap();
			index.put_upload(&[5; 16], &session).unwrap();
			index
				.put_upload(
					&[6; 16],
					&UploadRecord { content_id: Some(ContentId([2; 32])), ..session.clone() },
				)
				.unwrap();
			index.flush().unwrap();
		}
		let index = SledIndex::open(dir.path()).unwrap();
		assert_eq!(index.upload(&[5; 16]).unwrap(), Some(session.clone()));
		assert_eq!(index.uploads().unwrap().len(), 2);
		assert!(index.items().unwrap().is_empty());
		index.remove_upload(&[6; 16]).unwrap();
		assert_eq!(index.uploads().unwrap(), vec![([5; 16], session)]);
		index.uploads.insert([7u8; 16], &b"\xff"[..]).unwrap();
		assert!(matches!(index.upload(&[7; 16]), Err(IndexError::Corrupt(_))));
	}

	#[test]
	fn reindex_rebuilds_a_lost_index_from_the_files() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::open(&dir.path().join("blobs")).unwrap();
		let index = SledIndex::open(&dir.path().join("index")).unwrap();
		let kept = store_item(&store, 1, 3000);
		let lost = store_item(&store, 2, 5000);
		let known = ItemRecord {
			size: 3000,
			state: ItemState::Registered { price: 7 },
			stored_at_ms: 1,
			mime: "video/webm".into(),
		};
		index.put_item(&kept, &known).unwrap();
		let gone = ContentId([7; 32]);
		index.put_item(&gone, &known).unwrap();
		// A record with the wrong size is rewritten.
		let stale = store_item(&store, 3, 100);
		index.put_item(&stale, &ItemRecord { size: 99, ..known.clone() }).unwrap();

		let report = reindex(&store, &index, 42).unwrap();
		assert_eq!(report, ReindexReport { kept: 1, recovered: 2, dropped: 1 });
		assert_eq!(index.item(&kept).unwrap(), Some(known));
		assert_eq!(
			index.item(&lost).unwrap(),
			Some(ItemRecord {
				size: 5000,
				state: ItemState::Recovered,
				stored_at_ms: 42,
				mime: DEFAULT_MIME.into()
			})
		);
		assert_eq!(index.item(&stale).unwrap().unwrap().size, 100);
		assert_eq!(index.item(&gone).unwrap(), None);
		// Running it again changes nothing.
		assert_eq!(
			reindex(&store, &index, 43).unwrap(),
			ReindexReport { kept: 3, ..Default::default() }
		);
	}

	#[test]
	fn an_undecodable_record_is_an_error_not_a_panic() {
		let dir = tempfile::tempdir().unwrap();
		let index = SledIndex::open(dir.path()).unwrap();
		index.items.insert([3u8; 32], &b"\xff"[..]).unwrap();
		assert!(matches!(index.item(&ContentId([3; 32])), Err(IndexError::Corrupt(_))));
		assert!(matches!(index.items(), Err(IndexError::Corrupt(_))));
	}

	#[test]
	fn reindex_replaces_or_drops_undecodable_records() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::open(&dir.path().join("blobs")).unwrap();
		let index = SledIndex::open(&dir.path().join("index")).unwrap();
		let stored = store_item(&store, 1, 2000);
		index.items.insert(stored.0, &b"\xff"[..]).unwrap();
		index.items.insert([4u8; 32], &b"\xff"[..]).unwrap();
		let report = reindex(&store, &index, 7).unwrap();
		assert_eq!(report, ReindexReport { kept: 0, recovered: 1, dropped: 1 });
		assert_eq!(index.items().unwrap().len(), 1);
	}
}
