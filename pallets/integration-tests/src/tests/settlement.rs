//! Backer settlement after a slash: content → masternodes → delegation → rewards → balances.
//! A backer who delegated before the slash leaves with what its shares are still worth; the
//! slashed part is burned from its hold, the rest comes back after the bonding duration, and
//! the rewards its shares earned before are still paid.

use super::*;
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use pallet_delegation::{Error as DelegationError, Event as DelegationEvent, HoldReason};

/// The masternode whose sidecar goes offline.
const FAULTY: AccountId = MASTERNODES[2];
/// What the backer delegates to it at genesis.
const DELEGATED: Balance = 2_000;

#[test]
fn a_backer_of_a_slashed_masternode_gets_back_what_its_shares_are_worth() {
	ExtBuilder::default().delegate(BACKER, FAULTY, DELEGATED).build_and_execute(|| {
		// Fees fill the reward pot, so the masternode earns for its backer before the slash.
		pay_fees(CREATOR, 100_000);
		store_on_offline_masternode(FAULTY, 1);
		run_until_punished(FAULTY);
		let lost = SlashFraction::get() * DELEGATED;
		let worth = DELEGATED - lost;
		assert_eq!(pool(FAULTY), (DELEGATED, worth));
		assert_eq!(Balances::free_balance(BACKER), ENDOWMENT - DELEGATED);
		let earned = Rewards::pending_rewards(&BACKER);
		assert!(earned > 0, "the masternode earned for its backer before the slash");

		// The backer can take out only what its shares are worth now.
		let backer = RuntimeOrigin::signed(BACKER);
		assert_noop!(
			Delegation::undelegate(backer.clone(), FAULTY, DELEGATED),
			DelegationError::<Runtime>::InsufficientDelegation
		);
		let issuance = Balances::total_issuance();
		assert_ok!(Delegation::undelegate(backer.clone(), FAULTY, worth));
		let unlock_era = current_era() + BONDING_DURATION;
		let events = events::<DelegationEvent<Runtime>>();
		assert!(events.ends_with(&[
			DelegationEvent::SlashApplied { delegator: BACKER, masternode: FAULTY, amount: lost },
			DelegationEvent::Undelegated {
				delegator: BACKER,
				masternode: FAULTY,
				amount: worth,
				unlock_era,
			},
		]));
		// The slashed part is burned from the hold, the rest stays held while unbonding.
		assert_eq!(Balances::total_issuance(), issuance - lost);
		assert_eq!(held(HoldReason::Delegation, BACKER), worth);
		assert_eq!(pool(FAULTY), (0, 0));
		// Leaving settled the rewards its shares earned.
		assert_eq!(pallet_rewards::Claimable::<Runtime>::get(BACKER), earned);

		assert_noop!(
			Delegation::withdraw_unbonded(backer.clone()),
			DelegationError::<Runtime>::NothingToWithdraw
		);
		run_to_era(unlock_era - 1);
		assert_noop!(
			Delegation::withdraw_unbonded(backer.clone()),
			DelegationError::<Runtime>::NothingToWithdraw
		);
		run_to_era(unlock_era);
		assert_ok!(Delegation::withdraw_unbonded(backer.clone()));
		assert_eq!(held(HoldReason::Delegation, BACKER), 0);
		assert_eq!(Balances::free_balance(BACKER), ENDOWMENT - lost);

		let pot = PopToken::pot();
		let pot_balance = Balances::balance(&pot);
		assert_ok!(Rewards::claim(backer));
		assert_eq!(Balances::balance(&pot), pot_balance - earned);
		assert_eq!(Balances::total_balance(&BACKER), ENDOWMENT - lost + earned);
		assert_eq!(Balances::free_balance(BACKER), ENDOWMENT - lost + earned);
	});
}
