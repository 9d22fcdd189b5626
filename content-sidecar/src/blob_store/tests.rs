//! The store's tests, against real files in temp dirs.

use super::*;
use pop_primitives::commitment::{CHUNK_SIZE, LEAF_SIZE};

fn content(size: usize, seed: u8) -> Vec<u8> {
	(0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn store_bytes(store: &BlobStore, bytes: &[u8]) -> ContentId {
	let mut writer = store.writer().unwrap();
	bytes.chunks(10_000).for_each(|piece| writer.write(Bytes::copy_from_slice(piece)).unwrap());
	writer.commit(None).unwrap()
}

#[test]
fn stores_reads_and_proves_from_the_files() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let bytes = content(2 * CHUNK_SIZE + 3 * LEAF_SIZE + 5, 1);
	let id = store_bytes(&store, &bytes);
	assert!(store.contains(&id));
	assert_eq!(fs::read(store.path(&id)).unwrap(), bytes);
	assert_eq!(store.list().unwrap(), vec![(id, bytes.len() as u64)]);
	store.verify(&id).unwrap();

	let tree = store.chunk_tree(&id).unwrap();
	let leaf = 2 * 256 + 1;
	let proof = tree.prove::<NativeSha256>(leaf, &bytes[2 * CHUNK_SIZE..]).unwrap();
	assert_eq!(proof.verify::<NativeSha256>(&id, bytes.len() as u64), Ok(()));
	assert!(fs::read_dir(dir.path().join("tmp")).unwrap().next().is_none());
}

#[test]
fn proves_leaves_of_every_chunk_and_refuses_what_is_not_stored() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let size = 2 * CHUNK_SIZE + 3 * LEAF_SIZE + 5;
	let id = store_bytes(&store, &content(size, 7));
	let last = pop_primitives::commitment::leaf_count(size as u64) - 1;
	for leaf in [0, 255, 256, 2 * 256 + 1, last] {
		let proof = store.prove(&id, leaf).unwrap();
		assert_eq!(proof.index, leaf);
		assert_eq!(proof.verify::<NativeSha256>(&id, size as u64), Ok(()));
	}
	assert!(matches!(store.prove(&ContentId([1; 32]), 0), Err(StoreError::NotFound(_))));
}

#[test]
fn refuses_content_that_is_not_the_expected_id_and_keeps_nothing() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let expected = store_bytes(&store, &content(5_000, 1));
	store.remove(&expected).unwrap();
	let mut writer = store.writer().unwrap();
	writer.write(content(5_000, 2).into()).unwrap();
	assert!(matches!(writer.commit(Some(&expected)), Err(StoreError::IdMismatch { .. })));
	assert!(store.list().unwrap().is_empty());
	assert!(fs::read_dir(dir.path().join("tmp")).unwrap().next().is_none());
	assert!(matches!(store.writer().unwrap().commit(None), Err(StoreError::Empty)));
	assert!(matches!(store.open_blob(&expected), Err(StoreError::NotFound(_))));
}

#[test]
fn opening_clears_what_a_crash_left_and_keeps_finished_items() {
	let dir = tempfile::tempdir().unwrap();
	let bytes = content(CHUNK_SIZE + 1, 3);
	let id = {
		let store = BlobStore::open(dir.path()).unwrap();
		let id = store_bytes(&store, &bytes);
		// A crash mid-write: a temp file, and chunk roots whose content never landed.
		let mut writer = store.writer().unwrap();
		writer.write(Bytes::copy_from_slice(&bytes[..100])).unwrap();
		std::mem::forget(writer);
		fs::write(dir.path().join("content").join(format!("{}.chunks", "ab".repeat(32))), b"x")
			.unwrap();
		id
	};
	let store = BlobStore::open(dir.path()).unwrap();
	assert_eq!(store.list().unwrap(), vec![(id, bytes.len() as u64)]);
	assert!(fs::read_dir(dir.path().join("tmp")).unwrap().next().is_none());
	assert_eq!(fs::read_dir(dir.path().join("content")).unwrap().count(), 2);
	store.verify(&id).unwrap();
}

#[test]
fn detects_corruption_on_disk() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let id = store_bytes(&store, &content(3 * LEAF_SIZE, 4));
	let mut bytes = fs::read(store.path(&id)).unwrap();
	bytes[LEAF_SIZE] ^= 1;
	fs::write(store.path(&id), &bytes).unwrap();
	assert!(matches!(store.verify(&id), Err(StoreError::Corrupt(_))));
	fs::write(store.chunks_path(&id), b"garbage").unwrap();
	assert!(matches!(store.chunk_tree(&id), Err(StoreError::Corrupt(_))));
}

