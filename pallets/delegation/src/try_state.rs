//! The pallet's invariants (listed in the crate docs), checked by `try_state` and after every
//! test.

use crate::{
	BalanceOf, Config, DelegationCount, Delegations, HoldReason, Pallet, Pools, Unbonding,
};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use pop_primitives::MasternodeRegistry;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants (see the crate docs).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut pools: BTreeMap<T::AccountId, (BalanceOf<T>, BalanceOf<T>, u32)> = BTreeMap::new();
		let mut per_delegator: BTreeMap<T::AccountId, (BalanceOf<T>, u32)> = BTreeMap::new();
		for (delegator, masternode, delegation) in Delegations::<T>::iter() {
			ensure!(
				T::Masternodes::self_bond(&masternode).is_some(),
				"delegation to an unregistered masternode"
			);
			let entry = pools.entry(masternode).or_default();
			entry.0 = entry.0.saturating_add(delegation.shares);
			entry.1 = entry.1.saturating_add(delegation.principal);
			entry.2 += 1;
			let entry = per_delegator.entry(delegator).or_default();
			entry.0 = entry.0.saturating_add(delegation.principal);
			entry.1 += 1;
		}
		ensure!(Pools::<T>::iter().count() == pools.len(), "pool without delegations");
		for (masternode, (shares, principals, count)) in pools {
			let pool = Pools::<T>::get(&masternode).ok_or("delegations without a pool")?;
			ensure!(pool.shares == shares, "pool shares differ from the delegations' shares");
			ensure!(pool.delegators == count, "pool delegator count out of sync");
			// Shares round down, so settled principals may fall one planck per backer short.
			ensure!(
				pool.value <= principals.saturating_add(count.into()),
				"pool worth more than its principals"
			);
		}
		for (who, _) in Unbonding::<T>::iter() {
			per_delegator.entry(who).or_default();
		}
		for (who, (principals, count)) in per_delegator {
			ensure!(DelegationCount::<T>::get(&who) == count, "delegation count out of sync");
			ensure!(count <= T::MaxDelegationsPerDelegator::get(), "too many delegations");
			let unbonding = pop_primitives::unbonding_total(&Unbonding::<T>::get(&who));
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Delegation.into(), &who)
					== principals.saturating_add(unbonding),
				"Delegation hold differs from principals plus unbonding"
			);
		}
		Ok(())
	}
}
