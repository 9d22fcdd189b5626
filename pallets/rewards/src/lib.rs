//! # Rewards pallet
//!
//! Pays masternodes and their backers for the work of an era.
//!
//! - **Points.** Active masternodes earn points during an era: [`Config::PointsPerBlock`] for
//!   each block they author (through `pallet_authorship`) and, from the content pallet,
//!   points for passed storage proofs (through [`RewardPoints`]).
//! - **Payout.** When an era ends, its emission is minted into the reward pot and everything in
//!   the pot that is not already owed is split over the active masternodes by points. Of a
//!   masternode's part, the operator keeps its commission plus the share of the rest that its
//!   self-bond makes of its backing; the backers' share is added to the masternode's
//!   *reward-per-share accumulator*. The payout walks the active set only: its weight is
//!   independent of the number of backers. A masternode that left the active set during the
//!   era (jailed or deregistered) forfeits its points; its part stays in the pot for the next
//!   era rather than going to the others, so no masternode gains from another's jailing.
//! - **No value lost to overflow.** The accumulator grows by the backers' part divided by the
//!   pool's shares, rounded down (the rounding dust stays owed, see [`Outstanding`]). When
//!   that does not fit in it (a huge reward over very few shares, or an accumulator near its
//!   limit) the increase is capped at what fits, only what the shares can claim at the capped
//!   rate is owed, and the rest stays in the pot, paid out again next era.
//! - **Settlement.** A backer's reward is `shares × (accumulator now − accumulator when last
//!   settled)`. The delegation pallet settles a backer before every change of its shares, so
//!   rewards are always computed on the shares that earned them. Slashes lower what a share is
//!   worth, not the number of shares, so the accounting stays exact across slashes.
//! - **Claims.** Operator rewards and settled backer rewards wait in [`Claimable`]; a claim
//!   first settles the caller's own delegations (a bounded handful), then pays everything in
//!   one transfer. Its cost never depends on eras, masternodes or other backers. Claims never
//!   expire.
//!
//! ## Invariants (checked by `try_state`)
//! - The pot holds at least everything owed: the sum of [`Claimable`] plus [`Outstanding`].
//! - [`TotalClaimable`] is the sum of [`Claimable`].
//! - [`TotalPoints`] is the sum of [`EraPoints`].

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::{Fortitude, Preservation},
		Defensive, DefensiveSaturating,
	},
};
use frame_system::pallet_prelude::*;
use pop_primitives::{
	DelegatedStake, EraEmission, EraIndex, MasternodeRegistry, OnEraEnd, RewardPoint, RewardPoints,
	RewardSettlement,
};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, UniqueSaturatedInto, Zero},
	FixedPointNumber, FixedU128, Rounding,
};

