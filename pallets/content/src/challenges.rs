//! The proof-of-availability game: drawing challenges from randomness, checking the proofs
//! that answer them, expiring those that go unanswered, and counting faults up to the slash.

use crate::{
	BalanceOf, Challenge, ChallengeId, Challenges, Config, ContentByIndex, ContentCount,
	ContentInfo, Contents, Deadlines, Error, Event, Faults, HandingOver, NextChallengeId, Pallet,
	PunishedBefore, Replica, WeightInfo,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	defensive,
	dispatch::{DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	traits::Get,
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pop_primitives::{
	commitment::{self, Hash, LeafProof},
	MasternodeSlashing, RewardPoints,
};
use sp_runtime::traits::Saturating;

/// What challenge randomness is drawn for.
pub(crate) const CHALLENGE_SUBJECT: &[u8] = b"pop/content/challenge";

/// The commitment's hash in the runtime: the `sha2_256` host function.
pub struct RuntimeSha256;
impl commitment::Sha256 for RuntimeSha256 {
	fn hash(parts: &[&[u8]]) -> Hash {
		sp_io::hashing::sha2_256(&parts.concat())
	}
}

/// A number below `bound` from 8 bytes of `seed` starting at `8 * part`.
pub(crate) fn draw(seed: &[u8; 32], part: usize, bound: u64) -> u64 {
	let start = 8 * part;
	let mut bytes = [0u8; 8];
	bytes.copy_from_slice(&seed[start..start + 8]);
	u64::from_le_bytes(bytes) % bound.max(1)
}

impl<T: Config> Pallet<T> {
	/// Checks `masternode`'s answer to `challenge`: a valid proof is free and earns proof
	/// points, one that does not verify (or names another leaf) is a fault and pays the fee.
	pub(crate) fn do_submit_proof(
		masternode: T::AccountId,
		challenge: ChallengeId,
		proof: LeafProof,
	) -> DispatchResultWithPostInfo {
		let open =
			Challenges::<T>::take(&masternode, challenge).ok_or(Error::<T>::UnknownChallenge)?;
		let weight =
			T::WeightInfo::submit_proof((proof.path.len() as u32).min(LeafProof::MAX_PATH));
		let content = open.content;
		// Content removed since the challenge was drawn: nothing left to prove.
		let Some(info) = Self::challenged_item(&open) else {
			return Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::No });
		};
		let valid =
			proof.index == open.leaf && proof.verify::<RuntimeSha256>(&content, info.size).is_ok();
		if valid {
			T::Points::add_points(&masternode, T::ProofPoints::get());
			Self::deposit_event(Event::ProofAccepted { masternode, challenge, content });
			Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::No })
		} else {
			Self::deposit_event(Event::ProofRejected {
				masternode: masternode.clone(),
				challenge,
				content,
			});
			let punished = Self::record_fault(&masternode, challenge);
			let weight = if punished {
				weight.saturating_add(T::Slashing::slash_weight())
			} else {
				weight
			};
			Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::Yes })
		}
	}

	/// The item `open` challenges, unless its owner removed it (or registered the id again)
	/// since the challenge was issued, which voids the challenge.
	pub(crate) fn challenged_item(open: &Challenge<BlockNumberFor<T>>) -> Option<ContentInfo<T>> {
		let issued = open.deadline.saturating_sub(T::ChallengeDeadline::get());
		Contents::<T>::get(open.content).filter(|info| info.registered_at < issued)
	}

	/// Counts a fault of `masternode` for `challenge` in the current era, and slashes and
	/// jails it at the threshold; unless the challenge was issued before the masternode's
	/// last punishment, which covers it. Returns whether it slashed.
	fn record_fault(masternode: &T::AccountId, challenge: ChallengeId) -> bool {
		if PunishedBefore::<T>::get(masternode).is_some_and(|first| challenge < first) {
			return false;
		}
		let era = T::CurrentEra::get();
		let faults = match Faults::<T>::get(masternode) {
			Some((counted, faults)) if counted == era => faults.saturating_add(1),
			// None yet, or only in an earlier era.
			_ => 1,
		};
		Self::deposit_event(Event::FaultRecorded { masternode: masternode.clone(), faults });
		if faults >= T::FaultThreshold::get() {
			Faults::<T>::remove(masternode);
			PunishedBefore::<T>::insert(masternode, NextChallengeId::<T>::get());
			let slashed: BalanceOf<T> =
				T::Slashing::slash_and_jail(masternode, T::SlashFraction::get());
			Self::deposit_event(Event::MasternodePunished {
				masternode: masternode.clone(),
				slashed,
			});
			true
		} else {
			Faults::<T>::insert(masternode, (era, faults));
			false
		}
	}

	/// Turns the unanswered challenges whose deadline was `deadline` into faults of their
	/// holders, whether or not they still hold the item (leaving does not erase a fault);
	/// returns how many there were and how many of their holders were slashed for them.
	pub(crate) fn expire_challenges(deadline: BlockNumberFor<T>) -> (u32, u32) {
		let (mut missed, mut punished) = (0, 0);
		let stall = Self::finality_stall();
		for (masternode, challenge) in Deadlines::<T>::take(deadline) {
			// Answered in time.
			let Some(open) = Challenges::<T>::take(&masternode, challenge) else { continue };
			// Removed by its owner: nothing is held against anyone.
			if Self::challenged_item(&open).is_none() {
				continue;
			}
			missed += 1;
			Self::deposit_event(Event::ChallengeMissed {
				masternode: masternode.clone(),
				challenge,
				content: open.content,
			});
			if let Some(finality_lag) = stall {
				Self::deposit_event(Event::FaultExcused { masternode, challenge, finality_lag });
			} else if Self::record_fault(&masternode, challenge) {
				punished += 1;
			}
		}
		(missed, punished)
	}

	/// Draws this block's challenges from `random`; returns how many were issued.
	pub(crate) fn issue_challenges(now: BlockNumberFor<T>, random: T::Hash) -> u32 {
		let count = ContentCount::<T>::get();
		if count == 0 {
			return 0;
		}
		let deadline = now.saturating_add(T::ChallengeDeadline::get());
		let mut due = BoundedVec::<_, T::ChallengesPerBlock>::new();
		for round in 0..T::ChallengesPerBlock::get() {
			let seed = sp_io::hashing::blake2_256(&(random, round).encode());
			let index = draw(&seed, 0, count.into()) as u32;
			let Some(content) = ContentByIndex::<T>::get(index) else {
				defensive!("every index below the count names an item");
				continue;
			};
			let Some(info) = Contents::<T>::get(content) else {
				defensive!("every indexed item is registered");
				continue;
			};
			// Only a confirmed holder answers for an item: nobody else has shown to have it.
			let eligible: Vec<&Replica<T>> = info
				.replicas
				.iter()
				.filter(|r| r.confirmed)
				.filter(|r| !HandingOver::<T>::contains_key(&r.holder))
				.collect();
			if eligible.is_empty() {
				continue;
			}
			let masternode =
				eligible[draw(&seed, 1, eligible.len() as u64) as usize].holder.clone();
			let leaf = draw(&seed, 2, commitment::leaf_count(info.size));
			let challenge = NextChallengeId::<T>::mutate(|next| {
				let id = *next;
				*next = next.wrapping_add(1);
				id
			});
			if due.try_push((masternode.clone(), challenge)).is_err() {
				defensive!("one challenge per round, and as many rounds as the bound");
				break;
			}
			Challenges::<T>::insert(&masternode, challenge, Challenge { content, leaf, deadline });
			Self::deposit_event(Event::ChallengeIssued {
				masternode,
				challenge,
				content,
				leaf,
				deadline,
			});
		}
		let issued = due.len() as u32;
		if issued > 0 {
			Deadlines::<T>::insert(deadline, due);
		}
		issued
	}
}
