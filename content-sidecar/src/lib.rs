//! # pop-sidecar
//!
//! The daemon beside every masternode: it takes uploads, keeps content on disk, answers the
//! chain's storage challenges and streams bytes to viewers. One module per concern:
//!
//! - [`config`]: command line and environment.
//! - [`state`]: what handlers and the chain client share ([`AppState`]), and the parts of it
//!   that handlers take.
//! - [`auth`]: requests signed by POP accounts with tokens scoped to streaming or uploading (the
//!   format is documented there), and their extractors [`auth::Viewer`] and [`auth::Uploader`].
//! - [`uploads`]: resumable tus uploads at `/uploads`, one concern per submodule (protocol,
//!   handlers, sessions, recovery, removal, body pipeline, lease, error).
//! - [`receipts`]: upload receipts, signed by the proof key, that registering an upload on
//!   chain needs, and the seam to the key that signs them.
//! - [`streaming`]: `GET`/`HEAD /content/{id}` with ranges, sent from the page cache with
//!   `sendfile`.
//! - [`server`]: the HTTP/1.1 server: connections that send content with `sendfile`, a
//!   deadline for request heads, draining on shutdown.
//! - [`videos`]: uploaded videos transcoded into adaptive streams, HLS playlists for every
//!   video held, and the checks of fetched renditions.
//! - [`media`]: ffmpeg and ffprobe as processes, fragmented MP4 indexes and HLS playlists.
//! - [`ledger`]: the seam to the chain for the HTTP side and the collector: access grants for
//!   priced content, registrations, deposits.
//! - [`chain`]: the subxt client that answers challenges, replicates and confirms content,
//!   and reads grants: typed queries, a chain view, and a follower that plans each block's
//!   actions from a snapshot (pure, tested without a node) and then applies them.
//! - [`ops`]: `/health` and `/metrics`.
//! - [`keys`]: secret keys, key files readable by their owner alone, and which keys are the
//!   public development keys that only development chains accept.
//! - [`operator`]: the operator's commands (`key`, `masternode`, `status`).
//! - [`metrics`]: the Prometheus metrics, and the middleware counting requests.
//! - [`gc`]: deleting uploads not registered in time and content withdrawn from here, never
//!   what the chain may still need.
//! - [`error`]: the HTTP layer's one error type.
//! - [`hashing`]: the content commitment with native SHA-256, whole chunks hashed side by side.
//! - [`blob_store`]: finished content as immutable files named by id, written crash-safely,
//!   and the leaf proofs built from them.
//! - [`index`]: the metadata index (sled), rebuildable from the files.
//! - [`media`]: video with ffmpeg: probing, the adaptive ladder, transcoding, fragment indexes
//!   of renditions, HLS playlists, and the checks a holder runs on a rendition.
//! - `testing` (feature `test-utils`): the helpers the crate's tests and its network tests
//!   share.

#![deny(missing_docs)]

pub mod auth;
pub mod blob_store;
pub mod chain;
pub mod config;
pub mod error;
pub mod gc;
pub mod hashing;
pub mod index;
pub mod keys;
pub mod ledger;
pub mod media;
pub mod metrics;
pub mod operator;
pub mod ops;
pub mod receipts;
pub mod server;
pub mod state;
pub mod streaming;
pub mod uploads;
pub mod videos;

#[cfg(any(test, feature = "test-utils"))]
pub mod testing;

pub use state::AppState;

use axum::{
	extract::Request,
	http::{header, HeaderValue, Method, StatusCode},
	middleware::{self, Next},
	response::{IntoResponse, Response},
	Router,
};
use std::time::{SystemTime, UNIX_EPOCH};
use tower_http::{
	services::ServeDir,
	set_header::SetResponseHeaderLayer,
	trace::{DefaultOnResponse, TraceLayer},
};

