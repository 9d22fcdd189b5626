//! Prometheus metrics (`/metrics`, OpenMetrics text). The HTTP layer counts requests, bytes and
//! uploads; the chain client counts proofs, foreign registrations and failed replica fetches,
//! and sets the replication queue.

use axum::{
	extract::{MatchedPath, Request, State},
	middleware::Next,
	response::Response,
};
use prometheus_client::{
	encoding::{text::encode, EncodeLabelSet},
	metrics::{counter::Counter, family::Family, gauge::Gauge},
	registry::Registry,
};
use std::sync::Arc;

/// Labels of `pop_sidecar_requests_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
	/// The route template (`/content/{id}`), so ids do not explode the series.
	pub route: String,
	/// The response status code.
	pub status: u16,
}

/// Labels of `pop_sidecar_replica_fetch_failures_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchFailureLabels {
	/// Why the fetch from one holder failed (`timeout`, `too_large`, `redirect`, ...).
	pub reason: &'static str,
}

/// Labels of refused uploads.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefusalLabels {
	/// Why: `quota`, `unregistered_limit`, `disk_reserve`, `deposit`, `chain_unavailable`.
	pub reason: &'static str,
}

/// Labels of finished transcodings and rendition checks.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
	/// `done` or `failed` for transcodings; `accepted`, `refused` or `unchecked` for checks.
	pub outcome: &'static str,
}

/// Labels of a running transcoding's progress.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VideoLabels {
	/// The source video's id (`0x…`); only videos being transcoded have a series.
	pub video: String,
}

/// Every metric of the sidecar, all named `pop_sidecar_*`.
pub struct Metrics {
	registry: Registry,
	/// Requests answered, by route and status.
	pub requests: Family<RequestLabels, Counter>,
	/// Content bytes sent to viewers, counted as `sendfile` hands them to their connections.
	pub bytes_served: Counter,
	/// Upload sessions created.
	pub uploads_created: Counter,
	/// Uploads whose every byte arrived and was stored.
	pub uploads_completed: Counter,
	/// Upload bytes received and made durable.
	pub upload_bytes_received: Counter,
	/// Idle upload sessions and unregistered uploads deleted.
	pub uploads_expired: Counter,
	/// Storage proofs submitted to the chain (chain client).
	pub proofs_sent: Counter,
	/// Storage proofs that could not be made or were rejected (chain client).
	pub proofs_failed: Counter,
	/// Uploads registered on chain by another account than the one that uploaded them here,
	/// left unconfirmed (chain client).
	pub foreign_registrations: Counter,
	/// Replica fetches from one holder that failed, by reason (chain client).
	pub replica_fetch_failures: Family<FetchFailureLabels, Counter>,
	/// Replicas assigned to this sidecar and not yet stored (chain client).
	pub replication_queue: Gauge,
	/// Confirmed replicas missing from disk that no other holder has (chain client).
	pub replicas_lost: Counter,
	/// Content withdrawn because the chain no longer assigns it here (chain client).
	pub replicas_withdrawn: Counter,
	/// Withdrawn content deleted after the grace period.
	pub replicas_deleted: Counter,
	/// Upload creations refused, by reason.
	pub uploads_refused: Family<RefusalLabels, Counter>,
	/// Collections of unregistered uploads put off because the chain could not be asked.
	pub collections_postponed: Counter,
	/// Transcodings finished, by outcome.
	pub transcodes: Family<OutcomeLabels, Counter>,
	/// Transcodings waiting or under way.
	pub transcodes_queued: Gauge,
	/// Progress of each transcoding under way, from 0 to 1.
	pub transcode_progress: Family<VideoLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
	/// Seconds of video transcoded.
	pub transcoded_media_seconds: Counter<f64, std::sync::atomic::AtomicU64>,
	/// Seconds spent transcoding.
	pub transcode_seconds: Counter<f64, std::sync::atomic::AtomicU64>,
	/// Renditions checked before their replica was confirmed, by outcome (chain client).
	pub rendition_checks: Family<OutcomeLabels, Counter>,
	/// Bytes of content stored, set when scraped.
	pub disk_bytes: Gauge,
	/// Bytes free on the data dir's file system for this process, set when scraped.
	pub disk_free_bytes: Gauge,
	/// Free space the sidecar leaves on that file system (`--disk-reserve`), set when scraped.
	pub disk_reserve_bytes: Gauge,
	/// 1 while the chain client is connected to its node and following it, else 0.
	pub chain_connected: Gauge,
	/// Faults of this sidecar's masternode counted in the current era, at the last finalized
	/// block (chain client).
	pub masternode_faults: Gauge,
	/// 1 while this sidecar's masternode is jailed at the last finalized block, else 0: its
	/// faults reset when it is jailed, and only its operator's `unjail` ends it.
	pub masternode_jailed: Gauge,
	/// 1 while the proof key signs for a masternode at the last finalized block, else 0: a
	/// masternode moved to another key leaves this sidecar answering nothing.
	pub proof_key_registered: Gauge,
	/// 1 while the chain client does not reconcile replicas: its node's finalized block is
	/// behind one reconciled already, or of another chain.
	pub reconcile_waiting: Gauge,
	/// Connections closed at once because their client held `--max-connections-per-address`.
	pub connections_refused: Counter,
}

