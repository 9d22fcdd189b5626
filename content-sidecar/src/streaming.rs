//! Streaming to viewers: `GET`/`HEAD /content/{id}`, where `id` is the content id in hex (64
//! digits, `0x` optional).
//!
//! - Only items registered on chain are served; anything else is `404`.
//! - Priced items (price above zero) need a signed request ([`crate::auth`]; the `auth` query
//!   parameter serves `<video src>`) from an account holding an access grant: `401` without a
//!   signature, `402` without a grant.
//! - `Range: bytes=a-b`, `a-` and `-n` give `206` with `Content-Range`; a range outside the
//!   content gives `416` with `Content-Range: bytes */size`. A malformed `Range` is ignored
//!   (`200`, as RFC 9110 §14.2 allows), and so is a request for several ranges: the whole
//!   content comes back with `200` rather than a `multipart/byteranges` body, which players
//!   never ask for.
//! - `If-Range` with the current `ETag` keeps the range; anything else (another tag, a date)
//!   gets the whole content.
//! - `ETag` is the strong tag `"<hex id>"`: content never changes under its id, so free items are
//!   `Cache-Control: public, max-age=31536000, immutable`, priced ones the same but `private`.

use crate::{
	auth,
	blob_store::{id_hex, parse_id, StoreError},
	error::ApiError,
	index::{ItemState, DEFAULT_MIME},
	metrics::Metrics,
	state::AppState,
};
use axum::{
	body::Body,
	extract::{Path, State},
	http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
	response::{IntoResponse, Response},
	routing::get,
	Router,
};
use bytes::Bytes;
use pop_primitives::commitment::ContentId;
use std::{
	fs::File,
	ops::Range,
	sync::{Arc, Mutex, PoisonError},
};

/// Bytes read from disk per body frame: big enough that a frame costs one read and one write.
const READ_CHUNK: usize = 512 * 1024;
/// Read buffers kept for reuse once their frame is sent (at most 32 MiB). Fresh buffers of this
/// size come from the system each time and go back to it when freed, so every frame would
/// otherwise pay for page faults and the kernel's zeroing of new memory.
const POOLED_BUFFERS: usize = 64;

/// Read buffers whose frames have been sent, empty and ready for the next read.
static BUFFERS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// The content routes.
pub fn routes() -> Router<AppState> {
	Router::new().route("/content/{id}", get(serve))
}

/// What part of the content a request gets.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Selection {
	/// All of it (`200`).
	Whole,
	/// One range (`206`).
	Part(Range<u64>),
}

/// Picks the part of content of `size` bytes (tagged `etag`) that a request's `Range` and
/// `If-Range` headers ask for.
pub fn select(headers: &HeaderMap, etag: &str, size: u64) -> Result<Selection, ApiError> {
	let Some(range) = headers.get(header::RANGE).and_then(|value| value.to_str().ok()) else {
		return Ok(Selection::Whole);
	};
	if let Some(validator) = headers.get(header::IF_RANGE) {
		// Strong comparison (RFC 9110 §13.1.5); a date never matches, there is no Last-Modified.
		if validator.as_bytes() != etag.as_bytes() {
			return Ok(Selection::Whole);
		}
	}
	let Ok(parsed) = http_range_header::parse_range_header(range) else {
		return Ok(Selection::Whole);
	};
	if parsed.len() != 1 {
		return Ok(Selection::Whole);
	}
	match parsed.validate(size) {
		Ok(ranges) => Ok(ranges
			.first()
			.map_or(Selection::Whole, |range| Selection::Part(*range.start()..*range.end() + 1))),
		Err(_) => Err(ApiError::RangeNotSatisfiable { size }),
	}
}

