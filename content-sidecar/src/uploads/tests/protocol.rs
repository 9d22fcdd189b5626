//! What the server speaks: discovery, versions, signatures and the creation headers.

use super::*;
use crate::{
	auth,
	index::DEFAULT_MIME,
	testing::{dev_account, id_of},
};
use axum::http::Method;
use sp_core::Pair as _;

#[tokio::test]
async fn options_advertise_the_protocol() {
	let sidecar = Sidecar::with(|config| config.max_upload_size = 12345);
	let response = sidecar
		.send(Request::builder().method("OPTIONS").uri("/uploads").body(Body::empty()).unwrap())
		.await;
	assert_eq!(response.status(), StatusCode::NO_CONTENT);
	assert_eq!(header(&response, "tus-resumable"), Some("1.0.0"));
	assert_eq!(header(&response, "tus-version"), Some("1.0.0"));
	assert_eq!(header(&response, "tus-extension"), Some("creation,termination,checksum"));
	assert_eq!(header(&response, "tus-max-size"), Some("12345"));
	assert_eq!(header(&response, "tus-checksum-algorithm"), Some("sha256,sha1"));
}

#[tokio::test]
async fn an_item_without_a_filetype_is_an_octet_stream() {
	let sidecar = Sidecar::new();
	let response = create_upload(&sidecar, ALICE, 5, "filename bW92aWUubXA0,private").await;
	let location = header(&response, "location").unwrap().to_owned();
	assert_eq!(
		patch(&sidecar, ALICE, &location, 0, b"hello").await.status(),
		StatusCode::NO_CONTENT
	);
	let item = sidecar.state.index.item(&id_of(b"hello")).unwrap().unwrap();
	assert_eq!(item.mime, DEFAULT_MIME);
}

#[tokio::test]
async fn unsigned_and_badly_signed_requests_are_refused_and_change_nothing() {
	let sidecar = Sidecar::new();
	let audience = sidecar.state.config.public_url.clone();
	let now = crate::unix_time_secs();
	let alice = crate::testing::dev_pair(ALICE);
	let sign = |audience: &str, expires| auth::sign_token(&alice, Scope::Upload, audience, expires);
	let alice_token = sign(&audience, now + 60);
	let (alice_address, bob_address) =
		(auth::ss58(&dev_account(ALICE)), auth::ss58(&dev_account(BOB)));
	let v1_message = format!("pop-sidecar-auth:v1:{audience}:{}", now + 60);
	let v1_signature = hex::encode(alice.sign(v1_message.as_bytes()).0);
	let cases = [
		(None, "needs a signed request"),
		(
			Some(format!("PopSr25519 {}", alice_token.replace(&alice_address, &bob_address))),
			"signature",
		),
		(Some(format!("PopSr25519 {}", sign(&audience, now - 1))), "expired"),
		(Some(format!("PopSr25519 {}", sign(&audience, now + 2 * 86_400))), "more than"),
		(
			Some(format!("PopSr25519 {}", sign("http://elsewhere:8090", now + 60))),
			"another sidecar",
		),
		(Some("PopSr25519 garbage".into()), "malformed"),
		(Some(format!("Bearer {alice_token}")), "PopSr25519 scheme"),
		(
			Some(format!("PopSr25519 {alice_address}.{}.0x{v1_signature}", now + 60)),
			"pop-sidecar-auth:v2:",
		),
	];
	for (authorization, reason) in cases {
		let mut request = tus("POST", "/uploads").header("upload-length", 10);
		if let Some(authorization) = &authorization {
			request = request.header("authorization", authorization);
		}
		let response = sidecar.send(request.body(Body::empty()).unwrap()).await;
		assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
		assert_eq!(header(&response, "www-authenticate"), Some("PopSr25519"));
		let error = error_of(response).await;
		assert!(error.contains(reason), "{authorization:?}: {error}");
	}
	assert!(sidecar.state.index.uploads().unwrap().is_empty());

	// Never in the URL, where proxies log it.
	let request = tus("POST", &format!("/uploads?auth={alice_token}"))
		.header("upload-length", 10)
		.body(Body::empty())
		.unwrap();
	let response = sidecar.send(request).await;
	assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
	assert!(error_of(response).await.contains("never taken from the URL"));
	assert!(sidecar.state.index.uploads().unwrap().is_empty());
}

