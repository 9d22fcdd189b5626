//! Fetching replicas from the sidecars of the masternodes that confirmed them, over one HTTP
//! client kept for the life of the process.

use super::{ChainError, ProofKey};
use crate::{
	auth,
	blob_store::{id_hex, StoreError},
	state::AppState,
};
use bytes::Bytes;
use futures_util::StreamExt;
use pop_primitives::commitment::ContentId;
use std::{
	collections::BTreeSet,
	sync::{Arc, Mutex, PoisonError},
};

/// Pieces of a fetched replica queued between the network and the store.
const PIECES_IN_FLIGHT: usize = 64;
/// How long the stream token of a fetch is valid: it is checked once, when the request arrives.
/// Half the peer's default bound (`--stream-token-validity`, 10 minutes), so a peer whose clock
/// differs by up to five minutes either way still takes it.
const FETCH_TOKEN_SECS: u64 = 300;

/// Fetches replicas in the background, one fetch per content at a time.
#[derive(Clone, Default)]
pub(super) struct Fetcher {
	/// Shared by every fetch, so connections and TLS sessions are reused.
	http: reqwest::Client,
	/// Content being fetched now.
	in_flight: Arc<Mutex<BTreeSet<ContentId>>>,
}

impl Fetcher {
	/// Content being fetched now.
	pub fn in_flight(&self) -> BTreeSet<ContentId> {
		self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).clone()
	}

	/// Fetches `content` in the background from the first of `sources` whose bytes match, and
	/// then calls `stored`. The caller starts no second fetch of a content in flight.
	pub fn start(
		&self,
		state: &AppState,
		key: &Arc<ProofKey>,
		content: ContentId,
		sources: Vec<String>,
		stored: impl FnOnce(&AppState) + Send + 'static,
	) {
		self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).insert(content);
		let (fetcher, state, key) = (self.clone(), state.clone(), key.clone());
		tokio::spawn(async move {
			for endpoint in &sources {
				tracing::info!(content = %id_hex(&content), %endpoint, "fetching replica");
				match fetcher.fetch(&state, &key, &content, endpoint).await {
					Ok(()) => {
						stored(&state);
						tracing::info!(content = %id_hex(&content), %endpoint, "replica stored");
						break;
					}
					Err(error) => {
						tracing::warn!(content = %id_hex(&content), %error, "replica fetch failed; trying the next holder")
					}
				}
			}
			fetcher.in_flight.lock().unwrap_or_else(PoisonError::into_inner).remove(&content);
		});
	}

	/// Streams `content` from the sidecar at `endpoint` into the store, which checks it
	/// against the id before it becomes visible.
	async fn fetch(
		&self,
		state: &AppState,
		key: &ProofKey,
		content: &ContentId,
		endpoint: &str,
	) -> Result<(), ChainError> {
		let failed = |reason: String| ChainError::Fetch { endpoint: endpoint.to_owned(), reason };
		let expires = crate::unix_time_secs() + FETCH_TOKEN_SECS;
		let audience = endpoint.trim_end_matches('/');
		let token = auth::sign_token(&key.pair, auth::Scope::Stream, audience, expires);
		let url = format!("{}/content/{}", endpoint.trim_end_matches('/'), id_hex(content));
		let response = self
			.http
			.get(&url)
			.header("Authorization", format!("PopSr25519 {token}"))
			.send()
			.await
			.map_err(|e| failed(e.to_string()))?;
		if !response.status().is_success() {
			return Err(failed(format!("HTTP {}", response.status())));
		}
		// The disk and the hashing work on a blocking thread beside the network. `None` marks
		// the end of the body: a channel closed without it leaves nothing behind.
		let (to_store, mut pieces) = tokio::sync::mpsc::channel::<Option<Bytes>>(PIECES_IN_FLIGHT);
		let (store, expected) = (state.store.clone(), *content);
		let storing = tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
			let mut writer = store.writer()?;
			while let Some(piece) = pieces.blocking_recv() {
				match piece {
					Some(bytes) => writer.write(bytes)?,
					None => return writer.commit(Some(&expected)).map(drop),
				}
			}
			Ok(())
		});
		let mut body = response.bytes_stream();
		let received = loop {
			match body.next().await {
				// A closed channel means storing failed; its error is returned below.
				Some(Ok(bytes)) => {
					if to_store.send(Some(bytes)).await.is_err() {
						break Ok(());
					}
				}
				Some(Err(error)) => break Err(failed(error.to_string())),
				None => {
					let _ = to_store.send(None).await;
					break Ok(());
				}
			}
		};
		drop(to_store);
		let stored = storing.await.map_err(|e| failed(format!("storing stopped: {e}")))?;
		received?;
		Ok(stored?)
	}
}
