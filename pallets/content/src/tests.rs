//! Unit tests, grouped by topic. Every test ends with the pallet's invariants checked.

use crate::{
	mock::*, AssignedBytes, Assignments, Challenge, Challenges, ContentCount, ContentDeadlines,
	Contents, Error, Event, Faults, FinalityHint, FinalityReport, HandingOver, InherentError,
	PendingAssignment, UnderReplicated,
};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, Pays},
	traits::fungible::InspectHold,
};
use pop_primitives::{
	commitment::{ContentId, LeafProof},
	ContentCatalog, OnMasternodeLeave,
};
use sp_runtime::{DispatchError, Perbill, TokenError};

const MIB: usize = 1 << 20;

fn register(owner: AccountId, data: &[u8], replication: u32, uploader: AccountId) -> ContentId {
	let id = id_of(data);
	assert_ok!(register_id(owner, id, data.len() as u64, replication, uploader));
	id
}

fn register_id(
	owner: AccountId,
	id: ContentId,
	size: u64,
	replication: u32,
	uploader: AccountId,
) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
	Content::register_content(
		RuntimeOrigin::signed(owner),
		id,
		size,
		b"video/mp4".to_vec(),
		b"A film".to_vec(),
		0,
		replication,
		uploader,
		RECEIPT_EXPIRY,
		sign_receipt(owner, id, size, RECEIPT_EXPIRY, uploader),
	)
}

fn proof_key(masternode: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(masternode + PROOF_KEY_OFFSET)
}

fn holders(id: &ContentId) -> Vec<(AccountId, bool)> {
	Contents::<Test>::get(id).unwrap().replicas.iter().map(|r| (r.holder, r.confirmed)).collect()
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&crate::HoldReason::ContentDeposit.into(), &who)
}

fn confirm_all(id: &ContentId) {
	for (holder, confirmed) in holders(id) {
		if !confirmed {
			assert_ok!(Content::confirm_replica(proof_key(holder), *id));
		}
	}
}

/// The open challenges of `masternode`, by id.
fn open_challenges(masternode: AccountId) -> Vec<(u64, Challenge<BlockNumber>)> {
	Challenges::<Test>::iter_prefix(masternode).collect()
}

mod register {
	use super::*;

	#[test]
	fn holds_the_deposit_and_assigns_distinct_holders_uploader_first() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(MIB + 1, 0);
			let id = register(ALICE, &data, 3, MN[1]);
			// The uploader at once; the others from the next block's randomness.
			assert_eq!(holders(&id), vec![(MN[1], false)]);
			assert_eq!(PendingAssignment::<Test>::get().into_inner(), vec![id]);
			let registered = content_events();
			run_to_block(2);
			assert!(PendingAssignment::<Test>::get().is_empty());
			let info = Contents::<Test>::get(id).unwrap();
			// Every one of the three copies is paid for.
			let deposit = (DEPOSIT_BASE + 2 * DEPOSIT_PER_MIB) * 3;
			assert_eq!(info.deposit, deposit);
			assert_eq!(held(ALICE), deposit);
			assert_eq!(info.size, data.len() as u64);
			assert_eq!(ContentCount::<Test>::get(), 1);
			let holders: Vec<_> = holders(&id).into_iter().map(|(h, _)| h).collect();
			assert_eq!(holders.len(), 3);
			assert_eq!(holders[0], MN[1]);
			let mut sorted = holders.clone();
			sorted.sort();
			assert_eq!(sorted, MN[..3].to_vec());
			for holder in &holders {
				assert_eq!(AssignedBytes::<Test>::get(holder), data.len() as u64);
				assert!(Assignments::<Test>::contains_key(holder, id));
			}
			let events: Vec<_> = registered.into_iter().chain(content_events()).collect();
			assert_eq!(
				events[0],
				Event::ContentRegistered {
					content: id,
					owner: ALICE,
					size: data.len() as u64,
					price: 0,
					replication: 3,
					deposit,
				}
			);
			let assigned: Vec<_> = events[1..]
				.iter()
				.map(|e| match e {
					Event::ReplicaAssigned { content, masternode } if *content == id => *masternode,
					other => panic!("unexpected event {other:?}"),
				})
				.collect();
			assert_eq!(assigned, holders);
		});
	}

	#[test]
	fn assignment_is_deterministic_from_randomness() {
		let assign = |seed| {
			let mut result = vec![];
			ExtBuilder::default().active(&MN).build_and_execute(|| {
				RandomSeed::set(Some(seed));
				let id = register(ALICE, &bytes(4096, 0), 3, MN[0]);
				run_to_block(2);
				result = holders(&id);
			});
			result
		};
		assert_eq!(assign(1), assign(1));
		// Different randomness picks differently for at least one of a few seeds.
		assert!((2..6).any(|seed| assign(seed) != assign(1)));
	}

	#[test]
	fn respects_capacity_and_registers_short_when_too_few_have_room() {
		ExtBuilder::default().build_and_execute(|| {
			Nodes::mutate(|nodes| nodes[2].capacity = 1000);
			let id = register(ALICE, &bytes(4096, 0), 3, MN[0]);
			run_to_block(2);
			let holders: Vec<_> = holders(&id).into_iter().map(|(h, _)| h).collect();
			assert_eq!(holders.len(), 2);
			assert!(!holders.contains(&MN[2]));
			assert!(UnderReplicated::<Test>::contains_key(id));
			assert!(content_events().contains(&Event::UnderReplicated {
				content: id,
				holders: 2,
				replication: 3
			}));
		});
	}

	#[test]
	fn rejects_bad_input_changing_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(2048, 0);
			let id = id_of(&data);
			let call = |size, mime: &[u8], title: &[u8], replication, uploader| {
				Content::register_content(
					RuntimeOrigin::signed(ALICE),
					id,
					size,
					mime.to_vec(),
					title.to_vec(),
					0,
					replication,
					uploader,
					RECEIPT_EXPIRY,
					sign_receipt(ALICE, id, size, RECEIPT_EXPIRY, uploader),
				)
			};
			assert_noop!(call(0, b"video/mp4", b"", 1, MN[0]), Error::<Test>::InvalidSize);
			assert_noop!(
				call((64 << 30) + 1, b"video/mp4", b"", 1, MN[0]),
				Error::<Test>::InvalidSize
			);
			for mime in [&b""[..], b"video", b"/mp4", b"video/", b"video/mp 4", b"a/b/c"] {
				assert_noop!(call(2048, mime, b"", 1, MN[0]), Error::<Test>::InvalidMimeType);
			}
			assert_noop!(call(2048, &[b'a'; 33], b"", 1, MN[0]), Error::<Test>::InvalidMimeType);
			assert_noop!(
				call(2048, b"video/mp4", &[b't'; 33], 1, MN[0]),
				Error::<Test>::TitleTooLong
			);
			assert_noop!(
				call(2048, b"video/mp4", b"", 0, MN[0]),
				Error::<Test>::InvalidReplication
			);
			assert_noop!(
				call(2048, b"video/mp4", b"", 4, MN[0]),
				Error::<Test>::InvalidReplication
			);
			// Registered but not active; unknown; full.
			assert_noop!(
				call(2048, b"video/mp4", b"", 1, MN[3]),
				Error::<Test>::UploaderUnavailable
			);
			assert_noop!(call(2048, b"video/mp4", b"", 1, 99), Error::<Test>::UploaderUnavailable);
			Nodes::mutate(|nodes| nodes[0].capacity = 1000);
			assert_noop!(
				call(2048, b"video/mp4", b"", 1, MN[0]),
				Error::<Test>::UploaderUnavailable
			);
			// Too poor for the deposit.
			assert_noop!(register_id(77, id, 2048, 1, MN[1]), TokenError::FundsUnavailable);
			assert_ok!(call(2048, b"video/mp4", b"", 1, MN[1]));
			assert_noop!(call(2048, b"video/mp4", b"", 1, MN[1]), Error::<Test>::AlreadyRegistered);
		});
	}
}

