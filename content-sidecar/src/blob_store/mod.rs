//! Finished content on disk: one immutable file per item, named by its id, beside a file with
//! its chunk roots (what challenges are answered from).
//!
//! Writes never leave a half-written item under its final name: bytes go to a temp file that
//! is hashed as it is written, fsynced, checked against the expected id, and renamed into
//! place, and the directory is fsynced so the rename survives a crash. The chunk-root file is
//! put in place the same way, before the content file, so an item is complete exactly when its
//! content file exists. Leftovers of a crash (temp files, chunk files without content) are
//! removed when the store is opened. The files are the truth: [`BlobStore::list`] recovers
//! every item from them.
//!
//! The chain's storage challenges are answered from the same files: [`BlobStore::prove`]
//! (in `prove.rs`) reads the chunk roots and the one chunk a challenged leaf is in.
//!
//! Streaming takes items open and mapped ([`BlobStore::open_mapped`], `mapped.rs`), and the
//! most recently served stay so: a player asks for the same few items many times a minute, and
//! opening and mapping them each time cost more than sending a small range. Removing an item
//! forgets its open file, so its disk space is freed once the responses under way end.

use crate::hashing::{hash_reader, NativeSha256, TreeHasher};
use bytes::Bytes;
use codec::{Decode, Encode};
use lru::LruCache;
use pop_primitives::commitment::{ChunkedTree, ContentId};
use std::{
	fs::{self, File, OpenOptions},
	io::{self, Write},
	num::NonZeroUsize,
	os::unix::fs::MetadataExt,
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex, MutexGuard, PoisonError,
	},
};

pub use mapped::{file_region, MappedBlob};

mod mapped;
mod prove;
#[cfg(test)]
mod tests;

const CHUNKS_SUFFIX: &str = ".chunks";
/// Items kept open and mapped for streaming. Each holds a file descriptor and address space,
/// not memory: the pages are the page cache's, mapped or not.
const KEPT_OPEN: NonZeroUsize = NonZeroUsize::new(256).expect("not zero");

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// The disk failed.
	#[error("storage I/O failed: {0}")]
	Io(#[from] io::Error),
	/// Content must have at least one byte.
	#[error("content is empty")]
	Empty,
	/// The bytes written are not the content that was expected.
	#[error("content hashes to {actual}, not the expected {expected}")]
	IdMismatch {
		/// The id asked for.
		expected: String,
		/// The id of the bytes.
		actual: String,
	},
	/// No such item is stored.
	#[error("content {0} is not stored here")]
	NotFound(String),
	/// A stored item's files do not match its id.
	#[error("content {0} is corrupt on disk")]
	Corrupt(String),
}

/// Hex form of an id, as used in file names, URLs and logs.
pub fn id_hex(id: &ContentId) -> String {
	hex::encode(id.0)
}

/// Parses the hex form of an id.
pub fn parse_id(text: &str) -> Option<ContentId> {
	let bytes: [u8; 32] = hex::decode(text).ok()?.try_into().ok()?;
	Some(ContentId(bytes))
}

/// How much content a store holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StoreUsage {
	/// Items stored.
	pub items: u64,
	/// Their bytes (content only, not the chunk roots).
	pub bytes: u64,
}

/// Content files under one directory.
pub struct BlobStore {
	content: PathBuf,
	tmp: PathBuf,
	next_temp: AtomicU64,
	/// Held while an item is put in place or removed, so the usage stays exact when the same
	/// content arrives twice at once.
	usage: Mutex<StoreUsage>,
	/// Items open and mapped for streaming, least recently served first out.
	kept_open: Mutex<LruCache<[u8; 32], Arc<MappedBlob>>>,
}

impl BlobStore {
	/// Opens (creating if needed) the store under `dir` and clears what a crash left behind.
	pub fn open(dir: &Path) -> Result<Self, StoreError> {
		let content = dir.join("content");
		let tmp = dir.join("tmp");
		fs::create_dir_all(&content)?;
		fs::create_dir_all(&tmp)?;
		for entry in fs::read_dir(&tmp)? {
			fs::remove_file(entry?.path())?;
		}
		for entry in fs::read_dir(&content)? {
			let path = entry?.path();
			let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
			if let Some(id) = name.strip_suffix(CHUNKS_SUFFIX) {
				if !content.join(id).exists() {
					fs::remove_file(&path)?;
				}
			}
		}
		sync_dir(&content)?;
		let store = Self {
			content,
			tmp,
			next_temp: AtomicU64::new(0),
			usage: Mutex::default(),
			kept_open: Mutex::new(LruCache::new(KEPT_OPEN)),
		};
		let items = store.list()?;
		*store.lock_usage() = StoreUsage {
			items: items.len() as u64,
			bytes: items.iter().map(|(_, size)| size).sum(),
		};
		Ok(store)
	}

