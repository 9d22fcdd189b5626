//! PATCH bodies: refused, checked, cut short, taken over and checkpointed.

use super::*;
use crate::{
	testing::{content, hex_id},
	uploads::{pipeline::CHECKPOINT_INTERVAL, protocol::parse_upload_id},
};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use bytes::Bytes;
use std::{convert::Infallible, io, time::Duration};
use tower::ServiceExt as _;

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
		.header("authorization", sidecar.authorization(ALICE, Scope::Upload))
		.header("content-type", "application/octet-stream")
		.header("upload-offset", 40)
		.body(Body::from(vec![2; 10]))
		.unwrap();
	assert_eq!(sidecar.send(request).await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
	let request = tus("PATCH", &location)
		.header("authorization", sidecar.authorization(ALICE, Scope::Upload))
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
