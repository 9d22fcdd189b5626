//! Unit tests, grouped by topic. Every test ends with both pallets' invariants checked.

use crate::{
	mock::*, ActiveSet, ClosedPools, CurrentEra, Delegations, Error, Event, Pools, Unbonding,
	UnbondingPools,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use pop_primitives::{DelegatedStake, MasternodeSlashing};
use sp_runtime::{Perbill, TokenError};

fn delegate(who: AccountId, masternode: AccountId, amount: Balance) -> sp_runtime::DispatchResult {
	Delegation::delegate(RuntimeOrigin::signed(who), masternode, amount)
}

fn undelegate(
	who: AccountId,
	masternode: AccountId,
	amount: Balance,
) -> sp_runtime::DispatchResult {
	Delegation::undelegate(RuntimeOrigin::signed(who), masternode, amount)
}

fn withdraw(who: AccountId) -> sp_runtime::DispatchResult {
	Delegation::withdraw_unbonded(RuntimeOrigin::signed(who))
}

fn withdraw_closed(
	caller: AccountId,
	who: AccountId,
	masternode: AccountId,
) -> sp_runtime::DispatchResult {
	Delegation::withdraw_closed(RuntimeOrigin::signed(caller), who, masternode)
}

fn deregister(masternode: AccountId) -> sp_runtime::DispatchResult {
	Masternodes::deregister(RuntimeOrigin::signed(masternode))
}

/// The POP a delegation is worth now.
fn worth(who: AccountId, masternode: AccountId) -> Balance {
	let delegation = Delegations::<Test>::get(who, masternode).unwrap();
	let (shares, value) = Delegation::pool(&masternode);
	delegation.shares * value / shares
}

mod delegate {
	use super::*;

	#[test]
	fn holds_the_pop_and_issues_shares() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_eq!(held(DAVE), 1_000);
			assert_eq!(Balances::balance(&DAVE), ENDOWMENT - 1_000);
			assert_eq!(Delegation::pool(&MN_A), (1_000, 1_000));
			assert!(Delegation::has_delegators(&MN_A));
			assert_ok!(delegate(DAVE, MN_A, 500));
			assert_eq!(Delegation::pool(&MN_A), (1_500, 1_500));
			assert_eq!(crate::DelegationCount::<Test>::get(DAVE), 1);
			assert_eq!(
				delegation_events(),
				vec![
					Event::Delegated { delegator: DAVE, masternode: MN_A, amount: 1_000 },
					Event::Delegated { delegator: DAVE, masternode: MN_A, amount: 500 },
				]
			);
			// Rewards are settled before each change: first at zero shares, then at 1_000.
			assert_eq!(Settlements::get(), vec![(MN_A, DAVE, 0), (MN_A, DAVE, 1_000)]);
		});
	}

	#[test]
	fn errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(delegate(DAVE, MN_A, 0), Error::<Test>::ZeroAmount);
			assert_noop!(delegate(DAVE, MN_C, 500), Error::<Test>::UnknownMasternode);
			assert_noop!(delegate(DAVE, MN_A, MIN_DELEGATION - 1), Error::<Test>::BelowMinimum);
			assert_noop!(delegate(DAVE, MN_A, ENDOWMENT + 1), TokenError::FundsUnavailable);
		});
	}

	#[test]
	fn bounds_per_delegator_and_per_masternode() {
		ExtBuilder::default()
			.masternodes(vec![(MN_A, 5_000), (MN_B, 5_000), (MN_C, 5_000)])
			.build_and_execute(|| {
				assert_ok!(delegate(DAVE, MN_A, 100));
				assert_ok!(delegate(DAVE, MN_B, 100));
				assert_noop!(delegate(DAVE, MN_C, 100), Error::<Test>::TooManyDelegations);
				// Topping up an existing delegation is not a new one.
				assert_ok!(delegate(DAVE, MN_B, 100));

				assert_ok!(delegate(EVE, MN_A, 100));
				assert_ok!(delegate(FERDIE, MN_A, 100));
				assert_noop!(delegate(13, MN_A, 100), Error::<Test>::TooManyDelegators);
			});
	}
}

mod undelegate {
	use super::*;

