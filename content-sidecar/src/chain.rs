//! The chain client: follows pop-node's finalized blocks with subxt and does this
//! masternode's share of the content game.
//!
//! Each finalized block it reconciles its state with the chain's instead of reacting to
//! events, so a restart (or a missed block) loses nothing: whatever is open on chain is
//! picked up again.
//! - **Challenges.** Every open `Content::Challenges` entry of this masternode is answered
//!   with a leaf proof built from the chunk file and one 256 KiB chunk of the content, signed
//!   by the proof key. An answer whose challenge is still open a few blocks later is sent
//!   again, until its deadline.
//! - **Assignments.** For every `Content::Assignments` entry of this masternode: content
//!   stored here is marked registered (with its price and type, so it can be streamed) and
//!   its replica confirmed; content not stored here is fetched from a holder that confirmed
//!   it, checked against its id while it is written, stored, then confirmed. A holder whose
//!   bytes do not match is skipped for the next. A confirmed replica that is missing here is
//!   not fetched again: its owner is told in the logs, and the chain's challenges find it.
//! - **Grants.** [`ChainGrants`] answers the streaming routes from `PopToken::Grants`, and
//!   lets other holders' proof keys fetch content assigned to them.

use crate::{
	auth::{self, Account},
	blob_store::{id_hex, StoreError},
	grants::{GrantError, GrantFuture, GrantSource},
	index::{ItemRecord, ItemState},
	state::AppState,
};
use bytes::Bytes;
use futures_util::StreamExt;
use pop_primitives::commitment::ContentId;
use std::{
	collections::{BTreeMap, BTreeSet},
	sync::Arc,
	time::Duration,
};
use subxt::{
	client::OnlineClientAtBlock,
	config::DefaultExtrinsicParamsBuilder,
	dynamic,
	ext::{scale_decode::DecodeAsType, scale_encode::EncodeAsType},
	transactions::Payload,
	OnlineClient, SubstrateConfig,
};
use tokio::sync::RwLock;

/// The client type: pop-node speaks the standard Substrate dialect.
pub type Client = OnlineClient<SubstrateConfig>;
type AtBlock = OnlineClientAtBlock<SubstrateConfig>;

/// Blocks after which an answer whose challenge is still open is sent again.
const RESEND_AFTER: u64 = 3;
/// Pieces of a fetched replica queued between the network and the store.
const PIECES_IN_FLIGHT: usize = 64;

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
	/// Fetching a replica from another holder failed.
	#[error("fetching from {endpoint}: {reason}")]
	Fetch {
		/// The holder's endpoint.
		endpoint: String,
		/// What went wrong.
		reason: String,
	},
}

/// `Content::Challenges` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct OpenChallenge {
	content: ChainContentId,
	leaf: u64,
	deadline: u32,
}

/// A `ContentId` as the chain encodes it.
#[derive(Debug, Clone, Copy, DecodeAsType, EncodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
struct ChainContentId([u8; 32]);

/// What this client reads of `Content::Contents` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ContentInfo {
	size: u64,
	mime: Vec<u8>,
	price: u128,
	replicas: Vec<Replica>,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Replica {
	holder: [u8; 32],
	confirmed: bool,
}

/// What this client reads of `Masternodes::Masternodes` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct MasternodeInfo {
	endpoint: Vec<u8>,
}

/// `LeafProof` as `submit_proof` takes it.
#[derive(Debug, EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
struct ProofArg {
	index: u64,
	leaf: Vec<u8>,
	path: Vec<[u8; 32]>,
}

/// The masternode's signing keys: the proof key signs transactions and fetch tokens.
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

/// Lazily connected client shared by the follower and [`ChainGrants`].
#[derive(Clone, Default)]
pub struct Connection(Arc<RwLock<Option<Client>>>);

impl Connection {
	async fn get(&self) -> Option<Client> {
		self.0.read().await.clone()
	}
}

/// [`GrantSource`] from chain state at the latest finalized block.
pub struct ChainGrants(pub Connection);

impl GrantSource for ChainGrants {
	fn has_grant(&self, account: Account, id: ContentId) -> GrantFuture<'_> {
		Box::pin(async move {
			let client =
				self.0.get().await.ok_or_else(|| GrantError("not connected to the node".into()))?;
			grant_at(&client, account, id).await.map_err(|e| GrantError(e.to_string()))
		})
	}
}