async fn serve(
	State(state): State<AppState>,
	Path(id): Path<String>,
	method: Method,
	headers: HeaderMap,
	uri: Uri,
) -> Result<Response, ApiError> {
	let id = parse_id(id.strip_prefix("0x").unwrap_or(&id)).ok_or_else(|| {
		ApiError::BadRequest(format!("`{id}` is not a content id (64 hex digits)"))
	})?;
	let not_here =
		|| ApiError::NotFound(format!("content 0x{} is not available here", id_hex(&id)));
	let item = state.index.item(&id)?.ok_or_else(not_here)?;
	let ItemState::Registered { price } = item.state else { return Err(not_here()) };
	if price > 0 {
		check_grant(&state, &headers, &uri, id).await?;
	}

	let store = state.store.clone();
	let (file, size) =
		tokio::task::spawn_blocking(move || store.open_blob(&id)).await?.map_err(|error| {
			match error {
				StoreError::NotFound(_) => not_here(),
				error => error.into(),
			}
		})?;
	let etag = format!("\"{}\"", id_hex(&id));
	let selection = select(&headers, &etag, size)?;

	let (status, range) = match selection {
		Selection::Whole => (StatusCode::OK, 0..size),
		Selection::Part(range) => (StatusCode::PARTIAL_CONTENT, range),
	};
	let mut reply = HeaderMap::new();
	if status == StatusCode::PARTIAL_CONTENT {
		let content_range = format!("bytes {}-{}/{size}", range.start, range.end - 1);
		reply.insert(header::CONTENT_RANGE, header_value(&content_range));
	}
	reply.insert(header::CONTENT_LENGTH, (range.end - range.start).into());
	reply.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
	reply.insert(header::ETAG, header_value(&etag));
	let mime = HeaderValue::from_str(&item.mime);
	reply.insert(header::CONTENT_TYPE, mime.unwrap_or(HeaderValue::from_static(DEFAULT_MIME)));
	let cache = if price > 0 { "private" } else { "public" };
	reply.insert(
		header::CACHE_CONTROL,
		header_value(&format!("{cache}, max-age=31536000, immutable")),
	);
	let body = if method == Method::HEAD {
		Body::empty()
	} else {
		file_body(Arc::new(file), range, state.metrics.clone())
	};
	Ok((status, reply, body).into_response())
}

/// Lets through only signed requests of accounts holding a grant for `id`.
async fn check_grant(
	state: &AppState,
	headers: &HeaderMap,
	uri: &Uri,
	id: ContentId,
) -> Result<(), ApiError> {
	let account = auth::caller(headers, uri, &state.config.public_url)?.ok_or_else(|| {
		ApiError::Unauthorized(format!(
			"content 0x{} is priced: sign the request (`Authorization: {} <token>` or \
			 `?{}=<token>`) with an account that holds an access grant",
			id_hex(&id),
			auth::SCHEME,
			auth::QUERY_PARAMETER
		))
	})?;
	let granted = state
		.grants
		.has_grant(account, id)
		.await
		.map_err(|error| ApiError::Unavailable(error.to_string()))?;
	if !granted {
		return Err(ApiError::PaymentRequired(format!(
			"{} holds no access grant for content 0x{}; buy one on chain first",
			auth::ss58(&account),
			id_hex(&id)
		)));
	}
	Ok(())
}

fn header_value(text: &str) -> HeaderValue {
	HeaderValue::from_str(text).expect("built from digits, hex and ASCII words")
}

/// A body streaming `range` of `file`, read in the blocking pool a chunk at a time straight into
/// the buffer that is sent (one copy from the page cache, no zero-filling).
fn file_body(file: Arc<File>, range: Range<u64>, metrics: Arc<Metrics>) -> Body {
	let chunks = futures_util::stream::try_unfold(range, move |range| {
		let file = file.clone();
		let metrics = metrics.clone();
		async move {
			if range.is_empty() {
				return Ok(None);
			}
			let length = (range.end - range.start).min(READ_CHUNK as u64) as usize;
			let start = range.start;
			let chunk = tokio::task::spawn_blocking(move || read_chunk(&file, start, length))
				.await
				.map_err(std::io::Error::other)??;
			metrics.bytes_served.inc_by(length as u64);
			Ok::<_, std::io::Error>(Some((chunk, start + length as u64..range.end)))
		}
	});
	Body::from_stream(chunks)
}

