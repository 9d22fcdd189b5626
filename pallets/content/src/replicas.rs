//! Who holds what: assigning replicas to masternodes with room, drawing holders from the
//! active set, handing the replicas of masternodes that left over to others, and retrying
//! under-replicated items once per era.

use crate::{
	challenges::draw, AssignedBytes, Assignments, Config, ContentDeadlines, ContentInfo, Contents,
	Event, HandingOver, Pallet, PendingAssignment, Replica, RetryCursor, RetryEra, UnderReplicated,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	defensive,
	traits::{DefensiveSaturating, Get, Randomness},
	BoundedVec,
};
use pop_primitives::{commitment::ContentId, ActiveMasternodes, MasternodeDirectory};

/// What holder randomness is drawn for.
const ASSIGN_SUBJECT: &[u8] = b"pop/content/assign";

impl<T: Config> Pallet<T> {
	/// Whether `who` may take `size` more bytes: not handing over, and within its capacity.
	pub(crate) fn has_room(who: &T::AccountId, size: u64) -> bool {
		!HandingOver::<T>::contains_key(who)
			&& T::Masternodes::storage_offer(who).is_some_and(|capacity| {
				AssignedBytes::<T>::get(who).saturating_add(size) <= capacity
			})
	}

	/// Assigns `content` to `holder`, which must have room and not hold it yet; `info` must
	/// have fewer holders than its replication factor. If a confirmed holder exists, the new
	/// holder's fetch window starts now.
	pub(crate) fn add_replica(
		content: &ContentId,
		info: &mut ContentInfo<T>,
		holder: T::AccountId,
	) {
		let fetch_deadline = Self::has_source(info).then(|| Self::fetch_deadline(info.size));
		let replica = Replica { holder: holder.clone(), confirmed: false, fetch_deadline };
		if info.replicas.try_push(replica).is_err() {
			defensive!("a replica is only added below the replication factor");
			return;
		}
		if let Some(deadline) = fetch_deadline {
			ContentDeadlines::<T>::insert(deadline, content, ());
		}
		AssignedBytes::<T>::mutate(&holder, |bytes| *bytes = bytes.saturating_add(info.size));
		Assignments::<T>::insert(&holder, content, ());
		Self::deposit_event(Event::ReplicaAssigned { content: *content, masternode: holder });
	}

	/// Undoes the bookkeeping of `holder`'s replica of a `size`-byte item.
	pub(crate) fn release_assignment(holder: &T::AccountId, content: &ContentId, size: u64) {
		Assignments::<T>::remove(holder, content);
		AssignedBytes::<T>::mutate_exists(holder, |bytes| {
			// The holder's assigned bytes include this replica's.
			*bytes = bytes.map(|b| b.defensive_saturating_sub(size)).filter(|b| *b > 0);
		});
	}

	/// Takes `holder`'s replica of `content` out of `info` and releases its assignment,
	/// keeping the deadlines in step: an item that loses its last confirmed holder goes back
	/// to a confirmation deadline. Returns whether `holder` held it.
	pub(crate) fn take_replica(
		content: &ContentId,
		info: &mut ContentInfo<T>,
		holder: &T::AccountId,
	) -> bool {
		let Some(position) = info.replicas.iter().position(|replica| &replica.holder == holder)
		else {
			return false;
		};
		let replica = info.replicas.remove(position);
		Self::release_assignment(holder, content, info.size);
		if let Some(deadline) = replica.fetch_deadline {
			Self::unindex_unless_used(content, info, deadline);
		}
		if replica.confirmed && !Self::has_source(info) {
			Self::stop_fetching(content, info);
		}
		true
	}

