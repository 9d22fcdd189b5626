//! The tus routes: thin handlers that read a request into the upload sessions' terms, and their
//! answer (or [`UploadError`]) into a response.

use super::{
	protocol::{
		check_tus_resumable, parse_upload_id, Algorithm, Creation, Patch, EXTENSIONS,
		POP_CONTENT_ID, POP_RECEIPT_EXPIRES, POP_RECEIPT_SIGNATURE, TUS_CHECKSUM_ALGORITHM,
		TUS_EXTENSION, TUS_MAX_SIZE, TUS_RESUMABLE, TUS_VERSION, TUS_VERSION_HEADER, UPLOAD_LENGTH,
		UPLOAD_OFFSET,
	},
	UploadError, Uploads,
};
use crate::{
	auth::{TokenPolicy, Uploader},
	blob_store::id_hex,
	error::ApiError,
	index::{DerivedItem, UploadRecord},
	ledger::Ledger,
	receipts::SignedReceipt,
	videos::Transcoder,
};
use axum::{
	body::Body,
	extract::{FromRef, FromRequestParts, Path as UrlPath, State},
	http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	routing::{head, post},
	Json, Router,
};
use serde::Serialize;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// The tus routes, every response marked `Tus-Resumable: 1.0.0`. Their state gives the upload
/// sessions, the [`Ledger`] (an uploader's deposit room, and whether an upload is registered
/// before it is deleted) and the [`TokenPolicy`]; every request but `OPTIONS` needs an upload
/// token.
pub fn routes<S>() -> Router<S>
where
	S: Clone + Send + Sync + 'static,
	Arc<Uploads>: FromRef<S>,
	Arc<dyn Ledger>: FromRef<S>,
	Arc<Transcoder>: FromRef<S>,
	TokenPolicy: FromRef<S>,
{
	Router::new()
		.route("/uploads", post(create).options(options))
		.route(
			"/uploads/{id}",
			head(progress).get(status).patch(append).delete(terminate).options(options),
		)
		.layer(SetResponseHeaderLayer::overriding(
			TUS_RESUMABLE,
			HeaderValue::from_static(TUS_VERSION),
		))
}

impl From<UploadError> for ApiError {
	fn from(error: UploadError) -> Self {
		let reason = error.to_string();
		match error {
			UploadError::Malformed(_)
			| UploadError::ChecksumUncheckable
			| UploadError::BodyCut { .. } => Self::BadRequest(reason),
			UploadError::UnsupportedVersion(_) => {
				Self::UnsupportedVersion { reason, supported: (TUS_VERSION_HEADER, TUS_VERSION) }
			}
			UploadError::WrongContentType => Self::UnsupportedMediaType(reason),
			UploadError::TooLarge { .. } | UploadError::BodyTooLong { .. } => {
				Self::TooLarge(reason)
			}
			UploadError::NotFound(_) => Self::NotFound(reason),
			UploadError::NotOwner { .. }
			| UploadError::QuotaExceeded { .. }
			| UploadError::DepositUncovered { .. } => Self::Forbidden(reason),
			UploadError::UnregisteredLimit { .. } | UploadError::DiskReserve { .. } => {
				Self::InsufficientStorage(reason)
			}
			UploadError::Chain(_) => Self::Unavailable(reason),
			UploadError::OffsetMismatch { .. } | UploadError::Registered(_) => {
				Self::Conflict(reason)
			}
			UploadError::Busy => Self::Locked(reason),
			UploadError::ChecksumMismatch { .. } => Self::ChecksumMismatch(reason),
			UploadError::Empty
			| UploadError::PartialShort { .. }
			| UploadError::Random(_)
			| UploadError::Store(_)
			| UploadError::Index(_)
			| UploadError::Io(_)
			| UploadError::Task(_) => Self::Internal(reason),
		}
	}
}

