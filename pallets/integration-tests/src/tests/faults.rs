//! Availability faults: content → masternodes → delegation → session. A holder that misses a
//! challenge is faulted; at the threshold its self-bond is slashed through the registry, its
//! backers' pool loses the same fraction, it is jailed, earns no more points, and the next
//! election leaves it out until it unjails.

use super::*;
use frame_support::{assert_noop, assert_ok};
use pallet_masternodes::Event as MasternodeEvent;
use pop_primitives::{MasternodeDirectory, MasternodeStatus};

/// The masternode whose sidecar goes offline.
const FAULTY: AccountId = MASTERNODES[2];
/// Its self-bond.
const FAULTY_BOND: Balance = BONDS[2];

#[test]
fn a_missed_challenge_is_a_fault_of_the_holder() {
	ExtBuilder::default().build_and_execute(|| {
		let content = store_on_offline_masternode(FAULTY, 1)[0];
		let offline_from = System::block_number();
		assert!(holders(&content).contains(&FAULTY));

		let (challenge, deadline) = run_until(50, || {
			content_events().into_iter().find_map(|event| match event {
				ContentEvent::ChallengeIssued { masternode, challenge, deadline, .. }
					if masternode == FAULTY =>
				{
					Some((challenge, deadline))
				}
				_ => None,
			})
		});
		// Challenged for what it confirmed holding.
		assert!(System::block_number() > offline_from);
		assert_eq!(deadline, System::block_number() + CHALLENGE_DEADLINE);

		// The challenge stays open up to its deadline.
		run_to_block(deadline);
		let missed = ContentEvent::ChallengeMissed { masternode: FAULTY, challenge, content };
		assert!(!content_events().contains(&missed));

		next_block();
		let events = content_events();
		let at = events.iter().position(|event| *event == missed).expect("the challenge expired");
		assert_eq!(events[at + 1], ContentEvent::FaultRecorded { masternode: FAULTY, faults: 1 });
		// One fault is not punished.
		assert_eq!(status(FAULTY), MasternodeStatus::Active);
		assert_eq!(self_bond(FAULTY), FAULTY_BOND);
		// The online holders answered every challenge they got.
		for event in &events {
			match event {
				ContentEvent::ChallengeMissed { masternode, .. }
				| ContentEvent::ProofRejected { masternode, .. }
				| ContentEvent::FaultRecorded { masternode, .. } => assert_eq!(*masternode, FAULTY),
				_ => {}
			}
		}
		assert!(events.iter().any(|event| matches!(
			event,
			ContentEvent::ProofAccepted { masternode, .. } if *masternode != FAULTY
		)));
	});
}

