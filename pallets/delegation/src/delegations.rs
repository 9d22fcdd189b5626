//! Backers joining, leaving and moving between pools: the bookkeeping around the share maths
//! of [`crate::pool`], the `Delegation` hold, reward settlement, the unbonding queue with its
//! unbonding pools, and closed pools.

use crate::{
	pool::{Delegation, Pool, Unlocking, WipedOut},
	BalanceOf, ClosedPools, Config, CurrentEra, DelegationCount, Delegations, Error, Event,
	HoldReason, Pallet, Pools, Unbonding, UnbondingPools, UnlockingOf,
};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	storage::with_storage_layer,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision},
		DefensiveOption, DefensiveSaturating, Get,
	},
	BoundedVec,
};
use pop_primitives::{EraIndex, MasternodeRegistry, RewardSettlement};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError, DispatchResult,
};

impl<T: Config> From<WipedOut> for Error<T> {
	fn from(_: WipedOut) -> Self {
		Error::<T>::PoolWipedOut
	}
}

impl<T: Config> Pallet<T> {
	/// Holds `amount` of `delegator`'s free POP and delegates it to `masternode`.
	pub(crate) fn do_delegate(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		T::Currency::hold(&HoldReason::Delegation.into(), delegator, amount)?;
		Self::add_to_pool(delegator, masternode, amount)?;
		Self::deposit_event(Event::Delegated {
			delegator: delegator.clone(),
			masternode: masternode.clone(),
			amount,
		});
		Ok(())
	}

	/// Takes `amount` of `delegator`'s delegation to `masternode` out of the pool and queues
	/// it to unlock after the bonding duration, liable to the masternode's slashes until then.
	pub(crate) fn do_undelegate(
		delegator: T::AccountId,
		masternode: T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let amount = Self::take_from_pool(&delegator, &masternode, amount)?;
		let unlock_era = Self::unbond(&delegator, &masternode, amount, None)?;
		Self::deposit_event(Event::Undelegated { delegator, masternode, amount, unlock_era });
		Ok(())
	}

	/// Takes `amount` of `delegator`'s delegation out of `from`'s pool into a chunk liable to
	/// `from`'s slashes, which joins `to` when it unlocks.
	pub(crate) fn do_redelegate(
		delegator: T::AccountId,
		from: T::AccountId,
		to: T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(from != to, Error::<T>::SameMasternode);
		ensure!(T::Masternodes::self_bond(&to).is_some(), Error::<T>::UnknownMasternode);
		// What would not make a delegation of its own is refused now, not when it unlocks.
		ensure!(
			amount >= T::MinDelegation::get() || Delegations::<T>::contains_key(&delegator, &to),
			Error::<T>::BelowMinimum
		);
		let amount = Self::take_from_pool(&delegator, &from, amount)?;
		// A delegation slashed to nothing has nothing to move.
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let unlock_era = Self::unbond(&delegator, &from, amount, Some(to.clone()))?;
		Self::deposit_event(Event::Redelegated { delegator, from, to, amount, unlock_era });
		Ok(())
	}

	/// Takes every unlocked chunk of `delegator` out of its unbonding pool, burning what
	/// slashes took from it, and releases the rest or delegates it to its new masternode.
	pub(crate) fn do_withdraw_unbonded(delegator: T::AccountId) -> DispatchResult {
		let era = CurrentEra::<T>::get();
		let (unlocked, waiting): (Vec<UnlockingOf<T>>, Vec<UnlockingOf<T>>) =
			Unbonding::<T>::get(&delegator)
				.into_inner()
				.into_iter()
				.partition(|chunk| chunk.unlock_era <= era);
		ensure!(!unlocked.is_empty(), Error::<T>::NothingToWithdraw);
		if waiting.is_empty() {
			Unbonding::<T>::remove(&delegator);
		} else {
			// Fewer chunks than were stored.
			Unbonding::<T>::insert(&delegator, BoundedVec::truncate_from(waiting));
		}
		let mut released = BalanceOf::<T>::zero();
		for chunk in unlocked {
			let value = Self::leave_unbonding_pool(&delegator, &chunk)?;
			let Some(to) = chunk.rejoin.filter(|_| !value.is_zero()) else {
				released = released.saturating_add(value);
				continue;
			};
			// A failed attempt must leave nothing half-written behind.
			match with_storage_layer(|| Self::add_to_pool(&delegator, &to, value)) {
				Ok(()) => Self::deposit_event(Event::Delegated {
					delegator: delegator.clone(),
					masternode: to,
					amount: value,
				}),
				Err(error) => {
					released = released.saturating_add(value);
					Self::deposit_event(Event::RedelegationFailed {
						delegator: delegator.clone(),
						masternode: to,
						amount: value,
						error,
					});
				}
			}
		}
		if !released.is_zero() {
			T::Currency::release(
				&HoldReason::Delegation.into(),
				&delegator,
				released,
				Precision::Exact,
			)?;
		}
		Self::deposit_event(Event::Withdrawn { delegator, amount: released });
		Ok(())
	}

