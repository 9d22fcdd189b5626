//! The follower applying its plans against an in-memory chain and a real store in a temp
//! dir: proofs that verify, nonces, what is read again, best and finalized blocks, re-orgs.

use super::{
	plan::{NONCE_STALL, RESEND_AFTER},
	plan_tests::{challenge, id, info, ME, OTHER},
	Follower,
};
use crate::{
	auth::Account,
	chain::{
		fetch::Fetcher,
		queries::ContentInfo,
		view::{Call, ChainView, Challenge, Refusal},
		ProofKey,
	},
	config::Config,
	gc,
	hashing::NativeSha256,
	index::{ItemRecord, ItemState},
	ledger::MemoryLedger,
	state::AppState,
	testing::dev_proof_key,
};
use bytes::Bytes;
use pop_primitives::commitment::{ContentId, CHUNK_SIZE};
use std::{
	collections::{BTreeMap, BTreeSet},
	sync::{Arc, Mutex},
};

/// A chain held in memory, recording what is read and sent.
#[derive(Default)]
struct FakeChain {
	block: u64,
	challenges: Vec<Challenge>,
	contents: BTreeMap<ContentId, ContentInfo>,
	/// The proof key's nonce as the chain counts it.
	nonce: u64,
	/// How many of the next submits fail.
	failing: Mutex<usize>,
	/// The pool's refusal of every submit, as (code, data), if it refuses.
	refusing: Mutex<Option<(i32, &'static str)>>,
	/// Calls submitted: the call, its nonce and whether it reached the pool.
	sent: Mutex<Vec<(Call, u64, bool)>>,
	/// Contents registered on chain and assigned elsewhere: read, never assigned here.
	moved: BTreeMap<ContentId, ContentInfo>,
	/// Contents whose chain records were read.
	read: Mutex<Vec<ContentId>>,
	/// Faults of this masternode in the current era.
	faults: u32,
	/// Whether this masternode is jailed.
	jailed: bool,
	/// The chain's genesis hash.
	genesis: [u8; 32],
}

impl FakeChain {
	fn take_sent(&self) -> Vec<(Call, u64, bool)> {
		std::mem::take(&mut self.sent.lock().unwrap())
	}
}

impl ChainView for FakeChain {
	fn number(&self) -> u64 {
		self.block
	}

	fn genesis(&self) -> [u8; 32] {
		self.genesis
	}

	async fn operator_of(&self, _: Account) -> Result<Option<Account>, subxt::Error> {
		Ok(Some(ME))
	}

	async fn challenges(&self, _: Account) -> Result<Vec<Challenge>, subxt::Error> {
		Ok(self.challenges.clone())
	}

	async fn assignments(&self, _: Account) -> Result<BTreeSet<ContentId>, subxt::Error> {
		Ok(self.contents.keys().copied().collect())
	}

	async fn content(&self, content: ContentId) -> Result<Option<ContentInfo>, subxt::Error> {
		self.read.lock().unwrap().push(content);
		Ok(self.contents.get(&content).or(self.moved.get(&content)).cloned())
	}

	async fn endpoint(&self, _: Account) -> Result<Option<String>, subxt::Error> {
		Ok(None)
	}

	async fn faults_this_era(&self, _: Account) -> Result<u32, subxt::Error> {
		Ok(self.faults)
	}

	async fn jailed(&self, _: Account) -> Result<bool, subxt::Error> {
		Ok(self.jailed)
	}

	async fn nonce(&self, _: &ProofKey) -> Result<u64, subxt::Error> {
		Ok(self.nonce)
	}

	async fn submit(&self, _: &ProofKey, call: Call, nonce: u64) -> Result<(), subxt::Error> {
		if let Some((code, data)) = *self.refusing.lock().unwrap() {
			self.sent.lock().unwrap().push((call, nonce, false));
			return Err(pool_refusal(code, data));
		}
		let mut failing = self.failing.lock().unwrap();
		let reached_pool = *failing == 0;
		*failing = failing.saturating_sub(1);
		self.sent.lock().unwrap().push((call, nonce, reached_pool));
		match reached_pool {
			true => Ok(()),
			false => Err(subxt::Error::other(std::io::Error::other("pool refused"))),
		}
	}
}

/// The error subxt gives when the node's pool refuses a transaction with JSON-RPC error
/// `code` and `data`.
fn pool_refusal(code: i32, data: &str) -> subxt::Error {
	use subxt::{
		error::{BackendError, ExtrinsicError, RpcError},
		rpcs::{Error, UserError},
	};
	let data = serde_json::value::RawValue::from_string(serde_json::to_string(data).unwrap());
	let message = "Invalid Transaction".to_owned();
	let refused = UserError { code, message, data: Some(data.unwrap()) };
	let rpc = RpcError::ClientError(Error::User(refused));
	ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(rpc)).into()
}

