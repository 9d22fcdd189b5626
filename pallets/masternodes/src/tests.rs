//! Unit tests, grouped by topic. Every test ends with the pallet's invariants checked.

use crate::{
	mock::*, Error, Event, MasternodeUpdate, Masternodes as MasternodesStore, Unbonding,
	UnbondingChunk,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use pop_primitives::{
	MasternodeDirectory, MasternodeRegistry, MasternodeSlashing, MasternodeStatus,
};
use sp_runtime::{Perbill, TokenError};

fn register(who: AccountId, bond: Balance, proof_key: AccountId) -> sp_runtime::DispatchResult {
	Masternodes::register(
		RuntimeOrigin::signed(who),
		bond,
		b"https://node.example:8080".to_vec(),
		proof_key,
		1_000_000,
		Perbill::from_percent(5),
	)
}

mod register {
	use super::*;

	#[test]
	fn holds_the_bond_and_records_the_masternode() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(register(BOB, 5_000, BOB_PROOF));
			let node = MasternodesStore::<Test>::get(BOB).unwrap();
			assert_eq!(node.bond, 5_000);
			assert_eq!(node.status, MasternodeStatus::Idle);
			assert_eq!(node.proof_key, BOB_PROOF);
			assert_eq!(held(BOB), 5_000);
			assert_eq!(Balances::balance(&BOB), ENDOWMENT - 5_000);
			assert_eq!(Masternodes::operator_of(&BOB_PROOF), Some(BOB));
			assert_eq!(Masternodes::storage_offer(&BOB), Some(1_000_000));
			assert_eq!(Masternodes::endpoint(&BOB), Some(b"https://node.example:8080".to_vec()));
			assert_eq!(
				masternode_events(),
				vec![Event::Registered { operator: BOB, bond: 5_000, proof_key: BOB_PROOF }]
			);
		});
	}

	#[test]
	fn rejects_a_second_registration() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			assert_noop!(register(ALICE, MIN_BOND, 150), Error::<Test>::AlreadyRegistered);
		});
	}

	#[test]
	fn rejects_a_bond_below_the_minimum() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(register(BOB, MIN_BOND - 1, BOB_PROOF), Error::<Test>::BondTooLow);
		});
	}

	#[test]
	fn rejects_a_bond_larger_than_the_balance() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(register(BOB, ENDOWMENT + 1, BOB_PROOF), TokenError::FundsUnavailable);
		});
	}

	#[test]
	fn rejects_bad_endpoints() {
		ExtBuilder::default().build_and_execute(|| {
			let mut too_long = b"https://".to_vec();
			too_long.extend([b'a'; 300]);
			for endpoint in [
				b"".to_vec(),
				b"https://".to_vec(),
				b"ftp://node.example".to_vec(),
				b"node.example".to_vec(),
				b"https://node example".to_vec(),
				b"https://node.example/\n".to_vec(),
				too_long,
			] {
				assert_noop!(
					Masternodes::register(
						RuntimeOrigin::signed(BOB),
						MIN_BOND,
						endpoint,
						BOB_PROOF,
						1,
						Perbill::zero()
					),
					Error::<Test>::InvalidEndpoint
				);
			}
		});
	}

	#[test]
	fn rejects_a_proof_key_in_use_or_equal_to_the_operator() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			assert_noop!(register(BOB, MIN_BOND, ALICE_PROOF), Error::<Test>::ProofKeyInUse);
			// Another operator's account cannot be a proof key either.
			assert_noop!(register(BOB, MIN_BOND, ALICE), Error::<Test>::ProofKeyInUse);
			assert_noop!(register(BOB, MIN_BOND, BOB), Error::<Test>::ProofKeyIsOperator);
		});
	}

	#[test]
	fn rejects_zero_capacity() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Masternodes::register(
					RuntimeOrigin::signed(BOB),
					MIN_BOND,
					b"http://10.0.0.1:8080".to_vec(),
					BOB_PROOF,
					0,
					Perbill::zero()
				),
				Error::<Test>::ZeroCapacity
			);
		});
	}

	#[test]
	fn rejects_registrations_beyond_the_maximum() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			MaxMasternodes::set(1);
			assert_noop!(register(BOB, MIN_BOND, BOB_PROOF), Error::<Test>::TooManyMasternodes);
		});
	}

	#[test]
	fn genesis_registers_masternodes() {
		ExtBuilder::default().with_alice(2_000).build_and_execute(|| {
			assert_eq!(Masternodes::self_bond(&ALICE), Some(2_000));
			assert_eq!(held(ALICE), 2_000);
		});
	}
}

