//! # Masternodes pallet
//!
//! The registry of POP Network masternodes: operators who stake POP, store content and stream
//! it. An operator registers with a self-bond, held on its account through a fungible hold
//! (never a lock), an endpoint URL where its sidecar serves content, a separate *proof key*
//! that the sidecar signs storage proofs with (the bonded account stays cold), an advertised
//! capacity and a commission.
//!
//! Bond can be added at any time. Unbonded POP stays held in a bounded queue of chunks for
//! [`Config::BondingDuration`] eras and is then withdrawn. Other pallets slash a masternode
//! through [`MasternodeSlashing`]: a fraction of the self-bond and of each of its unbonding
//! chunks that has not unlocked is burned (bond on its way out is still at stake, as
//! pallet-staking slashes unlocking chunks), backers lose the same fraction (through
//! [`Config::OnSlash`]), and the masternode is jailed for [`Config::JailDuration`] eras,
//! after which its operator may unjail it.
//!
//! A masternode deregisters whatever its backers do: its pool is closed through
//! [`Config::Delegations`] in constant work and its backers' stake unbonds there, so no
//! backer can hold an operator hostage. The account registers again once its closed pool is
//! empty. Leaving erases no fault: a slash of an account that deregistered takes the same
//! fraction from its unbonding chunks and, through [`Config::OnSlash`], from its former
//! backers' unbonding stake; there is nothing left to jail.
//!
//! The election (in the delegation pallet) reads electable masternodes and records the active
//! set through [`MasternodeRegistry`].
//!
//! ## Invariants (checked by `try_state`)
//! - The `SelfBond` hold of every account equals its masternode bond plus its unbonding chunks.
//! - Every masternode's proof key maps back to it in [`ProofKeyOwner`]; every entry there is
//!   a registered masternode's key or the [`RetiredProofKeys`] entry of an operator that left
//!   and still has bond unbonding.
//! - Every registered masternode is bonded at least [`Config::MinSelfBond`], unless slashed
//!   below it (then it is not electable).
//! - A jailed masternode has a `jailed_until` era; no other has.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, MutateHold},
		tokens::{Fortitude, Precision},
		Defensive, DefensiveSaturating,
	},
};
use frame_system::pallet_prelude::*;
use pop_primitives::{
	push_unbonding, take_matured, DelegatedStake, EraIndex, MasternodeDirectory,
	MasternodeRegistry, MasternodeSlashing, MasternodeStatus, OnMasternodeLeave, OnMasternodeSlash,
	UnbondingQueue,
};
use sp_runtime::{
	traits::{CheckedSub, Saturating, Zero},
	Perbill,
};

