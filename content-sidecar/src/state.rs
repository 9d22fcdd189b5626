//! What every request handler shares, and what the chain client works with.

use crate::{
	auth::TokenPolicy,
	blob_store::{BlobStore, StoreError},
	config::Config,
	index::{IndexError, MetadataIndex, SledIndex},
	ledger::Ledger,
	metrics::Metrics,
	receipts::{ReceiptSigner, Receipts},
	uploads::{UploadError, UploadLimits, Uploads},
	videos::{PlaylistCache, Transcoder, VideoError},
};
use axum::extract::FromRef;
use std::{path::Path, sync::Arc};

/// Why the sidecar's data could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
	/// The blob store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// The index failed.
	#[error(transparent)]
	Index(#[from] IndexError),
	/// The uploads directory failed.
	#[error("upload sessions could not be recovered: {0}")]
	Uploads(#[from] UploadError),
	/// The transcoder's directory failed.
	#[error("the transcoder could not start: {0}")]
	Transcoder(#[from] VideoError),
}

/// The sidecar's shared state; cloning it is cheap. Handlers that need only a part of it take
/// that part ([`FromRef`]): the upload sessions, the metrics, the [`TokenPolicy`] of auth
/// tokens.
///
/// The chain client gets a clone: it marks items registered (`index.put_item` with
/// [`crate::index::ItemState::Registered`]), stores replicas (`store.writer()`, `write`,
/// `commit(Some(&id))`, then `index.put_item`), builds proofs (`store.prove`), answers the [`Ledger`]'s questions and counts proofs and the
/// replication queue in `metrics`.
#[derive(Clone)]
pub struct AppState {
	/// The settings it runs with.
	pub config: Arc<Config>,
	/// Finished content on disk.
	pub store: Arc<BlobStore>,
	/// Item records and upload sessions.
	pub index: Arc<dyn MetadataIndex>,
	/// Uploads in progress.
	pub uploads: Arc<Uploads>,
	/// The chain, as the HTTP side and the collector ask it.
	pub ledger: Arc<dyn Ledger>,
	/// Counters and gauges for `/metrics`.
	pub metrics: Arc<Metrics>,
	/// Uploaded videos made into renditions.
	pub transcoder: Arc<Transcoder>,
	/// What HLS playlists are made from.
	pub playlists: Arc<PlaylistCache>,
}

impl AppState {
	/// Opens the data under `config.data_dir` (content, index, uploads), clearing what a crash
	/// left behind and making every upload resumable. Upload receipts are signed by
	/// `proof_key`, the masternode's proof key.
	pub fn open(
		config: Config,
		ledger: Arc<dyn Ledger>,
		proof_key: Arc<dyn ReceiptSigner>,
	) -> Result<Self, OpenError> {
		let (store, index) = open_data(&config.data_dir)?;
		let metrics = Arc::new(Metrics::default());
		let limits = UploadLimits {
			max_size: config.max_upload_size,
			quota_per_account: config.quota_per_account,
			unregistered_limit: config.unregistered_limit,
			disk_reserve: config.disk_reserve,
		};
		let receipts = Receipts::new(proof_key, config.receipt_validity);
		let uploads = Uploads::open(
			&config.data_dir,
			store.clone(),
			index.clone(),
			metrics.clone(),
			limits,
			receipts,
		)?;
		let transcoder = Transcoder::new(&config, store.clone(), index.clone(), metrics.clone())?;
		Ok(Self {
			config: Arc::new(config),
			store,
			index,
			uploads: Arc::new(uploads),
			ledger,
			metrics,
			transcoder: Arc::new(transcoder),
			playlists: Arc::default(),
		})
	}
}

impl FromRef<AppState> for Arc<Uploads> {
	fn from_ref(state: &AppState) -> Self {
		state.uploads.clone()
	}
}

impl FromRef<AppState> for Arc<Transcoder> {
	fn from_ref(state: &AppState) -> Self {
		state.transcoder.clone()
	}
}

impl FromRef<AppState> for Arc<dyn Ledger> {
	fn from_ref(state: &AppState) -> Self {
		state.ledger.clone()
	}
}

impl FromRef<AppState> for Arc<Metrics> {
	fn from_ref(state: &AppState) -> Self {
		state.metrics.clone()
	}
}

impl FromRef<AppState> for TokenPolicy {
	fn from_ref(state: &AppState) -> Self {
		let config = &state.config;
		TokenPolicy {
			audience: config.public_url.clone(),
			stream_validity_secs: config.stream_token_validity.as_secs(),
			upload_validity_secs: config.upload_token_validity.as_secs(),
		}
	}
}

/// Opens the index and then the store under `data_dir`. The index comes first: sled refuses a
/// second opener, so a daemon already running is never disturbed by the store's clean-up.
pub fn open_data(data_dir: &Path) -> Result<(Arc<BlobStore>, Arc<dyn MetadataIndex>), OpenError> {
	let index = SledIndex::open(&data_dir.join("index"))?;
	let store = BlobStore::open(data_dir)?;
	Ok((Arc::new(store), Arc::new(index)))
}
