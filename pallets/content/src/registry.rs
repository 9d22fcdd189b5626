//! The content registry: registering items with their upload receipts and deposits, removing
//! them, the dense index challenges draw from, holders confirming their replicas, and where
//! an item can be streamed from.

use crate::{
	BalanceOf, Config, ContentByIndex, ContentCount, ContentDeadlines, ContentInfo,
	ContentLocation, Contents, Error, Event, HoldReason, Pallet, PendingAssignment,
	UnderReplicated, MIB,
};
use alloc::vec::Vec;
use frame_support::{
	defensive,
	dispatch::{DispatchResultWithPostInfo, Pays},
	ensure,
	traits::{fungible::MutateHold, tokens::Precision, DefensiveSaturating, Get, UnixTime},
	BoundedVec,
};
use frame_system::{ensure_signed, pallet_prelude::OriginFor};
use pop_primitives::{
	commitment::ContentId, ActiveMasternodes, MasternodeDirectory, UploadReceipt,
};
use sp_runtime::{
	traits::{Saturating, Verify},
	DispatchError, DispatchResult, SaturatedConversion,
};

/// What a creator registers: everything about an item but its id and owner.
pub(crate) struct Registration<T: Config> {
	/// Size in bytes.
	pub size: u64,
	/// MIME type, not yet checked.
	pub mime: Vec<u8>,
	/// Title, not yet checked.
	pub title: Vec<u8>,
	/// Price of access.
	pub price: BalanceOf<T>,
	/// Holders asked for.
	pub replication: u32,
	/// The masternode the bytes were uploaded to.
	pub uploader: T::AccountId,
	/// When the upload receipt expires, in Unix milliseconds.
	pub receipt_expires_ms: u64,
	/// The uploader's proof key's signature of the receipt.
	pub receipt_signature: T::ReceiptSignature,
}

impl<T: Config> Pallet<T> {
	/// The deposit for an item of `size` bytes stored `replication` times: `(DepositBase +
	/// DepositPerMiB × started MiB) × replication`, saturating. Each copy costs a holder as
	/// much storage, so each is paid for.
	pub fn deposit_for(size: u64, replication: u32) -> BalanceOf<T> {
		let mib: BalanceOf<T> = size.div_ceil(MIB).saturated_into();
		T::DepositBase::get()
			.saturating_add(T::DepositPerMiB::get().saturating_mul(mib))
			.saturating_mul(replication.into())
	}

	/// Where `content` can be streamed from: its metadata and its confirmed holders with
	/// their endpoints.
	pub fn locate(content: &ContentId) -> Option<ContentLocation<T::AccountId, BalanceOf<T>>> {
		let info = Contents::<T>::get(content)?;
		let holders = info
			.replicas
			.iter()
			.filter(|replica| replica.confirmed)
			.filter_map(|replica| {
				T::Masternodes::endpoint(&replica.holder)
					.map(|endpoint| (replica.holder.clone(), endpoint))
			})
			.collect();
		Some(ContentLocation {
			owner: info.owner,
			size: info.size,
			mime: info.mime.into_inner(),
			title: info.title.into_inner(),
			price: info.price,
			holders,
		})
	}

	/// Registers `content` for `owner`, holds its deposit, assigns it to its uploader and
	/// queues it for the next block to draw its other holders; returns the number of active
	/// masternodes scanned for the uploader.
	pub(crate) fn do_register_content(
		owner: T::AccountId,
		content: ContentId,
		registration: Registration<T>,
	) -> Result<u32, DispatchError> {
		let Registration {
			size,
			mime,
			title,
			price,
			replication,
			uploader,
			receipt_expires_ms,
			receipt_signature,
		} = registration;
		ensure!(!Contents::<T>::contains_key(content), Error::<T>::AlreadyRegistered);
		ensure!(size > 0 && size <= T::MaxContentSize::get(), Error::<T>::InvalidSize);
		let mime = Self::checked_mime(mime)?;
		let title = BoundedVec::try_from(title).map_err(|_| Error::<T>::TitleTooLong)?;
		ensure!(
			replication > 0 && replication <= T::MaxReplication::get(),
			Error::<T>::InvalidReplication
		);
		let active = T::ActiveSet::active();
		ensure!(
			active.contains(&uploader) && Self::has_room(&uploader, size),
			Error::<T>::UploaderUnavailable
		);
		PendingAssignment::<T>::try_append(content)
			.map_err(|_| Error::<T>::TooManyRegistrations)?;
		let receipt = UploadReceipt { owner, content, size, expires_ms: receipt_expires_ms };
		Self::check_receipt(&receipt, &uploader, &receipt_signature)?;
		let UploadReceipt { owner, .. } = receipt;
		let deposit = Self::deposit_for(size, replication);
		T::Currency::hold(&HoldReason::ContentDeposit.into(), &owner, deposit)?;

		let now = frame_system::Pallet::<T>::block_number();
		let confirmation_deadline = now.saturating_add(T::ConfirmationTimeout::get());
		ContentDeadlines::<T>::insert(confirmation_deadline, content, ());
		let index = ContentCount::<T>::get();
		ContentByIndex::<T>::insert(index, content);
		ContentCount::<T>::put(index.saturating_add(1));
		let mut info = ContentInfo {
			owner: owner.clone(),
			size,
			mime,
			title,
			price,
			replication,
			deposit,
			index,
			registered_at: now,
			confirmation_deadline: Some(confirmation_deadline),
			replicas: BoundedVec::new(),
		};
		Self::deposit_event(Event::ContentRegistered {
			content,
			owner,
			size,
			price,
			replication,
			deposit,
		});
		Self::add_replica(&content, &mut info, uploader);
		Contents::<T>::insert(content, info);
		Ok(active.len() as u32)
	}

