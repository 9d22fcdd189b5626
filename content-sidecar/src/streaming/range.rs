//! The part of the content a request asks for with `Range` and `If-Range`.

use crate::error::ApiError;
use axum::http::{header, HeaderMap};
use std::ops::Range;

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

#[cfg(test)]
mod tests {
	use crate::{
		blob_store::id_hex,
		streaming::tests::{get, send, with_free_item, SIZE},
		testing::{body_of, header},
	};
	use axum::http::StatusCode;

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
}
