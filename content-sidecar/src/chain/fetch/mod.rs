//! Fetching replicas from the sidecars of the masternodes that confirmed them, over one HTTP
//! client built at start.
//!
//! A holder may be hostile, so every fetch from it is bounded: a connect timeout, an idle
//! timeout on every read (the response's head included), a minimum average rate once a grace
//! period is over, no more bytes than the registered size, and no redirects. Its endpoint must
//! be a public address on production chains (`address`). Whatever fails, the next holder is
//! tried, the failure is logged with the holder and its reason and counted
//! (`pop_sidecar_replica_fetch_failures_total{reason}`), and nothing of it stays on disk.

mod address;
#[cfg(test)]
mod tests;

use super::ProofKey;
use crate::{
	auth::{self, Account},
	blob_store::{id_hex, StoreError},
	config::Config,
	metrics::FetchFailureLabels,
	state::AppState,
	videos::checks::{self, Verdict},
};
use address::{AddressPolicy, Refused};
use bytes::Bytes;
use futures_util::StreamExt;
use pop_primitives::commitment::ContentId;
use reqwest::StatusCode;
use std::{
	collections::BTreeSet,
	error::Error as _,
	sync::{Arc, Mutex, PoisonError},
	time::{Duration, Instant},
};
use tokio::sync::mpsc;

/// Pieces of a fetched replica queued between the network and the store.
const PIECES_IN_FLIGHT: usize = 64;
/// How long the stream token of a fetch is valid: it is checked once, when the request arrives.
/// Half the peer's default bound (`--stream-token-validity`, 10 minutes), so a peer whose clock
/// differs by up to five minutes either way still takes it.
const FETCH_TOKEN_SECS: u64 = 300;

/// A holder a replica can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Source {
	/// The masternode (its operator account).
	pub holder: Account,
	/// Its sidecar's URL, as registered on chain.
	pub endpoint: String,
}

/// Why fetching a replica from one holder failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum FetchError {
	/// The endpoint is not an HTTP URL.
	#[error("bad endpoint: {0}")]
	BadEndpoint(String),
	/// The endpoint is on an address fetches may not reach.
	#[error(transparent)]
	Refused(#[from] Refused),
	/// Connecting, or waiting for the next bytes, took longer than allowed.
	#[error("timed out: {0}")]
	TimedOut(reqwest::Error),
	/// The request failed otherwise.
	#[error("request failed: {0}")]
	Request(reqwest::Error),
	/// The holder redirected the request, which is not followed.
	#[error("redirected ({status}) to {location:?}; redirects are not followed")]
	Redirect {
		/// The redirect's status.
		status: StatusCode,
		/// Where it pointed.
		location: String,
	},
	/// The holder answered with another status than success.
	#[error("HTTP {0}")]
	Status(StatusCode),
	/// The holder announced or sent more than the registered size.
	#[error("more than the registered {size} bytes")]
	TooLarge {
		/// The registered size.
		size: u64,
	},
	/// The holder sent slower than the minimum average rate.
	#[error("{received} bytes in {elapsed:?}, below the minimum rate")]
	TooSlow {
		/// Bytes received.
		received: u64,
		/// Time since the request started.
		elapsed: Duration,
	},
	/// Storing the bytes failed, or they are not the content (`IdMismatch`).
	#[error(transparent)]
	Store(#[from] StoreError),
}

impl From<reqwest::Error> for FetchError {
	/// A refusal by the resolver is the address policy's; timeouts are told apart.
	fn from(error: reqwest::Error) -> Self {
		let mut cause = error.source();
		while let Some(inner) = cause {
			if let Some(refused) = inner.downcast_ref::<Refused>() {
				return Self::Refused(refused.clone());
			}
			cause = inner.source();
		}
		if error.is_timeout() {
			Self::TimedOut(error)
		} else {
			Self::Request(error)
		}
	}
}

impl FetchError {
	/// The metric label of the failure.
	fn reason(&self) -> &'static str {
		match self {
			Self::BadEndpoint(_) => "bad_endpoint",
			Self::Refused(_) => "refused_address",
			Self::TimedOut(_) => "timeout",
			Self::Request(_) => "request",
			Self::Redirect { .. } => "redirect",
			Self::Status(_) => "status",
			Self::TooLarge { .. } => "too_large",
			Self::TooSlow { .. } => "too_slow",
			Self::Store(StoreError::IdMismatch { .. }) => "wrong_bytes",
			Self::Store(_) => "store",
		}
	}
}

