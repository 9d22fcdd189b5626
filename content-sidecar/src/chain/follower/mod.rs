//! The follower: this masternode's work at each block, in three steps. It reads the chain and
//! the disk into a plain [`Snapshot`], decides what to do with the pure [`plan`](plan::plan)
//! (in `plan.rs`, with what it remembers between blocks), and applies the plan: proofs built
//! on a blocking thread, transactions signed with a nonce counted here, replicas fetched in
//! the background, the index written.
//!
//! It follows two streams of the node: best blocks, at which it answers challenges, and
//! finalized blocks, at which it reconciles replicas (why, and how re-orgs are met, is in
//! `plan.rs`). Each transaction is signed at the block it was decided at, which is its
//! mortality checkpoint: an answer is valid only on forks that hold the challenge it answers,
//! a confirmation on every fork.

#[cfg(test)]
mod apply_tests;
mod plan;
#[cfg(test)]
mod plan_tests;

use super::{
	fetch::Fetcher,
	queries::ContentInfo,
	view::{Call, ChainView, Refusal},
	ChainError, Client, ProofKey, BLOCK_SILENCE,
};
use crate::{
	auth::{ss58, Account},
	blob_store::{id_hex, StoreError},
	index::{ItemRecord, ItemState, ReconciledAt},
	state::AppState,
};
use futures_util::FutureExt as _;
use plan::{plan, registered_record, Action, Memory, Replicas, Sent, Snapshot, Standing};
use pop_primitives::commitment::ContentId;
use std::{
	collections::{BTreeMap, BTreeSet},
	sync::Arc,
};
use subxt::{
	client::{Block, Blocks},
	error::BlocksError,
	SubstrateConfig,
};
use tokio::time::{timeout, Instant};

/// The content pallet's refusal of a confirmation whose replica is confirmed already
/// (`InvalidContentTransaction::AlreadyConfirmed`): what was to be done is done.
const ALREADY_CONFIRMED: u8 = 5;

/// What a stream of blocks yields.
type BlockItem = Result<Block<SubstrateConfig>, BlocksError>;

/// Follows the chain block by block; what it remembers outlives reconnections.
pub(super) struct Follower {
	/// What was sent and settled, and the next nonce.
	memory: Memory,
	/// Replicas being fetched.
	fetcher: Fetcher,
}

/// Moves `block` on to the newest one `blocks` has ready: a follower that fell behind goes to
/// the head rather than through stale blocks (it reconciles with the state it reads, so
/// nothing is lost).
fn skip_to_newest(block: &mut BlockItem, blocks: &mut Blocks<SubstrateConfig>) {
	while let Some(Some(next)) = blocks.next().now_or_never() {
		*block = next;
	}
}

impl Follower {
	/// A follower that remembers nothing yet and fetches replicas with `fetcher`.
	pub fn new(fetcher: Fetcher) -> Self {
		Self { memory: Memory::default(), fetcher }
	}

	/// Starts afresh with a new connection to the node (see [`Memory::reconnected`]).
	pub fn reconnected(&mut self) {
		self.memory.reconnected();
	}

	/// Answers challenges at every best block of `client` and reconciles replicas at every
	/// finalized one, until the node is lost, or wedged: no best block for
	/// [`BLOCK_SILENCE`], or a block's work not done within it.
	pub async fn follow(
		&mut self,
		state: &AppState,
		client: &Client,
		key: &Arc<ProofKey>,
	) -> Result<(), subxt::Error> {
		let mut best = client.stream_best_blocks().await?;
		let mut finalized = client.stream_blocks().await?;
		let mut last_best = Instant::now();
		let wedged = |what: &str| {
			subxt::Error::other_str(format!("the node is wedged: {what} for {BLOCK_SILENCE:?}"))
		};
		loop {
			tokio::select! {
				// Challenges first: they have deadlines.
				biased;
				block = best.next() => {
					let Some(mut block) = block else { return Ok(()) };
					skip_to_newest(&mut block, &mut best);
					last_best = Instant::now();
					let work = async { self.on_best_block(&block?.at().await?, state, key).await };
					timeout(BLOCK_SILENCE, work).await.map_err(|_| wedged("a best block's work"))??;
				}
				block = finalized.next() => {
					let Some(mut block) = block else { return Ok(()) };
					skip_to_newest(&mut block, &mut finalized);
					let work =
						async { self.on_finalized_block(&block?.at().await?, state, key).await };
					timeout(BLOCK_SILENCE, work)
						.await
						.map_err(|_| wedged("a finalized block's work"))??;
				}
				() = tokio::time::sleep_until(last_best + BLOCK_SILENCE) => {
					return Err(wedged("no best block"));
				}
			}
		}
	}

