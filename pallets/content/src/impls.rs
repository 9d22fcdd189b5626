//! What the pallet offers other pallets through the traits of `pop-primitives`: it learns of
//! masternodes that can no longer hold content ([`OnMasternodeLeave`]) and is the token
//! pallet's catalog of priced content ([`ContentCatalog`]).

use crate::{Assignments, BalanceOf, Config, Contents, HandingOver, Pallet};
use alloc::vec::Vec;
use frame_support::traits::Get;
use pop_primitives::{commitment::ContentId, ContentCatalog, OnMasternodeLeave};
use sp_runtime::Weight;

impl<T: Config> OnMasternodeLeave<T::AccountId> for Pallet<T> {
	/// A masternode holding replicas starts handing them over, a few per block.
	fn on_leave(who: &T::AccountId) {
		if Assignments::<T>::iter_key_prefix(who).next().is_some() {
			HandingOver::<T>::insert(who, ());
		}
	}

	/// One key read, one write: the work is deferred to `reassign`, charged per block.
	fn on_leave_weight() -> Weight {
		T::DbWeight::get().reads_writes(1, 1)
	}
}

impl<T: Config> ContentCatalog<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn price_of(content: &ContentId) -> Option<(T::AccountId, BalanceOf<T>)> {
		Contents::<T>::get(content).map(|info| (info.owner, info.price))
	}

	fn servers_of(content: &ContentId) -> Vec<T::AccountId> {
		Contents::<T>::get(content)
			.map(|info| {
				info.replicas
					.into_iter()
					.filter(|replica| replica.confirmed)
					.map(|replica| replica.holder)
					.collect()
			})
			.unwrap_or_default()
	}
}
