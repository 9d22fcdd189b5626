//! The pallet's invariants (listed in the crate docs), checked by `try_state` and after every
//! test.

use crate::{
	AssignedBytes, Assignments, BalanceOf, Challenges, Config, ContentByIndex, ContentCount,
	ContentDeadlines, Contents, DeadlineCursor, Deadlines, FinalityHint, HoldReason, Pallet,
	PendingAssignment,
};
use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
use frame_support::{ensure, traits::fungible::InspectHold};
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants (see the crate docs).
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let count = ContentCount::<T>::get();
		let mut assigned: BTreeMap<T::AccountId, u64> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deadlines = BTreeSet::new();
		let mut items = 0u32;
		for (content, info) in Contents::<T>::iter() {
			items += 1;
			let has_source = Self::has_source(&info);
			ensure!(
				info.confirmation_deadline.is_some() != has_source,
				"an item has a confirmation deadline unless a holder confirmed it"
			);
			if let Some(deadline) = info.confirmation_deadline {
				deadlines.insert((deadline, content));
			}
			ensure!(info.index < count, "content index out of range");
			ensure!(
				ContentByIndex::<T>::get(info.index) == Some(content),
				"content index does not point back at its item"
			);
			ensure!(
				info.replicas.len() as u32 <= info.replication,
				"more holders than the replication factor"
			);
			for (i, replica) in info.replicas.iter().enumerate() {
				ensure!(
					!info.replicas[..i].iter().any(|other| other.holder == replica.holder),
					"a masternode holds an item twice"
				);
				ensure!(
					Assignments::<T>::contains_key(&replica.holder, content),
					"replica without its assignment"
				);
				ensure!(
					replica.fetch_deadline.is_some() == (!replica.confirmed && has_source),
					"a replica has a fetch deadline when it can fetch and has not confirmed"
				);
				if let Some(deadline) = replica.fetch_deadline {
					deadlines.insert((deadline, content));
				}
				let entry = assigned.entry(replica.holder.clone()).or_default();
				*entry = entry.saturating_add(info.size);
			}
			let entry = deposits.entry(info.owner.clone()).or_default();
			*entry = entry.saturating_add(info.deposit);
		}
		ensure!(items == count, "content counter out of sync");
		ensure!(
			ContentByIndex::<T>::iter_keys().count() as u32 == count,
			"stray content index entries"
		);
		for (holder, content, ()) in Assignments::<T>::iter() {
			let info = Contents::<T>::get(content).ok_or("assignment of unknown content")?;
			ensure!(
				info.replicas.iter().any(|replica| replica.holder == holder),
				"assignment without its replica"
			);
		}
		for (holder, bytes) in AssignedBytes::<T>::iter() {
			ensure!(
				assigned.get(&holder) == Some(&bytes),
				"assigned bytes differ from the assignments"
			);
		}
		ensure!(AssignedBytes::<T>::iter().count() == assigned.len(), "assigned bytes missing");
		for (owner, deposit) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ContentDeposit.into(), &owner) == deposit,
				"ContentDeposit hold differs from the owner's deposits"
			);
		}
		let pending = PendingAssignment::<T>::get();
		for (i, content) in pending.iter().enumerate() {
			ensure!(!pending[..i].contains(content), "an item is pending twice");
			let info = Contents::<T>::get(content).ok_or("pending item not registered")?;
			ensure!(
				info.registered_at == frame_system::Pallet::<T>::block_number(),
				"a pending item was not registered in this block"
			);
		}
		let indexed: BTreeSet<_> = ContentDeadlines::<T>::iter_keys().collect();
		ensure!(indexed == deadlines, "deadlines index differs from the items' deadlines");
		let cursor = DeadlineCursor::<T>::get();
		ensure!(
			indexed.iter().all(|(deadline, _)| *deadline >= cursor),
			"a deadline before the cursor was not handled"
		);
		let now = frame_system::Pallet::<T>::block_number();
		for (masternode, challenge, open) in Challenges::<T>::iter() {
			ensure!(open.deadline >= now, "open challenge past its deadline");
			ensure!(
				Deadlines::<T>::get(open.deadline).contains(&(masternode, challenge)),
				"open challenge missing from its deadline"
			);
		}
		let hint = FinalityHint::<T>::get();
		ensure!(
			hint.noted_in <= now && (hint.finalized < now || hint.finalized.is_zero()),
			"a finality report from the future"
		);
		crate::videos::check::<T>()
	}
}