/// A sidecar's state on a temp dir, and the dev proof key.
fn sidecar() -> (tempfile::TempDir, AppState, Arc<ProofKey>) {
	let dir = tempfile::tempdir().unwrap();
	let config = Config::with_data_dir(dir.path().to_owned());
	let ledger = Arc::new(MemoryLedger::default());
	let state = AppState::open(config, ledger, Arc::new(dev_proof_key())).unwrap();
	(dir, state, Arc::new(ProofKey::new(crate::keys::SecretKey::from_uri("//Alice").unwrap())))
}

/// A follower with a fetcher bounded as `state` says.
fn follower(state: &AppState) -> Follower {
	Follower::new(Fetcher::new(&state.config).unwrap())
}

fn store(state: &AppState, size: usize) -> ContentId {
	let mut writer = state.store.writer().unwrap();
	writer.write(Bytes::from((0..size).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>())).unwrap();
	writer.commit(None).unwrap()
}

/// A best block that is also finalized: answers, then replicas.
async fn on_block(
	follower: &mut Follower,
	chain: &FakeChain,
	state: &AppState,
	key: &Arc<ProofKey>,
) {
	follower.on_best_block(chain, state, key).await.unwrap();
	follower.on_finalized_block(chain, state, key).await.unwrap();
}

#[tokio::test]
async fn applies_proofs_that_verify_and_counts_nonces_locally() {
	let (_dir, state, key) = sidecar();
	let size = 2 * CHUNK_SIZE + 100;
	let content = store(&state, size);
	let leaf = 256 + 44;
	let mut chain = FakeChain {
		block: 10,
		challenges: vec![Challenge { id: 4, content, leaf, deadline: 100 }],
		contents: [(content, ContentInfo { size: size as u64, ..info(&[(ME, false)]) })].into(),
		nonce: 7,
		..FakeChain::default()
	};
	let mut follower = follower(&state);
	on_block(&mut follower, &chain, &state, &key).await;
	let sent = chain.take_sent();
	let [(Call::SubmitProof { challenge: 4, proof }, 7, true), (Call::ConfirmReplica { content: confirmed }, 8, true)] =
		&sent[..]
	else {
		panic!("unexpected calls: {sent:?}");
	};
	assert_eq!(proof.index, leaf);
	assert_eq!(proof.verify::<NativeSha256>(&content, size as u64), Ok(()));
	assert_eq!(*confirmed, content);
	assert_eq!(state.metrics.proofs_sent.get(), 1);
	let record = state.index.item(&content).unwrap().unwrap();
	assert_eq!(record.state, ItemState::Registered { price: 5 });

	// Sent a block ago: nothing is due.
	chain.block = 11;
	on_block(&mut follower, &chain, &state, &key).await;
	assert_eq!(chain.take_sent(), []);

	// Both due again: the answer, at the nonce counted here, fails, so the confirmation's
	// nonce is read from the chain again.
	chain.block = 10 + RESEND_AFTER;
	chain.nonce = 8;
	*chain.failing.lock().unwrap() = 1;
	on_block(&mut follower, &chain, &state, &key).await;
	let nonces: Vec<(u64, bool)> = chain.take_sent().iter().map(|&(_, n, ok)| (n, ok)).collect();
	assert_eq!(nonces, [(9, false), (8, true)]);

	// The failed answer was not remembered: it is sent at the next block, counted on.
	chain.block += 1;
	on_block(&mut follower, &chain, &state, &key).await;
	let sent = chain.take_sent();
	assert!(matches!(sent[..], [(Call::SubmitProof { challenge: 4, .. }, 9, true)]), "{sent:?}");

	// Confirmed on chain: settled, and its record is no longer read.
	chain.contents.get_mut(&content).unwrap().replicas[0].confirmed = true;
	chain.challenges.clear();
	on_block(&mut follower, &chain, &state, &key).await;
	chain.read.lock().unwrap().clear();
	chain.block += 1;
	on_block(&mut follower, &chain, &state, &key).await;
	assert_eq!(chain.take_sent(), []);
	assert_eq!(*chain.read.lock().unwrap(), []);
}

