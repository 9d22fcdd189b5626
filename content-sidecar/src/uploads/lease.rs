//! One request at a time per upload. A request for an upload that another request holds asks
//! the holder to let go, and waits until it does, for [`RELEASE_TIMEOUT`] at most.

use super::{lock, UploadError};
use crate::{hashing::TreeHasher, index::UploadId};
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::sync::{Notify, OwnedMutexGuard};

/// How long a request waits for another request on the same upload to let go.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often it repeats its request to let go (a holder hears it only while listening).
const RELEASE_RETRY: Duration = Duration::from_millis(50);

/// The hash state of a session's bytes up to its recorded offset; `None` until rebuilt from the
/// partial file (after a restart, or after a request that failed half way).
pub(super) type HashState = Option<TreeHasher>;

/// A session some request is working on.
#[derive(Default)]
struct Slot {
	/// Held by the one request working on the session.
	hash: Arc<tokio::sync::Mutex<HashState>>,
	/// Asks the holder to let go.
	release: Notify,
}

/// The right to work on one session, until dropped.
pub(super) struct Held {
	slot: Arc<Slot>,
	/// The session's hash state, the holder's to take and put back.
	pub hash: OwnedMutexGuard<HashState>,
}

impl Held {
	/// Notified when another request asks the holder to let go.
	pub fn release_asked(&self) -> &Notify {
		&self.slot.release
	}
}

/// The slots of the sessions in use.
#[derive(Default)]
pub(super) struct Leases(Mutex<HashMap<UploadId, Arc<Slot>>>);

impl Leases {
	fn slot(&self, id: &UploadId) -> Arc<Slot> {
		lock(&self.0).entry(*id).or_default().clone()
	}

	/// Takes the session `id` for one request, asking a request that holds it to let go.
	pub async fn acquire(&self, id: &UploadId) -> Result<Held, UploadError> {
		let slot = self.slot(id);
		if let Ok(hash) = slot.hash.clone().try_lock_owned() {
			return Ok(Held { slot, hash });
		}
		let waiting = slot.hash.clone().lock_owned();
		tokio::pin!(waiting);
		let deadline = tokio::time::Instant::now() + RELEASE_TIMEOUT;
		loop {
			slot.release.notify_waiters();
			tokio::select! {
				hash = &mut waiting => return Ok(Held { slot, hash }),
				_ = tokio::time::sleep(RELEASE_RETRY) => {},
			}
			if tokio::time::Instant::now() >= deadline {
				return Err(UploadError::Busy);
			}
		}
	}

	/// The session `id`, unless a request holds it.
	pub fn try_acquire(&self, id: &UploadId) -> Option<Held> {
		let slot = self.slot(id);
		let hash = slot.hash.clone().try_lock_owned().ok()?;
		Some(Held { slot, hash })
	}

	/// Drops the slot of a session that is finished or gone, so the map cannot grow without end.
	pub fn forget(&self, id: &UploadId) {
		lock(&self.0).remove(id);
	}
}
