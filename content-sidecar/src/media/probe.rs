//! What a media file holds, as ffprobe reads it: duration, picture size as displayed, frame
//! rate and codecs.

use super::{input, process, MediaError, Rejection, Tools, QUICK_LIMIT};
use serde::Deserialize;
use std::path::Path;

/// Demuxers allowed for uploaded sources: MP4/MOV, Matroska/WebM, AVI, MPEG-TS and -PS, FLV,
/// Ogg, ASF. Playlists, concat scripts and image sequences are refused.
pub(super) const SOURCE_DEMUXERS: &str = "mov,matroska,avi,mpegts,mpeg,flv,ogg,asf";
/// Most bytes of JSON taken from ffprobe (a file with a few streams prints a few KiB).
const MAX_JSON: usize = 4 << 20;

/// A media file's first video stream and its sound.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
	/// How long it plays, in milliseconds.
	pub duration_ms: u64,
	/// Width as displayed: after the sample aspect ratio and any quarter-turn rotation.
	pub width: u32,
	/// Height as displayed.
	pub height: u32,
	/// Frames per second (the average; the nominal rate if the average is unknown).
	pub frame_rate: f64,
	/// ffmpeg's name of the video codec (`h264`, `hevc`, `vp9`, ...).
	pub video_codec: String,
	/// ffmpeg's name of the first audio stream's codec, if there is sound.
	pub audio_codec: Option<String>,
	/// Where the file's timeline starts (its earliest stream), in seconds: a transcode's
	/// timestamps count from here, so its renditions show at `t` what the source shows at
	/// `start_secs + t` (to the nearest frame).
	pub start_secs: f64,
}

/// Reads the source at `path` with ffprobe, accepting the containers uploads come in (MP4 and
/// MOV, Matroska and WebM, AVI, MPEG-TS and -PS, FLV, Ogg, ASF). A file ffprobe cannot read, or
/// one without video, is a [`Rejection`].
pub async fn probe(tools: &Tools, path: &Path) -> Result<Probe, MediaError> {
	probe_as(tools, path, SOURCE_DEMUXERS).await
}

/// [`probe`] accepting only the containers `demuxers` lists (ffmpeg's demuxer names).
pub(super) async fn probe_as(
	tools: &Tools,
	path: &Path,
	demuxers: &str,
) -> Result<Probe, MediaError> {
	let mut arguments = super::args([
		"-hide_banner",
		"-v",
		"error",
		"-print_format",
		"json",
		"-show_format",
		"-show_streams",
	]);
	arguments.extend(input(path, demuxers));
	let mut json = String::new();
	let mut too_long = false;
	let ran = process::run(&tools.ffprobe, &arguments, Some(QUICK_LIMIT), |line| {
		too_long |= json.len() + line.len() > MAX_JSON;
		if !too_long {
			json.push_str(line);
			json.push('\n');
		}
		Ok(())
	})
	.await;
	match ran {
		Err(MediaError::Failed { stderr, .. }) => return Err(Rejection::Unreadable(stderr).into()),
		ran => ran?,
	};
	if too_long {
		return Err(Rejection::Unreadable(format!("more than {MAX_JSON} bytes of streams")).into());
	}
	let output: Output = serde_json::from_str(&json).map_err(|error| MediaError::Output {
		tool: "ffprobe".into(),
		reason: error.to_string(),
	})?;
	output.probe()
}

/// The parts of `ffprobe -print_format json -show_format -show_streams` used.
#[derive(Deserialize)]
struct Output {
	/// The streams, in the file's order.
	#[serde(default)]
	streams: Vec<Stream>,
	/// The container.
	format: Option<Format>,
}

/// The container's duration and start, in seconds as text.
#[derive(Deserialize)]
struct Format {
	duration: Option<String>,
	start_time: Option<String>,
}

/// One stream, as ffprobe names its fields.
#[derive(Deserialize)]
struct Stream {
	codec_type: Option<String>,
	codec_name: Option<String>,
	width: Option<u32>,
	height: Option<u32>,
	sample_aspect_ratio: Option<String>,
	avg_frame_rate: Option<String>,
	r_frame_rate: Option<String>,
	duration: Option<String>,
	#[serde(default)]
	side_data_list: Vec<SideData>,
	#[serde(default)]
	tags: Tags,
}

/// Side data of a stream: a display matrix gives the rotation in degrees.
#[derive(Deserialize)]
struct SideData {
	rotation: Option<f64>,
}

/// Tags of a stream: older files give the rotation as a `rotate` tag.
#[derive(Deserialize, Default)]
struct Tags {
	rotate: Option<String>,
}

