//! The chain client: follows pop-node with subxt and does this masternode's share of the
//! content game.
//!
//! Each block it reconciles its state with the chain's instead of reacting to events, so a
//! restart (or a missed block) loses nothing: whatever is open on chain is picked up again.
//! - **Challenges**, at every best block (an answer must not wait for finality, whose lag
//!   would otherwise make it miss its deadline). Every open `Content::Challenges` entry of
//!   this masternode is answered with a leaf proof built from the chunk file and one 256 KiB
//!   chunk of the content ([`BlobStore::prove`](crate::blob_store::BlobStore::prove)), signed
//!   by the proof key at the block the challenge was read at, so a re-org that drops the
//!   challenge drops the answer too. An answer whose challenge is still open a few blocks
//!   later is sent again, until its deadline.
//! - **Assignments**, at every finalized block. For every `Content::Assignments` entry of this
//!   masternode: content stored here is marked registered (with its price and type, so it can
//!   be streamed) and its replica confirmed, unless it was uploaded here by other accounts
//!   than the owner the chain names (a front-runner's registration): that is left
//!   unconfirmed, logged and counted (`pop_sidecar_foreign_registrations_total`). Content not
//!   stored here is fetched from a holder that confirmed it, checked against its id while it
//!   is written, stored, then confirmed. A holder whose bytes do not match, that stalls, sends
//!   too slowly or too much, redirects, or whose endpoint is not a public address on a
//!   production chain, is skipped for the next. A confirmed replica that is missing here is
//!   not fetched again: its owner is told in the logs, and the chain's challenges find it.
//! - **Questions of the HTTP side** ([`ChainLedger`]): grants for priced content
//!   (`PopToken::Grants`, and other holders' proof keys fetching content assigned to them),
//!   whether uploads are registered (before anything unregistered is deleted), and whether an
//!   uploader can pay the deposit of what it uploads.
//!
//! A node that restarts, drops transactions or stops answering must not wedge the client:
//! every connection starts with the proof key's nonce read from the chain and every answer due
//! again; a connection that yields no best block for [`BLOCK_SILENCE`] is dropped and made
//! again; and a nonce counted here that the chain's does not catch up with is given up (the
//! follower's `plan`).
//!
//! One concern per file:
//! - `queries`: the pallets, storage entries and calls this client uses, and the types it
//!   reads and writes them as.
//! - `view`: the chain at one block as the follower sees it (`ChainView`), and its subxt
//!   implementation.
//! - `ledger`: [`ChainLedger`], the HTTP side's and the collector's questions to the chain
//!   (grants, registrations, deposits), and which masternode a proof key signs for.
//! - `fetch`: fetching replicas from the holders that confirmed them, bounded against hostile
//!   ones ([`Fetcher`]), and which addresses may be fetched from.
//! - `follower`: each block's work, read into a plain snapshot, decided by a pure `plan`, and
//!   applied; why challenges follow best blocks and replicas finalized ones, and how re-orgs
//!   are met, is in its `plan`.

mod fetch;
mod follower;
mod ledger;
pub(crate) mod queries;
mod view;

pub use fetch::Fetcher;
pub use ledger::ChainLedger;

use crate::{
	auth::Account,
	blob_store::StoreError,
	keys::{KeyError, SecretKey},
	receipts::ReceiptSigner,
	state::AppState,
	uploads::UploadError,
};
use std::{sync::Arc, time::Duration};
use subxt::{
	client::OnlineClientAtBlock,
	error::OnlineClientError,
	rpcs::client::{rpc_params, RpcClient},
	OnlineClient, SubstrateConfig,
};
use tokio::sync::RwLock;

/// The client type: pop-node speaks the standard Substrate dialect.
pub type Client = OnlineClient<SubstrateConfig>;
pub(crate) type AtBlock = OnlineClientAtBlock<SubstrateConfig>;