/// Balance type of the currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A masternode as stored.
pub type MasternodeOf<T> = MasternodeInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

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
		/// The native currency, in which bonds are held.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The smallest self-bond with which a masternode can register and be elected.
		#[pallet::constant]
		type MinSelfBond: Get<BalanceOf<Self>>;

		/// Most masternodes that can be registered at once.
		#[pallet::constant]
		type MaxMasternodes: Get<u32>;

		/// Most unbonding chunks an operator can have waiting.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Eras that unbonded POP stays held before it can be withdrawn.
		#[pallet::constant]
		type BondingDuration: Get<EraIndex>;

		/// Eras a slashed masternode stays jailed.
		#[pallet::constant]
		type JailDuration: Get<EraIndex>;

		/// The current era.
		type CurrentEra: Get<EraIndex>;

		/// Delegated stake: closed when its masternode deregisters.
		type Delegations: DelegatedStake<Self::AccountId, BalanceOf<Self>>;

		/// Told about slashes, so that delegated stake loses the same fraction.
		type OnSlash: OnMasternodeSlash<Self::AccountId>;

		/// Told when a masternode deregisters or is jailed, so its content finds other holders.
		type OnLeave: OnMasternodeLeave<Self::AccountId>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A masternode's self-bond, including bond being unbonded.
		#[codec(index = 0)]
		SelfBond,
	}

	/// Events of the pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A masternode registered.
		Registered {
			/// The operator's (bonded) account.
			operator: T::AccountId,
			/// The self-bond now held.
			bond: BalanceOf<T>,
			/// The account its sidecar signs proofs with.
			proof_key: T::AccountId,
		},
		/// A masternode changed its settings.
		Updated {
			/// The operator.
			operator: T::AccountId,
		},
		/// A masternode added to its bond.
		Bonded {
			/// The operator.
			operator: T::AccountId,
			/// POP added to the bond.
			amount: BalanceOf<T>,
		},
		/// A masternode started unbonding.
		Unbonded {
			/// The operator.
			operator: T::AccountId,
			/// POP leaving the bond.
			amount: BalanceOf<T>,
			/// The era from which it can be withdrawn.
			unlock_era: EraIndex,
		},
		/// Unbonded POP was released to the operator.
		Withdrawn {
			/// The operator.
			operator: T::AccountId,
			/// POP released.
			amount: BalanceOf<T>,
		},
		/// A masternode left; its whole bond is unbonding.
		Deregistered {
			/// The former operator.
			operator: T::AccountId,
		},
		/// A masternode's self-bond was slashed.
		Slashed {
			/// The operator.
			operator: T::AccountId,
			/// POP burned from the self-bond and its unbonding chunks.
			amount: BalanceOf<T>,
			/// The fraction of stake slashed, from backers as well.
			fraction: Perbill,
		},
		/// A masternode was jailed.
		Jailed {
			/// The operator.
			operator: T::AccountId,
			/// The first era in which it may unjail.
			until: EraIndex,
		},
		/// A masternode left jail.
		Unjailed {
			/// The operator.
			operator: T::AccountId,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account already runs a masternode.
		AlreadyRegistered,
		/// The account runs no masternode.
		NotRegistered,
		/// The self-bond would be below the minimum.
		BondTooLow,
		/// An amount of zero was given.
		ZeroAmount,
		/// The endpoint is empty, too long, or not an `http://` or `https://` URL.
		InvalidEndpoint,
		/// The proof key is already used by a masternode.
		ProofKeyInUse,
		/// The proof key must not be the operator's own (bonded) account.
		ProofKeyIsOperator,
		/// The advertised capacity is zero.
		ZeroCapacity,
		/// The registry is full.
		TooManyMasternodes,
		/// Too many unbonding chunks are waiting; withdraw first.
		TooManyUnbondingChunks,
		/// No unbonded POP is withdrawable yet.
		NothingToWithdraw,
		/// Backers of an earlier registration of this account are still unbonding in its
		/// closed pool; they (or anyone, once it unlocks) withdraw first.
		StillDelegated,
		/// The masternode is not jailed.
		NotJailed,
		/// The jail period has not ended.
		StillJailed,
		/// More is asked than is bonded.
		InsufficientBond,
	}

	/// Registered masternodes by operator account.
	#[pallet::storage]
	pub type Masternodes<T: Config> =
		CountedStorageMap<_, Twox64Concat, T::AccountId, MasternodeOf<T>, OptionQuery>;

	/// The masternode each proof key signs for.
	#[pallet::storage]
	pub type ProofKeyOwner<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, T::AccountId, OptionQuery>;

	/// The proof key of each masternode that deregistered while its bond unbonds. The key stays
	/// mapped in [`ProofKeyOwner`] meanwhile, so the masternode can still answer the challenges
	/// it had open when it left (a miss is a fault that slashes the unbonding bond); it is
	/// freed when the last unbonding chunk is withdrawn, or taken back if the operator
	/// registers again with it.
	#[pallet::storage]
	pub type RetiredProofKeys<T: Config> =
		StorageMap<_, Twox64Concat, T::AccountId, T::AccountId, OptionQuery>;

	/// Bond on its way out, per operator, oldest first.
	#[pallet::storage]
	pub type Unbonding<T: Config> = StorageMap<
		_,
		Twox64Concat,
		T::AccountId,
		UnbondingQueue<BalanceOf<T>, T::MaxUnbondingChunks>,
		ValueQuery,
	>;

	/// Masternodes registered at genesis.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// `(operator, bond, endpoint, proof key, capacity, commission)`.
		pub masternodes: Vec<(T::AccountId, BalanceOf<T>, Vec<u8>, T::AccountId, u64, Perbill)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (operator, bond, endpoint, proof_key, capacity, commission) in &self.masternodes {
				Pallet::<T>::do_register(
					operator,
					*bond,
					endpoint.clone(),
					proof_key.clone(),
					*capacity,
					*commission,
				)
				.expect("genesis masternodes must be valid");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::MinSelfBond::get().is_zero(), "MinSelfBond must be positive");
			assert!(T::MaxMasternodes::get() > 0, "MaxMasternodes must be positive");
			assert!(T::MaxUnbondingChunks::get() > 0, "MaxUnbondingChunks must be positive");
			assert!(T::BondingDuration::get() > 0, "BondingDuration must be at least one era");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a masternode, holding `bond` from its free balance.
		///
		/// Errors: `AlreadyRegistered`, `StillDelegated`, `BondTooLow`, `InvalidEndpoint`,
		/// `ProofKeyInUse`, `ProofKeyIsOperator`, `ZeroCapacity`, `TooManyMasternodes`, and
		/// the currency's error when the bond cannot be held.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			#[pallet::compact] bond: BalanceOf<T>,
			endpoint: Vec<u8>,
			proof_key: T::AccountId,
			#[pallet::compact] capacity: u64,
			commission: Perbill,
		) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			Self::do_register(&operator, bond, endpoint, proof_key, capacity, commission)
		}

		/// Changes the endpoint, proof key, capacity or commission of the caller's masternode.
		///
		/// Errors: `NotRegistered`, `InvalidEndpoint`, `ProofKeyInUse`, `ProofKeyIsOperator`,
		/// `ZeroCapacity`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update())]
		pub fn update(
			origin: OriginFor<T>,
			update: MasternodeUpdate<T::AccountId>,
		) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			let mut node = Masternodes::<T>::get(&operator).ok_or(Error::<T>::NotRegistered)?;
			if let Some(endpoint) = update.endpoint {
				node.endpoint = Self::checked_endpoint(endpoint)?;
			}
			if let Some(capacity) = update.capacity {
				ensure!(capacity > 0, Error::<T>::ZeroCapacity);
				node.capacity = capacity;
			}
			if let Some(commission) = update.commission {
				node.commission = commission;
			}
			if let Some(proof_key) = update.proof_key {
				if proof_key != node.proof_key {
					Self::ensure_proof_key_free(&operator, &proof_key)?;
					ProofKeyOwner::<T>::remove(&node.proof_key);
					Self::take_back_retired(&operator, &proof_key);
					ProofKeyOwner::<T>::insert(&proof_key, &operator);
					node.proof_key = proof_key;
				}
			}
			Masternodes::<T>::insert(&operator, node);
			Self::deposit_event(Event::Updated { operator });
			Ok(())
		}

		/// Adds `amount` from the caller's free balance to its masternode's bond.
		///
		/// Errors: `NotRegistered`, `ZeroAmount`, and the currency's error when it cannot be
		/// held.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::bond_more())]
		pub fn bond_more(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			Masternodes::<T>::try_mutate(&operator, |node| -> DispatchResult {
				let node = node.as_mut().ok_or(Error::<T>::NotRegistered)?;
				T::Currency::hold(&HoldReason::SelfBond.into(), &operator, amount)?;
				node.bond = node.bond.saturating_add(amount);
				Ok(())
			})?;
			Self::deposit_event(Event::Bonded { operator, amount });
			Ok(())
		}

		/// Starts unbonding `amount` of the caller's bond; it stays held for
		/// `BondingDuration` eras. The bond left must be at least `MinSelfBond`; to leave
		/// entirely, use `deregister`.
		///
		/// Errors: `NotRegistered`, `ZeroAmount`, `InsufficientBond`, `BondTooLow`,
		/// `TooManyUnbondingChunks`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut node = Masternodes::<T>::get(&operator).ok_or(Error::<T>::NotRegistered)?;
			let remaining = node.bond.checked_sub(&amount).ok_or(Error::<T>::InsufficientBond)?;
			ensure!(remaining >= T::MinSelfBond::get(), Error::<T>::BondTooLow);
			let unlock_era = Self::push_unbonding(&operator, amount)?;
			node.bond = remaining;
			Masternodes::<T>::insert(&operator, node);
			Self::deposit_event(Event::Unbonded { operator, amount, unlock_era });
			Ok(())
		}

		/// Releases every unbonding chunk of the caller whose unlock era has come.
		///
		/// Errors: `NothingToWithdraw`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnbondingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			let mut chunks = Unbonding::<T>::get(&operator);
			let amount = take_matured(&mut chunks, T::CurrentEra::get());
			ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
			T::Currency::release(
				&HoldReason::SelfBond.into(),
				&operator,
				amount,
				Precision::Exact,
			)?;
			if chunks.is_empty() {
				Unbonding::<T>::remove(&operator);
				// Nothing is left to slash, so nothing is left to answer for.
				if let Some(proof_key) = RetiredProofKeys::<T>::take(&operator) {
					ProofKeyOwner::<T>::remove(&proof_key);
				}
			} else {
				Unbonding::<T>::insert(&operator, chunks);
			}
			Self::deposit_event(Event::Withdrawn { operator, amount });
			Ok(())
		}

		/// Leaves the registry: the whole bond starts unbonding; the proof key keeps signing
		/// for the masternode until the bond is withdrawn, to answer challenges it had open.
		/// Backers do not have to leave first: the masternode's pool closes and their stake
		/// unbonds for the bonding duration, in constant work whatever their number. Both the
		/// bond and the backers' stake stay liable to slashes for faults of challenges the
		/// masternode had open. A jailed masternode cannot escape its jail term.
		///
		/// Errors: `NotRegistered`, `StillJailed`, `TooManyUnbondingChunks`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::deregister())]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			let node = Masternodes::<T>::get(&operator).ok_or(Error::<T>::NotRegistered)?;
			ensure!(node.status != MasternodeStatus::Jailed, Error::<T>::StillJailed);
			if !node.bond.is_zero() {
				Self::push_unbonding(&operator, node.bond)?;
			}
			Self::retire_proof_key(&operator, node.proof_key);
			Masternodes::<T>::remove(&operator);
			T::Delegations::close_pool(&operator);
			T::OnLeave::on_leave(&operator);
			Self::deposit_event(Event::Deregistered { operator });
			Ok(())
		}

		/// Leaves jail once the jail period is over; the masternode becomes Idle and can be
		/// elected again (if still bonded at least `MinSelfBond`).
		///
		/// Errors: `NotRegistered`, `NotJailed`, `StillJailed`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::unjail())]
		pub fn unjail(origin: OriginFor<T>) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			Masternodes::<T>::try_mutate(&operator, |node| -> DispatchResult {
				let node = node.as_mut().ok_or(Error::<T>::NotRegistered)?;
				let until = node.jailed_until.ok_or(Error::<T>::NotJailed)?;
				ensure!(T::CurrentEra::get() >= until, Error::<T>::StillJailed);
				node.status = MasternodeStatus::Idle;
				node.jailed_until = None;
				Ok(())
			})?;
			Self::deposit_event(Event::Unjailed { operator });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	fn do_register(
		operator: &T::AccountId,
		bond: BalanceOf<T>,
		endpoint: Vec<u8>,
		proof_key: T::AccountId,
		capacity: u64,
		commission: Perbill,
	) -> DispatchResult {
		ensure!(!Masternodes::<T>::contains_key(operator), Error::<T>::AlreadyRegistered);
		// Backers of an earlier registration still unbonding in its closed pool.
		ensure!(!T::Delegations::has_delegators(operator), Error::<T>::StillDelegated);
		ensure!(bond >= T::MinSelfBond::get(), Error::<T>::BondTooLow);
		let endpoint = Self::checked_endpoint(endpoint)?;
		ensure!(capacity > 0, Error::<T>::ZeroCapacity);
		Self::ensure_proof_key_free(operator, &proof_key)?;
		ensure!(
			Masternodes::<T>::count() < T::MaxMasternodes::get(),
			Error::<T>::TooManyMasternodes
		);
		T::Currency::hold(&HoldReason::SelfBond.into(), operator, bond)?;
		Self::take_back_retired(operator, &proof_key);
		ProofKeyOwner::<T>::insert(&proof_key, operator);
		Masternodes::<T>::insert(
			operator,
			MasternodeInfo {
				bond,
				endpoint,
				proof_key: proof_key.clone(),
				capacity,
				commission,
				status: MasternodeStatus::Idle,
				jailed_until: None,
			},
		);
		Self::deposit_event(Event::Registered { operator: operator.clone(), bond, proof_key });
		Ok(())
	}

	/// Accepts `http://host...` and `https://host...` URLs of printable ASCII.
	fn checked_endpoint(endpoint: Vec<u8>) -> Result<Endpoint, DispatchError> {
		let valid_scheme = [&b"http://"[..], &b"https://"[..]]
			.iter()
			.any(|scheme| endpoint.len() > scheme.len() && endpoint.starts_with(scheme));
		let printable = endpoint.iter().all(|b| b.is_ascii_graphic());
		ensure!(valid_scheme && printable, Error::<T>::InvalidEndpoint);
		Endpoint::try_from(endpoint).map_err(|_| Error::<T>::InvalidEndpoint.into())
	}

	fn ensure_proof_key_free(operator: &T::AccountId, proof_key: &T::AccountId) -> DispatchResult {
		ensure!(proof_key != operator, Error::<T>::ProofKeyIsOperator);
		// An operator that left may take its own retired key back.
		let own_retired = RetiredProofKeys::<T>::get(operator).as_ref() == Some(proof_key);
		ensure!(
			own_retired || !ProofKeyOwner::<T>::contains_key(proof_key),
			Error::<T>::ProofKeyInUse
		);
		ensure!(!Masternodes::<T>::contains_key(proof_key), Error::<T>::ProofKeyInUse);
		Ok(())
	}

	/// Makes `proof_key`, if it is `operator`'s retired key, a live key again.
	fn take_back_retired(operator: &T::AccountId, proof_key: &T::AccountId) {
		RetiredProofKeys::<T>::mutate_exists(operator, |retired| {
			if retired.as_ref() == Some(proof_key) {
				*retired = None;
			}
		});
	}

	/// Keeps `proof_key` signing for `operator`, which is leaving, while it has bond
	/// unbonding to answer with; frees it at once when it has none. A key retired earlier by
	/// the same operator (it registered again and left again) is freed.
	fn retire_proof_key(operator: &T::AccountId, proof_key: T::AccountId) {
		let earlier = if Unbonding::<T>::contains_key(operator) {
			RetiredProofKeys::<T>::mutate(operator, |retired| retired.replace(proof_key))
		} else {
			Some(proof_key)
		};
		if let Some(freed) = earlier {
			ProofKeyOwner::<T>::remove(&freed);
		}
	}

	/// Queues `amount` (already held) for release after the bonding duration.
	fn push_unbonding(
		operator: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<EraIndex, DispatchError> {
		let unlock_era = T::CurrentEra::get().saturating_add(T::BondingDuration::get());
		Unbonding::<T>::try_mutate(operator, |chunks| {
			push_unbonding(chunks, amount, unlock_era)
				.map_err(|_| Error::<T>::TooManyUnbondingChunks)?;
			Ok(unlock_era)
		})
	}

	/// Checks the pallet's invariants (see the crate docs).
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut holders = alloc::collections::BTreeSet::new();
		for (operator, node) in Masternodes::<T>::iter() {
			ensure!(
				ProofKeyOwner::<T>::get(&node.proof_key).as_ref() == Some(&operator),
				"proof key does not map back to its masternode"
			);
			ensure!(
				(node.status == MasternodeStatus::Jailed) == node.jailed_until.is_some(),
				"jailed_until set exactly on jailed masternodes"
			);
			holders.insert(operator);
		}
		for (proof_key, operator) in ProofKeyOwner::<T>::iter() {
			let live = Masternodes::<T>::get(&operator).is_some_and(|n| n.proof_key == proof_key);
			let retired = RetiredProofKeys::<T>::get(&operator).as_ref() == Some(&proof_key);
			ensure!(live || retired, "proof key of no masternode");
		}
		for (operator, proof_key) in RetiredProofKeys::<T>::iter() {
			ensure!(
				ProofKeyOwner::<T>::get(&proof_key).as_ref() == Some(&operator),
				"retired proof key does not map back to its operator"
			);
			ensure!(Unbonding::<T>::contains_key(&operator), "retired key of nothing unbonding");
		}
		holders.extend(Unbonding::<T>::iter_keys());
		for who in holders {
			let bonded = Masternodes::<T>::get(&who).map(|n| n.bond).unwrap_or_default();
			let unbonding = pop_primitives::unbonding_total(&Unbonding::<T>::get(&who));
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::SelfBond.into(), &who)
					== bonded.saturating_add(unbonding),
				"SelfBond hold differs from bond plus unbonding"
			);
		}
		ensure!(
			Masternodes::<T>::count() as usize == Masternodes::<T>::iter_keys().count(),
			"masternode counter out of sync"
		);
		Ok(())
	}
}