/// Balance type of the currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency.
		type Currency: Mutate<Self::AccountId>;

		/// Masternodes: who is active, their commission and self-bond.
		type Masternodes: MasternodeRegistry<Self::AccountId, BalanceOf<Self>>;

		/// Delegation pools: shares and value behind each masternode.
		type Delegations: DelegatedStake<Self::AccountId, BalanceOf<Self>>;

		/// Mints era emission into the reward pot, and names the pot.
		type Emission: EraEmission<Self::AccountId, BalanceOf<Self>>;

		/// Points for authoring a block.
		#[pallet::constant]
		type PointsPerBlock: Get<RewardPoint>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Events of the pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An era was paid out.
		EraPaid {
			/// The era.
			era: EraIndex,
			/// POP minted for it.
			emission: BalanceOf<T>,
			/// POP distributed to masternodes and backers.
			paid: BalanceOf<T>,
		},
		/// A masternode's part of an era payout.
		MasternodeRewarded {
			/// The masternode.
			masternode: T::AccountId,
			/// Commission and self-bond share, credited to the operator.
			operator: BalanceOf<T>,
			/// Credited to the backers through the accumulator.
			backers: BalanceOf<T>,
		},
		/// Rewards were paid out to an account.
		Claimed {
			/// The account.
			who: T::AccountId,
			/// POP paid.
			amount: BalanceOf<T>,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account has no rewards to claim.
		NothingToClaim,
	}

	/// Points of active masternodes in the current era.
	#[pallet::storage]
	pub type EraPoints<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, RewardPoint, ValueQuery>;

	/// Sum of [`EraPoints`].
	#[pallet::storage]
	pub type TotalPoints<T: Config> = StorageValue<_, RewardPoint, ValueQuery>;

	/// Backer reward per pool share a masternode has paid since it was first rewarded.
	#[pallet::storage]
	pub type AccPerShare<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, FixedU128, ValueQuery>;

	/// The accumulator at which each backer of each masternode was last settled.
	#[pallet::storage]
	pub type Debts<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		T::AccountId,
		Twox64Concat,
		T::AccountId,
		FixedU128,
		ValueQuery,
	>;

	/// Rewards waiting to be claimed.
	#[pallet::storage]
	pub type Claimable<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// Sum of [`Claimable`].
	#[pallet::storage]
	pub type TotalClaimable<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Backer rewards added to accumulators and not yet settled into [`Claimable`]; includes
	/// rounding dust that no backer will ever claim.
	#[pallet::storage]
	pub type Outstanding<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Pays the caller everything it has earned from the reward pot: its operator rewards
		/// and, after settling each of its delegations, its backer rewards.
		///
		/// The weight grows with the caller's own delegations only (at most
		/// `max_delegations_per_backer`), never with the number of eras, masternodes or other
		/// backers.
		///
		/// Errors: `NothingToClaim`, and the currency's error if the pot cannot pay.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::claim(T::Delegations::max_delegations_per_backer()))]
		pub fn claim(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let delegations = T::Delegations::delegations_of(&who);
			for (masternode, shares) in &delegations {
				Self::settle_backer(masternode, &who, *shares);
			}
			let amount = Claimable::<T>::take(&who);
			ensure!(!amount.is_zero(), Error::<T>::NothingToClaim);
			T::Currency::transfer(
				&T::Emission::reward_pot(),
				&who,
				amount,
				Preservation::Preserve,
			)?;
			// The total includes the claimed amount.
			TotalClaimable::<T>::mutate(|total| *total = total.defensive_saturating_sub(amount));
			Self::deposit_event(Event::Claimed { who, amount });
			Ok(Some(T::WeightInfo::claim(delegations.len() as u32)).into())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// What `backer`'s `shares` of `masternode`'s pool earned since it was last settled, and
	/// the accumulator it was reckoned at.
	fn unsettled(
		masternode: &T::AccountId,
		backer: &T::AccountId,
		shares: BalanceOf<T>,
	) -> (BalanceOf<T>, FixedU128) {
		let acc = AccPerShare::<T>::get(masternode);
		let earned_per_share = acc.saturating_sub(Debts::<T>::get(masternode, backer));
		(earned_per_share.saturating_mul_int(shares), acc)
	}

	/// Moves what the backer's shares earned into [`Claimable`] and restarts its clock.
	fn settle_backer(masternode: &T::AccountId, backer: &T::AccountId, shares: BalanceOf<T>) {
		let (earned, acc) = Self::unsettled(masternode, backer, shares);
		if !earned.is_zero() {
			Outstanding::<T>::mutate(|outstanding| {
				*outstanding = outstanding.saturating_sub(earned)
			});
			Self::credit(backer, earned);
		}
		Debts::<T>::insert(masternode, backer, acc);
	}

	/// Everything `who` would be paid by `claim` now (for the runtime API).
	pub fn pending_rewards(who: &T::AccountId) -> BalanceOf<T> {
		T::Delegations::delegations_of(who).iter().fold(
			Claimable::<T>::get(who),
			|sum, (masternode, shares)| {
				sum.saturating_add(Self::unsettled(masternode, who, *shares).0)
			},
		)
	}

	/// POP the pot owes: claimable plus outstanding backer rewards.
	pub fn owed() -> BalanceOf<T> {
		TotalClaimable::<T>::get().saturating_add(Outstanding::<T>::get())
	}

	fn credit(who: &T::AccountId, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		Claimable::<T>::mutate(who, |claimable| *claimable = claimable.saturating_add(amount));
		TotalClaimable::<T>::mutate(|total| *total = total.saturating_add(amount));
	}

	/// `a × b / c`, rounded down; callers keep `b ≤ c` and `c` positive, so it never
	/// overflows.
	fn mul_div(a: BalanceOf<T>, b: u128, c: u128) -> BalanceOf<T> {
		let a: u128 = a.unique_saturated_into();
		multiply_by_rational_with_rounding(a, b, c, Rounding::Down)
			.defensive_unwrap_or_default()
			.unique_saturated_into()
	}

	/// Raises `masternode`'s accumulator by `backers` spread over `shares` and returns what is
	/// owed to the backers for it: `backers` itself, rounding dust included, or, when the
	/// increase had to be capped to fit, what the shares can claim at the capped rate. What
	/// is left of `backers` then is owed to nobody: it stays in the pot.
	fn accumulate(
		masternode: &T::AccountId,
		backers: BalanceOf<T>,
		shares: BalanceOf<T>,
	) -> BalanceOf<T> {
		let (backers_u128, shares_u128): (u128, u128) =
			(backers.unique_saturated_into(), shares.unique_saturated_into());
		if backers_u128 == 0 || shares_u128 == 0 {
			return Zero::zero();
		}
		let acc = AccPerShare::<T>::get(masternode);
		let room = u128::MAX - acc.into_inner();
		// `backers / shares` as an inner fixed-point value, rounded down.
		let exact = multiply_by_rational_with_rounding(
			backers_u128,
			FixedU128::DIV,
			shares_u128,
			Rounding::Down,
		)
		.filter(|increase| *increase <= room);
		let increase = FixedU128::from_inner(exact.unwrap_or(room));
		AccPerShare::<T>::insert(masternode, acc.saturating_add(increase));
		match exact {
			Some(_) => backers,
			// At most `backers`: the capped increase is below `backers / shares`.
			None => increase.saturating_mul_int(shares).min(backers),
		}
	}

	/// Splits one masternode's part of the payout between operator and backers.
	fn reward_masternode(masternode: &T::AccountId, reward: BalanceOf<T>) -> BalanceOf<T> {
		let commission = T::Masternodes::commission(masternode) * reward;
		let rest = reward.saturating_sub(commission);
		let self_bond: u128 =
			T::Masternodes::self_bond(masternode).unwrap_or_default().unique_saturated_into();
		let (shares, pool_value) = T::Delegations::pool(masternode);
		let pool_value: u128 = pool_value.unique_saturated_into();
		let backers = if shares.is_zero() || pool_value == 0 {
			Zero::zero()
		} else {
			Self::mul_div(rest, pool_value, pool_value.saturating_add(self_bond))
		};
		let operator = reward.saturating_sub(backers);
		Self::credit(masternode, operator);
		let backers = Self::accumulate(masternode, backers, shares);
		if !backers.is_zero() {
			Outstanding::<T>::mutate(|outstanding| {
				*outstanding = outstanding.saturating_add(backers)
			});
		}
		Self::deposit_event(Event::MasternodeRewarded {
			masternode: masternode.clone(),
			operator,
			backers,
		});
		// `operator + backers` is at most `reward`: what the backers cannot claim is not paid.
		operator.saturating_add(backers)
	}

	/// Checks the pallet's invariants (see the crate docs).
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let claimable = Claimable::<T>::iter_values()
			.fold(BalanceOf::<T>::zero(), |sum, amount| sum.saturating_add(amount));
		ensure!(claimable == TotalClaimable::<T>::get(), "TotalClaimable out of sync");
		let points = EraPoints::<T>::iter_values().fold(0u32, |sum, p| sum.saturating_add(p));
		ensure!(points == TotalPoints::<T>::get(), "TotalPoints out of sync");
		ensure!(
			T::Currency::balance(&T::Emission::reward_pot()) >= Self::owed(),
			"the reward pot holds less than it owes"
		);
		Ok(())
	}
}