mod remove {
	use super::*;

	#[test]
	fn releases_deposit_and_holders_and_keeps_the_index_dense() {
		ExtBuilder::default().build_and_execute(|| {
			let first = register(ALICE, &bytes(1000, 1), 2, MN[0]);
			let second = register(BOB, &bytes(2000, 2), 2, MN[0]);
			content_events();
			assert_ok!(Content::remove_content(RuntimeOrigin::signed(ALICE), first));
			assert_eq!(held(ALICE), 0);
			assert!(!Contents::<Test>::contains_key(first));
			assert_eq!(ContentCount::<Test>::get(), 1);
			assert_eq!(Contents::<Test>::get(second).unwrap().index, 0);
			assert_eq!(AssignedBytes::<Test>::get(MN[0]), 2000);
			assert!(!Assignments::<Test>::contains_key(MN[0], first));
			assert_eq!(
				content_events(),
				vec![Event::ContentRemoved { content: first, owner: ALICE }]
			);
		});
	}

	#[test]
	fn only_the_owner_removes_known_content() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(1000, 1), 1, MN[0]);
			assert_noop!(
				Content::remove_content(RuntimeOrigin::signed(BOB), id),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				Content::remove_content(RuntimeOrigin::signed(ALICE), ContentId([9; 32])),
				Error::<Test>::UnknownContent
			);
		});
	}
}

mod confirm {
	use super::*;

	#[test]
	fn holders_confirm_with_their_proof_key_for_free() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(1000, 1), 2, MN[0]);
			content_events();
			let result = Content::confirm_replica(proof_key(MN[0]), id).unwrap();
			assert_eq!(result.pays_fee, Pays::No);
			assert_eq!(holders(&id)[0], (MN[0], true));
			assert_eq!(
				content_events(),
				vec![Event::ReplicaConfirmed { content: id, masternode: MN[0] }]
			);
			// Only confirmed holders serve, for viewer payments and for dapps.
			assert_eq!(Content::servers_of(&id), vec![MN[0]]);
			let location = Content::locate(&id).unwrap();
			assert_eq!(location.holders, vec![(MN[0], b"http://mn-10.example".to_vec())]);
			assert_eq!(location.mime, b"video/mp4".to_vec());
		});
	}

	#[test]
	fn confirm_errors() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(1000, 1), 1, MN[0]);
			// The operator's own account is not its proof key.
			assert_noop!(
				Content::confirm_replica(RuntimeOrigin::signed(MN[0]), id),
				Error::<Test>::NotProofKey
			);
			assert_noop!(
				Content::confirm_replica(proof_key(MN[0]), ContentId([3; 32])),
				Error::<Test>::UnknownContent
			);
			assert_noop!(
				Content::confirm_replica(proof_key(MN[1]), id),
				Error::<Test>::NotAssigned
			);
			assert_ok!(Content::confirm_replica(proof_key(MN[0]), id));
			assert_noop!(
				Content::confirm_replica(proof_key(MN[0]), id),
				Error::<Test>::AlreadyConfirmed
			);
		});
	}
}

mod challenges {
	use super::*;

