//! The adaptive bitrate ladder: which renditions a source gets, at what size and bitrate.
//!
//! Rungs are named by their shorter side, so a portrait phone video gets the same ladder as a
//! landscape one: the source's own size (when it is not a step), then every step below it
//! among [`STEPS`]. Nothing is upscaled; a source smaller than the last step gets one rung at
//! its own size. Every dimension is even, as 4:2:0 H.264 needs, and the aspect ratio is kept.

use super::Probe;

/// The usual steps, by shorter side, largest first.
pub const STEPS: [u32; 5] = [1080, 720, 480, 360, 240];

/// Peak video bitrate (kbit/s) at 30 frames per second, by shorter side; between two points it
/// is interpolated, above the last it grows with the area.
const VIDEO_KBPS: [(u32, u32); 7] =
	[(240, 400), (360, 800), (480, 1400), (720, 2800), (1080, 5000), (1440, 8000), (2160, 14000)];
/// Frame rates above this get [`HIGH_RATE_FACTOR`] times the bitrate (48, 50, 60 fps).
const HIGH_RATE: f64 = 40.0;
/// More frames need more bits, though not twice as many for twice the frames.
const HIGH_RATE_FACTOR: f64 = 1.5;

/// One rendition to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
	/// Picture width, even.
	pub width: u32,
	/// Picture height, even.
	pub height: u32,
	/// The video's peak bitrate (kbit/s): the encoder's `-maxrate`.
	pub video_kbps: u32,
	/// The audio's bitrate (kbit/s), if the source has sound.
	pub audio_kbps: u32,
}

/// The renditions `probe`'s video gets, largest first.
pub fn ladder(probe: &Probe) -> Vec<Rung> {
	let short = probe.width.min(probe.height);
	let own = even(short);
	let sides = (!STEPS.contains(&own)).then_some(own);
	let steps = STEPS.into_iter().filter(|&step| step <= own);
	sides.into_iter().chain(steps).map(|side| rung(probe, short, side)).collect()
}

/// The rung whose shorter side is `side`, for a source whose shorter side is `short`.
fn rung(probe: &Probe, short: u32, side: u32) -> Rung {
	let long = probe.width.max(probe.height);
	let other = even_nearest(f64::from(side) * f64::from(long) / f64::from(short));
	let (width, height) = if probe.width >= probe.height { (other, side) } else { (side, other) };
	let rate = if probe.frame_rate > HIGH_RATE { HIGH_RATE_FACTOR } else { 1.0 };
	Rung {
		width,
		height,
		video_kbps: (f64::from(video_kbps(side)) * rate).round() as u32,
		audio_kbps: if side >= 720 { 128 } else { 96 },
	}
}

/// [`VIDEO_KBPS`] at shorter side `side`.
fn video_kbps(side: u32) -> u32 {
	let (first, last) = (VIDEO_KBPS[0], VIDEO_KBPS[VIDEO_KBPS.len() - 1]);
	let scaled = |(at, kbps): (u32, u32), power: i32| {
		(f64::from(kbps) * (f64::from(side) / f64::from(at)).powi(power)).round() as u32
	};
	if side <= first.0 {
		return scaled(first, 1).max(100);
	}
	if side >= last.0 {
		return scaled(last, 2);
	}
	let upper = VIDEO_KBPS.iter().position(|&(at, _)| at >= side).unwrap_or(VIDEO_KBPS.len() - 1);
	let ((a, ka), (b, kb)) = (VIDEO_KBPS[upper - 1], VIDEO_KBPS[upper]);
	let t = f64::from(side - a) / f64::from(b - a);
	(f64::from(ka) + t * (f64::from(kb) - f64::from(ka))).round() as u32
}

/// The size of `probe`'s picture scaled to `height` (rounded down to even), aspect kept.
pub(super) fn fit(probe: &Probe, height: u32) -> (u32, u32) {
	let height = even(height);
	(even_nearest(f64::from(height) * f64::from(probe.width) / f64::from(probe.height)), height)
}

/// The even number nearest `x`, at least 2: 480 lines at 16:9 are 854 wide (853.3), not 852.
fn even_nearest(x: f64) -> u32 {
	(2 * (x / 2.0).round() as u32).max(2)
}

/// `n` rounded down to an even number, at least 2.
fn even(n: u32) -> u32 {
	(n & !1).max(2)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn source(width: u32, height: u32, frame_rate: f64) -> Probe {
		Probe {
			duration_ms: 10_000,
			width,
			height,
			frame_rate,
			video_codec: "h264".into(),
			audio_codec: Some("aac".into()),
			start_secs: 0.0,
		}
	}

	fn sizes(rungs: &[Rung]) -> Vec<(u32, u32)> {
		rungs.iter().map(|r| (r.width, r.height)).collect()
	}

	#[test]
	fn a_1080p_source_gets_the_five_steps() {
		let rungs = ladder(&source(1920, 1080, 30.0));
		assert_eq!(sizes(&rungs), [(1920, 1080), (1280, 720), (854, 480), (640, 360), (426, 240)]);
		let kbps: Vec<_> = rungs.iter().map(|r| (r.video_kbps, r.audio_kbps)).collect();
		assert_eq!(kbps, [(5000, 128), (2800, 128), (1400, 96), (800, 96), (400, 96)]);
	}

	#[test]
	fn a_source_between_steps_gets_its_own_rung_first_and_is_never_upscaled() {
		let rungs = ladder(&source(1600, 900, 30.0));
		assert_eq!(sizes(&rungs), [(1600, 900), (1280, 720), (854, 480), (640, 360), (426, 240)]);
		// Halfway between 720 (2800) and 1080 (5000).
		assert_eq!(rungs[0].video_kbps, 3900);
		let rungs = ladder(&source(3840, 2160, 30.0));
		assert_eq!(rungs.len(), 6);
		assert_eq!((rungs[0].width, rungs[0].height, rungs[0].video_kbps), (3840, 2160, 14000));
	}

	#[test]
	fn portrait_sources_are_laddered_by_their_width() {
		let rungs = ladder(&source(1080, 1920, 30.0));
		assert_eq!(sizes(&rungs), [(1080, 1920), (720, 1280), (480, 854), (360, 640), (240, 426)]);
	}

	#[test]
	fn odd_and_tiny_sources_give_even_sizes() {
		// An odd height is rounded down (575 to 574), the width to the nearest even number
		// (574 * 767 / 575 = 765.7 to 766).
		let rungs = ladder(&source(767, 575, 25.0));
		assert_eq!(sizes(&rungs), [(766, 574), (640, 480), (480, 360), (320, 240)]);
		let rungs = ladder(&source(177, 101, 25.0));
		assert_eq!(sizes(&rungs), [(176, 100)]);
		assert_eq!(rungs[0].video_kbps, 167);
		assert!(rungs.iter().all(|r| r.width % 2 == 0 && r.height % 2 == 0));
		assert_eq!(sizes(&ladder(&source(1, 1, 25.0))), [(2, 2)]);
	}

	#[test]
	fn high_frame_rates_get_more_bits() {
		let rungs = ladder(&source(1280, 720, 60.0));
		assert_eq!(rungs[0].video_kbps, 4200);
		assert_eq!(ladder(&source(1280, 720, 30.0))[0].video_kbps, 2800);
	}
}
