//! Fetches from real hostile holders, small HTTP servers on loopback: one stalls, one sends
//! more than the registered size, one redirects, one trickles; and endpoints that name
//! internal addresses.

use super::{Fetcher, Source};
use crate::{
	chain::ProofKey,
	metrics::FetchFailureLabels,
	testing::{content, id_of, Sidecar},
};
use axum::{body::Body, http::StatusCode, response::Response, routing::get, Router};
use bytes::Bytes;
use futures_util::{stream, StreamExt as _};
use std::{
	convert::Infallible,
	sync::{
		atomic::{AtomicUsize, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};
use tokio::net::TcpListener;

/// The idle timeout and the rate's grace period of the test sidecars.
const IDLE: Duration = Duration::from_millis(500);

/// How a test holder answers `GET /content/{id}`.
#[derive(Clone)]
enum Holder {
	/// The content, whole.
	Honest(Bytes),
	/// The head and the first KiB, then nothing.
	Stalls(Bytes),
	/// The content and one byte more, chunked (no length announced).
	SendsMore(Bytes),
	/// The content and one byte more, announced in its `Content-Length`.
	AnnouncesMore(Bytes),
	/// A `302` to `Location`.
	Redirects(String),
	/// The content, one byte every 20 ms.
	Trickles(Bytes),
}

impl Holder {
	fn answer(self) -> Response {
		let body = match self {
			Self::Honest(bytes) => Body::from(bytes),
			Self::Stalls(bytes) => Body::from_stream(
				stream::iter([Ok::<_, Infallible>(bytes.slice(..1024))]).chain(stream::pending()),
			),
			Self::SendsMore(bytes) => Body::from_stream(stream::iter([
				Ok::<_, Infallible>(bytes),
				Ok(Bytes::from_static(b"!")),
			])),
			Self::AnnouncesMore(bytes) => Body::from([&bytes[..], &b"!"[..]].concat()),
			Self::Redirects(location) => {
				return Response::builder()
					.status(StatusCode::FOUND)
					.header("location", location)
					.body(Body::empty())
					.unwrap()
			}
			Self::Trickles(bytes) => Body::from_stream(stream::unfold(0, move |at| {
				let bytes = bytes.clone();
				async move {
					tokio::time::sleep(Duration::from_millis(20)).await;
					(at < bytes.len())
						.then(|| (Ok::<_, Infallible>(bytes.slice(at..at + 1)), at + 1))
				}
			})),
		};
		Response::new(body)
	}
}

/// A holder serving on a free loopback port.
struct Served {
	/// Its URL.
	url: String,
	/// Requests it got.
	requests: Arc<AtomicUsize>,
}

impl Served {
	fn source(&self) -> Source {
		Source { holder: [7; 32], endpoint: self.url.clone() }
	}

	fn requests(&self) -> usize {
		self.requests.load(Ordering::SeqCst)
	}
}

async fn serve(holder: Holder) -> Served {
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}", listener.local_addr().unwrap());
	let requests = Arc::new(AtomicUsize::new(0));
	let counted = requests.clone();
	let app = Router::new().route(
		"/content/{id}",
		get(move || {
			counted.fetch_add(1, Ordering::SeqCst);
			let holder = holder.clone();
			async move { holder.answer() }
		}),
	);
	tokio::spawn(async move { axum::serve(listener, app).await });
	Served { url, requests }
}

/// A sidecar fetching with tight bounds, with non-public endpoints allowed as `private`
/// says, and its fetcher.
fn sidecar(private: Option<bool>) -> (Sidecar, Fetcher) {
	let sidecar = Sidecar::with(|config| {
		config.fetch_connect_timeout = Duration::from_secs(2);
		config.fetch_idle_timeout = IDLE;
		config.fetch_rate_grace = IDLE;
		config.fetch_min_rate = 64 << 10;
		config.allow_private_endpoints = private;
	});
	let fetcher = Fetcher::new(&sidecar.state.config).unwrap();
	(sidecar, fetcher)
}

/// Fetches `bytes` from `sources` in turn, within 20 s; returns the endpoint that served them.
async fn fetch(
	sidecar: &Sidecar,
	fetcher: &Fetcher,
	bytes: &[u8],
	sources: &[Source],
) -> Option<String> {
	let (key, id) = (ProofKey::new(crate::keys::SecretKey::from_uri("//Bob//stash").unwrap()), id_of(bytes));
	let fetching = fetcher.fetch_from_any(&sidecar.state, &key, &id, bytes.len() as u64, sources);
	let served = tokio::time::timeout(Duration::from_secs(20), fetching).await;
	served.expect("a fetch is bounded").map(|source| source.endpoint.clone())
}

/// Fetches from one holder that failed for `reason`.
fn failures(sidecar: &Sidecar, reason: &'static str) -> u64 {
	sidecar.state.metrics.replica_fetch_failures.get_or_create(&FetchFailureLabels { reason }).get()
}

/// Whether the store's temp dir is empty.
fn no_temp_files(sidecar: &Sidecar) -> bool {
	std::fs::read_dir(sidecar.dir.path().join("tmp")).unwrap().next().is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_that_stalls_after_the_head_is_left_for_the_next_within_the_idle_timeout() {
	let (sidecar, fetcher) = sidecar(Some(true));
	let bytes = Bytes::from(content(300 << 10, 1));
	let (stalls, honest) =
		(serve(Holder::Stalls(bytes.clone())).await, serve(Holder::Honest(bytes.clone())).await);

	let started = Instant::now();
	let served = fetch(&sidecar, &fetcher, &bytes, &[stalls.source(), honest.source()]).await;
	let elapsed = started.elapsed();
	assert_eq!(served, Some(honest.url.clone()));
	assert!(elapsed >= IDLE && elapsed < IDLE * 4, "gave up after {elapsed:?}");
	assert_eq!((stalls.requests(), honest.requests()), (1, 1));
	assert_eq!(failures(&sidecar, "timeout"), 1);
	sidecar.state.store.verify(&id_of(&bytes)).unwrap();
	assert!(no_temp_files(&sidecar));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_that_sends_more_than_the_registered_size_is_cut_off_and_leaves_nothing() {
	let (sidecar, fetcher) = sidecar(Some(true));
	let bytes = Bytes::from(content(300 << 10, 2));
	let sends_more = serve(Holder::SendsMore(bytes.clone())).await;
	let announces_more = serve(Holder::AnnouncesMore(bytes.clone())).await;
	let honest = serve(Holder::Honest(bytes.clone())).await;

	// Alone, it leaves no replica and no temp file.
	assert_eq!(fetch(&sidecar, &fetcher, &bytes, &[sends_more.source()]).await, None);
	assert_eq!(failures(&sidecar, "too_large"), 1);
	assert!(!sidecar.state.store.contains(&id_of(&bytes)));
	assert!(no_temp_files(&sidecar));

	let sources = [announces_more.source(), sends_more.source(), honest.source()];
	assert_eq!(fetch(&sidecar, &fetcher, &bytes, &sources).await, Some(honest.url.clone()));
	assert_eq!(failures(&sidecar, "too_large"), 3);
	sidecar.state.store.verify(&id_of(&bytes)).unwrap();
	assert!(no_temp_files(&sidecar));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_a_failure_of_its_holder_and_is_not_followed() {
	let (sidecar, fetcher) = sidecar(Some(true));
	let bytes = Bytes::from(content(100 << 10, 3));
	let honest = serve(Holder::Honest(bytes.clone())).await;
	let path = format!("/content/{}", crate::blob_store::id_hex(&id_of(&bytes)));
	let redirects = serve(Holder::Redirects(format!("{}{path}", honest.url))).await;

	assert_eq!(fetch(&sidecar, &fetcher, &bytes, &[redirects.source()]).await, None);
	assert_eq!((redirects.requests(), honest.requests()), (1, 0));
	assert_eq!(failures(&sidecar, "redirect"), 1);

	let sources = [redirects.source(), honest.source()];
	assert_eq!(fetch(&sidecar, &fetcher, &bytes, &sources).await, Some(honest.url.clone()));
	assert_eq!((redirects.requests(), honest.requests()), (2, 1));
	assert_eq!(failures(&sidecar, "redirect"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_below_the_minimum_rate_is_left_after_the_grace_period() {
	let (sidecar, fetcher) = sidecar(Some(true));
	let bytes = Bytes::from(content(64 << 10, 4));
	let (trickles, honest) =
		(serve(Holder::Trickles(bytes.clone())).await, serve(Holder::Honest(bytes.clone())).await);

	let started = Instant::now();
	let served = fetch(&sidecar, &fetcher, &bytes, &[trickles.source(), honest.source()]).await;
	let elapsed = started.elapsed();
	assert_eq!(served, Some(honest.url.clone()));
	// Never idle (a byte every 20 ms), yet left soon after the grace period.
	assert!(elapsed >= IDLE && elapsed < IDLE * 4, "gave up after {elapsed:?}");
	assert_eq!(failures(&sidecar, "too_slow"), 1);
	assert_eq!(failures(&sidecar, "timeout"), 0);
	assert!(no_temp_files(&sidecar));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_on_internal_addresses_are_refused_without_a_connection() {
	// The chain's type is not known yet: non-public endpoints are refused.
	let (sidecar, fetcher) = sidecar(None);
	let bytes = Bytes::from(content(10 << 10, 5));
	let honest = serve(Holder::Honest(bytes.clone())).await;
	let port = honest.url.rsplit(':').next().unwrap().to_owned();
	let internal: Vec<Source> = [
		"http://169.254.169.254".to_owned(),
		"http://169.254.169.254/latest/meta-data".to_owned(),
		"http://10.0.0.1:8080".to_owned(),
		"http://192.168.1.1".to_owned(),
		format!("http://[::1]:{port}"),
		format!("http://[::ffff:127.0.0.1]:{port}"),
		format!("http://0x7f.1:{port}"),
		honest.url.clone(),
		// A name, refused as it resolves.
		format!("http://localhost:{port}"),
	]
	.into_iter()
	.map(|endpoint| Source { holder: [8; 32], endpoint })
	.collect();

	let started = Instant::now();
	assert_eq!(fetch(&sidecar, &fetcher, &bytes, &internal).await, None);
	// No connection was tried: none of the connect timeouts (2 s each) ran, and the holder on
	// loopback, named four ways, got no request.
	assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
	assert_eq!(failures(&sidecar, "refused_address"), internal.len() as u64);
	assert_eq!(honest.requests(), 0);
	assert!(!sidecar.state.store.contains(&id_of(&bytes)));

	// On a production chain still refused; on a dev chain the same holders serve.
	assert!(!fetcher.learn_chain(Some("Live")));
	assert_eq!(fetch(&sidecar, &fetcher, &bytes, &[honest.source()]).await, None);
	assert!(fetcher.learn_chain(Some("Development")));
	let by_name = internal.last().unwrap().clone();
	assert_eq!(
		fetch(&sidecar, &fetcher, &bytes, std::slice::from_ref(&by_name)).await,
		Some(by_name.endpoint)
	);
	assert_eq!(honest.requests(), 1);
}