	#[test]
	fn unbonds_across_eras_then_withdraws() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_ok!(undelegate(DAVE, MN_A, 400));
			assert_eq!(Delegation::pool(&MN_A), (600, 600));
			assert_eq!(held(DAVE), 1_000);
			assert_noop!(
				Delegation::withdraw_unbonded(RuntimeOrigin::signed(DAVE)),
				Error::<Test>::NothingToWithdraw
			);

			CurrentEra::<Test>::put(1);
			assert_ok!(undelegate(DAVE, MN_A, 600));
			assert!(Delegations::<Test>::get(DAVE, MN_A).is_none());
			assert!(!Delegation::has_delegators(&MN_A));
			assert_eq!(Forgotten::get(), vec![(MN_A, DAVE)]);
			assert_eq!(Unbonding::<Test>::get(DAVE).len(), 2);

			CurrentEra::<Test>::put(2);
			assert_ok!(Delegation::withdraw_unbonded(RuntimeOrigin::signed(DAVE)));
			assert_eq!(held(DAVE), 600);
			CurrentEra::<Test>::put(3);
			assert_ok!(Delegation::withdraw_unbonded(RuntimeOrigin::signed(DAVE)));
			assert_eq!(held(DAVE), 0);
			assert_eq!(Balances::balance(&DAVE), ENDOWMENT);
			assert_eq!(
				delegation_events()[1..],
				[
					Event::Undelegated {
						delegator: DAVE,
						masternode: MN_A,
						amount: 400,
						unlock_era: 2
					},
					Event::Undelegated {
						delegator: DAVE,
						masternode: MN_A,
						amount: 600,
						unlock_era: 3
					},
					Event::Withdrawn { delegator: DAVE, amount: 400 },
					Event::Withdrawn { delegator: DAVE, amount: 600 },
				]
			);
		});
	}

	#[test]
	fn errors() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(undelegate(DAVE, MN_A, 10), Error::<Test>::NotDelegated);
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_noop!(undelegate(DAVE, MN_A, 0), Error::<Test>::ZeroAmount);
			assert_noop!(undelegate(DAVE, MN_A, 1_001), Error::<Test>::InsufficientDelegation);
			// 950 would leave 50, below the minimum of 100.
			assert_noop!(undelegate(DAVE, MN_A, 950), Error::<Test>::BelowMinimum);
			for era in 0..3 {
				CurrentEra::<Test>::put(era);
				assert_ok!(undelegate(DAVE, MN_A, 100));
			}
			CurrentEra::<Test>::put(3);
			assert_noop!(undelegate(DAVE, MN_A, 100), Error::<Test>::TooManyUnbondingChunks);
		});
	}

	#[test]
	fn undelegated_stake_answers_for_slashes_until_it_unlocks() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			// Unlocks in era 2.
			assert_ok!(undelegate(DAVE, MN_A, 400));
			CurrentEra::<Test>::put(1);
			let issuance = Balances::total_issuance();
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(10));
			// The self-bond and the pool lose 10%, and so does the stake on its way out.
			assert_eq!(Balances::total_issuance(), issuance - 500);
			assert_eq!(Delegation::pool(&MN_A), (600, 540));
			assert_eq!(UnbondingPools::<Test>::get(MN_A, 2).unwrap().value, 360);
			assert_eq!(held(DAVE), 1_000);

			CurrentEra::<Test>::put(2);
			// Unlocked: no longer at stake.
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(10));
			assert_ok!(withdraw(DAVE));
			assert_eq!(Balances::total_issuance(), issuance - 500 - 450 - 40);
			// The delegation's own pending slash waits until it is touched.
			assert_eq!(held(DAVE), 600);
			assert_eq!(Balances::balance(&DAVE), ENDOWMENT - 1_000 + 360);
			assert!(UnbondingPools::<Test>::iter().next().is_none());
			assert_eq!(
				delegation_events()[delegation_events().len() - 2..],
				[
					Event::SlashApplied { delegator: DAVE, masternode: MN_A, amount: 40 },
					Event::Withdrawn { delegator: DAVE, amount: 360 },
				]
			);
		});
	}

	#[test]
	fn stake_leaving_after_a_slash_buys_in_at_the_slashed_price() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_ok!(delegate(EVE, MN_A, 1_000));
			assert_ok!(undelegate(DAVE, MN_A, 1_000));
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(50));
			// Eve leaves after the slash, into the same unbonding pool: she loses what her
			// delegation lost, no more.
			assert_ok!(undelegate(EVE, MN_A, 500));
			assert_eq!(held(EVE), 500);
			CurrentEra::<Test>::put(2);
			assert_ok!(withdraw(DAVE));
			assert_ok!(withdraw(EVE));
			assert_eq!(Balances::balance(&DAVE), ENDOWMENT - 500);
			assert_eq!(Balances::balance(&EVE), ENDOWMENT - 500);
		});
	}
}

