//! Video: probing uploads, transcoding them into an adaptive ladder, indexing the renditions'
//! fragments, writing HLS playlists over them, and checking renditions made elsewhere.
//!
//! # Why it is built this way
//!
//! - **ffmpeg as a process**, as PeerTube does: Debian's build is maintained, fast, and
//!   carries libx264; a crash or a hang on a hostile file kills a child, not the sidecar.
//!   Every child is a [`tokio::process::Command`] with `kill_on_drop`, so dropping a call's
//!   future (a timeout, a cancelled upload, shutdown) ends its process; short calls carry their
//!   own limits. Inputs are opened through ffmpeg's `file:` protocol with `-protocol_whitelist
//!   file` and a list of allowed demuxers, so an "upload" that is really an HLS playlist or a
//!   concat script cannot make ffmpeg fetch URLs or read other local files.
//! - **One ffmpeg per upload** ([`transcode`]): the source is decoded once and split to one
//!   scaler and one H.264 encoder per rung, so decoding, the costliest step after encoding,
//!   is paid once. Keyframes are forced every two seconds by time, identical in every rung, so
//!   a player switches rendition at any segment boundary.
//! - **One fragmented MP4 per rendition**, a fragment per two-second GOP: a rendition is one
//!   content item (one commitment, replicated and proven like any other), and an HLS segment
//!   is a byte range of it. [`fmp4`] finds those ranges by reading box headers, and [`hls`]
//!   writes the playlists from them; nothing is cut into files.
//! - **Checks a holder can afford** ([`check`]): before confirming a replica a holder checks
//!   that the rendition decodes and is what the chain says (codec, size, duration), and may
//!   compare a random segment against the source (PSNR), as Livepeer verifies its
//!   transcoders, so a creator cannot register noise as a rendition.
//!
//! Errors: [`MediaError`] for this layer, with [`Rejection`] inside it for verdicts on a file
//! (refuse it, report it) as opposed to failures to run the tools (retry later);
//! [`fmp4::Fmp4Error`] for the box walker.

pub mod check;
pub mod fmp4;
pub mod hls;
pub mod ladder;
pub mod probe;
mod process;
pub mod transcode;

#[cfg(test)]
pub(crate) mod samples;

pub use check::{
	check_rendition, spot_check, verify_rendition, Declared, SpotCheck, SPOT_CHECK_MIN_PSNR_DB,
};
pub use fmp4::{FragmentIndex, Segment};
pub use hls::{master_playlist, media_playlist, Variant};
pub use ladder::{ladder, Rung};
pub use probe::{probe, Probe};
pub use transcode::{transcode, RenditionFile, Transcoded};

use std::{
	ffi::OsString,
	io,
	path::{Path, PathBuf},
	time::Duration,
};

/// How long a quick call (`-version`, a probe, a poster) may take.
const QUICK_LIMIT: Duration = Duration::from_secs(60);

/// Where the ffmpeg and ffprobe executables are, and how hard libx264 works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
	/// The `ffmpeg` executable.
	pub ffmpeg: PathBuf,
	/// The `ffprobe` executable.
	pub ffprobe: PathBuf,
	/// libx264's preset for rungs of [`transcode::LARGE_RUNG`] lines and more, which take most
	/// of the encoding time; a machine with more cores may afford a slower one, which
	/// compresses better.
	pub x264_preset_large: String,
	/// libx264's preset for the smaller rungs: cheap to encode, and what slow links play, so
	/// worth compressing well.
	pub x264_preset_small: String,
}

impl Default for Tools {
	/// `ffmpeg` and `ffprobe`, looked up in `PATH`, and [`transcode::PRESET_LARGE`] and
	/// [`transcode::PRESET_SMALL`].
	fn default() -> Self {
		Tools {
			ffmpeg: "ffmpeg".into(),
			ffprobe: "ffprobe".into(),
			x264_preset_large: transcode::PRESET_LARGE.into(),
			x264_preset_small: transcode::PRESET_SMALL.into(),
		}
	}
}

/// libx264's presets, fastest first.
pub const X264_PRESETS: [&str; 10] = [
	"ultrafast",
	"superfast",
	"veryfast",
	"faster",
	"fast",
	"medium",
	"slow",
	"slower",
	"veryslow",
	"placebo",
];

/// The first line of each tool's `-version`, for the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
	/// `ffmpeg version 5.1.6-0+deb12u1 ...`
	pub ffmpeg: String,
	/// `ffprobe version 5.1.6-0+deb12u1 ...`
	pub ffprobe: String,
}

