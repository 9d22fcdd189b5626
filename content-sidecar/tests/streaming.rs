//! Streaming on a real socket, where content leaves with `sendfile`: every byte arrives
//! whatever a reader that reads does, one that stops is cut off, connections past the limit
//! wait, a client past its share is closed, and a file cut short behind the sidecar's back
//! costs one connection, not the daemon.

mod common;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Empty};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use pop_primitives::commitment::ContentId;
use pop_sidecar::{
	config::Config,
	testing::{content, Sidecar},
};
use std::{net::SocketAddr, time::Duration};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::{TcpListener, TcpSocket, TcpStream},
	time::timeout,
};

/// A sidecar holding a free registered item of `size` bytes, served on a free port.
async fn serving(size: usize) -> (Sidecar, SocketAddr, ContentId, Vec<u8>) {
	serving_with(size, |_| {}).await
}

/// The same, with the configuration changed by `adjust`.
async fn serving_with(
	size: usize,
	adjust: impl FnOnce(&mut Config),
) -> (Sidecar, SocketAddr, ContentId, Vec<u8>) {
	let sidecar = Sidecar::with(adjust);
	let bytes = content(size, 3);
	let id = sidecar.store_registered(&bytes, 0, "video/mp4");
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let address = listener.local_addr().unwrap();
	serve_on(listener, &sidecar.state);
	(sidecar, address, id, bytes)
}

fn path_of(id: &ContentId) -> String {
	format!("/content/0x{}", hex::encode(id.0))
}

/// A request for the whole of `id`, as sent on the wire.
fn whole_item_request(id: &ContentId) -> String {
	format!("GET {} HTTP/1.1\r\nhost: x\r\n\r\n", path_of(id))
}

/// A connection with a small receive window, so the sidecar meets a full socket many times
/// per response.
async fn small_window_connection(address: SocketAddr) -> TcpStream {
	let socket = TcpSocket::new_v4().unwrap();
	socket.set_recv_buffer_size(8 * 1024).unwrap();
	socket.connect(address).await.unwrap()
}