mod deregister {
	use super::*;

	#[test]
	fn backers_do_not_block_it_and_withdraw_after_the_unbonding_period() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_ok!(delegate(EVE, MN_A, 500));
			assert_ok!(deregister(MN_A));
			assert_eq!(ClosedPools::<Test>::get(MN_A), Some(2));
			assert!(delegation_events()
				.contains(&Event::PoolClosed { masternode: MN_A, unlock_era: 2 }));
			// The stake is unbonding: it cannot move, and nobody can join.
			assert_noop!(undelegate(DAVE, MN_A, 100), Error::<Test>::PoolClosed);
			assert_noop!(
				Delegation::redelegate(RuntimeOrigin::signed(DAVE), MN_A, MN_B, 100),
				Error::<Test>::PoolClosed
			);
			assert_noop!(delegate(FERDIE, MN_A, 100), Error::<Test>::UnknownMasternode);
			assert_noop!(withdraw_closed(DAVE, DAVE, MN_B), Error::<Test>::PoolNotClosed);
			// Not before the unbonding period is over.
			for era in 0..2 {
				CurrentEra::<Test>::put(era);
				assert_noop!(withdraw_closed(DAVE, DAVE, MN_A), Error::<Test>::StillUnbonding);
			}
			// The account registers again only once its former backers are gone.
			let register = || {
				Masternodes::register(
					RuntimeOrigin::signed(MN_A),
					MIN_BOND,
					b"https://mn.example".to_vec(),
					200,
					1 << 30,
					Perbill::zero(),
				)
			};
			assert_noop!(register(), pallet_masternodes::Error::<Test>::StillDelegated);

			CurrentEra::<Test>::put(2);
			assert_noop!(withdraw_closed(FERDIE, FERDIE, MN_A), Error::<Test>::NotDelegated);
			assert_ok!(withdraw_closed(DAVE, DAVE, MN_A));
			assert_eq!(held(DAVE), 0);
			assert_eq!(Balances::balance(&DAVE), ENDOWMENT);
			// Anyone may release a backer, so none can keep the pool alive.
			assert_ok!(withdraw_closed(FERDIE, EVE, MN_A));
			assert_eq!(Balances::balance(&EVE), ENDOWMENT);
			assert_eq!(Forgotten::get(), vec![(MN_A, DAVE), (MN_A, EVE)]);
			assert!(!Delegation::has_delegators(&MN_A));
			assert_eq!(ClosedPools::<Test>::get(MN_A), None);
			assert_ok!(register());
			assert_ok!(delegate(FERDIE, MN_A, 100));
		});
	}

	#[test]
	fn a_backer_with_a_full_unbonding_queue_blocks_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_B, 1_000));
			for era in 0..3 {
				CurrentEra::<Test>::put(era);
				assert_ok!(undelegate(DAVE, MN_B, 100));
			}
			CurrentEra::<Test>::put(3);
			assert_noop!(undelegate(DAVE, MN_B, 100), Error::<Test>::TooManyUnbondingChunks);
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_ok!(deregister(MN_A));
			CurrentEra::<Test>::put(5);
			assert_ok!(withdraw_closed(DAVE, DAVE, MN_A));
		});
	}

	#[test]
	fn a_closed_pool_answers_for_the_masternode_until_it_unlocks() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_ok!(deregister(MN_A));
			// A challenge it had open expires after it left.
			CurrentEra::<Test>::put(1);
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(10));
			assert_eq!(Pools::<Test>::get(MN_A).unwrap().value, 900);
			CurrentEra::<Test>::put(2);
			// Unlocked: no longer at stake.
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(10));
			assert_eq!(Pools::<Test>::get(MN_A).unwrap().value, 900);
			assert_ok!(withdraw_closed(DAVE, DAVE, MN_A));
			assert_eq!(Balances::balance(&DAVE), ENDOWMENT - 100);
			assert!(delegation_events().contains(&Event::SlashApplied {
				delegator: DAVE,
				masternode: MN_A,
				amount: 100
			}));
		});
	}
}

