//! Finality as block authors see it: the inherent in which each block's author reports the
//! last block its node finalized, and the stall it shows.
//!
//! The runtime cannot see GRANDPA's finality, yet it must not fault holders for challenges
//! they could not answer while the network is split or finality has stopped. Each author
//! reports its node's finalized block; the highest report stands. A hostile author can only
//! repeat the standing value or raise it up to its parent block, so finality counts as stalled
//! only when no author has seen it move for [`Config::MaxFinalityLag`] blocks: a real stall,
//! or every author colluding. Missed challenges then cost nothing ([`Event::FaultExcused`]);
//! bad proofs still do, since a holder that answers can answer right.

use crate::{Config, Error, FinalityHint, Pallet};
use frame_support::{ensure, inherent::IsFatalError, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;

/// Why a block's finality report is unusable.
#[derive(Encode, Decode, Debug)]
pub enum InherentError {
	/// The block carries no finality report.
	Missing,
}

impl IsFatalError for InherentError {
	fn is_fatal_error(&self) -> bool {
		true
	}
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_note_finality(finalized: BlockNumberFor<T>) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(finalized < now, Error::<T>::FinalizedInFuture);
		FinalityHint::<T>::try_mutate(|hint| {
			ensure!(hint.noted_in < now, Error::<T>::FinalityAlreadyNoted);
			hint.finalized = hint.finalized.max(finalized);
			hint.noted_in = now;
			Ok(())
		})
	}

	/// How far this block is ahead of the last finalized one, if finality is stalled.
	pub(crate) fn finality_stall() -> Option<BlockNumberFor<T>> {
		let lag = FinalityHint::<T>::get().lag(frame_system::Pallet::<T>::block_number());
		(lag > T::MaxFinalityLag::get()).then_some(lag)
	}
}