/// Fetches replicas in the background, one fetch per content at a time; cloning it is cheap
/// and shares the client.
#[derive(Clone)]
pub struct Fetcher {
	/// Shared by every fetch, so connections and TLS sessions are reused.
	http: reqwest::Client,
	/// Which addresses may be fetched from; also the client's resolver.
	addresses: Arc<AddressPolicy>,
	/// The least average rate, in bytes a second, of a fetch past its grace period.
	min_rate: u64,
	/// How long a fetch may go below the minimum rate, from the request's start.
	rate_grace: Duration,
	/// Content being fetched now.
	in_flight: Arc<Mutex<BTreeSet<ContentId>>>,
	/// Renditions fetched and refused by their check ([`crate::videos::checks`]): not fetched
	/// again while this process runs.
	refused: Arc<Mutex<BTreeSet<ContentId>>>,
}

impl Fetcher {
	/// The fetcher with the bounds of `config` (`--fetch-*`, `--allow-private-endpoints`).
	pub fn new(config: &Config) -> reqwest::Result<Self> {
		let addresses = Arc::new(AddressPolicy::new(config.allow_private_endpoints));
		let http = reqwest::Client::builder()
			.connect_timeout(config.fetch_connect_timeout)
			.read_timeout(config.fetch_idle_timeout)
			.redirect(reqwest::redirect::Policy::none())
			// A proxy would resolve and connect past the address policy.
			.no_proxy()
			.dns_resolver(addresses.clone())
			.build()?;
		Ok(Self {
			http,
			addresses,
			min_rate: config.fetch_min_rate,
			rate_grace: config.fetch_rate_grace,
			in_flight: Arc::default(),
			refused: Arc::default(),
		})
	}

	/// Applies the type of the chain followed (`system_chainType`, `None` if unknown) to the
	/// address policy; returns whether non-public endpoints are allowed.
	pub(super) fn learn_chain(&self, chain_type: Option<&str>) -> bool {
		self.addresses.learn_chain(chain_type)
	}

