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
//! - **Grants.** [`ChainGrants`] answers the streaming routes from `PopToken::Grants`, and
//!   lets other holders' proof keys fetch content assigned to them.
//!
//! One concern per file:
//! - `queries`: the pallets, storage entries and calls this client uses, and the types it
//!   reads and writes them as.
//! - `view`: the chain at one block as the follower sees it (`ChainView`), and its subxt
//!   implementation.
//! - `grants`: [`ChainGrants`], and which masternode a proof key signs for.
//! - `fetch`: fetching replicas from the holders that confirmed them, bounded against hostile
//!   ones ([`Fetcher`]), and which addresses may be fetched from.
//! - `follower`: each block's work, read into a plain snapshot, decided by a pure `plan`, and
//!   applied; why challenges follow best blocks and replicas finalized ones, and how re-orgs
//!   are met, is in its `plan`.

mod fetch;
mod follower;
mod grants;
mod queries;
mod view;

pub use fetch::Fetcher;
pub use grants::ChainGrants;

use crate::{
	auth::Account, blob_store::StoreError, receipts::ReceiptSigner, state::AppState,
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
type AtBlock = OnlineClientAtBlock<SubstrateConfig>;

/// Why a step of the chain client failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	/// Talking to the node failed.
	#[error("node: {0}")]
	Node(#[from] subxt::Error),
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

/// The masternode's signing keys: the proof key signs transactions, fetch tokens and upload
/// receipts.
pub struct ProofKey {
	signer: subxt_signer::sr25519::Keypair,
	pair: sp_core::sr25519::Pair,
}

impl ProofKey {
	/// Derives the key from a secret URI (`//Alice//stash`, a mnemonic, `0x` seed, with
	/// optional derivation paths).
	pub fn from_uri(uri: &str) -> Result<Self, String> {
		use sp_core::Pair;
		let secret: subxt_signer::SecretUri =
			uri.parse().map_err(|e| format!("bad proof key URI: {e}"))?;
		let signer = subxt_signer::sr25519::Keypair::from_uri(&secret)
			.map_err(|e| format!("bad proof key: {e}"))?;
		let pair = sp_core::sr25519::Pair::from_string(uri, None)
			.map_err(|e| format!("bad proof key: {e:?}"))?;
		Ok(Self { signer, pair })
	}

	/// The proof key's account.
	pub fn account(&self) -> Account {
		self.signer.public_key().0
	}
}

impl ReceiptSigner for ProofKey {
	fn sign(&self, payload: &[u8]) -> sp_core::sr25519::Signature {
		sp_core::Pair::sign(&self.pair, payload)
	}
}

/// Lazily connected client shared by the follower and [`ChainGrants`].
#[derive(Clone, Default)]
pub struct Connection(Arc<RwLock<Option<Client>>>);

impl Connection {
	async fn get(&self) -> Option<Client> {
		self.0.read().await.clone()
	}
}

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
		match connect(&url).await {
			Ok((client, chain_type)) => {
				let private_endpoints = fetcher.learn_chain(chain_type.as_deref());
				tracing::info!(
					%url,
					proof_key = %crate::auth::ss58(&key.account()),
					chain_type = chain_type.as_deref().unwrap_or("unknown"),
					private_endpoints,
					"connected to the node"
				);
				*connection.0.write().await = Some(client.clone());
				if let Err(error) = follower.follow(&state, &client, &key).await {
					tracing::warn!(%error, "lost the node; reconnecting");
				}
				*connection.0.write().await = None;
			}
			Err(error) => tracing::debug!(%url, %error, "node not reachable; retrying"),
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

/// Connects to the node at `url`, and reads the type of its chain (`system_chainType`:
/// `Development`, `Local`, `Live`), which decides whether replicas are fetched from non-public
/// addresses; `None` if it is custom or cannot be read.
async fn connect(url: &str) -> Result<(Client, Option<String>), OnlineClientError> {
	let rpc = RpcClient::from_insecure_url(url).await?;
	let chain_type = match rpc.request::<serde_json::Value>("system_chainType", rpc_params![]).await
	{
		Ok(chain_type) => chain_type.as_str().map(str::to_owned),
		Err(error) => {
			tracing::warn!(%error, "reading the chain's type failed; taken for a production chain");
			None
		}
	};
	Ok((OnlineClient::from_rpc_client(rpc).await?, chain_type))
}
