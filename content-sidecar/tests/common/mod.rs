//! What the network tests share: the sidecar served on a socket, and a plain HTTP/1.1 client
//! (hyper) that can also cut a PATCH half way. Dev tokens and test content come from `pop_sidecar::testing`.

#![allow(dead_code)] // Each test binary uses its own part.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::{body::Frame, header::HeaderValue, HeaderMap, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::{convert::Infallible, net::SocketAddr, time::Duration};
use tokio::{net::TcpStream, sync::mpsc, task::JoinHandle};

/// Serves `state` on `listener` as `pop-sidecar run` does, until the test ends.
pub fn serve_on(listener: tokio::net::TcpListener, state: &pop_sidecar::AppState) {
	tokio::spawn(pop_sidecar::server::serve(listener, state.clone(), std::future::pending()));
}

/// A response, read whole.
pub struct Reply {
	pub status: StatusCode,
	pub headers: HeaderMap,
	pub body: Bytes,
}

impl Reply {
	/// A header as text.
	pub fn header(&self, name: &str) -> Option<&str> {
		self.headers.get(name).map(|value| value.to_str().unwrap())
	}

	/// `Upload-Offset` as a number.
	pub fn offset(&self) -> u64 {
		self.header("upload-offset").expect("an Upload-Offset").parse().unwrap()
	}
}

/// A tus request to `path` signed by `authorization`.
pub fn tus(method: Method, path: &str, authorization: &str) -> hyper::http::request::Builder {
	Request::builder()
		.method(method)
		.uri(path)
		.header("tus-resumable", "1.0.0")
		.header("authorization", authorization)
}

/// Sends `request` on a connection of its own.
pub async fn send(address: SocketAddr, request: Request<Full<Bytes>>) -> Reply {
	let stream = TcpStream::connect(address).await.unwrap();
	let (mut sender, connection) =
		hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
	let connection = tokio::spawn(connection);
	let response = sender.send_request(request).await.unwrap();
	let (parts, body) = response.into_parts();
	let body = body.collect().await.unwrap().to_bytes();
	connection.abort();
	Reply { status: parts.status, headers: parts.headers, body }
}

/// Creates an upload of `length` bytes; returns its path.
pub async fn create(address: SocketAddr, authorization: &str, length: usize) -> String {
	let request = tus(Method::POST, "/uploads", authorization)
		.header("upload-length", length)
		.header("upload-metadata", "filetype dmlkZW8vbXA0")
		.body(Full::default())
		.unwrap();
	let reply = send(address, request).await;
	assert_eq!(reply.status, StatusCode::CREATED);
	reply.header("location").unwrap().to_owned()
}

/// Sends `bytes` at `offset`.
pub async fn patch(
	address: SocketAddr,
	authorization: &str,
	path: &str,
	offset: u64,
	bytes: &[u8],
) -> Reply {
	let request = tus(Method::PATCH, path, authorization)
		.header("content-type", "application/offset+octet-stream")
		.header("upload-offset", offset)
		.body(Full::new(Bytes::copy_from_slice(bytes)))
		.unwrap();
	send(address, request).await
}

/// Asks where an upload stands.
pub async fn head(address: SocketAddr, authorization: &str, path: &str) -> Reply {
	send(address, tus(Method::HEAD, path, authorization).body(Full::default()).unwrap()).await
}

/// A PATCH whose body is still being sent.
pub struct OpenPatch {
	connection: JoinHandle<hyper::Result<()>>,
	_more: mpsc::Sender<Result<Frame<Bytes>, Infallible>>,
}

impl OpenPatch {
	/// Starts a PATCH at `offset` announcing `declared` bytes and sends `first` of them.
	pub async fn start(
		address: SocketAddr,
		authorization: &str,
		path: &str,
		offset: u64,
		declared: usize,
		first: &[u8],
	) -> Self {
		let (more, frames) = mpsc::channel(4);
		let body = StreamBody::new(futures_util::stream::unfold(frames, |mut frames| async {
			frames.recv().await.map(|frame| (frame, frames))
		}));
		let request = tus(Method::PATCH, path, authorization)
			.header("content-type", "application/offset+octet-stream")
			.header("upload-offset", offset)
			.header("content-length", HeaderValue::from(declared))
			.body(body)
			.unwrap();
		let stream = TcpStream::connect(address).await.unwrap();
		let (mut sender, connection) =
			hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
		let connection = tokio::spawn(connection);
		tokio::spawn(async move { sender.send_request(request).await });
		for piece in first.chunks(64 * 1024) {
			more.send(Ok(Frame::data(Bytes::copy_from_slice(piece)))).await.unwrap();
		}
		// Give the client time to put the bytes on the wire.
		tokio::time::sleep(Duration::from_millis(300)).await;
		Self { connection, _more: more }
	}

	/// Drops the connection, as a client losing its network would.
	pub fn cut(self) {
		self.connection.abort();
	}
}
