//! Unit tests, grouped by topic. Every test ends with the pallet's invariants checked.

use crate::{mock::*, Claimable, EraPoints, Error, Event, Outstanding, TotalPoints};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use pallet_authorship::EventHandler;
use pop_primitives::{DelegatedStake, OnEraEnd, RewardPoints, RewardSettlement};
use sp_runtime::Perbill;

/// MN_A: bond 1_000, 10% commission, pool of 3_000 shares worth 3_000 (Dave 1_000 shares,
/// Eve 2_000). MN_B: bond 2_000, no commission, no backers.
fn two_masternodes() {
	Active::set(vec![(MN_A, 1_000, Perbill::from_percent(10)), (MN_B, 2_000, Perbill::zero())]);
	Pools::set(vec![(MN_A, 3_000, 3_000)]);
	Backers::set(vec![(DAVE, MN_A, 1_000), (EVE, MN_A, 2_000)]);
	// Both backers joined before any reward: their clocks start at zero.
	assert_ok!(Rewards::settle(&MN_A, &DAVE, 0));
	assert_ok!(Rewards::settle(&MN_A, &EVE, 0));
}

mod points {
	use super::*;

	#[test]
	fn only_active_masternodes_earn() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			Rewards::note_author(MN_A);
			Rewards::note_author(MN_A);
			Rewards::add_points(&MN_B, 7);
			Rewards::add_points(&DAVE, 100);
			assert_eq!(EraPoints::<Test>::get(MN_A), 40);
			assert_eq!(EraPoints::<Test>::get(MN_B), 7);
			assert_eq!(EraPoints::<Test>::get(DAVE), 0);
			assert_eq!(TotalPoints::<Test>::get(), 47);
		});
	}
}

mod payout {
	use super::*;

	#[test]
	fn splits_by_points_with_commission_to_the_unit() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(10_000);
			Rewards::add_points(&MN_A, 60);
			Rewards::add_points(&MN_B, 40);
			Rewards::on_era_end(0, &[MN_A, MN_B], 60_000);

			// MN_A: 6_000; commission 600; of the 5_400 left the backers get 3_000/4_000.
			assert_eq!(Claimable::<Test>::get(MN_A), 600 + 1_350);
			assert_eq!(Outstanding::<Test>::get(), 4_050);
			// MN_B: 4_000, all of it its operator's.
			assert_eq!(Claimable::<Test>::get(MN_B), 4_000);
			assert_eq!(
				reward_events(),
				vec![
					Event::MasternodeRewarded { masternode: MN_A, operator: 1_950, backers: 4_050 },
					Event::MasternodeRewarded { masternode: MN_B, operator: 4_000, backers: 0 },
					Event::EraPaid { era: 0, emission: 10_000, paid: 10_000 },
				]
			);
			assert_eq!(TotalPoints::<Test>::get(), 0);