impl Tools {
	/// Runs both tools' `-version` and checks that ffmpeg has the libx264 and AAC encoders and
	/// that the presets are libx264's, so a missing or incomplete install, or a typo, shows at
	/// startup rather than at the first upload.
	pub async fn check(&self) -> Result<Versions, MediaError> {
		for preset in [&self.x264_preset_large, &self.x264_preset_small] {
			if !X264_PRESETS.contains(&preset.as_str()) {
				return Err(MediaError::UnknownPreset(preset.clone()));
			}
		}
		let ffmpeg = first_line(&self.ffmpeg, &["-version"]).await?;
		let ffprobe = first_line(&self.ffprobe, &["-version"]).await?;
		let mut encoders = Vec::new();
		process::run(&self.ffmpeg, &args(["-hide_banner", "-encoders"]), Some(QUICK_LIMIT), |l| {
			encoders.extend(l.split_whitespace().nth(1).map(str::to_owned));
			Ok(())
		})
		.await?;
		for encoder in ["libx264", "aac"] {
			if !encoders.iter().any(|e| e == encoder) {
				return Err(MediaError::MissingEncoder(encoder));
			}
		}
		Ok(Versions { ffmpeg, ffprobe })
	}
}

/// The first line `program args` prints.
async fn first_line(program: &Path, arguments: &[&str]) -> Result<String, MediaError> {
	let mut first = None;
	process::run(program, &args(arguments.iter().copied()), Some(QUICK_LIMIT), |line| {
		first.get_or_insert_with(|| line.to_owned());
		Ok(())
	})
	.await?;
	first.ok_or_else(|| MediaError::Output {
		tool: program.display().to_string(),
		reason: "nothing printed".into(),
	})
}

/// Command-line arguments from strings.
fn args<S: Into<OsString>>(items: impl IntoIterator<Item = S>) -> Vec<OsString> {
	items.into_iter().map(Into::into).collect()
}

/// A path as an ffmpeg input or output that can only be a local file: `file:` keeps a name
/// with a colon from being read as a protocol.
fn file_url(path: &Path) -> OsString {
	let mut url = OsString::from("file:");
	url.push(path.as_os_str());
	url
}

/// Options before an input that restrict how ffmpeg may open it: only local files, and only
/// the given demuxers.
fn input(path: &Path, demuxers: &str) -> Vec<OsString> {
	let mut options = args(["-protocol_whitelist", "file", "-format_whitelist", demuxers, "-i"]);
	options.push(file_url(path));
	options
}

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
	/// A tool could not be started (not installed, not executable).
	#[error("could not run {}: {source} (scripts/setup.sh installs ffmpeg)", tool.display())]
	Spawn {
		/// The executable.
		tool: PathBuf,
		/// Why.
		source: io::Error,
	},
	/// ffmpeg lacks an encoder the ladder needs.
	#[error("this ffmpeg has no {0} encoder (Debian's ffmpeg package has it)")]
	MissingEncoder(&'static str),
	/// A preset in [`Tools`] is not one of [`X264_PRESETS`].
	#[error("{0:?} is not a libx264 preset (one of {X264_PRESETS:?})")]
	UnknownPreset(String),
	/// A tool exited with an error.
	#[error("{tool} failed ({status}): {stderr}")]
	Failed {
		/// The tool's name.
		tool: String,
		/// Its exit status.
		status: String,
		/// The last lines it wrote to standard error.
		stderr: String,
	},
	/// A tool took longer than allowed and was killed.
	#[error("{tool} did not finish within {after:?}")]
	TimedOut {
		/// The tool's name.
		tool: String,
		/// The limit.
		after: Duration,
	},
	/// A tool printed something that could not be understood.
	#[error("could not read what {tool} printed: {reason}")]
	Output {
		/// The tool's name.
		tool: String,
		/// What was wrong.
		reason: String,
	},
	/// A rendition just written has no readable fragment index.
	#[error("a rendition written here has no readable fragment index: {0}")]
	Index(#[from] fmp4::Fmp4Error),
	/// A segment number past the rendition's last segment.
	#[error("segment {segment} asked of a rendition of {segments} segments")]
	NoSuchSegment {
		/// The segment asked for.
		segment: usize,
		/// How many there are.
		segments: usize,
	},
	/// The file is not acceptable (see [`Rejection`]).
	#[error(transparent)]
	Rejected(#[from] Rejection),
	/// Reading or writing a file failed.
	#[error(transparent)]
	Io(#[from] io::Error),
}

/// What is wrong with a file: a verdict on the file, not a failure of the tools, so a holder
/// refuses the replica and reports it instead of trying again.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
	/// ffprobe could not read it as media.
	#[error("not a readable media file: {0}")]
	Unreadable(String),
	/// It has no video stream.
	#[error("the file has no video stream")]
	NoVideo,
	/// It is not a fragmented MP4 whose segments can be served as byte ranges.
	#[error("not a usable fragmented MP4: {0}")]
	NotFragmented(fmp4::Fmp4Error),
	/// Decoding it fails.
	#[error("the file does not decode cleanly: {0}")]
	DoesNotDecode(String),
	/// Its video is not H.264.
	#[error("the video codec is {0}, not h264")]
	WrongVideoCodec(String),
	/// Its audio is not AAC.
	#[error("the audio codec is {0}, not aac")]
	WrongAudioCodec(String),
	/// Its picture size is not the one declared.
	#[error(
		"the picture is {width}x{height}, not the declared {declared_width}x{declared_height}"
	)]
	WrongSize {
		/// Declared width.
		declared_width: u32,
		/// Declared height.
		declared_height: u32,
		/// Actual width.
		width: u32,
		/// Actual height.
		height: u32,
	},
	/// It plays for too long or too short.
	#[error("it plays for {found_ms} ms, not the declared {declared_ms} ms")]
	WrongDuration {
		/// Declared duration.
		declared_ms: u64,
		/// Actual duration.
		found_ms: u64,
	},
	/// Its codecs are not the declared RFC 6381 string.
	#[error("its codecs are {found:?}, not the declared {declared:?}")]
	WrongCodecs {
		/// Declared.
		declared: String,
		/// Read from the file.
		found: String,
	},
	/// A segment looks unlike the source over the same time.
	#[error(
		"segment {segment} is unlike the source: PSNR {psnr_db:.1} dB, under {threshold_db} dB"
	)]
	UnlikeSource {
		/// The segment compared.
		segment: usize,
		/// Its PSNR against the source, scaled to its size.
		psnr_db: f64,
		/// The least accepted.
		threshold_db: f64,
	},
}