/// A request speaking this server's tus version. Taken before the [`Uploader`], so a request in
/// another version is refused before its signature is looked at.
struct Tus;

impl<S: Send + Sync> FromRequestParts<S> for Tus {
	type Rejection = ApiError;

	async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
		check_tus_resumable(&parts.headers)?;
		Ok(Self)
	}
}

/// `status` with the caller's session's offset, and once complete its content id and a fresh
/// receipt for the caller (while the item is stored).
fn progress_response(status: StatusCode, uploads: &Uploads, record: &UploadRecord) -> Response {
	let mut response = status.into_response();
	let headers = response.headers_mut();
	headers.insert(UPLOAD_OFFSET, record.offset.into());
	if let Some(id) = &record.content_id {
		let value =
			HeaderValue::from_str(&format!("0x{}", id_hex(id))).expect("hex is a valid header");
		headers.insert(POP_CONTENT_ID, value);
	}
	if let Some(signed) = uploads.receipt(record) {
		headers.insert(POP_RECEIPT_EXPIRES, signed.receipt.expires_ms.into());
		let signature =
			HeaderValue::from_str(&signed.signature_hex()).expect("hex is a valid header");
		headers.insert(POP_RECEIPT_SIGNATURE, signature);
	}
	response
}

async fn options(State(uploads): State<Arc<Uploads>>) -> Response {
	let algorithms = Algorithm::names(",");
	(
		StatusCode::NO_CONTENT,
		[
			(TUS_VERSION_HEADER, HeaderValue::from_static(TUS_VERSION)),
			(TUS_EXTENSION, HeaderValue::from_static(EXTENSIONS)),
			(TUS_MAX_SIZE, uploads.limits().max_size.into()),
			(TUS_CHECKSUM_ALGORITHM, HeaderValue::from_str(&algorithms).expect("names are ASCII")),
		],
	)
		.into_response()
}

async fn create(
	_: Tus,
	Uploader(owner): Uploader,
	State(uploads): State<Arc<Uploads>>,
	State(ledger): State<Arc<dyn Ledger>>,
	headers: HeaderMap,
) -> Result<Response, ApiError> {
	let creation = Creation::parse(&headers, uploads.limits().max_size)?;
	let room = ledger.deposit_room(owner).await;
	let id = tokio::task::spawn_blocking(move || uploads.create(owner, creation, room)).await??;
	Ok((StatusCode::CREATED, [(header::LOCATION, format!("/uploads/{}", hex::encode(id)))])
		.into_response())
}

async fn progress(
	_: Tus,
	Uploader(caller): Uploader,
	State(uploads): State<Arc<Uploads>>,
	UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
	let record = uploads.progress(&caller, &parse_upload_id(&id)?).await?;
	let mut response = progress_response(StatusCode::OK, &uploads, &record);
	response.headers_mut().insert(UPLOAD_LENGTH, record.length.into());
	response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
	Ok(response)
}

async fn append(
	_: Tus,
	Uploader(caller): Uploader,
	State(uploads): State<Arc<Uploads>>,
	State(transcoder): State<Arc<Transcoder>>,
	UrlPath(id): UrlPath<String>,
	headers: HeaderMap,
	body: Body,
) -> Result<Response, ApiError> {
	let id = parse_upload_id(&id)?;
	let patch = Patch::parse(&headers)?;
	// In a task of its own, so a client hanging up cannot cancel the work half way: what
	// arrived is still made durable and recorded, and a finished video is queued.
	let appending = uploads.clone().append(caller, id, patch, body.into_data_stream());
	let record = tokio::spawn(async move {
		let record = appending.await?;
		if let Some(content) = record.content_id {
			if let Err(error) = transcoder.submit(record.owner, content, &record.mime) {
				tracing::error!(%error, "queueing a video for transcoding failed");
			}
		}
		Ok::<_, UploadError>(record)
	})
	.await??;
	Ok(progress_response(StatusCode::NO_CONTENT, &uploads, &record))
}

