//! The follower: this masternode's work at each finalized block, in three steps. It reads the
//! chain and the disk into a plain [`Snapshot`], decides what to do with the pure
//! [`plan`](plan::plan) (in `plan.rs`, with what it remembers between blocks), and applies
//! the plan: proofs built on a blocking thread, transactions signed with a nonce counted
//! here, replicas fetched in the background, the index written.

#[cfg(test)]
mod apply_tests;
mod plan;
#[cfg(test)]
mod plan_tests;

use super::{
	fetch::Fetcher,
	queries::ContentInfo,
	view::{Call, ChainView},
	ChainError, Client, ProofKey,
};
use crate::{
	auth::Account,
	blob_store::{id_hex, StoreError},
	index::{ItemRecord, ItemState},
	state::AppState,
};
use plan::{plan, registered_record, Action, Memory, Replicas, Snapshot, Standing};
use pop_primitives::commitment::ContentId;
use std::{
	collections::{BTreeMap, BTreeSet},
	sync::Arc,
};

/// Follows the chain block by block; what it remembers outlives reconnections.
#[derive(Default)]
pub(super) struct Follower {
	/// What was sent and settled, and the next nonce.
	memory: Memory,
	/// Replicas being fetched.
	fetcher: Fetcher,
}

impl Follower {
	/// Does this masternode's work at every finalized block of `client`, until the node is
	/// lost.
	pub async fn follow(
		&mut self,
		state: &AppState,
		client: &Client,
		key: &Arc<ProofKey>,
	) -> Result<(), subxt::Error> {
		let mut blocks = client.stream_blocks().await?;
		while let Some(block) = blocks.next().await {
			let at = block?.at().await?;
			self.on_block(&at, state, key).await?;
		}
		Ok(())
	}

	/// Reads, plans and applies one block. Only failing to learn which masternode the proof
	/// key signs for is an error: the rest is logged and tried again at the next block.
	async fn on_block(
		&mut self,
		view: &impl ChainView,
		state: &AppState,
		key: &Arc<ProofKey>,
	) -> Result<(), subxt::Error> {
		let Some(operator) = view.operator_of(key.account()).await? else {
			tracing::debug!(block = view.number(), "proof key not registered to a masternode yet");
			return Ok(());
		};
		let snapshot = self.observe(view, state, operator).await;
		let plan = plan(&snapshot, &self.memory);
		if let Err(error) = self.apply(view, state, key, &plan.answers, snapshot.block).await {
			tracing::warn!(%error, "answering challenges failed");
		}
		if let Err(error) = self.apply(view, state, key, &plan.replicas, snapshot.block).await {
			tracing::warn!(%error, "reconciling assignments failed");
		}
		Ok(())
	}

	/// Reads what `plan` needs, forgetting on the way what the chain no longer has open or
	/// assigned.
	async fn observe(
		&mut self,
		view: &impl ChainView,
		state: &AppState,
		operator: Account,
	) -> Snapshot {
		let challenges = match view.challenges(operator).await {
			Ok(open) => {
				self.memory.forget_closed(&open);
				Some(open)
			}
			Err(error) => {
				tracing::warn!(%error, "answering challenges failed");
				None
			}
		};
		let replicas = match self.observe_replicas(view, state, operator).await {
			Ok(replicas) => Some(replicas),
			Err(error) => {
				tracing::warn!(%error, "reconciling assignments failed");
				None
			}
		};
		Snapshot { block: view.number(), operator, challenges, replicas }
	}

