//! Serving through the app: headers, `HEAD`, what is served and to whom; what the streaming
//! tests share.

use crate::{
	auth,
	blob_store::id_hex,
	index::ItemState,
	testing::{body_of, content, dev_account, header, Sidecar},
};
use axum::{
	body::Body,
	http::{request::Builder, Request, StatusCode},
	response::Response,
};
use pop_primitives::commitment::ContentId;

pub(super) const SIZE: usize = 10_000;

/// A request for `id`.
pub(super) fn get(id: &ContentId) -> Builder {
	Request::builder().uri(format!("/content/0x{}", id_hex(id)))
}

/// Sends `request` with an empty body.
pub(super) async fn send(sidecar: &Sidecar, request: Builder) -> Response {
	sidecar.send(request.body(Body::empty()).unwrap()).await
}

/// A sidecar holding a free registered item; returns it, the item and its bytes.
pub(super) fn with_free_item() -> (Sidecar, ContentId, Vec<u8>) {
	let sidecar = Sidecar::new();
	let bytes = content(SIZE, 1);
	let id = sidecar.store_registered(&bytes, 0, "video/mp4");
	(sidecar, id, bytes)
}

#[tokio::test]
async fn the_whole_item_comes_with_its_headers() {
	let (sidecar, id, bytes) = with_free_item();
	let response = send(&sidecar, get(&id)).await;
	assert_eq!(response.status(), StatusCode::OK);
	assert_eq!(header(&response, "content-length"), Some("10000"));
	assert_eq!(header(&response, "content-type"), Some("video/mp4"));
	assert_eq!(header(&response, "accept-ranges"), Some("bytes"));
	assert_eq!(header(&response, "etag"), Some(&*format!("\"{}\"", id_hex(&id))));
	assert_eq!(header(&response, "cache-control"), Some("public, max-age=31536000, immutable"));
	assert_eq!(header(&response, "content-range"), None);
	assert_eq!(body_of(response).await, bytes);
	assert!(sidecar.state.metrics.encode().contains("pop_sidecar_bytes_served_total 10000\n"));

	// Without the 0x too.
	let response =
		send(&sidecar, Request::builder().uri(format!("/content/{}", id_hex(&id)))).await;
	assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn head_gives_the_headers_without_the_bytes() {
	let (sidecar, id, _) = with_free_item();
	let response = send(&sidecar, get(&id).method("HEAD")).await;
	assert_eq!(response.status(), StatusCode::OK);
	assert_eq!(header(&response, "content-length"), Some("10000"));
	assert_eq!(header(&response, "etag"), Some(&*format!("\"{}\"", id_hex(&id))));
	assert!(body_of(response).await.is_empty());
	let response = send(&sidecar, get(&id).method("HEAD").header("range", "bytes=-10")).await;
	assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
	assert_eq!(header(&response, "content-range"), Some("bytes 9990-9999/10000"));
	assert_eq!(header(&response, "content-length"), Some("10"));
}

#[tokio::test]
async fn only_registered_items_are_served() {
	let (sidecar, _, _) = with_free_item();
	let unknown = ContentId([9; 32]);
	assert_eq!(send(&sidecar, get(&unknown)).await.status(), StatusCode::NOT_FOUND);
	let response = send(&sidecar, Request::builder().uri("/content/0x1234")).await;
	assert_eq!(response.status(), StatusCode::BAD_REQUEST);

	for state in [ItemState::Uploaded { owner: dev_account("Alice") }, ItemState::Recovered] {
		let bytes = content(100, 2);
		let id = sidecar.store_registered(&bytes, 0, "video/mp4");
		let mut item = sidecar.state.index.item(&id).unwrap().unwrap();
		item.state = state;
		sidecar.state.index.put_item(&id, &item).unwrap();
		assert_eq!(send(&sidecar, get(&id)).await.status(), StatusCode::NOT_FOUND, "{state:?}");
	}
	// Registered, but the file is gone.
	let id = sidecar.store_registered(&content(100, 3), 0, "video/mp4");
	sidecar.state.store.remove(&id).unwrap();
	assert_eq!(send(&sidecar, get(&id)).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn priced_items_need_a_signed_request_with_a_grant() {
	let sidecar = Sidecar::new();
	let bytes = content(SIZE, 4);
	let id = sidecar.store_registered(&bytes, 5_000, "video/webm");
	let response = send(&sidecar, get(&id).header("range", "bytes=0-9")).await;
	assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

	let as_bob = get(&id).header("authorization", sidecar.authorization("Bob"));
	assert_eq!(send(&sidecar, as_bob).await.status(), StatusCode::PAYMENT_REQUIRED);
	let expired =
		auth::sign_token(&crate::testing::dev_pair("Alice"), &sidecar.state.config.public_url, 1);
	let response =
		send(&sidecar, get(&id).header("authorization", format!("PopSr25519 {expired}"))).await;
	assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

	sidecar.grants.grant(dev_account("Alice"), id);
	let as_alice = get(&id)
		.header("authorization", sidecar.authorization("Alice"))
		.header("range", "bytes=100-199");
	let response = send(&sidecar, as_alice).await;
	assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
	assert_eq!(header(&response, "cache-control"), Some("private, max-age=31536000, immutable"));
	assert_eq!(header(&response, "content-type"), Some("video/webm"));
	assert_eq!(body_of(response).await, bytes[100..200]);
	// As a <video src> would ask.
	let uri = format!("/content/0x{}?auth={}", id_hex(&id), sidecar.token("Alice"));
	let response = send(&sidecar, Request::builder().uri(uri)).await;
	assert_eq!(response.status(), StatusCode::OK);
	assert_eq!(body_of(response).await, bytes);
	let bob = get(&id).header("authorization", sidecar.authorization("Bob"));
	assert_eq!(send(&sidecar, bob).await.status(), StatusCode::PAYMENT_REQUIRED);
}