	/// Releases `delegator`'s whole stake in the closed pool of `masternode` once it has
	/// unlocked.
	pub(crate) fn do_withdraw_closed(
		delegator: T::AccountId,
		masternode: T::AccountId,
	) -> DispatchResult {
		let unlock_era = ClosedPools::<T>::get(&masternode).ok_or(Error::<T>::PoolNotClosed)?;
		ensure!(CurrentEra::<T>::get() >= unlock_era, Error::<T>::StillUnbonding);
		let mut delegation =
			Delegations::<T>::get(&delegator, &masternode).ok_or(Error::<T>::NotDelegated)?;
		// A closed pool stays in `Pools` until its last backer leaves.
		let mut pool = Pools::<T>::get(&masternode).defensive_ok_or(Error::<T>::NotDelegated)?;
		Self::settle(&delegator, &masternode, &pool, &mut delegation)?;
		let amount = delegation.principal;
		pool.unbond(&mut delegation, amount);
		Self::store_stake(&delegator, &masternode, pool, delegation);
		if !amount.is_zero() {
			T::Currency::release(
				&HoldReason::Delegation.into(),
				&delegator,
				amount,
				Precision::Exact,
			)?;
		}
		Self::deposit_event(Event::Withdrawn { delegator, amount });
		Ok(())
	}

	/// Closes the pool of `masternode`, which deregistered: its backers' stake unlocks after
	/// the bonding duration.
	pub(crate) fn close(masternode: &T::AccountId) {
		if !Pools::<T>::contains_key(masternode) {
			return;
		}
		let unlock_era = CurrentEra::<T>::get().saturating_add(T::BondingDuration::get());
		ClosedPools::<T>::insert(masternode, unlock_era);
		Self::deposit_event(Event::PoolClosed { masternode: masternode.clone(), unlock_era });
	}

	/// Issues `amount` (already held) worth of `masternode`'s pool shares to `delegator`.
	fn add_to_pool(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		ensure!(T::Masternodes::self_bond(masternode).is_some(), Error::<T>::UnknownMasternode);
		// No pool yet: the first backer opens one.
		let mut pool = Pools::<T>::get(masternode).unwrap_or_default();
		let mut delegation = match Delegations::<T>::get(delegator, masternode) {
			Some(mut delegation) => {
				Self::settle(delegator, masternode, &pool, &mut delegation)?;
				delegation
			}
			None => {
				ensure!(
					DelegationCount::<T>::get(delegator) < T::MaxDelegationsPerDelegator::get(),
					Error::<T>::TooManyDelegations
				);
				ensure!(
					pool.delegators < T::MaxDelegatorsPerMasternode::get(),
					Error::<T>::TooManyDelegators
				);
				// Start the reward clock of the new backer at the current accumulator.
				T::Rewards::settle(masternode, delegator, Zero::zero())?;
				DelegationCount::<T>::mutate(delegator, |count| *count += 1);
				pool.delegators += 1;
				Delegation::default()
			}
		};
		pool.delegate(&mut delegation, amount).map_err(Error::<T>::from)?;
		ensure!(delegation.principal >= T::MinDelegation::get(), Error::<T>::BelowMinimum);
		Pools::<T>::insert(masternode, pool);
		Delegations::<T>::insert(delegator, masternode, delegation);
		Ok(())
	}

	/// Takes `amount` worth of shares of `masternode`'s open pool from `delegator` and returns
	/// the POP taken, which stays held for the caller to unbond. A delegation slashed to
	/// nothing is removed and yields zero.
	fn take_from_pool(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut delegation =
			Delegations::<T>::get(delegator, masternode).ok_or(Error::<T>::NotDelegated)?;
		ensure!(!ClosedPools::<T>::contains_key(masternode), Error::<T>::PoolClosed);
		// Every delegation belongs to its masternode's pool.
		let mut pool = Pools::<T>::get(masternode).defensive_ok_or(Error::<T>::NotDelegated)?;
		Self::settle(delegator, masternode, &pool, &mut delegation)?;
		let value = delegation.principal;
		let amount = if value.is_zero() { value } else { amount };
		ensure!(amount <= value, Error::<T>::InsufficientDelegation);
		let remaining = value.saturating_sub(amount);
		ensure!(
			remaining.is_zero() || remaining >= T::MinDelegation::get(),
			Error::<T>::BelowMinimum
		);
		pool.unbond(&mut delegation, amount);
		Self::store_stake(delegator, masternode, pool, delegation);
		Ok(amount)
	}

