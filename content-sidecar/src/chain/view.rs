//! The chain at one block as the follower sees it: [`ChainView`], implemented on subxt's
//! client at a block, and by an in-memory chain in the follower's tests.

use super::{ledger, queries, AtBlock, ProofKey};
use crate::auth::Account;
use pop_primitives::commitment::{ContentId, LeafProof};
use std::{collections::BTreeSet, future::Future};
use subxt::{config::DefaultExtrinsicParamsBuilder, transactions::Payload, SubstrateConfig};

/// An open challenge of this masternode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Challenge {
	/// Its id, which the answer names.
	pub id: u64,
	/// The content challenged.
	pub content: ContentId,
	/// The leaf to prove.
	pub leaf: u64,
	/// The last block an answer counts at.
	pub deadline: u64,
}

/// A transaction the follower sends, signed by the proof key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Call {
	/// `Content::submit_proof`: the answer to a challenge.
	SubmitProof {
		/// The challenge answered.
		challenge: u64,
		/// The proof of the challenged leaf.
		proof: LeafProof,
	},
	/// `Content::confirm_replica`: this masternode stores the content.
	ConfirmReplica {
		/// The content stored.
		content: ContentId,
	},
}

/// Why the node's transaction pool refused a transaction: its JSON-RPC error, which names the
/// transaction's fault (as opposed to the node's or the connection's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
	/// The error's code: 1010 invalid, 1012 temporarily banned, 1013 already imported, 1014
	/// priority too low (another transaction holds the nonce), and so on to 1020.
	pub code: i32,
	/// Its message and data, e.g. `Invalid Transaction: Custom error: 5`.
	pub reason: String,
}

impl Refusal {
	/// `error` as the pool's refusal, if it is one.
	pub fn of(error: &subxt::Error) -> Option<Self> {
		use subxt::{
			error::{BackendError, ExtrinsicError, RpcError},
			rpcs::Error as RpcClientError,
		};
		let subxt::Error::ExtrinsicError(ExtrinsicError::ErrorSubmittingTransaction(
			BackendError::Rpc(RpcError::ClientError(RpcClientError::User(error))),
		)) = error
		else {
			return None;
		};
		Self::from_rpc(error.code, &error.message, error.data.as_deref().map(|data| data.get()))
	}

	/// A refusal from a pool error's code, message and JSON data, if the code is the pool's.
	pub fn from_rpc(code: i32, message: &str, data: Option<&str>) -> Option<Self> {
		if !(1010..=1020).contains(&code) {
			return None;
		}
		let data = data.map(|data| serde_json::from_str::<String>(data).unwrap_or(data.into()));
		let reason = match data {
			Some(data) => format!("{message}: {data}"),
			None => message.to_owned(),
		};
		Some(Self { code, reason })
	}

	/// The code of an `InvalidTransaction::Custom` refusal (the content pallet's
	/// `InvalidContentTransaction`).
	pub fn custom(&self) -> Option<u8> {
		let (_, code) = self.reason.split_once("Custom error: ")?;
		code.trim().parse().ok()
	}

	/// Whether the transaction's nonce was used on chain already (`Transaction is outdated`).
	pub fn stale(&self) -> bool {
		self.code == 1010 && self.reason.contains("outdated")
	}

	/// Whether the pool holds a transaction at this nonce already: this one, or another.
	pub fn nonce_in_pool(&self) -> bool {
		matches!(self.code, 1013 | 1014)
	}
}

impl std::fmt::Display for Refusal {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "{} ({})", self.reason, self.code)
	}
}

/// What the follower reads of the chain at one block, and how it sends transactions.
pub(super) trait ChainView: Sync {
	/// The block's number.
	fn number(&self) -> u64;

	/// The chain's genesis hash.
	fn genesis(&self) -> [u8; 32];

	/// The masternode `proof_key` signs for, if any.
	fn operator_of(
		&self,
		proof_key: Account,
	) -> impl Future<Output = Result<Option<Account>, subxt::Error>> + Send;

	/// The open challenges of `operator`'s masternode.
	fn challenges(
		&self,
		operator: Account,
	) -> impl Future<Output = Result<Vec<Challenge>, subxt::Error>> + Send;

	/// The content assigned to `operator`'s masternode.
	fn assignments(
		&self,
		operator: Account,
	) -> impl Future<Output = Result<BTreeSet<ContentId>, subxt::Error>> + Send;

