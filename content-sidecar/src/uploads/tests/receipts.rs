//! Upload receipts: handed to the creator with the completing PATCH and every later HEAD,
//! verifiable against the chain's payload, and to nobody else.

use super::*;
use crate::testing::{content, dev_account, dev_proof_key, id_of};
use pop_primitives::UploadReceipt;
use sp_core::{sr25519, Pair as _};
use std::time::Duration;

/// The receipt a response carries: its expiry and signature, if any.
fn receipt_of(response: &Response) -> Option<(u64, sr25519::Signature)> {
	let expires = header(response, "pop-receipt-expires")?.parse().unwrap();
	let signature = header(response, "pop-receipt-signature").unwrap();
	let digits = signature.strip_prefix("0x").unwrap();
	assert_eq!(digits.len(), 128, "{signature}");
	let raw: [u8; 64] = hex::decode(digits).unwrap().try_into().unwrap();
	Some((expires, sr25519::Signature::from_raw(raw)))
}

/// Whether `signature` is the dev proof key's signature of `owner`'s receipt for `bytes`.
fn signed_for(owner: &str, bytes: &[u8], expires_ms: u64, signature: &sr25519::Signature) -> bool {
	let receipt = UploadReceipt {
		owner: dev_account(owner),
		content: id_of(bytes),
		size: bytes.len() as u64,
		expires_ms,
	};
	sr25519::Pair::verify(signature, receipt.signing_payload(), &dev_proof_key().public())
}

#[tokio::test]
async fn the_completing_patch_carries_a_receipt_the_chain_can_verify() {
	let sidecar = Sidecar::with(|config| config.receipt_validity = Duration::from_secs(600));
	let bytes = content(5000, 3);
	let location = start(&sidecar, ALICE, bytes.len() as u64).await;
	let response = patch(&sidecar, ALICE, &location, 0, &bytes[..100]).await;
	assert_eq!(receipt_of(&response), None, "no receipt before the last byte");

	let before = crate::unix_time_ms();
	let response = patch(&sidecar, ALICE, &location, 100, &bytes[100..]).await;
	let after = crate::unix_time_ms();
	assert_eq!(response.status(), StatusCode::NO_CONTENT);
	let (expires, signature) = receipt_of(&response).expect("a receipt");
	assert!((before + 600_000..=after + 600_000).contains(&expires), "{expires}");
	assert!(signed_for(ALICE, &bytes, expires, &signature));
	// For Alice, these bytes and this expiry only.
	assert!(!signed_for(BOB, &bytes, expires, &signature));
	assert!(!signed_for(ALICE, &bytes[1..], expires, &signature));
	assert!(!signed_for(ALICE, &bytes, expires + 1, &signature));
	let exposed = header(&response, "access-control-expose-headers").unwrap();
	assert!(exposed.contains("pop-receipt-expires") && exposed.contains("pop-receipt-signature"));
}

#[tokio::test]
async fn the_uploader_asks_again_with_head_and_nobody_else_gets_one() {
	let sidecar = Sidecar::new();
	let bytes = content(3000, 4);
	let location = start(&sidecar, ALICE, bytes.len() as u64).await;
	let response = head(&sidecar, ALICE, &location).await;
	assert_eq!(receipt_of(&response), None, "no receipt for an unfinished upload");
	patch(&sidecar, ALICE, &location, 0, &bytes).await;

	// The completing response was lost: HEAD gives a fresh receipt.
	let response = head(&sidecar, ALICE, &location).await;
	assert_eq!(response.status(), StatusCode::OK);
	let (expires, signature) = receipt_of(&response).expect("a receipt");
	assert!(signed_for(ALICE, &bytes, expires, &signature));

	// Bob can see neither the upload nor a receipt, not even one naming himself.
	for request in
		[head(&sidecar, BOB, &location).await, patch(&sidecar, BOB, &location, 3000, b"").await]
	{
		assert_eq!(request.status(), StatusCode::FORBIDDEN);
		assert_eq!(receipt_of(&request), None);
		assert_eq!(content_id_header(&request), None);
	}
	// Nor without signing at all.
	let unsigned = tus("HEAD", &location).body(Body::empty()).unwrap();
	let response = sidecar.send(unsigned).await;
	assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
	assert_eq!(receipt_of(&response), None);

	// Bob uploading the same bytes gets his own receipt, naming him; Alice's still names her.
	let his = start(&sidecar, BOB, bytes.len() as u64).await;
	let (expires, signature) = receipt_of(&patch(&sidecar, BOB, &his, 0, &bytes).await).unwrap();
	assert!(signed_for(BOB, &bytes, expires, &signature));
	let (expires, signature) = receipt_of(&head(&sidecar, ALICE, &location).await).unwrap();
	assert!(signed_for(ALICE, &bytes, expires, &signature));
	let uploaders = sidecar.state.uploads.uploaders(&id_of(&bytes)).unwrap();
	assert_eq!(uploaders, [dev_account(ALICE), dev_account(BOB)].into());
}

#[tokio::test]
async fn no_receipt_once_the_item_is_gone() {
	let sidecar = Sidecar::new();
	let bytes = content(2000, 5);
	let location = start(&sidecar, ALICE, bytes.len() as u64).await;
	patch(&sidecar, ALICE, &location, 0, &bytes).await;
	sidecar.state.store.remove(&id_of(&bytes)).unwrap();
	let response = head(&sidecar, ALICE, &location).await;
	assert_eq!(response.status(), StatusCode::OK);
	assert_eq!(receipt_of(&response), None);
}
