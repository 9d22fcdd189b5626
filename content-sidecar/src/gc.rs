//! The collector: deletes what nobody needs any more, and nothing the chain may still need.
//!
//! - Upload sessions idle for longer than `--unregistered-ttl`, with their partial files. An
//!   unfinished upload cannot be registered (its receipt comes with its last byte), so these
//!   need no word from the chain.
//! - Uploaded items not registered within `--unregistered-ttl`, but only once the chain, asked
//!   at its best block through a node that is not syncing, says they are not registered: an
//!   item registered while this sidecar was away from its node is kept for the chain client
//!   to find. While the chain cannot be asked, none is deleted (counted in
//!   `pop_sidecar_collections_postponed_total`).
//! - Content the chain client withdrew (removed on chain, or moved to other holders) once
//!   `--withdrawn-grace` has passed.

use crate::{
	blob_store::StoreError,
	index::{ItemRecord, ItemState},
	state::AppState,
	unix_time_ms,
	uploads::UploadError,
};
use std::time::Duration;

/// What one collection deleted.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct GcReport {
	/// Idle upload sessions, with their partial files.
	pub sessions: usize,
	/// Uploaded items never registered, with their files.
	pub items: usize,
	/// Withdrawn content, past its grace period.
	pub withdrawn: usize,
	/// Whether expired uploads were kept because the chain could not be asked.
	pub postponed: bool,
}

/// Collects what is due at `now_ms` (Unix milliseconds).
pub async fn gc(state: &AppState, now_ms: u64) -> Result<GcReport, UploadError> {
	let ttl_ms = u64::try_from(state.config.unregistered_ttl.as_millis()).unwrap_or(u64::MAX);
	let cutoff_ms = now_ms.saturating_sub(ttl_ms);
	let mut report = GcReport::default();
	let uploads = state.uploads.clone();
	let (sessions, candidates) = tokio::task::spawn_blocking(move || {
		Ok::<_, UploadError>((
			uploads.expire_sessions(cutoff_ms)?,
			uploads.expired_items(cutoff_ms)?,
		))
	})
	.await??;
	report.sessions = sessions;
	if !candidates.is_empty() {
		match state.ledger.registered(candidates.clone()).await {
			Ok(registered) => {
				let unregistered: Vec<_> =
					candidates.into_iter().filter(|id| !registered.contains(id)).collect();
				let uploads = state.uploads.clone();
				report.items = tokio::task::spawn_blocking(move || {
					uploads.delete_expired(&unregistered, cutoff_ms)
				})
				.await??;
			}
			Err(error) => {
				state.metrics.collections_postponed.inc();
				tracing::warn!(%error, "expired uploads kept: the chain cannot say they are unregistered");
				report.postponed = true;
			}
		}
	}
	let grace_ms = u64::try_from(state.config.withdrawn_grace.as_millis()).unwrap_or(u64::MAX);
	let state_for_task = state.clone();
	report.withdrawn = tokio::task::spawn_blocking(move || {
		delete_withdrawn(&state_for_task, now_ms.saturating_sub(grace_ms))
	})
	.await??;
	let state_for_task = state.clone();
	tokio::task::spawn_blocking(move || forget_transcodes_of_deleted(&state_for_task)).await??;
	state.metrics.uploads_expired.inc_by((report.sessions + report.items) as u64);
	state.metrics.replicas_deleted.inc_by(report.withdrawn as u64);
	Ok(report)
}

/// Deletes content withdrawn before `cutoff_ms`: its files, then its record (so a crash in
/// between leaves the record for the next collection). Returns how many.
fn delete_withdrawn(state: &AppState, cutoff_ms: u64) -> Result<usize, UploadError> {
	let due = |item: &ItemRecord| matches!(item.state, ItemState::Withdrawn { at_ms, .. } if at_ms < cutoff_ms);
	let mut deleted = 0;
	for (id, item) in state.index.items()? {
		// Read again just before: the chain client may have taken it back since the listing.
		if !due(&item) || !state.index.item(&id)?.is_some_and(|item| due(&item)) {
			continue;
		}
		match state.store.remove(&id) {
			Ok(()) | Err(StoreError::NotFound(_)) => {}
			Err(error) => return Err(error.into()),
		}
		state.index.remove_item(&id)?;
		state.index.flush()?;
		deleted += 1;
	}
	Ok(deleted)
}

/// Forgets the transcodings of videos no longer stored (what they made is collected as any
/// upload is). A job still queued for one fails when its turn comes.
fn forget_transcodes_of_deleted(state: &AppState) -> Result<(), UploadError> {
	for (id, _) in state.index.transcodes()? {
		if !state.store.contains(&id) {
			state.index.remove_transcode(&id)?;
		}
	}
	Ok(state.index.flush()?)
}