#[cfg(test)]
mod tests {
	use super::*;
	use samples::bounded;
	use std::time::Instant;

	#[tokio::test]
	async fn check_finds_the_tools_and_names_a_missing_one() {
		bounded(async {
			let versions = Tools::default().check().await.unwrap();
			assert!(versions.ffmpeg.starts_with("ffmpeg version"), "{versions:?}");
			assert!(versions.ffprobe.starts_with("ffprobe version"), "{versions:?}");
			let missing = Tools { ffmpeg: "/nonexistent/ffmpeg".into(), ..Tools::default() };
			let error = missing.check().await.unwrap_err();
			assert!(matches!(error, MediaError::Spawn { .. }), "{error}");
			assert!(error.to_string().contains("/nonexistent/ffmpeg"), "{error}");
			let typo = Tools { x264_preset_small: "very fast".into(), ..Tools::default() };
			let error = typo.check().await.unwrap_err();
			assert!(matches!(error, MediaError::UnknownPreset(_)), "{error}");
		})
		.await
	}

	/// Whether a process whose command line holds `marker` is running.
	fn running(marker: &str) -> bool {
		std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
			std::fs::read(entry.path().join("cmdline"))
				.is_ok_and(|line| line.windows(marker.len()).any(|w| w == marker.as_bytes()))
		})
	}

	#[tokio::test]
	async fn a_tool_past_its_limit_is_killed() {
		bounded(async {
			// An endless input, marked so the process can be found.
			let marker = format!("pop-media-limit-{}", std::process::id());
			let arguments = args([
				"-nostdin",
				"-re",
				"-f",
				"lavfi",
				"-i",
				"testsrc=size=32x32:rate=5",
				"-metadata",
				&format!("title={marker}"),
				"-f",
				"null",
				"-",
			]);
			let started = Instant::now();
			let limit = Duration::from_secs(2);
			let error = process::run(Path::new("ffmpeg"), &arguments, Some(limit), |_| Ok(()))
				.await
				.unwrap_err();
			assert!(matches!(error, MediaError::TimedOut { .. }), "{error}");
			assert!(started.elapsed() < Duration::from_secs(10));
			// kill_on_drop sends SIGKILL; the reaper may take a moment.
			let deadline = Instant::now() + Duration::from_secs(10);
			while running(&marker) {
				assert!(Instant::now() < deadline, "ffmpeg still runs after its limit");
				tokio::time::sleep(Duration::from_millis(100)).await;
			}
		})
		.await
	}
}