#[tokio::test]
async fn a_failed_proof_is_counted_and_not_retried_every_block() {
	let (_dir, state, key) = sidecar();
	let mut chain =
		FakeChain { block: 10, challenges: vec![challenge(4, id(9), 100)], ..FakeChain::default() };
	let mut follower = follower(&state);
	for block in 10..10 + RESEND_AFTER {
		chain.block = block;
		on_block(&mut follower, &chain, &state, &key).await;
	}
	assert_eq!(state.metrics.proofs_failed.get(), 1);
	chain.block = 10 + RESEND_AFTER;
	on_block(&mut follower, &chain, &state, &key).await;
	assert_eq!(state.metrics.proofs_failed.get(), 2);
	assert_eq!(chain.take_sent(), []);
	assert_eq!(state.metrics.proofs_sent.get(), 0);
}

/// A challenge of `content` drawn at `block` (its id too), with a deadline ten blocks on.
fn challenged_at(block: u64, content: ContentId) -> Vec<Challenge> {
	vec![Challenge { id: block, content, leaf: block % 5, deadline: block + 10 }]
}

#[tokio::test]
async fn challenges_are_answered_at_best_blocks_while_finality_stalls() {
	let (_dir, state, key) = sidecar();
	let content = store(&state, 5 * 1024);
	// Finality stuck at block 5, where nothing was challenged yet.
	let finalized = FakeChain { block: 5, ..FakeChain::default() };
	let mut best = FakeChain::default();
	let mut follower = follower(&state);
	for block in 10..30 {
		best.block = block;
		best.challenges = challenged_at(block, content);
		// What was sent at the last block is in.
		best.nonce = best.sent.lock().unwrap().len() as u64;
		follower.on_best_block(&best, &state, &key).await.unwrap();
		follower.on_finalized_block(&finalized, &state, &key).await.unwrap();
	}
	let sent = best.take_sent();
	assert_eq!(sent.len(), 20);
	for ((call, nonce, reached_pool), block) in sent.into_iter().zip(10..) {
		let Call::SubmitProof { challenge, proof } = call else { panic!("not an answer") };
		assert_eq!((challenge, nonce, reached_pool), (block, block - 10, true));
		assert_eq!(proof.index, block % 5);
	}
	assert_eq!(finalized.take_sent(), []);
	assert_eq!(state.metrics.proofs_sent.get(), 20);
}

#[tokio::test]
async fn replicas_are_confirmed_at_finalized_blocks_only() {
	let (_dir, state, key) = sidecar();
	let content = store(&state, 100);
	let info = ContentInfo { size: 100, ..info(&[(ME, false)]) };
	let best =
		FakeChain { block: 12, contents: [(content, info.clone())].into(), ..FakeChain::default() };
	let finalized =
		FakeChain { block: 10, contents: [(content, info)].into(), ..FakeChain::default() };
	let mut follower = follower(&state);
	follower.on_best_block(&best, &state, &key).await.unwrap();
	assert_eq!(best.take_sent(), []);
	assert_eq!(state.index.item(&content).unwrap(), None);
	follower.on_finalized_block(&finalized, &state, &key).await.unwrap();
	let sent = finalized.take_sent();
	assert!(
		matches!(sent[..], [(Call::ConfirmReplica { content: c }, 0, true)] if c == content),
		"{sent:?}"
	);
	assert_eq!(
		state.index.item(&content).unwrap().unwrap().state,
		ItemState::Registered { price: 5 }
	);
}

#[tokio::test]
async fn an_answer_a_reorg_dropped_is_sent_again_and_the_nonce_is_not_wedged() {
	let (_dir, state, key) = sidecar();
	let content = store(&state, 5 * 1024);
	let mut chain = FakeChain {
		block: 10,
		challenges: vec![Challenge { id: 4, content, leaf: 2, deadline: 30 }],
		nonce: 7,
		..FakeChain::default()
	};
	let mut follower = follower(&state);
	// Sent at nonce 7; then a re-org drops it, and the chain's nonce stays at 7.
	for block in 10..=11 + NONCE_STALL {
		chain.block = block;
		follower.on_best_block(&chain, &state, &key).await.unwrap();
	}
	let nonces: Vec<u64> = chain.take_sent().iter().map(|&(_, nonce, _)| nonce).collect();
	// Resent after RESEND_AFTER blocks behind the lost nonce, then from the chain's nonce once
	// it stood still for NONCE_STALL blocks.
	assert_eq!(nonces, [7, 8, 7]);

	// A sibling fork drew another leaf under the same id: answered at once, with that leaf.
	chain.block += 1;
	chain.nonce = 8;
	chain.challenges[0].leaf = 3;
	follower.on_best_block(&chain, &state, &key).await.unwrap();
	let sent = chain.take_sent();
	let [(Call::SubmitProof { challenge: 4, proof }, 8, true)] = &sent[..] else {
		panic!("unexpected calls: {sent:?}");
	};
	assert_eq!(proof.index, 3);
	assert_eq!(proof.verify::<NativeSha256>(&content, 5 * 1024), Ok(()));
}

