//! The era clock and the election: `pallet_session` asks at every session boundary for the
//! next validators, and every [`crate::SessionsPerEra`]-th session ends the era, pays it out
//! through [`Config::OnEraEnd`] and elects the next active set.

use crate::{
	ActiveSet, BalanceOf, Config, CurrentEra, EraStartedAt, Event, Pallet, Pools, SessionLength,
	SessionsPerEra,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	traits::{Get, UnixTime, ValidatorRegistration},
	BoundedVec,
};
use pop_primitives::{EraIndex, MasternodeRegistry, OnEraEnd};
use sp_runtime::traits::{Saturating, UniqueSaturatedInto};
use sp_staking::SessionIndex;

impl<T: Config> Pallet<T> {
	/// Total backing of a masternode: self-bond plus delegated value.
	pub fn backing(masternode: &T::AccountId, self_bond: BalanceOf<T>) -> BalanceOf<T> {
		// A masternode nobody backs has no pool.
		let delegated = Pools::<T>::get(masternode).map(|pool| pool.value).unwrap_or_default();
		self_bond.saturating_add(delegated)
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

	/// Makes `active` the active set, in the registry and here.
	pub(crate) fn set_active_set(active: Vec<T::AccountId>) {
		T::Masternodes::set_active_set(&active);
		ActiveSet::<T>::put(BoundedVec::truncate_from(active));
	}

	/// Ends the current era, elects the next active set and returns its validators, or
	/// `None` to keep the current validators when no active masternode has session keys.
	pub(crate) fn rotate_era() -> Option<Vec<T::AccountId>> {
		let ended = CurrentEra::<T>::get();
		let now = Self::now_ms();
		let duration = now.saturating_sub(EraStartedAt::<T>::get());
		T::OnEraEnd::on_era_end(ended, &ActiveSet::<T>::get(), duration);

		let era = ended.saturating_add(1);
		CurrentEra::<T>::put(era);
		EraStartedAt::<T>::put(now);
		let active = Self::elect();
		Self::set_active_set(active.clone());
		let validators: Vec<T::AccountId> = active
			.iter()
			.filter(|who| T::ValidatorKeys::is_registered(who))
			.take(T::MaxValidators::get() as usize)
			.cloned()
			.collect();
		Self::deposit_event(Event::EraStarted { era, active, validators: validators.clone() });
		(!validators.is_empty()).then_some(validators)
	}

	/// Wall-clock time in Unix milliseconds.
	pub(crate) fn now_ms() -> u64 {
		T::Time::now().as_millis().unique_saturated_into()
	}
}

/// The current era, for pallets that count in eras (the masternode registry, content faults).
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
