//! # POP token pallet
//!
//! The economics of the POP token, on top of `pallet-balances` (POP is the native currency).
//!
//! - **Emission.** At the end of every era, new POP is minted into the reward pot: total
//!   issuance × the yearly inflation rate × the era's share of a year. The rate starts at
//!   [`Config::InitialInflation`] and shrinks by [`Config::InflationDecay`] for every full
//!   year the chain has run, down to [`Config::MinimumInflation`].
//! - **Fees.** [`DealWithFees`] sends [`Config::FeeToPot`] of every transaction fee (and
//!   tip) to the reward pot and burns the rest.
//! - **Viewer payments.** A viewer pays for priced content once and receives a grant for
//!   [`Config::GrantDuration`] blocks. The price is split between the creator
//!   ([`Config::CreatorShare`]), the masternodes that serve the content
//!   ([`Config::ServersShare`], equally, at most [`Config::MaxServersPaid`] of them) and a
//!   burn (the rest). Content ids and prices come from [`Config::Catalog`], which the content
//!   pallet implements.
//!
//! ## Invariants (checked by `try_state`)
//! - Total issuance equals the sum of all account balances, the pot included.
//! - The reward pot exists (holds at least the existential deposit).

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

use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Balanced, Credit, Inspect, Mutate},
		tokens::{Fortitude, Precision, Preservation},
		Imbalance, OnUnbalanced,
	},
	PalletId,
};
use frame_system::pallet_prelude::*;
pub use pop_primitives::commitment::ContentId;
use pop_primitives::{ContentCatalog, EraEmission};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AccountIdConversion, Saturating, UniqueSaturatedInto, Zero},
	Perbill, Rounding,
};

/// Balance type of the currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Milliseconds in a (Julian) year.
pub const MILLISECONDS_PER_YEAR: u64 = 1_000 * 3_600 * 24 * 36_525 / 100;

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
		type Currency: Mutate<Self::AccountId> + Balanced<Self::AccountId>;

		/// Derives the reward pot's account.
		#[pallet::constant]
		type PotId: Get<PalletId>;

		/// Yearly inflation in the first year.
		#[pallet::constant]
		type InitialInflation: Get<Perbill>;

		/// Fraction by which the inflation rate shrinks each full year.
		#[pallet::constant]
		type InflationDecay: Get<Perbill>;

		/// The inflation rate never falls below this.
		#[pallet::constant]
		type MinimumInflation: Get<Perbill>;

		/// Share of transaction fees that goes to the reward pot; the rest is burned.
		#[pallet::constant]
		type FeeToPot: Get<Perbill>;

		/// Priced content: its creator, price and servers.
		type Catalog: ContentCatalog<Self::AccountId, BalanceOf<Self>>;

		/// Share of a content price paid to its creator.
		#[pallet::constant]
		type CreatorShare: Get<Perbill>;

		/// Share of a content price split among the masternodes serving it.
		#[pallet::constant]
		type ServersShare: Get<Perbill>;

		/// Most serving masternodes paid for one view.
		#[pallet::constant]
		type MaxServersPaid: Get<u32>;

		/// Blocks a paid grant lasts.
		#[pallet::constant]
		type GrantDuration: Get<BlockNumberFor<Self>>;

		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	/// Events of the pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Era emission was minted into the reward pot.
		EmissionMinted {
			/// POP minted.
			amount: BalanceOf<T>,
			/// The yearly inflation rate applied.
			rate: Perbill,
		},
		/// A viewer paid for content and holds a grant.
		ContentPaid {
			/// The viewer.
			viewer: T::AccountId,
			/// The content.
			content: ContentId,
			/// The price paid.
			price: BalanceOf<T>,
			/// Paid to the creator.
			to_creator: BalanceOf<T>,
			/// Paid to the serving masternodes together.
			to_servers: BalanceOf<T>,
			/// Burned.
			burned: BalanceOf<T>,
			/// The last block of the grant.
			expires: BlockNumberFor<T>,
		},
	}

	/// Errors of the pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The content is not registered.
		UnknownContent,
		/// The content is free; there is nothing to pay.
		NotPriced,
		/// The price is above what the viewer agreed to pay.
		PriceAboveLimit,
	}

	/// Milliseconds the chain has run, summed over ended eras; drives the inflation decay.
	#[pallet::storage]
	pub type Elapsed<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Grants: the last block at which a viewer may stream a content item it paid for.
	#[pallet::storage]
	pub type Grants<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Identity,
		ContentId,
		BlockNumberFor<T>,
		OptionQuery,
	>;

	/// Funds the reward pot at genesis (at least the existential deposit, so it exists).
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// POP minted into the reward pot at genesis.
		pub pot_balance: BalanceOf<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let amount = self.pot_balance.max(T::Currency::minimum_balance());
			T::Currency::mint_into(&Pallet::<T>::pot(), amount)
				.expect("minting the pot at genesis works");
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(
				T::CreatorShare::get().saturating_add(T::ServersShare::get()) <= Perbill::one(),
				"creator and server shares cannot exceed the price"
			);
			assert!(T::MinimumInflation::get() <= T::InitialInflation::get());
			assert!(!T::GrantDuration::get().is_zero(), "grants must last at least a block");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Pays for `content` and grants the caller access for `GrantDuration` blocks (from
		/// now, or extended from a grant still running). Fails if the price is above
		/// `max_price`, so a price change cannot surprise the viewer.
		///
		/// Errors: `UnknownContent`, `NotPriced`, `PriceAboveLimit`, and the currency's error
		/// when the caller cannot pay.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::pay_for_content(T::MaxServersPaid::get()))]
		pub fn pay_for_content(
			origin: OriginFor<T>,
			content: ContentId,
			#[pallet::compact] max_price: BalanceOf<T>,
		) -> DispatchResult {
			let viewer = ensure_signed(origin)?;
			let (creator, price) =
				T::Catalog::price_of(&content).ok_or(Error::<T>::UnknownContent)?;
			ensure!(!price.is_zero(), Error::<T>::NotPriced);
			ensure!(price <= max_price, Error::<T>::PriceAboveLimit);

			let mut servers = T::Catalog::servers_of(&content);
			servers.truncate(T::MaxServersPaid::get() as usize);
			let to_servers =
				if servers.is_empty() { Zero::zero() } else { T::ServersShare::get() * price };
			let per_server = if servers.is_empty() {
				Zero::zero()
			} else {
				to_servers / (servers.len() as u32).into()
			};
			let to_servers = per_server.saturating_mul((servers.len() as u32).into());
			let to_creator = T::CreatorShare::get() * price;
			let burned = price.saturating_sub(to_creator).saturating_sub(to_servers);

			for server in &servers {
				T::Currency::transfer(&viewer, server, per_server, Preservation::Expendable)?;
			}
			T::Currency::transfer(&viewer, &creator, to_creator, Preservation::Expendable)?;
			T::Currency::burn_from(
				&viewer,
				burned,
				Preservation::Expendable,
				Precision::Exact,
				Fortitude::Polite,
			)?;

			let now = frame_system::Pallet::<T>::block_number();
			let start = Grants::<T>::get(&viewer, content).filter(|end| *end >= now).unwrap_or(now);
			let expires = start.saturating_add(T::GrantDuration::get());
			Grants::<T>::insert(&viewer, content, expires);
			Self::deposit_event(Event::ContentPaid {
				viewer,
				content,
				price,
				to_creator,
				to_servers,
				burned,
				expires,
			});
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The reward pot's account.
	pub fn pot() -> T::AccountId {
		T::PotId::get().into_account_truncating()
	}

	/// Whether `viewer` may stream `content` now.
	pub fn has_grant(viewer: &T::AccountId, content: &ContentId) -> bool {
		Grants::<T>::get(viewer, content)
			.is_some_and(|end| end >= frame_system::Pallet::<T>::block_number())
	}

	/// The yearly inflation rate after `elapsed_ms` of chain time.
	pub fn inflation_rate(elapsed_ms: u64) -> Perbill {
		let years = (elapsed_ms / MILLISECONDS_PER_YEAR) as usize;
		let keep = Perbill::one().saturating_sub(T::InflationDecay::get());
		(T::InitialInflation::get() * keep.saturating_pow(years)).max(T::MinimumInflation::get())
	}

	/// Checks the pallet's invariants (see the crate docs).
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let total = frame_system::Account::<T>::iter_keys()
			.fold(BalanceOf::<T>::zero(), |sum, who| {
				sum.saturating_add(T::Currency::total_balance(&who))
			});
		ensure!(total == T::Currency::total_issuance(), "issuance differs from the balances");
		ensure!(
			T::Currency::balance(&Self::pot()) >= T::Currency::minimum_balance(),
			"the reward pot does not exist"
		);
		Ok(())
	}
}