impl<T: Config> MasternodeRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn self_bond(who: &T::AccountId) -> Option<BalanceOf<T>> {
		Masternodes::<T>::get(who).map(|node| node.bond)
	}

	fn is_active(who: &T::AccountId) -> bool {
		Masternodes::<T>::get(who).is_some_and(|node| node.status == MasternodeStatus::Active)
	}

	fn commission(who: &T::AccountId) -> Perbill {
		Masternodes::<T>::get(who).map(|node| node.commission).unwrap_or_default()
	}

	fn electable() -> Vec<(T::AccountId, BalanceOf<T>)> {
		let min = T::MinSelfBond::get();
		Masternodes::<T>::iter()
			.filter(|(_, node)| node.status != MasternodeStatus::Jailed && node.bond >= min)
			.map(|(operator, node)| (operator, node.bond))
			.collect()
	}

	fn set_active_set(active: &[T::AccountId]) {
		let active: alloc::collections::BTreeSet<&T::AccountId> = active.iter().collect();
		for (operator, mut node) in Masternodes::<T>::iter() {
			if node.status == MasternodeStatus::Jailed {
				continue;
			}
			let status = if active.contains(&operator) {
				MasternodeStatus::Active
			} else {
				MasternodeStatus::Idle
			};
			if node.status != status {
				node.status = status;
				Masternodes::<T>::insert(&operator, node);
			}
		}
	}

	fn max_registered() -> u32 {
		T::MaxMasternodes::get()
	}
}

