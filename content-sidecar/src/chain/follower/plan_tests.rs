//! The follower's decisions, planned from hand-made snapshots: no node, no disk.

use super::plan::{
	plan, registered_record, Action, Memory, Plan, Replicas, Sent, Snapshot, NONCE_STALL,
	RESEND_AFTER,
};
use crate::{
	auth::Account,
	chain::{
		fetch::Source,
		queries::{ContentInfo, Replica},
		view::Challenge,
	},
	index::{ItemRecord, ItemState, DEFAULT_MIME},
};
use pop_primitives::commitment::ContentId;
use std::collections::BTreeSet;

pub(super) const ME: Account = [1; 32];
pub(super) const OTHER: Account = [2; 32];
pub(super) const THIRD: Account = [3; 32];
/// The account that registered the items of [`info`].
pub(super) const CREATOR: Account = [9; 32];

pub(super) fn id(n: u8) -> ContentId {
	ContentId([n; 32])
}

pub(super) fn challenge(id: u64, content: ContentId, deadline: u64) -> Challenge {
	Challenge { id, content, leaf: 3, deadline }
}

/// An item of 10 bytes registered by [`CREATOR`] at price 5, with `replicas` as (holder,
/// confirmed).
pub(super) fn info(replicas: &[(Account, bool)]) -> ContentInfo {
	let replicas =
		replicas.iter().map(|&(holder, confirmed)| Replica { holder, confirmed }).collect();
	ContentInfo { owner: CREATOR, size: 10, mime: b"video/mp4".to_vec(), price: 5, replicas }
}

fn snapshot(block: u64, challenges: Vec<Challenge>, replicas: Replicas) -> Snapshot {
	Snapshot { block, operator: ME, challenges: Some(challenges), replicas: Some(replicas) }
}

/// Plans `snapshot` as the follower does, forgetting closed challenges first, and remembers
/// every action as taken.
fn step(memory: &mut Memory, snapshot: &Snapshot) -> Plan {
	if let Some(open) = &snapshot.challenges {
		memory.forget_closed(open);
	}
	let plan = plan(snapshot, memory);
	plan.answers
		.iter()
		.chain(&plan.replicas)
		.for_each(|action| memory.record(action, snapshot.block));
	plan
}

fn answers_at(memory: &mut Memory, block: u64, open: &[Challenge]) -> Vec<Action> {
	step(memory, &snapshot(block, open.to_vec(), Replicas::default())).answers
}

fn answer(challenge: u64, content: ContentId) -> Action {
	Action::Answer { challenge, content, leaf: 3 }
}

#[test]
fn answers_an_open_challenge() {
	let open = [challenge(7, id(1), 20), challenge(8, id(2), 20)];
	assert_eq!(answers_at(&mut Memory::default(), 10, &open), [answer(7, id(1)), answer(8, id(2))]);
}

#[test]
fn answers_again_only_after_resend_after_blocks() {
	let mut memory = Memory::default();
	let open = [challenge(7, id(1), 100)];
	assert_eq!(answers_at(&mut memory, 10, &open), [answer(7, id(1))]);
	for block in 11..10 + RESEND_AFTER {
		assert_eq!(answers_at(&mut memory, block, &open), [], "block {block}");
	}
	assert_eq!(answers_at(&mut memory, 10 + RESEND_AFTER, &open), [answer(7, id(1))]);
	assert_eq!(answers_at(&mut memory, 11 + RESEND_AFTER, &open), []);
}

#[test]
fn skips_a_challenge_past_its_deadline() {
	let mut memory = Memory::default();
	assert_eq!(answers_at(&mut memory, 10, &[challenge(7, id(1), 9)]), []);
	assert_eq!(answers_at(&mut memory, 10, &[challenge(8, id(1), 10)]), [answer(8, id(1))]);
}

#[test]
fn forgets_answers_of_closed_challenges() {
	let mut memory = Memory::default();
	let open = [challenge(7, id(1), 100)];
	assert_eq!(answers_at(&mut memory, 10, &open), [answer(7, id(1))]);
	assert_eq!(answers_at(&mut memory, 11, &[]), []);
	// Remembered still, it would wait for RESEND_AFTER blocks: it was forgotten when closed.
	assert_eq!(answers_at(&mut memory, 12, &open), [answer(7, id(1))]);
}

