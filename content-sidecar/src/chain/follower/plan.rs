//! The follower's decisions, without I/O: what to do at a block, given a plain [`Snapshot`]
//! of the chain and the disk and what the follower remembers ([`Memory`]).
//!
//! # Best blocks and finalized blocks
//!
//! Challenges are answered from best blocks: a deadline is counted in blocks the chain
//! authors, finalized or not, so an answer that waited for finality would miss every deadline
//! while finality lags. Replicas are registered, confirmed and fetched from finalized blocks:
//! nothing there is urgent (a replica not confirmed in time is lost, not a fault), and what a
//! fork says must not be acted on for good (a registration re-orged away, or an owner that a
//! front-runner's fork names).
//!
//! # Re-orgs
//!
//! An answer is signed at the best block its challenge was read at (its mortality checkpoint),
//! so a re-org that drops that block drops the answer with it: it can never land on a fork
//! where the same challenge id names another leaf and be judged a bad proof. What the follower
//! remembers of an answer is the challenge it answered, id, content and leaf, so a challenge
//! that a re-org replaced under the same id is answered anew. And a re-org that dropped a
//! transaction leaves the ones after it waiting behind its nonce: when the chain's nonce has
//! not moved for [`NONCE_STALL`] best blocks while transactions counted here are pending, the
//! count starts again from the chain's, and what was sent is due again.
//!
//! # Replicas that go missing, and replicas no longer held here
//!
//! A confirmed replica missing from disk (deleted, or found corrupt when a challenge could not
//! be proved) is fetched again from the other confirmed holders, as a replica never stored
//! is; only when no other holder has it is it reported lost. Content stored here and
//! registered that the chain no longer assigns here (its owner removed it, or its replica
//! moved to another masternode) is withdrawn: no longer served, and deleted after a grace
//! period by the collector ([`crate::gc`]).

use crate::{
	auth::Account,
	chain::{fetch::Source, queries::ContentInfo, view::Challenge},
	index::{ItemRecord, ItemState, DEFAULT_MIME},
};
use pop_primitives::commitment::ContentId;
use std::collections::{BTreeMap, BTreeSet};

/// Blocks after which an answer whose challenge is still open is sent again, and a
/// confirmation not yet on chain too.
pub(super) const RESEND_AFTER: u64 = 3;

/// Best blocks through which the chain's nonce of the proof key may stand still, below the
/// count here, before the transactions sent since are taken as lost. Well within a
/// challenge's deadline (ten blocks), so an answer lost to a re-org is sent again in time.
pub(super) const NONCE_STALL: u64 = 4;

/// What the chain says at a block, and what is on disk, as far as the follower's decisions
/// need it: the challenges at a best block, or the replicas at a finalized one. A part that
/// was not (or could not be) read is `None` and waits for the next block.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
	/// The block's number.
	pub block: u64,
	/// The masternode the proof key signs for.
	pub operator: Account,
	/// Its open challenges, at a best block.
	pub challenges: Option<Vec<Challenge>>,
	/// Its replicas not settled yet, at a finalized block.
	pub replicas: Option<Replicas>,
}

/// The replicas assigned to this masternode that are not settled, on chain and on disk.
#[derive(Debug, Default)]
pub(super) struct Replicas {
	/// The chain's records of them (content not registered left out).
	pub contents: BTreeMap<ContentId, ContentInfo>,
	/// Those the store holds.
	pub stored: BTreeSet<ContentId>,
	/// Index records of those stored.
	pub records: BTreeMap<ContentId, ItemRecord>,
	/// Sidecar URLs of the masternodes that confirmed a replica missing here.
	pub endpoints: BTreeMap<Account, String>,
	/// Content not to fetch: being fetched now, or refused by its check after a fetch.
	pub fetching: BTreeSet<ContentId>,
	/// Of the items stored that were uploaded here and not yet seen registered: the accounts
	/// that uploaded them. Only such an account may own one on chain.
	pub uploaders: BTreeMap<ContentId, BTreeSet<Account>>,
	/// Unix time in milliseconds, the storage time of an item recorded for the first time.
	pub now_ms: u64,
	/// Content stored here and recorded as registered (or recovered) that the chain does not
	/// assign here, with the chain's record of it (`None`: not registered any more).
	pub unassigned: BTreeMap<ContentId, Option<ContentInfo>>,
}