	/// The chain's record of `content`, if registered.
	fn content(
		&self,
		content: ContentId,
	) -> impl Future<Output = Result<Option<queries::ContentInfo>, subxt::Error>> + Send;

	/// The sidecar URL of `operator`'s masternode, if it is one.
	fn endpoint(
		&self,
		operator: Account,
	) -> impl Future<Output = Result<Option<String>, subxt::Error>> + Send;

	/// The faults of `operator`'s masternode counted in the current era.
	fn faults_this_era(
		&self,
		operator: Account,
	) -> impl Future<Output = Result<u32, subxt::Error>> + Send;

	/// Whether `operator`'s masternode is jailed.
	fn jailed(&self, operator: Account) -> impl Future<Output = Result<bool, subxt::Error>> + Send;

	/// The proof key's next nonce as of this block.
	fn nonce(&self, key: &ProofKey) -> impl Future<Output = Result<u64, subxt::Error>> + Send;

	/// Signs `call` with the proof key at `nonce` and hands it to the node's pool, mortal from
	/// this block: valid only on forks that hold it.
	fn submit(
		&self,
		key: &ProofKey,
		call: Call,
		nonce: u64,
	) -> impl Future<Output = Result<(), subxt::Error>> + Send;
}

impl ChainView for AtBlock {
	fn number(&self) -> u64 {
		self.block_number()
	}

	fn genesis(&self) -> [u8; 32] {
		self.genesis_hash().map(|hash| hash.0).unwrap_or_default()
	}

	async fn operator_of(&self, proof_key: Account) -> Result<Option<Account>, subxt::Error> {
		ledger::operator_of(self, proof_key).await
	}

	async fn challenges(&self, operator: Account) -> Result<Vec<Challenge>, subxt::Error> {
		let open = queries::entries(self, queries::challenges(), operator).await?;
		Ok(open
			.into_iter()
			.map(|(id, challenge)| Challenge {
				id,
				content: ContentId(challenge.content.0),
				leaf: challenge.leaf,
				deadline: challenge.deadline.into(),
			})
			.collect())
	}

	async fn assignments(&self, operator: Account) -> Result<BTreeSet<ContentId>, subxt::Error> {
		let assigned = queries::entries(self, queries::assignments(), operator).await?;
		Ok(assigned.into_iter().map(|(content, ())| ContentId(content.0)).collect())
	}

	async fn content(
		&self,
		content: ContentId,
	) -> Result<Option<queries::ContentInfo>, subxt::Error> {
		queries::read(self, queries::contents(), (queries::ChainContentId(content.0),)).await
	}

	async fn endpoint(&self, operator: Account) -> Result<Option<String>, subxt::Error> {
		let node = queries::read(self, queries::masternodes(), (operator,)).await?;
		Ok(node.map(|node| String::from_utf8_lossy(&node.endpoint).into_owned()))
	}

	async fn faults_this_era(&self, operator: Account) -> Result<u32, subxt::Error> {
		queries::faults_this_era(self, operator).await
	}

	async fn jailed(&self, operator: Account) -> Result<bool, subxt::Error> {
		let node = queries::read(self, queries::masternodes(), (operator,)).await?;
		Ok(node.is_some_and(|node| node.status == queries::MasternodeStatus::Jailed))
	}

	async fn nonce(&self, key: &ProofKey) -> Result<u64, subxt::Error> {
		Ok(self.transactions().account_nonce(&key.signer().public_key().to_account_id()).await?)
	}

	async fn submit(&self, key: &ProofKey, call: Call, nonce: u64) -> Result<(), subxt::Error> {
		match call {
			Call::SubmitProof { challenge, proof } => {
				sign_and_submit(self, key, nonce, &queries::submit_proof(challenge, proof)).await
			}
			Call::ConfirmReplica { content } => {
				sign_and_submit(self, key, nonce, &queries::confirm_replica(content)).await
			}
		}
	}
}

/// Blocks a transaction stays valid for after the block it is signed at (rounded up to a power
/// of two by the chain's era encoding): longer than a challenge's deadline, and the
/// checkpoint ties it to the fork it was decided on.
const MORTALITY: u64 = 32;

async fn sign_and_submit(
	at: &AtBlock,
	key: &ProofKey,
	nonce: u64,
	call: &impl Payload,
) -> Result<(), subxt::Error> {
	// `mortal` takes `at` as the checkpoint.
	let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
		.nonce(nonce)
		.mortal(MORTALITY)
		.build();
	at.transactions().sign_and_submit(call, key.signer(), params).await?;
	Ok(())
}