mod redelegate {
	use super::*;

	#[test]
	fn goes_through_unbonding_and_answers_for_the_old_pool() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			// The backer sees a missed challenge coming and moves away before the slash.
			assert_ok!(Delegation::redelegate(RuntimeOrigin::signed(DAVE), MN_A, MN_B, 400));
			assert_eq!(Delegation::pool(&MN_A), (600, 600));
			assert_eq!(Delegation::pool(&MN_B), (0, 0));
			assert_eq!(held(DAVE), 1_000);
			assert_eq!(
				delegation_events().last(),
				Some(&Event::Redelegated {
					delegator: DAVE,
					from: MN_A,
					to: MN_B,
					amount: 400,
					unlock_era: 2
				})
			);
			CurrentEra::<Test>::put(1);
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(50));
			assert_noop!(withdraw(DAVE), Error::<Test>::NothingToWithdraw);

			// Unlocked: what the slash left joins the new masternode.
			CurrentEra::<Test>::put(2);
			assert_ok!(withdraw(DAVE));
			assert_eq!(Delegation::pool(&MN_B), (200, 200));
			assert_eq!(worth(DAVE, MN_B), 200);
			assert_eq!(held(DAVE), 600 + 200);
			assert!(Unbonding::<Test>::get(DAVE).is_empty());
			assert_eq!(
				delegation_events()[delegation_events().len() - 3..],
				[
					Event::SlashApplied { delegator: DAVE, masternode: MN_A, amount: 200 },
					Event::Delegated { delegator: DAVE, masternode: MN_B, amount: 200 },
					Event::Withdrawn { delegator: DAVE, amount: 0 },
				]
			);
		});
	}

	#[test]
	fn is_released_when_the_new_masternode_cannot_take_it() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_ok!(Delegation::redelegate(RuntimeOrigin::signed(DAVE), MN_A, MN_B, 400));
			assert_ok!(deregister(MN_B));
			CurrentEra::<Test>::put(2);
			assert_ok!(withdraw(DAVE));
			assert_eq!(held(DAVE), 600);
			assert_eq!(Balances::balance(&DAVE), ENDOWMENT - 600);
			assert!(delegation_events().contains(&Event::RedelegationFailed {
				delegator: DAVE,
				masternode: MN_B,
				amount: 400,
				error: Error::<Test>::UnknownMasternode.into(),
			}));
		});
	}

	#[test]
	fn errors() {
		ExtBuilder::default().build_and_execute(|| {
			let redelegate = |from, to, amount| {
				Delegation::redelegate(RuntimeOrigin::signed(DAVE), from, to, amount)
			};
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_noop!(redelegate(MN_A, MN_A, 10), Error::<Test>::SameMasternode);
			assert_noop!(redelegate(MN_B, MN_A, 100), Error::<Test>::NotDelegated);
			assert_noop!(redelegate(MN_A, MN_C, 100), Error::<Test>::UnknownMasternode);
			assert_noop!(redelegate(MN_A, MN_B, 50), Error::<Test>::BelowMinimum);
			assert_noop!(redelegate(MN_A, MN_B, 2_000), Error::<Test>::InsufficientDelegation);
		});
	}
}

mod slashing {
	use super::*;