/// Where a replica assigned here stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
	/// The store holds it.
	Stored,
	/// Confirmed on chain, but the store does not hold it.
	Lost,
	/// Not stored yet: it is to be fetched.
	Missing,
}

impl Standing {
	/// Where content the chain records as `info` stands for `operator`'s masternode.
	pub fn of(info: &ContentInfo, operator: Account, stored: bool) -> Self {
		match (stored, info.confirmed_by(operator)) {
			(true, _) => Self::Stored,
			(false, true) => Self::Lost,
			(false, false) => Self::Missing,
		}
	}
}

/// One step the follower takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Action {
	/// Prove a leaf and submit the proof as the answer to a challenge.
	Answer {
		/// The challenge.
		challenge: u64,
		/// The content challenged.
		content: ContentId,
		/// The leaf to prove.
		leaf: u64,
	},
	/// Record stored content as registered, so it is streamed with its price and type.
	Register {
		/// The content.
		content: ContentId,
		/// Its new index record.
		record: ItemRecord,
	},
	/// Confirm on chain that this masternode stores a replica.
	Confirm(ContentId),
	/// Stop reading a replica that is stored, registered and confirmed.
	Settle(ContentId),
	/// Fetch a replica in the background from the first of `sources` whose bytes match.
	Fetch {
		/// The content.
		content: ContentId,
		/// Its chain record, to register it once stored.
		info: ContentInfo,
		/// Its confirmed holders besides this one, in the chain's order.
		sources: Vec<Source>,
	},
	/// Tell the operator that a confirmed replica is missing from disk and no other holder has
	/// it.
	ReportLost(ContentId),
	/// Stop serving content the chain no longer assigns here; the collector deletes it later.
	Withdraw {
		/// The content.
		content: ContentId,
		/// Whether its owner removed it from the chain (else it moved to other holders).
		removed: bool,
	},
	/// Leave unconfirmed (and unregistered here) an upload that the chain says an account
	/// registered that did not upload it here (a front-runner): log it and count it.
	RefuseForeign {
		/// The content.
		content: ContentId,
		/// The owner the chain names.
		owner: Account,
	},
	/// Set the replication queue gauge: replicas assigned and not stored yet.
	ReplicationQueue(i64),
}

/// What to do at a block: each list stops at its first failure, the other goes on.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Plan {
	/// Answers to challenges.
	pub answers: Vec<Action>,
	/// Registering, confirming, settling, fetching and withdrawing replicas, then the queue
	/// gauge.
	pub replicas: Vec<Action>,
}

/// An answer sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answered {
	/// The content challenged.
	content: ContentId,
	/// The leaf proved.
	leaf: u64,
	/// The best block it was sent at.
	at: u64,
}

/// What the follower remembers between blocks.
#[derive(Debug, Default)]
pub(super) struct Memory {
	/// Answers sent, by challenge id.
	answered: BTreeMap<u64, Answered>,
	/// Confirmations sent: content → block sent at.
	confirming: BTreeMap<ContentId, u64>,
	/// Confirmed replicas found missing, reported once.
	reported_lost: BTreeSet<ContentId>,
	/// Uploads registered by a foreign owner, refused once.
	refused: BTreeSet<ContentId>,
	/// Replicas stored here, recorded as registered and confirmed on chain: nothing is left to
	/// do for them, so their chain records are not read again every block.
	settled: BTreeSet<ContentId>,
	/// The proof key's next nonce, counted here: the chain's count at a block lags behind
	/// transactions still in the pool. `None` after a failure, to be read again.
	next_nonce: Option<u64>,
	/// The chain's nonce of the proof key at the last best block, and for how many best blocks
	/// since it has stood still below the count here.
	chain_nonce: Option<(u64, u64)>,
}

impl Memory {
	/// Forgets answers to challenges no longer open, and to those whose id a re-org gave to
	/// another challenge.
	pub fn forget_closed(&mut self, open: &[Challenge]) {
		self.answered.retain(|id, sent| {
			open.iter().any(|challenge| {
				challenge.id == *id
					&& challenge.content == sent.content
					&& challenge.leaf == sent.leaf
			})
		});
	}