impl Default for Metrics {
	fn default() -> Self {
		let mut metrics = Self {
			registry: Registry::with_prefix("pop_sidecar"),
			requests: Family::default(),
			bytes_served: Counter::default(),
			uploads_created: Counter::default(),
			uploads_completed: Counter::default(),
			upload_bytes_received: Counter::default(),
			uploads_expired: Counter::default(),
			proofs_sent: Counter::default(),
			proofs_failed: Counter::default(),
			foreign_registrations: Counter::default(),
			replica_fetch_failures: Family::default(),
			replication_queue: Gauge::default(),
			replicas_lost: Counter::default(),
			replicas_withdrawn: Counter::default(),
			replicas_deleted: Counter::default(),
			uploads_refused: Family::default(),
			collections_postponed: Counter::default(),
			transcodes: Family::default(),
			transcodes_queued: Gauge::default(),
			transcode_progress: Family::default(),
			transcoded_media_seconds: Counter::default(),
			transcode_seconds: Counter::default(),
			rendition_checks: Family::default(),
			disk_bytes: Gauge::default(),
			disk_free_bytes: Gauge::default(),
			disk_reserve_bytes: Gauge::default(),
			chain_connected: Gauge::default(),
			masternode_faults: Gauge::default(),
			masternode_jailed: Gauge::default(),
			proof_key_registered: Gauge::default(),
			reconcile_waiting: Gauge::default(),
			connections_refused: Counter::default(),
		};
		// The registry holds clones, which share their values with the fields.
		let registry = &mut metrics.registry;
		registry.register(
			"requests",
			"HTTP requests answered, by route and status",
			metrics.requests.clone(),
		);
		registry.register(
			"bytes_served",
			"Content bytes sent to viewers",
			metrics.bytes_served.clone(),
		);
		registry.register(
			"uploads_created",
			"Upload sessions created",
			metrics.uploads_created.clone(),
		);
		registry.register(
			"uploads_completed",
			"Uploads completely received and stored",
			metrics.uploads_completed.clone(),
		);
		registry.register(
			"upload_bytes_received",
			"Upload bytes received and made durable",
			metrics.upload_bytes_received.clone(),
		);
		registry.register(
			"uploads_expired",
			"Idle or unregistered uploads deleted",
			metrics.uploads_expired.clone(),
		);
		registry.register(
			"proofs_sent",
			"Storage proofs submitted to the chain",
			metrics.proofs_sent.clone(),
		);
		registry.register(
			"proofs_failed",
			"Storage proofs that failed or were rejected",
			metrics.proofs_failed.clone(),
		);
		registry.register(
			"foreign_registrations",
			"Uploads registered on chain by another account than their uploader, left unconfirmed",
			metrics.foreign_registrations.clone(),
		);
		registry.register(
			"replica_fetch_failures",
			"Replica fetches from one holder that failed, by reason; the next holder is tried",
			metrics.replica_fetch_failures.clone(),
		);
		registry.register(
			"replication_queue",
			"Replicas assigned and not yet stored",
			metrics.replication_queue.clone(),
		);
		registry.register(
			"replicas_lost",
			"Confirmed replicas missing from disk that no other holder has",
			metrics.replicas_lost.clone(),
		);
		registry.register(
			"replicas_withdrawn",
			"Content no longer assigned here, withdrawn from serving",
			metrics.replicas_withdrawn.clone(),
		);
		registry.register(
			"replicas_deleted",
			"Withdrawn content deleted after the grace period",
			metrics.replicas_deleted.clone(),
		);
		registry.register(
			"uploads_refused",
			"Upload creations refused, by reason",
			metrics.uploads_refused.clone(),
		);
		registry.register(
			"collections_postponed",
			"Collections of unregistered uploads put off because the chain could not be asked",
			metrics.collections_postponed.clone(),
		);
		registry.register(
			"transcodes",
			"Transcodings of uploaded videos finished, by outcome",
			metrics.transcodes.clone(),
		);
		registry.register(
			"transcodes_queued",
			"Transcodings waiting or under way",
			metrics.transcodes_queued.clone(),
		);
		registry.register(
			"transcode_progress",
			"Progress of each transcoding under way, from 0 to 1",
			metrics.transcode_progress.clone(),
		);
		registry.register(
			"transcoded_media_seconds",
			"Seconds of video transcoded",
			metrics.transcoded_media_seconds.clone(),
		);
		registry.register(
			"transcode_seconds",
			"Seconds spent transcoding",
			metrics.transcode_seconds.clone(),
		);
		registry.register(
			"rendition_checks",
			"Renditions checked with ffprobe before their replica is confirmed, by outcome",
			metrics.rendition_checks.clone(),
		);
		registry.register("disk_bytes", "Bytes of content stored", metrics.disk_bytes.clone());
		registry.register(
			"disk_free_bytes",
			"Bytes free on the data directory's file system",
			metrics.disk_free_bytes.clone(),
		);
		registry.register(
			"disk_reserve_bytes",
			"Free space the sidecar leaves on the data directory's file system",
			metrics.disk_reserve_bytes.clone(),
		);
		registry.register(
			"chain_connected",
			"1 while the chain client follows its node, else 0",
			metrics.chain_connected.clone(),
		);
		registry.register(
			"masternode_faults",
			"Faults of this sidecar's masternode counted in the current era",
			metrics.masternode_faults.clone(),
		);
		registry.register(
			"masternode_jailed",
			"1 while this sidecar's masternode is jailed, else 0",
			metrics.masternode_jailed.clone(),
		);
		registry.register(
			"proof_key_registered",
			"1 while the proof key signs for a masternode, else 0",
			metrics.proof_key_registered.clone(),
		);
		registry.register(
			"reconcile_waiting",
			"1 while replicas are not reconciled: the node is behind a block reconciled already, or on another chain",
			metrics.reconcile_waiting.clone(),
		);
		registry.register(
			"connections_refused",
			"Connections closed at once because their client held --max-connections-per-address",
			metrics.connections_refused.clone(),
		);
		metrics
	}
}