	/// Drops `content` (described by `info`): returns the deposit, releases its holders and
	/// removes it from every index.
	pub(crate) fn remove_item(content: ContentId, info: ContentInfo<T>) -> DispatchResult {
		T::Currency::release(
			&HoldReason::ContentDeposit.into(),
			&info.owner,
			info.deposit,
			Precision::BestEffort,
		)?;
		for replica in &info.replicas {
			Self::release_assignment(&replica.holder, &content, info.size);
			if let Some(deadline) = replica.fetch_deadline {
				ContentDeadlines::<T>::remove(deadline, content);
			}
		}
		if let Some(deadline) = info.confirmation_deadline {
			ContentDeadlines::<T>::remove(deadline, content);
		}
		Self::remove_from_index(info.index);
		Self::unlink(&content);
		UnderReplicated::<T>::remove(content);
		PendingAssignment::<T>::mutate(|pending| pending.retain(|id| *id != content));
		Contents::<T>::remove(content);
		Ok(())
	}

	/// Checks an upload receipt: not expired, and signed by the proof key of `uploader`.
	fn check_receipt(
		receipt: &UploadReceipt<T::AccountId>,
		uploader: &T::AccountId,
		signature: &T::ReceiptSignature,
	) -> DispatchResult {
		let now_ms: u64 = T::Time::now().as_millis().saturated_into();
		ensure!(now_ms <= receipt.expires_ms, Error::<T>::ReceiptExpired);
		let key = T::Masternodes::proof_key(uploader).ok_or(Error::<T>::BadReceipt)?;
		ensure!(signature.verify(&receipt.signing_payload()[..], &key), Error::<T>::BadReceipt);
		Ok(())
	}

	/// Marks `masternode`'s replica of `content` confirmed; the item's first confirmation
	/// opens its other holders' fetch windows.
	pub(crate) fn do_confirm_replica(
		masternode: T::AccountId,
		content: ContentId,
	) -> DispatchResultWithPostInfo {
		Contents::<T>::try_mutate(content, |info| -> DispatchResult {
			let info = info.as_mut().ok_or(Error::<T>::UnknownContent)?;
			Self::ensure_confirmable(info, &masternode)?;
			let had_source = Self::has_source(info);
			let Some(replica) =
				info.replicas.iter_mut().find(|replica| replica.holder == masternode)
			else {
				defensive!("checked to be assigned");
				return Err(Error::<T>::NotAssigned.into());
			};
			replica.confirmed = true;
			if let Some(deadline) = replica.fetch_deadline.take() {
				Self::unindex_unless_used(&content, info, deadline);
			}
			if !had_source {
				Self::start_fetching(&content, info);
			}
			Ok(())
		})?;
		Self::deposit_event(Event::ReplicaConfirmed { content, masternode });
		Ok(Pays::No.into())
	}

	/// Whether `masternode` may confirm its replica of the item `info`: it holds one, not yet
	/// confirmed.
	pub(crate) fn ensure_confirmable(
		info: &ContentInfo<T>,
		masternode: &T::AccountId,
	) -> Result<(), Error<T>> {
		let replica = info
			.replicas
			.iter()
			.find(|replica| &replica.holder == masternode)
			.ok_or(Error::<T>::NotAssigned)?;
		ensure!(!replica.confirmed, Error::<T>::AlreadyConfirmed);
		Ok(())
	}

	/// The masternode whose proof key signed `origin`.
	pub(crate) fn masternode_of(origin: OriginFor<T>) -> Result<T::AccountId, DispatchError> {
		let key = ensure_signed(origin)?;
		T::Masternodes::operator_of(&key).ok_or_else(|| Error::<T>::NotProofKey.into())
	}

	/// Accepts `type/subtype` of printable ASCII without spaces, within `MaxMimeLen`.
	fn checked_mime(mime: Vec<u8>) -> Result<BoundedVec<u8, T::MaxMimeLen>, DispatchError> {
		let slashes = mime.iter().filter(|b| **b == b'/').count();
		let well_formed = slashes == 1
			&& mime.first() != Some(&b'/')
			&& mime.last() != Some(&b'/')
			&& mime.iter().all(|b| b.is_ascii_graphic());
		ensure!(well_formed, Error::<T>::InvalidMimeType);
		BoundedVec::try_from(mime).map_err(|_| Error::<T>::InvalidMimeType.into())
	}

	/// Removes index `index` from [`ContentByIndex`], moving the last id into the gap.
	fn remove_from_index(index: u32) {
		// The item being removed is counted.
		let last = ContentCount::<T>::get().defensive_saturating_sub(1);
		if index != last {
			match ContentByIndex::<T>::get(last) {
				Some(moved) => {
					ContentByIndex::<T>::insert(index, moved);
					Contents::<T>::mutate(moved, |info| match info {
						Some(info) => info.index = index,
						None => {
							defensive!("every indexed item is registered");
						}
					});
				}
				None => {
					defensive!("every index below the count names an item");
				}
			}
		}
		ContentByIndex::<T>::remove(last);
		ContentCount::<T>::put(last);
	}
}
