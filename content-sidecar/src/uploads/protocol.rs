//! The tus 1.0 protocol as this server speaks it: its headers, and what requests carry in them
//! read into the upload sessions' terms. No I/O.

use super::UploadError;
use crate::index::{UploadId, DEFAULT_MIME};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use sha2::digest::DynDigest;
use std::collections::HashMap;

/// The tus version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Header listing the tus versions spoken.
pub const TUS_VERSION_HEADER: HeaderName = HeaderName::from_static("tus-version");
/// Header with the tus version of a request or response.
pub const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
/// Header with the id of a finished upload, `0x` and 64 hex digits.
pub const POP_CONTENT_ID: HeaderName = HeaderName::from_static("pop-content-id");
/// Header with the expiry of a finished upload's receipt: Unix time in milliseconds, decimal.
pub const POP_RECEIPT_EXPIRES: HeaderName = HeaderName::from_static("pop-receipt-expires");
/// Header with the proof key's signature of a finished upload's receipt: `0x` and 128 hex
/// digits.
pub const POP_RECEIPT_SIGNATURE: HeaderName = HeaderName::from_static("pop-receipt-signature");
/// The tus extensions supported.
pub(super) const EXTENSIONS: &str = "creation,termination,checksum";
pub(super) const TUS_EXTENSION: HeaderName = HeaderName::from_static("tus-extension");
pub(super) const TUS_MAX_SIZE: HeaderName = HeaderName::from_static("tus-max-size");
pub(super) const TUS_CHECKSUM_ALGORITHM: HeaderName =
	HeaderName::from_static("tus-checksum-algorithm");
pub(super) const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
pub(super) const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");
/// The media type of a PATCH body.
pub(super) const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// Refuses a request whose `Tus-Resumable` is not the version spoken.
pub fn check_tus_resumable(headers: &HeaderMap) -> Result<(), UploadError> {
	match headers.get(TUS_RESUMABLE) {
		Some(version) if version == TUS_VERSION => Ok(()),
		Some(version) => Err(UploadError::UnsupportedVersion(format!(
			"Tus-Resumable {version:?} is not supported: this server speaks tus {TUS_VERSION}"
		))),
		None => Err(UploadError::UnsupportedVersion(format!(
			"Tus-Resumable: {TUS_VERSION} is required on tus requests"
		))),
	}
}

/// A header holding a byte count, if present.
fn number_header(headers: &HeaderMap, name: &HeaderName) -> Result<Option<u64>, UploadError> {
	let Some(value) = headers.get(name) else { return Ok(None) };
	value
		.to_str()
		.ok()
		.filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
		.and_then(|text| text.parse().ok())
		.map(Some)
		.ok_or_else(|| UploadError::Malformed(format!("{name} must be a whole number of bytes")))
}

/// The upload id of a URL, in hex.
pub fn parse_upload_id(text: &str) -> Result<UploadId, UploadError> {
	hex::decode(text)
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or_else(|| UploadError::NotFound(text.to_owned()))
}

/// What a `POST` asks for.
pub struct Creation {
	/// `Upload-Length`.
	pub length: u64,
	/// The item's `Content-Type`, from the metadata's `filetype`.
	pub mime: String,
	/// The metadata's `filename`, for the logs.
	pub filename: Option<String>,
}

impl Creation {
	/// Reads the creation headers of an upload of at most `max_size` bytes.
	pub fn parse(headers: &HeaderMap, max_size: u64) -> Result<Self, UploadError> {
		if headers.contains_key(UPLOAD_DEFER_LENGTH) {
			return Err(UploadError::Malformed(
				"Upload-Defer-Length is not supported: give the size in Upload-Length".into(),
			));
		}
		let length = number_header(headers, &UPLOAD_LENGTH)?
			.ok_or_else(|| UploadError::Malformed("Upload-Length is required".into()))?;
		if length == 0 {
			return Err(UploadError::Malformed("an upload needs at least one byte".into()));
		}
		if length > max_size {
			return Err(UploadError::TooLarge { length, max: max_size });
		}
		let metadata =
			headers.get(UPLOAD_METADATA).map(parse_metadata).transpose()?.unwrap_or_default();
		let mime = item_mime(&metadata)?;
		let filename =
			metadata.get("filename").map(|name| String::from_utf8_lossy(name).into_owned());
		Ok(Self { length, mime, filename })
	}
}

/// What a `PATCH` brings.
pub struct Patch {
	/// `Upload-Offset`: where the body goes.
	pub offset: u64,
	/// `Content-Length`, when the body's length is declared.
	pub declared_length: Option<u64>,
	/// `Upload-Checksum`, when given.
	pub checksum: Option<Checksum>,
}