	/// Answers the open challenges at a best block. Only failing to learn which masternode
	/// the proof key signs for is an error: the rest is logged and tried again at the next
	/// block.
	async fn on_best_block(
		&mut self,
		view: &impl ChainView,
		state: &AppState,
		key: &Arc<ProofKey>,
	) -> Result<(), subxt::Error> {
		let Some(operator) = operator(view, key).await? else { return Ok(()) };
		if self.memory.next_nonce().is_some() {
			match view.nonce(key).await {
				Ok(chain) if self.memory.observe_nonce(chain) => tracing::warn!(
					nonce = chain,
					"transactions sent since never reached the chain (a re-org dropped one?): \
					 sending again from the chain's nonce"
				),
				Ok(_) => {}
				Err(error) => tracing::warn!(%error, "reading the proof key's nonce failed"),
			}
		}
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
		let snapshot = Snapshot { block: view.number(), operator, challenges, replicas: None };
		let plan = plan(&snapshot, &self.memory);
		if let Err(error) = self.apply(view, state, key, &plan.answers, snapshot.block).await {
			tracing::warn!(%error, "answering challenges failed");
		}
		Ok(())
	}

	/// Reconciles the replicas assigned here at a finalized block, as [`Self::on_best_block`]
	/// answers challenges.
	async fn on_finalized_block(
		&mut self,
		view: &impl ChainView,
		state: &AppState,
		key: &Arc<ProofKey>,
	) -> Result<(), subxt::Error> {
		// A node restarted after a crash, or syncing afresh, may name a finalized block older
		// than one reconciled already: content registered since would look removed, and be
		// withdrawn (then deleted) while the chain still assigns it here.
		let reached = ReconciledAt { genesis: view.genesis(), block: view.number() };
		let waiting = match state.index.reconciled() {
			Ok(Some(seen)) if seen.genesis != reached.genesis => {
				tracing::error!(
					genesis = hex::encode(reached.genesis),
					reconciled_genesis = hex::encode(seen.genesis),
					"the node follows another chain than the one this content was reconciled \
					 with; nothing is reconciled (after a chain reset, run `pop-sidecar reindex`)"
				);
				true
			}
			Ok(Some(seen)) if seen.block > reached.block => {
				tracing::info!(
					block = reached.block,
					reconciled = seen.block,
					"the node's finalized block is behind one reconciled already; waiting for it"
				);
				true
			}
			Ok(_) => false,
			Err(error) => {
				tracing::warn!(%error, "reading the last block reconciled failed");
				true
			}
		};
		state.metrics.reconcile_waiting.set(waiting.into());
		if waiting {
			return Ok(());
		}
		let operator = operator(view, key).await?;
		state.metrics.proof_key_registered.set(operator.is_some().into());
		let Some(operator) = operator else { return Ok(()) };
		match tokio::try_join!(view.faults_this_era(operator), view.jailed(operator)) {
			Ok((faults, jailed)) => {
				state.metrics.masternode_faults.set(faults.into());
				state.metrics.masternode_jailed.set(jailed.into());
			}
			Err(error) => tracing::warn!(%error, "reading the masternode's faults and jail failed"),
		}
		let replicas = match self.observe_replicas(view, state, operator).await {
			Ok(replicas) => Some(replicas),
			Err(error) => {
				tracing::warn!(%error, "reconciling assignments failed");
				None
			}
		};
		let snapshot = Snapshot { block: view.number(), operator, challenges: None, replicas };
		let plan = plan(&snapshot, &self.memory);
		match self.apply(view, state, key, &plan.replicas, snapshot.block).await {
			Ok(()) => {
				if let Err(error) = state.index.put_reconciled(&reached) {
					tracing::warn!(%error, "recording the last block reconciled failed");
				}
			}
			Err(error) => tracing::warn!(%error, "reconciling assignments failed"),
		}
		Ok(())
	}