	/// Path of an item's content file.
	pub fn path(&self, id: &ContentId) -> PathBuf {
		self.content.join(id_hex(id))
	}

	fn chunks_path(&self, id: &ContentId) -> PathBuf {
		self.content.join(format!("{}{CHUNKS_SUFFIX}", id_hex(id)))
	}

	/// Bytes this process may still write on the store's file system (`statvfs`'s blocks
	/// available to unprivileged users).
	pub fn free_space(&self) -> Result<u64, StoreError> {
		let stats = rustix::fs::statvfs(&self.content).map_err(std::io::Error::from)?;
		Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
	}

	/// Whether the item is stored.
	pub fn contains(&self, id: &ContentId) -> bool {
		self.path(id).is_file()
	}

	/// A fresh name for a temp file.
	fn temp_path(&self) -> PathBuf {
		let n = self.next_temp.fetch_add(1, Ordering::Relaxed);
		self.tmp.join(format!("{}-{n}", std::process::id()))
	}

	/// Starts writing a new item.
	pub fn writer(&self) -> Result<BlobWriter<'_>, StoreError> {
		let path = self.temp_path();
		let file = OpenOptions::new().write(true).create_new(true).open(&path)?;
		Ok(BlobWriter { store: self, file, path, tree: TreeHasher::new() })
	}

	/// Opens an item for reading; returns the file and its size.
	pub fn open_blob(&self, id: &ContentId) -> Result<(File, u64), StoreError> {
		let file = File::open(self.path(id)).map_err(|e| not_found(e, id))?;
		let size = file.metadata()?.len();
		Ok((file, size))
	}

	/// The size of a stored item (blocking I/O: one `stat`).
	pub fn item_size(&self, id: &ContentId) -> Result<u64, StoreError> {
		Ok(fs::metadata(self.path(id)).map_err(|e| not_found(e, id))?.len())
	}

	/// An item open and mapped for streaming, if it is among those kept open (never blocks).
	pub fn kept_open(&self, id: &ContentId) -> Option<Arc<MappedBlob>> {
		self.lock_kept_open().get(&id.0).cloned()
	}

	/// An item open and mapped for streaming: one kept open, or opened (blocking I/O), mapped
	/// and kept.
	pub fn open_mapped(&self, id: &ContentId) -> Result<Arc<MappedBlob>, StoreError> {
		if let Some(blob) = self.kept_open(id) {
			return Ok(blob);
		}
		let (file, _) = self.open_blob(id)?;
		let opened = file.metadata()?;
		let blob = MappedBlob::new(file).map_err(|error| match error.kind() {
			io::ErrorKind::InvalidData => StoreError::Corrupt(id_hex(id)),
			_ => error.into(),
		})?;
		self.keep_open(id, &blob, &opened)?;
		Ok(blob)
	}

	/// Keeps `blob` (opened as `opened`) open for `id` while its file is still the item's. A
	/// removal unlinks, then forgets what is kept open; one that came between the open and the
	/// keeping, or a removal and a store of the same item again, left it kept, and is undone
	/// here. The blob of a replaced file still has the item's bytes, so it serves the request
	/// it was opened for; it is just not kept, so its disk space is freed after it.
	fn keep_open(
		&self,
		id: &ContentId,
		blob: &Arc<MappedBlob>,
		opened: &fs::Metadata,
	) -> Result<(), StoreError> {
		self.lock_kept_open().put(id.0, blob.clone());
		let current = fs::metadata(self.path(id));
		let same_file = current
			.as_ref()
			.is_ok_and(|current| (current.dev(), current.ino()) == (opened.dev(), opened.ino()));
		if !same_file {
			let mut kept = self.lock_kept_open();
			if kept.peek(&id.0).is_some_and(|kept| Arc::ptr_eq(kept, blob)) {
				kept.pop(&id.0);
			}
		}
		match current {
			Err(error) => Err(not_found(error, id)),
			Ok(_) => Ok(()),
		}
	}

	fn lock_kept_open(&self) -> MutexGuard<'_, LruCache<[u8; 32], Arc<MappedBlob>>> {
		// A cache of open files stays valid even if a holder panicked.
		self.kept_open.lock().unwrap_or_else(PoisonError::into_inner)
	}

	/// The chunk roots of a stored item.
	pub fn chunk_tree(&self, id: &ContentId) -> Result<ChunkedTree, StoreError> {
		let bytes = fs::read(self.chunks_path(id)).map_err(|e| not_found(e, id))?;
		let tree =
			ChunkedTree::decode(&mut &bytes[..]).map_err(|_| StoreError::Corrupt(id_hex(id)))?;
		if tree.id::<NativeSha256>().ok() != Some(*id) {
			return Err(StoreError::Corrupt(id_hex(id)));
		}
		Ok(tree)
	}

	/// Removes an item (content first, so a crash never leaves content without chunk roots).
	pub fn remove(&self, id: &ContentId) -> Result<(), StoreError> {
		let mut usage = self.lock_usage();
		let size = self.item_size(id)?;
		fs::remove_file(self.path(id)).map_err(|e| not_found(e, id))?;
		self.lock_kept_open().pop(&id.0);
		usage.items -= 1;
		usage.bytes -= size;
		let _ = fs::remove_file(self.chunks_path(id));
		sync_dir(&self.content)?;
		Ok(())
	}

	/// Every stored item with its size, read from the files alone.
	pub fn list(&self) -> Result<Vec<(ContentId, u64)>, StoreError> {
		let mut items = Vec::new();
		for entry in fs::read_dir(&self.content)? {
			let entry = entry?;
			let name = entry.file_name();
			if let Some(id) = name.to_str().and_then(parse_id) {
				items.push((id, entry.metadata()?.len()));
			}
		}
		items.sort();
		Ok(items)
	}

	/// Moves the finished file at `path` (on the store's file system, not under its final name)
	/// into the store under its id, if it is `expected` (when given); returns the id. `tree`
	/// must be the file's tree, hashed while it was written. An item already stored is kept as
	/// it is and the file is removed.
	pub fn adopt(
		&self,
		path: &Path,
		tree: &ChunkedTree,
		expected: Option<&ContentId>,
	) -> Result<ContentId, StoreError> {
		let id = tree.id::<NativeSha256>().map_err(|_| StoreError::Empty)?;
		if let Some(expected) = expected.filter(|expected| **expected != id) {
			return Err(StoreError::IdMismatch { expected: id_hex(expected), actual: id_hex(&id) });
		}
		let mut usage = self.lock_usage();
		if self.contains(&id) {
			fs::remove_file(path)?;
			return Ok(id);
		}
		File::open(path)?.sync_all()?;
		let chunks_temp = self.temp_path();
		write_durably(&chunks_temp, &tree.encode())?;
		fs::rename(&chunks_temp, self.chunks_path(&id))?;
		fs::rename(path, self.path(&id))?;
		sync_dir(&self.content)?;
		usage.items += 1;
		usage.bytes += tree.size;
		Ok(id)
	}

	/// How many items and bytes are stored.
	pub fn usage(&self) -> StoreUsage {
		*self.lock_usage()
	}

	fn lock_usage(&self) -> MutexGuard<'_, StoreUsage> {
		// The usage is two counters updated together; a panic elsewhere cannot leave it torn.
		self.usage.lock().unwrap_or_else(PoisonError::into_inner)
	}

	/// Hashes an item's bytes again and checks them against its id.
	pub fn verify(&self, id: &ContentId) -> Result<(), StoreError> {
		let (file, _) = self.open_blob(id)?;
		match hash_reader(file)?.finish().and_then(|tree| tree.id::<NativeSha256>()) {
			Ok(actual) if actual == *id => Ok(()),
			_ => Err(StoreError::Corrupt(id_hex(id))),
		}
	}
}