impl Output {
	/// The [`Probe`] of the first video stream and the first audio stream.
	fn probe(self) -> Result<Probe, MediaError> {
		let first = |kind| self.streams.iter().find(|s| s.codec_type.as_deref() == Some(kind));
		let video = first("video").ok_or(Rejection::NoVideo)?;
		let audio = first("audio");
		let unreadable = |what: &str| Rejection::Unreadable(format!("ffprobe gives no {what}"));
		let (Some(width), Some(height)) = (video.width, video.height) else {
			return Err(unreadable("picture size").into());
		};
		if width == 0 || height == 0 {
			return Err(unreadable("picture size").into());
		}
		let format = self.format.as_ref();
		let duration = format
			.and_then(|f| seconds(f.duration.as_deref()))
			.or_else(|| seconds(video.duration.as_deref()))
			.filter(|&d| d > 0.0)
			.ok_or_else(|| unreadable("duration"))?;
		let frame_rate = [&video.avg_frame_rate, &video.r_frame_rate]
			.into_iter()
			.find_map(|rate| ratio(rate.as_deref(), '/'))
			.ok_or_else(|| unreadable("frame rate"))?;
		// Pixels are stretched by the sample aspect ratio, then turned.
		let stretch = ratio(video.sample_aspect_ratio.as_deref(), ':').unwrap_or(1.0);
		let shown_width = ((f64::from(width) * stretch).round() as u32).max(1);
		let rotation = video
			.side_data_list
			.iter()
			.find_map(|side| side.rotation)
			.or_else(|| video.tags.rotate.as_deref().and_then(|r| r.parse().ok()))
			.unwrap_or(0.0);
		let quarter_turn = (rotation.round() as i64).rem_euclid(180) == 90;
		let (width, height) =
			if quarter_turn { (height, shown_width) } else { (shown_width, height) };
		Ok(Probe {
			duration_ms: (duration * 1000.0).round() as u64,
			width,
			height,
			frame_rate,
			video_codec: video.codec_name.clone().unwrap_or_default(),
			audio_codec: audio.map(|a| a.codec_name.clone().unwrap_or_default()),
			start_secs: format.and_then(|f| seconds(f.start_time.as_deref())).unwrap_or(0.0),
		})
	}
}

/// A finite number of seconds as ffprobe prints it.
fn seconds(text: Option<&str>) -> Option<f64> {
	text?.parse::<f64>().ok().filter(|s| s.is_finite())
}

/// A positive finite ratio `a/b` (or `a:b`).
fn ratio(text: Option<&str>, separator: char) -> Option<f64> {
	let (a, b) = text?.split_once(separator)?;
	let value = a.parse::<f64>().ok()? / b.parse::<f64>().ok()?;
	(value.is_finite() && value > 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::media::samples::{bounded, dir, sample, source_720p, tools};
	use std::path::PathBuf;
	use tokio::sync::OnceCell;

	#[tokio::test]
	async fn reads_size_rate_codecs_and_duration() {
		bounded(async {
			let seen = probe(&tools(), &source_720p().await).await.unwrap();
			assert_eq!((seen.width, seen.height, seen.frame_rate), (1280, 720, 30.0));
			assert_eq!(seen.video_codec, "h264");
			assert_eq!(seen.audio_codec.as_deref(), Some("aac"));
			assert!(seen.duration_ms.abs_diff(5000) <= 50, "{}", seen.duration_ms);
		})
		.await
	}

	#[tokio::test]
	async fn stretched_pixels_are_shown_stretched() {
		bounded(async {
			static CELL: OnceCell<PathBuf> = OnceCell::const_new();
			#[rustfmt::skip]
			let args = [
				"-f", "lavfi", "-i", "testsrc2=size=352x288:rate=25", "-t", "1",
				"-vf", "setsar=12/11", "-c:v", "libx264", "-preset", "ultrafast",
			];
			let anamorphic = sample(&CELL, "anamorphic.mp4", &args).await;
			let seen = probe(&tools(), &anamorphic).await.unwrap();
			assert_eq!((seen.width, seen.height, seen.frame_rate), (384, 288, 25.0));
		})
		.await
	}

	#[tokio::test]
	async fn refuses_sound_only_garbage_and_playlists() {
		bounded(async {
			let tools = tools();
			static CELL: OnceCell<PathBuf> = OnceCell::const_new();
			let args = ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"];
			let sound = sample(&CELL, "sound.m4a", &args).await;
			let error = probe(&tools, &sound).await.unwrap_err();
			assert!(matches!(error, MediaError::Rejected(Rejection::NoVideo)), "{error}");

			let garbage = dir().join("garbage.mp4");
			std::fs::write(&garbage, vec![0x5a; 4096]).unwrap();
			let error = probe(&tools, &garbage).await.unwrap_err();
			assert!(matches!(error, MediaError::Rejected(Rejection::Unreadable(_))), "{error}");

			// An HLS playlist named like a video would have ffmpeg read whatever it lists
			// (here a local file); its demuxer is not allowed.
			let playlist = dir().join("playlist.mp4");
			let listed = source_720p().await;
			let text = format!("#EXTM3U\n#EXTINF:5,\n{}\n#EXT-X-ENDLIST\n", listed.display());
			std::fs::write(&playlist, text).unwrap();
			let error = probe(&tools, &playlist).await.unwrap_err();
			assert!(matches!(error, MediaError::Rejected(Rejection::Unreadable(_))), "{error}");
		})
		.await
	}
}
