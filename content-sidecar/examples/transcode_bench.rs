//! Transcoding speed and output for `scripts/media-benchmark.sh`; not part of the daemon.
//!
//! ```text
//! transcode_bench <source> <work dir> <large rungs' preset>/<small rungs' preset>...
//!     for each pair of libx264 presets in turn, transcodes <source> with `media::transcode`
//!     into <work dir>/<n> and prints one line of JSON: wall and CPU seconds, times real time,
//!     the share of the machine other work took, and per rendition its size, bytes per minute,
//!     bandwidths, codecs and the PSNR of its middle segment against the source
//!     (`media::spot_check`, not timed)
//! ```

use pop_sidecar::media::{self, FragmentIndex, Tools};
use serde_json::json;
use std::{error::Error, fs::File, path::Path, process::ExitCode, time::Instant};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let result =
		match args.as_slice() {
			[source, work, presets @ ..] if !presets.is_empty() => {
				run(Path::new(source), Path::new(work), presets).await
			}
			_ => Err("usage: transcode_bench <source> <work dir> <large preset>/<small preset>..."
				.into()),
		};
	match result {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("transcode_bench: {error}");
			ExitCode::FAILURE
		}
	}
}

async fn run(source: &Path, work: &Path, presets: &[String]) -> Result<()> {
	let mut tools = Tools::default();
	let probe = media::probe(&tools, source).await?;
	let source_seconds = probe.duration_ms as f64 / 1000.0;
	for (n, preset) in presets.iter().enumerate() {
		let (large, small) = preset.split_once('/').ok_or("presets come as <large>/<small>")?;
		(tools.x264_preset_large, tools.x264_preset_small) = (large.into(), small.into());
		tools.check().await?;
		let out = work.join(n.to_string());
		let cpu_before = children_cpu_seconds();
		let machine_before = machine_seconds()?;
		let started = Instant::now();
		let transcoded = media::transcode(&tools, source, &out, &probe, |_| {}).await?;
		let wall_seconds = started.elapsed().as_secs_f64();
		let cpu_seconds = children_cpu_seconds() - cpu_before;
		let (busy, total) = machine_seconds()?;
		let (busy, total) = (busy - machine_before.0, total - machine_before.1);
		// CPU time of the whole machine that went to neither ffmpeg nor this process's
		// waiting, as a share of all cores' time: other work competing for the cores.
		let other_pct = 100.0 * (busy - cpu_seconds).max(0.0) / total;
		let mut renditions = Vec::new();
		for rendition in &transcoded.renditions {
			let file = File::open(&rendition.path)?;
			let bytes = file.metadata()?.len();
			let index = FragmentIndex::read(file, bytes)?;
			let middle = index.segments.len() / 2;
			let psnr_db =
				media::spot_check(&tools, source, &rendition.path, &index, middle).await?;
			renditions.push(json!({
				"width": rendition.width,
				"height": rendition.height,
				"bytes": bytes,
				"bytes_per_minute": bytes as f64 * 60.0 / index.duration_secs(),
				"bandwidth": rendition.bandwidth,
				"average_bandwidth": rendition.average_bandwidth,
				"codecs": rendition.codecs,
				"segments": index.segments.len(),
				"psnr_db": psnr_db,
			}));
		}
		let line = json!({
			"preset": preset,
			"source_seconds": source_seconds,
			"source_width": probe.width,
			"source_height": probe.height,
			"source_frame_rate": probe.frame_rate,
			"duration_ms": transcoded.duration_ms,
			"wall_seconds": wall_seconds,
			"cpu_seconds": cpu_seconds,
			"other_pct": other_pct,
			"times_real_time": source_seconds / wall_seconds,
			"poster_bytes": std::fs::metadata(&transcoded.poster)?.len(),
			"renditions": renditions,
		});
		println!("{line}");
		eprintln!(
			"transcode_bench: {preset}: {wall_seconds:.1} s wall, {:.2}x real time, \
			 {cpu_seconds:.0} s CPU, other work {other_pct:.0}%",
			source_seconds / wall_seconds
		);
	}
	Ok(())
}

/// Busy and total CPU seconds of the whole machine so far, all cores, from `/proc/stat`.
fn machine_seconds() -> Result<(f64, f64)> {
	let stat = std::fs::read_to_string("/proc/stat")?;
	let ticks: Vec<f64> = stat
		.lines()
		.next()
		.and_then(|line| line.strip_prefix("cpu "))
		.ok_or("no cpu line in /proc/stat")?
		.split_whitespace()
		.take(8)
		.map(str::parse)
		.collect::<std::result::Result<_, _>>()?;
	let total: f64 = ticks.iter().sum();
	// Fields: user nice system idle iowait irq softirq steal.
	let idle = ticks[3] + ticks[4];
	// SAFETY: sysconf only reads a setting.
	let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
	Ok(((total - idle) / hz, total / hz))
}

/// User and system CPU seconds of this process's children that have ended (ffmpeg).
fn children_cpu_seconds() -> f64 {
	// SAFETY: getrusage only writes the struct it is given.
	let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
	unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
	let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
	seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