/// An item being written; dropped without [`BlobWriter::commit`], it leaves nothing behind.
pub struct BlobWriter<'a> {
	store: &'a BlobStore,
	file: File,
	path: PathBuf,
	tree: TreeHasher,
}

impl BlobWriter<'_> {
	/// Appends bytes, hashing them on the way.
	pub fn write(&mut self, bytes: Bytes) -> Result<(), StoreError> {
		self.file.write_all(&bytes)?;
		self.tree.update(bytes);
		Ok(())
	}

	/// Bytes written so far.
	pub fn size(&self) -> u64 {
		self.tree.size()
	}

	/// Makes the item durable under its id, if it is `expected` (when given); returns the id.
	/// An item already stored is kept as it is.
	pub fn commit(mut self, expected: Option<&ContentId>) -> Result<ContentId, StoreError> {
		// Building a tree fails only for empty content.
		let tree = std::mem::take(&mut self.tree).finish().map_err(|_| StoreError::Empty)?;
		self.store.adopt(&self.path, &tree, expected)
	}
}

impl Drop for BlobWriter<'_> {
	fn drop(&mut self) {
		// After a commit the temp file has been renamed away and this fails harmlessly.
		let _ = fs::remove_file(&self.path);
	}
}

fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
	let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
	file.write_all(bytes)?;
	file.sync_all()
}

/// Makes renames and removals in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
	File::open(dir)?.sync_all()
}

fn not_found(error: io::Error, id: &ContentId) -> StoreError {
	if error.kind() == io::ErrorKind::NotFound {
		StoreError::NotFound(id_hex(id))
	} else {
		StoreError::Io(error)
	}
}