/// The HTTP API of the sidecar, and the web app at `/` when `--web-dir` names it; every response
/// carries `X-Content-Type-Options: nosniff`.
pub fn app(state: AppState) -> Router {
	let router = Router::new()
		.merge(uploads::routes())
		.merge(streaming::routes())
		.merge(videos::routes())
		.merge(ops::routes());
	// The web app, at `/` and wherever no route answers (its assets).
	let router = match &state.config.web_dir {
		Some(dir) => router.merge(Router::new().fallback_service(ServeDir::new(dir)).layer(
			SetResponseHeaderLayer::overriding(
				header::CONTENT_SECURITY_POLICY,
				HeaderValue::from_static(WEB_APP_POLICY),
			),
		)),
		None => router,
	};
	router
		.layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::count_requests))
		.layer(
			TraceLayer::new_for_http()
				// The path only: a query may carry an auth token.
				.make_span_with(|request: &Request| {
					let path = request.uri().path();
					tracing::info_span!("http", method = %request.method(), path)
				})
				.on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
		)
		.layer(middleware::from_fn(cors))
		// Outermost, so every answer has it, errors and preflights too: browsers take the
		// `Content-Type` as given instead of guessing that bytes are a page or a script.
		.layer(SetResponseHeaderLayer::overriding(
			header::X_CONTENT_TYPE_OPTIONS,
			HeaderValue::from_static("nosniff"),
		))
		.with_state(state)
}

/// What the web app's pages may load: its own scripts and styles only (so markup slipped into
/// a page cannot run), WebAssembly for the chain's cryptography, media and posters from any
/// holder, the chain over WebSocket and holders over HTTP; no plugins, no framing.
const WEB_APP_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
	style-src 'self'; img-src * data: blob:; media-src * blob:; connect-src *; \
	worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Headers a cross-origin dapp may read.
const EXPOSED_HEADERS: &str = "location, upload-offset, upload-length, tus-version, \
	tus-resumable, tus-max-size, tus-extension, tus-checksum-algorithm, pop-content-id, \
	pop-receipt-expires, pop-receipt-signature, content-range, content-length, accept-ranges, etag";

/// CORS for dapps on any origin (credentials are tokens, never cookies). Only real preflights,
/// which carry `Access-Control-Request-Method`, are answered here: a tus `OPTIONS` request
/// still reaches its handler.
async fn cors(request: Request, next: Next) -> Response {
	let preflight = request.method() == Method::OPTIONS
		&& request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
	let mut response = if preflight {
		let mut response = StatusCode::NO_CONTENT.into_response();
		let headers = response.headers_mut();
		headers.insert(
			header::ACCESS_CONTROL_ALLOW_METHODS,
			HeaderValue::from_static("GET, HEAD, POST, PATCH, DELETE, OPTIONS"),
		);
		if let Some(asked) = request.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
			headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
		}
		headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
		response
	} else {
		next.run(request).await
	};
	let headers = response.headers_mut();
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
	headers
		.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
	response
}

/// Unix time in milliseconds.
pub fn unix_time_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64)
}

/// Unix time in seconds.
pub fn unix_time_secs() -> u64 {
	unix_time_ms() / 1000
}

#[cfg(test)]
mod tests {
	use crate::{
		auth::Scope,
		blob_store::id_hex,
		testing::{content, header, Sidecar},
	};
	use axum::{body::Body, http::Request};