	/// Takes in the chain's nonce of the proof key at a new best block. Returns whether the
	/// transactions counted here past it were given up as lost: the chain's nonce stood still
	/// below the count for [`NONCE_STALL`] best blocks (a re-org dropped one, and the rest
	/// wait behind it). The count then starts again from the chain's, and every answer and
	/// confirmation is due again.
	pub fn observe_nonce(&mut self, chain: u64) -> bool {
		let Some(next) = self.next_nonce else {
			self.chain_nonce = None;
			return false;
		};
		if next <= chain {
			// Everything sent is in; the chain may even count transactions sent elsewhere.
			self.next_nonce = Some(chain);
			self.chain_nonce = None;
			return false;
		}
		let stood = match self.chain_nonce {
			Some((last, stood)) if last == chain => stood + 1,
			_ => 0,
		};
		if stood < NONCE_STALL {
			self.chain_nonce = Some((chain, stood));
			return false;
		}
		self.next_nonce = Some(chain);
		self.chain_nonce = None;
		self.answered.clear();
		self.confirming.clear();
		true
	}

	/// Forgets what the node was told before a new connection: the count of nonces, and what
	/// was sent (a node that restarted lost its pool), so every answer and confirmation is due
	/// again, signed from the chain's nonce.
	pub fn reconnected(&mut self) {
		self.next_nonce = None;
		self.chain_nonce = None;
		self.answered.clear();
		self.confirming.clear();
	}

	/// Reads `content` again at the next finalized block: its replica could not prove a leaf.
	pub fn unsettle(&mut self, content: &ContentId) {
		self.settled.remove(content);
	}

	/// Forgets what is no longer assigned, and settled replicas no longer stored.
	pub fn forget_unassigned(
		&mut self,
		assigned: &BTreeSet<ContentId>,
		stored: &BTreeSet<ContentId>,
	) {
		self.settled.retain(|content| assigned.contains(content) && stored.contains(content));
		self.reported_lost.retain(|content| assigned.contains(content));
		self.refused.retain(|content| assigned.contains(content));
	}

	/// The assigned content whose chain records are read at this block.
	pub fn unsettled(&self, assigned: &BTreeSet<ContentId>) -> Vec<ContentId> {
		assigned.difference(&self.settled).copied().collect()
	}

	/// Remembers `action`, taken at block `block`. A failed proof is remembered as an answer
	/// too, so it is not retried every block.
	pub fn record(&mut self, action: &Action, block: u64) {
		match action {
			Action::Answer { challenge, content, leaf } => {
				let sent = Answered { content: *content, leaf: *leaf, at: block };
				self.answered.insert(*challenge, sent);
			}
			Action::Confirm(content) => {
				self.confirming.insert(*content, block);
			}
			Action::Settle(content) => {
				self.confirming.remove(content);
				self.reported_lost.remove(content);
				self.settled.insert(*content);
			}
			Action::ReportLost(content) => {
				self.reported_lost.insert(*content);
			}
			Action::RefuseForeign { content, .. } => {
				self.refused.insert(*content);
			}
			Action::Register { .. }
			| Action::Fetch { .. }
			| Action::Withdraw { .. }
			| Action::ReplicationQueue(_) => {}
		}
	}

	/// The nonce to sign with, if counted here; `None` when it must be read from the chain.
	pub fn next_nonce(&self) -> Option<u64> {
		self.next_nonce
	}

	/// Counts `nonce` as used if the transaction signed with it reached the pool, or the pool
	/// holds one at that nonce already; keeps it for the next transaction if the pool refused
	/// this one for its own fault; reads the next nonce from the chain again if it was used
	/// there already, or the node could not be told.
	pub fn submitted(&mut self, nonce: u64, outcome: Sent) {
		self.next_nonce = match outcome {
			Sent::Pooled | Sent::NonceInPool => Some(nonce + 1),
			Sent::Refused => Some(nonce),
			Sent::Stale | Sent::Failed => None,
		};
	}