#[test]
fn pool_refusals_are_told_from_other_failures() {
	let refusal = Refusal::of(&pool_refusal(1010, "Custom error: 5")).unwrap();
	assert_eq!(refusal.reason, "Invalid Transaction: Custom error: 5");
	assert_eq!(
		(refusal.custom(), refusal.stale(), refusal.nonce_in_pool()),
		(Some(5), false, false)
	);
	let stale = Refusal::of(&pool_refusal(1010, "Transaction is outdated")).unwrap();
	assert_eq!((stale.custom(), stale.stale()), (None, true));
	assert!(Refusal::of(&pool_refusal(1014, "Priority is too low")).unwrap().nonce_in_pool());
	// Not the pool's: another JSON-RPC error, or no RPC error at all.
	assert_eq!(Refusal::of(&pool_refusal(-32601, "Method not found")), None);
	assert_eq!(Refusal::of(&subxt::Error::other_str("connection reset")), None);
}

#[tokio::test]
async fn a_refused_confirmation_does_not_stop_the_block_and_keeps_its_nonce() {
	let (_dir, state, key) = sidecar();
	let (first, second) = (store(&state, 100), store(&state, 200));
	let contents = [first, second].map(|content| {
		let size = state.store.open_blob(&content).unwrap().1;
		(content, ContentInfo { size, ..info(&[(ME, false)]) })
	});
	let chain =
		FakeChain { block: 10, contents: contents.into(), nonce: 3, ..FakeChain::default() };
	// Confirmed already (a confirmation sent before a reconnection landed): code 5.
	*chain.refusing.lock().unwrap() = Some((1010, "Custom error: 5"));
	let mut follower = follower(&state);
	follower.on_finalized_block(&chain, &state, &key).await.unwrap();
	let nonces: Vec<u64> = chain.take_sent().iter().map(|&(_, nonce, _)| nonce).collect();
	// Both were tried, at the same nonce: the refused one did not use it.
	assert_eq!(nonces, [3, 3]);
	assert_eq!(follower.memory.next_nonce(), Some(3));
}

#[tokio::test]
async fn content_removed_on_chain_is_withdrawn_then_deleted_after_the_grace_period() {
	let (_dir, state, key) = sidecar();
	let removed = store(&state, 300);
	let moved = store(&state, 400);
	let kept = store(&state, 500);
	for (content, size) in [(removed, 300), (moved, 400), (kept, 500)] {
		let record = ItemRecord {
			size,
			state: ItemState::Registered { price: 0 },
			stored_at_ms: 1,
			mime: "video/mp4".into(),
		};
		state.index.put_item(&content, &record).unwrap();
	}
	let chain = FakeChain {
		block: 10,
		contents: [(kept, ContentInfo { size: 500, ..info(&[(ME, true)]) })].into(),
		moved: [(moved, ContentInfo { size: 400, ..info(&[(OTHER, true)]) })].into(),
		..FakeChain::default()
	};
	follower(&state).on_finalized_block(&chain, &state, &key).await.unwrap();
	let state_of = |content| state.index.item(&content).unwrap().map(|record| record.state);
	assert!(matches!(state_of(removed), Some(ItemState::Withdrawn { removed: true, .. })));
	assert!(matches!(state_of(moved), Some(ItemState::Withdrawn { removed: false, .. })));
	assert_eq!(state_of(kept), Some(ItemState::Registered { price: 5 }));
	assert_eq!(state.metrics.replicas_withdrawn.get(), 2);

	// Within the grace period the bytes stay; past it they go, and only they.
	let now = crate::unix_time_ms();
	assert_eq!(gc::gc(&state, now).await.unwrap().withdrawn, 0);
	assert!(state.store.contains(&removed) && state.store.contains(&moved));
	let grace = state.config.withdrawn_grace.as_millis() as u64;
	assert_eq!(gc::gc(&state, now + grace + 1).await.unwrap().withdrawn, 2);
	for gone in [removed, moved] {
		assert!(!state.store.contains(&gone));
		assert_eq!(state_of(gone), None);
	}
	assert!(state.store.contains(&kept));
}

