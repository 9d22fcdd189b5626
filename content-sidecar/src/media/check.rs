//! Checking a rendition before holding it: that it decodes and is what the chain declares
//! ([`check_rendition`]), and that it shows the source's pictures ([`spot_check`],
//! [`verify_rendition`]).
//!
//! [`check_rendition`] decodes the whole file, once, on one thread. A slice would leave the
//! rest unchecked, and the holder serves all of it for as long as it holds it. Decoding is
//! cheap next to encoding: on this project's 2-core machine one thread decodes ten seconds of
//! the 1080p rendition in 0.75 s and of the 480p one in 0.35 s (a twentieth of what encoding
//! the ladder took); one thread keeps the other core for viewers.
//!
//! The spot check is Livepeer's idea for verifying transcoders: decode one segment of the
//! rendition and the source over the same time, scale the source to the rendition's size, and
//! compare them with ffmpeg's `psnr` filter. An honest encoding of the source scores well above
//! [`SPOT_CHECK_MIN_PSNR_DB`]; another video, or noise, scores far below it.

use super::{
	args, input, probe::probe_as, probe::SOURCE_DEMUXERS, process, transcode::read_index,
	transcode::SCALER, FragmentIndex, MediaError, Rejection, Tools, QUICK_LIMIT,
};
use std::{path::Path, time::Duration};

/// The least PSNR (dB, luma and chroma together) a rendition's segment must reach against the
/// source. Measured on the test pictures: every rendition [`super::transcode`] makes scores
/// 38–46 dB, the same video one frame out of step about 24 dB, another video (colour bars, a
/// Mandelbrot zoom) 9–11 dB. The bar sits between "the same pictures, whatever the quality"
/// and "other pictures", with room for timing quirks of real sources.
pub const SPOT_CHECK_MIN_PSNR_DB: f64 = 20.0;
/// Renditions are fragmented MP4s, read by ffmpeg's MP4 demuxer only.
const RENDITION_DEMUXERS: &str = "mov";
/// Largest duration difference always allowed, in milliseconds.
const DURATION_SLACK_MS: u64 = 1000;
/// Largest duration difference allowed as a share of the declared duration.
const DURATION_SLACK_SHARE: f64 = 0.02;
/// Seconds before a segment where reading starts (at the keyframe before): enough for the
/// source's GOP to start before the segment, as cameras and phones make them (up to a few
/// seconds).
const SEEK_MARGIN_SECS: f64 = 4.0;
/// A PSNR for frames that are identical (infinite in theory).
const IDENTICAL_DB: f64 = 100.0;

/// What the chain declares about a rendition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
	/// Picture width.
	pub width: u32,
	/// Picture height.
	pub height: u32,
	/// How long it plays, in milliseconds (the video's duration on chain).
	pub duration_ms: u64,
	/// RFC 6381 codecs, as players will be told.
	pub codecs: String,
}

/// A rendition's segment that passed the spot check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpotCheck {
	/// The segment compared.
	pub segment: usize,
	/// Its PSNR against the source, in dB.
	pub psnr_db: f64,
}

