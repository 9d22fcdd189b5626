//! Transcoding a source into its ladder of H.264/AAC fragmented MP4 renditions and a poster.
//!
//! One ffmpeg process decodes the source once; `split` hands every frame to one scaler and one
//! libx264 encoder per rung. Keyframes are forced every [`SEGMENT_SECS`] of presentation time
//! (`-force_key_frames`, scene cuts off), so every rung has its keyframes on the same frames
//! and a player can switch at any segment boundary. Each rung is written as a fragmented MP4
//! with one fragment per GOP (`frag_keyframe`); `delay_moov` writes the `moov` once the first
//! fragment is known so that it carries edit lists, which keep the video (delayed by B-frame
//! reordering) in sync with the sound (which an empty `moov` would not: every video frame would
//! show two frames late); `skip_trailer` leaves out the `mfra` index, so the init section and
//! the segments cover the whole file.

use super::{
	args, file_url,
	fmp4::FragmentIndex,
	hls, input,
	ladder::{fit, ladder, Rung},
	probe::SOURCE_DEMUXERS,
	process, MediaError, Probe, Tools, QUICK_LIMIT,
};
use std::{
	ffi::OsString,
	fs::File,
	path::{Path, PathBuf},
};

/// Seconds between keyframes, and so the length of a segment.
pub const SEGMENT_SECS: u32 = 2;
/// Rungs whose shorter side has at least this many lines are encoded with
/// [`Tools::x264_preset_large`], the others with [`Tools::x264_preset_small`].
pub const LARGE_RUNG: u32 = 720;
/// The default preset of large rungs. 1080p and 720p take four fifths of the ladder's pixels;
/// on two cores only `ultrafast` encodes them beside the smaller rungs and the source's
/// decoding faster than real time (docs/benchmarks.md, "Adaptive streams").
pub const PRESET_LARGE: &str = "ultrafast";
/// The default preset of small rungs: `veryfast` (lookahead and macroblock tree) takes about
/// half the bytes of `ultrafast` at 480p and below for the same CRF, where slow links need
/// them, for little time, as these rungs are small.
pub const PRESET_SMALL: &str = "veryfast";
/// libx264's constant rate factor: quality where the rung's peak bitrate does not bind.
const CRF: &str = "23";
/// The highest frame rate kept; faster sources are resampled to it.
const MAX_FRAME_RATE: f64 = 60.0;
/// Scaler for downscaling: averages the source pixels each output pixel covers, sharp and
/// cheaper than bicubic.
pub(super) const SCALER: &str = "area";
/// The poster is taken at this share of the duration, past most fades from black.
const POSTER_AT: f64 = 0.1;
/// The poster's largest height.
const POSTER_MAX_HEIGHT: u32 = 720;

/// One rendition written by [`transcode`].
#[derive(Debug, Clone, PartialEq)]
pub struct RenditionFile {
	/// The fragmented MP4 file.
	pub path: PathBuf,
	/// Picture width.
	pub width: u32,
	/// Picture height.
	pub height: u32,
	/// Peak bits per second of its segments, as HLS `BANDWIDTH` defines it.
	pub bandwidth: u32,
	/// Average bits per second of its segments.
	pub average_bandwidth: u32,
	/// RFC 6381 codecs, from the file (`avc1.64001f,mp4a.40.2`).
	pub codecs: String,
}

/// What [`transcode`] made.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcoded {
	/// The renditions, largest first.
	pub renditions: Vec<RenditionFile>,
	/// A JPEG frame from early in the video, at most 720 lines high.
	pub poster: PathBuf,
	/// How long the renditions play (the largest one's segments), in milliseconds.
	pub duration_ms: u64,
}