impl Patch {
	/// Reads the headers of a `PATCH`.
	pub fn parse(headers: &HeaderMap) -> Result<Self, UploadError> {
		let content_type =
			headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
		if content_type.split(';').next().unwrap_or("").trim() != OFFSET_OCTET_STREAM {
			return Err(UploadError::WrongContentType);
		}
		let offset = number_header(headers, &UPLOAD_OFFSET)?
			.ok_or_else(|| UploadError::Malformed("Upload-Offset is required".into()))?;
		let checksum = parse_checksum(headers)?;
		let declared_length = number_header(headers, &header::CONTENT_LENGTH)?;
		Ok(Self { offset, declared_length, checksum })
	}
}

/// A checksum algorithm of the tus checksum extension.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Algorithm {
	/// `sha256`.
	Sha256,
	/// `sha1`.
	Sha1,
}

impl Algorithm {
	/// Every algorithm supported, the preferred first.
	pub const ALL: [Self; 2] = [Self::Sha256, Self::Sha1];

	/// Its name in `Upload-Checksum` and `Tus-Checksum-Algorithm`.
	pub fn name(self) -> &'static str {
		match self {
			Self::Sha256 => "sha256",
			Self::Sha1 => "sha1",
		}
	}

	/// A hasher computing it.
	pub fn hasher(self) -> Box<dyn DynDigest + Send> {
		match self {
			Self::Sha256 => Box::new(sha2::Sha256::default()),
			Self::Sha1 => Box::new(sha1::Sha1::default()),
		}
	}

	/// The names of every algorithm, joined by `separator`.
	pub fn names(separator: &str) -> String {
		Self::ALL.map(Self::name).join(separator)
	}
}

/// An `Upload-Checksum`.
pub struct Checksum {
	/// The algorithm.
	pub algorithm: Algorithm,
	/// The digest the body must have.
	pub expected: Vec<u8>,
}

impl Checksum {
	/// The error for a body whose digest is not the one expected, if it is not.
	pub fn mismatch(&self, digest: &[u8]) -> Option<UploadError> {
		(self.expected != digest).then(|| UploadError::ChecksumMismatch {
			algorithm: self.algorithm.name(),
			actual: BASE64.encode(digest),
			expected: BASE64.encode(&self.expected),
		})
	}
}

fn parse_checksum(headers: &HeaderMap) -> Result<Option<Checksum>, UploadError> {
	let Some(value) = headers.get(UPLOAD_CHECKSUM) else { return Ok(None) };
	let bad = || {
		UploadError::Malformed(format!(
			"Upload-Checksum must be `<algorithm> <base64 digest>` with algorithm {}",
			Algorithm::names(" or ")
		))
	};
	let (name, digest) =
		value.to_str().ok().and_then(|value| value.split_once(' ')).ok_or_else(bad)?;
	let algorithm = Algorithm::ALL.into_iter().find(|a| a.name() == name).ok_or_else(bad)?;
	let expected = BASE64.decode(digest.trim()).map_err(|_| bad())?;
	Ok(Some(Checksum { algorithm, expected }))
}

/// The `Upload-Metadata` pairs: `key base64-value`, comma-separated, the value optional.
pub fn parse_metadata(value: &HeaderValue) -> Result<HashMap<String, Vec<u8>>, UploadError> {
	let bad = |why: &str| UploadError::Malformed(format!("Upload-Metadata {why}"));
	let text = value.to_str().map_err(|_| bad("must be ASCII"))?;
	let mut pairs = HashMap::new();
	for pair in text.split(',').map(str::trim).filter(|pair| !pair.is_empty()) {
		let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
		let value = BASE64
			.decode(value.trim())
			.map_err(|_| bad(&format!("value of `{key}` is not base64")))?;
		if pairs.insert(key.to_owned(), value).is_some() {
			return Err(bad(&format!("has `{key}` twice")));
		}
	}
	Ok(pairs)
}

/// The item's `Content-Type`: the metadata's `filetype`, if it is a media type.
fn item_mime(metadata: &HashMap<String, Vec<u8>>) -> Result<String, UploadError> {
	const LONGEST: usize = 255;
	let Some(filetype) = metadata.get("filetype") else { return Ok(DEFAULT_MIME.into()) };
	std::str::from_utf8(filetype)
		.ok()
		.filter(|text| text.len() <= LONGEST && text.parse::<mime::Mime>().is_ok())
		.map(str::to_owned)
		.ok_or_else(|| {
			UploadError::Malformed(format!(
				"Upload-Metadata filetype must be a media type such as video/mp4, at most \
				 {LONGEST} bytes"
			))
		})
}