/// The value of the sidecar's counter `name`.
fn counter(sidecar: &Sidecar, name: &str) -> u64 {
	let metrics = sidecar.state.metrics.encode();
	let prefix = format!("pop_sidecar_{name}_total ");
	let line = metrics.lines().find(|line| line.starts_with(&prefix));
	line.unwrap().rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_on_one_connection_arrive_whole_and_are_counted_as_sent() {
	let size = 3 * 1024 * 1024 + 17;
	let (sidecar, address, id, bytes) = serving(size).await;
	let stream = TcpStream::connect(address).await.unwrap();
	let (mut sender, connection) =
		hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
	tokio::spawn(connection);

	let mut sent = 0;
	let requests = [
		(Method::GET, None, StatusCode::OK, 0..size),
		(Method::GET, Some("bytes=1000-2000999"), StatusCode::PARTIAL_CONTENT, 1000..2_001_000),
		(Method::HEAD, Some("bytes=0-99"), StatusCode::PARTIAL_CONTENT, 0..0),
		(Method::GET, Some("bytes=-5"), StatusCode::PARTIAL_CONTENT, size - 5..size),
		(Method::GET, Some("bytes=99999999-"), StatusCode::RANGE_NOT_SATISFIABLE, 0..0),
		(Method::GET, Some("bytes=7-7"), StatusCode::PARTIAL_CONTENT, 7..8),
	];
	for (method, range, status, expected) in requests {
		let mut request = Request::builder().method(method).uri(path_of(&id));
		if let Some(range) = range {
			request = request.header("range", range);
		}
		sender.ready().await.unwrap();
		let request = request.body(Empty::<Bytes>::new()).unwrap();
		let response =
			timeout(Duration::from_secs(30), sender.send_request(request)).await.unwrap().unwrap();
		assert_eq!(response.status(), status, "{range:?}");
		let body = response.into_body().collect().await.unwrap().to_bytes();
		if status == StatusCode::PARTIAL_CONTENT || status == StatusCode::OK {
			assert_eq!(body, bytes[expected.clone()], "{range:?}");
			sent += expected.len() as u64;
		}
	}
	// Counted where sendfile sent them: every content byte left that way. The count follows
	// the send, so it may come a moment after the client has the bytes.
	let counted = async {
		while counter(&sidecar, "bytes_served") != sent {
			tokio::time::sleep(Duration::from_millis(10)).await;
		}
	};
	timeout(Duration::from_secs(10), counted).await.expect("every byte sent counted");
	assert_eq!(counter(&sidecar, "bytes_served"), sent);
}

/// Reads one response from `stream` (after what `buffered` holds): its head and body.
async fn read_response(stream: &mut TcpStream, buffered: &mut Vec<u8>) -> (String, Vec<u8>) {
	let head_end = loop {
		if let Some(end) = buffered.windows(4).position(|window| window == b"\r\n\r\n") {
			break end + 4;
		}
		read_some(stream, buffered).await;
	};
	let head = String::from_utf8(buffered.drain(..head_end).collect()).unwrap();
	let length: usize = head
		.lines()
		.find_map(|line| {
			line.to_ascii_lowercase().strip_prefix("content-length: ").map(String::from)
		})
		.expect("a Content-Length")
		.parse()
		.unwrap();
	while buffered.len() < length {
		read_some(stream, buffered).await;
		// A slow reader: the sidecar's socket fills and sendfile sends part of what it is asked.
		tokio::time::sleep(Duration::from_micros(200)).await;
	}
	(head, buffered.drain(..length).collect())
}

async fn read_some(stream: &mut TcpStream, buffered: &mut Vec<u8>) {
	let mut chunk = [0; 16 * 1024];
	let read = timeout(Duration::from_secs(30), stream.read(&mut chunk)).await.unwrap().unwrap();
	assert!(read > 0, "the sidecar closed the connection");
	buffered.extend_from_slice(&chunk[..read]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_of_pipelined_requests_gets_every_byte_in_order() {
	let size = 6 * 1024 * 1024 + 5;
	let (_sidecar, address, id, bytes) = serving(size).await;
	let mut stream = small_window_connection(address).await;
	let path = path_of(&id);
	// Four requests at once: each head queues behind the body before it.
	let requests = format!(
		"GET {path} HTTP/1.1\r\nhost: x\r\nrange: bytes=100-5000099\r\n\r\n\
		 GET {path} HTTP/1.1\r\nhost: x\r\nrange: bytes=-1000\r\n\r\n\
		 HEAD {path} HTTP/1.1\r\nhost: x\r\n\r\n\
		 GET {path} HTTP/1.1\r\nhost: x\r\nrange: bytes=7-7\r\n\r\n"
	);
	stream.write_all(requests.as_bytes()).await.unwrap();
	let mut buffered = Vec::new();
	let (head, body) = read_response(&mut stream, &mut buffered).await;
	assert!(head.starts_with("HTTP/1.1 206"), "{head}");
	assert!(body == bytes[100..5_000_100], "the first range's bytes");
	let (head, body) = read_response(&mut stream, &mut buffered).await;
	assert!(head.contains(&format!("content-range: bytes {}-{}/{size}", size - 1000, size - 1)));
	assert!(body == bytes[size - 1000..], "the second range's bytes");
	// HEAD: a head that says the whole length, and no body: the next response follows it.
	let end = loop {
		if let Some(end) = buffered.windows(4).position(|window| window == b"\r\n\r\n") {
			break end + 4;
		}
		read_some(&mut stream, &mut buffered).await;
	};
	let head = String::from_utf8(buffered.drain(..end).collect()).unwrap();
	assert!(head.starts_with("HTTP/1.1 200") && head.contains(&format!("content-length: {size}")));
	let (head, body) = read_response(&mut stream, &mut buffered).await;
	assert!(head.starts_with("HTTP/1.1 206"), "HEAD brought a body: {head}");
	assert_eq!(body, bytes[7..8]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_is_not_spoken() {
	// HTTP/2 copies the first bytes of every DATA frame out of the frame: a content frame's
	// memory would be read, and the file cut short below would kill the sidecar.
	let (_sidecar, address, _id, _bytes) = serving(1000).await;
	let mut stream = TcpStream::connect(address).await.unwrap();
	// The client preface, then an empty SETTINGS frame.
	let mut preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
	preface.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
	stream.write_all(&preface).await.unwrap();
	let mut answer = Vec::new();
	let read = timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await.unwrap();
	// An HTTP/2 server answers with its own SETTINGS frame (type 4 in the fourth byte).
	assert!(answer.len() < 9 || answer[3] != 4, "answered in HTTP/2: {answer:?}");
	assert!(read.is_err() || answer.is_empty() || answer.starts_with(b"HTTP/1.1 "), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_cut_short_behind_the_sidecars_back_ends_the_connection_not_the_sidecar() {
	let size = 4 * 1024 * 1024;
	let (sidecar, address, id, bytes) = serving(size).await;
	let first = send(address, get_range(&id, "bytes=0-999")).await;
	assert_eq!(first.body, bytes[..1000]);
	// Kept open and mapped now; another process cuts the file to a quarter.
	let file = std::fs::OpenOptions::new().write(true).open(sidecar.state.store.path(&id)).unwrap();
	file.set_len(1024 * 1024).unwrap();

	// Reading the lost pages through the mapping would kill the process (SIGBUS); sendfile
	// sends what is left of the range, and the connection ends short.
	let stream = TcpStream::connect(address).await.unwrap();
	let (mut sender, connection) =
		hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
	tokio::spawn(connection);
	let request = get_range::<Empty<Bytes>>(&id, "bytes=1048000-3000000");
	let response = sender.send_request(request).await.unwrap();
	assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
	let body = timeout(Duration::from_secs(30), response.into_body().collect()).await.unwrap();
	assert!(body.is_err(), "a body the file no longer has came whole");

	// The sidecar serves on: what the file still holds, and its health.
	let kept = send(address, get_range(&id, "bytes=0-1048575")).await;
	assert_eq!(kept.body, bytes[..1024 * 1024]);
	let health = Request::get("/health").body(Default::default()).unwrap();
	assert_eq!(send(address, health).await.status, StatusCode::OK);
}

fn get_range<B: Default>(id: &ContentId, range: &str) -> Request<B> {
	Request::get(path_of(id)).header("range", range).body(B::default()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_never_finished_is_cut_off() {
	let head_timeout = Duration::from_secs(1);
	let (_sidecar, address, id, _bytes) =
		serving_with(1000, |config| config.request_head_timeout = head_timeout).await;
	// Before the connect: the server's timer starts at its accept, which may come before the
	// client's connect returns (CI saw 999 ms when the clock started after it).
	let started = std::time::Instant::now();
	let mut stream = TcpStream::connect(address).await.unwrap();
	// A head begun and never ended.
	let begun = format!("GET {} HTTP/1.1\r\nhost: x\r\n", path_of(&id));
	stream.write_all(begun.as_bytes()).await.unwrap();
	let mut answer = Vec::new();
	// Closed (a reset or an end) rather than waited on.
	let closed = timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
	assert!(closed.is_ok(), "the connection stayed open");
	assert!(started.elapsed() >= head_timeout, "closed after {:?}", started.elapsed());
	assert!(!answer.windows(3).any(|window| window == b"206"), "served: {answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_after_the_send_timeout() {
	let send_timeout = Duration::from_secs(1);
	// Far more than the socket buffers on both sides hold.
	let size = 32 * 1024 * 1024;
	let (_sidecar, address, id, _bytes) =
		serving_with(size, |config| config.send_timeout = send_timeout).await;
	let mut stream = small_window_connection(address).await;
	stream.write_all(whole_item_request(&id).as_bytes()).await.unwrap();

	// A slow reader, for longer than the timeout in all: each read is progress.
	let mut buffered = Vec::new();
	let reading = std::time::Instant::now();
	while reading.elapsed() < send_timeout * 2 {
		read_some(&mut stream, &mut buffered).await;
		tokio::time::sleep(send_timeout / 10).await;
	}
	// Then a reader that takes nothing.
	tokio::time::sleep(send_timeout * 3).await;
	let mut rest = Vec::new();
	let ended = timeout(Duration::from_secs(30), stream.read_to_end(&mut rest)).await;
	assert!(ended.is_ok(), "the connection stayed open");
	let received = buffered.len() + rest.len();
	assert!(received > 64 * 1024, "cut off while it was reading: {received} bytes");
	assert!(received < size, "the whole body came: the stalled response was never cut off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_wait_for_a_free_place() {
	let (_sidecar, address, id, bytes) =
		serving_with(1000, |config| config.max_connections = 1).await;
	let request = whole_item_request(&id);
	let mut first = TcpStream::connect(address).await.unwrap();
	first.write_all(request.as_bytes()).await.unwrap();
	let (head, _) = read_response(&mut first, &mut Vec::new()).await;
	assert!(head.starts_with("HTTP/1.1 200"), "{head}");

	// The first connection stays open (keep-alive) and holds the only place.
	let mut second = TcpStream::connect(address).await.unwrap();
	second.write_all(request.as_bytes()).await.unwrap();
	let mut byte = [0; 1];
	let answered = timeout(Duration::from_millis(500), second.read(&mut byte)).await;
	assert!(answered.is_err(), "a connection past the limit was served");

	drop(first);
	let (head, body) = read_response(&mut second, &mut Vec::new()).await;
	assert!(head.starts_with("HTTP/1.1 200"), "{head}");
	assert_eq!(body, bytes);
}

/// A connection from `client`, a loopback address of its own.
async fn connection_from(client: [u8; 4], address: SocketAddr) -> TcpStream {
	let socket = TcpSocket::new_v4().unwrap();
	socket.bind(SocketAddr::from((client, 0))).unwrap();
	socket.connect(address).await.unwrap()
}

/// Whether `stream` is answered `200` with `bytes`, or closed unanswered.
async fn served(stream: &mut TcpStream, request: &str, bytes: &[u8]) -> bool {
	// A closed connection may refuse the write, or take it and then end.
	let _ = stream.write_all(request.as_bytes()).await;
	let mut first = [0; 1];
	let read = timeout(Duration::from_secs(10), stream.peek(&mut first)).await;
	if !matches!(read.expect("neither answered nor closed"), Ok(1)) {
		return false;
	}
	let (head, body) = read_response(stream, &mut Vec::new()).await;
	assert!(head.starts_with("HTTP/1.1 200"), "{head}");
	assert_eq!(body, bytes);
	true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_past_its_share_of_connections_is_closed_and_others_are_served() {
	let (sidecar, address, id, bytes) =
		serving_with(1000, |config| config.max_connections_per_address = 2).await;
	let request = whole_item_request(&id);
	// Two kept-alive connections hold the client's share.
	let mut held = Vec::new();
	for _ in 0..2 {
		let mut stream = connection_from([127, 0, 0, 1], address).await;
		assert!(served(&mut stream, &request, &bytes).await, "a connection within the share");
		held.push(stream);
	}

	let mut third = connection_from([127, 0, 0, 1], address).await;
	assert!(!served(&mut third, &request, &bytes).await, "a third connection was served");
	assert_eq!(counter(&sidecar, "connections_refused"), 1);
	// Another client is served meanwhile: the limit is per client, not for everyone.
	let mut other = connection_from([127, 0, 0, 2], address).await;
	assert!(served(&mut other, &request, &bytes).await, "another client was refused");

	// A closed connection gives its place back, once the server has seen it close.
	drop(held.pop());
	let mut given_back = false;
	for _ in 0..50 {
		let mut stream = connection_from([127, 0, 0, 1], address).await;
		if served(&mut stream, &request, &bytes).await {
			given_back = true;
			break;
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	assert!(given_back, "the place of a closed connection never came back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_under_way_at_shutdown_ends_whole_and_new_connections_are_refused() {
	let sidecar = Sidecar::new();
	let size = 6 * 1024 * 1024;
	let bytes = content(size, 8);
	let id = sidecar.store_registered(&bytes, 0, "video/mp4");
	let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
	let address = listener.local_addr().unwrap();
	let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
	let shutdown = async {
		let _ = stopped.await;
	};
	let server =
		tokio::spawn(pop_sidecar::server::serve(listener, sidecar.state.clone(), shutdown));

	let mut stream = small_window_connection(address).await;
	stream.write_all(whole_item_request(&id).as_bytes()).await.unwrap();
	let mut buffered = Vec::new();
	read_some(&mut stream, &mut buffered).await;
	stop.send(()).unwrap();

	// The response under way goes on to its last byte; the server waits for it.
	let (head, body) = read_response(&mut stream, &mut buffered).await;
	assert!(head.starts_with("HTTP/1.1 200"), "{head}");
	assert!(body == bytes, "the body ended short or wrong");
	timeout(Duration::from_secs(10), server).await.expect("the server stopped").unwrap();
	assert!(TcpStream::connect(address).await.is_err(), "a new connection was taken");
}