	/// Stores a delegation and its pool after a withdrawal from them: an emptied delegation
	/// is removed with its reward clock, and an emptied pool (closed or not) with it.
	fn store_stake(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		mut pool: Pool<BalanceOf<T>>,
		delegation: Delegation<BalanceOf<T>>,
	) {
		if delegation.shares.is_zero() || delegation.principal.is_zero() {
			pool.delegators.defensive_saturating_dec();
			Delegations::<T>::remove(delegator, masternode);
			DelegationCount::<T>::mutate_exists(delegator, |count| {
				*count = count.map(|c| c.defensive_saturating_sub(1)).filter(|c| *c > 0)
			});
			T::Rewards::forget(masternode, delegator);
		} else {
			Delegations::<T>::insert(delegator, masternode, delegation);
		}
		if pool.delegators == 0 {
			Pools::<T>::remove(masternode);
			ClosedPools::<T>::remove(masternode);
		} else {
			Pools::<T>::insert(masternode, pool);
		}
	}

	/// Moves `amount` (held, just taken out of `masternode`'s pool) into the masternode's
	/// unbonding pool for the era it unlocks in, as a chunk of `delegator`'s queue that joins
	/// `rejoin` when it unlocks; returns the unlock era.
	fn unbond(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		amount: BalanceOf<T>,
		rejoin: Option<T::AccountId>,
	) -> Result<EraIndex, DispatchError> {
		let unlock_era = CurrentEra::<T>::get().saturating_add(T::BondingDuration::get());
		if amount.is_zero() {
			return Ok(unlock_era);
		}
		let mut pool = UnbondingPools::<T>::get(masternode, unlock_era).unwrap_or_default();
		Unbonding::<T>::try_mutate(delegator, |queue| -> DispatchResult {
			let same = |chunk: &&mut UnlockingOf<T>| {
				chunk.masternode == *masternode
					&& chunk.unlock_era == unlock_era
					&& chunk.rejoin == rejoin
			};
			if let Some(chunk) = queue.iter_mut().find(same) {
				return pool
					.delegate(&mut chunk.stake, amount)
					.map_err(|e| Error::<T>::from(e).into());
			}
			let mut stake = Delegation::default();
			pool.delegate(&mut stake, amount).map_err(Error::<T>::from)?;
			pool.delegators += 1;
			let chunk = Unlocking { masternode: masternode.clone(), unlock_era, stake, rejoin };
			queue.try_push(chunk).map_err(|_| Error::<T>::TooManyUnbondingChunks.into())
		})?;
		UnbondingPools::<T>::insert(masternode, unlock_era, pool);
		Ok(unlock_era)
	}

	/// Takes `chunk` of `delegator` out of its unbonding pool: the part of its principal that
	/// slashes took is burned, and the rest, still held, returned.
	fn leave_unbonding_pool(
		delegator: &T::AccountId,
		chunk: &UnlockingOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let (masternode, era) = (&chunk.masternode, chunk.unlock_era);
		// Every chunk holds shares of its unbonding pool.
		let mut pool = UnbondingPools::<T>::get(masternode, era)
			.defensive_ok_or(Error::<T>::NothingToWithdraw)?;
		let value = pool.leave(&chunk.stake);
		let burned =
			Self::burn_slashed(delegator, masternode, chunk.stake.principal.saturating_sub(value))?;
		if pool.delegators == 0 {
			UnbondingPools::<T>::remove(masternode, era);
		} else {
			UnbondingPools::<T>::insert(masternode, era, pool);
		}
		// The hold covers the principal, so exactly the slashed part is burned.
		Ok(chunk.stake.principal.defensive_saturating_sub(burned))
	}

	/// Pays out the delegation's rewards so far and applies any pending slash: the hold is
	/// cut to the shares' current value and the difference burned.
	fn settle(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		pool: &Pool<BalanceOf<T>>,
		delegation: &mut Delegation<BalanceOf<T>>,
	) -> DispatchResult {
		T::Rewards::settle(masternode, delegator, delegation.shares)?;
		let value = pool.value_of(delegation.shares);
		if value < delegation.principal {
			let burned = Self::burn_slashed(
				delegator,
				masternode,
				delegation.principal.saturating_sub(value),
			)?;
			delegation.principal = delegation.principal.defensive_saturating_sub(burned);
		}
		Ok(())
	}

	/// Burns `amount` of `delegator`'s held POP that a slash of `masternode` took; returns
	/// what was burned.
	fn burn_slashed(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		if amount.is_zero() {
			return Ok(amount);
		}
		let burned = T::Currency::burn_held(
			&HoldReason::Delegation.into(),
			delegator,
			amount,
			Precision::BestEffort,
			Fortitude::Force,
		)?;
		Self::deposit_event(Event::SlashApplied {
			delegator: delegator.clone(),
			masternode: masternode.clone(),
			amount: burned,
		});
		Ok(burned)
	}
}
