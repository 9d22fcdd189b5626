//! The tus headers as the sidecar's uploads read them (`pop_sidecar::uploads::protocol`):
//! `Tus-Resumable`, the creation headers (`Upload-Length`, `Upload-Defer-Length`,
//! `Upload-Metadata`), the `PATCH` headers (`Content-Type`, `Upload-Offset`, `Content-Length`,
//! `Upload-Checksum`) and upload ids in URLs.
//!
//! - Any headers: no panic. What a parser accepts prints back to what it parsed: a byte count
//!   is the header's digits without leading zeros; metadata printed as `key base64,...` parses
//!   to the same pairs; a checksum printed as `<algorithm> <base64>` parses to the same one; an
//!   id is the URL's hex in lower case. An upload's length is within `1..=max`, its media type
//!   the metadata's `filetype` (a media type of at most 255 bytes) or the default.
//! - Well-formed values (numbers, metadata pairs, checksums, ids) printed and parsed come back
//!   unchanged; metadata naming a key twice is refused.

use arbitrary::{Result, Unstructured};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use http::{header, HeaderMap, HeaderName};
use pop_sidecar::{
	index::DEFAULT_MIME,
	uploads::{
		protocol::{
			check_tus_resumable, parse_metadata, parse_upload_id, Algorithm, Creation, Patch,
		},
		TUS_RESUMABLE, TUS_VERSION,
	},
};
use std::collections::HashMap;

const UPLOAD_LENGTH: &str = "upload-length";
const UPLOAD_OFFSET: &str = "upload-offset";
const UPLOAD_METADATA: &str = "upload-metadata";
const UPLOAD_DEFER_LENGTH: &str = "upload-defer-length";
const UPLOAD_CHECKSUM: &str = "upload-checksum";
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// Header names a request may carry: the ones read, and one that is not.
const NAMES: [&str; 9] = [
	"tus-resumable",
	UPLOAD_LENGTH,
	UPLOAD_OFFSET,
	UPLOAD_METADATA,
	UPLOAD_DEFER_LENGTH,
	UPLOAD_CHECKSUM,
	"content-type",
	"content-length",
	"x-other",
];

/// The fuzz target.
pub fn check(data: &[u8]) {
	let _ = run(&mut Unstructured::new(data));
}

fn run(u: &mut Unstructured) -> Result<()> {
	let max_size = u.int_in_range(1..=u64::MAX)?;
	let mut headers = HeaderMap::new();
	let mut metadata: Option<HashMap<String, Vec<u8>>> = None;
	for _ in 0..u.int_in_range(0..=8)? {
		let name = HeaderName::from_static(*u.choose(&NAMES)?);
		let value = match u.int_in_range(0..=4)? {
			0 => printed_number(u)?,
			1 => {
				let pairs = metadata_pairs(u)?;
				let value = print_metadata(&pairs);
				metadata.get_or_insert(pairs);
				value.into_bytes()
			}
			2 => printed_checksum(u)?,
			3 => u.choose(&[TUS_VERSION, OFFSET_OCTET_STREAM, "video/mp4; x=1"])?.as_bytes().into(),
			_ => u.arbitrary::<Vec<u8>>()?,
		};
		let Some(value) = crate::header_value(&value) else { continue };
		headers.append(name, value);
	}

	check_version(&headers);
	check_creation(&headers, max_size);
	check_patch(&headers);
	for value in headers.get_all(UPLOAD_METADATA) {
		if let Ok(pairs) = parse_metadata(value) {
			let printed = print_metadata(&pairs).parse().expect("printed metadata is ASCII");
			assert_eq!(parse_metadata(&printed).ok().as_ref(), Some(&pairs), "{value:?}");
		}
	}
	if let Some(pairs) = metadata {
		// Keys are unique in a map; printed twice, every key is named twice.
		let printed = print_metadata(&pairs);
		let parsed = parse_metadata(&printed.parse().expect("ASCII"));
		assert_eq!(parsed.ok().as_ref(), Some(&pairs), "{printed}");
		if !pairs.is_empty() {
			let twice = format!("{printed},{printed}").parse().expect("ASCII");
			assert!(parse_metadata(&twice).is_err(), "{printed} twice");
		}
	}
	check_upload_id(u)
}

fn check_version(headers: &HeaderMap) {
	let current = headers.get(TUS_RESUMABLE).is_some_and(|version| version == TUS_VERSION);
	assert_eq!(check_tus_resumable(headers).is_ok(), current);
}

fn check_creation(headers: &HeaderMap, max_size: u64) {
	let Ok(creation) = Creation::parse(headers, max_size) else { return };
	assert!(!headers.contains_key(UPLOAD_DEFER_LENGTH));
	assert!((1..=max_size).contains(&creation.length), "{} of {max_size}", creation.length);
	assert_printed_number(headers, UPLOAD_LENGTH, creation.length);
	let pairs = headers
		.get(UPLOAD_METADATA)
		.map(|value| parse_metadata(value).expect("accepted creation, so the metadata parsed"))
		.unwrap_or_default();
	match pairs.get("filetype") {
		Some(filetype) => {
			assert_eq!(creation.mime.as_bytes(), filetype);
			assert!(creation.mime.len() <= 255);
			assert!(creation.mime.parse::<mime::Mime>().is_ok(), "{}", creation.mime);
		}
		None => assert_eq!(creation.mime, DEFAULT_MIME),
	}
	let filename = pairs.get("filename").map(|name| String::from_utf8_lossy(name).into_owned());
	assert_eq!(creation.filename, filename);
}