	#[test]
	fn confirmed_holders_are_challenged_every_block_and_valid_proofs_earn_points() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(300 * 1024 + 17, 4);
			let id = register(ALICE, &data, 1, MN[0]);
			confirm_all(&id);
			content_events();
			run_to_block(2);
			let open = open_challenges(MN[0]);
			assert_eq!(open.len(), 2, "ChallengesPerBlock");
			let events = content_events();
			for (challenge, open) in &open {
				assert_eq!(open.content, id);
				assert_eq!(open.deadline, 2 + DEADLINE);
				assert!(events.contains(&Event::ChallengeIssued {
					masternode: MN[0],
					challenge: *challenge,
					content: id,
					leaf: open.leaf,
					deadline: open.deadline,
				}));
			}
			for (challenge, open) in open {
				let proof = prove(&data, open.leaf);
				let result = Content::submit_proof(proof_key(MN[0]), challenge, proof).unwrap();
				assert_eq!(result.pays_fee, Pays::No);
				assert_eq!(
					content_events(),
					vec![Event::ProofAccepted { masternode: MN[0], challenge, content: id }]
				);
			}
			assert_eq!(Points::get(), vec![(MN[0], 5), (MN[0], 5)]);
			// Answered challenges do not expire into faults.
			run_to_block(2 + DEADLINE + 1);
			assert!(Faults::<Test>::get(MN[0]).is_none());
		});
	}

	#[test]
	fn proofs_are_operational_so_full_blocks_do_not_crowd_them_out() {
		let call = crate::Call::<Test>::submit_proof {
			challenge: 0,
			proof: LeafProof { index: 0, leaf: vec![], path: vec![] },
		};
		assert_eq!(
			call.get_dispatch_info().class,
			frame_support::dispatch::DispatchClass::Operational
		);
	}

	#[test]
	fn only_confirmed_replicas_are_challenged() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(5000, 4), 2, MN[0]);
			run_to_block(3);
			assert!(Challenges::<Test>::iter().next().is_none());
			assert_ok!(Content::confirm_replica(proof_key(MN[0]), id));
			run_to_block(6);
			// The other holder is fetching: only the uploader answers.
			let challenged: Vec<_> = Challenges::<Test>::iter().map(|(m, _, _)| m).collect();
			assert!(!challenged.is_empty());
			assert!(challenged.iter().all(|m| *m == MN[0]));
		});
	}

	#[test]
	fn no_randomness_no_challenges() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(5000, 4), 1, MN[0]);
			confirm_all(&id);
			RandomSeed::set(None);
			run_to_block(3);
			assert!(open_challenges(MN[0]).is_empty());
		});
	}

	#[test]
	fn bad_proofs_and_wrong_leaves_are_faults_and_pay() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(8 * 1024, 4);
			let id = register(ALICE, &data, 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			content_events();
			let mut open = open_challenges(MN[0]).into_iter();
			let (challenge, first) = open.next().unwrap();
			let mut proof = prove(&data, first.leaf);
			proof.leaf[0] ^= 1;
			let declared =
				RuntimeCall::Content(crate::Call::submit_proof { challenge, proof: proof.clone() })
					.get_dispatch_info()
					.call_weight;
			let result = Content::submit_proof(proof_key(MN[0]), challenge, proof).unwrap();
			assert_eq!(result.pays_fee, Pays::Yes);
			// Below the threshold: no slash to charge.
			assert!(result.actual_weight.unwrap().ref_time() < SLASH_WEIGHT.ref_time());
			assert_eq!(
				content_events(),
				vec![
					Event::ProofRejected { masternode: MN[0], challenge, content: id },
					Event::FaultRecorded { masternode: MN[0], faults: 1 },
				]
			);
			// A valid proof of another leaf does not answer the challenge.
			let (challenge, second) = open.next().unwrap();
			let other = (second.leaf + 1) % 8;
			let result =
				Content::submit_proof(proof_key(MN[0]), challenge, prove(&data, other)).unwrap();
			// The threshold's fault slashes: charged at the slash's worst, which the declared
			// weight covers.
			assert!(Slashes::get().iter().any(|(who, _)| *who == MN[0]));
			let charged = result.actual_weight.unwrap();
			assert!(charged.all_gte(SLASH_WEIGHT));
			assert!(declared.all_gte(charged));
			assert!(content_events().contains(&Event::ProofRejected {
				masternode: MN[0],
				challenge,
				content: id
			}));
			assert!(Points::get().is_empty());
		});
	}

	#[test]
	fn proof_errors() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(4096, 4);
			let id = register(ALICE, &data, 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			let (challenge, open) = open_challenges(MN[0]).into_iter().next().unwrap();
			let proof = prove(&data, open.leaf);
			// Not a proof key; another masternode's key; an unknown challenge.
			assert_noop!(
				Content::submit_proof(RuntimeOrigin::signed(ALICE), challenge, proof.clone()),
				Error::<Test>::NotProofKey
			);
			assert_noop!(
				Content::submit_proof(proof_key(MN[1]), challenge, proof.clone()),
				Error::<Test>::UnknownChallenge
			);
			assert_noop!(
				Content::submit_proof(proof_key(MN[0]), 999, proof.clone()),
				Error::<Test>::UnknownChallenge
			);
			assert_ok!(Content::submit_proof(proof_key(MN[0]), challenge, proof.clone()));
			// One answer per challenge.
			assert_noop!(
				Content::submit_proof(proof_key(MN[0]), challenge, proof),
				Error::<Test>::UnknownChallenge
			);
		});
	}

	#[test]
	fn missed_deadlines_are_faults_and_the_threshold_slashes_jails_and_reassigns() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(4096, 4);
			let id = register(ALICE, &data, 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			let open = open_challenges(MN[0]);
			assert_eq!(open.len(), 2);
			content_events();
			// The proof is still accepted in the deadline block itself.
			run_to_block(2 + DEADLINE);
			assert_eq!(open_challenges(MN[0]).len(), 2 * (DEADLINE as usize + 1));
			content_events();
			run_to_block(2 + DEADLINE + 1);
			let events = content_events();
			assert!(events.contains(&Event::ChallengeMissed {
				masternode: MN[0],
				challenge: open[0].0,
				content: id
			}));
			assert!(events.contains(&Event::FaultRecorded { masternode: MN[0], faults: 1 }));
			assert!(events.contains(&Event::FaultRecorded { masternode: MN[0], faults: 2 }));
			assert!(events.contains(&Event::MasternodePunished { masternode: MN[0], slashed: 100 }));
			assert_eq!(Slashes::get(), vec![(MN[0], Perbill::from_percent(10))]);
			// Jailed: its replica moved to another active masternode in the same block.
			assert!(events.contains(&Event::ReplicaDropped { content: id, masternode: MN[0] }));
			let holders = holders(&id);
			assert_eq!(holders.len(), 1);
			assert_ne!(holders[0].0, MN[0]);
			assert!(!holders[0].1, "the new holder must confirm");
			assert_eq!(AssignedBytes::<Test>::get(MN[0]), 0);
			// Its other open challenges were issued before the punishment, which covers them:
			// they expire without further faults (and the new holder's unconfirmed replica is
			// not challenged).
			run_to_block(2 + DEADLINE + TIMEOUT);
			assert_eq!(Slashes::get().len(), 1);
			assert!(!HandingOver::<Test>::contains_key(MN[0]));
		});
	}

	#[test]
	fn faults_are_counted_per_era() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(4096, 4), 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			let (challenge, _) = open_challenges(MN[0])[0].clone();
			let bad = LeafProof { index: 0, leaf: vec![0; 1024], path: vec![] };
			assert_ok!(Content::submit_proof(proof_key(MN[0]), challenge, bad.clone()));
			assert_eq!(Faults::<Test>::get(MN[0]), Some((0, 1)));
			CurrentEra::set(1);
			let (challenge, _) = open_challenges(MN[0])[0].clone();
			assert_ok!(Content::submit_proof(proof_key(MN[0]), challenge, bad));
			assert_eq!(Faults::<Test>::get(MN[0]), Some((1, 1)));
			assert!(Slashes::get().is_empty());
		});
	}

	#[test]
	fn removed_content_is_not_held_against_anyone() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(4096, 4);
			let id = register(ALICE, &data, 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			let (challenge, open) = open_challenges(MN[0])[0].clone();
			assert_ok!(Content::remove_content(RuntimeOrigin::signed(ALICE), id));
			let result =
				Content::submit_proof(proof_key(MN[0]), challenge, prove(&data, open.leaf))
					.unwrap();
			assert_eq!(result.pays_fee, Pays::No);
			run_to_block(10);
			assert!(Faults::<Test>::get(MN[0]).is_none());
		});
	}
}

mod reassignment {
	use super::*;

	#[test]
	fn a_leaving_masternode_hands_over_a_few_replicas_per_block() {
		ExtBuilder::default().active(&MN).build_and_execute(|| {
			let ids: Vec<_> =
				(0..3).map(|i| register(ALICE, &bytes(1000 + i, i as u8), 2, MN[0])).collect();
			Nodes::mutate(|nodes| nodes.retain(|n| n.id != MN[0]));
			Active::mutate(|active| active.retain(|m| *m != MN[0]));
			Content::on_leave(&MN[0]);
			assert!(HandingOver::<Test>::contains_key(MN[0]));
			// Two steps per block: two replicas in the first block, the third and the
			// departure's end in the second.
			run_to_block(2);
			assert_eq!(Assignments::<Test>::iter_prefix(MN[0]).count(), 1);
			run_to_block(3);
			assert_eq!(Assignments::<Test>::iter_prefix(MN[0]).count(), 0);
			assert!(!HandingOver::<Test>::contains_key(MN[0]));
			for id in ids {
				let holders: Vec<_> = holders(&id).into_iter().map(|(h, _)| h).collect();
				assert_eq!(holders.len(), 2);
				assert!(!holders.contains(&MN[0]));
			}
		});
	}