async fn terminate(
	_: Tus,
	Uploader(caller): Uploader,
	State(uploads): State<Arc<Uploads>>,
	State(ledger): State<Arc<dyn Ledger>>,
	UrlPath(id): UrlPath<String>,
) -> Result<StatusCode, ApiError> {
	uploads.terminate(&caller, parse_upload_id(&id)?, &*ledger).await?;
	Ok(StatusCode::NO_CONTENT)
}

/// `GET /uploads/{id}`: the session as JSON, for web apps: the offset, and once finished the
/// content id and a fresh receipt; for a video, its transcoding and what it made, each with a
/// receipt of its own. Unlike `HEAD`, it never interrupts a `PATCH` under way.
async fn status(
	Uploader(caller): Uploader,
	State(uploads): State<Arc<Uploads>>,
	State(transcoder): State<Arc<Transcoder>>,
	UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
	let id = parse_upload_id(&id)?;
	let record = uploads.owned(&id, &caller)?;
	let media = match record.content_id {
		Some(content) => transcoder.status(&content)?,
		None => None,
	};
	let item = |item: &DerivedItem| ItemJson {
		content: format!("0x{}", id_hex(&item.content)),
		size: item.size,
		mime: item.mime.clone(),
		receipt: uploads.receipt_for(record.owner, item.content, item.size).map(ReceiptJson::from),
	};
	let media = media.map(|media| {
		let ladder = media.ladder.as_ref();
		MediaJson {
			state: media.state,
			progress: media.progress,
			error: media.error.clone(),
			duration_ms: ladder.map(|ladder| ladder.duration_ms),
			width: ladder.map(|ladder| ladder.width),
			height: ladder.map(|ladder| ladder.height),
			renditions: ladder
				.map(|ladder| {
					ladder
						.renditions
						.iter()
						.map(|rendition| RenditionJson {
							item: item(&rendition.item),
							width: rendition.width,
							height: rendition.height,
							bandwidth: rendition.bandwidth,
							codecs: rendition.codecs.clone(),
						})
						.collect()
				})
				.unwrap_or_default(),
			poster: ladder.and_then(|ladder| ladder.poster.as_ref()).map(item),
		}
	});
	let body = UploadJson {
		offset: record.offset,
		length: record.length,
		content: record.content_id.map(|id| format!("0x{}", id_hex(&id))),
		receipt: uploads.receipt(&record).map(ReceiptJson::from),
		media,
	};
	Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(body))
		.into_response())
}

/// The body of `GET /uploads/{id}`.
#[derive(Serialize)]
struct UploadJson {
	offset: u64,
	length: u64,
	content: Option<String>,
	receipt: Option<ReceiptJson>,
	media: Option<MediaJson>,
}

/// A receipt as `register_content` takes it.
#[derive(Serialize)]
struct ReceiptJson {
	expires_ms: u64,
	signature: String,
}

impl From<SignedReceipt> for ReceiptJson {
	fn from(signed: SignedReceipt) -> Self {
		Self { expires_ms: signed.receipt.expires_ms, signature: signed.signature_hex() }
	}
}

/// A video's transcoding.
#[derive(Serialize)]
struct MediaJson {
	state: &'static str,
	progress: f64,
	error: Option<String>,
	duration_ms: Option<u64>,
	width: Option<u32>,
	height: Option<u32>,
	renditions: Vec<RenditionJson>,
	poster: Option<ItemJson>,
}

/// An item made from a video.
#[derive(Serialize)]
struct ItemJson {
	content: String,
	size: u64,
	mime: String,
	receipt: Option<ReceiptJson>,
}

/// A rendition made from a video.
#[derive(Serialize)]
struct RenditionJson {
	#[serde(flatten)]
	item: ItemJson,
	width: u32,
	height: u32,
	bandwidth: u32,
	codecs: String,
}