			// Backers are paid per share when settled.
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 1_000));
			assert_ok!(Rewards::settle(&MN_A, &EVE, 2_000));
			assert_eq!(Claimable::<Test>::get(DAVE), 1_350);
			assert_eq!(Claimable::<Test>::get(EVE), 2_700);
			assert_eq!(Outstanding::<Test>::get(), 0);
			// Settling again earns nothing new.
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 1_000));
			assert_eq!(Claimable::<Test>::get(DAVE), 1_350);
		});
	}

	#[test]
	fn a_slashed_pool_earns_by_value_and_pays_per_share() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			// Half the pool's value was slashed; the shares are unchanged.
			Pools::set(vec![(MN_A, 3_000, 1_500)]);
			EmissionPerEra::set(6_000);
			Rewards::add_points(&MN_A, 1);
			Rewards::on_era_end(0, &[MN_A], 1);
			// 6_000 - 600 commission = 5_400; backers 1_500 / 2_500 of it.
			assert_eq!(Outstanding::<Test>::get(), 3_240);
			assert_eq!(Claimable::<Test>::get(MN_A), 600 + 2_160);
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 1_000));
			assert_eq!(Claimable::<Test>::get(DAVE), 1_080);
		});
	}

	#[test]
	fn a_backer_joining_later_earns_only_later_eras() {
		ExtBuilder::default().build_and_execute(|| {
			Active::set(vec![(MN_A, 0, Perbill::zero())]);
			Pools::set(vec![(MN_A, 1_000, 1_000)]);
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 0));
			EmissionPerEra::set(1_000);
			Rewards::add_points(&MN_A, 1);
			Rewards::on_era_end(0, &[MN_A], 1);
			// Eve joins now, with as many shares as Dave.
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 1_000));
			assert_ok!(Rewards::settle(&MN_A, &EVE, 0));
			Pools::set(vec![(MN_A, 2_000, 2_000)]);
			Rewards::add_points(&MN_A, 1);
			Rewards::on_era_end(1, &[MN_A], 1);
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 1_000));
			assert_ok!(Rewards::settle(&MN_A, &EVE, 1_000));
			assert_eq!(Claimable::<Test>::get(DAVE), 1_000 + 500);
			assert_eq!(Claimable::<Test>::get(EVE), 500);
		});
	}

	#[test]
	fn rounding_dust_stays_owed_and_the_pot_stays_solvent() {
		ExtBuilder::default().build_and_execute(|| {
			Active::set(vec![(MN_A, 0, Perbill::zero())]);
			Pools::set(vec![(MN_A, 3, 3)]);
			for who in [DAVE, EVE, MN_B] {
				assert_ok!(Rewards::settle(&MN_A, &who, 0));
			}
			EmissionPerEra::set(10);
			Rewards::add_points(&MN_A, 1);
			Rewards::on_era_end(0, &[MN_A], 1);
			for who in [DAVE, EVE, MN_B] {
				assert_ok!(Rewards::settle(&MN_A, &who, 1));
				assert_eq!(Claimable::<Test>::get(who), 3);
			}
			assert_eq!(Outstanding::<Test>::get(), 1);
		});
	}

	#[test]
	fn an_era_without_points_pays_nothing_and_carries_the_pot_over() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(1_000);
			Rewards::on_era_end(0, &[MN_A, MN_B], 1);
			assert_eq!(reward_events(), vec![Event::EraPaid { era: 0, emission: 1_000, paid: 0 }]);
			EmissionPerEra::set(0);
			Rewards::add_points(&MN_B, 5);
			Rewards::on_era_end(1, &[MN_A, MN_B], 1);
			assert_eq!(Claimable::<Test>::get(MN_B), 1_000);
		});
	}

	#[test]
	fn a_masternode_jailed_mid_era_forfeits_its_points_to_the_next_era() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(1_000);
			Rewards::add_points(&MN_A, 5);
			Rewards::add_points(&MN_B, 5);
			// MN_A is jailed: still in the era's active set, no longer active.
			Active::mutate(|active| active.retain(|(m, ..)| *m != MN_A));
			Rewards::on_era_end(0, &[MN_A, MN_B], 1);
			assert_eq!(Claimable::<Test>::get(MN_A), 0);
			assert_eq!(Outstanding::<Test>::get(), 0);
			assert_eq!(Claimable::<Test>::get(MN_B), 500);
			assert_eq!(EraPoints::<Test>::iter().count(), 0);
			// Its part stayed in the pot, owed to nobody: the next era pays it out.
			EmissionPerEra::set(0);
			Rewards::add_points(&MN_B, 1);
			Rewards::on_era_end(1, &[MN_B], 1);
			assert_eq!(Claimable::<Test>::get(MN_B), 1_000);
		});
	}

	#[test]
	fn a_reward_too_large_for_the_accumulator_is_never_lost() {
		ExtBuilder::default().build_and_execute(|| {
			// One share worth everything, and a reward whose per-share rate (10^21 POP-planck)
			// does not fit in a `FixedU128` (at most about 3.4 × 10^20).
			let reward: Balance = 1_000_000_000_000_000_000_000;
			Active::set(vec![(MN_A, 0, Perbill::zero()), (MN_B, 1, Perbill::zero())]);
			Pools::set(vec![(MN_A, 1, 1)]);
			Backers::set(vec![(DAVE, MN_A, 1)]);
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 0));
			EmissionPerEra::set(reward);
			Rewards::add_points(&MN_A, 1);
			Rewards::on_era_end(0, &[MN_A, MN_B], 1);

			// Everything owed to the backers can be claimed: nothing is owed that the
			// accumulator cannot pay.
			let owed = Outstanding::<Test>::get();
			assert!(owed > 0 && owed < reward);
			assert_eq!(Rewards::pending_rewards(&DAVE), owed);
			assert_ok!(Rewards::settle(&MN_A, &DAVE, 1));
			assert_eq!(Claimable::<Test>::get(DAVE), owed);
			assert_eq!(Outstanding::<Test>::get(), 0);
			assert!(reward_events().contains(&Event::MasternodeRewarded {
				masternode: MN_A,
				operator: 0,
				backers: owed
			}));

			// The rest stayed in the pot, owed to nobody, and the next era pays it out.
			EmissionPerEra::set(0);
			Rewards::add_points(&MN_B, 1);
			Rewards::on_era_end(1, &[MN_A, MN_B], 1);
			assert_eq!(Claimable::<Test>::get(MN_B), reward - owed);
		});
	}

	#[test]
	fn points_of_masternodes_that_left_the_active_set_are_forfeited() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(1_000);
			Rewards::add_points(&MN_A, 5);
			Rewards::add_points(&MN_B, 5);
			Rewards::on_era_end(0, &[MN_B], 1);
			assert_eq!(Claimable::<Test>::get(MN_B), 500);
			assert_eq!(Claimable::<Test>::get(MN_A), 0);
			assert_eq!(EraPoints::<Test>::iter().count(), 0);
		});
	}
}