	#[test]
	fn a_masternode_without_replicas_is_not_queued() {
		ExtBuilder::default().build_and_execute(|| {
			Content::on_leave(&MN[4]);
			assert!(!HandingOver::<Test>::contains_key(MN[4]));
		});
	}

	#[test]
	fn items_short_of_holders_are_retried_each_era() {
		ExtBuilder::default().active(&MN[..1]).build_and_execute(|| {
			let id = register(ALICE, &bytes(1000, 0), 3, MN[0]);
			run_to_block(2);
			assert!(UnderReplicated::<Test>::contains_key(id));
			run_to_block(3);
			assert_eq!(holders(&id).len(), 1);
			// A new era brings more active masternodes; the retry fills the item.
			Active::set(MN[..3].to_vec());
			CurrentEra::set(1);
			run_to_block(4);
			assert_eq!(holders(&id).len(), 3);
			assert!(!UnderReplicated::<Test>::contains_key(id));
		});
	}
}

mod catalog {
	use super::*;

	#[test]
	fn prices_and_servers_for_viewer_payments() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(1000, 0);
			let id = id_of(&data);
			assert_ok!(Content::register_content(
				RuntimeOrigin::signed(BOB),
				id,
				1000,
				b"video/webm".to_vec(),
				b"Priced".to_vec(),
				250,
				2,
				MN[2],
				RECEIPT_EXPIRY,
				sign_receipt(BOB, id, 1000, RECEIPT_EXPIRY, MN[2]),
			));
			assert_eq!(Content::price_of(&id), Some((BOB, 250)));
			assert!(Content::servers_of(&id).is_empty());
			confirm_all(&id);
			let mut servers = Content::servers_of(&id);
			servers.sort();
			let mut expected: Vec<_> = holders(&id).into_iter().map(|(h, _)| h).collect();
			expected.sort();
			assert_eq!(servers, expected);
			assert_eq!(Content::price_of(&ContentId([0; 32])), None);
			assert!(Content::locate(&ContentId([0; 32])).is_none());
		});
	}
}

#[test]
fn unsigned_calls_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Content::confirm_replica(RuntimeOrigin::none(), ContentId([0; 32])),
			DispatchError::BadOrigin
		);
	});
}

/// Attacks 1 and 2: a registration carries the uploader's receipt, which names the owner.
mod receipts {
	use super::*;

	#[test]
	fn a_registration_needs_the_uploaders_unexpired_receipt() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(2048, 0);
			let id = id_of(&data);
			let size = data.len() as u64;
			let call = |expires_ms, signature| {
				Content::register_content(
					RuntimeOrigin::signed(ALICE),
					id,
					size,
					b"video/mp4".to_vec(),
					vec![],
					0,
					1,
					MN[0],
					expires_ms,
					signature,
				)
			};
			// Signed by another masternode's key, or over another size, id or expiry.
			assert_noop!(
				call(RECEIPT_EXPIRY, sign_receipt(ALICE, id, size, RECEIPT_EXPIRY, MN[1])),
				Error::<Test>::BadReceipt
			);
			assert_noop!(
				call(RECEIPT_EXPIRY, sign_receipt(ALICE, id, size + 1, RECEIPT_EXPIRY, MN[0])),
				Error::<Test>::BadReceipt
			);
			assert_noop!(
				call(
					RECEIPT_EXPIRY,
					sign_receipt(ALICE, ContentId([1; 32]), size, RECEIPT_EXPIRY, MN[0])
				),
				Error::<Test>::BadReceipt
			);
			assert_noop!(
				call(RECEIPT_EXPIRY + 1, sign_receipt(ALICE, id, size, RECEIPT_EXPIRY, MN[0])),
				Error::<Test>::BadReceipt
			);
			// Expired: refused after its expiry, accepted up to it.
			NowMs::set(RECEIPT_EXPIRY + 1);
			assert_noop!(
				call(RECEIPT_EXPIRY, sign_receipt(ALICE, id, size, RECEIPT_EXPIRY, MN[0])),
				Error::<Test>::ReceiptExpired
			);
			NowMs::set(RECEIPT_EXPIRY);
			assert_ok!(call(RECEIPT_EXPIRY, sign_receipt(ALICE, id, size, RECEIPT_EXPIRY, MN[0])));
		});
	}

	#[test]
	fn a_copied_registration_from_another_account_fails_and_the_creators_succeeds() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(2048, 0);
			let id = id_of(&data);
			let size = data.len() as u64;
			// The arguments of Alice's pending registration, as Bob sees them in the pool.
			let signature = sign_receipt(ALICE, id, size, RECEIPT_EXPIRY, MN[0]);
			let call = |who| {
				Content::register_content(
					RuntimeOrigin::signed(who),
					id,
					size,
					b"video/mp4".to_vec(),
					b"A film".to_vec(),
					0,
					2,
					MN[0],
					RECEIPT_EXPIRY,
					signature.clone(),
				)
			};
			assert_noop!(call(BOB), Error::<Test>::BadReceipt);
			assert_ok!(call(ALICE));
			assert_eq!(Contents::<Test>::get(id).unwrap().owner, ALICE);
		});
	}
}

/// Attack 8: the deposit pays for every copy.
mod deposits {
	use super::*;

	#[test]
	fn the_deposit_scales_with_size_and_replication_and_saturates() {
		ExtBuilder::default().build_and_execute(|| {
			let mib = MIB as u64;
			assert_eq!(Content::deposit_for(1, 1), DEPOSIT_BASE + DEPOSIT_PER_MIB);
			assert_eq!(Content::deposit_for(mib, 1), DEPOSIT_BASE + DEPOSIT_PER_MIB);
			assert_eq!(Content::deposit_for(mib + 1, 3), (DEPOSIT_BASE + 2 * DEPOSIT_PER_MIB) * 3);
			assert_eq!(
				Content::deposit_for(64 << 30, 3),
				(DEPOSIT_BASE + 65_536 * DEPOSIT_PER_MIB) * 3
			);
			// The hold is the deposit.
			let id = register(ALICE, &bytes(1000, 0), 2, MN[0]);
			assert_eq!(held(ALICE), (DEPOSIT_BASE + DEPOSIT_PER_MIB) * 2);
			assert_eq!(Contents::<Test>::get(id).unwrap().deposit, held(ALICE));
			// Overflow saturates, and such a deposit cannot be held.
			DepositPerMiB::set(Balance::MAX / 2);
			assert_eq!(Content::deposit_for(64 << 30, 3), Balance::MAX);
			assert_eq!(Content::deposit_for(mib, 3), Balance::MAX);
			assert_noop!(
				register_id(ALICE, id_of(&bytes(1000, 1)), 1000, 3, MN[0]),
				TokenError::FundsUnavailable
			);
		});
	}
}

/// Attacks 1 and 3: nobody is faulted for what nobody confirmed, and fetch windows fit the
/// item.
mod deadlines {
	use super::*;

	fn faults_or_punishments(events: &[Event<Test>]) -> bool {
		events.iter().any(|e| {
			matches!(
				e,
				Event::ChallengeIssued { .. }
					| Event::FaultRecorded { .. }
					| Event::MasternodePunished { .. }
			)
		})
	}

