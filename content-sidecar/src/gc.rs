//! Garbage collection of unregistered uploads: sessions idle for longer than
//! `--unregistered-ttl`, and uploaded items not registered on chain within it.

use crate::{state::AppState, unix_time_ms, uploads::UploadError};
use std::time::Duration;

/// What one collection deleted.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct GcReport {
	/// Idle upload sessions, with their partial files.
	pub sessions: usize,
	/// Uploaded items never registered, with their files.
	pub items: usize,
}

/// Deletes what has been unregistered for longer than the TTL at `now_ms` (Unix milliseconds).
pub fn gc(state: &AppState, now_ms: u64) -> Result<GcReport, UploadError> {
	let ttl_ms = u64::try_from(state.config.unregistered_ttl.as_millis()).unwrap_or(u64::MAX);
	let cutoff_ms = now_ms.saturating_sub(ttl_ms);
	let report = GcReport {
		sessions: state.uploads.expire_sessions(cutoff_ms)?,
		items: state.uploads.expire_items(cutoff_ms)?,
	};
	state.metrics.uploads_expired.inc_by((report.sessions + report.items) as u64);
	Ok(report)
}

/// Collects every `interval` until the runtime stops.
pub async fn run_periodically(state: AppState, interval: Duration) {
	let mut ticks = tokio::time::interval(interval);
	ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		ticks.tick().await;
		let state = state.clone();
		match tokio::task::spawn_blocking(move || gc(&state, unix_time_ms())).await {
			Ok(Ok(report)) if report == GcReport::default() => {}
			Ok(Ok(report)) => tracing::info!(?report, "expired unregistered uploads deleted"),
			Ok(Err(error)) => tracing::error!(%error, "garbage collection failed"),
			Err(error) => tracing::error!(%error, "garbage collection panicked"),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		index::{ItemRecord, ItemState, UploadRecord},
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

	#[test]
	fn deletes_only_what_stayed_unregistered_past_the_ttl() {
		let sidecar = Sidecar::new();
		let now = 10 * HOUR_MS;
		let owner = dev_account("Alice");
		let stale = store_uploaded(&sidecar, 1, now - HOUR_MS - 1, ItemState::Uploaded { owner });
		let fresh = store_uploaded(&sidecar, 2, now - HOUR_MS + 1, ItemState::Uploaded { owner });
		let registered = store_uploaded(&sidecar, 3, 0, ItemState::Registered { price: 0 });
		let recovered = store_uploaded(&sidecar, 4, 0, ItemState::Recovered);
		let idle = put_session(&sidecar, 1, now - 2 * HOUR_MS);
		let active = put_session(&sidecar, 2, now - 60_000);

		assert_eq!(gc(&sidecar.state, now).unwrap(), GcReport { sessions: 1, items: 1 });
		assert!(!sidecar.state.store.contains(&stale));
		assert_eq!(sidecar.state.index.item(&stale).unwrap(), None);
		for kept in [fresh, registered, recovered] {
			assert!(sidecar.state.store.contains(&kept));
			assert!(sidecar.state.index.item(&kept).unwrap().is_some());
		}
		assert!(!idle.exists());
		assert!(active.exists());
		assert_eq!(sidecar.state.index.uploads().unwrap().len(), 1);
		assert!(sidecar.state.metrics.encode().contains("pop_sidecar_uploads_expired_total 2\n"));

		// Nothing is left to collect until more time passes.
		assert_eq!(gc(&sidecar.state, now).unwrap(), GcReport::default());
		assert_eq!(gc(&sidecar.state, now + HOUR_MS).unwrap(), GcReport { sessions: 1, items: 1 });
	}
}