/// Reads exactly `length` bytes of `file` at `offset`, into a pooled buffer that goes back to
/// the pool when the frame is dropped.
fn read_chunk(file: &File, offset: u64, length: usize) -> std::io::Result<Bytes> {
	let mut buffer = Pooled(take_buffer());
	buffer.0.reserve(length);
	while buffer.0.len() < length {
		let position = offset + buffer.0.len() as u64;
		let spare = rustix::buffer::spare_capacity(&mut buffer.0);
		if rustix::io::pread(file, spare, position)? == 0 {
			return Err(std::io::ErrorKind::UnexpectedEof.into());
		}
	}
	// The buffer may hold more than asked for, and the read fill it.
	buffer.0.truncate(length);
	Ok(Bytes::from_owner(buffer))
}

fn buffers() -> std::sync::MutexGuard<'static, Vec<Vec<u8>>> {
	// A list of empty buffers stays valid even if a holder panicked.
	BUFFERS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An empty buffer of [`READ_CHUNK`] bytes' capacity.
fn take_buffer() -> Vec<u8> {
	buffers().pop().unwrap_or_else(|| Vec::with_capacity(READ_CHUNK))
}

/// A read buffer lent to a frame.
struct Pooled(Vec<u8>);

impl AsRef<[u8]> for Pooled {
	fn as_ref(&self) -> &[u8] {
		&self.0
	}
}