	#[test]
	fn an_item_nobody_holds_never_faults_anyone_and_is_dropped_after_its_timeout() {
		ExtBuilder::default().build_and_execute(|| {
			// Ids nobody holds, with receipts, naming an active masternode.
			let ids: Vec<_> = (0..3u8)
				.map(|salt| register(ALICE, &bytes(1024, salt), 3, MN[salt as usize]))
				.collect();
			let deposit = held(ALICE);
			assert!(deposit > 0);
			content_events();
			run_to_block(1 + TIMEOUT);
			assert!(!faults_or_punishments(&content_events()));
			assert!(ids.iter().all(|id| Contents::<Test>::contains_key(id)));
			run_to_block(1 + TIMEOUT + 1);
			let events = content_events();
			assert!(!faults_or_punishments(&events));
			for id in &ids {
				assert!(events.contains(&Event::ContentExpired { content: *id, owner: ALICE }));
				assert!(!Contents::<Test>::contains_key(id));
			}
			assert_eq!(held(ALICE), 0);
			assert_eq!(ContentCount::<Test>::get(), 0);
			assert!(MN.iter().all(|m| AssignedBytes::<Test>::get(m) == 0));
			run_to_block(50);
			assert!(!faults_or_punishments(&content_events()));
			assert!(Slashes::get().is_empty());
			assert!(Faults::<Test>::iter().next().is_none());
			assert!(ContentDeadlines::<Test>::iter().next().is_none());
		});
	}

	#[test]
	fn a_confirmation_in_time_keeps_the_item() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(1024, 0), 1, MN[0]);
			run_to_block(1 + TIMEOUT);
			assert_ok!(Content::confirm_replica(proof_key(MN[0]), id));
			assert_eq!(Contents::<Test>::get(id).unwrap().confirmation_deadline, None);
			// No challenges, which the holder here would not answer.
			RandomSeed::set(None);
			run_to_block(20);
			assert!(Contents::<Test>::contains_key(id));
		});
	}

	#[test]
	fn a_64_gib_fetch_window_is_what_a_20_mb_per_s_link_meets_and_no_more() {
		ExtBuilder::default().build_and_execute(|| {
			let size: u64 = 64 << 30;
			Nodes::mutate(|nodes| nodes.iter_mut().for_each(|n| n.capacity = size));
			DepositPerMiB::set(1);
			let id = id_of(&bytes(8, 0));
			assert_ok!(register_id(ALICE, id, size, 2, MN[0]));
			run_to_block(2);
			let fetcher = holders(&id)[1].0;
			// Nobody has it before the uploader confirms: no window runs yet.
			assert_eq!(Contents::<Test>::get(id).unwrap().replicas[1].fetch_deadline, None);
			assert_ok!(Content::confirm_replica(proof_key(MN[0]), id));
			let window = Content::fetch_window(size);
			// 3 s blocks at 20 MB/s: 60 MB a block.
			let blocks_at_20_mb_per_s = size.div_ceil(20_000_000 * 3);
			assert!(window >= blocks_at_20_mb_per_s, "{window} < {blocks_at_20_mb_per_s}");
			assert_eq!(window, FETCH_BASE + blocks_at_20_mb_per_s);
			let deadline = 2 + window;
			assert_eq!(
				Contents::<Test>::get(id).unwrap().replicas[1].fetch_deadline,
				Some(deadline)
			);
			content_events();
			// The uploader answers its challenges (cleared as answered); the fetcher is never
			// challenged, and keeps its replica up to the end of its window.
			while System::block_number() < deadline {
				run_to_block(System::block_number() + 1);
				let _ = Challenges::<Test>::clear_prefix(MN[0], u32::MAX, None);
				assert!(Challenges::<Test>::iter_prefix(fetcher).next().is_none());
			}
			assert!(holders(&id).iter().any(|(h, _)| *h == fetcher));
			assert!(!content_events().iter().any(|e| matches!(e, Event::FetchWindowMissed { .. })));
			// After it: dropped and given to another masternode, with a new window; no fault.
			run_to_block(deadline + 1);
			let events = content_events();
			assert!(events.contains(&Event::FetchWindowMissed { content: id, masternode: fetcher }));
			let now_held: Vec<_> = holders(&id);
			assert_eq!(now_held.len(), 2);
			assert!(!now_held.iter().any(|(h, _)| *h == fetcher));
			assert_eq!(
				Contents::<Test>::get(id).unwrap().replicas[1].fetch_deadline,
				Some(deadline + 1 + window)
			);
			assert!(Faults::<Test>::get(fetcher).is_none());
			assert!(Slashes::get().is_empty());
			assert_eq!(AssignedBytes::<Test>::get(fetcher), 0);
		});
	}

	#[test]
	fn a_holder_assigned_after_a_confirmation_fetches_from_its_assignment() {
		ExtBuilder::default().active(&MN[..1]).build_and_execute(|| {
			let id = register(ALICE, &bytes(1024, 0), 2, MN[0]);
			assert_ok!(Content::confirm_replica(proof_key(MN[0]), id));
			run_to_block(3);
			// A new era brings a second active masternode; the retry assigns it.
			Active::set(MN[..2].to_vec());
			CurrentEra::set(1);
			run_to_block(4);
			let replicas = Contents::<Test>::get(id).unwrap().replicas;
			assert_eq!(replicas[1].holder, MN[1]);
			assert_eq!(replicas[1].fetch_deadline, Some(4 + Content::fetch_window(1024)));
		});
	}

	#[test]
	fn an_item_whose_confirmed_holders_left_waits_for_a_confirmation_again() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(1024, 0), 2, MN[0]);
			run_to_block(2);
			assert_ok!(Content::confirm_replica(proof_key(MN[0]), id));
			let fetcher = holders(&id)[1].0;
			assert!(Contents::<Test>::get(id).unwrap().replicas[1].fetch_deadline.is_some());
			Active::mutate(|active| active.retain(|m| *m != MN[0]));
			Content::on_leave(&MN[0]);
			run_to_block(3);
			let info = Contents::<Test>::get(id).unwrap();
			assert!(info.replicas.iter().all(|r| !r.confirmed && r.fetch_deadline.is_none()));
			assert_eq!(info.confirmation_deadline, Some(3 + TIMEOUT));
			// The fetcher had fetched it after all and confirms: the item is saved.
			assert_ok!(Content::confirm_replica(proof_key(fetcher), id));
			run_to_block(3 + TIMEOUT + 1);
			assert!(Contents::<Test>::contains_key(id));
		});
	}
}

/// Attack 6: leaving does not erase a fault.
mod leaving {
	use super::*;