/// Checks that the file at `path` is a rendition as `declared`: a fragmented MP4 of H.264 video
/// (and AAC sound, if any) of exactly the declared size and codecs, playing for the declared
/// duration within a second or 2 %, whichever is more, that decodes without an error.
/// Anything else is a [`Rejection`] saying what differs.
pub async fn check_rendition(
	tools: &Tools,
	path: &Path,
	declared: &Declared,
) -> Result<(), MediaError> {
	let probe = probe_as(tools, path, RENDITION_DEMUXERS).await?;
	if probe.video_codec != "h264" {
		return Err(Rejection::WrongVideoCodec(probe.video_codec).into());
	}
	if let Some(audio) = probe.audio_codec.filter(|codec| codec != "aac") {
		return Err(Rejection::WrongAudioCodec(audio).into());
	}
	if (probe.width, probe.height) != (declared.width, declared.height) {
		return Err(Rejection::WrongSize {
			declared_width: declared.width,
			declared_height: declared.height,
			width: probe.width,
			height: probe.height,
		}
		.into());
	}
	let slack = DURATION_SLACK_MS.max((declared.duration_ms as f64 * DURATION_SLACK_SHARE) as u64);
	if probe.duration_ms.abs_diff(declared.duration_ms) > slack {
		return Err(Rejection::WrongDuration {
			declared_ms: declared.duration_ms,
			found_ms: probe.duration_ms,
		}
		.into());
	}
	let index = rendition_index(path).await?;
	if index.codecs() != declared.codecs {
		return Err(Rejection::WrongCodecs {
			declared: declared.codecs.clone(),
			found: index.codecs(),
		}
		.into());
	}
	let mut arguments = args(["-hide_banner", "-nostdin", "-v", "error", "-xerror"]);
	arguments.extend(args(["-threads", "1"]));
	arguments.extend(input(path, RENDITION_DEMUXERS));
	arguments.extend(args(["-map", "0:v:0", "-map", "0:a?", "-f", "null", "-"]));
	// One thread decodes 1080p at over ten times real time; the limit allows real time.
	let limit = QUICK_LIMIT + Duration::from_millis(probe.duration_ms);
	match process::run(&tools.ffmpeg, &arguments, Some(limit), |_| Ok(())).await {
		Ok(stderr) if stderr.is_empty() => Ok(()),
		// Errors the decoder recovered from are still errors.
		Ok(stderr) | Err(MediaError::Failed { stderr, .. }) => {
			Err(Rejection::DoesNotDecode(stderr).into())
		}
		Err(error) => Err(error),
	}
}

/// PSNR (dB) of segment `segment` of `rendition` (whose fragments `index` lists) against
/// `source` over the same time, the source scaled to the rendition's size.
///
/// Frames are paired by timestamp, as the transcode mapped them: the rendition shows at `t`
/// what the source shows at its start plus `t`, to the nearest frame. The PSNR is that of the mean squared error over the segment's
/// frames and the three planes, as ffmpeg reports it. Both files are read from a keyframe
/// four seconds before the segment; a source whose container cannot seek to a keyframe
/// there (MPEG-TS with long GOPs) is read again from its start.
pub async fn spot_check(
	tools: &Tools,
	source: &Path,
	rendition: &Path,
	index: &FragmentIndex,
	segment: usize,
) -> Result<f64, MediaError> {
	let span = index
		.segments
		.get(segment)
		.ok_or(MediaError::NoSuchSegment { segment, segments: index.segments.len() })?;
	let shape = probe_as(tools, rendition, RENDITION_DEMUXERS).await?;
	let original = probe_as(tools, source, SOURCE_DEMUXERS).await?;
	let compare = Comparison {
		tools,
		source,
		rendition,
		from: span.start_secs,
		to: span.start_secs + span.duration_secs,
		shift: original.start_secs,
		// Half a source frame: source frames are moved this much earlier so that each
		// rendition frame pairs with the source frame at its time (the latest one at or
		// before it) even if the two timestamps were rounded differently.
		half_frame: 0.5 / original.frame_rate,
		width: shape.width,
		height: shape.height,
	};
	let expected = span.duration_secs * shape.frame_rate;
	let (mut frames, mut squared_error) = compare.run(true).await?;
	// Frames the source's seek missed are not paired at all: read it from its start.
	if f64::from(frames) < 0.9 * expected {
		(frames, squared_error) = compare.run(false).await?;
	}
	if frames == 0 {
		return Err(MediaError::Output {
			tool: "ffmpeg".into(),
			reason: format!("no frames of segment {segment} were compared"),
		});
	}
	let mse = squared_error / f64::from(frames);
	Ok(if mse > 0.0 { 10.0 * (255.0 * 255.0 / mse).log10() } else { IDENTICAL_DB })
}