#[test]
fn a_challenge_that_a_reorg_gave_another_leaf_is_answered_anew() {
	let mut memory = Memory::default();
	let first = challenge(7, id(1), 20);
	assert_eq!(answers_at(&mut memory, 10, std::slice::from_ref(&first)), [answer(7, id(1))]);
	// A sibling of block 10 holds the same challenge: already answered.
	assert_eq!(answers_at(&mut memory, 10, std::slice::from_ref(&first)), []);
	// Another sibling drew another challenge under the same id: the answer sent proves
	// another leaf (and is bound to the dropped fork), so this one is answered at once.
	let replaced = Challenge { leaf: 5, ..challenge(7, id(2), 20) };
	assert_eq!(
		answers_at(&mut memory, 10, &[replaced]),
		[Action::Answer { challenge: 7, content: id(2), leaf: 5 }]
	);
	// And back on the first fork, the first one again.
	assert_eq!(answers_at(&mut memory, 11, &[first]), [answer(7, id(1))]);
}

#[test]
fn a_nonce_the_chain_never_reaches_is_given_up_and_everything_sent_again() {
	let mut memory = Memory::default();
	// Nothing counted here: nothing to give up.
	assert!(!memory.observe_nonce(3));
	assert_eq!(memory.next_nonce(), None);

	let open = [challenge(7, id(1), 100)];
	assert_eq!(answers_at(&mut memory, 10, &open), [answer(7, id(1))]);
	memory.submitted(5, Sent::Pooled);
	// A re-org dropped nonce 5: the chain stays there.
	for block in 11..11 + NONCE_STALL {
		assert!(!memory.observe_nonce(5), "block {block}");
		assert_eq!(memory.next_nonce(), Some(6));
	}
	assert!(memory.observe_nonce(5));
	assert_eq!(memory.next_nonce(), Some(5));
	// The answer is due at once, not RESEND_AFTER blocks after it was sent.
	assert_eq!(answers_at(&mut memory, 11 + NONCE_STALL, &open), [answer(7, id(1))]);
}

#[test]
fn a_nonce_that_moves_is_not_given_up_and_one_ahead_is_taken() {
	let mut memory = Memory::default();
	memory.submitted(5, Sent::Pooled);
	memory.submitted(6, Sent::Pooled);
	for _ in 0..NONCE_STALL {
		assert!(!memory.observe_nonce(5));
	}
	// Moving on, however slowly, starts the count again.
	for _ in 0..NONCE_STALL {
		assert!(!memory.observe_nonce(6));
	}
	assert_eq!(memory.next_nonce(), Some(7));
	// Caught up; and a chain ahead (the key signed elsewhere too) is followed.
	assert!(!memory.observe_nonce(7));
	assert!(!memory.observe_nonce(9));
	assert_eq!(memory.next_nonce(), Some(9));
}

/// Replicas assigned to ME: `stored` of `contents` in the store, with `endpoints` known.
fn replicas(contents: &[(ContentId, ContentInfo)], stored: &[ContentId]) -> Replicas {
	Replicas {
		contents: contents.iter().cloned().collect(),
		stored: stored.iter().copied().collect(),
		endpoints: [(ME, "http://me"), (OTHER, "http://other"), (THIRD, "http://third")]
			.into_iter()
			.map(|(holder, url)| (holder, url.to_owned()))
			.collect(),
		now_ms: 1_000,
		..Replicas::default()
	}
}

fn replica_actions(memory: &mut Memory, block: u64, replicas: Replicas) -> Vec<Action> {
	step(memory, &snapshot(block, Vec::new(), replicas)).replicas
}

#[test]
fn registers_confirms_and_settles_a_stored_replica() {
	let mut memory = Memory::default();
	let unconfirmed = [(id(1), info(&[(ME, false), (OTHER, true)]))];
	let record = registered_record(None, &unconfirmed[0].1, 1_000).unwrap();
	assert_eq!(
		replica_actions(&mut memory, 10, replicas(&unconfirmed, &[id(1)])),
		[
			Action::Register { content: id(1), record: record.clone() },
			Action::Confirm(id(1)),
			Action::ReplicationQueue(0)
		]
	);
	// Recorded as registered now; the confirmation is sent again after RESEND_AFTER blocks.
	let recorded = || Replicas {
		records: [(id(1), record.clone())].into(),
		..replicas(&unconfirmed, &[id(1)])
	};
	for block in 11..10 + RESEND_AFTER {
		assert_eq!(replica_actions(&mut memory, block, recorded()), [Action::ReplicationQueue(0)]);
	}
	assert_eq!(
		replica_actions(&mut memory, 10 + RESEND_AFTER, recorded()),
		[Action::Confirm(id(1)), Action::ReplicationQueue(0)]
	);
	let confirmed =
		Replicas { contents: [(id(1), info(&[(ME, true), (OTHER, true)]))].into(), ..recorded() };
	assert_eq!(
		replica_actions(&mut memory, 20, confirmed),
		[Action::Settle(id(1)), Action::ReplicationQueue(0)]
	);
	// Settled: its chain record is no longer read, until it is gone from the store.
	let assigned = BTreeSet::from([id(1), id(2)]);
	assert_eq!(memory.unsettled(&assigned), [id(2)]);
	memory.forget_unassigned(&assigned, &BTreeSet::new());
	assert_eq!(memory.unsettled(&assigned), [id(1), id(2)]);
}

