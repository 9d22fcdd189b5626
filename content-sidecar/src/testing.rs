//! What the tests share, in the crate and under `tests/` (feature `test-utils`): a sidecar in a
//! temp dir driven without a socket, dev accounts and their tokens, content and its ids.

use crate::{
	auth::{sign_token, Scope},
	blob_store::id_hex,
	config::Config,
	hashing::{NativeSha256, TreeBuilder},
	index::{ItemRecord, ItemState},
	ledger::MemoryLedger,
	AppState,
};
use axum::{
	body::Body,
	http::{Request, Response},
};
use bytes::Bytes;
use pop_primitives::commitment::ContentId;
use sp_core::{sr25519, Pair as _};
use std::sync::Arc;
use tower::ServiceExt as _;

/// A dev account's key pair (`//Alice`, `//Bob`, ...).
pub fn dev_pair(name: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//{name}"), None).unwrap()
}

/// The dev masternode's proof key (`//Alice//stash`, the sidecar's default), which signs the
/// upload receipts of a test [`Sidecar`].
pub fn dev_proof_key() -> sr25519::Pair {
	dev_pair("Alice//stash")
}

/// A dev account's public key.
pub fn dev_account(name: &str) -> [u8; 32] {
	dev_pair(name).public().0
}

/// Deterministic content of `size` bytes.
pub fn content(size: usize, seed: u8) -> Vec<u8> {
	(0..size).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed ^ (i >> 10) as u8)).collect()
}

/// The id of `bytes`.
pub fn id_of(bytes: &[u8]) -> ContentId {
	let mut tree = TreeBuilder::new();
	tree.update(bytes);
	tree.finish().unwrap().id::<NativeSha256>().unwrap()
}

/// The id of `bytes` as `Pop-Content-Id` shows it: `0x` and 64 hex digits.
pub fn hex_id(bytes: &[u8]) -> String {
	format!("0x{}", id_hex(&id_of(bytes)))
}

/// A `scope` token of a dev account for the sidecar at `audience`, valid for ten minutes (the
/// longest a stream token may be by default).
pub fn token(name: &str, scope: Scope, audience: &str) -> String {
	sign_token(&dev_pair(name), scope, audience, crate::unix_time_secs() + 600)
}

/// `PopSr25519 <token>` of a dev account's `scope` token for the sidecar at `audience`.
pub fn authorization(name: &str, scope: Scope, audience: &str) -> String {
	format!("PopSr25519 {}", token(name, scope, audience))
}

/// A sidecar on a temp dir, answering through `tower::ServiceExt::oneshot`.
pub struct Sidecar {
	/// Its data dir, removed when dropped.
	pub dir: tempfile::TempDir,
	/// Its state.
	pub state: AppState,
	/// The chain it asks.
	pub ledger: Arc<MemoryLedger>,
}

impl Sidecar {
	/// A sidecar with the dev defaults.
	#[allow(clippy::new_without_default)] // Each one makes a temp dir: not a plain default.
	pub fn new() -> Self {
		Self::with(|_| {})
	}

	/// A sidecar with the dev defaults changed by `adjust`; it keeps no disk reserve unless
	/// `adjust` sets one, so tests do not depend on the machine's free space.
	pub fn with(adjust: impl FnOnce(&mut Config)) -> Self {
		let dir = tempfile::tempdir().unwrap();
		let mut config = Config::with_data_dir(dir.path().to_owned());
		config.disk_reserve = 0;
		adjust(&mut config);
		let ledger = Arc::new(MemoryLedger::default());
		let state = AppState::open(config, ledger.clone(), Arc::new(dev_proof_key())).unwrap();
		Self { dir, state, ledger }
	}

	/// The same data dir opened afresh, as after a restart.
	pub fn restart(self) -> Self {
		let Self { dir, state, ledger } = self;
		let config = (*state.config).clone();
		drop(state);
		let state = AppState::open(config, ledger.clone(), Arc::new(dev_proof_key())).unwrap();
		Self { dir, state, ledger }
	}

	/// A `scope` token of a dev account for this sidecar, valid for ten minutes.
	pub fn token(&self, name: &str, scope: Scope) -> String {
		token(name, scope, &self.state.config.public_url)
	}

	/// `PopSr25519 <token>` of a dev account's `scope` token for this sidecar.
	pub fn authorization(&self, name: &str, scope: Scope) -> String {
		authorization(name, scope, &self.state.config.public_url)
	}

	/// Sends a request through the app.
	pub async fn send(&self, request: Request<Body>) -> Response<Body> {
		crate::app(self.state.clone()).oneshot(request).await.unwrap()
	}

	/// Stores `bytes` as an item registered on chain at `price`.
	pub fn store_registered(&self, bytes: &[u8], price: u128, mime: &str) -> ContentId {
		let mut writer = self.state.store.writer().unwrap();
		writer.write(Bytes::copy_from_slice(bytes)).unwrap();
		let id = writer.commit(None).unwrap();
		let record = ItemRecord {
			size: bytes.len() as u64,
			state: ItemState::Registered { price },
			stored_at_ms: crate::unix_time_ms(),
			mime: mime.into(),
		};
		self.state.index.put_item(&id, &record).unwrap();
		id
	}
}

/// The whole body of a response.
pub async fn body_of(response: Response<Body>) -> Bytes {
	axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap()
}

/// A header of a response as text.
pub fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
	response.headers().get(name).map(|value| value.to_str().unwrap())
}
