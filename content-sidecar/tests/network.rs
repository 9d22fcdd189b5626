//! The sidecar on a real socket, driven by a real HTTP client.

mod common;

use common::*;
use hyper::{Method, StatusCode};
use pop_sidecar::{
	auth::Scope,
	config::Config,
	ledger::MemoryLedger,
	testing::{authorization, content, dev_proof_key, hex_id, id_of},
	AppState,
};
use std::sync::Arc;

/// Serves a fresh sidecar on a free loopback port.
async fn serve() -> (AppState, std::net::SocketAddr, tempfile::TempDir) {
	let dir = tempfile::tempdir().unwrap();
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let address = listener.local_addr().unwrap();
	let mut config = Config::with_data_dir(dir.path().to_owned());
	config.public_url = format!("http://{address}");
	let ledger = Arc::new(MemoryLedger::default());
	let state = AppState::open(config, ledger, Arc::new(dev_proof_key())).unwrap();
	serve_on(listener, &state);
	(state, address, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_cut_half_way_resumes_from_the_bytes_that_arrived() {
	let (state, address, _dir) = serve().await;
	let alice = authorization("Alice", Scope::Upload, &state.config.public_url);
	let bytes = content(4 * 1024 * 1024 + 321, 1);
	let path = create(address, &alice, bytes.len()).await;

	let half = bytes.len() / 2;
	OpenPatch::start(address, &alice, &path, 0, bytes.len(), &bytes[..half]).await.cut();

	let reply = head(address, &alice, &path).await;
	assert_eq!(reply.status, StatusCode::OK);
	let offset = reply.offset();
	assert!(offset > 0 && offset <= half as u64, "resumes at {offset}");
	assert_eq!(reply.header("pop-content-id"), None);

	let reply = patch(address, &alice, &path, offset, &bytes[offset as usize..]).await;
	assert_eq!(reply.status, StatusCode::NO_CONTENT);
	assert_eq!(reply.offset(), bytes.len() as u64);
	assert_eq!(reply.header("pop-content-id"), Some(&*hex_id(&bytes)));
	state.store.verify(&id_of(&bytes)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_sidecar_is_refused_over_the_wire() {
	let (_state, address, _dir) = serve().await;
	let elsewhere = authorization("Alice", Scope::Upload, "http://127.0.0.1:1");
	let request = tus(Method::POST, "/uploads", &elsewhere)
		.header("upload-length", 10)
		.body(Default::default())
		.unwrap();
	let reply = send(address, request).await;
	assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
	assert_eq!(reply.header("tus-resumable"), Some("1.0.0"));
	assert!(String::from_utf8_lossy(&reply.body).contains("another sidecar"));
}
