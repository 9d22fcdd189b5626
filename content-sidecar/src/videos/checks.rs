//! What a holder checks of a rendition it fetched before confirming it: a masternode confirms
//! only what it would serve, and a rendition that does not play, or is not the video it claims
//! to be, must not reach viewers through it.
//!
//! 1. The file decodes as H.264 (and AAC), at the frame size the chain records for it and the
//!    video's duration (`ffprobe`, [`media::check_rendition`]).
//! 2. Where this sidecar holds the video's source too, one segment at random is compared
//!    with the source over the same span, scaled to the rendition's size (PSNR,
//!    [`media::verify_rendition`]), as Livepeer checks its transcoders: a rendition of
//!    another video, or one degraded on purpose, fails.
//!
//! Content that is no rendition passes unchecked; so do posters.

use super::VideoError;
use crate::{
	blob_store::id_hex,
	media::{self, MediaError},
	metrics::OutcomeLabels,
	state::AppState,
};
use pop_primitives::commitment::ContentId;

/// What the check of a fetched item found.
#[derive(Debug, PartialEq)]
pub enum Verdict {
	/// Not a rendition, or a rendition that passed: confirm it.
	Accepted,
	/// A rendition that failed, and why: delete it, do not confirm it.
	Refused(String),
}

/// Checks the fetched item `content`, now in the store. Fails only when the check could not
/// be made (the chain could not be asked, ffprobe could not run): then nothing is decided.
pub async fn check_fetched(state: &AppState, content: &ContentId) -> Result<Verdict, VideoError> {
	let Some((video_id, video)) = state.ledger.video_of(*content).await? else {
		return Ok(Verdict::Accepted);
	};
	let Some(rendition) = video.rendition(content) else { return Ok(Verdict::Accepted) };
	let tools = state.transcoder.tools();
	let path = state.store.path(content);
	let declared = media::Declared {
		width: u32::from(rendition.width),
		height: u32::from(rendition.height),
		duration_ms: video.duration_ms,
		codecs: rendition.codecs.clone(),
	};
	let verdict = match media::check_rendition(tools, &path, &declared).await {
		Err(MediaError::Rejected(rejection)) => Verdict::Refused(rejection.to_string()),
		Err(error) => return Err(error.into()),
		Ok(()) if super::held(state, &video_id)? => {
			let source = state.store.path(&video_id);
			match media::verify_rendition(tools, &source, &path).await {
				Ok(check) => {
					tracing::info!(
						rendition = %id_hex(content),
						segment = check.segment,
						psnr_db = check.psnr_db,
						"a fetched rendition matches its source"
					);
					Verdict::Accepted
				}
				Err(MediaError::Rejected(rejection)) => Verdict::Refused(rejection.to_string()),
				Err(error) => return Err(error.into()),
			}
		}
		Ok(()) => Verdict::Accepted,
	};
	let outcome = match &verdict {
		Verdict::Accepted => "accepted",
		Verdict::Refused(reason) => {
			tracing::error!(
				rendition = %id_hex(content),
				video = %id_hex(&video_id),
				%reason,
				"a fetched rendition failed its check: deleted, not confirmed"
			);
			"refused"
		}
	};
	state.metrics.rendition_checks.get_or_create(&OutcomeLabels { outcome }).inc();
	Ok(verdict)
}