#[tokio::test]
async fn a_stream_token_never_touches_uploads() {
	let sidecar = Sidecar::new();
	let location = start(&sidecar, ALICE, 10).await;
	assert_eq!(
		patch(&sidecar, ALICE, &location, 0, b"hello").await.status(),
		StatusCode::NO_CONTENT
	);
	let stream = sidecar.authorization(ALICE, Scope::Stream);
	let requests = [
		tus("POST", "/uploads").header("authorization", &stream).header("upload-length", 10),
		tus("PATCH", &location)
			.header("authorization", &stream)
			.header("content-type", OFFSET_OCTET_STREAM)
			.header("upload-offset", 5),
		tus("HEAD", &location).header("authorization", &stream),
		tus("DELETE", &location).header("authorization", &stream),
	];
	for request in requests {
		let method = request.method_ref().unwrap().clone();
		let body = if method == Method::PATCH { "world" } else { "" };
		let response = sidecar.send(request.body(Body::from(body)).unwrap()).await;
		assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method}");
		assert_eq!(header(&response, "upload-offset"), None);
		assert_eq!(header(&response, "location"), None);
		assert_eq!(header(&response, "pop-receipt-signature"), None);
		// A HEAD answer has no body to explain itself in.
		if method != Method::HEAD {
			let error = error_of(response).await;
			assert!(error.contains("scope `upload`") && error.contains("`stream`"), "{error}");
		}
	}
	// Still the one upload, at its offset, with nothing stored as an item.
	let uploads = sidecar.state.index.uploads().unwrap();
	assert_eq!(uploads.len(), 1);
	assert_eq!(offset_of(&sidecar, &location).await, 5);
	assert!(sidecar.state.index.items().unwrap().is_empty());
	// A stream token in the URL is no better.
	let request = tus("POST", &format!("/uploads?auth={}", sidecar.token(ALICE, Scope::Stream)))
		.header("upload-length", 10)
		.body(Body::empty())
		.unwrap();
	assert_eq!(sidecar.send(request).await.status(), StatusCode::UNAUTHORIZED);
	assert_eq!(sidecar.state.index.uploads().unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_or_missing_tus_version_is_a_failed_precondition() {
	let sidecar = Sidecar::new();
	for version in [Some("0.2.2"), None] {
		let mut request = Request::builder()
			.method("POST")
			.uri("/uploads")
			.header("authorization", sidecar.authorization(ALICE, Scope::Upload))
			.header("upload-length", 10);
		if let Some(version) = version {
			request = request.header("tus-resumable", version);
		}
		let response = sidecar.send(request.body(Body::empty()).unwrap()).await;
		assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
		assert_eq!(header(&response, "tus-version"), Some("1.0.0"));
		assert_eq!(header(&response, "tus-resumable"), Some("1.0.0"));
	}
	assert!(sidecar.state.index.uploads().unwrap().is_empty());
}

#[tokio::test]
async fn bad_creations_are_refused_with_their_reason() {
	let sidecar = Sidecar::with(|config| config.max_upload_size = 1000);
	let send = |length: Option<&str>, extra: Option<(&str, &str)>| {
		let mut request = tus("POST", "/uploads")
			.header("authorization", sidecar.authorization(ALICE, Scope::Upload));
		if let Some(length) = length {
			request = request.header("upload-length", length);
		}
		if let Some((name, value)) = extra {
			request = request.header(name, value);
		}
		sidecar.send(request.body(Body::empty()).unwrap())
	};
	let cases = [
		(send(None, None).await, StatusCode::BAD_REQUEST, "Upload-Length is required"),
		(
			send(None, Some(("upload-defer-length", "1"))).await,
			StatusCode::BAD_REQUEST,
			"Upload-Defer-Length",
		),
		(send(Some("0"), None).await, StatusCode::BAD_REQUEST, "at least one byte"),
		(send(Some("-5"), None).await, StatusCode::BAD_REQUEST, "whole number"),
		(send(Some("1001"), None).await, StatusCode::PAYLOAD_TOO_LARGE, "1000 bytes"),
		(
			send(Some("10"), Some(("upload-metadata", "filetype %%%"))).await,
			StatusCode::BAD_REQUEST,
			"base64",
		),
		(
			send(Some("10"), Some(("upload-metadata", "a YQ==,a YQ=="))).await,
			StatusCode::BAD_REQUEST,
			"twice",
		),
		// "not a type"
		(
			send(Some("10"), Some(("upload-metadata", "filetype bm90IGEgdHlwZQ=="))).await,
			StatusCode::BAD_REQUEST,
			"media type",
		),
	];
	for (response, status, reason) in cases {
		assert_eq!(response.status(), status);
		let error = error_of(response).await;
		assert!(error.contains(reason), "{error} should say {reason}");
	}
	assert!(sidecar.state.index.uploads().unwrap().is_empty());
	assert_eq!(send(Some("1000"), None).await.status(), StatusCode::CREATED);
}