impl<T: Config> EraEmission<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn mint_era_emission(era_duration_ms: u64) -> BalanceOf<T> {
		let rate = Self::inflation_rate(Elapsed::<T>::get());
		Elapsed::<T>::mutate(|elapsed| *elapsed = elapsed.saturating_add(era_duration_ms));
		let yearly: u128 = (rate * T::Currency::total_issuance()).unique_saturated_into();
		let amount: BalanceOf<T> = multiply_by_rational_with_rounding(
			yearly,
			era_duration_ms.into(),
			MILLISECONDS_PER_YEAR.into(),
			Rounding::Down,
		)
		.unwrap_or_default()
		.unique_saturated_into();
		if amount.is_zero() {
			return amount;
		}
		match T::Currency::mint_into(&Self::pot(), amount) {
			Ok(minted) => {
				Self::deposit_event(Event::EmissionMinted { amount: minted, rate });
				minted
			}
			// Only an issuance overflow can fail here; then nothing is minted.
			Err(_) => Zero::zero(),
		}
	}

	fn reward_pot() -> T::AccountId {
		Self::pot()
	}
}

/// Transaction fee handler: [`Config::FeeToPot`] of fees and tips to the reward pot, the
/// rest burned (dropping a credit reduces total issuance).
pub struct DealWithFees<T>(core::marker::PhantomData<T>);

impl<T: Config> OnUnbalanced<Credit<T::AccountId, T::Currency>> for DealWithFees<T> {
	fn on_nonzero_unbalanced(fees: Credit<T::AccountId, T::Currency>) {
		let to_pot = T::FeeToPot::get() * fees.peek();
		let (to_pot, _burned) = fees.split(to_pot);
		// The pot always exists, so resolving into it cannot fail for lack of an ED.
		if T::Currency::resolve(&Pallet::<T>::pot(), to_pot).is_err() {
			frame_support::defensive!("the reward pot exists");
		}
	}
}
