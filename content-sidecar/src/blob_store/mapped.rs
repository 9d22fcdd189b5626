//! Items mapped into memory, whose byte ranges become body frames that the connection sends
//! from the file with `sendfile(2)` ([`crate::streaming::sendfile`]).
//!
//! A frame is a [`Bytes`] over the mapping. The network layer never reads it: it finds the
//! frame's file and offset by its address ([`file_region`]) and has the kernel send the file's
//! pages straight from the page cache. The mapping is what makes that safe and exact:
//!
//! - its addresses are the frame's identity: no other live buffer can share them, and they stay
//!   reserved while any frame of the item lives (each frame holds the mapping);
//! - if something did read a frame (a test collecting a body, or a layer that copies), it reads
//!   the item's true bytes, not a placeholder.
//!
//! Items are immutable once stored: written to a temp file, synced, renamed into place, and only
//! ever unlinked, never rewritten or truncated. A file truncated behind the sidecar's back by
//! another process is the one hazard: reading its lost pages through the mapping would fault
//! (SIGBUS), which is why nothing in the sidecar reads frames on the serving path, and why
//! `sendfile` of such pages simply sends fewer bytes and the connection is closed.

use bytes::Bytes;
use std::{
	collections::BTreeMap,
	fs::File,
	io,
	ops::Range,
	os::fd::{AsFd, BorrowedFd},
	sync::{Arc, PoisonError, RwLock, Weak},
};

/// Live mappings by start address, with their length: looked up for every buffer every
/// connection writes, changed only when an item is mapped or unmapped.
static MAPPINGS: RwLock<BTreeMap<usize, (usize, Weak<MappedBlob>)>> = RwLock::new(BTreeMap::new());

/// Changes [`MAPPINGS`].
fn change_mappings<T>(
	change: impl FnOnce(&mut BTreeMap<usize, (usize, Weak<MappedBlob>)>) -> T,
) -> T {
	// A map of addresses stays valid even if a holder panicked.
	change(&mut MAPPINGS.write().unwrap_or_else(PoisonError::into_inner))
}

/// An item's file, open and mapped whole.
pub struct MappedBlob {
	map: memmap2::Mmap,
	file: File,
}

impl MappedBlob {
	/// Maps `file` (not empty: content never is) and registers the mapping.
	pub(super) fn new(file: File) -> io::Result<Arc<Self>> {
		// SAFETY: stored items are never written or truncated in place (see the module docs);
		// the bytes are read by the kernel's sendfile, or by readers of a frame in tests.
		let map = unsafe { memmap2::Mmap::map(&file)? };
		if map.is_empty() {
			// Its address would be no one's: memmap2 maps an empty file at a dummy address.
			return Err(io::Error::new(io::ErrorKind::InvalidData, "an empty content file"));
		}
		let blob = Arc::new(Self { map, file });
		change_mappings(|mappings| {
			mappings.insert(blob.address(), (blob.map.len(), Arc::downgrade(&blob)))
		});
		Ok(blob)
	}

	fn address(&self) -> usize {
		self.map.as_ptr() as usize
	}

	/// The item's size in bytes.
	pub fn len(&self) -> u64 {
		self.map.len() as u64
	}

	/// Always false: an empty file is never mapped.
	pub fn is_empty(&self) -> bool {
		self.map.is_empty()
	}

	/// `range` of the item as one frame (`range` must lie within the item).
	pub fn frame(self: &Arc<Self>, range: Range<u64>) -> Bytes {
		// Slicing the map in `from_owner` panics on a range outside it.
		let range = range.start as usize..range.end as usize;
		Bytes::from_owner(MappedRange(self.clone(), range))
	}
}

impl AsFd for MappedBlob {
	fn as_fd(&self) -> BorrowedFd<'_> {
		self.file.as_fd()
	}
}

impl Drop for MappedBlob {
	fn drop(&mut self) {
		// The address is still mapped here (the map is unmapped after this), so no other
		// mapping can have registered it meanwhile.
		change_mappings(|mappings| mappings.remove(&self.address()));
	}
}

/// A range of a mapping, owning a reference to it.
struct MappedRange(Arc<MappedBlob>, Range<usize>);

impl AsRef<[u8]> for MappedRange {
	fn as_ref(&self) -> &[u8] {
		&self.0.map[self.1.clone()]
	}
}

/// The mapped item that `bytes` lie in, and their offset in it; `None` for any other memory.
pub fn file_region(bytes: &[u8]) -> Option<(Arc<MappedBlob>, u64)> {
	region_at(bytes.as_ptr() as usize, bytes.len())
}

fn region_at(start: usize, length: usize) -> Option<(Arc<MappedBlob>, u64)> {
	let mappings = MAPPINGS.read().unwrap_or_else(PoisonError::into_inner);
	let (&base, (mapped, blob)) = mappings.range(..=start).next_back()?;
	if start.checked_add(length)? > base + mapped {
		return None;
	}
	Some((blob.upgrade()?, (start - base) as u64))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::content;

	fn blob_of(bytes: &[u8]) -> (tempfile::TempDir, Arc<MappedBlob>) {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("item");
		std::fs::write(&path, bytes).unwrap();
		let blob = MappedBlob::new(File::open(path).unwrap()).unwrap();
		(dir, blob)
	}

	#[test]
	fn a_frame_is_found_as_its_file_and_offset() {
		let bytes = content(100_000, 3);
		let (_dir, blob) = blob_of(&bytes);
		let frame = blob.frame(1_000..51_000);
		assert_eq!(frame, bytes[1_000..51_000]);
		let (found, offset) = file_region(&frame).unwrap();
		assert!(Arc::ptr_eq(&found, &blob));
		assert_eq!(offset, 1_000);
		// A slice of the frame, as hyper leaves it after a partial write.
		let (_, offset) = file_region(&frame[7..]).unwrap();
		assert_eq!(offset, 1_007);
		assert_eq!(blob.len(), 100_000);
	}

	#[test]
	fn other_memory_is_no_file() {
		let bytes = content(10_000, 4);
		let (_dir, blob) = blob_of(&bytes);
		assert!(file_region(&bytes).is_none());
		assert!(file_region(&Bytes::from(bytes.clone())).is_none());
		// Running past the mapping's end is not inside it.
		let frame = blob.frame(0..10_000);
		assert!(region_at(frame.as_ptr() as usize, 10_000).is_some());
		assert!(region_at(frame.as_ptr() as usize, 10_001).is_none());
	}

	#[test]
	fn a_dropped_mapping_is_forgotten_once_its_last_frame_goes() {
		let bytes = content(5_000, 5);
		let (_dir, blob) = blob_of(&bytes);
		let frame = blob.frame(0..5_000);
		let address = blob.address();
		drop(blob);
		// The frame keeps the mapping alive.
		assert_eq!(file_region(&frame).unwrap().1, 0);
		drop(frame);
		assert!(!change_mappings(|mappings| mappings.contains_key(&address)));
	}

	#[test]
	fn an_empty_file_is_not_mapped() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("empty");
		std::fs::write(&path, b"").unwrap();
		let error = MappedBlob::new(File::open(path).unwrap()).err().unwrap();
		assert_eq!(error.kind(), io::ErrorKind::InvalidData);
	}
}