/// Transcodes `source` (as `probe` describes it) into `out_dir` (created if need be): one
/// `<height>p.mp4` per rung of its [`ladder`], and `poster.jpg`. `progress` gets the share done,
/// from 0 to 1, as ffmpeg reports it (every half second or so).
///
/// The work is bounded only by the caller: dropping the future kills ffmpeg. On failure the
/// files written so far stay in `out_dir` for the caller to remove with it.
pub async fn transcode(
	tools: &Tools,
	source: &Path,
	out_dir: &Path,
	probe: &Probe,
	mut progress: impl FnMut(f64) + Send,
) -> Result<Transcoded, MediaError> {
	tokio::fs::create_dir_all(out_dir).await?;
	let rungs = ladder(probe);
	let poster = out_dir.join("poster.jpg");
	write_poster(tools, source, probe, &poster).await?;
	let outputs: Vec<_> =
		rungs.iter().map(|rung| out_dir.join(format!("{}p.mp4", rung.height))).collect();
	let arguments = ladder_arguments(tools, source, probe, &rungs, &outputs);
	let total_us = probe.duration_ms as f64 * 1000.0;
	let mut done = 0.0_f64;
	process::run(&tools.ffmpeg, &arguments, None, |line| {
		if let Some(us) = line.strip_prefix("out_time_us=").and_then(|v| v.parse::<f64>().ok()) {
			let share = (us / total_us).clamp(0.0, 1.0);
			if share > done {
				done = share;
				progress(done);
			}
		}
		Ok(())
	})
	.await?;
	progress(1.0);
	let mut renditions = Vec::with_capacity(rungs.len());
	let mut duration_ms = 0;
	for (rung, path) in rungs.iter().zip(outputs) {
		let index = read_index(path.clone()).await?;
		if renditions.is_empty() {
			duration_ms = (index.duration_secs() * 1000.0).round() as u64;
		}
		renditions.push(RenditionFile {
			width: rung.width,
			height: rung.height,
			bandwidth: hls::peak_bandwidth(&index),
			average_bandwidth: hls::average_bandwidth(&index),
			codecs: index.codecs(),
			path,
		});
	}
	Ok(Transcoded { renditions, poster, duration_ms })
}

/// Reads the fragment index of the file at `path`, off the async threads.
pub(super) async fn read_index(path: PathBuf) -> Result<FragmentIndex, MediaError> {
	tokio::task::spawn_blocking(move || -> Result<_, MediaError> {
		let file = File::open(&path)?;
		let len = file.metadata()?.len();
		Ok(FragmentIndex::read(file, len)?)
	})
	.await
	.map_err(std::io::Error::other)?
}

/// The frame rate of the renditions.
pub(super) fn output_frame_rate(probe: &Probe) -> f64 {
	probe.frame_rate.min(MAX_FRAME_RATE)
}