mod claim {
	use super::*;

	#[test]
	fn pays_from_the_pot() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(10_000);
			Rewards::add_points(&MN_B, 1);
			Rewards::on_era_end(0, &[MN_B], 1);
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(MN_B)));
			assert_eq!(Balances::balance(&MN_B), 10 + 10_000);
			assert_eq!(Balances::balance(&POT), POT_ED);
			assert_eq!(Claimable::<Test>::get(MN_B), 0);
			assert_eq!(reward_events().last(), Some(&Event::Claimed { who: MN_B, amount: 10_000 }));
			assert_noop!(
				Rewards::claim(RuntimeOrigin::signed(MN_B)),
				Error::<Test>::NothingToClaim
			);
		});
	}

	#[test]
	fn backers_claim_what_their_delegations_earned_without_touching_them() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(10_000);
			Rewards::add_points(&MN_A, 1);
			Rewards::on_era_end(0, &[MN_A], 1);
			// Of MN_A's 10_000: commission 1_000, backers 9_000 × 3/4 = 6_750 over 3_000 shares.
			assert_eq!(Rewards::pending_rewards(&DAVE), 2_250);
			assert_eq!(Rewards::pending_rewards(&EVE), 4_500);
			assert_eq!(Rewards::pending_rewards(&MN_A), 3_250);
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(EVE)));
			assert_eq!(Balances::balance(&EVE), 10 + 4_500);
			assert_eq!(reward_events().last(), Some(&Event::Claimed { who: EVE, amount: 4_500 }));
			assert_eq!(Rewards::pending_rewards(&EVE), 0);
			// Dave's part is still owed, and still in the pot.
			assert_eq!(Outstanding::<Test>::get(), 2_250);
			assert_eq!(Rewards::pending_rewards(&DAVE), 2_250);
			assert_noop!(Rewards::claim(RuntimeOrigin::signed(EVE)), Error::<Test>::NothingToClaim);
		});
	}

	#[test]
	fn claim_weight_counts_only_the_callers_delegations() {
		use crate::WeightInfo;
		use frame_support::dispatch::{GetDispatchInfo, PostDispatchInfo};
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(10_000);
			Rewards::add_points(&MN_A, 1);
			Rewards::on_era_end(0, &[MN_A], 1);
			let call = crate::Call::<Test>::claim {};
			assert_eq!(
				call.get_dispatch_info().call_weight,
				<() as WeightInfo>::claim(MockPools::max_delegations_per_backer())
			);
			let post: PostDispatchInfo = Rewards::claim(RuntimeOrigin::signed(DAVE)).unwrap();
			assert_eq!(post.actual_weight, Some(<() as WeightInfo>::claim(1)));
		});
	}

	#[test]
	fn nothing_to_claim() {
		ExtBuilder::default().build_and_execute(|| {
			assert_noop!(
				Rewards::claim(RuntimeOrigin::signed(DAVE)),
				Error::<Test>::NothingToClaim
			);
		});
	}

	#[test]
	fn claims_never_expire() {
		ExtBuilder::default().build_and_execute(|| {
			two_masternodes();
			EmissionPerEra::set(100);
			Rewards::add_points(&MN_B, 1);
			Rewards::on_era_end(0, &[MN_B], 1);
			for era in 1..200 {
				Rewards::add_points(&MN_B, 1);
				Rewards::on_era_end(era, &[MN_B], 1);
			}
			assert_ok!(Rewards::claim(RuntimeOrigin::signed(MN_B)));
			assert_eq!(Balances::balance(&MN_B), 10 + 100 + 199 * 100);
		});
	}
}