	/// Content not to fetch now: being fetched, or fetched and refused by its check.
	pub(super) fn not_to_fetch(&self) -> BTreeSet<ContentId> {
		let mut ids = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).clone();
		ids.extend(self.refused.lock().unwrap_or_else(PoisonError::into_inner).iter());
		ids
	}

	/// Fetches `content` of `size` bytes in the background from the first of `sources` that
	/// serves it, and then calls `stored`. The caller starts no second fetch of a content in
	/// flight.
	pub(super) fn start(
		&self,
		state: &AppState,
		key: &Arc<ProofKey>,
		content: ContentId,
		size: u64,
		sources: Vec<Source>,
		stored: impl FnOnce(&AppState) + Send + 'static,
	) {
		self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).insert(content);
		let (fetcher, state, key) = (self.clone(), state.clone(), key.clone());
		tokio::spawn(async move {
			let room = state
				.store
				.free_space()
				.map(|free| free.saturating_sub(state.config.disk_reserve) >= size);
			match room {
				Ok(true) => {
					if fetcher
						.fetch_from_any(&state, &key, &content, size, &sources)
						.await
						.is_some() && fetcher.passes_check(&state, &content).await
					{
						stored(&state);
					}
				}
				Ok(false) => {
					let labels = FetchFailureLabels { reason: "disk_reserve" };
					state.metrics.replica_fetch_failures.get_or_create(&labels).inc();
					tracing::error!(
						content = %id_hex(&content),
						size,
						reserve = state.config.disk_reserve,
						"not fetching a replica: it would eat into the disk reserve"
					);
				}
				Err(error) => tracing::error!(%error, "reading the free disk space failed"),
			}
			fetcher.in_flight.lock().unwrap_or_else(PoisonError::into_inner).remove(&content);
		});
	}

	/// Whether the fetched `content` passes its check ([`checks::check_fetched`]); if not, it
	/// is deleted, and if it was refused (rather than left unchecked), never fetched again.
	async fn passes_check(&self, state: &AppState, content: &ContentId) -> bool {
		let refused = match checks::check_fetched(state, content).await {
			Ok(Verdict::Accepted) => return true,
			Ok(Verdict::Refused(_)) => true,
			Err(error) => {
				tracing::warn!(content = %id_hex(content), %error, "a fetched replica could not be checked; fetching it again later");
				false
			}
		};
		if let Err(error) = state.store.remove(content) {
			tracing::error!(content = %id_hex(content), %error, "deleting a refused replica failed");
		}
		if refused {
			self.refused.lock().unwrap_or_else(PoisonError::into_inner).insert(*content);
		}
		false
	}

	/// Fetches `content` from each of `sources` in turn until one serves it whole and
	/// matching; returns that one.
	async fn fetch_from_any<'a>(
		&self,
		state: &AppState,
		key: &ProofKey,
		content: &ContentId,
		size: u64,
		sources: &'a [Source],
	) -> Option<&'a Source> {
		for source in sources {
			let (holder, endpoint) = (auth::ss58(&source.holder), &source.endpoint);
			tracing::info!(content = %id_hex(content), %holder, %endpoint, "fetching replica");
			match self.fetch(state, key, content, size, endpoint).await {
				Ok(()) => {
					tracing::info!(content = %id_hex(content), %holder, %endpoint, "replica stored");
					return Some(source);
				}
				Err(error) => {
					let labels = FetchFailureLabels { reason: error.reason() };
					state.metrics.replica_fetch_failures.get_or_create(&labels).inc();
					tracing::warn!(
						content = %id_hex(content),
						%holder,
						%endpoint,
						%error,
						"replica fetch failed; trying the next holder"
					);
				}
			}
		}
		None
	}

	/// Streams `content` from the sidecar at `endpoint` into the store, which checks it
	/// against the id before it becomes visible.
	async fn fetch(
		&self,
		state: &AppState,
		key: &ProofKey,
		content: &ContentId,
		size: u64,
		endpoint: &str,
	) -> Result<(), FetchError> {
		let base = endpoint.trim_end_matches('/');
		let url = reqwest::Url::parse(&format!("{base}/content/{}", id_hex(content)))
			.map_err(|e| FetchError::BadEndpoint(e.to_string()))?;
		self.addresses.check_url(&url)?;
		let expires = crate::unix_time_secs() + FETCH_TOKEN_SECS;
		let token = auth::sign_token(key.pair(), auth::Scope::Stream, base, expires);
		let started = Instant::now();
		let response = self
			.http
			.get(url)
			.header("Authorization", format!("PopSr25519 {token}"))
			.send()
			.await?;
		let status = response.status();
		if status.is_redirection() {
			let location = response.headers().get("location");
			let location = location.map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
			return Err(FetchError::Redirect { status, location: location.unwrap_or_default() });
		}
		if !status.is_success() {
			return Err(FetchError::Status(status));
		}
		if response.content_length().is_some_and(|announced| announced > size) {
			return Err(FetchError::TooLarge { size });
		}
		// The disk and the hashing work on a blocking thread beside the network. `None` marks
		// the end of the body: a channel closed without it leaves nothing behind.
		let (to_store, mut pieces) = mpsc::channel::<Option<Bytes>>(PIECES_IN_FLIGHT);
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
		let received = self.receive(response, size, started, &to_store).await;
		drop(to_store);
		let stored = storing.await.map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
		received?;
		Ok(stored?)
	}

	/// Passes the body of `response` to `to_store`, and then `None` once it ended within
	/// `size` bytes and the rate. Ends early without the `None` when the store stopped taking
	/// pieces (it returns why).
	async fn receive(
		&self,
		response: reqwest::Response,
		size: u64,
		started: Instant,
		to_store: &mpsc::Sender<Option<Bytes>>,
	) -> Result<(), FetchError> {
		let mut body = response.bytes_stream();
		let mut received = 0u64;
		// The idle timeout bounds the wait for each piece, so the rate is checked often enough.
		while let Some(piece) = body.next().await {
			let piece = piece?;
			received += piece.len() as u64;
			if received > size {
				return Err(FetchError::TooLarge { size });
			}
			let elapsed = started.elapsed();
			if self.too_slow(received, elapsed) {
				return Err(FetchError::TooSlow { received, elapsed });
			}
			if to_store.send(Some(piece)).await.is_err() {
				return Ok(());
			}
		}
		let _ = to_store.send(None).await;
		Ok(())
	}

	/// Whether `received` bytes in `elapsed` fall below the minimum average rate, once the
	/// grace period is over.
	fn too_slow(&self, received: u64, elapsed: Duration) -> bool {
		elapsed > self.rate_grace
			&& (received as f64) < self.min_rate as f64 * elapsed.as_secs_f64()
	}
}