impl Metrics {
	/// The OpenMetrics text of every metric.
	pub fn encode(&self) -> String {
		let mut text = String::new();
		encode(&mut text, &self.registry).expect("writing to a String cannot fail");
		text
	}
}

/// Middleware counting every response by route and status.
pub async fn count_requests(
	State(metrics): State<Arc<Metrics>>,
	request: Request,
	next: Next,
) -> Response {
	let route = request
		.extensions()
		.get::<MatchedPath>()
		.map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
	let response = next.run(request).await;
	let labels = RequestLabels { route, status: response.status().as_u16() };
	metrics.requests.get_or_create(&labels).inc();
	response
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_metric_is_exported_under_the_prefix() {
		let metrics = Metrics::default();
		metrics.proofs_sent.inc();
		metrics.bytes_served.inc_by(5);
		metrics.replication_queue.set(3);
		metrics
			.replica_fetch_failures
			.get_or_create(&FetchFailureLabels { reason: "timeout" })
			.inc();
		metrics
			.requests
			.get_or_create(&RequestLabels { route: "/health".into(), status: 200 })
			.inc();
		let text = metrics.encode();
		for line in [
			"pop_sidecar_proofs_sent_total 1",
			"pop_sidecar_proofs_failed_total 0",
			"pop_sidecar_foreign_registrations_total 0",
			"pop_sidecar_bytes_served_total 5",
			"pop_sidecar_replication_queue 3",
			"pop_sidecar_replica_fetch_failures_total{reason=\"timeout\"} 1",
			"pop_sidecar_disk_bytes 0",
			"pop_sidecar_uploads_created_total 0",
			"pop_sidecar_uploads_completed_total 0",
			"pop_sidecar_upload_bytes_received_total 0",
			"pop_sidecar_uploads_expired_total 0",
			"pop_sidecar_requests_total{route=\"/health\",status=\"200\"} 1",
		] {
			assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
		}
		assert!(text.ends_with("# EOF\n"));
	}
}
