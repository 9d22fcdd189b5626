//! Streaming to viewers: `GET`/`HEAD /content/{id}`, where `id` is the content id in hex (64
//! digits, `0x` optional).
//!
//! - Only items registered on chain are served; anything else is `404`.
//! - Priced items (price above zero) need a request signed with a stream token
//!   ([`crate::auth`]; the `auth` query parameter serves `<video src>`) from an account holding
//!   an access grant: `401` without a valid token, `403` with an upload token, `402` without a
//!   grant.
//! - `Range: bytes=a-b`, `a-` and `-n` give `206` with `Content-Range`; a range outside the
//!   content gives `416` with `Content-Range: bytes */size`. A malformed `Range` is ignored
//!   (`200`, as RFC 9110 §14.2 allows), and so is a request for several ranges: the whole
//!   content comes back with `200` rather than a `multipart/byteranges` body, which players
//!   never ask for.
//! - `If-Range` with the current `ETag` keeps the range; anything else (another tag, a date)
//!   gets the whole content.
//! - `ETag` is the strong tag `"<hex id>"`: content never changes under its id, so free items are
//!   `Cache-Control: public, max-age=31536000, immutable`, priced ones the same but `private`.
//! - Items are served as the type they were registered (or uploaded) with only if it is passive
//!   (`video/*`, `audio/*`, `image/png|jpeg|gif|webp|avif`, `text/plain`,
//!   `application/octet-stream`); anything else, `text/html` and `image/svg+xml` among them, as
//!   `application/octet-stream` with `Content-Disposition: attachment`, so it never runs as a
//!   page of this origin. Every response of the sidecar carries `X-Content-Type-Options:
//!   nosniff` besides ([`crate::app`]).
//!
//! The handler is here; `range` reads the part a request asks for ([`select`]), `media_type`
//! decides the type it is served as. The body is one frame over the item's memory map, which
//! the connection ([`sendfile`], served by [`ContentListener`]) sends from the page cache with
//! `sendfile(2)`: the bytes never pass through the sidecar's memory.

mod media_type;
mod range;
pub mod sendfile;
#[cfg(test)]
mod tests;

pub use range::{select, Selection};
pub use sendfile::ContentListener;

use crate::{
	auth::{self, Viewer},
	blob_store::{id_hex, parse_id, BlobStore, StoreError},
	error::ApiError,
	index::ItemState,
	ledger::Ledger,
	state::AppState,
};
use axum::{
	body::Body,
	extract::{Path, State},
	http::{header, HeaderMap, HeaderValue, Method, StatusCode},
	response::{IntoResponse, Response},
	routing::get,
	Router,
};
use pop_primitives::commitment::ContentId;

/// The content routes.
pub fn routes() -> Router<AppState> {
	Router::new().route("/content/{id}", get(serve))
}

async fn serve(
	State(state): State<AppState>,
	Path(id): Path<String>,
	method: Method,
	headers: HeaderMap,
	// Looked at only for priced content: a bad token does not stand in the way of free content.
	signed: Result<Option<Viewer>, ApiError>,
) -> Result<Response, ApiError> {
	let id = content_id_param(&id)?;
	let item = state.index.item(&id)?.ok_or_else(|| not_here(&id))?;
	let price = match item.state {
		ItemState::Registered { price } => price,
		ItemState::Withdrawn { removed: true, .. } => {
			return Err(ApiError::Gone(format!(
				"content 0x{} was removed from the network by its owner",
				id_hex(&id)
			)))
		}
		_ => return Err(not_here(&id)),
	};
	if price > 0 {
		check_grant(&*state.ledger, signed, id).await?;
	}

	// A HEAD needs the size alone: it neither opens the item nor pushes another out of those
	// kept open, so cheap requests cannot churn them.
	let head = method == Method::HEAD;
	let blob = match state.store.kept_open(&id) {
		Some(blob) => Some(blob),
		None if head => None,
		None => Some(in_store(&state, id, |store, id| store.open_mapped(id)).await?),
	};
	let size = match &blob {
		Some(blob) => blob.len(),
		None => in_store(&state, id, |store, id| store.item_size(id)).await?,
	};
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
	let served = media_type::presentation(&item.mime);
	reply.insert(header::CONTENT_TYPE, served.content_type);
	if served.attachment {
		reply.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
	}
	let cache = if price > 0 { "private" } else { "public" };
	reply.insert(
		header::CACHE_CONTROL,
		header_value(&format!("{cache}, max-age=31536000, immutable")),
	);
	let body = match blob {
		Some(blob) if !head && !range.is_empty() => Body::from(blob.frame(range)),
		_ => Body::empty(),
	};
	Ok((status, reply, body).into_response())
}

fn not_here(id: &ContentId) -> ApiError {
	ApiError::NotFound(format!("content 0x{} is not available here", id_hex(id)))
}

/// Runs the blocking store I/O `io` for `id` on the blocking pool.
async fn in_store<T: Send + 'static>(
	state: &AppState,
	id: ContentId,
	io: impl FnOnce(&BlobStore, &ContentId) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
	let store = state.store.clone();
	tokio::task::spawn_blocking(move || io(&store, &id)).await?.map_err(|error| match error {
		StoreError::NotFound(_) => not_here(&id),
		error => error.into(),
	})
}

/// The content id in a path (64 hex digits, `0x` optional).
pub(crate) fn content_id_param(text: &str) -> Result<ContentId, ApiError> {
	parse_id(text.strip_prefix("0x").unwrap_or(text)).ok_or_else(|| {
		ApiError::BadRequest(format!("`{text}` is not a content id (64 hex digits)"))
	})
}

/// Lets through only requests `signed` by an account holding a grant for `id`.
async fn check_grant(
	ledger: &dyn Ledger,
	signed: Result<Option<Viewer>, ApiError>,
	id: ContentId,
) -> Result<(), ApiError> {
	let Viewer(account) = signed?.ok_or_else(|| {
		auth::unauthorized(format!(
			"content 0x{} is priced: sign the request with a stream token (`Authorization: {} \
			 <token>` or `?{}=<token>`) of an account that holds an access grant",
			id_hex(&id),
			auth::SCHEME,
			auth::QUERY_PARAMETER
		))
	})?;
	let granted = ledger
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