#[test]
fn an_upload_registered_by_another_account_is_never_confirmed() {
	let mut memory = Memory::default();
	let contents = [(id(1), info(&[(ME, false)]))];
	let uploaded_by = |accounts: &[Account]| Replicas {
		uploaders: [(id(1), accounts.iter().copied().collect())].into(),
		..replicas(&contents, &[id(1)])
	};
	// OTHER uploaded it here; CREATOR registered it first, with OTHER's id and size.
	let refusal = Action::RefuseForeign { content: id(1), owner: CREATOR };
	assert_eq!(
		replica_actions(&mut memory, 10, uploaded_by(&[OTHER])),
		[refusal, Action::ReplicationQueue(0)]
	);
	// Refused once; never registered here nor confirmed.
	for block in 11..12 + RESEND_AFTER {
		assert_eq!(
			replica_actions(&mut memory, block, uploaded_by(&[OTHER])),
			[Action::ReplicationQueue(0)]
		);
	}
	// Both uploaded the same bytes here: the owner is one of them, so it is confirmed.
	let actions = replica_actions(&mut memory, 20, uploaded_by(&[OTHER, CREATOR]));
	assert!(actions.contains(&Action::Confirm(id(1))), "{actions:?}");
	// Nobody uploaded it here (a replica, or registered before): nothing to check.
	let actions = replica_actions(&mut memory, 30, replicas(&contents, &[id(1)]));
	assert!(actions.contains(&Action::Confirm(id(1))), "{actions:?}");
}

#[test]
fn fetches_a_missing_replica_from_confirmed_holders_besides_itself() {
	let mut memory = Memory::default();
	let info = info(&[(THIRD, true), (ME, false), (OTHER, false), (OTHER, true)]);
	let contents = [(id(1), info.clone())];
	let fetch = Action::Fetch {
		content: id(1),
		info,
		sources: vec![
			Source { holder: THIRD, endpoint: "http://third".into() },
			Source { holder: OTHER, endpoint: "http://other".into() },
		],
	};
	assert_eq!(
		replica_actions(&mut memory, 10, replicas(&contents, &[])),
		[fetch.clone(), Action::ReplicationQueue(1)]
	);
	// One fetch per content at a time: none while one is in flight, a new one after.
	let fetching = Replicas { fetching: [id(1)].into(), ..replicas(&contents, &[]) };
	assert_eq!(replica_actions(&mut memory, 11, fetching), [Action::ReplicationQueue(1)]);
	assert_eq!(
		replica_actions(&mut memory, 12, replicas(&contents, &[])),
		[fetch, Action::ReplicationQueue(1)]
	);
}

#[test]
fn never_fetches_from_itself_or_unconfirmed_holders() {
	let mut memory = Memory::default();
	let contents = [(id(1), info(&[(ME, false), (OTHER, false)])), (id(2), info(&[(ME, false)]))];
	assert_eq!(
		replica_actions(&mut memory, 10, replicas(&contents, &[])),
		[Action::ReplicationQueue(2)]
	);
}

#[test]
fn fetches_a_lost_replica_again_and_reports_it_only_when_nobody_else_has_it() {
	let mut memory = Memory::default();
	let held = info(&[(ME, true), (OTHER, true)]);
	let lost = [(id(1), held.clone())];
	let fetch = Action::Fetch {
		content: id(1),
		info: held.clone(),
		sources: vec![Source { holder: OTHER, endpoint: "http://other".into() }],
	};
	// Confirmed here, gone from disk, held by another: fetched again, not reported.
	for block in [10, 11] {
		assert_eq!(
			replica_actions(&mut memory, block, replicas(&lost, &[])),
			[fetch.clone(), Action::ReplicationQueue(1)]
		);
	}
	// Healed: settled again.
	assert_eq!(
		replica_actions(&mut memory, 12, replicas(&lost, &[id(1)])),
		[
			Action::Register {
				content: id(1),
				record: registered_record(None, &held, 1_000).unwrap()
			},
			Action::Settle(id(1)),
			Action::ReplicationQueue(0)
		]
	);
	// The only holder: reported once.
	let alone = [(id(2), info(&[(ME, true), (OTHER, false)]))];
	assert_eq!(
		replica_actions(&mut memory, 13, replicas(&alone, &[])),
		[Action::ReportLost(id(2)), Action::ReplicationQueue(1)]
	);
	assert_eq!(
		replica_actions(&mut memory, 14, replicas(&alone, &[])),
		[Action::ReplicationQueue(1)]
	);
	// Assigned again after it was taken away: reported again.
	memory.forget_unassigned(&BTreeSet::new(), &BTreeSet::new());
	assert_eq!(
		replica_actions(&mut memory, 15, replicas(&alone, &[]))[0],
		Action::ReportLost(id(2))
	);
}

