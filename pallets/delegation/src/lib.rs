//! # Delegation pallet
//!
//! Token holders back masternodes with POP, and every era the best-backed masternodes are
//! elected (delegated proof of stake).
//!
//! ## Delegating
//! A backer delegates POP to a registered masternode; the POP stays on the backer's account
//! under a hold. Each masternode has a *pool*: delegations are shares of it, and the pool's
//! value is the POP delegated. A slash of the masternode lowers the pool's value, so every
//! share is worth less at once, without touching any delegator; a delegator's hold is reduced
//! to the value of its shares (the slashed POP burned) the next time it is touched. Before any
//! change to a delegation its rewards are settled through [`Config::Rewards`], which pays backer
//! rewards per share. Undelegated POP stays held for [`Config::BondingDuration`] eras in a
//! bounded unbonding queue. Redelegating moves value between pools without unbonding.
//!
//! ## Eras and the election
//! An era is [`SessionsPerEra`] sessions of [`SessionLength`] blocks (both set at genesis, so
//! one runtime runs minute-long eras on dev chains and hours-long ones in production). At the
//! start of each era, through `pallet_session::SessionManager`:
//! 1. the ending era is handed to [`Config::OnEraEnd`] (reward payout, O(active set));
//! 2. the top [`Config::MaxActiveMasternodes`] electable masternodes by backing (self-bond plus
//!    pool value; ties go to the lower account id) become the active set;
//! 3. the top [`Config::MaxValidators`] of them with session keys become the next validators.
//!    When none qualifies the session keeps its current validators: the set is never empty.
//!
//! ## Invariants (checked by `try_state`)
//! - Every delegation points at a registered masternode's pool.
//! - A pool's shares are the sum of its delegations' shares, and its delegator count their
//!   number; its value is at most the sum of their principals (plus one planck of rounding per
//!   backer).
//! - The `Delegation` hold of every backer equals its principals plus its unbonding chunks.
//! - Each backer's delegation count matches its delegations, within the bound.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		tokens::{Fortitude, Precision},
		UnixTime, ValidatorRegistration,
	},
};
use frame_system::pallet_prelude::*;
use pop_primitives::{
	push_unbonding, take_matured, DelegatedStake, EraIndex, MasternodeRegistry, OnEraEnd,
	OnMasternodeSlash, RewardSettlement, UnbondingQueue,
};
use scale_info::TypeInfo;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, UniqueSaturatedInto, Zero},
	Perbill, Rounding,
};
use sp_staking::SessionIndex;

/// Balance type of the currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A masternode's delegation pool.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Pool<Balance> {
	/// Shares issued to delegators.
	pub shares: Balance,
	/// POP the shares are worth together, after slashes.
	pub value: Balance,
	/// Number of delegators.
	pub delegators: u32,
}

