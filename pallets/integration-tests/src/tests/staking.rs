//! Staking under attack: masternodes → delegation → content → balances. An operator leaves
//! whatever its backers do, and stake answers for the faults of the masternode it backed
//! while it unbonds, however it left (undelegated, redelegated or deregistered).

use super::*;
use frame_support::{assert_noop, assert_ok};
use pallet_delegation::{Error as DelegationError, UnbondingPools};
use pallet_masternodes::HoldReason as MasternodeHold;
use pop_primitives::{EraIndex, MasternodeSlashing};

/// The masternode that leaves or goes offline.
const FAULTY: AccountId = MASTERNODES[2];
/// Its self-bond.
const FAULTY_BOND: Balance = BONDS[2];
/// What the backer delegates to it at genesis.
const DELEGATED: Balance = 2_000;

/// The backer's `Delegation` hold.
fn backer_held() -> Balance {
	held(pallet_delegation::HoldReason::Delegation, BACKER)
}

/// Runs blocks until `masternode` has a fault: a missed challenge it could see coming.
fn run_until_first_fault(masternode: AccountId) {
	run_until(100, || {
		content_events().into_iter().find_map(|event| match event {
			ContentEvent::FaultRecorded { masternode: faulted, .. } if faulted == masternode => {
				Some(())
			}
			_ => None,
		})
	})
}

/// The value left in `masternode`'s unbonding pool for `unlock_era`.
fn unbonding_value(masternode: AccountId, unlock_era: EraIndex) -> Balance {
	UnbondingPools::<Runtime>::get(masternode, unlock_era).expect("the stake is unbonding").value
}

#[test]
fn deregister_succeeds_with_backers_who_withdraw_after_the_unbonding_period() {
	ExtBuilder::default().delegate(BACKER, FAULTY, DELEGATED).build_and_execute(|| {
		let unlock_era = current_era() + BONDING_DURATION;
		assert_ok!(Masternodes::deregister(RuntimeOrigin::signed(FAULTY)));
		let withdraw =
			|| Delegation::withdraw_closed(RuntimeOrigin::signed(BACKER), BACKER, FAULTY);
		// Not before the unbonding period is over.
		run_to_era(unlock_era - 1);
		assert_noop!(withdraw(), DelegationError::<Runtime>::StillUnbonding);

		run_to_era(unlock_era);
		let free = Balances::free_balance(BACKER);
		assert_ok!(withdraw());
		assert_eq!(Balances::free_balance(BACKER), free + DELEGATED);
		assert_eq!(backer_held(), 0);
		let operator_free = Balances::free_balance(FAULTY);
		assert_ok!(Masternodes::withdraw_unbonded(RuntimeOrigin::signed(FAULTY)));
		assert_eq!(Balances::free_balance(FAULTY), operator_free + FAULTY_BOND);
	});
}

#[test]
fn stake_unbonded_before_a_fault_is_slashed_with_the_bond() {
	ExtBuilder::default().delegate(BACKER, FAULTY, DELEGATED).build_and_execute(|| {
		store_on_offline_masternode(FAULTY, 1);
		run_until_first_fault(FAULTY);
		// Both see the punishment coming and start to leave.
		let unlock_era = current_era() + BONDING_DURATION;
		assert_ok!(Masternodes::unbond(RuntimeOrigin::signed(FAULTY), 1_000));
		assert_ok!(Delegation::undelegate(RuntimeOrigin::signed(BACKER), FAULTY, 1_000));

		let slashed = run_until_punished(FAULTY);
		assert!(current_era() < unlock_era, "punished while the stake is still unbonding");
		let fraction = SlashFraction::get();
		assert_eq!(slashed, fraction * (FAULTY_BOND - 1_000) + fraction * 1_000);
		assert_eq!(
			pallet_masternodes::Unbonding::<Runtime>::get(FAULTY)[0].amount,
			1_000 - fraction * 1_000
		);
		assert_eq!(held(MasternodeHold::SelfBond, FAULTY), FAULTY_BOND - slashed);
		assert_eq!(unbonding_value(FAULTY, unlock_era), 1_000 - fraction * 1_000);

		run_to_era(unlock_era);
		let free = Balances::free_balance(BACKER);
		assert_ok!(Delegation::withdraw_unbonded(RuntimeOrigin::signed(BACKER)));
		assert_eq!(Balances::free_balance(BACKER), free + 1_000 - fraction * 1_000);
	});
}

#[test]
fn a_deregistered_masternode_still_answers_for_its_open_challenges() {
	ExtBuilder::default().delegate(BACKER, FAULTY, DELEGATED).build_and_execute(|| {
		let unlock_era = current_era() + BONDING_DURATION;
		assert_ok!(Masternodes::deregister(RuntimeOrigin::signed(FAULTY)));
		// A challenge it had open expires after it left: the content pallet punishes it as
		// it punishes any holder at the fault threshold.
		let fraction = SlashFraction::get();
		let slashed = <Masternodes as MasternodeSlashing<AccountId, Balance>>::slash_and_jail(
			&FAULTY, fraction,
		);
		assert_eq!(slashed, fraction * FAULTY_BOND);
		assert_eq!(held(MasternodeHold::SelfBond, FAULTY), FAULTY_BOND - slashed);
		assert_eq!(pool(FAULTY), (DELEGATED, DELEGATED - fraction * DELEGATED));

		run_to_era(unlock_era);
		let free = Balances::free_balance(BACKER);
		assert_ok!(Delegation::withdraw_closed(RuntimeOrigin::signed(CREATOR), BACKER, FAULTY));
		assert_eq!(Balances::free_balance(BACKER), free + DELEGATED - fraction * DELEGATED);
		assert_eq!(backer_held(), 0);
	});
}

#[test]
fn redelegating_before_the_deadline_does_not_escape_the_slash() {
	let safe = MASTERNODES[0];
	ExtBuilder::default().delegate(BACKER, FAULTY, DELEGATED).build_and_execute(|| {
		store_on_offline_masternode(FAULTY, 1);
		run_until_first_fault(FAULTY);
		// The backer sees the punishment coming and moves everything to a safe masternode.
		let unlock_era = current_era() + BONDING_DURATION;
		assert_ok!(Delegation::redelegate(RuntimeOrigin::signed(BACKER), FAULTY, safe, DELEGATED));
		assert_eq!(pool(FAULTY), (0, 0));

		run_until_punished(FAULTY);
		assert!(current_era() < unlock_era, "punished while the stake is still unbonding");
		let fraction = SlashFraction::get();
		assert_eq!(unbonding_value(FAULTY, unlock_era), DELEGATED - fraction * DELEGATED);

		// It joins the safe masternode once unlocked, less the slash.
		run_to_era(unlock_era);
		assert_ok!(Delegation::withdraw_unbonded(RuntimeOrigin::signed(BACKER)));
		assert_eq!(
			pool(safe),
			(DELEGATED - fraction * DELEGATED, DELEGATED - fraction * DELEGATED)
		);
		assert_eq!(backer_held(), DELEGATED - fraction * DELEGATED);
	});
}
