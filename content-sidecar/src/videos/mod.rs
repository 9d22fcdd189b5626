//! Videos: uploads made into adaptive streams, and those streams served.
//!
//! When an upload whose type is `video/*` completes, the [`Transcoder`] makes it into an ABR
//! ladder with ffmpeg ([`crate::media`]): H.264/AAC renditions in fragmented MP4, one file per
//! rendition, and a poster. Each is stored as an upload of the uploader, with its own id and a
//! receipt, so the creator registers the source, its renditions and its poster on chain, and
//! describes the video (`Content::describe_video`), in one signed batch. `GET /uploads/{id}`
//! shows the transcoding's progress and, once done, what to register.
//!
//! Any sidecar holding renditions of a described video serves HLS for it ([`routes`]): a master
//! playlist of the renditions it holds, from the chain's record, and a media playlist per
//! rendition whose segments are byte ranges of the stored file (`EXT-X-BYTERANGE`), read from
//! the file's fragment index. Segments are plain Range requests to `/content/{id}`, so
//! priced videos need the same grant and stream token as any priced item.
//!
//! A masternode that fetches a rendition to hold it checks it before confirming
//! ([`checks::check_fetched`]): it must decode, and match the frame size and duration the
//! chain declares; where the source is held here too, a random segment is compared with the
//! source (PSNR). A rendition that fails is deleted and not confirmed.
//!
//! # Layout
//!
//! - `transcoder`: the job queue (in the index, so a crash loses no job) and its workers.
//! - `playlists`: the HLS routes.
//! - `checks`: what a holder checks of a fetched rendition.
//! - `error`: [`VideoError`].

pub mod checks;
mod error;
mod playlists;
#[cfg(test)]
mod tests;
mod transcoder;

pub use error::VideoError;
pub use playlists::{routes, PlaylistCache};
pub use transcoder::{MediaStatus, Transcoder};

use crate::{
	index::{IndexError, ItemState},
	state::AppState,
};
use pop_primitives::commitment::ContentId;

/// Whether this sidecar holds `id` registered on chain, so it serves it.
fn held(state: &AppState, id: &ContentId) -> Result<bool, IndexError> {
	let registered = state
		.index
		.item(id)?
		.is_some_and(|item| matches!(item.state, ItemState::Registered { .. }));
	Ok(registered && state.store.contains(id))
}
