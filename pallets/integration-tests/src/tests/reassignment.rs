//! Replica reassignment: masternodes → content (`OnLeave`) → delegation (the active set). A
//! masternode that is jailed or deregisters hands its replicas over to other active
//! masternodes a few per block, and its content stays fully replicated and confirmed.

use super::*;
use frame_support::{assert_noop, assert_ok};
use pop_primitives::ContentCatalog;

/// Runs blocks until `leaver` holds none of `contents`, then checks that each is held by
/// [`MAX_REPLICATION`] other masternodes, all confirmed, and that `leaver`'s replicas were
/// dropped.
fn assert_replicas_move_away(leaver: AccountId, contents: &[ContentId]) {
	run_until(20, || {
		contents.iter().all(|content| !holders(content).contains(&leaver)).then_some(())
	});
	// The new holders' sidecars confirm in the block that assigns them.
	next_block();
	let events = content_events();
	for content in contents {
		assert!(events
			.contains(&ContentEvent::ReplicaDropped { content: *content, masternode: leaver }));
		let held_by = holders(content);
		assert_eq!(held_by.len() as u32, MAX_REPLICATION);
		assert_eq!(Content::servers_of(content), held_by);
		let located = Content::locate(content).expect("the content is registered");
		assert_eq!(located.holders.len() as u32, MAX_REPLICATION);
		assert!(located.holders.iter().all(|(holder, endpoint)| *holder != leaver
			&& *endpoint == format!("https://mn-{holder}.example").into_bytes()));
	}
}

#[test]
fn a_jailed_masternodes_replicas_move_to_other_masternodes() {
	ExtBuilder::default().build_and_execute(|| {
		let faulty = MASTERNODES[2];
		let contents = store_on_offline_masternode(faulty, 3);
		run_until_punished(faulty);
		assert_replicas_move_away(faulty, &contents);
	});
}

#[test]
fn a_deregistered_masternodes_replicas_move_and_its_bond_comes_back() {
	let leaver = MASTERNODES[4];
	let delegated = 500;
	ExtBuilder::default().delegate(BACKER, leaver, delegated).build_and_execute(|| {
		let contents: Vec<ContentId> = (0..2)
			.map(|salt| {
				register_content(CREATOR, &bytes(CONTENT_SIZE, salt), 0, MAX_REPLICATION, leaver)
			})
			.collect();
		next_block();
		assert!(contents.iter().all(|content| Content::servers_of(content).contains(&leaver)));

		// Its backer does not hold it back: the backer's stake unbonds in the closed pool.
		let operator = RuntimeOrigin::signed(leaver);
		assert_ok!(Masternodes::deregister(operator.clone()));
		let unlock_era = current_era() + BONDING_DURATION;
		assert_noop!(
			Masternodes::withdraw_unbonded(operator.clone()),
			pallet_masternodes::Error::<Runtime>::NothingToWithdraw
		);
		assert_replicas_move_away(leaver, &contents);

		// The next election leaves it out; its bond is released after the bonding duration.
		run_to_era(current_era() + 1);
		assert!(!active_set().contains(&leaver));
		run_to_era(unlock_era);
		assert_ok!(Masternodes::withdraw_unbonded(operator));
		assert_eq!(held(pallet_masternodes::HoldReason::SelfBond, leaver), 0);
		assert_eq!(Balances::free_balance(leaver), ENDOWMENT);
		assert_ok!(Delegation::withdraw_closed(RuntimeOrigin::signed(BACKER), BACKER, leaver));
		assert_eq!(held(pallet_delegation::HoldReason::Delegation, BACKER), 0);
		assert_eq!(Balances::free_balance(BACKER), ENDOWMENT);
	});
}
