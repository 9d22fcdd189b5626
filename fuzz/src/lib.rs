//! # pop-fuzz
//!
//! Fuzz targets for every parser of POP Network that takes outside bytes, one module per target.
//! Each module's `check` takes the fuzzer's bytes, drives the project's own parser with them
//! (never a copy of it) and asserts what must hold for any input: no panic, and the target's
//! properties (printing what was parsed parses back to the same thing, a verified proof really
//! commits to the bytes it carries, ...). A failed property panics, which libFuzzer reports as a
//! crash.
//!
//! Inputs are read with [`arbitrary::Unstructured`]; most targets read a mode first: hostile
//! bytes handed to the parser as they came, or a well-formed value made from the input, printed,
//! parsed and compared, then perhaps damaged.
//!
//! The fuzzer's binaries (`fuzz_targets/`, feature `libfuzzer`) call the same functions that
//! `tests/corpus.rs` replays the committed corpus through, so `cargo test` checks every corpus
//! entry without the fuzzer. `scripts/fuzz.sh` runs them.

pub mod auth_token;
pub mod content_locate;
pub mod leaf_proof;
pub mod range;
pub mod runtime_call;
pub mod tus_headers;

/// Every target: its name (its binary and its corpus folder, `corpus/<name>`) and its check.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
	("range", range::check),
	("tus_headers", tus_headers::check),
	("auth_token", auth_token::check),
	("leaf_proof", leaf_proof::check),
	("content_locate", content_locate::check),
	("runtime_call", runtime_call::check),
];

/// Bytes for a header value: the input's own, or nothing when `http` refuses them (as a server
/// would never see them).
fn header_value(bytes: &[u8]) -> Option<http::HeaderValue> {
	http::HeaderValue::from_bytes(bytes).ok()
}