/// Why a step of the chain client failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	/// Talking to the node failed (boxed: subxt's error is large).
	#[error("node: {0}")]
	Node(Box<subxt::Error>),
	/// The local store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// The local index failed.
	#[error(transparent)]
	Index(#[from] crate::index::IndexError),
	/// Reading the upload sessions failed.
	#[error(transparent)]
	Uploads(#[from] UploadError),
}

impl From<subxt::Error> for ChainError {
	fn from(error: subxt::Error) -> Self {
		Self::Node(Box::new(error))
	}
}

/// The masternode's signing key: the proof key signs transactions, fetch tokens and upload
/// receipts.
pub struct ProofKey(SecretKey);

impl ProofKey {
	/// The proof key `key`.
	pub fn new(key: SecretKey) -> Self {
		Self(key)
	}

	/// The proof key's account.
	pub fn account(&self) -> Account {
		self.0.account()
	}

	/// Whether it may sign on a chain of `chain_type` (see [`SecretKey::check_chain`]).
	pub fn check_chain(&self, chain_type: Option<&str>) -> Result<(), KeyError> {
		self.0.check_chain(chain_type)
	}

	fn signer(&self) -> &subxt_signer::sr25519::Keypair {
		self.0.signer()
	}

	fn pair(&self) -> &sp_core::sr25519::Pair {
		self.0.pair()
	}
}

impl ReceiptSigner for ProofKey {
	fn sign(&self, payload: &[u8]) -> sp_core::sr25519::Signature {
		sp_core::Pair::sign(self.pair(), payload)
	}

	fn account(&self) -> Account {
		ProofKey::account(self)
	}
}

/// A connection to the node: the client, and the RPC client under it for the calls subxt does
/// not make itself.
#[derive(Clone)]
pub(crate) struct Link {
	/// The subxt client.
	pub client: Client,
	/// The RPC client under it.
	pub rpc: RpcClient,
}

/// The connection to the node while there is one, shared by the follower and
/// [`ChainLedger`].
#[derive(Clone, Default)]
pub struct Connection(Arc<RwLock<Option<Link>>>);

impl Connection {
	async fn get(&self) -> Option<Link> {
		self.0.read().await.clone()
	}
}

/// How long connecting to the node (and reading its metadata) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a connection may go without a new best block before it is taken for wedged and
/// made again: ten of the chain's six-second slots.
pub(crate) const BLOCK_SILENCE: Duration = Duration::from_secs(60);

/// Follows the chain at `url` forever, reconnecting after failures, and fetches replicas with
/// `fetcher`.
pub async fn run(
	state: AppState,
	connection: Connection,
	url: String,
	key: Arc<ProofKey>,
	fetcher: Fetcher,
) {
	let mut follower = follower::Follower::new(fetcher.clone());
	loop {
		let connected = tokio::time::timeout(CONNECT_TIMEOUT, connect(&url)).await;
		match connected {
			Ok(Ok((link, chain_type))) => {
				if let Err(error) = key.check_chain(chain_type.as_deref()) {
					tracing::error!(%url, %error, "nothing is signed on this chain");
				} else {
					let private_endpoints = fetcher.learn_chain(chain_type.as_deref());
					tracing::info!(
						%url,
						proof_key = %crate::auth::ss58(&key.account()),
						chain_type = chain_type.as_deref().unwrap_or("unknown"),
						private_endpoints,
						"connected to the node"
					);
					*connection.0.write().await = Some(link.clone());
					state.metrics.chain_connected.set(1);
					follower.reconnected();
					if let Err(error) = follower.follow(&state, &link.client, &key).await {
						tracing::warn!(%error, "lost the node; reconnecting");
					}
					*connection.0.write().await = None;
					state.metrics.chain_connected.set(0);
				}
			}
			Ok(Err(error)) => tracing::debug!(%url, %error, "node not reachable; retrying"),
			Err(_) => {
				tracing::warn!(%url, "the node did not answer in {CONNECT_TIMEOUT:?}; retrying")
			}
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

/// Connects to the node at `url`, and reads the type of its chain (`system_chainType`:
/// `Development`, `Local`, `Live`), which decides whether replicas are fetched from non-public
/// addresses; `None` if it is custom or cannot be read.
pub(crate) async fn connect(url: &str) -> Result<(Link, Option<String>), OnlineClientError> {
	let rpc = RpcClient::from_insecure_url(url).await?;
	let chain_type = read_chain_type(&rpc).await;
	let client = OnlineClient::from_rpc_client(rpc.clone()).await?;
	Ok((Link { client, rpc }, chain_type))
}

/// The type of the chain of the node at `url` (see [`connect`]).
pub async fn chain_type(url: &str) -> Result<Option<String>, OnlineClientError> {
	Ok(read_chain_type(&RpcClient::from_insecure_url(url).await?).await)
}

async fn read_chain_type(rpc: &RpcClient) -> Option<String> {
	match rpc.request::<serde_json::Value>("system_chainType", rpc_params![]).await {
		Ok(chain_type) => chain_type.as_str().map(str::to_owned),
		Err(error) => {
			tracing::warn!(%error, "reading the chain's type failed; taken for a production chain");
			None
		}
	}
}