fn check_patch(headers: &HeaderMap) {
	let Ok(patch) = Patch::parse(headers) else { return };
	let content_type = headers.get(header::CONTENT_TYPE).expect("accepted, so it has one");
	let content_type = content_type.to_str().expect("accepted, so it is ASCII");
	assert_eq!(content_type.split(';').next().map(str::trim), Some(OFFSET_OCTET_STREAM));
	assert_printed_number(headers, UPLOAD_OFFSET, patch.offset);
	match patch.declared_length {
		Some(length) => assert_printed_number(headers, header::CONTENT_LENGTH.as_str(), length),
		None => assert!(!headers.contains_key(header::CONTENT_LENGTH)),
	}
	match patch.checksum {
		Some(checksum) => {
			let printed =
				format!("{} {}", checksum.algorithm.name(), BASE64.encode(&checksum.expected));
			let mut again = HeaderMap::new();
			again.insert(header::CONTENT_TYPE, OFFSET_OCTET_STREAM.parse().expect("ASCII"));
			again.insert(UPLOAD_OFFSET, "0".parse().expect("ASCII"));
			again.insert(UPLOAD_CHECKSUM, printed.parse().expect("ASCII"));
			let reparsed = Patch::parse(&again).expect("a printed checksum parses").checksum;
			let reparsed = reparsed.expect("and is there");
			assert_eq!(reparsed.algorithm, checksum.algorithm);
			assert_eq!(reparsed.expected, checksum.expected);
			assert!(checksum.mismatch(&checksum.expected).is_none());
		}
		None => assert!(!headers.contains_key(UPLOAD_CHECKSUM)),
	}
}

/// The first `name` header, which was parsed as `number`, is its digits.
fn assert_printed_number(headers: &HeaderMap, name: &str, number: u64) {
	let text = headers.get(name).and_then(|value| value.to_str().ok()).expect("parsed, so ASCII");
	let digits = text.trim_start_matches('0');
	let digits = if digits.is_empty() { "0" } else { digits };
	assert_eq!(digits, number.to_string(), "{name}: {text:?}");
}

fn check_upload_id(u: &mut Unstructured) -> Result<()> {
	let id: [u8; 16] = u.arbitrary()?;
	let printed = if u.arbitrary()? { hex::encode_upper(id) } else { hex::encode(id) };
	assert_eq!(parse_upload_id(&printed).ok(), Some(id));
	let text: String = u.arbitrary()?;
	if let Ok(parsed) = parse_upload_id(&text) {
		assert_eq!(hex::encode(parsed), text.to_ascii_lowercase());
	}
	Ok(())
}

/// A byte count, printed with perhaps some leading zeros.
fn printed_number(u: &mut Unstructured) -> Result<Vec<u8>> {
	let number: u64 = if u.arbitrary()? { u.arbitrary()? } else { u.int_in_range(0..=9)? };
	let zeros = "0".repeat(u.int_in_range(0..=3)?);
	Ok(format!("{zeros}{number}").into_bytes())
}

/// `Upload-Checksum`: a supported algorithm or another name, and a digest.
fn printed_checksum(u: &mut Unstructured) -> Result<Vec<u8>> {
	let name =
		match u.choose(&Algorithm::ALL.map(Some).into_iter().chain([None]).collect::<Vec<_>>())? {
			Some(algorithm) => algorithm.name().to_owned(),
			None => u.arbitrary()?,
		};
	let digest: Vec<u8> = u.arbitrary()?;
	Ok(format!("{name} {}", BASE64.encode(digest)).into_bytes())
}

/// Metadata pairs that can be printed: keys of visible ASCII without `,`.
fn metadata_pairs(u: &mut Unstructured) -> Result<HashMap<String, Vec<u8>>> {
	let mut pairs = HashMap::new();
	for _ in 0..u.int_in_range(0..=4)? {
		let key = match u.int_in_range(0..=2)? {
			0 => "filetype".to_owned(),
			1 => "filename".to_owned(),
			_ => u
				.arbitrary::<Vec<u8>>()?
				.into_iter()
				.map(|b| char::from(b'!' + b % 94))
				.filter(|&c| c != ',')
				.collect(),
		};
		if key.is_empty() {
			continue;
		}
		let value = if u.arbitrary()? {
			u.choose(&[&b"video/mp4"[..], b"text/plain; charset=utf-8", b"not a type", b""])?
				.to_vec()
		} else {
			u.arbitrary()?
		};
		pairs.insert(key, value);
	}
	Ok(pairs)
}

/// Metadata as a client sends it: `key base64` pairs joined by `,`; a pair without value is the
/// key alone.
fn print_metadata(pairs: &HashMap<String, Vec<u8>>) -> String {
	pairs
		.iter()
		.map(
			|(key, value)| {
				if value.is_empty() {
					key.clone()
				} else {
					format!("{key} {}", BASE64.encode(value))
				}
			},
		)
		.collect::<Vec<_>>()
		.join(",")
}
