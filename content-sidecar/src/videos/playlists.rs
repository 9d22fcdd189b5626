//! HLS for every described video this sidecar holds renditions of:
//!
//! - `GET /videos/{video}/master.m3u8`: the master playlist, one variant per rendition held
//!   here, with the bit rate, frame size and codecs the chain records;
//! - `GET /videos/{video}/{rendition}.m3u8`: the rendition's media playlist, its segments byte
//!   ranges of `/content/{rendition}` read from the file's fragment index.
//!
//! Playlists say nothing a viewer pays for, so they need no token; the segments are served by
//! `/content/{id}` like any item, priced ones with a grant. They change only when this sidecar
//! gains or loses a rendition, so they are cached for a short while.

use super::VideoError;
use crate::{
	blob_store::id_hex,
	error::ApiError,
	ledger::{RenditionSpec, Video},
	media::{
		hls::{self, Variant},
		FragmentIndex, MediaError,
	},
	state::AppState,
	streaming::content_id_param,
};
use axum::{
	extract::{Path, State},
	http::{header, HeaderValue},
	response::{IntoResponse, Response},
	routing::get,
	Router,
};
use pop_primitives::commitment::ContentId;
use std::{
	collections::HashMap,
	sync::{Arc, Mutex, PoisonError},
};

/// The playlist type (RFC 8216).
const PLAYLIST_TYPE: &str = "application/vnd.apple.mpegurl";
/// How long clients may keep a playlist.
const PLAYLIST_CACHE: &str = "public, max-age=10";
/// Most fragment indexes kept; past it the cache starts again.
const MAX_CACHED_INDEXES: usize = 1024;

/// The fragment indexes of renditions read so far: content never changes under its id, so an
/// index read once holds for good.
#[derive(Default)]
pub struct FragmentCache(Mutex<HashMap<ContentId, Arc<FragmentIndex>>>);

impl FragmentCache {
	/// The fragment index of the stored rendition `id`.
	pub(super) async fn get(&self, state: &AppState, id: ContentId) -> Result<Arc<FragmentIndex>, VideoError> {
		if let Some(index) = self.lock().get(&id) {
			return Ok(index.clone());
		}
		let store = state.store.clone();
		let index = tokio::task::spawn_blocking(move || -> Result<_, VideoError> {
			let (file, size) = store.open_blob(&id)?;
			Ok(FragmentIndex::read(std::io::BufReader::new(file), size).map_err(MediaError::from)?)
		})
		.await??;
		let index = Arc::new(index);
		let mut cache = self.lock();
		if cache.len() >= MAX_CACHED_INDEXES {
			cache.clear();
		}
		cache.insert(id, index.clone());
		Ok(index)
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ContentId, Arc<FragmentIndex>>> {
		self.0.lock().unwrap_or_else(PoisonError::into_inner)
	}
}

/// The HLS routes.
pub fn routes() -> Router<AppState> {
	Router::new().route("/videos/{video}/{playlist}", get(playlist))
}

async fn playlist(
	State(state): State<AppState>,
	Path((video, playlist)): Path<(String, String)>,
) -> Result<Response, ApiError> {
	let video_id = content_id_param(&video)?;
	let name = playlist.strip_suffix(".m3u8").ok_or_else(|| {
		ApiError::NotFound(format!("`{playlist}`: playlists are `master.m3u8` and `<rendition id>.m3u8`"))
	})?;
	let video = state
		.ledger
		.video(video_id)
		.await?
		.ok_or_else(|| ApiError::NotFound(format!("0x{} is not a video", id_hex(&video_id))))?;
	let text = if name == "master" {
		master(&state, &video_id, &video)?
	} else {
		let rendition = video.rendition(&content_id_param(name)?).ok_or_else(|| {
			ApiError::NotFound(format!("`{name}` is not a rendition of 0x{}", id_hex(&video_id)))
		})?;
		if !super::held(&state, &rendition.content)? {
			return Err(not_held(&video_id));
		}
		let index = state.fragments.get(&state, rendition.content).await?;
		hls::media_playlist(&format!("/content/0x{}", id_hex(&rendition.content)), &index)
	};
	Ok((
		[
			(header::CONTENT_TYPE, HeaderValue::from_static(PLAYLIST_TYPE)),
			(header::CACHE_CONTROL, HeaderValue::from_static(PLAYLIST_CACHE)),
		],
		text,
	)
		.into_response())
}

/// The master playlist of the renditions of `video` held here, highest first.
fn master(state: &AppState, id: &ContentId, video: &Video) -> Result<String, ApiError> {
	let mut held: Vec<&RenditionSpec> = Vec::new();
	for rendition in &video.renditions {
		if super::held(state, &rendition.content)? {
			held.push(rendition);
		}
	}
	if held.is_empty() {
		return Err(not_held(id));
	}
	held.sort_by_key(|rendition| std::cmp::Reverse(rendition.bandwidth));
	let variants: Vec<Variant> = held
		.into_iter()
		.map(|rendition| Variant {
			uri: format!("0x{}.m3u8", id_hex(&rendition.content)),
			bandwidth: rendition.bandwidth,
			average_bandwidth: None,
			width: u32::from(rendition.width),
			height: u32::from(rendition.height),
			codecs: rendition.codecs.clone(),
			frame_rate: None,
		})
		.collect();
	Ok(hls::master_playlist(&variants))
}

fn not_held(video: &ContentId) -> ApiError {
	ApiError::NotFound(format!("no rendition of video 0x{} is held here", id_hex(video)))
}

impl From<VideoError> for ApiError {
	fn from(error: VideoError) -> Self {
		let reason = error.to_string();
		match error {
			VideoError::Ledger(_) => Self::Unavailable(reason),
			VideoError::NotFound(_) | VideoError::SourceGone => Self::NotFound(reason),
			VideoError::Busy(_) => Self::Unavailable(reason),
			_ => Self::Internal(reason),
		}
	}
}
