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
//! [`PlaylistCache`] keeps what they are made from.

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
	sync::{Arc, Mutex, MutexGuard, PoisonError},
	time::{Duration, Instant},
};

/// The playlist type (RFC 8216).
const PLAYLIST_TYPE: &str = "application/vnd.apple.mpegurl";
/// How long clients may keep a playlist.
const PLAYLIST_CACHE: &str = "public, max-age=10";
/// Most fragment indexes, and most video records, kept; past it a cache starts again.
const MAX_CACHED: usize = 1024;
/// How long a video record read from the chain is used: a rendition described since shows
/// within this, a removed video goes from the playlists within it.
const VIDEO_RECORD_AGE: Duration = Duration::from_secs(10);

/// What playlists are made from, kept between requests: the fragment indexes of renditions
/// (content never changes under its id, so an index read once holds for good), and the chain's
/// video records for a few seconds, so a flood of playlist requests is not a flood of queries
/// to the node.
#[derive(Default)]
pub struct PlaylistCache {
	fragments: Mutex<HashMap<ContentId, Arc<FragmentIndex>>>,
	videos: Mutex<HashMap<ContentId, (Instant, Option<Video>)>>,
}

impl PlaylistCache {
	/// The fragment index of the stored rendition `id`.
	async fn fragments(
		&self,
		state: &AppState,
		id: ContentId,
	) -> Result<Arc<FragmentIndex>, VideoError> {
		if let Some(index) = lock(&self.fragments).get(&id) {
			return Ok(index.clone());
		}
		let store = state.store.clone();
		let index = tokio::task::spawn_blocking(move || -> Result<_, VideoError> {
			let (file, size) = store.open_blob(&id)?;
			Ok(FragmentIndex::read(std::io::BufReader::new(file), size)
				.map_err(MediaError::from)?)
		})
		.await??;
		Ok(bounded_insert(&self.fragments, id, Arc::new(index)))
	}

	/// The chain's record of video `id`, at most [`VIDEO_RECORD_AGE`] old.
	async fn video(&self, state: &AppState, id: ContentId) -> Result<Option<Video>, VideoError> {
		if let Some((read_at, video)) = lock(&self.videos).get(&id) {
			if read_at.elapsed() < VIDEO_RECORD_AGE {
				return Ok(video.clone());
			}
		}
		let video = state.ledger.video(id).await?;
		Ok(bounded_insert(&self.videos, id, (Instant::now(), video)).1)
	}
}

/// Inserts into a cache that starts again once it holds [`MAX_CACHED`] entries; returns the
/// value.
fn bounded_insert<V: Clone>(cache: &Mutex<HashMap<ContentId, V>>, id: ContentId, value: V) -> V {
	let mut cache = lock(cache);
	if cache.len() >= MAX_CACHED {
		cache.clear();
	}
	cache.insert(id, value.clone());
	value
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
		ApiError::NotFound(format!(
			"`{playlist}`: playlists are `master.m3u8` and `<rendition id>.m3u8`"
		))
	})?;
	let video = state
		.playlists
		.video(&state, video_id)
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
		let index = state.playlists.fragments(&state, rendition.content).await?;
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
			VideoError::SourceGone => Self::NotFound(reason),
			VideoError::Busy(_) => Self::Unavailable(reason),
			_ => Self::Internal(reason),
		}
	}
}