	#[test]
	fn a_holder_that_leaves_still_answers_for_its_open_challenges() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(4096, 4), 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			assert_eq!(open_challenges(MN[0]).len(), 2);
			// It deregisters before the deadline: its replica moves to another masternode.
			Active::mutate(|active| active.retain(|m| *m != MN[0]));
			Content::on_leave(&MN[0]);
			run_to_block(3);
			assert!(!holders(&id).iter().any(|(h, _)| *h == MN[0]));
			content_events();
			run_to_block(2 + DEADLINE + 1);
			let events = content_events();
			assert!(events.contains(&Event::FaultRecorded { masternode: MN[0], faults: 2 }));
			assert!(events.contains(&Event::MasternodePunished { masternode: MN[0], slashed: 100 }));
			assert_eq!(Slashes::get(), vec![(MN[0], Perbill::from_percent(10))]);
		});
	}

	#[test]
	fn a_removed_and_reregistered_item_voids_the_earlier_challenges() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(4096, 4);
			let id = register(ALICE, &data, 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			assert_eq!(open_challenges(MN[0]).len(), 2);
			assert_ok!(Content::remove_content(RuntimeOrigin::signed(ALICE), id));
			// Registered again at once, before the holder could answer.
			register(ALICE, &data, 1, MN[0]);
			run_to_block(2 + DEADLINE + 1);
			assert!(Faults::<Test>::get(MN[0]).is_none());
			assert!(Slashes::get().is_empty());
		});
	}
}

/// Attack 7: the pool refuses proofs and confirmations that would do nothing.
mod extension {
	use super::*;
	use crate::{CheckProof, InvalidContentTransaction};
	use frame_support::dispatch::DispatchInfo;
	use sp_runtime::{
		traits::DispatchTransaction,
		transaction_validity::{
			InvalidTransaction, TransactionSource, TransactionValidityError, ValidTransaction,
		},
	};

	fn validate(
		who: AccountId,
		call: crate::Call<Test>,
	) -> Result<ValidTransaction, TransactionValidityError> {
		let call = RuntimeCall::Content(call);
		let info = DispatchInfo::default();
		CheckProof::<Test>::new()
			.validate_only(
				RuntimeOrigin::signed(who),
				&call,
				&info,
				0,
				TransactionSource::External,
				0,
			)
			.map(|(valid, _, _)| valid)
	}

	fn refused(
		code: InvalidContentTransaction,
	) -> Result<ValidTransaction, TransactionValidityError> {
		Err(InvalidTransaction::Custom(code as u8).into())
	}

	#[test]
	fn proofs_must_answer_an_open_challenge_of_the_signers_masternode() {
		ExtBuilder::default().build_and_execute(|| {
			let data = bytes(4096, 4);
			let id = register(ALICE, &data, 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			let (challenge, open) = open_challenges(MN[0])[0].clone();
			let proof = prove(&data, open.leaf);
			let call =
				|challenge| crate::Call::<Test>::submit_proof { challenge, proof: proof.clone() };
			// A foreign key; another masternode's key; no such challenge.
			assert_eq!(
				validate(ALICE, call(challenge)),
				refused(InvalidContentTransaction::NotProofKey)
			);
			assert_eq!(
				validate(MN[1] + PROOF_KEY_OFFSET, call(challenge)),
				refused(InvalidContentTransaction::UnknownChallenge)
			);
			assert_eq!(
				validate(MN[0] + PROOF_KEY_OFFSET, call(999)),
				refused(InvalidContentTransaction::UnknownChallenge)
			);
			// A valid one provides its (masternode, challenge), so duplicates are dropped.
			let valid = validate(MN[0] + PROOF_KEY_OFFSET, call(challenge)).unwrap();
			assert_eq!(valid.provides.len(), 1);
			let (other, _) = open_challenges(MN[0])[1].clone();
			let second = validate(MN[0] + PROOF_KEY_OFFSET, call(other)).unwrap();
			assert_ne!(valid.provides, second.provides);
			// Removed content: the challenge is void.
			assert_ok!(Content::remove_content(RuntimeOrigin::signed(ALICE), id));
			assert_eq!(
				validate(MN[0] + PROOF_KEY_OFFSET, call(challenge)),
				refused(InvalidContentTransaction::ContentRemoved)
			);
		});
	}

	#[test]
	fn confirmations_that_would_fail_are_refused() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(1000, 1), 1, MN[0]);
			let call = |content| crate::Call::<Test>::confirm_replica { content };
			assert_eq!(validate(MN[0], call(id)), refused(InvalidContentTransaction::NotProofKey));
			assert_eq!(
				validate(MN[0] + PROOF_KEY_OFFSET, call(ContentId([3; 32]))),
				refused(InvalidContentTransaction::NotAssigned)
			);
			assert_eq!(
				validate(MN[1] + PROOF_KEY_OFFSET, call(id)),
				refused(InvalidContentTransaction::NotAssigned)
			);
			assert_eq!(validate(MN[0] + PROOF_KEY_OFFSET, call(id)).unwrap().provides.len(), 1);
			assert_ok!(Content::confirm_replica(proof_key(MN[0]), id));
			assert_eq!(
				validate(MN[0] + PROOF_KEY_OFFSET, call(id)),
				refused(InvalidContentTransaction::AlreadyConfirmed)
			);
		});
	}

	#[test]
	fn other_calls_pass_untouched() {
		ExtBuilder::default().build_and_execute(|| {
			let valid = validate(
				ALICE,
				crate::Call::<Test>::remove_content { content: ContentId([0; 32]) },
			)
			.unwrap();
			assert_eq!(valid, ValidTransaction::default());
		});
	}
}

/// Attack 9: holders are drawn from randomness the registrant could not see.
mod assignment {
	use super::*;

	#[test]
	fn holders_are_drawn_in_the_next_block_from_its_randomness() {
		// The registration is signed and included at block 1; block 2's randomness (BABE's
		// output of block 1, unknown when signing) decides.
		let drawn = |next_block_seed| {
			let mut result = vec![];
			ExtBuilder::default().active(&MN).build_and_execute(|| {
				let id = register(ALICE, &bytes(4096, 0), 3, MN[0]);
				assert_eq!(holders(&id), vec![(MN[0], false)]);
				assert!(!content_events().iter().any(|e| matches!(
					e,
					Event::ReplicaAssigned { masternode, .. } if *masternode != MN[0]
				)));
				RandomSeed::set(Some(next_block_seed));
				run_to_block(2);
				result = holders(&id);
				assert_eq!(result.len(), 3);
			});
			result
		};
		assert_eq!(drawn(1), drawn(1));
		assert!((2..6).any(|seed| drawn(seed) != drawn(1)));
	}

	#[test]
	fn a_block_takes_a_bounded_number_of_registrations() {
		ExtBuilder::default().build_and_execute(|| {
			for salt in 0..4 {
				register(ALICE, &bytes(1000, salt), 2, MN[0]);
			}
			let fifth = id_of(&bytes(1000, 9));
			assert_noop!(
				register_id(ALICE, fifth, 1000, 2, MN[0]),
				Error::<Test>::TooManyRegistrations
			);
			run_to_block(2);
			assert_ok!(register_id(ALICE, fifth, 1000, 2, MN[0]));
		});
	}

	#[test]
	fn an_item_removed_in_its_block_leaves_the_queue() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(1000, 0), 2, MN[0]);
			assert_ok!(Content::remove_content(RuntimeOrigin::signed(ALICE), id));
			assert!(PendingAssignment::<Test>::get().is_empty());
			run_to_block(2);
		});
	}
}

