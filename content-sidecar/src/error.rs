//! The one error type of the HTTP layer. Each variant is a status; its message says what was
//! wrong, and is sent as `{"error": "<message>"}`. A request that fails changes nothing.
//!
//! The modules below it keep errors of their own (the store's [`StoreError`], the index's
//! [`IndexError`], the upload sessions' `UploadError`), which become an [`ApiError`] only at the
//! HTTP edge. A variant whose status calls for a header carries it, given by whoever raises it.

use crate::{blob_store::StoreError, index::IndexError};
use axum::{
	http::{header, HeaderName, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	Json,
};

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
	/// 400: the request is malformed.
	#[error("{0}")]
	BadRequest(String),
	/// 401: credentials are missing or invalid.
	#[error("{reason}")]
	Unauthorized {
		/// What was wrong with them.
		reason: String,
		/// The `WWW-Authenticate` challenge: the scheme credentials must use.
		challenge: &'static str,
	},
	/// 402: priced content and no access grant.
	#[error("{0}")]
	PaymentRequired(String),
	/// 403: the caller may not do this.
	#[error("{0}")]
	Forbidden(String),
	/// 404: nothing here by that name.
	#[error("{0}")]
	NotFound(String),
	/// 409: the request does not fit the resource's state (a tus offset that is not the
	/// upload's).
	#[error("{0}")]
	Conflict(String),
	/// 412: a protocol version this server does not speak.
	#[error("{reason}")]
	UnsupportedVersion {
		/// Which version was asked for, and which are spoken.
		reason: String,
		/// The header advertising the versions spoken, and its value.
		supported: (HeaderName, &'static str),
	},
	/// 410: the content was removed from the network.
	#[error("{0}")]
	Gone(String),
	/// 413: more bytes than allowed.
	#[error("{0}")]
	TooLarge(String),
	/// 415: a body of the wrong type.
	#[error("{0}")]
	UnsupportedMediaType(String),
	/// 416: the range lies outside the content.
	#[error("range not satisfiable: the content has {size} bytes")]
	RangeNotSatisfiable {
		/// Size of the content.
		size: u64,
	},
	/// 423: another request holds the resource and did not let go in time.
	#[error("{0}")]
	Locked(String),
	/// 460 (tus checksum extension): the body does not match its `Upload-Checksum`.
	#[error("{0}")]
	ChecksumMismatch(String),
	/// 507: storing this would pass the sidecar's bounds on disk use.
	#[error("{0}")]
	InsufficientStorage(String),
	/// 500: the sidecar failed (disk, database); details are logged.
	#[error("internal error: {0}")]
	Internal(String),
	/// 503: a service the request depends on is unreachable.
	#[error("{0}")]
	Unavailable(String),
}

/// `460 Checksum Mismatch`, defined by the tus checksum extension.
const CHECKSUM_MISMATCH: u16 = 460;

impl ApiError {
	/// The response status.
	pub fn status(&self) -> StatusCode {
		match self {
			Self::BadRequest(_) => StatusCode::BAD_REQUEST,
			Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
			Self::PaymentRequired(_) => StatusCode::PAYMENT_REQUIRED,
			Self::Forbidden(_) => StatusCode::FORBIDDEN,
			Self::NotFound(_) => StatusCode::NOT_FOUND,
			Self::Conflict(_) => StatusCode::CONFLICT,
			Self::Gone(_) => StatusCode::GONE,
			Self::UnsupportedVersion { .. } => StatusCode::PRECONDITION_FAILED,
			Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
			Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
			Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
			Self::Locked(_) => StatusCode::LOCKED,
			Self::ChecksumMismatch(_) => {
				StatusCode::from_u16(CHECKSUM_MISMATCH).expect("460 is a valid status code")
			}
			Self::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
			Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
			Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
		}
	}

	/// Headers the status calls for.
	fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
		match self {
			Self::Unauthorized { challenge, .. } => {
				vec![(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge))]
			}
			Self::UnsupportedVersion { supported: (name, value), .. } => {
				vec![(name.clone(), HeaderValue::from_static(value))]
			}
			Self::RangeNotSatisfiable { size } => vec![(
				header::CONTENT_RANGE,
				HeaderValue::from_str(&format!("bytes */{size}"))
					.expect("digits are a valid header"),
			)],
			_ => Vec::new(),
		}
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		if let Self::Internal(detail) = &self {
			tracing::error!(%detail, "request failed");
		}
		let mut response =
			(self.status(), Json(serde_json::json!({ "error": self.to_string() }))).into_response();
		response.headers_mut().extend(self.headers());
		response
	}
}

impl From<StoreError> for ApiError {
	fn from(error: StoreError) -> Self {
		Self::Internal(error.to_string())
	}
}

impl From<crate::ledger::LedgerError> for ApiError {
	fn from(error: crate::ledger::LedgerError) -> Self {
		Self::Unavailable(error.to_string())
	}
}

impl From<IndexError> for ApiError {
	fn from(error: IndexError) -> Self {
		Self::Internal(error.to_string())
	}
}

impl From<tokio::task::JoinError> for ApiError {
	fn from(error: tokio::task::JoinError) -> Self {
		Self::Internal(format!("a worker task failed: {error}"))
	}
}
