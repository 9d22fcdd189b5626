//! # Delegation pallet
//!
//! Token holders back masternodes with POP, and every era the best-backed masternodes are
//! elected (delegated proof of stake).
//!
//! ## Pallet API
//!
//! See the [`pallet`] module for the configuration trait, calls, storage, events and errors.
//! The calls are [`delegate`](Pallet::delegate), [`undelegate`](Pallet::undelegate),
//! [`redelegate`](Pallet::redelegate), [`withdraw_unbonded`](Pallet::withdraw_unbonded) and
//! [`withdraw_closed`](Pallet::withdraw_closed).
//!
//! ## Terminology
//!
//! - **Pool**: each masternode's [`Pool`] of delegated POP. Delegations are shares of it; its
//!   value is the POP delegated, after slashes.
//! - **Principal**: the POP held for one [`Delegation`]; above its shares' value only while a
//!   slash is pending.
//! - **Unbonding pool**: the POP that left a masternode's pool and unlocks in one era
//!   ([`UnbondingPools`]), priced in shares like the pool itself; each backer's
//!   [`Unlocking`] chunk holds shares of one.
//! - **Closed pool**: the pool of a masternode that deregistered ([`ClosedPools`]); its
//!   backers' stake unbonds in place.
//! - **Era**: [`SessionsPerEra`] sessions of [`SessionLength`] blocks, from one election to the
//!   next.
//! - **Active set**: the masternodes elected for the current era ([`ActiveSet`]).
//!
//! ## Delegating
//!
//! A backer delegates POP to a registered masternode; the POP stays on the backer's account
//! under a hold. A slash of the masternode lowers the pool's value, so every share is worth
//! less at once, without touching any delegator; a delegator's hold is reduced to the value of
//! its shares (the slashed POP burned) the next time it is touched. Before any change to a
//! delegation its rewards are settled through [`Config::Rewards`], which pays backer rewards
//! per share. Undelegated POP stays held for [`Config::BondingDuration`] eras in a bounded
//! unbonding queue.
//!
//! ## Slashes reach what was at stake
//!
//! Stake that leaves a pool answers for that masternode's slashes until it unlocks, as
//! pallet-staking slashes unlocking chunks: undelegated POP joins the masternode's unbonding
//! pool for its unlock era, and a slash takes the same fraction from the pool and from each
//! of the masternode's unbonding pools that has not unlocked (at most
//! [`Config::BondingDuration`] of them, whatever the number of backers). The loss reaches a
//! backer's hold when its chunk is withdrawn. pallet-staking slashes the chunks that started
//! unbonding in or after the offence's era, because it knows that era; here a fault is
//! counted over an era and slashed at once, and a masternode's open challenges can expire
//! after it left, so all of the bonding duration stays liable.
//!
//! `redelegate` goes through unbonding too: the stake leaves the old pool as a chunk liable
//! to its slashes, and joins the new pool when it unlocks (in `withdraw_unbonded`; it is
//! released instead if the new masternode cannot take it then). An instant move would let a
//! backer who sees a missed challenge coming leave before the slash; pallet-staking keeps a
//! moved nomination liable through the exposure of the eras it backed, and
//! pallet-nomination-pools has no move at all (members unbond, then join another pool).
//! Keeping the moved stake liable while it already backs the new pool would need a debt
//! that follows the stake from pool to pool; unbonding it is the same guarantee with the
//! share maths already there.
//!
//! ## A masternode leaves whatever its backers do
//!
//! A masternode deregisters without asking its backers
//! ([`close_pool`](pop_primitives::DelegatedStake::close_pool)): its
//! pool is closed in one step, and its backers' stake unbonds in place until the era
//! recorded in [`ClosedPools`], liable to the masternode's slashes until then. After that
//! era anyone may release a backer's stake with [`withdraw_closed`](Pallet::withdraw_closed)
//! (rewards settled first). This lazy design is the one that cannot be griefed: the
//! deregistration costs the same with one backer or [`Config::MaxDelegatorsPerMasternode`],
//! it touches no backer's unbonding queue (a full one blocks nothing), and no backer can keep
//! the closed pool alive, since anyone may release it. The account registers again once its
//! closed pool is empty.
//!
//! ## Eras and the election
//!
//! Both era lengths are set at genesis, so one runtime runs minute-long eras on dev chains and
//! hours-long ones in production. At the start of each era, through
//! `pallet_session::SessionManager`:
//! 1. the ending era is handed to [`Config::OnEraEnd`] (reward payout, O(active set));
//! 2. the top [`Config::MaxActiveMasternodes`] electable masternodes by backing (self-bond plus
//!    pool value; ties go to the lower account id) become the active set;
//! 3. the top [`Config::MaxValidators`] of them with session keys become the next validators.
//!    When none qualifies the session keeps its current validators: the set is never empty.
//!
//! ## Implementations
//!
//! - `pallet_session::SessionManager`: the era clock and the election.
//! - [`EpochDuration`]: the session length, as BABE's epoch duration.
//! - `Get<EraIndex>`: the current era, for the pallets that count in eras.
//! - [`pop_primitives::DelegatedStake`]: the pools, to the reward payout, and closing a pool,
//!   to the masternode registry.
//! - [`pop_primitives::ActiveMasternodes`]: the active set, to the content pallet.
//! - [`pop_primitives::OnMasternodeSlash`]: slashes a masternode's pool (open or closed and
//!   not yet unlocked) and its unbonding pools with its self-bond.
//!
//! ## Genesis config
//!
//! [`GenesisConfig`] sets the session length and sessions per era, makes the genesis
//! delegations and elects the first active set.
//!
//! ## Invariants (checked by `try_state`)
//!
//! - Every delegation points at a registered masternode's pool, or at a closed pool.
//! - A closed pool belongs to a masternode that is not registered.
//! - A pool's shares are the sum of its delegations' shares, and its delegator count their
//!   number; its value is at most the sum of their principals (plus one planck of rounding per
//!   backer). The same holds of every unbonding pool and the chunks that hold its shares.
//! - The `Delegation` hold of every backer equals its principals plus the principals of its
//!   unbonding chunks.
//! - Each backer's delegation count matches its delegations, within the bound.
//!
//! ## Code layout
//!
//! - [`pool`]: the share maths of a pool (pricing, delegating, unbonding, leaving, slashing).
//! - `delegations`: backers joining, leaving and moving between pools.
//! - `era`: the era clock, the election and the session manager.
//! - `impls`: the `pop-primitives` traits implemented for other pallets.
//! - `try_state`: the invariants.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use era::EpochDuration;
pub use pallet::*;
pub use pool::{Delegation, Pool, Unlocking};
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod delegations;
mod era;
mod impls;
#[cfg(test)]
mod mock;
pub mod pool;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod try_state;
pub mod weights;

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		UnixTime, ValidatorRegistration,
	},
};
use frame_system::pallet_prelude::*;
use pop_primitives::{EraIndex, MasternodeRegistry, OnEraEnd, RewardSettlement};
use sp_runtime::traits::Zero;

