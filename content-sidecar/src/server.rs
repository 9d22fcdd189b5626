//! The sidecar's HTTP server: HTTP/1.1 connections that send content with `sendfile`
//! ([`crate::streaming::sendfile`]), each served by hyper, drained on shutdown.
//!
//! Not `axum::serve`: that speaks every protocol hyper-util was built with, and other crates in
//! this workspace build it with HTTP/2, whose framing copies the first bytes of each DATA frame
//! into its own buffer. That would read a content frame's memory, which the `sendfile` path
//! never does (a file cut short behind the sidecar's back would then kill it). Here every
//! connection is HTTP/1.1 with vectored writes set, not guessed from the stream, and a request's
//! head must arrive within `--request-head-timeout` and a response must be taken on within
//! `--send-timeout`, so a client cannot hold a connection open by never finishing its request
//! or never reading the answer; and at most `--max-connections` are served at once.

use crate::{state::AppState, streaming::ContentListener};
use hyper::server::conn::http1;
use hyper_util::{
	rt::{TokioIo, TokioTimer},
	service::TowerToHyperService,
};
use std::{future::Future, pin::pin, sync::Arc};
use tokio::{
	net::TcpListener,
	sync::{mpsc, watch, Semaphore},
};

/// File descriptors left for all but connections: items kept open, the index, uploads being
/// written, the node's RPC.
const OTHER_FILES: u64 = 512;

/// Serves the app of `state` on `listener` until `shutdown` completes, then lets the requests
/// under way finish (their connections close after them) and returns once all have.
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()>) {
	let mut listener = ContentListener::new(
		listener,
		state.metrics.bytes_served.clone(),
		state.config.send_timeout,
	);
	let connections = Arc::new(Semaphore::new(connection_limit(state.config.max_connections)));
	let mut http = http1::Builder::new();
	let head_timeout = state.config.request_head_timeout;
	http.writev(true).timer(TokioTimer::new()).header_read_timeout(head_timeout);
	let app = crate::app(state);
	// Changed once, to true, when the server stops.
	let (stop, stopping) = watch::channel(false);
	// Every connection holds a sender: when the last is gone, the receiver hears nothing more.
	let (open, mut all_closed) = mpsc::channel::<()>(1);
	let mut shutdown = pin!(shutdown);
	loop {
		// At the limit, the next connection waits in the accept queue for a free place.
		let place = tokio::select! {
			place = connections.clone().acquire_owned() => place,
			() = &mut shutdown => break,
		};
		let stream = tokio::select! {
			stream = listener.accept() => stream,
			() = &mut shutdown => break,
		};
		let connection =
			http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
		let (mut stopping, open) = (stopping.clone(), open.clone());
		tokio::spawn(async move {
			let _place = place;
			let mut connection = pin!(connection);
			let ended = tokio::select! {
				ended = connection.as_mut() => ended,
				_ = stopping.changed() => {
					connection.as_mut().graceful_shutdown();
					connection.await
				}
			};
			if let Err(error) = ended {
				tracing::debug!(%error, "connection ended");
			}
			drop(open);
		});
	}
	drop(listener);
	stop.send_replace(true);
	drop(open);
	all_closed.recv().await;
}

/// The connections served at once: `configured`, or fewer when the open-file limit (which
/// `pop-sidecar` raises to the hard one at start) leaves no room for more besides
/// [`OTHER_FILES`].
fn connection_limit(configured: u32) -> usize {
	use rustix::process::{getrlimit, Resource};
	let open_files = getrlimit(Resource::Nofile).current;
	let room = open_files.map_or(u64::MAX, |files| files.saturating_sub(OTHER_FILES)).max(1);
	let limit = u64::from(configured).min(room);
	if limit < u64::from(configured) {
		tracing::warn!(
			configured,
			limit,
			open_files,
			"serving fewer connections than --max-connections: the open-file limit leaves no room"
		);
	}
	usize::try_from(limit).unwrap_or(usize::MAX)
}