impl Drop for Pooled {
	fn drop(&mut self) {
		let mut buffer = std::mem::take(&mut self.0);
		buffer.clear();
		let mut pool = buffers();
		if pool.len() < POOLED_BUFFERS {
			pool.push(buffer);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::{body_of, content, dev_account, header, Sidecar};
	use axum::http::{request::Builder, Request};

	const SIZE: usize = 10_000;

	fn get(id: &ContentId) -> Builder {
		Request::builder().uri(format!("/content/0x{}", id_hex(id)))
	}

	async fn send(sidecar: &Sidecar, request: Builder) -> Response {
		sidecar.send(request.body(Body::empty()).unwrap()).await
	}

	/// A sidecar holding a free registered item; returns it, the item and its bytes.
	fn with_free_item() -> (Sidecar, ContentId, Vec<u8>) {
		let sidecar = Sidecar::new();
		let bytes = content(SIZE, 1);
		let id = sidecar.store_registered(&bytes, 0, "video/mp4");
		(sidecar, id, bytes)
	}

	#[tokio::test]
	async fn the_whole_item_comes_with_its_headers() {
		let (sidecar, id, bytes) = with_free_item();
		let response = send(&sidecar, get(&id)).await;
		assert_eq!(response.status(), StatusCode::OK);
		assert_eq!(header(&response, "content-length"), Some("10000"));
		assert_eq!(header(&response, "content-type"), Some("video/mp4"));
		assert_eq!(header(&response, "accept-ranges"), Some("bytes"));
		assert_eq!(header(&response, "etag"), Some(&*format!("\"{}\"", id_hex(&id))));
		assert_eq!(header(&response, "cache-control"), Some("public, max-age=31536000, immutable"));
		assert_eq!(header(&response, "content-range"), None);
		assert_eq!(body_of(response).await, bytes);
		assert!(sidecar.state.metrics.encode().contains("pop_sidecar_bytes_served_total 10000\n"));

		// Without the 0x too.
		let response =
			send(&sidecar, Request::builder().uri(format!("/content/{}", id_hex(&id)))).await;
		assert_eq!(response.status(), StatusCode::OK);
	}

	#[tokio::test]
	async fn each_range_form_gives_its_part() {
		let (sidecar, id, bytes) = with_free_item();
		for (range, start, end) in [
			("bytes=0-99", 0, 100),
			("bytes=4000-4999", 4000, 5000),
			("bytes=-100", SIZE - 100, SIZE),
			("bytes=9000-", 9000, SIZE),
			("bytes=9990-20000", 9990, SIZE),
			("bytes=-20000", 0, SIZE),
			("bytes=5-5", 5, 6),
		] {
			let response = send(&sidecar, get(&id).header("range", range)).await;
			assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
			let content_range = format!("bytes {start}-{}/{SIZE}", end - 1);
			assert_eq!(header(&response, "content-range"), Some(&*content_range), "{range}");
			assert_eq!(header(&response, "content-length"), Some(&*(end - start).to_string()));
			assert_eq!(body_of(response).await, bytes[start..end], "{range}");
		}
	}

	#[tokio::test]
	async fn a_range_past_the_end_is_not_satisfiable() {
		let (sidecar, id, _) = with_free_item();
		for range in ["bytes=10000-", "bytes=20000-30000", "bytes=-0"] {
			let response = send(&sidecar, get(&id).header("range", range)).await;
			assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
			assert_eq!(header(&response, "content-range"), Some("bytes */10000"));
		}
	}

	#[tokio::test]
	async fn malformed_and_multiple_ranges_get_the_whole_item() {
		let (sidecar, id, bytes) = with_free_item();
		for range in ["bytes=abc", "items=0-5", "bytes=5-2", "bytes=0-99,200-299", "bytes=0-1, -5"]
		{
			let response = send(&sidecar, get(&id).header("range", range)).await;
			assert_eq!(response.status(), StatusCode::OK, "{range}");
			assert_eq!(body_of(response).await, bytes, "{range}");
		}
	}

	#[tokio::test]
	async fn if_range_keeps_the_range_only_for_the_current_tag() {
		let (sidecar, id, bytes) = with_free_item();
		let etag = format!("\"{}\"", id_hex(&id));
		let response =
			send(&sidecar, get(&id).header("range", "bytes=0-9").header("if-range", &etag)).await;
		assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
		assert_eq!(body_of(response).await, bytes[..10]);
		for other in ["\"0000\"", &format!("W/{etag}"), "Wed, 21 Oct 2015 07:28:00 GMT"] {
			let response =
				send(&sidecar, get(&id).header("range", "bytes=0-9").header("if-range", other))
					.await;
			assert_eq!(response.status(), StatusCode::OK, "{other}");
			assert_eq!(body_of(response).await, bytes);
		}
	}

	#[tokio::test]
	async fn head_gives_the_headers_without_the_bytes() {
		let (sidecar, id, _) = with_free_item();
		let response = send(&sidecar, get(&id).method("HEAD")).await;
		assert_eq!(response.status(), StatusCode::OK);
		assert_eq!(header(&response, "content-length"), Some("10000"));
		assert_eq!(header(&response, "etag"), Some(&*format!("\"{}\"", id_hex(&id))));
		assert!(body_of(response).await.is_empty());
		let response = send(&sidecar, get(&id).method("HEAD").header("range", "bytes=-10")).await;
		assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
		assert_eq!(header(&response, "content-range"), Some("bytes 9990-9999/10000"));
		assert_eq!(header(&response, "content-length"), Some("10"));
	}

	#[tokio::test]
	async fn only_registered_items_are_served() {
		let (sidecar, _, _) = with_free_item();
		let unknown = ContentId([9; 32]);
		assert_eq!(send(&sidecar, get(&unknown)).await.status(), StatusCode::NOT_FOUND);
		let response = send(&sidecar, Request::builder().uri("/content/0x1234")).await;
		assert_eq!(response.status(), StatusCode::BAD_REQUEST);

		for state in [ItemState::Uploaded { owner: dev_account("Alice") }, ItemState::Recovered] {
			let bytes = content(100, 2);
			let id = sidecar.store_registered(&bytes, 0, "video/mp4");
			let mut item = sidecar.state.index.item(&id).unwrap().unwrap();
			item.state = state;
			sidecar.state.index.put_item(&id, &item).unwrap();
			assert_eq!(send(&sidecar, get(&id)).await.status(), StatusCode::NOT_FOUND, "{state:?}");
		}
		// Registered, but the file is gone.
		let id = sidecar.store_registered(&content(100, 3), 0, "video/mp4");
		sidecar.state.store.remove(&id).unwrap();
		assert_eq!(send(&sidecar, get(&id)).await.status(), StatusCode::NOT_FOUND);
	}

	#[tokio::test]
	async fn priced_items_need_a_signed_request_with_a_grant() {
		let sidecar = Sidecar::new();
		let bytes = content(SIZE, 4);
		let id = sidecar.store_registered(&bytes, 5_000, "video/webm");
		let response = send(&sidecar, get(&id).header("range", "bytes=0-9")).await;
		assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

		let as_bob = get(&id).header("authorization", sidecar.authorization("Bob"));
		assert_eq!(send(&sidecar, as_bob).await.status(), StatusCode::PAYMENT_REQUIRED);
		let expired = auth::sign_token(
			&crate::testing::dev_pair("Alice"),
			&sidecar.state.config.public_url,
			1,
		);
		let response =
			send(&sidecar, get(&id).header("authorization", format!("PopSr25519 {expired}"))).await;
		assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

		sidecar.grants.grant(dev_account("Alice"), id);
		let as_alice = get(&id)
			.header("authorization", sidecar.authorization("Alice"))
			.header("range", "bytes=100-199");
		let response = send(&sidecar, as_alice).await;
		assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
		assert_eq!(
			header(&response, "cache-control"),
			Some("private, max-age=31536000, immutable")
		);
		assert_eq!(header(&response, "content-type"), Some("video/webm"));
		assert_eq!(body_of(response).await, bytes[100..200]);
		// As a <video src> would ask.
		let uri = format!("/content/0x{}?auth={}", id_hex(&id), sidecar.token("Alice"));
		let response = send(&sidecar, Request::builder().uri(uri)).await;
		assert_eq!(response.status(), StatusCode::OK);
		assert_eq!(body_of(response).await, bytes);
		let bob = get(&id).header("authorization", sidecar.authorization("Bob"));
		assert_eq!(send(&sidecar, bob).await.status(), StatusCode::PAYMENT_REQUIRED);
	}

	#[test]
	fn a_reused_buffer_shows_only_the_new_bytes() {
		let dir = tempfile::tempdir().unwrap();
		let (long, short) = (dir.path().join("long"), dir.path().join("short"));
		std::fs::write(&long, content(READ_CHUNK, 7)).unwrap();
		std::fs::write(&short, content(1000, 8)).unwrap();
		let (long, short) = (File::open(long).unwrap(), File::open(short).unwrap());
		// Frames of other tests come and go meanwhile: each read checks its own bytes only.
		for _ in 0..3 {
			assert_eq!(read_chunk(&long, 0, READ_CHUNK).unwrap(), content(READ_CHUNK, 7));
			assert_eq!(read_chunk(&short, 10, 990).unwrap(), content(1000, 8)[10..]);
			assert_eq!(
				read_chunk(&short, 0, 1001).unwrap_err().kind(),
				std::io::ErrorKind::UnexpectedEof
			);
		}
		assert!(buffers().len() <= POOLED_BUFFERS);
		assert!(buffers().iter().all(|buffer| buffer.is_empty()));
	}

	#[tokio::test]
	async fn large_items_stream_in_many_chunks() {
		let sidecar = Sidecar::new();
		let bytes = content(2 * READ_CHUNK + 12_345, 6);
		let id = sidecar.store_registered(&bytes, 0, "video/mp4");
		let response = send(&sidecar, get(&id)).await;
		assert_eq!(body_of(response).await, bytes);
		let (start, end) = (READ_CHUNK - 10, 2 * READ_CHUNK + 10);
		let range = format!("bytes={start}-{}", end - 1);
		let response = send(&sidecar, get(&id).header("range", range)).await;
		assert_eq!(body_of(response).await, bytes[start..end]);
	}
}
