//! The metadata index: what the sidecar knows about its items beyond their bytes.
//!
//! The index lives in sled behind the small [`MetadataIndex`] trait. It is never the only copy
//! of anything that matters: [`reindex`] rebuilds it from the blob store's files, so a lost or
//! damaged index loses no content.

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
	/// Registered on chain.
	Registered,
	/// Found on disk by [`reindex`] with no record; the chain client settles its state.
	Recovered,
}

/// The index's record of one stored item.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, Debug)]
pub struct ItemRecord {
	/// Size in bytes.
	pub size: u64,
	/// Where it stands.
	pub state: ItemState,
	/// When it was stored (Unix milliseconds).
	pub stored_at_ms: u64,
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
	/// Makes every write so far durable.
	fn flush(&self) -> Result<(), IndexError>;
}

/// [`MetadataIndex`] in a sled database.
pub struct SledIndex {
	items: sled::Tree,
	db: sled::Db,
}

impl SledIndex {
	/// Opens (creating if needed) the index in `dir`.
	pub fn open(dir: &Path) -> Result<Self, IndexError> {
		let db = sled::open(dir)?;
		Ok(Self { items: db.open_tree("items")?, db })
	}
}

fn decode_record(key: &[u8], value: &[u8]) -> Result<(ContentId, ItemRecord), IndexError> {
	let corrupt = || IndexError::Corrupt(hex::encode(key));
	let id = ContentId(key.try_into().map_err(|_| corrupt())?);
	let record = ItemRecord::decode(&mut &value[..]).map_err(|_| corrupt())?;
	Ok((id, record))
}

impl MetadataIndex for SledIndex {
	fn item(&self, id: &ContentId) -> Result<Option<ItemRecord>, IndexError> {
		self.items
			.get(id.0)?
			.map(|value| decode_record(&id.0, &value).map(|(_, record)| record))
			.transpose()
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
		self.items
			.iter()
			.map(|entry| {
				let (key, value) = entry?;
				decode_record(&key, &value)
			})
			.collect()
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
				let record =
					ItemRecord { size: *size, state: ItemState::Recovered, stored_at_ms: now_ms };
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
		writer.write(&vec![seed; size]).unwrap();
		writer.commit(None).unwrap()
	}

	#[test]
	fn records_survive_a_reopen() {
		let dir = tempfile::tempdir().unwrap();
		let id = ContentId([1; 32]);
		let record =
			ItemRecord { size: 10, state: ItemState::Uploaded { owner: [9; 32] }, stored_at_ms: 5 };
		{
			let index = SledIndex::open(dir.path()).unwrap();
			index.put_item(&id, &record).unwrap();
			index.flush().unwrap();
		}
		let index = SledIndex::open(dir.path()).unwrap();
		assert_eq!(index.item(&id).unwrap(), Some(record));
		assert_eq!(index.items().unwrap(), vec![(id, record)]);
		index.remove_item(&id).unwrap();
		assert_eq!(index.item(&id).unwrap(), None);
	}

	#[test]
	fn reindex_rebuilds_a_lost_index_from_the_files() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::open(&dir.path().join("blobs")).unwrap();
		let index = SledIndex::open(&dir.path().join("index")).unwrap();
		let kept = store_item(&store, 1, 3000);
		let lost = store_item(&store, 2, 5000);
		let known = ItemRecord { size: 3000, state: ItemState::Registered, stored_at_ms: 1 };
		index.put_item(&kept, &known).unwrap();
		let gone = ContentId([7; 32]);
		index.put_item(&gone, &known).unwrap();
		// A record with the wrong size is rewritten.
		let stale = store_item(&store, 3, 100);
		index.put_item(&stale, &ItemRecord { size: 99, ..known }).unwrap();

		let report = reindex(&store, &index, 42).unwrap();
		assert_eq!(report, ReindexReport { kept: 1, recovered: 2, dropped: 1 });
		assert_eq!(index.item(&kept).unwrap(), Some(known));
		assert_eq!(
			index.item(&lost).unwrap(),
			Some(ItemRecord { size: 5000, state: ItemState::Recovered, stored_at_ms: 42 })
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
