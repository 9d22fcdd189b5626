//! Confirmation deadlines and fetch windows: an item nobody confirmed is dropped after
//! `ConfirmationTimeout`, and a holder that does not fetch and confirm an item from a
//! confirmed holder within a window sized to the item loses its replica. Neither is a fault.

use crate::{
	Config, ContentDeadlines, ContentInfo, Contents, DeadlineCursor, Event, Pallet, WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{defensive, traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use pop_primitives::commitment::ContentId;
use sp_runtime::{
	traits::{One, Saturating},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// Blocks a holder has to fetch and confirm an item of `size` bytes:
	/// `FetchWindowBase + ceil(size / FetchBytesPerBlock)`.
	pub fn fetch_window(size: u64) -> BlockNumberFor<T> {
		let transfer = size.div_ceil(T::FetchBytesPerBlock::get().max(1));
		T::FetchWindowBase::get().saturating_add(transfer.saturated_into())
	}

	/// The last block of a fetch window of an item of `size` bytes that starts now.
	pub(crate) fn fetch_deadline(size: u64) -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number().saturating_add(Self::fetch_window(size))
	}

	/// Whether a holder of the item has confirmed it, so others can fetch it.
	pub(crate) fn has_source(info: &ContentInfo<T>) -> bool {
		info.replicas.iter().any(|replica| replica.confirmed)
	}

	/// The item's first holder confirmed: its confirmation deadline ends and every other
	/// holder's fetch window starts now.
	pub(crate) fn start_fetching(content: &ContentId, info: &mut ContentInfo<T>) {
		if let Some(deadline) = info.confirmation_deadline.take() {
			ContentDeadlines::<T>::remove(deadline, content);
		}
		let deadline = Self::fetch_deadline(info.size);
		let mut fetching = false;
		for replica in info.replicas.iter_mut().filter(|replica| !replica.confirmed) {
			replica.fetch_deadline = Some(deadline);
			fetching = true;
		}
		if fetching {
			ContentDeadlines::<T>::insert(deadline, content, ());
		}
	}

	/// The item lost its last confirmed holder: nothing is left to fetch from, so the fetch
	/// windows close and a new confirmation deadline starts.
	pub(crate) fn stop_fetching(content: &ContentId, info: &mut ContentInfo<T>) {
		for replica in info.replicas.iter_mut() {
			if let Some(deadline) = replica.fetch_deadline.take() {
				ContentDeadlines::<T>::remove(deadline, content);
			}
		}
		let deadline =
			frame_system::Pallet::<T>::block_number().saturating_add(T::ConfirmationTimeout::get());
		info.confirmation_deadline = Some(deadline);
		ContentDeadlines::<T>::insert(deadline, content, ());
	}

	/// Removes the index entry of `content` at `deadline` unless the item still has a
	/// deadline then.
	pub(crate) fn unindex_unless_used(
		content: &ContentId,
		info: &ContentInfo<T>,
		deadline: BlockNumberFor<T>,
	) {
		let used = info.confirmation_deadline == Some(deadline)
			|| info.replicas.iter().any(|replica| replica.fetch_deadline == Some(deadline));
		if !used {
			ContentDeadlines::<T>::remove(deadline, content);
		}
	}

	/// Handles the deadlines of the blocks before `now`, oldest first: at most `budget`
	/// steps, each an item's deadline or a block found empty. Returns the weight used.
	pub(crate) fn handle_deadlines(now: BlockNumberFor<T>, budget: u32) -> Weight {
		let mut block = DeadlineCursor::<T>::get();
		let (mut handled, mut skipped) = (0u32, 0u64);
		while handled.saturating_add(skipped as u32) < budget && block < now {
			match ContentDeadlines::<T>::iter_key_prefix(block).next() {
				Some(content) => {
					handled += 1;
					ContentDeadlines::<T>::remove(block, content);
					Self::deadline_passed(block, content);
				}
				None => {
					skipped += 1;
					block = block.saturating_add(One::one());
				}
			}
		}
		DeadlineCursor::<T>::put(block);
		// The benchmark's base covers one empty block; each further one is a read.
		T::WeightInfo::handle_deadlines(handled)
			.saturating_add(Self::unlink_weight().saturating_mul(handled.into()))
			.saturating_add(T::DbWeight::get().reads(skipped.saturating_sub(1)))
	}

	/// `deadline` of `content` passed: the item is dropped if nobody confirmed it, or the
	/// holders whose fetch window it ended lose their replicas to other masternodes.
	fn deadline_passed(deadline: BlockNumberFor<T>, content: ContentId) {
		let Some(mut info) = Contents::<T>::get(content) else {
			defensive!("a removed item leaves the deadlines index");
			return;
		};
		if info.confirmation_deadline == Some(deadline) {
			let owner = info.owner.clone();
			// Releasing what `hold` held cannot fail.
			if Self::remove_item(content, info).is_err() {
				defensive!("the deposit is held");
			}
			Self::deposit_event(Event::ContentExpired { content, owner });
			return;
		}
		let late: Vec<T::AccountId> = info
			.replicas
			.iter()
			.filter(|replica| replica.fetch_deadline == Some(deadline))
			.map(|replica| replica.holder.clone())
			.collect();
		if late.is_empty() {
			defensive!("an indexed deadline is one of the item's");
			return;
		}
		for holder in &late {
			Self::take_replica(&content, &mut info, holder);
			Self::deposit_event(Event::FetchWindowMissed { content, masternode: holder.clone() });
		}
		Self::fill_replicas(&content, &mut info, &late);
		Contents::<T>::insert(content, info);
	}
}
