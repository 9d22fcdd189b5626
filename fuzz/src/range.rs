//! `Range` and `If-Range` as the sidecar's streaming reads them
//! (`pop_sidecar::streaming::select`).
//!
//! - Any header bytes: no panic; a part is a non-empty range inside the content, given only when
//!   `If-Range` is absent or the current tag; "not satisfiable" names the content's size; and the
//!   part, printed as `bytes=first-last`, selects the same part again.
//! - A well-formed range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) printed and parsed gives the part
//!   RFC 9110 §14.1.2 says it names.

use arbitrary::{Result, Unstructured};
use http::{header, HeaderMap};
use pop_sidecar::{
	error::ApiError,
	streaming::{select, Selection},
};

/// The current tag of the content.
const ETAG: &str = "\"8f1c\"";

/// One well-formed byte range.
#[derive(Debug)]
enum Spec {
	/// `bytes=first-last`.
	FromTo(u64, u64),
	/// `bytes=first-`.
	From(u64),
	/// `bytes=-length`: the last `length` bytes.
	Suffix(u64),
}

impl Spec {
	fn print(&self) -> String {
		match self {
			Self::FromTo(first, last) => format!("bytes={first}-{last}"),
			Self::From(first) => format!("bytes={first}-"),
			Self::Suffix(length) => format!("bytes=-{length}"),
		}
	}

	/// What it names in content of `size` bytes: `None` when it cannot be satisfied.
	fn expected(&self, size: u64) -> Option<Selection> {
		match *self {
			Self::FromTo(first, last) if first > last => Some(Selection::Whole),
			Self::FromTo(first, last) => {
				(first < size).then(|| Selection::Part(first..last.min(size - 1) + 1))
			}
			Self::From(first) => (first < size).then(|| Selection::Part(first..size)),
			Self::Suffix(0) => None,
			Self::Suffix(length) => Some(Selection::Part(size - length.min(size)..size)),
		}
	}
}

/// The fuzz target.
pub fn check(data: &[u8]) {
	let _ = run(&mut Unstructured::new(data));
}

fn run(u: &mut Unstructured) -> Result<()> {
	// Content has at least one byte; small sizes are the interesting ones as often as huge.
	let size = if u.arbitrary()? { u.int_in_range(1..=u64::MAX)? } else { u.int_in_range(1..=64)? };
	let if_range: Option<Vec<u8>> = match u.int_in_range(0..=2)? {
		0 => None,
		1 => Some(ETAG.into()),
		_ => Some(u.arbitrary()?),
	};
	let mut headers = HeaderMap::new();
	if let Some(validator) = if_range.as_deref() {
		let Some(value) = crate::header_value(validator) else { return Ok(()) };
		headers.insert(header::IF_RANGE, value);
	}
	let current = if_range.as_deref().is_none_or(|validator| validator == ETAG.as_bytes());

	if u.arbitrary()? {
		let bound = |u: &mut Unstructured| -> Result<u64> {
			if u.arbitrary()? {
				u.arbitrary()
			} else {
				u.int_in_range(0..=size.saturating_add(2))
			}
		};
		let spec = match u.int_in_range(0..=2)? {
			0 => Spec::FromTo(bound(u)?, bound(u)?),
			1 => Spec::From(bound(u)?),
			_ => Spec::Suffix(bound(u)?),
		};
		headers.insert(header::RANGE, spec.print().parse().expect("ASCII"));
		let got = select(&headers, ETAG, size);
		match (spec.expected(size), &got) {
			_ if !current => assert_eq!(got.ok(), Some(Selection::Whole), "{spec:?} of {size}"),
			(Some(expected), Ok(got)) => assert_eq!(*got, expected, "{spec:?} of {size}"),
			(None, Err(ApiError::RangeNotSatisfiable { size: told })) => assert_eq!(*told, size),
			(expected, got) => panic!("{spec:?} of {size}: expected {expected:?}, got {got:?}"),
		}
	} else {
		let Some(value) = crate::header_value(u.bytes(u.len())?) else { return Ok(()) };
		headers.insert(header::RANGE, value);
		match select(&headers, ETAG, size) {
			Ok(Selection::Whole) => {}
			Ok(Selection::Part(part)) => {
				assert!(current, "a part despite If-Range {if_range:?}");
				assert!(part.start < part.end && part.end <= size, "{part:?} of {size}");
				let printed = format!("bytes={}-{}", part.start, part.end - 1);
				headers.insert(header::RANGE, printed.parse().expect("ASCII"));
				assert_eq!(select(&headers, ETAG, size).ok(), Some(Selection::Part(part)));
			}
			Err(ApiError::RangeNotSatisfiable { size: told }) => {
				assert!(current, "not satisfiable despite If-Range {if_range:?}");
				assert_eq!(told, size);
			}
			Err(other) => panic!("select failed with {other:?}"),
		}
	}
	Ok(())
}