impl<T: Config> MasternodeDirectory<T::AccountId> for Pallet<T> {
	fn storage_offer(who: &T::AccountId) -> Option<u64> {
		Masternodes::<T>::get(who)
			.filter(|node| node.status != MasternodeStatus::Jailed)
			.map(|node| node.capacity)
	}

	fn endpoint(who: &T::AccountId) -> Option<Vec<u8>> {
		Masternodes::<T>::get(who).map(|node| node.endpoint.into_inner())
	}

	fn operator_of(proof_key: &T::AccountId) -> Option<T::AccountId> {
		ProofKeyOwner::<T>::get(proof_key)
	}

	fn proof_key(who: &T::AccountId) -> Option<T::AccountId> {
		Masternodes::<T>::get(who).map(|node| node.proof_key)
	}
}

impl<T: Config> Pallet<T> {
	/// Burns `amount` of `who`'s `SelfBond` hold; returns what was burned. `BestEffort`, so a
	/// hold already drained by another hold-level operation cannot make a slash fail: it burns
	/// at most what is held.
	fn burn_bond(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		T::Currency::burn_held(
			&HoldReason::SelfBond.into(),
			who,
			amount,
			Precision::BestEffort,
			Fortitude::Force,
		)
		.defensive_unwrap_or_default()
	}