#[test]
fn content_the_chain_no_longer_assigns_here_is_withdrawn() {
	let mut memory = Memory::default();
	let unassigned = [
		// Removed by its owner.
		(id(1), None),
		// Moved to other holders.
		(id(2), Some(info(&[(OTHER, true), (THIRD, false)]))),
		// Its record still names this masternode: the assignment is read again next block.
		(id(3), Some(info(&[(ME, true)]))),
	];
	let replicas = Replicas { unassigned: unassigned.into_iter().collect(), ..replicas(&[], &[]) };
	assert_eq!(
		replica_actions(&mut memory, 10, replicas),
		[
			Action::Withdraw { content: id(1), removed: true },
			Action::Withdraw { content: id(2), removed: false },
			Action::ReplicationQueue(0)
		]
	);
}

#[test]
fn a_new_connection_reads_the_nonce_again_and_sends_everything_again() {
	let mut memory = Memory::default();
	let open = [challenge(1, id(1), 20)];
	assert_eq!(answers_at(&mut memory, 10, &open).len(), 1);
	memory.submitted(7, Sent::Pooled);
	assert_eq!(answers_at(&mut memory, 11, &open), []);
	// The node restarted: its pool is gone, and the count here with it.
	memory.reconnected();
	assert_eq!(memory.next_nonce(), None);
	assert_eq!(answers_at(&mut memory, 12, &open).len(), 1);
}

#[test]
fn a_refused_transaction_keeps_its_nonce_unless_the_nonce_is_taken() {
	let mut memory = Memory::default();
	memory.submitted(5, Sent::Refused);
	assert_eq!(memory.next_nonce(), Some(5));
	memory.submitted(5, Sent::NonceInPool);
	assert_eq!(memory.next_nonce(), Some(6));
	memory.submitted(6, Sent::Stale);
	assert_eq!(memory.next_nonce(), None);
}

#[test]
fn the_replication_queue_counts_replicas_not_stored_yet() {
	let mut memory = Memory::default();
	let contents = [
		(id(1), info(&[(ME, false), (OTHER, true)])),
		(id(2), info(&[(ME, false)])),
		(id(3), info(&[(ME, true)])),
		(id(4), info(&[(ME, true)])),
	];
	// Lost (3, confirmed here and gone) counts as much as never stored (1 and 2).
	let actions = replica_actions(&mut memory, 10, replicas(&contents, &[id(4)]));
	assert_eq!(actions.last(), Some(&Action::ReplicationQueue(3)));
	// Assignments that could not be read set no gauge.
	let unread = Snapshot { replicas: None, ..snapshot(11, Vec::new(), Replicas::default()) };
	assert_eq!(plan(&unread, &memory), Plan::default());
}

#[test]
fn a_registered_record_keeps_its_storage_time_and_defaults_a_bad_type() {
	let info = ContentInfo { mime: vec![0xff], ..info(&[]) };
	let uploaded = ItemRecord {
		size: 10,
		state: ItemState::Uploaded { owner: OTHER },
		stored_at_ms: 7,
		mime: "video/webm".into(),
	};
	let record = registered_record(Some(&uploaded), &info, 1_000).unwrap();
	assert_eq!(record.state, ItemState::Registered { price: 5 });
	assert_eq!((record.stored_at_ms, record.mime.as_str()), (7, DEFAULT_MIME));
	assert_eq!(registered_record(Some(&record), &info, 1_000), None);
	let repriced = ContentInfo { price: 6, ..info };
	assert_eq!(registered_record(None, &repriced, 1_000).unwrap().stored_at_ms, 1_000);
}

#[test]
fn the_nonce_is_counted_after_a_submit_and_read_again_after_a_failure() {
	let mut memory = Memory::default();
	assert_eq!(memory.next_nonce(), None);
	memory.submitted(5, Sent::Pooled);
	assert_eq!(memory.next_nonce(), Some(6));
	memory.submitted(6, Sent::Failed);
	assert_eq!(memory.next_nonce(), None);
}
