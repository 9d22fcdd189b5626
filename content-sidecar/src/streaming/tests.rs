//! Serving through the app: headers, `HEAD`, what is served and to whom; what the streaming
//! tests share.

use crate::{
	auth::{self, Scope},
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
use std::time::Duration;

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

/// Cheap requests must not push the items players stream out of those kept open.
#[tokio::test]
async fn head_neither_opens_an_item_nor_keeps_it_open() {
	let (sidecar, id, _) = with_free_item();
	let store = &sidecar.state.store;
	assert_eq!(send(&sidecar, get(&id).method("HEAD")).await.status(), StatusCode::OK);
	assert!(store.kept_open(&id).is_none(), "HEAD kept the item open");

	assert_eq!(send(&sidecar, get(&id)).await.status(), StatusCode::OK);
	let kept = store.kept_open(&id).expect("GET keeps the item open");
	// A HEAD of an item already open uses it, and keeps it where it is.
	let response = send(&sidecar, get(&id).method("HEAD")).await;
	assert_eq!(header(&response, "content-length"), Some("10000"));
	assert!(std::sync::Arc::ptr_eq(&kept, &store.kept_open(&id).unwrap()));

	// A HEAD of an item gone from the disk behind the index's back is a 404, as a GET is.
	store.remove(&id).unwrap();
	let response = send(&sidecar, get(&id).method("HEAD")).await;
	assert_eq!(response.status(), StatusCode::NOT_FOUND);
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

	let as_bob = get(&id).header("authorization", sidecar.authorization("Bob", Scope::Stream));
	assert_eq!(send(&sidecar, as_bob).await.status(), StatusCode::PAYMENT_REQUIRED);
	let alice = crate::testing::dev_pair("Alice");
	let expired = auth::sign_token(&alice, Scope::Stream, &sidecar.state.config.public_url, 1);
	let response =
		send(&sidecar, get(&id).header("authorization", format!("PopSr25519 {expired}"))).await;
	assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

	sidecar.ledger.grant(dev_account("Alice"), id);
	let as_alice = get(&id)
		.header("authorization", sidecar.authorization("Alice", Scope::Stream))
		.header("range", "bytes=100-199");
	let response = send(&sidecar, as_alice).await;
	assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
	assert_eq!(header(&response, "cache-control"), Some("private, max-age=31536000, immutable"));
	assert_eq!(header(&response, "content-type"), Some("video/webm"));
	assert_eq!(body_of(response).await, bytes[100..200]);
	// As a <video src> would ask.
	let uri = format!("/content/0x{}?auth={}", id_hex(&id), sidecar.token("Alice", Scope::Stream));
	let response = send(&sidecar, Request::builder().uri(uri)).await;
	assert_eq!(response.status(), StatusCode::OK);
	assert_eq!(body_of(response).await, bytes);
	let bob = get(&id).header("authorization", sidecar.authorization("Bob", Scope::Stream));
	assert_eq!(send(&sidecar, bob).await.status(), StatusCode::PAYMENT_REQUIRED);
}

#[tokio::test]
async fn an_upload_token_never_streams() {
	let sidecar = Sidecar::new();
	let id = sidecar.store_registered(&content(SIZE, 5), 5_000, "video/mp4");
	sidecar.ledger.grant(dev_account("Alice"), id);
	let in_header = get(&id).header("authorization", sidecar.authorization("Alice", Scope::Upload));
	let in_query = Request::builder().uri(format!(
		"/content/0x{}?auth={}",
		id_hex(&id),
		sidecar.token("Alice", Scope::Upload)
	));
	for request in [in_header, in_query] {
		let response = send(&sidecar, request).await;
		assert_eq!(response.status(), StatusCode::FORBIDDEN);
		assert_eq!(header(&response, "content-range"), None);
		let body = String::from_utf8(body_of(response).await.to_vec()).unwrap();
		assert!(body.contains("scope `stream`"), "{body}");
	}
}

#[tokio::test]
async fn a_stream_token_valid_for_longer_than_allowed_is_refused() {
	let alice = crate::testing::dev_pair("Alice");
	let now = crate::unix_time_secs();
	// The default bound is ten minutes.
	let sidecar = Sidecar::new();
	let id = sidecar.store_registered(&content(SIZE, 6), 5_000, "video/mp4");
	sidecar.ledger.grant(dev_account("Alice"), id);
	let signed = |sidecar: &Sidecar, id: &ContentId, expires| {
		let audience = &sidecar.state.config.public_url;
		let token = auth::sign_token(&alice, Scope::Stream, audience, expires);
		get(id).header("authorization", format!("PopSr25519 {token}"))
	};
	let response = send(&sidecar, signed(&sidecar, &id, now + 700)).await;
	assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
	let body = String::from_utf8(body_of(response).await.to_vec()).unwrap();
	assert!(body.contains("more than 600 s"), "{body}");
	assert_eq!(send(&sidecar, signed(&sidecar, &id, now + 500)).await.status(), StatusCode::OK);

	// And `--stream-token-validity` sets it.
	let sidecar = Sidecar::with(|config| config.stream_token_validity = Duration::from_secs(60));
	let id = sidecar.store_registered(&content(SIZE, 6), 5_000, "video/mp4");
	sidecar.ledger.grant(dev_account("Alice"), id);
	let response = send(&sidecar, signed(&sidecar, &id, now + 120)).await;
	assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
	assert_eq!(header(&response, "www-authenticate"), Some("PopSr25519"));
	assert_eq!(send(&sidecar, signed(&sidecar, &id, now + 30)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn active_types_are_served_as_attachments_of_bytes() {
	let sidecar = Sidecar::new();
	for (mime, seed) in [("text/html", 7), ("image/svg+xml", 8), ("Text/HTML; charset=utf-8", 9)] {
		let bytes = content(SIZE, seed);
		let id = sidecar.store_registered(&bytes, 0, mime);
		for method in ["GET", "HEAD"] {
			let response = send(&sidecar, get(&id).method(method)).await;
			assert_eq!(response.status(), StatusCode::OK, "{mime} {method}");
			assert_eq!(header(&response, "content-type"), Some("application/octet-stream"));
			assert_eq!(header(&response, "content-disposition"), Some("attachment"));
			assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"));
			let body = body_of(response).await;
			assert_eq!(body, if method == "GET" { &bytes[..] } else { &[][..] }, "{mime} {method}");
		}
	}
	// Passive types stay inline, as registered.
	let (sidecar, id, _) = with_free_item();
	let response = send(&sidecar, get(&id)).await;
	assert_eq!(header(&response, "content-type"), Some("video/mp4"));
	assert_eq!(header(&response, "content-disposition"), None);
}