/// ffmpeg's arguments for the whole ladder, rung `i` written to `outputs[i]`.
fn ladder_arguments(
	tools: &Tools,
	source: &Path,
	probe: &Probe,
	rungs: &[Rung],
	outputs: &[PathBuf],
) -> Vec<OsString> {
	let mut arguments =
		args(["-hide_banner", "-nostdin", "-v", "error", "-y", "-nostats", "-progress", "pipe:1"]);
	arguments.extend(input(source, SOURCE_DEMUXERS));
	// Decode once, resample to a constant rate, convert to 4:2:0 once, then split.
	let frame_rate = output_frame_rate(probe);
	let mut graph = format!("[0:v:0]fps={frame_rate},format=yuv420p,split={}", rungs.len());
	for i in 0..rungs.len() {
		graph.push_str(&format!("[s{i}]"));
	}
	for (i, rung) in rungs.iter().enumerate() {
		graph.push_str(&format!(
			";[s{i}]scale={}:{}:flags={SCALER},setsar=1[v{i}]",
			rung.width, rung.height
		));
	}
	arguments.extend(args(["-filter_complex", &graph]));
	// A keyframe limit past the forced ones, so libx264 adds none of its own.
	let gop = (frame_rate * f64::from(2 * SEGMENT_SECS)).ceil().max(1.0).to_string();
	let keyframes = format!("expr:gte(t,n_forced*{SEGMENT_SECS})");
	for (i, (rung, output)) in rungs.iter().zip(outputs).enumerate() {
		let preset = if rung.width.min(rung.height) >= LARGE_RUNG {
			&tools.x264_preset_large
		} else {
			&tools.x264_preset_small
		};
		// A one-second buffer: a two-second segment carries at most one and a half times the
		// rung's rate, so the playlist's BANDWIDTH stays near it and players can trust it.
		let video = format!("{}k", rung.video_kbps);
		arguments.extend(args(["-map", &format!("[v{i}]")]));
		#[rustfmt::skip]
		arguments.extend(args([
			"-c:v", "libx264", "-preset", preset, "-profile:v", "high", "-crf", CRF,
			"-maxrate", &video, "-bufsize", &video, "-g", &gop, "-sc_threshold", "0",
			"-force_key_frames", &keyframes,
		]));
		if probe.audio_codec.is_some() {
			let audio = format!("{}k", rung.audio_kbps);
			#[rustfmt::skip]
			arguments.extend(args([
				"-map", "0:a:0", "-c:a", "aac", "-b:a", &audio, "-ac", "2",
			]));
		}
		#[rustfmt::skip]
		arguments.extend(args([
			"-map_metadata", "-1", "-map_chapters", "-1",
			"-movflags", "+frag_keyframe+delay_moov+default_base_moof+skip_trailer",
			"-f", "mp4",
		]));
		arguments.push(file_url(output));
	}
	arguments
}

