//! Backers joining, leaving and moving between pools: the bookkeeping around the share maths
//! of [`crate::pool`], the `Delegation` hold, reward settlement and the unbonding queue.

use crate::{
	pool::{Delegation, Pool, WipedOut},
	BalanceOf, Config, CurrentEra, DelegationCount, Delegations, Error, Event, HoldReason, Pallet,
	Pools, Unbonding,
};
use frame_support::{
	ensure,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision},
		DefensiveOption, DefensiveSaturating, Get,
	},
};
use pop_primitives::{push_unbonding, take_matured, MasternodeRegistry, RewardSettlement};
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
	/// it to unlock after the bonding duration.
	pub(crate) fn do_undelegate(
		delegator: T::AccountId,
		masternode: T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let amount = Self::take_from_pool(&delegator, &masternode, amount)?;
		let unlock_era = CurrentEra::<T>::get().saturating_add(T::BondingDuration::get());
		if !amount.is_zero() {
			Unbonding::<T>::try_mutate(&delegator, |chunks| {
				push_unbonding(chunks, amount, unlock_era)
					.map_err(|_| Error::<T>::TooManyUnbondingChunks)
			})?;
		}
		Self::deposit_event(Event::Undelegated { delegator, masternode, amount, unlock_era });
		Ok(())
	}

	/// Moves `amount` of `delegator`'s delegation from `from` to `to`; the POP stays held.
	pub(crate) fn do_redelegate(
		delegator: T::AccountId,
		from: T::AccountId,
		to: T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(from != to, Error::<T>::SameMasternode);
		let amount = Self::take_from_pool(&delegator, &from, amount)?;
		Self::add_to_pool(&delegator, &to, amount)?;
		Self::deposit_event(Event::Redelegated { delegator, from, to, amount });
		Ok(())
	}

	/// Releases every unbonding chunk of `delegator` whose unlock era has come.
	pub(crate) fn do_withdraw_unbonded(delegator: T::AccountId) -> DispatchResult {
		let mut chunks = Unbonding::<T>::get(&delegator);
		let amount = take_matured(&mut chunks, CurrentEra::<T>::get());
		ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
		T::Currency::release(&HoldReason::Delegation.into(), &delegator, amount, Precision::Exact)?;
		if chunks.is_empty() {
			Unbonding::<T>::remove(&delegator);
		} else {
			Unbonding::<T>::insert(&delegator, chunks);
		}
		Self::deposit_event(Event::Withdrawn { delegator, amount });
		Ok(())
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

	/// Takes `amount` worth of shares of `masternode`'s pool from `delegator` and returns the
	/// POP taken, which stays held for the caller to unbond or move. A delegation slashed to
	/// nothing is removed and yields zero.
	fn take_from_pool(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut delegation =
			Delegations::<T>::get(delegator, masternode).ok_or(Error::<T>::NotDelegated)?;
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
		} else {
			Pools::<T>::insert(masternode, pool);
		}
		Ok(amount)
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
			let slashed = delegation.principal.saturating_sub(value);
			let burned = T::Currency::burn_held(
				&HoldReason::Delegation.into(),
				delegator,
				slashed,
				Precision::BestEffort,
				Fortitude::Force,
			)?;
			delegation.principal = delegation.principal.defensive_saturating_sub(burned);
			Self::deposit_event(Event::SlashApplied {
				delegator: delegator.clone(),
				masternode: masternode.clone(),
				amount: burned,
			});
		}
		Ok(())
	}
}
