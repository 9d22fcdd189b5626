//! Resumable uploads: the tus 1.0 protocol at `/uploads` (core, creation, termination,
//! checksum with `sha256` and `sha1`), so any tus client can upload and resume.
//!
//! - `OPTIONS /uploads`: what the server supports.
//! - `POST /uploads` (signed, see [`crate::auth`]): `Upload-Length` (at most
//!   `--max-upload-size`; `Upload-Defer-Length` is not supported) and optionally
//!   `Upload-Metadata`, whose `filetype` becomes the item's `Content-Type` (default
//!   `application/octet-stream`). Every account may hold up to `--quota-per-account` bytes in
//!   uploads not yet registered on chain. Answers `201` with `Location: /uploads/<id>`.
//! - `HEAD /uploads/<id>`: `Upload-Offset` and `Upload-Length`; once finished, the content id
//!   and a fresh receipt (below).
//! - `PATCH /uploads/<id>`: `application/offset+octet-stream` bytes at `Upload-Offset`, checked
//!   against `Upload-Checksum` when given (a mismatch is `460` and keeps nothing of the body).
//! - `DELETE /uploads/<id>`: ends the upload and deletes its bytes (and the finished item, while
//!   it is unregistered).
//!
//! Only the account that created an upload may touch it. When its last byte arrives the item is
//! stored under its [`ContentId`](pop_primitives::commitment::ContentId), recorded as
//! [`ItemState::Uploaded`](crate::index::ItemState::Uploaded), and the response (and
//! every later `HEAD`) carries what the creator needs to register it on chain:
//!
//! - `Pop-Content-Id: 0x<64 hex digits>`, the item's id;
//! - `Pop-Receipt-Expires: <Unix milliseconds>` and `Pop-Receipt-Signature: 0x<128 hex
//!   digits>`, an [upload receipt](crate::receipts) for the creator's account, the id and the
//!   size, signed by this masternode's proof key and valid for `--receipt-validity`:
//!   `Content::register_content` takes the two as its last arguments.
//!
//! A client that lost the completing response asks again with `HEAD /uploads/<id>`, signed by
//! the same account: each answer carries a fresh receipt, as long as the item is stored here.
//! Nobody else gets one, since only the creator may `HEAD` its upload.
//!
//! Sessions idle for longer than `--unregistered-ttl`, and uploaded items not registered within
//! it, are deleted by [`crate::gc`].
//!
//! # Durability
//!
//! A session is a record in the index plus a partial file `uploads/<id>`. Bytes are hashed into
//! the commitment as they stream in, written, fsynced, and only then is the new offset recorded
//! (when the body ends, and every second along the way for a body of declared length without a
//! checksum, so a crash in a long PATCH loses at most a second of it). Bytes past the recorded
//! offset do not count: whoever opens the partial file cuts them off. A body cut short keeps
//! what arrived (unless it carried a checksum, which then cannot be checked). After a crash the
//! hash state is rebuilt by reading the partial file again, so every upload resumes where its
//! record says.
//!
//! # One request at a time
//!
//! A request for an upload that another request holds (a PATCH still streaming, perhaps from a
//! connection the client has given up on) asks the holder to let go: it stops reading, keeps
//! what arrived, and the newer request proceeds. A holder that does not let go within ten
//! seconds gets the newer request a `423 Locked`.
//!
//! # Layout
//!
//! - [`protocol`]: the tus headers and their parsers, no I/O (public for the fuzz targets in
//!   `fuzz/`).
//! - `handlers`: the HTTP handlers and [`routes`]; the only part that knows axum, turning an
//!   [`UploadError`] into an [`ApiError`](crate::error::ApiError).
//! - `sessions`: [`Uploads`], the sessions and their records, the quota, creating and appending.
//! - `recovery`: the sessions made resumable at open.
//! - `removal`: termination and expiry.
//! - `pipeline`: a PATCH body received, hashed, written and checkpointed.
//! - `lease`: one request at a time per upload.
//! - `error`: [`UploadError`].

mod error;
mod handlers;
mod lease;
mod pipeline;
pub mod protocol;
mod recovery;
mod removal;
mod sessions;
#[cfg(test)]
mod tests;

pub use error::UploadError;
pub use handlers::routes;
pub use protocol::{
	POP_CONTENT_ID, POP_RECEIPT_EXPIRES, POP_RECEIPT_SIGNATURE, TUS_RESUMABLE, TUS_VERSION,
	TUS_VERSION_HEADER,
};
pub use sessions::{UploadLimits, Uploads};

use std::sync::{Mutex, MutexGuard, PoisonError};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	// What these mutexes guard stays consistent even if a holder panicked.
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