/// Writes a JPEG of the frame at [`POSTER_AT`] of the duration, at most
/// [`POSTER_MAX_HEIGHT`] high.
async fn write_poster(
	tools: &Tools,
	source: &Path,
	probe: &Probe,
	poster: &Path,
) -> Result<(), MediaError> {
	let (width, height) = fit(probe, probe.height.min(POSTER_MAX_HEIGHT));
	let at = format!("{:.3}", probe.duration_ms as f64 / 1000.0 * POSTER_AT);
	let mut arguments = args(["-hide_banner", "-nostdin", "-v", "error", "-y", "-ss", &at]);
	arguments.extend(input(source, SOURCE_DEMUXERS));
	let scale = format!("scale={width}:{height}:flags={SCALER},setsar=1");
	#[rustfmt::skip]
	arguments.extend(args([
		"-map", "0:v:0", "-frames:v", "1", "-vf", &scale, "-q:v", "3",
		"-f", "image2", "-update", "1",
	]));
	arguments.push(file_url(poster));
	process::run(&tools.ffmpeg, &arguments, Some(QUICK_LIMIT), |_| Ok(())).await?;
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::media::{
		probe,
		samples::{bounded, ffprobe, ladder, sample, tools},
	};
	use tokio::sync::OnceCell;

	#[tokio::test]
	async fn a_720p_source_gets_four_fragmented_renditions_and_a_poster() {
		bounded(async {
			let ladder = ladder().await;
			let transcoded = &ladder.transcoded;
			let sizes: Vec<_> = transcoded.renditions.iter().map(|r| (r.width, r.height)).collect();
			assert_eq!(sizes, [(1280, 720), (854, 480), (640, 360), (426, 240)]);
			let rungs = crate::media::ladder(&ladder.probe);
			for (rendition, rung) in transcoded.renditions.iter().zip(&rungs) {
				let name = rendition.path.file_name().unwrap().to_str().unwrap();
				assert_eq!(name, format!("{}p.mp4", rung.height));
				let seen = probe(&tools(), &rendition.path).await.unwrap();
				assert_eq!(
					(seen.width, seen.height),
					(rendition.width, rendition.height),
					"{name}"
				);
				assert_eq!(seen.video_codec, "h264", "{name}");
				assert_eq!(seen.audio_codec.as_deref(), Some("aac"), "{name}");
				assert_eq!(seen.frame_rate, 30.0, "{name}");
				// The profile and level ffprobe reads, and AAC LC. libx264's `ultrafast`
				// (large rungs) uses no High or Main tools, so it writes Constrained Baseline.
				let stream = ffprobe(&[
					"-select_streams",
					"v:0",
					"-show_entries",
					"stream=profile,level",
					"-of",
					"csv=p=0",
					rendition.path.to_str().unwrap(),
				])
				.await;
				let (profile, level) = stream.trim().split_once(',').unwrap();
				let profile = match profile {
					"High" => "6400",
					"Constrained Baseline" => "42c0",
					other => panic!("{name}: profile {other}"),
				};
				let level: u8 = level.parse().unwrap();
				assert_eq!(
					rendition.codecs,
					format!("avc1.{profile}{level:02x},mp4a.40.2"),
					"{name}"
				);
				// Peak at least the average, both under what a one-second buffer allows over a
				// segment (one and a half times the rung's rate) with some room for the
				// container.
				let cap = 1600 * (rung.video_kbps + rung.audio_kbps);
				assert!(rendition.average_bandwidth > 0, "{name}");
				assert!(rendition.bandwidth >= rendition.average_bandwidth, "{name}");
				assert!(rendition.bandwidth < cap, "{name}: {} bit/s", rendition.bandwidth);
			}
			assert!(transcoded.duration_ms.abs_diff(5000) <= 34, "{}", transcoded.duration_ms);
			let poster = ffprobe(&[
				"-show_entries",
				"stream=codec_name,width,height",
				"-of",
				"csv=p=0",
				transcoded.poster.to_str().unwrap(),
			])
			.await;
			assert_eq!(poster.trim(), "mjpeg,1280,720");
			let progress = &ladder.progress;
			assert!(progress.len() >= 2, "{progress:?}");
			assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
			assert!(progress.iter().all(|p| (0.0..=1.0).contains(p)), "{progress:?}");
			assert_eq!(progress.last(), Some(&1.0));
		})
		.await
	}

	#[tokio::test]
	async fn a_silent_turned_source_gives_upright_video_only_renditions() {
		bounded(async {
			// 320x240 turned a quarter: shown as 240x320, no sound. The turn is set on a
			// copy: ffmpeg 5.1 keeps a `rotate` tag only when it copies the stream.
			static UPRIGHT: OnceCell<PathBuf> = OnceCell::const_new();
			#[rustfmt::skip]
			let args = [
				"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2.5",
				"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
			];
			let upright = sample(&UPRIGHT, "silent.mp4", &args).await;
			static TURNED: OnceCell<PathBuf> = OnceCell::const_new();
			let args =
				["-i", upright.to_str().unwrap(), "-c", "copy", "-metadata:s:v", "rotate=90"];
			let source = sample(&TURNED, "silent-turned.mp4", &args).await;
			let tools = tools();
			let seen = probe(&tools, &source).await.unwrap();
			assert_eq!((seen.width, seen.height, seen.audio_codec.clone()), (240, 320, None));
			let out = tempfile::tempdir().unwrap();
			let transcoded = transcode(&tools, &source, out.path(), &seen, |_| {}).await.unwrap();
			assert_eq!(transcoded.renditions.len(), 1);
			let rendition = &transcoded.renditions[0];
			assert_eq!((rendition.width, rendition.height), (240, 320));
			assert!(rendition.codecs.starts_with("avc1.64") && !rendition.codecs.contains(','));
			let made = probe(&tools, &rendition.path).await.unwrap();
			assert_eq!((made.width, made.height, made.audio_codec), (240, 320, None));
			assert!(transcoded.duration_ms.abs_diff(2500) <= 40, "{}", transcoded.duration_ms);
		})
		.await
	}
}