mod finality {
	use super::*;
	use frame_support::inherent::{InherentData, ProvideInherent};

	#[test]
	fn missed_challenges_are_excused_while_finality_is_stalled_and_count_once_it_resumes() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(4096, 4), 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			// From here on, authors see block 1 as the last finalized.
			FinalityStalled::set(true);
			content_events();
			// The first challenges expire in block 6, five blocks past block 1.
			run_to_block(2 + DEADLINE + 1);
			let events = content_events();
			assert!(events.iter().any(|e| matches!(e, Event::ChallengeMissed { .. })));
			assert!(events.iter().any(|e| matches!(
				e,
				Event::FaultExcused { masternode, finality_lag: 5, .. } if *masternode == MN[0]
			)));
			assert!(!events.iter().any(|e| matches!(e, Event::FaultRecorded { .. })));
			assert_eq!(Faults::<Test>::get(MN[0]), None);
			assert!(Slashes::get().is_empty());
			// Finality resumes: block 7 carries the first fresh report, so block 8's missed
			// challenges are faults again.
			FinalityStalled::set(false);
			run_to_block(2 + DEADLINE + 2);
			assert!(!content_events().iter().any(|e| matches!(e, Event::FaultRecorded { .. })));
			run_to_block(2 + DEADLINE + 3);
			assert!(
				content_events().contains(&Event::FaultRecorded { masternode: MN[0], faults: 1 })
			);
		});
	}

	#[test]
	fn a_bad_proof_is_a_fault_even_while_finality_is_stalled() {
		ExtBuilder::default().build_and_execute(|| {
			let id = register(ALICE, &bytes(4096, 4), 1, MN[0]);
			confirm_all(&id);
			run_to_block(2);
			FinalityStalled::set(true);
			run_to_block(2 + FINALITY_LAG + 1);
			let (challenge, _) = open_challenges(MN[0])[0].clone();
			let bad = LeafProof { index: 0, leaf: vec![0; 1024], path: vec![] };
			assert_ok!(Content::submit_proof(proof_key(MN[0]), challenge, bad));
			assert_eq!(Faults::<Test>::get(MN[0]), Some((0, 1)));
		});
	}

	#[test]
	fn a_finality_report_never_moves_back_nor_past_the_parent_and_comes_once_per_block() {
		ExtBuilder::default().build_and_execute(|| {
			let now = System::block_number();
			assert_noop!(
				Content::note_finality(RuntimeOrigin::signed(ALICE), 0),
				sp_runtime::DispatchError::BadOrigin
			);
			assert_noop!(
				Content::note_finality(RuntimeOrigin::none(), now),
				Error::<Test>::FinalizedInFuture
			);
			assert_ok!(Content::note_finality(RuntimeOrigin::none(), now - 1));
			assert_noop!(
				Content::note_finality(RuntimeOrigin::none(), now - 1),
				Error::<Test>::FinalityAlreadyNoted
			);
			run_to_block(now + 4);
			assert_eq!(FinalityHint::<Test>::get().finalized, now + 3);
			// A hostile author reports an older block: the highest report stands.
			FinalityStalled::set(true);
			run_to_block(now + 5);
			assert_ok!(Content::note_finality(RuntimeOrigin::none(), now));
			assert_eq!(
				FinalityHint::<Test>::get(),
				FinalityReport { finalized: now + 3, noted_in: now + 5 }
			);
		});
	}

	#[test]
	fn the_inherent_comes_from_the_authors_data_and_every_block_needs_it() {
		let mut data = InherentData::new();
		assert_eq!(Content::create_inherent(&data), None);
		assert!(matches!(Content::is_inherent_required(&data), Ok(Some(InherentError::Missing))));
		data.put_data(pop_primitives::FINALITY_INHERENT_IDENTIFIER, &7u64).unwrap();
		let call = Content::create_inherent(&data).unwrap();
		assert_eq!(call, crate::Call::note_finality { finalized: 7 });
		assert!(Content::is_inherent(&call));
	}
}

mod videos {
	use super::*;
	use crate::{Rendition, VideoOf, Videos};
	use frame_support::BoundedVec;

	/// Registers `data` for `owner` at `MN[0]`, of type `mime` at `price`.
	fn register_as(owner: AccountId, data: &[u8], mime: &[u8], price: Balance) -> ContentId {
		let (id, size) = (id_of(data), data.len() as u64);
		assert_ok!(Content::register_content(
			RuntimeOrigin::signed(owner),
			id,
			size,
			mime.to_vec(),
			b"A film".to_vec(),
			price,
			1,
			MN[0],
			RECEIPT_EXPIRY,
			sign_receipt(owner, id, size, RECEIPT_EXPIRY, MN[0]),
		));
		id
	}

	fn rendition(content: ContentId, height: u16) -> Rendition {
		Rendition {
			content,
			width: height * 16 / 9,
			height,
			bandwidth: u32::from(height) * 4_000,
			codecs: BoundedVec::try_from(b"avc1.64001f,mp4a.40.2".to_vec()).unwrap(),
		}
	}