#[tokio::test]
async fn a_replica_whose_bytes_changed_is_not_proved_but_dropped_to_be_fetched_again() {
	let (_dir, state, key) = sidecar();
	let content = store(&state, 5 * 1024);
	let path = state.store.path(&content);
	let mut bytes = std::fs::read(&path).unwrap();
	bytes[2 * 1024] ^= 1;
	std::fs::write(&path, bytes).unwrap();
	let chain = FakeChain {
		block: 10,
		challenges: vec![Challenge { id: 1, content, leaf: 2, deadline: 20 }],
		..FakeChain::default()
	};
	follower(&state).on_best_block(&chain, &state, &key).await.unwrap();
	assert_eq!(chain.take_sent(), []);
	assert_eq!(state.metrics.proofs_failed.get(), 1);
	assert!(!state.store.contains(&content));
}

#[tokio::test]
async fn a_finalized_block_tells_the_masternodes_faults_this_era_and_its_jail() {
	let (_dir, state, key) = sidecar();
	let mut follower = follower(&state);
	let mut chain = FakeChain { block: 5, faults: 2, ..FakeChain::default() };
	follower.on_finalized_block(&chain, &state, &key).await.unwrap();
	assert_eq!(state.metrics.masternode_faults.get(), 2);
	assert_eq!(state.metrics.masternode_jailed.get(), 0);
	// The third fault jails it, and its faults are counted afresh.
	(chain.block, chain.faults, chain.jailed) = (6, 0, true);
	follower.on_finalized_block(&chain, &state, &key).await.unwrap();
	assert_eq!(state.metrics.masternode_faults.get(), 0);
	assert_eq!(state.metrics.masternode_jailed.get(), 1);
	// Unjailed by its operator.
	(chain.block, chain.jailed) = (7, false);
	follower.on_finalized_block(&chain, &state, &key).await.unwrap();
	assert_eq!(state.metrics.masternode_jailed.get(), 0);
}

#[tokio::test]
async fn a_finalized_block_older_than_one_reconciled_withdraws_nothing() {
	let (_dir, state, key) = sidecar();
	let content = store(&state, 300);
	let record = ItemRecord {
		size: 300,
		state: ItemState::Registered { price: 0 },
		stored_at_ms: 1,
		mime: "video/mp4".into(),
	};
	state.index.put_item(&content, &record).unwrap();
	let mut follower = follower(&state);
	let registered = FakeChain {
		block: 24,
		contents: [(content, ContentInfo { size: 300, ..info(&[(ME, true)]) })].into(),
		..FakeChain::default()
	};
	follower.on_finalized_block(&registered, &state, &key).await.unwrap();
	assert_eq!(state.index.reconciled().unwrap().map(|at| at.block), Some(24));

	// The node, restarted after a crash, names block 5 finalized: the item is not on chain
	// there yet. Nothing is withdrawn, by this follower or by one of a restarted sidecar.
	let before = FakeChain { block: 5, ..FakeChain::default() };
	follower.on_finalized_block(&before, &state, &key).await.unwrap();
	self::follower(&state).on_finalized_block(&before, &state, &key).await.unwrap();
	let state_of = || state.index.item(&content).unwrap().map(|record| record.state);
	assert!(matches!(state_of(), Some(ItemState::Registered { .. })));
	assert_eq!(state.metrics.replicas_withdrawn.get(), 0);
	assert_eq!(state.index.reconciled().unwrap().map(|at| at.block), Some(24));

	assert_eq!(state.metrics.reconcile_waiting.get(), 1);

	// Another chain (a node pointed at the wrong network) withdraws nothing either, until
	// `reindex` forgets the block reconciled; then it is reconciled from its own start.
	let other_chain = FakeChain { block: 30, genesis: [9; 32], ..FakeChain::default() };
	follower.on_finalized_block(&other_chain, &state, &key).await.unwrap();
	assert!(matches!(state_of(), Some(ItemState::Registered { .. })));
	state.index.forget_reconciled().unwrap();
	follower.on_finalized_block(&other_chain, &state, &key).await.unwrap();
	assert!(matches!(state_of(), Some(ItemState::Withdrawn { removed: true, .. })));
	assert_eq!(state.metrics.reconcile_waiting.get(), 0);
	assert_eq!(state.metrics.proof_key_registered.get(), 1);
}