/// Whether `account` holds an unexpired grant for `id`, or is the proof key of a masternode
/// the content is assigned to (which fetches it to store a replica).
async fn grant_at(client: &Client, account: Account, id: ContentId) -> Result<bool, subxt::Error> {
	let at = client.at_current_block().await?;
	let grant = at
		.storage()
		.try_fetch(
			dynamic::storage::<([u8; 32], [u8; 32]), u32>("PopToken", "Grants"),
			(account, id.0),
		)
		.await?;
	if let Some(until) = grant {
		if u64::from(until.decode()?) >= at.block_number() {
			return Ok(true);
		}
	}
	let Some(operator) = operator_of(&at, account).await? else { return Ok(false) };
	Ok(at
		.storage()
		.try_fetch(
			dynamic::storage::<([u8; 32], ChainContentId), ()>("Content", "Assignments"),
			(operator, ChainContentId(id.0)),
		)
		.await?
		.is_some())
}

async fn operator_of(at: &AtBlock, proof_key: Account) -> Result<Option<Account>, subxt::Error> {
	let entry = at
		.storage()
		.try_fetch(
			dynamic::storage::<([u8; 32],), [u8; 32]>("Masternodes", "ProofKeyOwner"),
			(proof_key,),
		)
		.await?;
	Ok(match entry {
		Some(value) => Some(value.decode()?),
		None => None,
	})
}

