//! Removing sessions and unregistered items: termination by their owner, and expiry.

use super::{lock, UploadError, Uploads};
use crate::{
	auth::Account,
	blob_store::{id_hex, StoreError},
	index::{ItemRecord, ItemState, UploadId},
	ledger::Ledger,
};
use pop_primitives::commitment::ContentId;
use std::{fs, io, sync::Arc};

impl Uploads {
	/// Ends `caller`'s session `id` and deletes its bytes, and its item while that is
	/// unregistered; a request working on the session is asked to let go first. A finished
	/// upload whose item is registered on chain, even if this sidecar has not seen it yet, is
	/// refused, and so is any finished upload while the chain cannot be asked: its holders
	/// would fault for want of the bytes.
	pub(super) async fn terminate(
		self: Arc<Self>,
		caller: &Account,
		id: UploadId,
		ledger: &dyn Ledger,
	) -> Result<(), UploadError> {
		let record = self.owned(&id, caller)?;
		if let Some(content) = record.content_id {
			if !ledger.registered(vec![content]).await?.is_empty() {
				return Err(UploadError::Registered(format!("0x{}", id_hex(&content))));
			}
		}
		let held = self.leases.acquire(&id).await?;
		tokio::task::spawn_blocking(move || -> Result<(), UploadError> {
			let record = self.record(&id)?;
			self.remove_session(&id)?;
			if let Some(content_id) = record.content_id {
				self.delete_unregistered(&content_id, |owner, _| *owner == record.owner)?;
			}
			drop(held);
			Ok(())
		})
		.await?
	}

	/// Forgets a session and removes its partial file (the record first: a file without a
	/// session is removed on the next start).
	fn remove_session(&self, id: &UploadId) -> Result<(), UploadError> {
		self.index.remove_upload(id)?;
		self.index.flush()?;
		match fs::remove_file(self.partial_path(id)) {
			Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error.into()),
			_ => {}
		}
		self.leases.forget(id);
		Ok(())
	}

	/// Deletes the item `id` if it is still an unregistered upload that `doomed` condemns;
	/// returns whether it did.
	fn delete_unregistered(
		&self,
		id: &ContentId,
		doomed: impl Fn(&Account, &ItemRecord) -> bool,
	) -> Result<bool, UploadError> {
		let _items = lock(&self.unregistered_items);
		let condemned = match self.index.item(id)? {
			Some(item) => match item.state {
				ItemState::Uploaded { owner } => doomed(&owner, &item),
				_ => false,
			},
			None => false,
		};
		if !condemned {
			return Ok(false);
		}
		// The record goes last: until then a crash leaves it for the next collection.
		match self.store.remove(id) {
			Err(StoreError::NotFound(_)) | Ok(()) => {}
			Err(error) => return Err(error.into()),
		}
		self.index.remove_item(id)?;
		self.index.flush()?;
		Ok(true)
	}

	/// Deletes sessions idle since before `cutoff_ms`, except those a request is using; returns
	/// how many.
	pub fn expire_sessions(&self, cutoff_ms: u64) -> Result<usize, UploadError> {
		let mut expired = 0;
		for (id, record) in self.index.uploads()? {
			if record.touched_at_ms >= cutoff_ms {
				continue;
			}
			if let Some(_held) = self.leases.try_acquire(&id) {
				self.remove_session(&id)?;
				expired += 1;
			}
		}
		Ok(expired)
	}

	/// Items uploaded before `cutoff_ms` and still not registered here: the candidates for
	/// expiry, which the chain must be asked about first.
	pub fn expired_items(&self, cutoff_ms: u64) -> Result<Vec<ContentId>, UploadError> {
		Ok(self
			.index
			.items()?
			.into_iter()
			.filter(|(_, item)| {
				matches!(item.state, ItemState::Uploaded { .. }) && item.stored_at_ms < cutoff_ms
			})
			.map(|(id, _)| id)
			.collect())
	}

	/// Deletes those of `ids` still unregistered uploads stored before `cutoff_ms`, once the
	/// chain said none of them is registered; returns how many.
	pub fn delete_expired(&self, ids: &[ContentId], cutoff_ms: u64) -> Result<usize, UploadError> {
		let mut expired = 0;
		for id in ids {
			if self.delete_unregistered(id, |_, item| item.stored_at_ms < cutoff_ms)? {
				expired += 1;
			}
		}
		Ok(expired)
	}
}
