//! Sessions: storing what arrives, the quota, ownership, termination and expiry.

use super::*;
use crate::{
	index::ItemState,
	testing::{content, dev_account, hex_id, id_of},
	uploads::protocol::parse_upload_id,
};
use std::fs;

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
	assert!(metrics.contains(&format!("pop_sidecar_upload_bytes_received_total {}\n", bytes.len())));
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
	assert_eq!(patch(&sidecar, ALICE, &first, 0, &bytes).await.status(), StatusCode::NO_CONTENT);
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
		.header("authorization", sidecar.authorization(BOB, Scope::Upload))
		.body(Body::empty())
		.unwrap();
	assert_eq!(sidecar.send(request).await.status(), StatusCode::FORBIDDEN);
	assert_eq!(offset_of(&sidecar, &location).await, 10);
}

#[tokio::test]
async fn termination_deletes_the_partial_and_an_unregistered_item() {
	let sidecar = Sidecar::new();
	let delete = |location: String| {
		let request = tus("DELETE", &location)
			.header("authorization", sidecar.authorization(ALICE, Scope::Upload))
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
	assert_eq!(patch(&sidecar, ALICE, &location, 10, &[1]).await.status(), StatusCode::NOT_FOUND);
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
async fn a_session_in_use_does_not_expire() {
	let sidecar = Sidecar::new();
	let location = start(&sidecar, ALICE, 100).await;
	let id = parse_upload_id(&location["/uploads/".len()..]).unwrap();
	let held = sidecar.state.uploads.leases.acquire(&id).await.unwrap();
	assert_eq!(sidecar.state.uploads.expire_sessions(u64::MAX).unwrap(), 0);
	drop(held);
	assert_eq!(sidecar.state.uploads.expire_sessions(u64::MAX).unwrap(), 1);
	assert_eq!(head(&sidecar, ALICE, &location).await.status(), StatusCode::NOT_FOUND);
}