/// Follows the chain at `url` forever, reconnecting after failures.
pub async fn run(state: AppState, connection: Connection, url: String, key: ProofKey) {
	let key = Arc::new(key);
	let mut follower = Follower::default();
	loop {
		match OnlineClient::<SubstrateConfig>::from_insecure_url(&url).await {
			Ok(client) => {
				tracing::info!(%url, proof_key = %auth::ss58(&key.account()), "connected to the node");
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

/// What the follower remembers between blocks.
#[derive(Default)]
struct Follower {
	/// Answers sent: challenge id → block sent at.
	answered: BTreeMap<u64, u64>,
	/// Confirmations sent: content → block sent at.
	confirming: BTreeMap<ContentId, u64>,
	/// Replicas being fetched.
	fetching: Arc<std::sync::Mutex<BTreeSet<ContentId>>>,
	/// Confirmed replicas found missing, reported once.
	reported_lost: BTreeSet<ContentId>,
	/// Replicas stored here, recorded as registered and confirmed on chain: nothing is left to
	/// do for them, so their chain records are not read again every block.
	settled: BTreeSet<ContentId>,
	/// The proof key's next nonce, counted here: the chain's count at a finalized block lags
	/// behind transactions still in the pool. `None` after a failure, to be read again.
	next_nonce: Option<u64>,
}

impl Follower {
	/// Signs `call` with the proof key and hands it to the node's pool.
	async fn submit(
		&mut self,
		at: &AtBlock,
		key: &ProofKey,
		call: &impl Payload,
	) -> Result<(), subxt::Error> {
		let nonce = match self.next_nonce {
			Some(nonce) => nonce,
			None => {
				at.transactions().account_nonce(&key.signer.public_key().to_account_id()).await?
			}
		};
		let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(nonce).build();
		match at.transactions().sign_and_submit(call, &key.signer, params).await {
			Ok(_) => {
				self.next_nonce = Some(nonce + 1);
				Ok(())
			}
			Err(error) => {
				self.next_nonce = None;
				Err(error.into())
			}
		}
	}

	async fn follow(
		&mut self,
		state: &AppState,
		client: &Client,
		key: &Arc<ProofKey>,
	) -> Result<(), subxt::Error> {
		let mut blocks = client.stream_blocks().await?;
		while let Some(block) = blocks.next().await {
			let at = block?.at().await?;
			let Some(operator) = operator_of(&at, key.account()).await? else {
				tracing::debug!(
					block = at.block_number(),
					"proof key not registered to a masternode yet"
				);
				continue;
			};
			if let Err(error) = self.answer_challenges(state, &at, operator, key).await {
				tracing::warn!(%error, "answering challenges failed");
			}
			if let Err(error) = self.reconcile_assignments(state, &at, operator, key).await {
				tracing::warn!(%error, "reconciling assignments failed");
			}
		}
		Ok(())
	}

	async fn answer_challenges(
		&mut self,
		state: &AppState,
		at: &AtBlock,
		operator: Account,
		key: &ProofKey,
	) -> Result<(), ChainError> {
		let now = at.block_number();
		let address = dynamic::storage::<([u8; 32], u64), OpenChallenge>("Content", "Challenges");
		let mut entries =
			at.storage().iter(address, (operator,)).await.map_err(subxt::Error::from)?;
		let mut open = Vec::new();
		while let Some(entry) = entries.next().await {
			let entry = entry.map_err(subxt::Error::from)?;
			let id = entry
				.key()
				.map_err(subxt::Error::from)?
				.part(1)
				.and_then(|part| part.decode_as::<u64>().ok().flatten());
			let challenge = entry.value().decode().map_err(subxt::Error::from)?;
			if let Some(id) = id {
				open.push((id, challenge));
			}
		}
		self.answered.retain(|id, _| open.iter().any(|(open_id, _)| open_id == id));
		for (id, challenge) in open {
			if u64::from(challenge.deadline) < now
				|| self.answered.get(&id).is_some_and(|sent| now < sent + RESEND_AFTER)
			{
				continue;
			}
			let content = ContentId(challenge.content.0);
			let store = state.store.clone();
			let started = std::time::Instant::now();
			let proof =
				tokio::task::spawn_blocking(move || store.prove(&content, challenge.leaf))
					.await
					.map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
			let proof = match proof {
				Ok(proof) => proof,
				Err(error) => {
					state.metrics.proofs_failed.inc();
					tracing::error!(challenge = id, content = %id_hex(&content), %error, "cannot prove a challenged leaf");
					self.answered.insert(id, now);
					continue;
				}
			};
			let call = dynamic::transaction(
				"Content",
				"submit_proof",
				(id, ProofArg { index: proof.index, leaf: proof.leaf, path: proof.path }),
			);
			self.submit(at, key, &call).await?;
			state.metrics.proofs_sent.inc();
			tracing::info!(
				challenge = id,
				content = %id_hex(&content),
				leaf = challenge.leaf,
				micros = started.elapsed().as_micros() as u64,
				"proof sent"
			);
			self.answered.insert(id, now);
		}
		Ok(())
	}

	async fn reconcile_assignments(
		&mut self,
		state: &AppState,
		at: &AtBlock,
		operator: Account,
		key: &Arc<ProofKey>,
	) -> Result<(), ChainError> {
		let now = at.block_number();
		let address = dynamic::storage::<([u8; 32], ChainContentId), ()>("Content", "Assignments");
		let mut entries =
			at.storage().iter(address, (operator,)).await.map_err(subxt::Error::from)?;
		let mut assigned = BTreeSet::new();
		while let Some(entry) = entries.next().await {
			let entry = entry.map_err(subxt::Error::from)?;
			if let Some(content) = entry
				.key()
				.map_err(subxt::Error::from)?
				.part(1)
				.and_then(|part| part.decode_as::<ChainContentId>().ok().flatten())
			{
				assigned.insert(ContentId(content.0));
			}
		}
		let contents = dynamic::storage::<(ChainContentId,), ContentInfo>("Content", "Contents");
		let mut waiting = 0;
		self.settled.retain(|content| assigned.contains(content) && state.store.contains(content));
		self.reported_lost.retain(|content| assigned.contains(content));
		let unsettled: Vec<ContentId> = assigned.difference(&self.settled).copied().collect();
		for content in unsettled {
			let Some(info) = at
				.storage()
				.try_fetch(&contents, (ChainContentId(content.0),))
				.await
				.map_err(subxt::Error::from)?
			else {
				continue;
			};
			let info = info.decode().map_err(subxt::Error::from)?;
			let confirmed = info.replicas.iter().any(|r| r.holder == operator && r.confirmed);
			if state.store.contains(&content) {
				mark_registered(state, &content, &info)?;
				if confirmed {
					self.confirming.remove(&content);
					self.settled.insert(content);
				} else if self
					.confirming
					.get(&content)
					.is_none_or(|sent| now >= sent + RESEND_AFTER)
				{
					let call = dynamic::transaction(
						"Content",
						"confirm_replica",
						(ChainContentId(content.0),),
					);
					self.submit(at, key, &call).await?;
					tracing::info!(content = %id_hex(&content), "replica confirmation sent");
					self.confirming.insert(content, now);
				}
			} else if confirmed {
				if self.reported_lost.insert(content) {
					tracing::error!(content = %id_hex(&content), "a confirmed replica is missing from disk");
				}
			} else {
				waiting += 1;
				let mut sources = Vec::new();
				for replica in info.replicas.iter().filter(|r| r.confirmed && r.holder != operator)
				{
					let node = at
						.storage()
						.try_fetch(
							dynamic::storage::<([u8; 32],), MasternodeInfo>(
								"Masternodes",
								"Masternodes",
							),
							(replica.holder,),
						)
						.await
						.map_err(subxt::Error::from)?;
					if let Some(node) = node {
						let node = node.decode().map_err(subxt::Error::from)?;
						sources.push(String::from_utf8_lossy(&node.endpoint).into_owned());
					}
				}
				self.start_fetch(state, key, content, info, sources);
			}
		}
		state.metrics.replication_queue.set(waiting);
		Ok(())
	}

	/// Fetches `content` in the background from the first of `sources` whose bytes match.
	fn start_fetch(
		&self,
		state: &AppState,
		key: &Arc<ProofKey>,
		content: ContentId,
		info: ContentInfo,
		sources: Vec<String>,
	) {
		if sources.is_empty() || !self.fetching.lock().expect("fetch set").insert(content) {
			return;
		}
		let (state, key, fetching) = (state.clone(), key.clone(), self.fetching.clone());
		tokio::spawn(async move {
			for endpoint in &sources {
				tracing::info!(content = %id_hex(&content), %endpoint, "fetching replica");
				match fetch(&state, &key, &content, endpoint).await {
					Ok(()) => {
						if let Err(error) = mark_registered(&state, &content, &info) {
							tracing::warn!(%error, "recording a replica failed");
						}
						tracing::info!(content = %id_hex(&content), %endpoint, "replica stored");
						break;
					}
					Err(error) => {
						tracing::warn!(content = %id_hex(&content), %error, "replica fetch failed; trying the next holder")
					}
				}
			}
			fetching.lock().expect("fetch set").remove(&content);
		});
	}
}

/// Records content stored here as registered, so it is streamed with its price and type.
fn mark_registered(
	state: &AppState,
	content: &ContentId,
	info: &ContentInfo,
) -> Result<(), ChainError> {
	let registered = ItemState::Registered { price: info.price };
	let record = state.index.item(content)?;
	if record.as_ref().is_some_and(|r| r.state == registered) {
		return Ok(());
	}
	let mime =
		String::from_utf8(info.mime.clone()).unwrap_or_else(|_| crate::index::DEFAULT_MIME.into());
	let stored_at_ms = record.map(|r| r.stored_at_ms).unwrap_or_else(crate::unix_time_ms);
	state.index.put_item(
		content,
		&ItemRecord { size: info.size, state: registered, stored_at_ms, mime },
	)?;
	tracing::info!(content = %id_hex(content), price = info.price, "content registered on chain");
	Ok(())
}

/// Streams `content` from the sidecar at `endpoint` into the store, which checks it against
/// the id before it becomes visible.
async fn fetch(
	state: &AppState,
	key: &ProofKey,
	content: &ContentId,
	endpoint: &str,
) -> Result<(), ChainError> {
	let failed = |reason: String| ChainError::Fetch { endpoint: endpoint.to_owned(), reason };
	let expires = crate::unix_time_ms() / 1000 + 600;
	let token = auth::sign_token(&key.pair, endpoint.trim_end_matches('/'), expires);
	let url = format!("{}/content/{}", endpoint.trim_end_matches('/'), id_hex(content));
	let response = reqwest::Client::new()
		.get(&url)
		.header("Authorization", format!("PopSr25519 {token}"))
		.send()
		.await
		.map_err(|e| failed(e.to_string()))?;
	if !response.status().is_success() {
		return Err(failed(format!("HTTP {}", response.status())));
	}
	// The disk and the hashing work on a blocking thread beside the network. `None` marks the
	// end of the body: a channel closed without it leaves nothing behind.
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