	/// Tops `content` up to its replication factor from the active set, drawing holders
	/// with the chain's randomness and passing over `excluded`; keeps it in
	/// [`UnderReplicated`] while it stays short. Returns the number of active masternodes
	/// considered.
	pub(crate) fn fill_replicas(
		content: &ContentId,
		info: &mut ContentInfo<T>,
		excluded: &[T::AccountId],
	) -> u32 {
		let active = T::ActiveSet::active();
		let considered = active.len() as u32;
		let mut candidates: Vec<T::AccountId> = active
			.into_iter()
			.take(T::MaxCandidates::get() as usize)
			.filter(|who| !excluded.contains(who))
			.filter(|who| !info.replicas.iter().any(|replica| &replica.holder == who))
			.filter(|who| Self::has_room(who, info.size))
			.collect();
		let (random, _) = T::Randomness::random(ASSIGN_SUBJECT);
		let mut round = 0u32;
		while (info.replicas.len() as u32) < info.replication && !candidates.is_empty() {
			let seed = sp_io::hashing::blake2_256(&(random, content, round).encode());
			let pick = draw(&seed, 0, candidates.len() as u64) as usize;
			Self::add_replica(content, info, candidates.swap_remove(pick));
			round += 1;
		}
		let holders = info.replicas.len() as u32;
		if holders < info.replication {
			UnderReplicated::<T>::insert(content, ());
			Self::deposit_event(Event::UnderReplicated {
				content: *content,
				holders,
				replication: info.replication,
			});
		} else {
			UnderReplicated::<T>::remove(content);
		}
		considered
	}

	/// Draws the holders, besides their uploaders, of the items registered in the previous
	/// block, from this block's randomness. Returns the number of items.
	pub(crate) fn assign_pending() -> u32 {
		let pending = PendingAssignment::<T>::take();
		for content in &pending {
			match Contents::<T>::get(content) {
				Some(mut info) => {
					Self::fill_replicas(content, &mut info, &[]);
					Contents::<T>::insert(content, info);
				}
				None => {
					defensive!("a removed item leaves the pending assignments");
				}
			}
		}
		pending.len() as u32
	}

	/// Hands over replicas of masternodes in [`HandingOver`] and, once per era, retries items
	/// short of holders: at most `budget` steps. Returns the steps taken.
	pub(crate) fn reassign(budget: u32) -> u32 {
		let mut steps = 0;
		while steps < budget {
			let Some(leaver) = HandingOver::<T>::iter_keys().next() else { break };
			steps += 1;
			match Assignments::<T>::iter_key_prefix(&leaver).next() {
				Some(content) => Self::move_replica(&content, &leaver),
				None => HandingOver::<T>::remove(&leaver),
			}
		}
		if steps < budget {
			steps += Self::retry_under_replicated(budget - steps);
		}
		steps
	}

	/// Takes `content` from `leaver` and gives it to another masternode if one has room.
	fn move_replica(content: &ContentId, leaver: &T::AccountId) {
		let Some(mut info) = Contents::<T>::get(content) else {
			defensive!("every assignment is of a registered item");
			// Drop the stray assignment, so the hand-over moves on.
			Assignments::<T>::remove(leaver, content);
			return;
		};
		if !Self::take_replica(content, &mut info, leaver) {
			defensive!("every assignment has its replica");
			Assignments::<T>::remove(leaver, content);
			return;
		}
		Self::deposit_event(Event::ReplicaDropped {
			content: *content,
			masternode: leaver.clone(),
		});
		Self::fill_replicas(content, &mut info, &[]);
		Contents::<T>::insert(content, info);
	}

	/// Tries to fill [`UnderReplicated`] items, resuming where the era's retry left off: at
	/// most `budget` items. Returns the items tried.
	fn retry_under_replicated(budget: u32) -> u32 {
		let era = T::CurrentEra::get();
		if RetryEra::<T>::get() != era {
			RetryEra::<T>::put(era);
			RetryCursor::<T>::put(BoundedVec::new());
		}
		// This era's retry is done.
		let Some(cursor) = RetryCursor::<T>::get() else { return 0 };
		let mut ids = if cursor.is_empty() {
			UnderReplicated::<T>::iter_keys()
		} else {
			UnderReplicated::<T>::iter_keys_from(cursor.into_inner())
		};
		let mut tried = 0;
		while tried < budget {
			let Some(content) = ids.next() else {
				RetryCursor::<T>::kill();
				return tried;
			};
			tried += 1;
			if let Some(mut info) = Contents::<T>::get(content) {
				Self::fill_replicas(&content, &mut info, &[]);
				Contents::<T>::insert(content, info);
			} else {
				defensive!("a removed item leaves the under-replicated set");
				UnderReplicated::<T>::remove(content);
			}
		}
		RetryCursor::<T>::put(BoundedVec::truncate_from(ids.last_raw_key().to_vec()));
		tried
	}
}
