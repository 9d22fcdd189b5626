//! Restarts: every upload resumes, and a finished one whose storing a crash cut short is stored.

use super::*;
use crate::{
	index::{ItemState, UploadId},
	testing::{content, dev_account, hex_id, id_of},
};
use std::{
	fs::{self, OpenOptions},
	io::Write,
};

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
	let upload: UploadId = hex::decode(&location["/uploads/".len()..]).unwrap().try_into().unwrap();
	let partial = sidecar.dir.path().join("uploads").join(hex::encode(upload));
	OpenOptions::new().append(true).open(&partial).unwrap().write_all(&bytes[49_999..]).unwrap();
	let mut record = sidecar.state.index.upload(&upload).unwrap().unwrap();
	record.offset = record.length;
	record.content_id = Some(id_of(&bytes));
	sidecar.state.index.put_upload(&upload, &record).unwrap();

	let sidecar = sidecar.restart();
	let id = id_of(&bytes);
	sidecar.state.store.verify(&id).unwrap();
	let item = sidecar.state.index.item(&id).unwrap().unwrap();
	assert_eq!(item.state, ItemState::Uploaded { owner: dev_account(ALICE) });
	assert_eq!(content_id_header(&head(&sidecar, ALICE, &location).await), Some(hex_id(&bytes)));
	assert!(!partial.exists());
}
