//! What the pallet offers other pallets through the traits of `pop-primitives`: the pools to
//! the reward payout and their closing to the masternode registry ([`DelegatedStake`]), the
//! active set to the content pallet ([`ActiveMasternodes`]), and the slash of a masternode's
//! pools to the masternode registry ([`OnMasternodeSlash`]).

use crate::{
	weights::WeightInfo,
	ActiveSet, BalanceOf, ClosedPools, Config, CurrentEra, Delegations, Pallet, Pools,
	UnbondingPools,
};
use alloc::vec::Vec;
use frame_support::traits::Get;
use pop_primitives::{ActiveMasternodes, DelegatedStake, OnMasternodeSlash};
use sp_runtime::{Perbill, Weight};

impl<T: Config> DelegatedStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn pool(masternode: &T::AccountId) -> (BalanceOf<T>, BalanceOf<T>) {
		// A masternode nobody backs has no pool: no shares, no value.
		Pools::<T>::get(masternode).map(|pool| (pool.shares, pool.value)).unwrap_or_default()
	}

	fn has_delegators(masternode: &T::AccountId) -> bool {
		Pools::<T>::contains_key(masternode)
	}

	fn close_pool(masternode: &T::AccountId) {
		Self::close(masternode);
	}

	fn delegations_of(backer: &T::AccountId) -> Vec<(T::AccountId, BalanceOf<T>)> {
		Delegations::<T>::iter_prefix(backer)
			.map(|(masternode, delegation)| (masternode, delegation.shares))
			.collect()
	}

	fn max_delegations_per_backer() -> u32 {
		T::MaxDelegationsPerDelegator::get()
	}
}

impl<T: Config> ActiveMasternodes<T::AccountId> for Pallet<T> {
	fn active() -> Vec<T::AccountId> {
		ActiveSet::<T>::get().into_inner()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_active(active: Vec<T::AccountId>) {
		Self::set_active_set(active);
	}
}

impl<T: Config> OnMasternodeSlash<T::AccountId> for Pallet<T> {
	/// Every share of the pool (open, or closed and not unlocked) and of each unbonding pool
	/// that has not unlocked loses `fraction` of its value at once; backers' holds follow when
	/// their delegations or chunks are next touched. At most `BondingDuration + 1` pools,
	/// whatever the number of backers.
	fn on_slash(masternode: &T::AccountId, fraction: Perbill) {
		let era = CurrentEra::<T>::get();
		// A closed pool that unlocked is its backers' to take: no longer at stake. A
		// masternode nobody backs has no pool.
		if let Some(mut pool) = Pools::<T>::get(masternode) {
			if ClosedPools::<T>::get(masternode).is_none_or(|unlock_era| unlock_era > era) {
				pool.slash(fraction);
				Pools::<T>::insert(masternode, pool);
			}
		}
		let last = era.saturating_add(T::BondingDuration::get());
		for unlock_era in era.saturating_add(1)..=last {
			if let Some(mut pool) = UnbondingPools::<T>::get(masternode, unlock_era) {
				pool.slash(fraction);
				UnbondingPools::<T>::insert(masternode, unlock_era, pool);
			}
		}
	}
	fn on_slash_weight() -> Weight {
		T::WeightInfo::on_slash()
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> pop_primitives::DelegationBenchmarkHelper<T::AccountId> for Pallet<T>
where
	T::Currency: frame_support::traits::fungible::Mutate<T::AccountId>,
	T::Masternodes: pop_primitives::BenchmarkHelper<T::AccountId>,
{
	fn delegate_to(backer: &T::AccountId, count: u32) -> Vec<T::AccountId> {
		use frame_support::traits::fungible::Mutate;
		use sp_runtime::traits::Saturating;
		let amount = T::MinDelegation::get();
		T::Currency::set_balance(backer, amount.saturating_mul((count + 10).into()));
		(0..count)
			.map(|index| {
				let masternode =
					<T::Masternodes as pop_primitives::BenchmarkHelper<_>>::registered(index);
				Self::do_delegate(backer, &masternode, amount).expect("a fresh backer delegates");
				masternode
			})
			.collect()
	}
}