/// Collects every `interval` until the runtime stops.
pub async fn run_periodically(state: AppState, interval: Duration) {
	let mut ticks = tokio::time::interval(interval);
	ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		ticks.tick().await;
		match gc(&state, unix_time_ms()).await {
			Ok(report) if report == GcReport::default() => {}
			Ok(report) => tracing::info!(?report, "collected"),
			Err(error) => tracing::error!(%error, "garbage collection failed"),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		index::{ItemRecord, UploadRecord},
		testing::{content, dev_account, Sidecar},
	};
	use pop_primitives::commitment::ContentId;
	use std::fs;

	const HOUR_MS: u64 = 3_600_000;

	fn store_uploaded(
		sidecar: &Sidecar,
		seed: u8,
		stored_at_ms: u64,
		state: ItemState,
	) -> ContentId {
		let mut writer = sidecar.state.store.writer().unwrap();
		writer.write(content(1000, seed).into()).unwrap();
		let id = writer.commit(None).unwrap();
		let record = ItemRecord { size: 1000, state, stored_at_ms, mime: "video/mp4".into() };
		sidecar.state.index.put_item(&id, &record).unwrap();
		id
	}

	fn put_session(sidecar: &Sidecar, key: u8, touched_at_ms: u64) -> std::path::PathBuf {
		let record = UploadRecord {
			owner: dev_account("Alice"),
			length: 100,
			offset: 10,
			mime: "video/mp4".into(),
			touched_at_ms,
			content_id: None,
		};
		sidecar.state.index.put_upload(&[key; 16], &record).unwrap();
		let partial = sidecar.dir.path().join("uploads").join(hex::encode([key; 16]));
		fs::write(&partial, [0; 10]).unwrap();
		partial
	}

	#[tokio::test]
	async fn deletes_only_what_stayed_unregistered_past_the_ttl() {
		let sidecar = Sidecar::new();
		let now = 10 * HOUR_MS;
		let owner = dev_account("Alice");
		let stale = store_uploaded(&sidecar, 1, now - HOUR_MS - 1, ItemState::Uploaded { owner });
		let fresh = store_uploaded(&sidecar, 2, now - HOUR_MS + 1, ItemState::Uploaded { owner });
		let registered = store_uploaded(&sidecar, 3, 0, ItemState::Registered { price: 0 });
		let recovered = store_uploaded(&sidecar, 4, 0, ItemState::Recovered);
		// Registered on chain while this sidecar did not see it (its node away, finality
		// behind): stale by the local record, kept by the chain's.
		let unseen = store_uploaded(&sidecar, 5, 0, ItemState::Uploaded { owner });
		sidecar.ledger.register(unseen);
		let idle = put_session(&sidecar, 1, now - 2 * HOUR_MS);
		let active = put_session(&sidecar, 2, now - 60_000);

		let report = gc(&sidecar.state, now).await.unwrap();
		assert_eq!(report, GcReport { sessions: 1, items: 1, ..GcReport::default() });
		assert!(!sidecar.state.store.contains(&stale));
		assert_eq!(sidecar.state.index.item(&stale).unwrap(), None);
		for kept in [fresh, registered, recovered, unseen] {
			assert!(sidecar.state.store.contains(&kept));
			assert!(sidecar.state.index.item(&kept).unwrap().is_some());
		}
		assert!(!idle.exists());
		assert!(active.exists());
		assert_eq!(sidecar.state.index.uploads().unwrap().len(), 1);
		assert!(sidecar.state.metrics.encode().contains("pop_sidecar_uploads_expired_total 2\n"));

		// Nothing is left to collect until more time passes.
		assert_eq!(gc(&sidecar.state, now).await.unwrap(), GcReport::default());
		let later = gc(&sidecar.state, now + HOUR_MS).await.unwrap();
		assert_eq!(later, GcReport { sessions: 1, items: 1, ..GcReport::default() });
	}

	#[tokio::test]
	async fn nothing_unregistered_is_deleted_while_the_chain_cannot_be_asked() {
		let sidecar = Sidecar::new();
		let owner = dev_account("Alice");
		let expired = store_uploaded(&sidecar, 1, 0, ItemState::Uploaded { owner });
		sidecar.ledger.set_reachable(false);
		let now = 10 * HOUR_MS;
		for _ in 0..3 {
			let report = gc(&sidecar.state, now).await.unwrap();
			assert_eq!(report, GcReport { postponed: true, ..GcReport::default() });
		}
		assert!(sidecar.state.store.contains(&expired));
		assert_eq!(sidecar.state.metrics.collections_postponed.get(), 3);
		// Back, and the chain says it is not registered: it goes.
		sidecar.ledger.set_reachable(true);
		assert_eq!(gc(&sidecar.state, now).await.unwrap().items, 1);
		assert!(!sidecar.state.store.contains(&expired));
	}
}