mod update {
	use super::*;

	#[test]
	fn changes_only_what_is_given() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			let before = MasternodesStore::<Test>::get(ALICE).unwrap();
			assert_ok!(Masternodes::update(
				RuntimeOrigin::signed(ALICE),
				MasternodeUpdate {
					capacity: Some(42),
					commission: Some(Perbill::from_percent(20)),
					..Default::default()
				}
			));
			let after = MasternodesStore::<Test>::get(ALICE).unwrap();
			assert_eq!(after.capacity, 42);
			assert_eq!(after.commission, Perbill::from_percent(20));
			assert_eq!(after.endpoint, before.endpoint);
			assert_eq!(after.proof_key, before.proof_key);
			assert_eq!(masternode_events(), vec![Event::Updated { operator: ALICE }]);
		});
	}

	#[test]
	fn moves_the_proof_key() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			assert_ok!(Masternodes::update(
				RuntimeOrigin::signed(ALICE),
				MasternodeUpdate { proof_key: Some(150), ..Default::default() }
			));
			assert_eq!(Masternodes::operator_of(&150), Some(ALICE));
			assert_eq!(Masternodes::operator_of(&ALICE_PROOF), None);
		});
	}

	#[test]
	fn rejects_bad_values_and_unknown_operators() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			assert_ok!(register(BOB, MIN_BOND, BOB_PROOF));
			let update = |u| Masternodes::update(RuntimeOrigin::signed(ALICE), u);
			assert_noop!(
				update(MasternodeUpdate { proof_key: Some(BOB_PROOF), ..Default::default() }),
				Error::<Test>::ProofKeyInUse
			);
			assert_noop!(
				update(MasternodeUpdate { proof_key: Some(ALICE), ..Default::default() }),
				Error::<Test>::ProofKeyIsOperator
			);
			assert_noop!(
				update(MasternodeUpdate {
					endpoint: Some(b"gopher://x".to_vec()),
					..Default::default()
				}),
				Error::<Test>::InvalidEndpoint
			);
			assert_noop!(
				update(MasternodeUpdate { capacity: Some(0), ..Default::default() }),
				Error::<Test>::ZeroCapacity
			);
			assert_noop!(
				Masternodes::update(RuntimeOrigin::signed(CHARLIE), MasternodeUpdate::default()),
				Error::<Test>::NotRegistered
			);
		});
	}
}

mod bonding {
	use super::*;