	/// Burns `fraction` of each of `who`'s unbonding chunks that has not unlocked (at most
	/// `MaxUnbondingChunks`); returns the total burned.
	fn slash_unbonding(who: &T::AccountId, fraction: Perbill) -> BalanceOf<T> {
		let era = T::CurrentEra::get();
		let mut total = BalanceOf::<T>::zero();
		Unbonding::<T>::mutate_exists(who, |chunks| {
			let Some(queue) = chunks else { return };
			for chunk in queue.iter_mut().filter(|chunk| chunk.unlock_era > era) {
				let burned = Self::burn_bond(who, fraction * chunk.amount);
				// At most a fraction of the chunk.
				chunk.amount = chunk.amount.defensive_saturating_sub(burned);
				total = total.saturating_add(burned);
			}
			queue.retain(|chunk| !chunk.amount.is_zero());
			if queue.is_empty() {
				*chunks = None;
			}
		});
		total
	}
}

impl<T: Config> MasternodeSlashing<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn slash_and_jail(who: &T::AccountId, fraction: Perbill) -> BalanceOf<T> {
		let unbonding = Self::slash_unbonding(who, fraction);
		let Some(mut node) = Masternodes::<T>::get(who) else {
			// Deregistered: its unbonding stake and its former backers' answer for the fault.
			T::OnSlash::on_slash(who, fraction);
			if !unbonding.is_zero() {
				Self::deposit_event(Event::Slashed {
					operator: who.clone(),
					amount: unbonding,
					fraction,
				});
			}
			return unbonding;
		};
		let burned = Self::burn_bond(who, fraction * node.bond);
		// At most a fraction of the bond.
		node.bond = node.bond.defensive_saturating_sub(burned);
		let until = T::CurrentEra::get().saturating_add(T::JailDuration::get());
		node.status = MasternodeStatus::Jailed;
		node.jailed_until = Some(until);
		Masternodes::<T>::insert(who, node);
		T::OnSlash::on_slash(who, fraction);
		T::OnLeave::on_leave(who);
		let amount = burned.saturating_add(unbonding);
		Self::deposit_event(Event::Slashed { operator: who.clone(), amount, fraction });
		Self::deposit_event(Event::Jailed { operator: who.clone(), until });
		amount
	}
	fn slash_weight() -> Weight {
		T::WeightInfo::slash_and_jail()
			.saturating_add(T::OnSlash::on_slash_weight())
			.saturating_add(T::OnLeave::on_leave_weight())
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> pop_primitives::BenchmarkHelper<T::AccountId> for Pallet<T>
where
	T::Currency: frame_support::traits::fungible::Mutate<T::AccountId>,
{
	fn registered(index: u32) -> T::AccountId {
		use frame_support::traits::fungible::Mutate;
		let operator: T::AccountId = frame_benchmarking::account("masternode", index, 0);
		let bond = T::MinSelfBond::get().saturating_mul(10u32.into());
		T::Currency::set_balance(&operator, bond.saturating_mul(10u32.into()));
		let endpoint = alloc::format!("https://masternode-{index}.example").into_bytes();
		Self::do_register(
			&operator,
			bond,
			endpoint,
			<Self as pop_primitives::BenchmarkHelper<T::AccountId>>::proof_key(index),
			1 << 40,
			Perbill::from_percent(10),
		)
		.expect("a fresh account registers");
		operator
	}

	fn proof_key(index: u32) -> T::AccountId {
		frame_benchmarking::account("proof", index, 0)
	}
}