	#[tokio::test]
	async fn every_response_says_nosniff() {
		let sidecar = Sidecar::new();
		let free = id_hex(&sidecar.store_registered(&content(100, 1), 0, "video/mp4"));
		let priced = id_hex(&sidecar.store_registered(&content(100, 2), 5, "text/html"));
		let upload_token = sidecar.authorization("Alice", Scope::Upload);
		let stream_token = sidecar.authorization("Alice", Scope::Stream);
		let tus = |method: &str, uri: &str| {
			Request::builder().method(method).uri(uri).header("tus-resumable", "1.0.0")
		};
		let requests = [
			(Request::get(format!("/content/{free}")), 200),
			(Request::get(format!("/content/{free}")).header("range", "bytes=0-9"), 206),
			(Request::get(format!("/content/{free}")).header("range", "bytes=500-"), 416),
			(Request::head(format!("/content/{free}")), 200),
			(Request::get(format!("/content/{}", "00".repeat(32))), 404),
			(Request::get("/content/nope"), 400),
			(Request::get(format!("/content/{priced}")), 401),
			(
				Request::get(format!("/content/{priced}")).header("authorization", &stream_token),
				402,
			),
			(
				Request::get(format!("/content/{priced}")).header("authorization", &upload_token),
				403,
			),
			(Request::put(format!("/content/{free}")), 405),
			(Request::get("/nowhere"), 404),
			(Request::get("/health"), 200),
			(Request::get("/metrics"), 200),
			(Request::options("/uploads"), 204),
			(
				Request::options("/uploads")
					.header("origin", "https://dapp.example")
					.header("access-control-request-method", "PATCH"),
				204,
			),
			(
				tus("POST", "/uploads")
					.header("authorization", &upload_token)
					.header("upload-length", 5),
				201,
			),
			(tus("POST", "/uploads").header("upload-length", 5), 401),
			(
				tus("POST", "/uploads")
					.header("authorization", &stream_token)
					.header("upload-length", 5),
				403,
			),
			(Request::post("/uploads").header("authorization", &upload_token), 412),
			(
				tus("HEAD", &format!("/uploads/{}", "ab".repeat(16)))
					.header("authorization", &upload_token),
				404,
			),
		];
		for (request, status) in requests {
			let asked = format!("{:?} {:?}", request.method_ref(), request.uri_ref());
			let response = sidecar.send(request.body(Body::empty()).unwrap()).await;
			assert_eq!(response.status(), status, "{asked}");
			assert_eq!(header(&response, "x-content-type-options"), Some("nosniff"), "{asked}");
		}
	}

	#[tokio::test]
	async fn cors_preflights_are_answered_and_tus_options_still_work() {
		let sidecar = Sidecar::new();
		let preflight = Request::options("/uploads")
			.header("origin", "https://dapp.example")
			.header("access-control-request-method", "PATCH")
			.header("access-control-request-headers", "authorization, upload-offset")
			.body(Body::empty())
			.unwrap();
		let response = sidecar.send(preflight).await;
		assert_eq!(response.status(), 204);
		assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
		assert_eq!(
			header(&response, "access-control-allow-headers"),
			Some("authorization, upload-offset")
		);
		assert!(header(&response, "access-control-allow-methods").unwrap().contains("PATCH"));

		let discovery = Request::options("/uploads").body(Body::empty()).unwrap();
		let response = sidecar.send(discovery).await;
		assert_eq!(header(&response, "tus-version"), Some("1.0.0"));
		assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
		assert!(header(&response, "access-control-expose-headers")
			.unwrap()
			.contains("pop-content-id"));
	}

	#[tokio::test]
	async fn the_web_app_is_served_under_its_policy_beside_the_api() {
		let web = tempfile::tempdir().unwrap();
		std::fs::write(web.path().join("index.html"), "<!doctype html><title>POP</title>").unwrap();
		std::fs::write(web.path().join("app.js"), "console.log('pop')").unwrap();
		let sidecar = Sidecar::with(|config| config.web_dir = Some(web.path().to_owned()));
		for (uri, status, kind) in [
			("/", 200, Some("text/html")),
			("/app.js", 200, Some("text/javascript")),
			("/../Cargo.toml", 404, None),
			("/missing.js", 404, None),
		] {
			let response = sidecar.send(Request::get(uri).body(Body::empty()).unwrap()).await;
			assert_eq!(response.status(), status, "{uri}");
			if let Some(kind) = kind {
				assert!(header(&response, "content-type").unwrap().starts_with(kind), "{uri}");
				let policy = header(&response, "content-security-policy").unwrap();
				assert!(policy.contains("script-src 'self'") && policy.contains("object-src 'none'"));
			}
		}
		// The API answers as without it.
		let health = sidecar.send(Request::get("/health").body(Body::empty()).unwrap()).await;
		assert_eq!(health.status(), 200);
		assert_eq!(header(&health, "content-security-policy"), None);
		let content = sidecar.send(Request::get("/content/nope").body(Body::empty()).unwrap()).await;
		assert_eq!(content.status(), 400);
	}

}
