//! The follower applying its plans against an in-memory chain and a real store in a temp
//! dir: proofs that verify, nonces, what is read again, best and finalized blocks, re-orgs.

use super::{
	plan::{NONCE_STALL, RESEND_AFTER},
	plan_tests::{challenge, id, info, ME},
	Follower,
};
use crate::{
	auth::Account,
	chain::{
		fetch::Fetcher,
		queries::ContentInfo,
		view::{Call, ChainView, Challenge},
		ProofKey,
	},
	config::Config,
	grants::MemoryGrants,
	hashing::NativeSha256,
	index::ItemState,
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
	/// Calls submitted: the call, its nonce and whether it reached the pool.
	sent: Mutex<Vec<(Call, u64, bool)>>,
	/// Contents whose chain records were read.
	read: Mutex<Vec<ContentId>>,
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
		Ok(self.contents.get(&content).cloned())
	}

	async fn endpoint(&self, _: Account) -> Result<Option<String>, subxt::Error> {
		Ok(None)
	}

	async fn nonce(&self, _: &ProofKey) -> Result<u64, subxt::Error> {
		Ok(self.nonce)
	}

	async fn submit(&self, _: &ProofKey, call: Call, nonce: u64) -> Result<(), subxt::Error> {
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

/// A sidecar's state on a temp dir, and the dev proof key.
fn sidecar() -> (tempfile::TempDir, AppState, Arc<ProofKey>) {
	let dir = tempfile::tempdir().unwrap();
	let config = Config::with_data_dir(dir.path().to_owned());
	let grants = Arc::new(MemoryGrants::default());
	let state = AppState::open(config, grants, Arc::new(dev_proof_key())).unwrap();
	(dir, state, Arc::new(ProofKey::from_uri("//Alice").unwrap()))
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