impl<T: Config> RewardPoints<T::AccountId> for Pallet<T> {
	fn add_points(who: &T::AccountId, points: RewardPoint) {
		// Only active masternodes earn, which also bounds the points map by the active set.
		if points == 0 || !T::Masternodes::is_active(who) {
			return;
		}
		EraPoints::<T>::mutate(who, |p| *p = p.saturating_add(points));
		TotalPoints::<T>::mutate(|total| *total = total.saturating_add(points));
	}
}

impl<T: Config> pallet_authorship::EventHandler<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn note_author(author: T::AccountId) {
		Self::add_points(&author, T::PointsPerBlock::get());
	}
}

impl<T: Config> OnEraEnd<T::AccountId> for Pallet<T> {
	fn on_era_end(era: EraIndex, active: &[T::AccountId], duration_ms: u64) {
		let emission = T::Emission::mint_era_emission(duration_ms);
		let pot = T::Emission::reward_pot();
		let available =
			T::Currency::reducible_balance(&pot, Preservation::Preserve, Fortitude::Polite)
				.saturating_sub(Self::owed());
		let total: u128 = TotalPoints::<T>::take().into();
		let mut paid = BalanceOf::<T>::zero();
		for masternode in active {
			let points: u128 = EraPoints::<T>::take(masternode).into();
			// Jailed or deregistered since the era started: its points are forfeited.
			if points == 0 || total == 0 || !T::Masternodes::is_active(masternode) {
				continue;
			}
			let reward = Self::mul_div(available, points, total);
			paid = paid.saturating_add(Self::reward_masternode(masternode, reward));
		}
		// Points of masternodes that left the active set mid-era are forfeited.
		let _ = EraPoints::<T>::clear(u32::MAX, None);
		Self::deposit_event(Event::EraPaid { era, emission, paid });
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_worst_case(active: &[T::AccountId]) {
		let pot = T::Emission::reward_pot();
		let funds = T::Currency::minimum_balance().saturating_mul(1_000_000_000u32.into());
		T::Currency::set_balance(&pot, funds.saturating_add(Self::owed()));
		for masternode in active {
			Self::add_points(masternode, T::PointsPerBlock::get());
		}
	}
}

impl<T: Config> RewardSettlement<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn settle(
		masternode: &T::AccountId,
		backer: &T::AccountId,
		shares: BalanceOf<T>,
	) -> DispatchResult {
		Self::settle_backer(masternode, backer, shares);
		Ok(())
	}

	fn forget(masternode: &T::AccountId, backer: &T::AccountId) {
		Debts::<T>::remove(masternode, backer);
	}
}