	#[test]
	fn bond_more_adds_to_the_hold() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			assert_ok!(Masternodes::bond_more(RuntimeOrigin::signed(ALICE), 500));
			assert_eq!(Masternodes::self_bond(&ALICE), Some(MIN_BOND + 500));
			assert_eq!(held(ALICE), MIN_BOND + 500);
			assert_eq!(masternode_events(), vec![Event::Bonded { operator: ALICE, amount: 500 }]);
		});
	}

	#[test]
	fn bond_more_errors() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			assert_noop!(
				Masternodes::bond_more(RuntimeOrigin::signed(ALICE), 0),
				Error::<Test>::ZeroAmount
			);
			assert_noop!(
				Masternodes::bond_more(RuntimeOrigin::signed(BOB), 10),
				Error::<Test>::NotRegistered
			);
			assert_noop!(
				Masternodes::bond_more(RuntimeOrigin::signed(ALICE), ENDOWMENT),
				TokenError::FundsUnavailable
			);
		});
	}

	#[test]
	fn unbond_then_withdraw_after_the_bonding_duration() {
		ExtBuilder::default().with_alice(3_000).build_and_execute(|| {
			assert_ok!(Masternodes::unbond(RuntimeOrigin::signed(ALICE), 1_500));
			assert_eq!(Masternodes::self_bond(&ALICE), Some(1_500));
			// Still held while unbonding.
			assert_eq!(held(ALICE), 3_000);
			assert_noop!(
				Masternodes::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::NothingToWithdraw
			);

			CurrentEra::set(1);
			assert_noop!(
				Masternodes::withdraw_unbonded(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::NothingToWithdraw
			);
			CurrentEra::set(2);
			let free_before = Balances::balance(&ALICE);
			assert_ok!(Masternodes::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(held(ALICE), 1_500);
			assert_eq!(Balances::balance(&ALICE), free_before + 1_500);
			assert!(Unbonding::<Test>::get(ALICE).is_empty());
			assert_eq!(
				masternode_events(),
				vec![
					Event::Unbonded { operator: ALICE, amount: 1_500, unlock_era: 2 },
					Event::Withdrawn { operator: ALICE, amount: 1_500 },
				]
			);
		});
	}

	#[test]
	fn unbonding_across_eras_releases_only_matured_chunks() {
		ExtBuilder::default().with_alice(5_000).build_and_execute(|| {
			assert_ok!(Masternodes::unbond(RuntimeOrigin::signed(ALICE), 1_000));
			// Same era: merged into one chunk.
			assert_ok!(Masternodes::unbond(RuntimeOrigin::signed(ALICE), 500));
			CurrentEra::set(1);
			assert_ok!(Masternodes::unbond(RuntimeOrigin::signed(ALICE), 700));
			assert_eq!(Unbonding::<Test>::get(ALICE).len(), 2);

			CurrentEra::set(2);
			assert_ok!(Masternodes::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(held(ALICE), 5_000 - 1_500);
			CurrentEra::set(3);
			assert_ok!(Masternodes::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(held(ALICE), 5_000 - 2_200);
		});
	}

	#[test]
	fn unbond_errors() {
		ExtBuilder::default().with_alice(MIN_BOND + 100).build_and_execute(|| {
			let unbond = |amount| Masternodes::unbond(RuntimeOrigin::signed(ALICE), amount);
			assert_noop!(unbond(0), Error::<Test>::ZeroAmount);
			assert_noop!(unbond(101), Error::<Test>::BondTooLow);
			assert_noop!(unbond(MIN_BOND + 101), Error::<Test>::InsufficientBond);
			assert_noop!(
				Masternodes::unbond(RuntimeOrigin::signed(BOB), 1),
				Error::<Test>::NotRegistered
			);
			// Bounded queue: one chunk per era, three at most.
			for era in 0..3 {
				CurrentEra::set(era);
				assert_ok!(unbond(10));
			}
			CurrentEra::set(3);
			assert_noop!(unbond(10), Error::<Test>::TooManyUnbondingChunks);
		});
	}
}

mod deregister {
	use super::*;

	#[test]
	fn unbonds_everything_and_frees_the_proof_key() {
		ExtBuilder::default().with_alice(2_000).build_and_execute(|| {
			assert_ok!(Masternodes::deregister(RuntimeOrigin::signed(ALICE)));
			assert_eq!(Masternodes::self_bond(&ALICE), None);
			assert_eq!(Masternodes::storage_offer(&ALICE), None);
			assert_eq!(LeaveNotices::get(), vec![ALICE]);
			assert_eq!(held(ALICE), 2_000);
			// While the bond unbonds, the key still signs for Alice (her open challenges) and
			// nobody else may take it.
			assert_eq!(Masternodes::operator_of(&ALICE_PROOF), Some(ALICE));
			assert_noop!(register(BOB, MIN_BOND, ALICE_PROOF), Error::<Test>::ProofKeyInUse);
			CurrentEra::set(2);
			assert_ok!(Masternodes::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(held(ALICE), 0);
			assert_eq!(Balances::balance(&ALICE), ENDOWMENT);
			// The proof key is free for someone else now.
			assert_eq!(Masternodes::operator_of(&ALICE_PROOF), None);
			assert_ok!(register(BOB, MIN_BOND, ALICE_PROOF));
		});
	}

	#[test]
	fn backers_do_not_hold_the_operator_hostage() {
		ExtBuilder::default().with_alice(2_000).build_and_execute(|| {
			HasDelegators::set(true);
			assert_ok!(Masternodes::deregister(RuntimeOrigin::signed(ALICE)));
			// The pool is closed in the same call: the backers' stake unbonds.
			assert_eq!(ClosedPools::get(), vec![ALICE]);
			assert_eq!(Masternodes::self_bond(&ALICE), None);
			// The account registers again once its former backers are gone.
			assert_noop!(register(ALICE, MIN_BOND, ALICE_PROOF), Error::<Test>::StillDelegated);
			HasDelegators::set(false);
			assert_ok!(register(ALICE, MIN_BOND, ALICE_PROOF));
		});
	}

	#[test]
	fn deregister_errors() {
		ExtBuilder::default().with_alice(2_000).build_and_execute(|| {
			assert_noop!(
				Masternodes::deregister(RuntimeOrigin::signed(BOB)),
				Error::<Test>::NotRegistered
			);
			Masternodes::slash_and_jail(&ALICE, Perbill::from_percent(10));
			assert_noop!(
				Masternodes::deregister(RuntimeOrigin::signed(ALICE)),
				Error::<Test>::StillJailed
			);
		});
	}
}

mod slashing {
	use super::*;

	#[test]
	fn burns_a_fraction_of_the_bond_jails_and_notifies() {
		ExtBuilder::default().with_alice(4_000).build_and_execute(|| {
			let issuance = Balances::total_issuance();
			CurrentEra::set(5);
			let slashed = Masternodes::slash_and_jail(&ALICE, Perbill::from_percent(25));
			assert_eq!(slashed, 1_000);
			assert_eq!(Masternodes::self_bond(&ALICE), Some(3_000));
			assert_eq!(held(ALICE), 3_000);
			assert_eq!(Balances::total_issuance(), issuance - 1_000);
			let node = MasternodesStore::<Test>::get(ALICE).unwrap();
			assert_eq!(node.status, MasternodeStatus::Jailed);
			assert_eq!(node.jailed_until, Some(8));
			assert_eq!(SlashNotices::get(), vec![(ALICE, Perbill::from_percent(25))]);
			// A jailed masternode may hold no content, and its content is told to move.
			assert_eq!(LeaveNotices::get(), vec![ALICE]);
			assert_eq!(Masternodes::storage_offer(&ALICE), None);
			assert_eq!(
				masternode_events(),
				vec![
					Event::Slashed {
						operator: ALICE,
						amount: 1_000,
						fraction: Perbill::from_percent(25)
					},
					Event::Jailed { operator: ALICE, until: 8 },
				]
			);
			// Jailed masternodes are not electable.
			assert!(Masternodes::electable().is_empty());
		});
	}

	#[test]
	fn slashing_an_unknown_account_burns_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			assert_eq!(Masternodes::slash_and_jail(&BOB, Perbill::one()), 0);
			// Passed on, in case it had backers: they answer for it (nothing here).
			assert_eq!(SlashNotices::get(), vec![(BOB, Perbill::one())]);
			assert!(LeaveNotices::get().is_empty());
			assert!(masternode_events().is_empty());
		});
	}

	#[test]
	fn unbonding_chunks_that_have_not_unlocked_are_slashed_with_the_bond() {
		ExtBuilder::default().with_alice(4_000).build_and_execute(|| {
			let unbond = |amount| Masternodes::unbond(RuntimeOrigin::signed(ALICE), amount);
			// Unlocks in era 2.
			assert_ok!(unbond(1_000));
			CurrentEra::set(1);
			// Unlocks in era 3.
			assert_ok!(unbond(1_000));
			CurrentEra::set(2);
			let issuance = Balances::total_issuance();
			let slashed = Masternodes::slash_and_jail(&ALICE, Perbill::from_percent(10));
			// 10% of the 2_000 bonded and of the chunk unlocking in era 3; the chunk that
			// unlocked in era 2 was the operator's to take and is not at stake.
			assert_eq!(slashed, 200 + 100);
			assert_eq!(Balances::total_issuance(), issuance - 300);
			assert_eq!(
				Unbonding::<Test>::get(ALICE).into_inner(),
				vec![
					UnbondingChunk { amount: 1_000, unlock_era: 2 },
					UnbondingChunk { amount: 900, unlock_era: 3 }
				]
			);
			assert_eq!(held(ALICE), 1_800 + 1_900);
			assert!(masternode_events().contains(&Event::Slashed {
				operator: ALICE,
				amount: 300,
				fraction: Perbill::from_percent(10)
			}));
		});
	}

	#[test]
	fn leaving_erases_no_fault() {
		ExtBuilder::default().with_alice(4_000).build_and_execute(|| {
			assert_ok!(Masternodes::deregister(RuntimeOrigin::signed(ALICE)));
			// A fault of a challenge it had open expires after it left.
			CurrentEra::set(1);
			let slashed = Masternodes::slash_and_jail(&ALICE, Perbill::from_percent(25));
			assert_eq!(slashed, 1_000);
			assert_eq!(held(ALICE), 3_000);
			assert_eq!(
				Unbonding::<Test>::get(ALICE).into_inner(),
				vec![UnbondingChunk { amount: 3_000, unlock_era: 2 }]
			);
			// Its former backers answer too, through the delegation pallet.
			assert_eq!(SlashNotices::get(), vec![(ALICE, Perbill::from_percent(25))]);
			// Once unlocked, the stake is no longer at stake.
			CurrentEra::set(2);
			assert_eq!(Masternodes::slash_and_jail(&ALICE, Perbill::from_percent(25)), 0);
			assert_ok!(Masternodes::withdraw_unbonded(RuntimeOrigin::signed(ALICE)));
			assert_eq!(Balances::balance(&ALICE), ENDOWMENT - 1_000);
		});
	}

	#[test]
	fn unjail_after_the_jail_period() {
		ExtBuilder::default().with_alice(4_000).build_and_execute(|| {
			Masternodes::slash_and_jail(&ALICE, Perbill::from_percent(1));
			let unjail = || Masternodes::unjail(RuntimeOrigin::signed(ALICE));
			CurrentEra::set(2);
			assert_noop!(unjail(), Error::<Test>::StillJailed);
			CurrentEra::set(3);
			assert_ok!(unjail());
			assert_eq!(
				MasternodesStore::<Test>::get(ALICE).unwrap().status,
				MasternodeStatus::Idle
			);
			assert_noop!(unjail(), Error::<Test>::NotJailed);
			assert_noop!(
				Masternodes::unjail(RuntimeOrigin::signed(BOB)),
				Error::<Test>::NotRegistered
			);
		});
	}

	#[test]
	fn a_bond_slashed_below_the_minimum_is_not_electable() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			Masternodes::slash_and_jail(&ALICE, Perbill::from_percent(50));
			CurrentEra::set(3);
			assert_ok!(Masternodes::unjail(RuntimeOrigin::signed(ALICE)));
			assert!(Masternodes::electable().is_empty());
			assert_ok!(Masternodes::bond_more(RuntimeOrigin::signed(ALICE), MIN_BOND / 2));
			assert_eq!(Masternodes::electable(), vec![(ALICE, MIN_BOND)]);
		});
	}
}

mod registry {
	use super::*;

	#[test]
	fn election_outcome_sets_statuses_but_not_of_jailed_nodes() {
		ExtBuilder::default().with_alice(MIN_BOND).build_and_execute(|| {
			assert_ok!(register(BOB, MIN_BOND, BOB_PROOF));
			assert_ok!(register(CHARLIE, MIN_BOND, 103));
			Masternodes::slash_and_jail(&CHARLIE, Perbill::zero());
			Masternodes::set_active_set(&[ALICE, CHARLIE]);
			let status = |who| MasternodesStore::<Test>::get(who).unwrap().status;
			assert_eq!(status(ALICE), MasternodeStatus::Active);
			assert_eq!(status(BOB), MasternodeStatus::Idle);
			assert_eq!(status(CHARLIE), MasternodeStatus::Jailed);
			Masternodes::set_active_set(&[BOB]);
			assert_eq!(status(ALICE), MasternodeStatus::Idle);
			assert_eq!(status(BOB), MasternodeStatus::Active);
			assert_eq!(Masternodes::commission(&BOB), Perbill::from_percent(5));
			assert_eq!(Masternodes::commission(&4), Perbill::zero());
		});
	}
}