	fn describe(
		owner: AccountId,
		video: ContentId,
		poster: Option<ContentId>,
		renditions: Vec<Rendition>,
	) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
		Content::describe_video(
			RuntimeOrigin::signed(owner),
			video,
			42_000,
			poster,
			BoundedVec::try_from(renditions).unwrap(),
		)
	}

	/// A video of `owner` at `price` with renditions at 720 and 360 and a poster, registered
	/// but not described: `(video, [renditions], poster)`.
	fn parts(owner: AccountId, price: Balance, salt: u8) -> (ContentId, [ContentId; 2], ContentId) {
		let video = register_as(owner, &bytes(3000, salt), b"video/mp4", price);
		let high = register_as(owner, &bytes(2000, salt + 1), b"video/mp4", price);
		let low = register_as(owner, &bytes(1000, salt + 2), b"video/mp4", price);
		run_to_block(System::block_number() + 1);
		let poster = register_as(owner, &bytes(500, salt + 3), b"image/jpeg", 0);
		(video, [high, low], poster)
	}

	#[test]
	fn a_video_records_its_renditions_and_poster_and_each_part_names_it() {
		ExtBuilder::default().build_and_execute(|| {
			let (video, [high, low], poster) = parts(ALICE, 5, 10);
			content_events();
			assert_ok!(describe(
				ALICE,
				video,
				Some(poster),
				vec![rendition(high, 720), rendition(low, 360)]
			));
			let info = Videos::<Test>::get(video).unwrap();
			assert_eq!(info.duration_ms, 42_000);
			assert_eq!(info.poster, Some(poster));
			assert_eq!(info.renditions.to_vec(), vec![rendition(high, 720), rendition(low, 360)]);
			for part in [high, low, poster] {
				assert_eq!(VideoOf::<Test>::get(part), Some(video));
			}
			assert_eq!(
				content_events(),
				vec![Event::VideoDescribed {
					video,
					owner: ALICE,
					renditions: vec![high, low],
					poster: Some(poster),
				}]
			);
		});
	}

	#[test]
	fn every_bad_description_is_refused_and_changes_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			let (video, [high, low], poster) = parts(ALICE, 5, 10);
			let free = register_as(ALICE, &bytes(700, 20), b"video/mp4", 0);
			let bobs = register_as(BOB, &bytes(700, 21), b"video/mp4", 5);
			run_to_block(System::block_number() + 1);
			let text = register_as(ALICE, &bytes(700, 22), b"text/plain", 5);
			let unknown = ContentId([9; 32]);
			let cases: Vec<(AccountId, ContentId, Option<ContentId>, Vec<Rendition>, Error<Test>)> = vec![
				(BOB, video, None, vec![rendition(high, 720)], Error::NotOwner),
				(ALICE, unknown, None, vec![rendition(high, 720)], Error::UnknownContent),
				(ALICE, video, None, vec![rendition(unknown, 720)], Error::UnknownContent),
				(ALICE, video, None, vec![rendition(bobs, 720)], Error::NotOwner),
				(ALICE, video, None, vec![], Error::NoRenditions),
				(
					ALICE,
					video,
					None,
					vec![rendition(high, 720), rendition(high, 360)],
					Error::DuplicatePart,
				),
				(ALICE, video, None, vec![rendition(video, 720)], Error::DuplicatePart),
				(ALICE, video, Some(high), vec![rendition(high, 720)], Error::DuplicatePart),
				(ALICE, video, None, vec![rendition(text, 720)], Error::BadRendition),
				(
					ALICE,
					video,
					None,
					vec![Rendition { width: 0, ..rendition(high, 720) }],
					Error::BadRendition,
				),
				(
					ALICE,
					video,
					None,
					vec![Rendition { codecs: BoundedVec::new(), ..rendition(high, 720) }],
					Error::BadRendition,
				),
				(ALICE, video, None, vec![rendition(free, 720)], Error::PriceMismatch),
				(ALICE, video, Some(low), vec![rendition(high, 720)], Error::BadPoster),
				(ALICE, video, Some(text), vec![rendition(high, 720)], Error::BadPoster),
			];
			for (who, video, poster, renditions, error) in cases {
				assert_noop!(describe(who, video, poster, renditions), error);
			}
			// A priced poster.
			let priced_poster = register_as(ALICE, &bytes(600, 23), b"image/png", 5);
			assert_noop!(
				describe(ALICE, video, Some(priced_poster), vec![rendition(high, 720)]),
				Error::<Test>::PricedPoster
			);
			// Once described: not again, its parts in no other video, no part as a video.
			assert_ok!(describe(ALICE, video, Some(poster), vec![rendition(high, 720)]));
			assert_noop!(
				describe(ALICE, video, None, vec![rendition(low, 360)]),
				Error::<Test>::AlreadyDescribed
			);
			assert_noop!(
				describe(ALICE, low, None, vec![rendition(high, 720)]),
				Error::<Test>::AlreadyPart
			);
			assert_noop!(
				describe(ALICE, low, None, vec![rendition(video, 720)]),
				Error::<Test>::PartIsVideo
			);
			assert_noop!(
				describe(ALICE, high, None, vec![rendition(low, 360)]),
				Error::<Test>::PartOfVideo
			);
		});
	}

	#[test]
	fn removing_a_video_removes_its_parts_and_a_part_is_not_removed_alone() {
		ExtBuilder::default().build_and_execute(|| {
			let (video, [high, low], poster) = parts(ALICE, 5, 10);
			assert_ok!(describe(
				ALICE,
				video,
				Some(poster),
				vec![rendition(high, 720), rendition(low, 360)]
			));
			assert_noop!(
				Content::remove_content(RuntimeOrigin::signed(ALICE), low),
				Error::<Test>::PartOfVideo
			);
			assert_noop!(
				Content::remove_content(RuntimeOrigin::signed(BOB), video),
				Error::<Test>::NotOwner
			);
			content_events();
			let info = Content::remove_content(RuntimeOrigin::signed(ALICE), video).unwrap();
			// The declared weight covers what the removal used.
			let declared = crate::Call::<Test>::remove_content { content: video }
				.get_dispatch_info()
				.call_weight;
			assert!(info.actual_weight.unwrap().all_lte(declared));
			for id in [video, high, low, poster] {
				assert!(!Contents::<Test>::contains_key(id));
				assert!(!VideoOf::<Test>::contains_key(id));
			}
			assert!(!Videos::<Test>::contains_key(video));
			assert_eq!(held(ALICE), 0);
			assert_eq!(ContentCount::<Test>::get(), 0);
			let removed: Vec<_> = content_events()
				.into_iter()
				.filter_map(|e| match e {
					Event::ContentRemoved { content, owner: ALICE } => Some(content),
					_ => None,
				})
				.collect();
			assert_eq!(removed, vec![high, low, poster, video]);
		});
	}

	#[test]
	fn a_part_nobody_confirmed_leaves_its_video() {
		ExtBuilder::default().build_and_execute(|| {
			let (video, [high, low], poster) = parts(ALICE, 5, 10);
			assert_ok!(describe(
				ALICE,
				video,
				Some(poster),
				vec![rendition(high, 720), rendition(low, 360)]
			));
			// Everything but the low rendition confirmed; it expires.
			for id in [video, high, poster] {
				confirm_all(&id);
			}
			run_to_block(System::block_number() + TIMEOUT + 2);
			assert!(!Contents::<Test>::contains_key(low));
			assert!(!VideoOf::<Test>::contains_key(low));
			let info = Videos::<Test>::get(video).unwrap();
			assert_eq!(info.renditions.to_vec(), vec![rendition(high, 720)]);
			assert_eq!(info.poster, Some(poster));
		});
	}

	#[test]
	fn a_video_nobody_confirmed_leaves_its_parts_as_plain_items() {
		ExtBuilder::default().build_and_execute(|| {
			let (other, [high, low], poster) = parts(BOB, 0, 40);
			assert_ok!(describe(
				BOB,
				other,
				Some(poster),
				vec![rendition(high, 720), rendition(low, 360)]
			));
			for id in [high, low, poster] {
				confirm_all(&id);
			}
			run_to_block(System::block_number() + TIMEOUT + 2);
			assert!(!Contents::<Test>::contains_key(other));
			assert!(!Videos::<Test>::contains_key(other));
			for id in [high, low, poster] {
				assert!(Contents::<Test>::contains_key(id));
				assert!(!VideoOf::<Test>::contains_key(id));
			}
		});
	}

	#[test]
	fn a_grant_to_watch_a_video_is_asked_of_the_video() {
		ExtBuilder::default().build_and_execute(|| {
			let (video, [high, low], poster) = parts(ALICE, 5, 10);
			assert_ok!(describe(ALICE, video, Some(poster), vec![rendition(high, 720)]));
			assert_eq!(Content::access_subject(&high), video);
			assert_eq!(Content::access_subject(&poster), video);
			assert_eq!(Content::access_subject(&video), video);
			assert_eq!(Content::access_subject(&low), low);
		});
	}
}
