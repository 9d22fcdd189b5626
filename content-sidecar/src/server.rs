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
//! or never reading the answer; and at most `--max-connections` are served at once, of which at
//! most `--max-connections-per-address` from one client.

use crate::{state::AppState, streaming::ContentListener};
use hyper::server::conn::http1;
use hyper_util::{
	rt::{TokioIo, TokioTimer},
	service::TowerToHyperService,
};
use std::{
	collections::{hash_map::Entry, HashMap},
	future::Future,
	net::{IpAddr, Ipv6Addr},
	pin::pin,
	sync::{Arc, Mutex, PoisonError},
};
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
	let clients = Arc::new(ClientPlaces::new(state.config.max_connections_per_address));
	let refused = state.metrics.connections_refused.clone();
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
		let (stream, peer) = tokio::select! {
			accepted = listener.accept() => accepted,
			() = &mut shutdown => break,
		};
		// Closed before anything is read, and its place freed: a client past its share costs
		// an accept and nothing more.
		let client = client_of(peer.ip());
		let Some(client_place) = clients.take(client) else {
			refused.inc();
			tracing::debug!(%client, "connection refused: its client holds its share of places");
			continue;
		};
		let connection =
			http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
		let (mut stopping, open) = (stopping.clone(), open.clone());
		tokio::spawn(async move {
			let _places = (place, client_place);
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

/// The connections each client holds, at most `limit` each. A client with none has no entry, so
/// the map holds no more entries than there are connections.
struct ClientPlaces {
	limit: u32,
	held: Mutex<HashMap<IpAddr, u32>>,
}

impl ClientPlaces {
	fn new(limit: u32) -> Self {
		Self { limit, held: Mutex::default() }
	}

	/// A place for a connection of `client` (see [`client_of`]), or `None` when it holds `limit`
	/// already.
	fn take(self: &Arc<Self>, client: IpAddr) -> Option<ClientPlace> {
		let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
		let count = held.entry(client).or_default();
		if *count >= self.limit {
			return None;
		}
		*count += 1;
		Some(ClientPlace { places: self.clone(), client })
	}
}

/// A connection's place among its client's, given back when dropped.
struct ClientPlace {
	places: Arc<ClientPlaces>,
	client: IpAddr,
}

impl Drop for ClientPlace {
	fn drop(&mut self) {
		let mut held = self.places.held.lock().unwrap_or_else(PoisonError::into_inner);
		// Counted by `take`, so the entry is there.
		if let Entry::Occupied(mut count) = held.entry(self.client) {
			*count.get_mut() -= 1;
			if *count.get() == 0 {
				count.remove();
			}
		}
	}
}

/// The client `peer` stands for: an IPv4 address, written in IPv6 or not, or an IPv6 /64, the
/// least a host or home is given (RFC 6177), so that one client cannot take a place for each of
/// its 2^64 addresses.
fn client_of(peer: IpAddr) -> IpAddr {
	match peer {
		IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
			Some(v4) => IpAddr::V4(v4),
			None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
		},
		v4 => v4,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ip(text: &str) -> IpAddr {
		text.parse().unwrap()
	}

	#[test]
	fn a_client_is_an_ipv4_address_or_an_ipv6_64() {
		assert_eq!(client_of(ip("203.0.113.7")), ip("203.0.113.7"));
		assert_eq!(client_of(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
		let home = ip("2001:db8:1:2::");
		assert_eq!(client_of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), home);
		assert_eq!(client_of(ip("2001:db8:1:2::1")), home);
		assert_eq!(client_of(ip("2001:db8:1:3::1")), ip("2001:db8:1:3::"));
	}

	#[test]
	fn a_client_holds_at_most_its_limit_and_places_come_back() {
		let places = Arc::new(ClientPlaces::new(2));
		let take = |address| places.take(client_of(ip(address)));
		let first = take("2001:db8::1").unwrap();
		let _second = take("2001:db8::ffff").unwrap();
		assert!(take("2001:db8::2").is_none(), "a third place in the same /64");
		let other = take("2001:db8:0:1::1").unwrap();

		drop(first);
		let _again = take("2001:db8::3").unwrap();
		assert!(take("2001:db8::4").is_none());
		// A client with no connection left has no entry.
		drop(other);
		assert_eq!(places.held.lock().unwrap().len(), 1);
	}
}
