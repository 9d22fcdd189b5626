//! The pallet's invariants (listed in the crate docs), checked by `try_state` and after every
//! test.

use crate::{
	BalanceOf, ClosedPools, Config, DelegationCount, Delegations, HoldReason, Pallet, Pool, Pools,
	Unbonding, UnbondingPools,
};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use pop_primitives::{EraIndex, MasternodeRegistry};
use sp_runtime::traits::Saturating;

/// The sums of the stakes in one pool: shares, principals and how many stakes.
type Sums<Balance> = (Balance, Balance, u32);

/// Checks that `pool` matches the sums of the stakes that hold its shares.
fn check_pool<Balance: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(
	pool: &Pool<Balance>,
	(shares, principals, count): Sums<Balance>,
) -> Result<(), sp_runtime::TryRuntimeError> {
	ensure!(pool.shares == shares, "pool shares differ from the stakes' shares");
	ensure!(pool.delegators == count, "pool delegator count out of sync");
	// Shares round down, so settled principals may fall one planck per stake short.
	ensure!(
		pool.value <= principals.saturating_add(count.into()),
		"pool worth more than its principals"
	);
	Ok(())
}

/// Adds a stake of `shares` and `principal` to `sums`.
fn add<Balance: Saturating + Copy>(sums: &mut Sums<Balance>, shares: Balance, principal: Balance) {
	sums.0 = sums.0.saturating_add(shares);
	sums.1 = sums.1.saturating_add(principal);
	sums.2 += 1;
}

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants (see the crate docs).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut pools: BTreeMap<T::AccountId, Sums<BalanceOf<T>>> = BTreeMap::new();
		let mut per_delegator: BTreeMap<T::AccountId, (BalanceOf<T>, u32)> = BTreeMap::new();
		for (delegator, masternode, delegation) in Delegations::<T>::iter() {
			ensure!(
				T::Masternodes::self_bond(&masternode).is_some()
					|| ClosedPools::<T>::contains_key(&masternode),
				"delegation to an unregistered masternode's open pool"
			);
			add(pools.entry(masternode).or_default(), delegation.shares, delegation.principal);
			let entry = per_delegator.entry(delegator).or_default();
			entry.0 = entry.0.saturating_add(delegation.principal);
			entry.1 += 1;
		}
		ensure!(Pools::<T>::iter().count() == pools.len(), "pool without delegations");
		for (masternode, sums) in pools {
			let pool = Pools::<T>::get(&masternode).ok_or("delegations without a pool")?;
			check_pool(&pool, sums)?;
		}
		for masternode in ClosedPools::<T>::iter_keys() {
			ensure!(Pools::<T>::contains_key(&masternode), "closed pool without delegations");
			ensure!(
				T::Masternodes::self_bond(&masternode).is_none(),
				"closed pool of a registered masternode"
			);
		}

		let mut unbonding: BTreeMap<(T::AccountId, EraIndex), Sums<BalanceOf<T>>> = BTreeMap::new();
		let mut unbonding_principals: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (who, queue) in Unbonding::<T>::iter() {
			ensure!(!queue.is_empty(), "empty unbonding queue stored");
			let total = unbonding_principals.entry(who.clone()).or_default();
			for chunk in queue {
				*total = total.saturating_add(chunk.stake.principal);
				add(
					unbonding.entry((chunk.masternode, chunk.unlock_era)).or_default(),
					chunk.stake.shares,
					chunk.stake.principal,
				);
			}
			per_delegator.entry(who).or_default();
		}
		ensure!(
			UnbondingPools::<T>::iter().count() == unbonding.len(),
			"unbonding pool without chunks"
		);
		for ((masternode, era), sums) in unbonding {
			let pool = UnbondingPools::<T>::get(&masternode, era)
				.ok_or("unbonding chunks without an unbonding pool")?;
			check_pool(&pool, sums)?;
		}

		for (who, (principals, count)) in per_delegator {
			ensure!(DelegationCount::<T>::get(&who) == count, "delegation count out of sync");
			ensure!(count <= T::MaxDelegationsPerDelegator::get(), "too many delegations");
			let unbonding = unbonding_principals.get(&who).copied().unwrap_or_default();
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Delegation.into(), &who)
					== principals.saturating_add(unbonding),
				"Delegation hold differs from principals plus unbonding"
			);
		}
		Ok(())
	}
}