/// Balance type of the currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A backer's unbonding chunk as stored.
pub type UnlockingOf<T> = Unlocking<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

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
		/// Delegated POP left one masternode to back another when it unlocks.
		Redelegated {
			/// The backer.
			delegator: T::AccountId,
			/// The masternode left.
			from: T::AccountId,
			/// The masternode it joins when it unlocks.
			to: T::AccountId,
			/// POP unbonding.
			amount: BalanceOf<T>,
			/// The era from which it joins `to` (in `withdraw_unbonded`).
			unlock_era: EraIndex,
		},
		/// Redelegated POP unlocked but could not join its masternode, and was released.
		RedelegationFailed {
			/// The backer.
			delegator: T::AccountId,
			/// The masternode it was to join.
			masternode: T::AccountId,
			/// POP released instead.
			amount: BalanceOf<T>,
			/// Why it could not join.
			error: DispatchError,
		},
		/// A masternode deregistered: its pool is closed and its backers' stake unbonds.
		PoolClosed {
			/// The masternode.
			masternode: T::AccountId,
			/// The era from which its backers' stake may be withdrawn.
			unlock_era: EraIndex,
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
		/// The masternode deregistered: its pool is closed, and its backers' stake is
		/// unbonding; withdraw it with `withdraw_closed` once it unlocks.
		PoolClosed,
		/// The masternode's pool is not closed.
		PoolNotClosed,
		/// The closed pool's stake has not unlocked yet.
		StillUnbonding,
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

	/// Undelegated and redelegated POP on its way out, per backer, oldest first.
	#[pallet::storage]
	pub type Unbonding<T: Config> = StorageMap<
		_,
		Twox64Concat,
		T::AccountId,
		BoundedVec<UnlockingOf<T>, T::MaxUnbondingChunks>,
		ValueQuery,
	>;

	/// POP that left each masternode's pool, by the era it unlocks in; the masternode's
	/// slashes reach it until then. Its delegator count is the number of chunks holding its
	/// shares.
	#[pallet::storage]
	pub type UnbondingPools<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		T::AccountId,
		Twox64Concat,
		EraIndex,
		Pool<BalanceOf<T>>,
		OptionQuery,
	>;

	/// Pools of masternodes that deregistered, with the era from which their backers' stake
	/// may be withdrawn. The pool itself stays in [`Pools`] until its last backer leaves.
	#[pallet::storage]
	pub type ClosedPools<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, EraIndex, OptionQuery>;

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
			Pallet::<T>::set_active_set(Pallet::<T>::elect());
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

		/// Undelegates `amount` from `masternode`; it stays held for `BondingDuration` eras,
		/// liable to the masternode's slashes until it unlocks. What remains must be zero or at
		/// least `MinDelegation`. A delegation slashed to nothing is simply removed, whatever
		/// `amount` is given.
		///
		/// Errors: `ZeroAmount`, `NotDelegated`, `PoolClosed`, `InsufficientDelegation`,
		/// `BelowMinimum`, `TooManyUnbondingChunks`, `PoolWipedOut`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::undelegate())]
		pub fn undelegate(
			origin: OriginFor<T>,
			masternode: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let delegator = ensure_signed(origin)?;
			Self::do_undelegate(delegator, masternode, amount)
		}

		/// Moves `amount` of the caller's delegation from `from` to `to` through unbonding: it
		/// leaves `from` now, answers for `from`'s slashes for `BondingDuration` eras, and
		/// joins `to` when the caller withdraws it after that (released instead if `to` cannot
		/// take it then). Never instant, so a backer cannot dodge a slash it sees coming.
		///
		/// Errors: those of `undelegate` for `from`, `SameMasternode`, `UnknownMasternode` for
		/// `to`, and `BelowMinimum` when `amount` is too small to open a delegation to `to`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::redelegate())]
		pub fn redelegate(
			origin: OriginFor<T>,
			from: T::AccountId,
			to: T::AccountId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let delegator = ensure_signed(origin)?;
			Self::do_redelegate(delegator, from, to, amount)
		}

		/// Releases every unbonding chunk of the caller whose unlock era has come, less what
		/// slashes took from it since it left its pool; a redelegated chunk joins its new
		/// masternode instead.
		///
		/// Errors: `NothingToWithdraw`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnbondingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let delegator = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(delegator)
		}

		/// Releases `delegator`'s whole stake in the closed pool of the deregistered
		/// `masternode`, once it has unlocked, its rewards settled and any slash applied
		/// first. Anyone may call it, so no backer can keep a closed pool alive.
		///
		/// Errors: `PoolNotClosed`, `StillUnbonding`, `NotDelegated`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw_closed())]
		pub fn withdraw_closed(
			origin: OriginFor<T>,
			delegator: T::AccountId,
			masternode: T::AccountId,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_withdraw_closed(delegator, masternode)
		}
	}
}