/// One ffmpeg comparison of a span of a rendition with the source.
struct Comparison<'a> {
	tools: &'a Tools,
	source: &'a Path,
	rendition: &'a Path,
	/// The span, on the rendition's timeline (seconds).
	from: f64,
	to: f64,
	/// The source's timeline minus the rendition's (seconds).
	shift: f64,
	/// Half the source's frame interval (seconds).
	half_frame: f64,
	/// The rendition's picture size.
	width: u32,
	height: u32,
}

impl Comparison<'_> {
	/// The frames compared and their summed mean squared errors; the source is read from
	/// before the span if `seek_source`, else from its start.
	async fn run(&self, seek_source: bool) -> Result<(u32, f64), MediaError> {
		let (from, to) = (self.from - self.half_frame, self.to - self.half_frame);
		let graph = format!(
			"[0:v:0]trim=start={from:.6}:end={to:.6},format=yuv420p[rendition];\
			 [1:v:0]setpts=PTS-({shift:.6})/TB,trim=start={early:.6}:end={to:.6},\
			 scale={w}:{h}:flags={SCALER},setsar=1,format=yuv420p[source];\
			 [rendition][source]psnr=stats_file=-[out]",
			shift = self.shift + self.half_frame,
			early = from - self.half_frame,
			w = self.width,
			h = self.height,
		);
		// Timestamps as the files give them (`-copyts`), seeks to such a timestamp
		// (`-seek_timestamp`), and to the keyframe before it (`-noaccurate_seek`).
		let mut arguments = args(["-hide_banner", "-nostdin", "-v", "error", "-copyts"]);
		let at = |seconds: f64| {
			let target = format!("{:.6}", seconds - SEEK_MARGIN_SECS);
			args(["-seek_timestamp", "1", "-noaccurate_seek", "-ss", &target])
		};
		arguments.extend(at(self.from));
		arguments.extend(input(self.rendition, RENDITION_DEMUXERS));
		if seek_source {
			arguments.extend(at(self.from + self.shift));
		}
		arguments.extend(input(self.source, SOURCE_DEMUXERS));
		arguments.extend(args(["-filter_complex", &graph, "-map", "[out]", "-f", "null", "-"]));
		let (mut frames, mut squared_error) = (0u32, 0.0);
		process::run(&self.tools.ffmpeg, &arguments, Some(QUICK_LIMIT), |line| {
			// Per frame: `n:1 mse_avg:3.42 mse_y:... psnr_avg:42.79 ...`.
			let mse = line.split_whitespace().find_map(|field| field.strip_prefix("mse_avg:"));
			if let Some(mse) = mse.and_then(|m| m.parse::<f64>().ok()) {
				frames += 1;
				squared_error += mse;
			}
			Ok(())
		})
		.await?;
		Ok((frames, squared_error))
	}
}

/// Spot-checks a random segment of `rendition` against `source`: a [`SpotCheck`] if its PSNR
/// reaches [`SPOT_CHECK_MIN_PSNR_DB`], a [`Rejection::UnlikeSource`] if not.
pub async fn verify_rendition(
	tools: &Tools,
	source: &Path,
	rendition: &Path,
) -> Result<SpotCheck, MediaError> {
	let index = rendition_index(rendition).await?;
	let random = getrandom::u64().map_err(|error| std::io::Error::other(error.to_string()))?;
	let segment = (random % index.segments.len() as u64) as usize;
	let psnr_db = spot_check(tools, source, rendition, &index, segment).await?;
	if psnr_db < SPOT_CHECK_MIN_PSNR_DB {
		return Err(Rejection::UnlikeSource {
			segment,
			psnr_db,
			threshold_db: SPOT_CHECK_MIN_PSNR_DB,
		}
		.into());
	}
	Ok(SpotCheck { segment, psnr_db })
}