	#[test]
	fn lowers_the_share_value_of_every_backer_at_once() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			assert_ok!(delegate(EVE, MN_A, 3_000));
			let issuance = Balances::total_issuance();
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(10));
			// Self-bond burned at once: 10% of 5_000.
			assert_eq!(Balances::total_issuance(), issuance - 500);
			assert_eq!(Delegation::pool(&MN_A), (4_000, 3_600));
			assert_eq!(worth(DAVE, MN_A), 900);
			assert_eq!(worth(EVE, MN_A), 2_700);

			// Dave's hold follows when he touches his delegation.
			assert_ok!(undelegate(DAVE, MN_A, 900));
			assert_eq!(held(DAVE), 900);
			assert_eq!(Balances::total_issuance(), issuance - 600);
			assert!(delegation_events().contains(&Event::SlashApplied {
				delegator: DAVE,
				masternode: MN_A,
				amount: 100
			}));
			// Eve's still counts her full principal until she is touched.
			assert_eq!(held(EVE), 3_000);
			assert_ok!(delegate(EVE, MN_A, 100));
			assert_eq!(held(EVE), 2_800);
		});
	}

	#[test]
	fn new_backers_buy_in_at_the_slashed_share_price() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			Masternodes::slash_and_jail(&MN_A, Perbill::from_percent(50));
			assert_ok!(delegate(EVE, MN_A, 1_000));
			assert_eq!(Delegation::pool(&MN_A), (3_000, 1_500));
			assert_eq!(worth(EVE, MN_A), 1_000);
			assert_eq!(worth(DAVE, MN_A), 500);
		});
	}

	#[test]
	fn a_pool_slashed_to_nothing_takes_no_new_backers() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(delegate(DAVE, MN_A, 1_000));
			Masternodes::slash_and_jail(&MN_A, Perbill::one());
			assert_noop!(delegate(EVE, MN_A, 1_000), Error::<Test>::PoolWipedOut);
			// Dave can still leave: the worthless delegation is removed, its POP burned.
			assert_ok!(undelegate(DAVE, MN_A, 1));
			assert!(Delegations::<Test>::get(DAVE, MN_A).is_none());
			assert_eq!(held(DAVE), 0);
			assert!(Unbonding::<Test>::get(DAVE).is_empty());
			assert!(!Delegation::has_delegators(&MN_A));
		});
	}
}

mod election {
	use super::*;

	#[test]
	fn picks_the_best_backed_and_breaks_ties_by_account() {
		ExtBuilder::default()
			.masternodes(vec![(MN_A, 2_000), (MN_B, 2_000), (MN_C, 2_000), (4, 1_000)])
			.max_active(2)
			.build_and_execute(|| {
				assert_ok!(delegate(DAVE, MN_C, 500));
				WithSessionKeys::set(vec![MN_A, MN_B, MN_C]);
				NowMs::set(60_000);
				// Session 1 is inside era 0; session 2 starts era 1.
				assert_eq!(start_session(1), None);
				assert_eq!(start_session(2), Some(vec![MN_C, MN_A]));
				assert_eq!(CurrentEra::<Test>::get(), 1);
				assert_eq!(ActiveSet::<Test>::get().into_inner(), vec![MN_C, MN_A]);
				assert!(<Masternodes as pop_primitives::MasternodeRegistry<_, _>>::is_active(
					&MN_C
				));
				assert!(!<Masternodes as pop_primitives::MasternodeRegistry<_, _>>::is_active(
					&MN_B
				));
				assert_eq!(EraEnds::get().len(), 1);
				assert_eq!(EraEnds::get()[0].2, 60_000);
				assert_eq!(
					delegation_events().last(),
					Some(&Event::EraStarted {
						era: 1,
						active: vec![MN_C, MN_A],
						validators: vec![MN_C, MN_A]
					})
				);
			});
	}

	#[test]
	fn validators_need_session_keys_and_are_capped() {
		ExtBuilder::default()
			.masternodes(vec![(MN_A, 3_000), (MN_B, 2_000), (MN_C, 1_000)])
			.build_and_execute(|| {
				WithSessionKeys::set(vec![MN_B, MN_C]);
				assert_eq!(start_session(2), Some(vec![MN_B, MN_C]));
				MaxValidators::set(1);
				assert_eq!(start_session(4), Some(vec![MN_B]));
			});
	}

