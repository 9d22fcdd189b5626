//! Sample videos for the media tests, generated with ffmpeg's test sources (never downloaded),
//! and the ladder transcoded once from one of them and shared by the tests that read it.

use super::{transcode, Probe, Tools, Transcoded};
use std::{
	future::Future,
	path::{Path, PathBuf},
	process::Stdio,
	sync::OnceLock,
	time::Duration,
};
use tokio::{process::Command, sync::OnceCell};

/// How long one test may take: ffmpeg shares two cores with builds and other tests.
pub const TEST_LIMIT: Duration = Duration::from_secs(600);

/// Runs a test body, failing it if it takes longer than [`TEST_LIMIT`].
pub async fn bounded<T>(body: impl Future<Output = T>) -> T {
	tokio::time::timeout(TEST_LIMIT, body).await.expect("the test took too long")
}

/// The tools from `PATH`.
pub fn tools() -> Tools {
	Tools::default()
}

/// A directory for this test process's samples, removed when the process exits.
pub fn dir() -> &'static Path {
	static DIR: OnceLock<PathBuf> = OnceLock::new();
	DIR.get_or_init(|| {
		let dir = tempfile::Builder::new().prefix("pop-media-tests-").tempdir().unwrap();
		extern "C" fn remove() {
			if let Some(dir) = DIR.get() {
				let _ = std::fs::remove_dir_all(dir);
			}
		}
		// The samples are shared by every test, so they go when the process does.
		unsafe { libc::atexit(remove) };
		dir.into_path()
	})
}

/// Runs ffmpeg quietly with `args`, panicking with its messages if it fails.
pub async fn ffmpeg(args: &[&str]) {
	let output = Command::new("ffmpeg")
		.args(["-hide_banner", "-nostdin", "-v", "error", "-y"])
		.args(args)
		.stdin(Stdio::null())
		.kill_on_drop(true)
		.output()
		.await
		.expect("ffmpeg runs");
	assert!(
		output.status.success(),
		"ffmpeg {args:?}: {}",
		String::from_utf8_lossy(&output.stderr)
	);
}

/// Runs ffprobe with `args` and returns what it prints.
pub async fn ffprobe(args: &[&str]) -> String {
	let output = Command::new("ffprobe")
		.args(["-hide_banner", "-v", "error"])
		.args(args)
		.stdin(Stdio::null())
		.kill_on_drop(true)
		.output()
		.await
		.expect("ffprobe runs");
	assert!(
		output.status.success(),
		"ffprobe {args:?}: {}",
		String::from_utf8_lossy(&output.stderr)
	);
	String::from_utf8(output.stdout).unwrap()
}

/// `name` in the samples directory, made by ffmpeg with `args` (the output last) the first
/// time `cell`'s sample is asked for in this process.
pub async fn sample(cell: &'static OnceCell<PathBuf>, name: &str, args: &[&str]) -> PathBuf {
	cell.get_or_init(|| async {
		let path = dir().join(name);
		let mut all = args.to_vec();
		all.push(path.to_str().unwrap());
		ffmpeg(&all).await;
		path
	})
	.await
	.clone()
}

/// Five seconds of 1280x720 at 30 fps (`testsrc2`) with a 440 Hz tone, in H.264/AAC MP4.
pub async fn source_720p() -> PathBuf {
	static CELL: OnceCell<PathBuf> = OnceCell::const_new();
	#[rustfmt::skip]
	let args = [
		"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", "5", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
		"-c:a", "aac",
	];
	sample(&CELL, "source-720p.mp4", &args).await
}

/// The ladder of [`source_720p`], transcoded once per test process.
pub struct Ladder {
	/// The source.
	pub source: PathBuf,
	/// What ffprobe says of it.
	pub probe: Probe,
	/// The renditions and poster.
	pub transcoded: Transcoded,
	/// Every progress report, in order.
	pub progress: Vec<f64>,
}

/// The shared [`Ladder`].
pub async fn ladder() -> &'static Ladder {
	static LADDER: OnceCell<Ladder> = OnceCell::const_new();
	LADDER
		.get_or_init(|| async {
			let source = source_720p().await;
			let tools = tools();
			let probe = super::probe(&tools, &source).await.unwrap();
			let mut progress = Vec::new();
			let out = dir().join("ladder");
			let transcoded =
				transcode(&tools, &source, &out, &probe, |p| progress.push(p)).await.unwrap();
			Ladder { source, probe, transcoded, progress }
		})
		.await
}
