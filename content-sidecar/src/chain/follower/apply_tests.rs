//! The follower applying its plans against an in-memory chain and a real store in a temp
//! dir: proofs that verify, nonces, what is read again.

use super::{
	plan::RESEND_AFTER,
	plan_tests::{challenge, id, info, ME},
	Follower,
};
use crate::{
	auth::Account,
	chain::{
		queries::ContentInfo,
		view::{Call, ChainView, Challenge},
		ProofKey,
	},
	config::Config,
	grants::MemoryGrants,
	hashing::NativeSha256,
	index::ItemState,
	state::AppState,
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
	let state = AppState::open(config, Arc::new(MemoryGrants::default())).unwrap();
	(dir, state, Arc::new(ProofKey::from_uri("//Alice").unwrap()))
}

fn store(state: &AppState, size: usize) -> ContentId {
	let mut writer = state.store.writer().unwrap();
	writer.write(Bytes::from((0..size).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>())).unwrap();
	writer.commit(None).unwrap()
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
	let mut follower = Follower::default();
	follower.on_block(&chain, &state, &key).await.unwrap();
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
	follower.on_block(&chain, &state, &key).await.unwrap();
	assert_eq!(chain.take_sent(), []);

	// Both due again: the answer, at the nonce counted here, fails, so the confirmation's
	// nonce is read from the chain again.
	chain.block = 10 + RESEND_AFTER;
	chain.nonce = 8;
	*chain.failing.lock().unwrap() = 1;
	follower.on_block(&chain, &state, &key).await.unwrap();
	let nonces: Vec<(u64, bool)> = chain.take_sent().iter().map(|&(_, n, ok)| (n, ok)).collect();
	assert_eq!(nonces, [(9, false), (8, true)]);

	// The failed answer was not remembered: it is sent at the next block, counted on.
	chain.block += 1;
	follower.on_block(&chain, &state, &key).await.unwrap();
	let sent = chain.take_sent();
	assert!(matches!(sent[..], [(Call::SubmitProof { challenge: 4, .. }, 9, true)]), "{sent:?}");

	// Confirmed on chain: settled, and its record is no longer read.
	chain.contents.get_mut(&content).unwrap().replicas[0].confirmed = true;
	chain.challenges.clear();
	follower.on_block(&chain, &state, &key).await.unwrap();
	chain.read.lock().unwrap().clear();
	chain.block += 1;
	follower.on_block(&chain, &state, &key).await.unwrap();
	assert_eq!(chain.take_sent(), []);
	assert_eq!(*chain.read.lock().unwrap(), []);
}

#[tokio::test]
async fn a_failed_proof_is_counted_and_not_retried_every_block() {
	let (_dir, state, key) = sidecar();
	let mut chain =
		FakeChain { block: 10, challenges: vec![challenge(4, id(9), 100)], ..FakeChain::default() };
	let mut follower = Follower::default();
	for block in 10..10 + RESEND_AFTER {
		chain.block = block;
		follower.on_block(&chain, &state, &key).await.unwrap();
	}
	assert_eq!(state.metrics.proofs_failed.get(), 1);
	chain.block = 10 + RESEND_AFTER;
	follower.on_block(&chain, &state, &key).await.unwrap();
	assert_eq!(state.metrics.proofs_failed.get(), 2);
	assert_eq!(chain.take_sent(), []);
	assert_eq!(state.metrics.proofs_sent.get(), 0);
}