/// One backer's delegation to one masternode.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Delegation<Balance> {
	/// Shares of the masternode's pool.
	pub shares: Balance,
	/// POP held for this delegation; above the shares' value only until a pending slash is
	/// applied.
	pub principal: Balance,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency, in which delegations are held.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The masternode registry: who can be backed and elected.
		type Masternodes: MasternodeRegistry<Self::AccountId, BalanceOf<Self>>;

		/// Backer reward settlement, called before every change of a delegation.
		type Rewards: RewardSettlement<Self::AccountId, BalanceOf<Self>>;

		/// Told when an era ends, before the next election (the reward payout).
		type OnEraEnd: OnEraEnd<Self::AccountId>;

		/// Which accounts have registered session keys and so can validate.
		type ValidatorKeys: ValidatorRegistration<Self::AccountId>;

		/// Wall-clock time, to tell the payout how long an era lasted.
		type Time: UnixTime;

		/// The smallest delegation.
		#[pallet::constant]
		type MinDelegation: Get<BalanceOf<Self>>;

		/// Most masternodes one backer can delegate to.
		#[pallet::constant]
		type MaxDelegationsPerDelegator: Get<u32>;

		/// Most backers one masternode can have.
		#[pallet::constant]
		type MaxDelegatorsPerMasternode: Get<u32>;

		/// Most unbonding chunks a backer can have waiting.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Eras that undelegated POP stays held.
		#[pallet::constant]
		type BondingDuration: Get<EraIndex>;

		/// Size of the active masternode set.
		#[pallet::constant]
		type MaxActiveMasternodes: Get<u32>;

		/// Most block-producing validators, taken from the active set.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Delegated POP, including POP being undelegated.
		#[codec(index = 0)]
		Delegation,
	}

	/// Events of the pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// POP was delegated to a masternode.
		Delegated {
			/// The backer.
			delegator: T::AccountId,
			/// The masternode backed.
			masternode: T::AccountId,
			/// POP added.
			amount: BalanceOf<T>,
		},
		/// POP was undelegated and is unbonding.
		Undelegated {
			/// The backer.
			delegator: T::AccountId,
			/// The masternode it left.
			masternode: T::AccountId,
			/// POP unbonding.
			amount: BalanceOf<T>,
			/// The era from which it can be withdrawn.
			unlock_era: EraIndex,
		},
		/// Delegated POP moved from one masternode to another.
		Redelegated {
			/// The backer.
			delegator: T::AccountId,
			/// The masternode left.
			from: T::AccountId,
			/// The masternode backed now.
			to: T::AccountId,
			/// POP moved.
			amount: BalanceOf<T>,
		},
		/// Unbonded POP was released to the backer.
		Withdrawn {
			/// The backer.
			delegator: T::AccountId,
			/// POP released.
			amount: BalanceOf<T>,
		},
		/// A pending slash was applied to a delegation: the POP was burned.
		SlashApplied {
			/// The backer.
			delegator: T::AccountId,
			/// The slashed masternode.
			masternode: T::AccountId,
			/// POP burned.
			amount: BalanceOf<T>,
		},
		/// A new era started with an elected active set.
		EraStarted {
			/// The new era.
			era: EraIndex,
			/// Its active masternodes, best backed first.
			active: Vec<T::AccountId>,
			/// The validators chosen from them; empty when the old set was kept.
			validators: Vec<T::AccountId>,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The masternode is not registered.
		UnknownMasternode,
		/// The delegation would be below the minimum.
		BelowMinimum,
		/// An amount of zero was given.
		ZeroAmount,
		/// The backer does not delegate to this masternode.
		NotDelegated,
		/// More is asked than the delegation is worth.
		InsufficientDelegation,
		/// The backer delegates to as many masternodes as allowed.
		TooManyDelegations,
		/// The masternode has as many backers as allowed.
		TooManyDelegators,
		/// Too many unbonding chunks are waiting; withdraw first.
		TooManyUnbondingChunks,
		/// No undelegated POP is withdrawable yet.
		NothingToWithdraw,
		/// A masternode cannot redelegate to itself.
		SameMasternode,
		/// The masternode's pool was slashed to nothing; its shares cannot be priced.
		PoolWipedOut,
	}

	/// The current era.
	#[pallet::storage]
	pub type CurrentEra<T: Config> = StorageValue<_, EraIndex, ValueQuery>;

	/// When the current era started (Unix milliseconds).
	#[pallet::storage]
	pub type EraStartedAt<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Sessions per era; set at genesis.
	#[pallet::storage]
	pub type SessionsPerEra<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Blocks per session, the BABE epoch length; set at genesis and never changed, because
	/// BABE cannot change its epoch length on a live chain.
	#[pallet::storage]
	pub type SessionLength<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// The active masternodes of the current era.
	#[pallet::storage]
	pub type ActiveSet<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxActiveMasternodes>, ValueQuery>;

	/// Delegation pools by masternode.
	#[pallet::storage]
	pub type Pools<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, Pool<BalanceOf<T>>, OptionQuery>;

	/// Delegations by backer and masternode.
	#[pallet::storage]
	pub type Delegations<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		T::AccountId,
		Twox64Concat,
		T::AccountId,
		Delegation<BalanceOf<T>>,
		OptionQuery,
	>;

	/// Number of masternodes each backer delegates to.
	#[pallet::storage]
	pub type DelegationCount<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, u32, ValueQuery>;

	/// Undelegated POP on its way out, per backer, oldest first.
	#[pallet::storage]
	pub type Unbonding<T: Config> = StorageMap<
		_,
		Twox64Concat,
		T::AccountId,
		UnbondingQueue<BalanceOf<T>, T::MaxUnbondingChunks>,
		ValueQuery,
	>;

	/// Era timing and delegations at genesis.
	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// Blocks per session (the BABE epoch length).
		pub session_length: u64,
		/// Sessions per era.
		pub sessions_per_era: u32,
		/// `(backer, masternode, amount)`.
		pub delegations: Vec<(T::AccountId, T::AccountId, BalanceOf<T>)>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		/// One-hour sessions of 3 s blocks, six to an era.
		fn default() -> Self {
			Self { session_length: 1_200, sessions_per_era: 6, delegations: Vec::new() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(self.session_length > 0, "session_length must be positive");
			assert!(self.sessions_per_era > 0, "sessions_per_era must be positive");
			SessionLength::<T>::put(self.session_length);
			SessionsPerEra::<T>::put(self.sessions_per_era);
			for (delegator, masternode, amount) in &self.delegations {
				Pallet::<T>::do_delegate(delegator, masternode, *amount)
					.expect("genesis delegations must be valid");
			}
			let active = Pallet::<T>::elect();
			T::Masternodes::set_active_set(&active);
			ActiveSet::<T>::put(BoundedVec::truncate_from(active));
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			// `on_finalize` reads the era start once per block.
			T::DbWeight::get().reads(1)
		}

		/// Genesis has no clock: the first era starts at the first block's timestamp.
		fn on_finalize(_n: BlockNumberFor<T>) {
			if EraStartedAt::<T>::get() == 0 {
				EraStartedAt::<T>::put(Self::now_ms());
			}
		}

		fn integrity_test() {
			assert!(!T::MinDelegation::get().is_zero(), "MinDelegation must be positive");
			assert!(T::MaxDelegationsPerDelegator::get() > 0);
			assert!(T::MaxDelegatorsPerMasternode::get() > 0);
			assert!(T::MaxUnbondingChunks::get() > 0);
			assert!(T::BondingDuration::get() > 0, "BondingDuration must be at least one era");
			assert!(T::MaxActiveMasternodes::get() > 0);
			assert!(
				T::MaxValidators::get() > 0
					&& T::MaxValidators::get() <= T::MaxActiveMasternodes::get(),
				"validators are drawn from the active set"
			);
			// `pallet_session` charges a whole block for a session change; the worst era
			// boundary must fit in it.
			let worst = T::WeightInfo::rotate_era(
				T::Masternodes::max_registered(),
				T::MaxDelegatorsPerMasternode::get(),
			);
			let block = <T as frame_system::Config>::BlockWeights::get().max_block;
			assert!(
				worst.all_lte(block),
				"the era rotation ({worst:?}) does not fit in a block ({block:?})"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Delegates `amount` of the caller's free POP to `masternode`.
		///
		/// Errors: `ZeroAmount`, `UnknownMasternode`, `BelowMinimum`, `TooManyDelegations`,
		/// `TooManyDelegators`, `PoolWipedOut`, and the currency's error when the POP cannot
		/// be held.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::delegate())]
		pub fn delegate(
			origin: OriginFor<T>,
			masternode: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let delegator = ensure_signed(origin)?;
			Self::do_delegate(&delegator, &masternode, amount)
		}

		/// Undelegates `amount` from `masternode`; it stays held for `BondingDuration` eras.
		/// What remains must be zero or at least `MinDelegation`. A delegation slashed to
		/// nothing is simply removed, whatever `amount` is given.
		///
		/// Errors: `ZeroAmount`, `NotDelegated`, `InsufficientDelegation`, `BelowMinimum`,
		/// `TooManyUnbondingChunks`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::undelegate())]
		pub fn undelegate(
			origin: OriginFor<T>,
			masternode: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let delegator = ensure_signed(origin)?;
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

		/// Moves `amount` of the caller's delegation from `from` to `to` at once, without
		/// unbonding.
		///
		/// Errors: those of `undelegate` for `from` and of `delegate` for `to`, and
		/// `SameMasternode`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::redelegate())]
		pub fn redelegate(
			origin: OriginFor<T>,
			from: T::AccountId,
			to: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let delegator = ensure_signed(origin)?;
			ensure!(from != to, Error::<T>::SameMasternode);
			let amount = Self::take_from_pool(&delegator, &from, amount)?;
			Self::add_to_pool(&delegator, &to, amount)?;
			Self::deposit_event(Event::Redelegated { delegator, from, to, amount });
			Ok(())
		}

		/// Releases every unbonding chunk of the caller whose unlock era has come.
		///
		/// Errors: `NothingToWithdraw`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnbondingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let delegator = ensure_signed(origin)?;
			let mut chunks = Unbonding::<T>::get(&delegator);
			let amount = take_matured(&mut chunks, CurrentEra::<T>::get());
			ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
			T::Currency::release(
				&HoldReason::Delegation.into(),
				&delegator,
				amount,
				Precision::Exact,
			)?;
			if chunks.is_empty() {
				Unbonding::<T>::remove(&delegator);
			} else {
				Unbonding::<T>::insert(&delegator, chunks);
			}
			Self::deposit_event(Event::Withdrawn { delegator, amount });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	fn do_delegate(
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

	/// Issues `amount` (already held) worth of `masternode`'s pool shares to `delegator`.
	fn add_to_pool(
		delegator: &T::AccountId,
		masternode: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		ensure!(T::Masternodes::self_bond(masternode).is_some(), Error::<T>::UnknownMasternode);
		let mut pool = Pools::<T>::get(masternode).unwrap_or_default();
		let existing = Delegations::<T>::get(delegator, masternode);
		let mut delegation = match existing {
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
		let shares = Self::shares_for(&pool, amount)?;
		delegation.shares = delegation.shares.saturating_add(shares);
		delegation.principal = delegation.principal.saturating_add(amount);
		ensure!(delegation.principal >= T::MinDelegation::get(), Error::<T>::BelowMinimum);
		pool.shares = pool.shares.saturating_add(shares);
		pool.value = pool.value.saturating_add(amount);
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
		let mut pool = Pools::<T>::get(masternode).ok_or(Error::<T>::NotDelegated)?;
		Self::settle(delegator, masternode, &pool, &mut delegation)?;
		let value = delegation.principal;
		let amount = if value.is_zero() { value } else { amount };
		ensure!(amount <= value, Error::<T>::InsufficientDelegation);
		let remaining = value.saturating_sub(amount);
		ensure!(
			remaining.is_zero() || remaining >= T::MinDelegation::get(),
			Error::<T>::BelowMinimum
		);
		let shares = if remaining.is_zero() {
			delegation.shares
		} else {
			// Round the shares taken up, so leaving never takes more than the shares hold.
			Self::mul_div(amount, pool.shares, pool.value, Rounding::Up).min(delegation.shares)
		};
		pool.shares = pool.shares.saturating_sub(shares);
		pool.value = pool.value.saturating_sub(amount);
		delegation.shares = delegation.shares.saturating_sub(shares);
		delegation.principal = remaining;
		if delegation.shares.is_zero() || remaining.is_zero() {
			pool.delegators = pool.delegators.saturating_sub(1);
			// Leftover rounding value of the departing shares stays with the pool.
			Delegations::<T>::remove(delegator, masternode);
			DelegationCount::<T>::mutate_exists(delegator, |count| {
				*count = count.and_then(|c| c.checked_sub(1)).filter(|c| *c > 0)
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
		let value = Self::value_of(pool, delegation.shares);
		if value < delegation.principal {
			let slashed = delegation.principal.saturating_sub(value);
			let burned = T::Currency::burn_held(
				&HoldReason::Delegation.into(),
				delegator,
				slashed,
				Precision::BestEffort,
				Fortitude::Force,
			)?;
			delegation.principal = delegation.principal.saturating_sub(burned);
			Self::deposit_event(Event::SlashApplied {
				delegator: delegator.clone(),
				masternode: masternode.clone(),
				amount: burned,
			});
		}
		Ok(())
	}

	/// POP that `shares` of `pool` are worth, rounded down.
	fn value_of(pool: &Pool<BalanceOf<T>>, shares: BalanceOf<T>) -> BalanceOf<T> {
		if pool.shares.is_zero() {
			return Zero::zero();
		}
		Self::mul_div(shares, pool.value, pool.shares, Rounding::Down)
	}

	/// Shares issued for `amount` POP, rounded down so existing shares never lose value.
	fn shares_for(
		pool: &Pool<BalanceOf<T>>,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		if pool.shares.is_zero() {
			return Ok(amount);
		}
		ensure!(!pool.value.is_zero(), Error::<T>::PoolWipedOut);
		Ok(Self::mul_div(amount, pool.shares, pool.value, Rounding::Down))
	}

	fn mul_div(
		a: BalanceOf<T>,
		b: BalanceOf<T>,
		c: BalanceOf<T>,
		rounding: Rounding,
	) -> BalanceOf<T> {
		let (a, b, c): (u128, u128, u128) =
			(a.unique_saturated_into(), b.unique_saturated_into(), c.unique_saturated_into());
		multiply_by_rational_with_rounding(a, b, c, rounding)
			.unwrap_or(u128::MAX)
			.unique_saturated_into()
	}

	fn now_ms() -> u64 {
		T::Time::now().as_millis().unique_saturated_into()
	}

	/// Total backing of a masternode: self-bond plus delegated value.
	pub fn backing(masternode: &T::AccountId, self_bond: BalanceOf<T>) -> BalanceOf<T> {
		self_bond
			.saturating_add(Pools::<T>::get(masternode).map(|pool| pool.value).unwrap_or_default())
	}

	/// The DPoS election: the best-backed electable masternodes, ties to the lower account.
	pub fn elect() -> Vec<T::AccountId> {
		let mut candidates: Vec<(T::AccountId, BalanceOf<T>)> = T::Masternodes::electable()
			.into_iter()
			.map(|(who, bond)| {
				let backing = Self::backing(&who, bond);
				(who, backing)
			})
			.collect();
		candidates.sort_by(|(a, backing_a), (b, backing_b)| {
			backing_b.cmp(backing_a).then_with(|| a.encode().cmp(&b.encode()))
		});
		candidates
			.into_iter()
			.take(T::MaxActiveMasternodes::get() as usize)
			.map(|(who, _)| who)
			.collect()
	}

	/// Ends the current era, elects the next active set and returns its validators, or
	/// `None` to keep the current validators when no active masternode has session keys.
	fn rotate_era() -> Option<Vec<T::AccountId>> {
		let ended = CurrentEra::<T>::get();
		let now = Self::now_ms();
		let duration = now.saturating_sub(EraStartedAt::<T>::get());
		T::OnEraEnd::on_era_end(ended, &ActiveSet::<T>::get(), duration);

		let era = ended.saturating_add(1);
		CurrentEra::<T>::put(era);
		EraStartedAt::<T>::put(now);
		let active = Self::elect();
		T::Masternodes::set_active_set(&active);
		ActiveSet::<T>::put(BoundedVec::truncate_from(active.clone()));
		let validators: Vec<T::AccountId> = active
			.iter()
			.filter(|who| T::ValidatorKeys::is_registered(who))
			.take(T::MaxValidators::get() as usize)
			.cloned()
			.collect();
		Self::deposit_event(Event::EraStarted { era, active, validators: validators.clone() });
		(!validators.is_empty()).then_some(validators)
	}

	/// Checks the pallet's invariants (see the crate docs).
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
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

impl<T: Config> DelegatedStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn pool(masternode: &T::AccountId) -> (BalanceOf<T>, BalanceOf<T>) {
		Pools::<T>::get(masternode).map(|pool| (pool.shares, pool.value)).unwrap_or_default()
	}

	fn has_delegators(masternode: &T::AccountId) -> bool {
		Pools::<T>::contains_key(masternode)
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

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> pop_primitives::DelegationBenchmarkHelper<T::AccountId> for Pallet<T>
where
	T::Currency: frame_support::traits::fungible::Mutate<T::AccountId>,
	T::Masternodes: pop_primitives::BenchmarkHelper<T::AccountId>,
{
	fn delegate_to(backer: &T::AccountId, count: u32) -> Vec<T::AccountId> {
		use frame_support::traits::fungible::Mutate;
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

impl<T: Config> pop_primitives::ActiveMasternodes<T::AccountId> for Pallet<T> {
	fn active() -> Vec<T::AccountId> {
		ActiveSet::<T>::get().into_inner()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_active(active: Vec<T::AccountId>) {
		T::Masternodes::set_active_set(&active);
		ActiveSet::<T>::put(BoundedVec::truncate_from(active));
	}
}

impl<T: Config> OnMasternodeSlash<T::AccountId> for Pallet<T> {
	/// Every share of the pool loses `fraction` of its value at once; delegators' holds follow
	/// when they are next touched.
	fn on_slash(masternode: &T::AccountId, fraction: Perbill) {
		Pools::<T>::mutate(masternode, |pool| {
			if let Some(pool) = pool {
				pool.value = pool.value.saturating_sub(fraction * pool.value);
			}
		});
	}
}

impl<T: Config> Get<EraIndex> for Pallet<T> {
	fn get() -> EraIndex {
		CurrentEra::<T>::get()
	}
}

/// Session length in blocks for `pallet_babe::Config::EpochDuration`.
pub struct EpochDuration<T>(core::marker::PhantomData<T>);
impl<T: Config> Get<u64> for EpochDuration<T> {
	fn get() -> u64 {
		SessionLength::<T>::get()
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		let per_era = SessionsPerEra::<T>::get().max(1);
		if new_index == 0 || new_index % per_era != 0 {
			return None;
		}
		Self::rotate_era()
	}

	fn new_session_genesis(_: SessionIndex) -> Option<Vec<T::AccountId>> {
		// Genesis validators come from the session pallet's genesis keys.
		None
	}

	fn end_session(_: SessionIndex) {}
	fn start_session(_: SessionIndex) {}
}