#[test]
fn the_fault_threshold_slashes_stake_and_pool_and_jails_until_the_election_drops_it() {
	let delegated = 2_000;
	ExtBuilder::default().delegate(BACKER, FAULTY, delegated).build_and_execute(|| {
		store_on_offline_masternode(FAULTY, 1);
		let slashed = run_until_punished(FAULTY);
		let era = current_era();

		let slash = SlashFraction::get() * FAULTY_BOND;
		assert_eq!(slashed, slash);
		let faults: Vec<u32> = content_events()
			.into_iter()
			.filter_map(|event| match event {
				ContentEvent::FaultRecorded { masternode, faults } if masternode == FAULTY => {
					Some(faults)
				}
				_ => None,
			})
			.collect();
		assert_eq!(faults.last(), Some(&FAULT_THRESHOLD));
		let registry_events = events::<MasternodeEvent<Runtime>>();
		assert!(registry_events.contains(&MasternodeEvent::Slashed {
			operator: FAULTY,
			amount: slash,
			fraction: SlashFraction::get(),
		}));
		assert!(registry_events
			.contains(&MasternodeEvent::Jailed { operator: FAULTY, until: era + JAIL_DURATION }));

		// The self-bond and its hold lose the slash; the pool loses the same fraction of its
		// value, its shares unchanged; backers' holds follow only when next touched.
		assert_eq!(self_bond(FAULTY), FAULTY_BOND - slash);
		assert_eq!(held(pallet_masternodes::HoldReason::SelfBond, FAULTY), FAULTY_BOND - slash);
		assert_eq!(pool(FAULTY), (delegated, delegated - SlashFraction::get() * delegated));
		assert_eq!(held(pallet_delegation::HoldReason::Delegation, BACKER), delegated);

		// Jailed: it may hold nothing, and earns no more points this era although it is
		// still in the era's active set (and may still author blocks).
		assert_eq!(status(FAULTY), MasternodeStatus::Jailed);
		assert_eq!(<Masternodes as MasternodeDirectory<AccountId>>::storage_offer(&FAULTY), None);
		assert!(active_set().contains(&FAULTY));
		loop {
			let points = pallet_rewards::EraPoints::<Runtime>::get(FAULTY);
			next_block();
			if current_era() > era {
				break;
			}
			assert_eq!(pallet_rewards::EraPoints::<Runtime>::get(FAULTY), points);
		}

		// The next election leaves it out, of the active set and of the validators.
		let started = events::<pallet_delegation::Event<Runtime>>()
			.into_iter()
			.find_map(|event| match event {
				pallet_delegation::Event::EraStarted { era: started, active, validators }
					if started == era + 1 =>
				{
					Some((active, validators))
				}
				_ => None,
			})
			.expect("the next era started");
		assert!(!started.0.contains(&FAULTY) && !started.1.contains(&FAULTY));
		assert!(!active_set().contains(&FAULTY));
		assert_eq!(status(FAULTY), MasternodeStatus::Jailed);

		// It may unjail once the jail term is over, and is elected again.
		let operator = RuntimeOrigin::signed(FAULTY);
		assert_noop!(
			Masternodes::unjail(operator.clone()),
			pallet_masternodes::Error::<Runtime>::StillJailed
		);
		run_to_era(era + JAIL_DURATION);
		assert_ok!(Masternodes::unjail(operator));
		run_to_era(era + JAIL_DURATION + 1);
		assert!(active_set().contains(&FAULTY));
		assert_eq!(status(FAULTY), MasternodeStatus::Active);
	});
}

#[test]
fn an_item_nobody_holds_faults_nobody_and_is_dropped_after_its_timeout() {
	ExtBuilder::default().build_and_execute(|| {
		// Registered with a receipt naming an active masternode, but no sidecar has the bytes.
		let uploader = MASTERNODES[1];
		let content = ContentId([7; 32]);
		let size = CONTENT_SIZE as u64;
		assert_ok!(register_unheld(CREATOR, content, size, 0, MAX_REPLICATION, uploader));
		assert!(held(pallet_content::HoldReason::ContentDeposit, CREATOR) > 0);
		let registered_at = System::block_number();
		let mut expired_at = None;
		for _ in 0..CONFIRMATION_TIMEOUT + 20 {
			next_block();
			let events = content_events();
			// Nobody is challenged for it, faulted, slashed or jailed, then or later.
			assert!(!events.iter().any(|event| matches!(
				event,
				ContentEvent::ChallengeIssued { .. }
					| ContentEvent::FaultRecorded { .. }
					| ContentEvent::MasternodePunished { .. }
			)));
			let expired = ContentEvent::ContentExpired { content, owner: CREATOR };
			if expired_at.is_none() && events.contains(&expired) {
				expired_at = Some(System::block_number());
			}
		}
		assert_eq!(expired_at, Some(registered_at + CONFIRMATION_TIMEOUT + 1));
		assert!(!pallet_content::Contents::<Runtime>::contains_key(content));
		assert_eq!(held(pallet_content::HoldReason::ContentDeposit, CREATOR), 0);
		for masternode in MASTERNODES {
			assert_ne!(status(masternode), MasternodeStatus::Jailed);
		}
	});
}