/// The fragment index of a rendition from elsewhere: one that has none is rejected.
async fn rendition_index(path: &Path) -> Result<FragmentIndex, MediaError> {
	match read_index(path.to_owned()).await {
		Err(MediaError::Index(error)) => Err(Rejection::NotFragmented(error).into()),
		read => read,
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::media::{
		samples::{bounded, dir, ladder, sample, source_720p, tools},
		RenditionFile,
	};
	use std::path::PathBuf;
	use tokio::sync::OnceCell;

	fn declared(rendition: &RenditionFile, duration_ms: u64) -> Declared {
		Declared {
			width: rendition.width,
			height: rendition.height,
			duration_ms,
			codecs: rendition.codecs.clone(),
		}
	}

	fn rejection(result: Result<(), MediaError>) -> Rejection {
		match result {
			Err(MediaError::Rejected(rejection)) => rejection,
			other => panic!("expected a rejection, got {other:?}"),
		}
	}

	#[tokio::test]
	async fn accepts_the_renditions_transcode_made() {
		bounded(async {
			let ladder = ladder().await;
			let duration_ms = ladder.transcoded.duration_ms;
			for rendition in &ladder.transcoded.renditions {
				check_rendition(&tools(), &rendition.path, &declared(rendition, duration_ms))
					.await
					.unwrap();
			}
		})
		.await
	}

	#[tokio::test]
	async fn says_what_differs() {
		bounded(async {
			let tools = tools();
			let ladder = ladder().await;
			let duration_ms = ladder.transcoded.duration_ms;
			let rendition = &ladder.transcoded.renditions[2];
			let path = &rendition.path;
			let good = declared(rendition, duration_ms);

			let taller = Declared { height: 480, ..good.clone() };
			let found = rejection(check_rendition(&tools, path, &taller).await);
			assert!(
				matches!(found, Rejection::WrongSize { declared_height: 480, height: 360, .. }),
				"{found}"
			);
			let longer = Declared { duration_ms: duration_ms + 1500, ..good.clone() };
			let found = rejection(check_rendition(&tools, path, &longer).await);
			assert!(matches!(found, Rejection::WrongDuration { .. }), "{found}");
			// Within a second is fine.
			let close = Declared { duration_ms: duration_ms + 900, ..good.clone() };
			check_rendition(&tools, path, &close).await.unwrap();
			let codecs = Declared { codecs: "avc1.42e01e,mp4a.40.2".into(), ..good.clone() };
			let found = rejection(check_rendition(&tools, path, &codecs).await);
			assert!(matches!(found, Rejection::WrongCodecs { .. }), "{found}");

			// Not video: a JPEG (not even an MP4), and sound only.
			let found = rejection(check_rendition(&tools, &ladder.transcoded.poster, &good).await);
			assert!(matches!(found, Rejection::Unreadable(_)), "{found}");
			static SOUND: OnceCell<PathBuf> = OnceCell::const_new();
			let args = ["-f", "lavfi", "-i", "sine=duration=5", "-c:a", "aac"];
			let sound = sample(&SOUND, "check-sound.m4a", &args).await;
			let found = rejection(check_rendition(&tools, &sound, &good).await);
			assert!(matches!(found, Rejection::NoVideo), "{found}");

			// The right picture in a progressive MP4, from which no segment can be served.
			let source = source_720p().await;
			let whole = Declared { width: 1280, height: 720, ..good.clone() };
			let found = rejection(check_rendition(&tools, &source, &whole).await);
			assert!(matches!(found, Rejection::NotFragmented(_)), "{found}");

			// Pictures overwritten in the middle of the second segment.
			let index = read_index(path.clone()).await.unwrap();
			let middle = index.segments[1].range.clone();
			let mut bytes = std::fs::read(path).unwrap();
			let at = ((middle.start + middle.end) / 2) as usize;
			let mut noise = fastrand::Rng::with_seed(7);
			bytes[at..at + 4096].fill_with(|| noise.u8(..));
			let broken = dir().join("broken-360p.mp4");
			std::fs::write(&broken, bytes).unwrap();
			let found = rejection(check_rendition(&tools, &broken, &good).await);
			assert!(matches!(found, Rejection::DoesNotDecode(_)), "{found}");
		})
		.await
	}

	#[tokio::test]
	async fn spot_check_passes_renditions_and_fails_another_video() {
		bounded(async {
			let tools = tools();
			let ladder = ladder().await;
			// Every segment of the smallest rendition, the middle one of the others. Frames
			// paired right score near 40 dB, well over the bar; one frame out of step, about 24,
			// which would still pass it, so the test asks for 30.
			let renditions = &ladder.transcoded.renditions;
			for (i, rendition) in renditions.iter().enumerate() {
				let index = read_index(rendition.path.clone()).await.unwrap();
				let segments = if i + 1 == renditions.len() { 0..3 } else { 1..2 };
				for segment in segments {
					let psnr = spot_check(&tools, &ladder.source, &rendition.path, &index, segment)
						.await
						.unwrap();
					assert!(psnr >= 30.0, "{}p segment {segment}: {psnr:.1} dB", rendition.height);
				}
				let error = spot_check(&tools, &ladder.source, &rendition.path, &index, 3)
					.await
					.unwrap_err();
				assert!(matches!(error, MediaError::NoSuchSegment { segment: 3, segments: 3 }));
			}
			let honest = &ladder.transcoded.renditions[2].path;
			let passed = verify_rendition(&tools, &ladder.source, honest).await.unwrap();
			assert!(passed.psnr_db >= SPOT_CHECK_MIN_PSNR_DB && passed.segment < 3);

			// Another video of the same size, length and layout: colour bars.
			static BARS: OnceCell<PathBuf> = OnceCell::const_new();
			#[rustfmt::skip]
			let args = [
				"-f", "lavfi", "-i", "smptebars=size=640x360:rate=30", "-t", "5",
				"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
				"-force_key_frames", "expr:gte(t,n_forced*2)",
				"-movflags", "+frag_keyframe+delay_moov+default_base_moof+skip_trailer",
			];
			let bars = sample(&BARS, "bars-360p.mp4", &args).await;
			let index = read_index(bars.clone()).await.unwrap();
			let psnr = spot_check(&tools, &ladder.source, &bars, &index, 1).await.unwrap();
			assert!(psnr < SPOT_CHECK_MIN_PSNR_DB, "{psnr:.1} dB");
			match verify_rendition(&tools, &ladder.source, &bars).await {
				Err(MediaError::Rejected(Rejection::UnlikeSource { psnr_db, .. })) => {
					assert!(psnr_db < SPOT_CHECK_MIN_PSNR_DB)
				}
				other => panic!("colour bars passed as the source: {other:?}"),
			}
		})
		.await
	}

	#[tokio::test]
	async fn spot_check_pairs_frames_of_a_source_whose_timeline_does_not_start_at_zero() {
		bounded(async {
			// MPEG-TS starts its clock at 1.4 s, the renditions at 0, and its video a frame
			// after its sound. It has one keyframe (a GOP of 250 frames), so seeking it for the
			// later segments finds no keyframe before them and it is read from its start.
			static TS: OnceCell<PathBuf> = OnceCell::const_new();
			#[rustfmt::skip]
			let args = [
				"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
				"-f", "lavfi", "-i", "sine=frequency=300", "-t", "9",
				"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
				"-f", "mpegts",
			];
			let source = sample(&TS, "source.ts", &args).await;
			let tools = tools();
			let seen = crate::media::probe(&tools, &source).await.unwrap();
			assert!(seen.start_secs > 1.0, "{}", seen.start_secs);
			let out = tempfile::tempdir().unwrap();
			let made =
				crate::media::transcode(&tools, &source, out.path(), &seen, |_| {}).await.unwrap();
			let rendition = &made.renditions[0].path;
			let index = read_index(rendition.clone()).await.unwrap();
			assert_eq!(index.segments.len(), 5);
			// Frames paired right score near 40 dB; one frame out of step, about 23.
			for segment in 0..5 {
				let psnr = spot_check(&tools, &source, rendition, &index, segment).await.unwrap();
				assert!(psnr >= 30.0, "segment {segment}: {psnr:.1} dB");
			}
		})
		.await
	}
}