mod properties {
	use super::*;
	use proptest::prelude::*;

	#[derive(Debug, Clone)]
	enum Op {
		Points(bool, u32),
		EraEnd(Balance),
		Settle(AccountId),
		Claim(AccountId),
		PoolChange(Balance, Balance),
	}

	fn op() -> impl Strategy<Value = Op> {
		prop_oneof![
			(any::<bool>(), 0u32..100).prop_map(|(a, p)| Op::Points(a, p)),
			(0u128..1_000_000).prop_map(Op::EraEnd),
			prop::sample::select(vec![DAVE, EVE]).prop_map(Op::Settle),
			prop::sample::select(vec![MN_A, MN_B, DAVE, EVE]).prop_map(Op::Claim),
			(1u128..10_000, 0u128..10_000).prop_map(|(s, v)| Op::PoolChange(s, v)),
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]
		#[test]
		fn random_sequences_keep_the_pot_solvent(ops in prop::collection::vec(op(), 1..60)) {
			ExtBuilder::default().build_and_execute(|| {
				two_masternodes();
				for (era, op) in ops.into_iter().enumerate() {
					match op {
						Op::Points(a, p) => Rewards::add_points(if a { &MN_A } else { &MN_B }, p),
						Op::EraEnd(emission) => {
							EmissionPerEra::set(emission);
							Rewards::on_era_end(era as u32, &[MN_A, MN_B], 1);
						},
						// Settling with more shares than earned would over-pay; the delegation
						// pallet always settles with the shares held, which the pool reflects.
						Op::Settle(who) => {
							let (_, shares) = MockPools::delegations_of(&who)[0];
							let _ = Rewards::settle(&MN_A, &who, shares);
						},
						Op::Claim(who) => { let _ = Rewards::claim(RuntimeOrigin::signed(who)); },
						Op::PoolChange(shares, value) => {
							// Shares only change after settling every backer, as in the real pool.
							for (who, _, old) in Backers::get() {
								let _ = Rewards::settle(&MN_A, &who, old);
							}
							Pools::set(vec![(MN_A, shares, value)]);
							Backers::set(vec![(DAVE, MN_A, shares / 3), (EVE, MN_A, shares - shares / 3)]);
						},
					}
					Rewards::do_try_state().unwrap();
				}
			});
		}
	}
}
