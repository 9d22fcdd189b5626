//! Operations endpoints: `/health` (JSON) and `/metrics` (Prometheus / OpenMetrics text).

use crate::{auth::TokenPolicy, state::AppState};
use axum::{
	extract::State,
	http::{header, HeaderValue},
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use serde::Serialize;

/// The operations routes.
pub fn routes() -> Router<AppState> {
	Router::new().route("/health", get(health)).route("/metrics", get(metrics))
}

/// The body of `/health`.
#[derive(Serialize, Debug)]
pub struct Health {
	/// `ok` whenever the sidecar answers.
	pub status: &'static str,
	/// The sidecar's version.
	pub version: &'static str,
	/// The audience auth tokens must be signed for (the configured public URL).
	pub audience: String,
	/// Longest a stream token may be valid for, in seconds (`--stream-token-validity`).
	pub stream_token_max_secs: u64,
	/// Longest an upload token may be valid for, in seconds (`--upload-token-validity`).
	pub upload_token_max_secs: u64,
	/// The chain's RPC WebSocket URL for browsers (`--public-node-url`, else `--node-url`).
	pub node_rpc: String,
	/// Content items stored.
	pub items_stored: u64,
	/// Bytes of content stored.
	pub disk_bytes: u64,
	/// Bytes free on the data directory's file system, if it can be read.
	pub disk_free_bytes: Option<u64>,
	/// Free space the sidecar leaves on that file system (`--disk-reserve`).
	pub disk_reserve_bytes: u64,
	/// The proof key this sidecar signs proofs and receipts with (SS58): the chain names the
	/// masternode it signs for.
	pub proof_key: String,
}

async fn health(State(state): State<AppState>, State(tokens): State<TokenPolicy>) -> Json<Health> {
	let usage = state.store.usage();
	Json(Health {
		status: "ok",
		version: env!("CARGO_PKG_VERSION"),
		audience: tokens.audience,
		stream_token_max_secs: tokens.stream_validity_secs,
		upload_token_max_secs: tokens.upload_validity_secs,
		node_rpc: state
			.config
			.public_node_url
			.clone()
			.unwrap_or_else(|| state.config.node_url.clone()),
		items_stored: usage.items,
		disk_bytes: usage.bytes,
		disk_free_bytes: state.store.free_space().ok(),
		disk_reserve_bytes: state.config.disk_reserve,
		proof_key: crate::auth::ss58(&state.uploads.proof_key()),
	})
}

async fn metrics(State(state): State<AppState>) -> Response {
	let bytes = i64::try_from(state.store.usage().bytes).unwrap_or(i64::MAX);
	state.metrics.disk_bytes.set(bytes);
	if let Ok(free) = state.store.free_space() {
		state.metrics.disk_free_bytes.set(i64::try_from(free).unwrap_or(i64::MAX));
	}
	state.metrics.disk_reserve_bytes.set(i64::try_from(state.config.disk_reserve).unwrap_or(i64::MAX));
	(
		[(
			header::CONTENT_TYPE,
			HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
		)],
		state.metrics.encode(),
	)
		.into_response()
}

#[cfg(test)]
mod tests {
	use crate::testing::{body_of, content, header, Sidecar};
	use axum::{body::Body, http::Request};

	#[tokio::test]
	async fn health_reports_the_store() {
		let sidecar = Sidecar::new();
		sidecar.store_registered(&content(1234, 1), 0, "video/mp4");
		let response = sidecar.send(Request::get("/health").body(Body::empty()).unwrap()).await;
		let health: serde_json::Value = serde_json::from_slice(&body_of(response).await).unwrap();
		assert_eq!(health["status"], "ok");
		assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
		assert_eq!(health["audience"], "http://127.0.0.1:8080");
		assert_eq!(health["stream_token_max_secs"], 600);
		assert_eq!(health["upload_token_max_secs"], 86_400);
		assert_eq!(health["items_stored"], 1);
		assert_eq!(health["disk_bytes"], 1234);
		assert!(health["disk_free_bytes"].as_u64().unwrap() > 0);
		assert_eq!(health["disk_reserve_bytes"], sidecar.state.config.disk_reserve);
		assert_eq!(health["proof_key"], crate::auth::ss58(&sp_core::Pair::public(&crate::testing::dev_proof_key()).0));
	}

	#[tokio::test]
	async fn metrics_count_requests_by_route_and_status() {
		let sidecar = Sidecar::new();
		sidecar.store_registered(&content(10, 1), 0, "video/mp4");
		let missing = format!("/content/{}", "00".repeat(32));
		sidecar.send(Request::get(&missing).body(Body::empty()).unwrap()).await;
		let response = sidecar.send(Request::get("/metrics").body(Body::empty()).unwrap()).await;
		assert!(header(&response, "content-type")
			.unwrap()
			.starts_with("application/openmetrics-text"));
		let text = String::from_utf8(body_of(response).await.to_vec()).unwrap();
		assert!(
			text.contains("pop_sidecar_requests_total{route=\"/content/{id}\",status=\"404\"} 1\n"),
			"{text}"
		);
		assert!(text.contains("pop_sidecar_disk_bytes 10\n"), "{text}");
	}
}