	/// Reads what the replicas' plan needs, forgetting on the way what the chain no longer
	/// assigns here.
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
		let mut unassigned = BTreeMap::new();
		for (content, record) in state.index.items()? {
			let held = matches!(record.state, ItemState::Registered { .. } | ItemState::Recovered);
			if held && !assigned.contains(&content) {
				unassigned.insert(content, view.content(content).await?);
			}
		}
		let (mut contents, mut records, mut endpoints, mut uploaders) =
			(BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
		for content in self.memory.unsettled(&assigned) {
			let Some(info) = view.content(content).await? else { continue };
			match Standing::of(&info, operator, stored.contains(&content)) {
				Standing::Stored => {
					if let Some(record) = state.index.item(&content)? {
						if matches!(record.state, ItemState::Uploaded { .. }) {
							uploaders.insert(content, state.uploads.uploaders(&content)?);
						}
						records.insert(content, record);
					}
				}
				Standing::Lost | Standing::Missing => {
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
			fetching: self.fetcher.not_to_fetch(),
			uploaders,
			now_ms: crate::unix_time_ms(),
			unassigned,
		})
	}

	/// Takes `actions` in order, remembering each one taken; stops at the first that fails (a
	/// transaction the pool refuses is not a failure: it is logged, and the next one goes).
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
					let call = Call::ConfirmReplica { content: *content };
					match self.submit(view, key, call).await? {
						None => {
							tracing::info!(content = %id_hex(content), "replica confirmation sent")
						}
						Some(refusal) if refusal.custom() == Some(ALREADY_CONFIRMED) => {
							tracing::debug!(content = %id_hex(content), "replica confirmed already")
						}
						Some(refusal) => tracing::warn!(
							content = %id_hex(content),
							%refusal,
							"the node's pool refused a replica confirmation"
						),
					}
				}
				Action::Settle(_) => {}
				Action::Fetch { content, info, sources } => {
					let (content, info) = (*content, info.clone());
					let size = info.size;
					self.fetcher.start(state, key, content, size, sources.clone(), move |state| {
						if let Err(error) = register_fetched(state, &content, &info) {
							tracing::warn!(%error, "recording a replica failed");
						}
					});
				}
				Action::ReportLost(content) => {
					state.metrics.replicas_lost.inc();
					tracing::error!(
						content = %id_hex(content),
						"a confirmed replica is missing from disk and no other holder has it"
					)
				}
				Action::Withdraw { content, removed } => withdraw(state, content, *removed, block)?,
				Action::RefuseForeign { content, owner } => {
					state.metrics.foreign_registrations.inc();
					tracing::warn!(
						content = %id_hex(content),
						owner = %ss58(owner),
						"registered on chain by an account that did not upload it here: not \
						 confirmed"
					);
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
				tracing::error!(
					challenge,
					content = %id_hex(&content),
					%error,
					"cannot prove a challenged leaf; fetching the replica again"
				);
				if matches!(error, StoreError::Corrupt(_)) {
					// Bytes that no longer match their id are worth nothing: the replica is
					// fetched again, as a missing one is.
					state.store.remove(&content)?;
				}
				self.memory.unsettle(&content);
				return Ok(());
			}
		};
		if let Some(refusal) =
			self.submit(view, key, Call::SubmitProof { challenge, proof }).await?
		{
			tracing::warn!(challenge, %refusal, "the node's pool refused a proof");
			return Ok(());
		}
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

	/// Signs `call` with the proof key and hands it to the node's pool; returns the pool's
	/// refusal if it refused it.
	async fn submit(
		&mut self,
		view: &impl ChainView,
		key: &ProofKey,
		call: Call,
	) -> Result<Option<Refusal>, subxt::Error> {
		let nonce = match self.memory.next_nonce() {
			Some(nonce) => nonce,
			None => view.nonce(key).await?,
		};
		let error = match view.submit(key, call, nonce).await {
			Ok(()) => {
				self.memory.submitted(nonce, Sent::Pooled);
				return Ok(None);
			}
			Err(error) => error,
		};
		let Some(refusal) = Refusal::of(&error) else {
			self.memory.submitted(nonce, Sent::Failed);
			return Err(error);
		};
		let sent = if refusal.nonce_in_pool() {
			Sent::NonceInPool
		} else if refusal.stale() {
			Sent::Stale
		} else {
			Sent::Refused
		};
		self.memory.submitted(nonce, sent);
		Ok(Some(refusal))
	}
}

/// The masternode the proof key signs for at `view`, if any.
async fn operator(view: &impl ChainView, key: &ProofKey) -> Result<Option<Account>, subxt::Error> {
	let operator = view.operator_of(key.account()).await?;
	if operator.is_none() {
		tracing::debug!(block = view.number(), "proof key not registered to a masternode yet");
	}
	Ok(operator)
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

/// Stops serving `content`, which the chain no longer assigns here: it was `removed` by its
/// owner, or moved to other holders. The collector deletes it after `--withdrawn-grace`.
fn withdraw(
	state: &AppState,
	content: &ContentId,
	removed: bool,
	block: u64,
) -> Result<(), ChainError> {
	let Some(mut record) = state.index.item(content)? else { return Ok(()) };
	record.state = ItemState::Withdrawn { at_ms: crate::unix_time_ms(), removed };
	state.index.put_item(content, &record)?;
	state.index.flush()?;
	state.metrics.replicas_withdrawn.inc();
	tracing::info!(
		content = %id_hex(content),
		removed,
		block,
		"no longer assigned here: withdrawn, to be deleted after the grace period"
	);
	Ok(())
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