	/// Whether something sent at `sent` (if ever) is due again at block `now`.
	fn due(sent: Option<&u64>, now: u64) -> bool {
		sent.is_none_or(|sent| now >= sent + RESEND_AFTER)
	}
}

/// What became of a transaction handed to the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sent {
	/// The pool took it.
	Pooled,
	/// The pool holds a transaction at its nonce already.
	NonceInPool,
	/// The pool refused it for its own fault; its nonce is free.
	Refused,
	/// Its nonce was used on chain already.
	Stale,
	/// The node could not be told.
	Failed,
}

/// Decides what to do at `snapshot.block`.
pub(super) fn plan(snapshot: &Snapshot, memory: &Memory) -> Plan {
	let now = snapshot.block;
	let answers = snapshot
		.challenges
		.iter()
		.flatten()
		.filter(|challenge| {
			let sent = memory.answered.get(&challenge.id).map(|sent| &sent.at);
			challenge.deadline >= now && Memory::due(sent, now)
		})
		.map(|challenge| Action::Answer {
			challenge: challenge.id,
			content: challenge.content,
			leaf: challenge.leaf,
		})
		.collect();
	let replicas = snapshot
		.replicas
		.as_ref()
		.map(|replicas| plan_replicas(replicas, snapshot.operator, memory, now))
		.unwrap_or_default();
	Plan { answers, replicas }
}

fn plan_replicas(replicas: &Replicas, operator: Account, memory: &Memory, now: u64) -> Vec<Action> {
	let mut actions = Vec::new();
	let mut waiting = 0;
	for (content, info) in &replicas.contents {
		match Standing::of(info, operator, replicas.stored.contains(content)) {
			Standing::Stored => {
				let uploaders = replicas.uploaders.get(content);
				if uploaders.is_some_and(|uploaders| !uploaders.contains(&info.owner)) {
					if !memory.refused.contains(content) {
						actions
							.push(Action::RefuseForeign { content: *content, owner: info.owner });
					}
					continue;
				}
				let existing = replicas.records.get(content);
				if let Some(record) = registered_record(existing, info, replicas.now_ms) {
					actions.push(Action::Register { content: *content, record });
				}
				if info.confirmed_by(operator) {
					actions.push(Action::Settle(*content));
				} else if Memory::due(memory.confirming.get(content), now) {
					actions.push(Action::Confirm(*content));
				}
			}
			standing @ (Standing::Lost | Standing::Missing) => {
				waiting += 1;
				let sources: Vec<Source> = info
					.holders_besides(operator)
					.filter_map(|holder| {
						let endpoint = replicas.endpoints.get(&holder)?.clone();
						Some(Source { holder, endpoint })
					})
					.collect();
				if sources.is_empty() {
					if standing == Standing::Lost && !memory.reported_lost.contains(content) {
						actions.push(Action::ReportLost(*content));
					}
				} else if !replicas.fetching.contains(content) {
					actions.push(Action::Fetch { content: *content, info: info.clone(), sources });
				}
			}
		}
	}
	for (content, info) in &replicas.unassigned {
		let held_here =
			info.as_ref().map(|info| info.replicas.iter().any(|r| r.holder == operator));
		match held_here {
			None => actions.push(Action::Withdraw { content: *content, removed: true }),
			Some(false) => actions.push(Action::Withdraw { content: *content, removed: false }),
			// Assigned by its record but not (yet) by `Assignments`: left for the next block.
			Some(true) => {}
		}
	}
	actions.push(Action::ReplicationQueue(waiting));
	actions
}

/// The index record of stored content registered on chain as `info` says, or `None` if
/// `existing` already says so. An item seen for the first time is stamped `now_ms`.
pub(super) fn registered_record(
	existing: Option<&ItemRecord>,
	info: &ContentInfo,
	now_ms: u64,
) -> Option<ItemRecord> {
	let registered = ItemState::Registered { price: info.price };
	if existing.is_some_and(|record| record.state == registered) {
		return None;
	}
	Some(ItemRecord {
		size: info.size,
		state: registered,
		stored_at_ms: existing.map_or(now_ms, |record| record.stored_at_ms),
		mime: String::from_utf8(info.mime.clone()).unwrap_or_else(|_| DEFAULT_MIME.into()),
	})
}