	async fn observe_replicas(
		&mut self,
		view: &impl ChainView,
		state: &AppState,
		operator: Account,
	) -> Result<Replicas, ChainError> {
		let assigned = view.assignments(operator).await?;
		let stored: BTreeSet<ContentId> =
			assigned.iter().filter(|content| state.store.contains(content)).copied().collect();
		self.memory.forget_unassigned(&assigned, &stored);
		let (mut contents, mut records, mut endpoints) =
			(BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
		for content in self.memory.unsettled(&assigned) {
			let Some(info) = view.content(content).await? else { continue };
			match Standing::of(&info, operator, stored.contains(&content)) {
				Standing::Stored => {
					if let Some(record) = state.index.item(&content)? {
						records.insert(content, record);
					}
				}
				Standing::Lost => {}
				Standing::Missing => {
					for holder in info.holders_besides(operator) {
						if endpoints.contains_key(&holder) {
							continue;
						}
						if let Some(endpoint) = view.endpoint(holder).await? {
							endpoints.insert(holder, endpoint);
						}
					}
				}
			}
			contents.insert(content, info);
		}
		Ok(Replicas {
			contents,
			stored,
			records,
			endpoints,
			fetching: self.fetcher.in_flight(),
			now_ms: crate::unix_time_ms(),
		})
	}

	/// Takes `actions` in order, remembering each one taken; stops at the first that fails.
	async fn apply(
		&mut self,
		view: &impl ChainView,
		state: &AppState,
		key: &Arc<ProofKey>,
		actions: &[Action],
		block: u64,
	) -> Result<(), ChainError> {
		for action in actions {
			match action {
				Action::Answer { challenge, content, leaf } => {
					self.answer(view, state, key, *challenge, *content, *leaf).await?
				}
				Action::Register { content, record } => write_registered(state, content, record)?,
				Action::Confirm(content) => {
					self.submit(view, key, Call::ConfirmReplica { content: *content }).await?;
					tracing::info!(content = %id_hex(content), "replica confirmation sent");
				}
				Action::Settle(_) => {}
				Action::Fetch { content, info, sources } => {
					let (content, info) = (*content, info.clone());
					self.fetcher.start(state, key, content, sources.clone(), move |state| {
						if let Err(error) = register_fetched(state, &content, &info) {
							tracing::warn!(%error, "recording a replica failed");
						}
					});
				}
				Action::ReportLost(content) => {
					tracing::error!(content = %id_hex(content), "a confirmed replica is missing from disk")
				}
				Action::ReplicationQueue(waiting) => {
					state.metrics.replication_queue.set(*waiting);
				}
			}
			self.memory.record(action, block);
		}
		Ok(())
	}

	/// Proves the challenged leaf on a blocking thread and submits the proof. A leaf that
	/// cannot be proved is counted and logged, not an error.
	async fn answer(
		&mut self,
		view: &impl ChainView,
		state: &AppState,
		key: &ProofKey,
		challenge: u64,
		content: ContentId,
		leaf: u64,
	) -> Result<(), ChainError> {
		let store = state.store.clone();
		let started = std::time::Instant::now();
		let proof = tokio::task::spawn_blocking(move || store.prove(&content, leaf))
			.await
			.map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
		let proof = match proof {
			Ok(proof) => proof,
			Err(error) => {
				state.metrics.proofs_failed.inc();
				tracing::error!(challenge, content = %id_hex(&content), %error, "cannot prove a challenged leaf");
				return Ok(());
			}
		};
		self.submit(view, key, Call::SubmitProof { challenge, proof }).await?;
		state.metrics.proofs_sent.inc();
		tracing::info!(
			challenge,
			content = %id_hex(&content),
			leaf,
			micros = started.elapsed().as_micros() as u64,
			"proof sent"
		);
		Ok(())
	}

	/// Signs `call` with the proof key and hands it to the node's pool.
	async fn submit(
		&mut self,
		view: &impl ChainView,
		key: &ProofKey,
		call: Call,
	) -> Result<(), subxt::Error> {
		let nonce = match self.memory.next_nonce() {
			Some(nonce) => nonce,
			None => view.nonce(key).await?,
		};
		let submitted = view.submit(key, call, nonce).await;
		self.memory.submitted(nonce, submitted.is_ok());
		submitted
	}
}

/// Records a fetched replica as registered, unless its record already says so.
fn register_fetched(
	state: &AppState,
	content: &ContentId,
	info: &ContentInfo,
) -> Result<(), ChainError> {
	let existing = state.index.item(content)?;
	match registered_record(existing.as_ref(), info, crate::unix_time_ms()) {
		Some(record) => write_registered(state, content, &record),
		None => Ok(()),
	}
}

/// Writes the record of content registered on chain.
fn write_registered(
	state: &AppState,
	content: &ContentId,
	record: &ItemRecord,
) -> Result<(), ChainError> {
	state.index.put_item(content, record)?;
	if let ItemState::Registered { price } = record.state {
		tracing::info!(content = %id_hex(content), price, "content registered on chain");
	}
	Ok(())
}