#[test]
fn adopts_a_finished_file_and_keeps_its_usage() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let bytes = content(CHUNK_SIZE + 9, 5);
	let outside = dir.path().join("finished");
	let adopt = || {
		fs::write(&outside, &bytes).unwrap();
		let tree = hash_reader(&bytes[..]).unwrap().finish().unwrap();
		store.adopt(&outside, &tree, None).unwrap()
	};
	let id = adopt();
	assert!(!outside.exists());
	store.verify(&id).unwrap();
	assert_eq!(store.chunk_tree(&id).unwrap().size, bytes.len() as u64);
	assert_eq!(store.usage(), StoreUsage { items: 1, bytes: bytes.len() as u64 });
	// The same content again: the file goes, the item and the usage stay.
	assert_eq!(adopt(), id);
	assert!(!outside.exists());
	assert_eq!(store.usage(), StoreUsage { items: 1, bytes: bytes.len() as u64 });

	let other = store_bytes(&store, &content(100, 6));
	assert_eq!(store.usage(), StoreUsage { items: 2, bytes: bytes.len() as u64 + 100 });
	store.remove(&id).unwrap();
	assert_eq!(store.usage(), StoreUsage { items: 1, bytes: 100 });
	assert!(matches!(store.remove(&id), Err(StoreError::NotFound(_))));
	drop(store);
	assert_eq!(BlobStore::open(dir.path()).unwrap().usage(), StoreUsage { items: 1, bytes: 100 });
	assert!(BlobStore::open(dir.path()).unwrap().contains(&other));
}

#[test]
fn ids_round_trip_through_hex() {
	let id = ContentId([0xab; 32]);
	assert_eq!(parse_id(&id_hex(&id)), Some(id));
	assert_eq!(parse_id("zz"), None);
	assert_eq!(parse_id(&"ab".repeat(31)), None);
}

#[test]
fn served_items_stay_open_until_removed_and_the_least_recent_go_first() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let bytes = content(3 * LEAF_SIZE + 1, 9);
	let id = store_bytes(&store, &bytes);
	assert!(store.kept_open(&id).is_none());
	let blob = store.open_mapped(&id).unwrap();
	assert_eq!(blob.len(), bytes.len() as u64);
	assert_eq!(blob.frame(0..bytes.len() as u64), bytes);
	assert!(Arc::ptr_eq(&store.kept_open(&id).unwrap(), &blob));

	// Removing forgets it: the file's space goes once the responses holding it end.
	store.remove(&id).unwrap();
	assert!(store.kept_open(&id).is_none());
	assert!(matches!(store.open_mapped(&id), Err(StoreError::NotFound(_))));
	// A response under way still sends the removed item's bytes.
	assert_eq!(blob.frame(5..10), bytes[5..10]);

	let ids: Vec<_> =
		(0..=KEPT_OPEN.get()).map(|n| store_bytes(&store, &content(100 + n, 0))).collect();
	let kept: Vec<_> = ids.iter().map(|id| store.open_mapped(id).unwrap()).collect();
	assert!(store.kept_open(&ids[0]).is_none(), "the least recently served went");
	assert!(ids[1..].iter().all(|id| store.kept_open(id).is_some()));
	assert!(kept.iter().enumerate().all(|(n, blob)| blob.len() == 100 + n as u64));
}

#[test]
fn an_emptied_content_file_is_corrupt_not_served() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let id = store_bytes(&store, &content(1_000, 3));
	File::create(store.path(&id)).unwrap();
	assert!(matches!(store.open_mapped(&id), Err(StoreError::Corrupt(_))));
	assert!(store.kept_open(&id).is_none());
}

#[test]
fn a_file_replaced_while_it_was_opened_serves_its_request_and_is_not_kept() {
	let dir = tempfile::tempdir().unwrap();
	let store = BlobStore::open(dir.path()).unwrap();
	let bytes = content(5_000, 4);
	let id = store_bytes(&store, &bytes);
	let open = || {
		let (file, _) = store.open_blob(&id).unwrap();
		let opened = file.metadata().unwrap();
		(MappedBlob::new(file).unwrap(), opened)
	};

	// Removed and stored again between the open and the keeping.
	let (blob, opened) = open();
	store.remove(&id).unwrap();
	store_bytes(&store, &bytes);
	store.keep_open(&id, &blob, &opened).unwrap();
	assert!(store.kept_open(&id).is_none());
	assert_eq!(blob.frame(0..5_000), bytes);

	// Removed for good meanwhile: not found, and not kept.
	let (blob, opened) = open();
	store.remove(&id).unwrap();
	assert!(matches!(store.keep_open(&id, &blob, &opened), Err(StoreError::NotFound(_))));
	assert!(store.kept_open(&id).is_none());

	// Still the item's file: kept.
	store_bytes(&store, &bytes);
	let (blob, opened) = open();
	store.keep_open(&id, &blob, &opened).unwrap();
	assert!(Arc::ptr_eq(&store.kept_open(&id).unwrap(), &blob));
}