	#[test]
	fn keeps_the_old_validators_when_none_qualifies() {
		ExtBuilder::default().build_and_execute(|| {
			// Nobody has session keys.
			assert_eq!(start_session(2), None);
			// No candidates at all: jailed masternodes are not electable.
			WithSessionKeys::set(vec![MN_A, MN_B]);
			Masternodes::slash_and_jail(&MN_A, Perbill::zero());
			Masternodes::slash_and_jail(&MN_B, Perbill::zero());
			assert_eq!(start_session(4), None);
			assert!(ActiveSet::<Test>::get().is_empty());
			assert_eq!(CurrentEra::<Test>::get(), 2);
		});
	}

	#[test]
	fn genesis_elects_and_delegates() {
		ExtBuilder::default().delegations(vec![(DAVE, MN_B, 5_000)]).build_and_execute(|| {
			assert_eq!(ActiveSet::<Test>::get().into_inner(), vec![MN_B, MN_A]);
			assert_eq!(held(DAVE), 5_000);
			assert_eq!(crate::SessionLength::<Test>::get(), 10);
			assert_eq!(<crate::EpochDuration<Test> as frame_support::traits::Get<u64>>::get(), 10);
		});
	}

	#[test]
	fn the_first_era_starts_at_the_first_timestamp() {
		ExtBuilder::default().build_and_execute(|| {
			use frame_support::traits::Hooks;
			NowMs::set(1_000);
			Delegation::on_finalize(1);
			NowMs::set(5_000);
			Delegation::on_finalize(2);
			assert_eq!(crate::EraStartedAt::<Test>::get(), 1_000);
		});
	}
}

mod properties {
	use super::*;
	use proptest::prelude::*;

	#[derive(Debug, Clone)]
	enum Op {
		Delegate(AccountId, AccountId, Balance),
		Undelegate(AccountId, AccountId, Balance),
		Redelegate(AccountId, AccountId, AccountId, Balance),
		Withdraw(AccountId),
		WithdrawClosed(AccountId, AccountId),
		Deregister(AccountId),
		Slash(AccountId, u32),
		NextEra,
	}

	fn op() -> impl Strategy<Value = Op> {
		let who = 10u64..14;
		let mn = 1u64..4;
		let amount = 1u128..3_000;
		prop_oneof![
			(who.clone(), mn.clone(), amount.clone()).prop_map(|(w, m, a)| Op::Delegate(w, m, a)),
			(who.clone(), mn.clone(), amount.clone()).prop_map(|(w, m, a)| Op::Undelegate(w, m, a)),
			(who.clone(), mn.clone(), mn.clone(), amount)
				.prop_map(|(w, f, t, a)| Op::Redelegate(w, f, t, a)),
			who.clone().prop_map(Op::Withdraw),
			(who.clone(), mn.clone()).prop_map(|(w, m)| Op::WithdrawClosed(w, m)),
			mn.clone().prop_map(Op::Deregister),
			(mn, 0u32..60).prop_map(|(m, p)| Op::Slash(m, p)),
			Just(Op::NextEra),
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]
		#[test]
		fn random_call_sequences_keep_the_invariants(ops in prop::collection::vec(op(), 1..40)) {
			ExtBuilder::default()
				.masternodes(vec![(MN_A, 5_000), (MN_B, 3_000), (MN_C, 2_000)])
				.build_and_execute(|| {
					let mut session = 0;
					for op in ops {
						// Failed calls must change nothing; successful ones keep the invariants.
						let _ = match op {
							Op::Delegate(w, m, a) => delegate(w, m, a),
							Op::Undelegate(w, m, a) => undelegate(w, m, a),
							Op::Redelegate(w, f, t, a) =>
								Delegation::redelegate(RuntimeOrigin::signed(w), f, t, a),
							Op::Withdraw(w) => withdraw(w),
							Op::WithdrawClosed(w, m) => withdraw_closed(w, w, m),
							Op::Deregister(m) => deregister(m),
							Op::Slash(m, p) => {
								Masternodes::slash_and_jail(&m, Perbill::from_percent(p));
								Ok(())
							},
							Op::NextEra => {
								session += 2;
								start_session(session);
								Ok(())
							},
						};
						Masternodes::do_try_state().unwrap();
						Delegation::do_try_state().unwrap();
					}
				});
		}
	}
}
