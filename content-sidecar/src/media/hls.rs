//! HLS playlists over fragmented MP4 renditions (RFC 8216, version 7): a master playlist
//! listing the renditions, and per rendition a media playlist whose init section and segments
//! are byte ranges (`EXT-X-MAP` and `EXT-X-BYTERANGE`) of the one stored file, so every request
//! a player makes is a Range read of a content item.
//!
//! Values that reach a playlist from outside (the chain's codecs string, URIs) are written so
//! they cannot break a line or a quoted attribute: URIs are percent-encoded where they could,
//! and a `CODECS` value with characters RFC 6381 does not use is left out.

use super::fmp4::FragmentIndex;
use std::{borrow::Cow, fmt::Write};

/// One rendition in a master playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
	/// Its media playlist's URI.
	pub uri: String,
	/// Peak bits per second (`BANDWIDTH`).
	pub bandwidth: u32,
	/// Average bits per second (`AVERAGE-BANDWIDTH`), if known.
	pub average_bandwidth: Option<u32>,
	/// Picture width.
	pub width: u32,
	/// Picture height.
	pub height: u32,
	/// RFC 6381 codecs (`avc1.64001f,mp4a.40.2`).
	pub codecs: String,
	/// Frames per second, if known.
	pub frame_rate: Option<f64>,
}

/// The master playlist of `variants`, in the order given (players start with the first).
pub fn master_playlist(variants: &[Variant]) -> String {
	let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
	for variant in variants {
		let _ = write!(out, "#EXT-X-STREAM-INF:BANDWIDTH={}", variant.bandwidth);
		if let Some(average) = variant.average_bandwidth {
			let _ = write!(out, ",AVERAGE-BANDWIDTH={average}");
		}
		if let Some(codecs) = codecs_attribute(&variant.codecs) {
			let _ = write!(out, ",CODECS=\"{codecs}\"");
		}
		let _ = write!(out, ",RESOLUTION={}x{}", variant.width, variant.height);
		if let Some(rate) = variant.frame_rate.filter(|r| r.is_finite() && *r > 0.0) {
			let _ = write!(out, ",FRAME-RATE={rate:.3}");
		}
		let _ = writeln!(out, "\n{}", uri(&variant.uri));
	}
	out
}

/// The media playlist of the rendition at `content_uri` whose fragments `index` lists: a VOD
/// playlist of byte ranges of that one resource.
pub fn media_playlist(content_uri: &str, index: &FragmentIndex) -> String {
	let content_uri = uri(content_uri);
	let mut out = format!(
		"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:0\n\
		 #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n\
		 #EXT-X-MAP:URI=\"{content_uri}\",BYTERANGE=\"{}@{}\"\n",
		target_duration(index),
		index.init.end - index.init.start,
		index.init.start,
	);
	for segment in &index.segments {
		let _ = write!(
			out,
			"#EXTINF:{:.5},\n#EXT-X-BYTERANGE:{}@{}\n{content_uri}\n",
			segment.duration_secs,
			segment.range.end - segment.range.start,
			segment.range.start,
		);
	}
	out.push_str("#EXT-X-ENDLIST\n");
	out
}

/// `EXT-X-TARGETDURATION`: the longest segment, rounded up to whole seconds (at least 1).
pub fn target_duration(index: &FragmentIndex) -> u64 {
	let longest = index.segments.iter().map(|s| s.duration_secs).fold(0.0, f64::max);
	(longest.ceil() as u64).max(1)
}

/// `BANDWIDTH` as RFC 8216 defines it: the highest bit rate of any run of consecutive segments
/// lasting between half and one and a half target durations, so a short last segment counts
/// with the one before it rather than alone.
pub fn peak_bandwidth(index: &FragmentIndex) -> u32 {
	let target = target_duration(index) as f64;
	let segments = &index.segments;
	let mut peak = 0.0_f64;
	for first in 0..segments.len() {
		let (mut bytes, mut secs) = (0u64, 0.0);
		for segment in &segments[first..] {
			bytes += segment.range.end - segment.range.start;
			secs += segment.duration_secs;
			if secs > 1.5 * target {
				break;
			}
			if secs >= 0.5 * target {
				peak = peak.max(bytes as f64 * 8.0 / secs);
			}
		}
	}
	if peak == 0.0 {
		// Too short for any such run: the whole file's rate.
		peak = f64::from(average_bandwidth(index));
	}
	peak.ceil().min(f64::from(u32::MAX)) as u32
}

/// `AVERAGE-BANDWIDTH`: the segments' bytes over their duration, in bits per second.
pub fn average_bandwidth(index: &FragmentIndex) -> u32 {
	let bytes: u64 = index.segments.iter().map(|s| s.range.end - s.range.start).sum();
	let secs = index.duration_secs();
	if secs <= 0.0 {
		return 0;
	}
	(bytes as f64 * 8.0 / secs).ceil().min(f64::from(u32::MAX)) as u32
}

/// A URI as a playlist line or quoted attribute: spaces, control characters and `"` are
/// percent-encoded, so nothing can end the line or the quotes early.
fn uri(text: &str) -> Cow<'_, str> {
	let unsafe_byte = |b: u8| b <= b' ' || b == 0x7f || b == b'"';
	if !text.bytes().any(unsafe_byte) {
		return Cow::Borrowed(text);
	}
	let mut out = String::with_capacity(text.len() + 8);
	for c in text.chars() {
		match u8::try_from(c) {
			Ok(b) if unsafe_byte(b) => {
				let _ = write!(out, "%{b:02X}");
			}
			_ => out.push(c),
		}
	}
	Cow::Owned(out)
}

/// The `CODECS` value if it uses only RFC 6381's characters (letters, digits, `.`, `,`, `+`,
/// `-`, `_`); anything else (it comes from the chain) is left out, and players probe instead.
fn codecs_attribute(codecs: &str) -> Option<&str> {
	let allowed = |c: char| c.is_ascii_alphanumeric() || ".,+-_".contains(c);
	(!codecs.is_empty() && codecs.chars().all(allowed)).then_some(codecs)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::media::{
		fmp4::Segment,
		samples::{bounded, ffprobe, ladder},
		transcode::read_index,
	};

	fn index(durations: &[f64], sizes: &[u64]) -> FragmentIndex {
		let mut start = 700;
		let segments = durations
			.iter()
			.zip(sizes)
			.map(|(&duration_secs, &size)| {
				let range = start..start + size;
				start += size;
				Segment { range, start_secs: 0.0, duration_secs }
			})
			.collect();
		FragmentIndex {
			init: 0..700,
			timescale: 15360,
			segments,
			video_codec: "avc1.64001f".into(),
			audio_codec: Some("mp4a.40.2".into()),
		}
	}

	#[test]
	fn media_playlist_lists_every_range_of_the_file() {
		let index = index(&[2.0, 2.0, 0.5], &[1000, 3000, 200]);
		assert_eq!(
			media_playlist("/content/0xab", &index),
			"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n\
			 #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n\
			 #EXT-X-MAP:URI=\"/content/0xab\",BYTERANGE=\"700@0\"\n\
			 #EXTINF:2.00000,\n#EXT-X-BYTERANGE:1000@700\n/content/0xab\n\
			 #EXTINF:2.00000,\n#EXT-X-BYTERANGE:3000@1700\n/content/0xab\n\
			 #EXTINF:0.50000,\n#EXT-X-BYTERANGE:200@4700\n/content/0xab\n\
			 #EXT-X-ENDLIST\n"
		);
	}

	#[test]
	fn bandwidth_is_the_peak_over_runs_near_the_target_duration() {
		// 2-second segments of 1000 and 3000 bytes, then half a second of 2000 bytes: alone
		// that would be 32,000 bit/s, but it counts with the one before (5000 bytes in 2.5 s).
		let index = index(&[2.0, 2.0, 0.5], &[1000, 3000, 2000]);
		assert_eq!(target_duration(&index), 2);
		assert_eq!(peak_bandwidth(&index), 16_000);
		assert_eq!(average_bandwidth(&index), 10_667);
		// One short segment: no run reaches half the target, so the average.
		let short = self::index(&[0.4], &[1000]);
		assert_eq!(peak_bandwidth(&short), 20_000);
	}

	#[test]
	fn master_playlist_describes_each_variant() {
		let variant = |uri: &str, height, codecs: &str| Variant {
			uri: uri.into(),
			bandwidth: 3_000_000,
			average_bandwidth: Some(2_000_000),
			width: height * 16 / 9,
			height,
			codecs: codecs.into(),
			frame_rate: Some(30.0),
		};
		let text = master_playlist(&[
			variant("720.m3u8", 720, "avc1.64001f,mp4a.40.2"),
			variant("a b\"\n#EXT-X-ENDLIST", 360, "avc1\"\n#EVIL"),
		]);
		assert_eq!(
			text,
			"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\
			 #EXT-X-STREAM-INF:BANDWIDTH=3000000,AVERAGE-BANDWIDTH=2000000,\
			 CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000\n720.m3u8\n\
			 #EXT-X-STREAM-INF:BANDWIDTH=3000000,AVERAGE-BANDWIDTH=2000000,\
			 RESOLUTION=640x360,FRAME-RATE=30.000\na%20b%22%0A#EXT-X-ENDLIST\n"
		);
	}

	#[tokio::test]
	async fn playlists_of_real_renditions_cover_them_and_add_up_to_their_duration() {
		bounded(async {
			let ladder = ladder().await;
			let mut variants = Vec::new();
			for rendition in &ladder.transcoded.renditions {
				let path = rendition.path.to_str().unwrap();
				let file_len = std::fs::metadata(path).unwrap().len();
				let index = read_index(rendition.path.clone()).await.unwrap();
				let uri = format!("/content/{}p", rendition.height);
				let text = media_playlist(&uri, &index);
				let lines: Vec<_> = text.lines().collect();
				assert_eq!(lines[..2], ["#EXTM3U", "#EXT-X-VERSION:7"], "{path}");
				assert!(lines.contains(&"#EXT-X-TARGETDURATION:2"), "{path}");
				assert!(lines.contains(&"#EXT-X-PLAYLIST-TYPE:VOD"), "{path}");
				assert_eq!(lines.last(), Some(&"#EXT-X-ENDLIST"), "{path}");
				let map = format!("#EXT-X-MAP:URI=\"{uri}\",BYTERANGE=\"{}@0\"", index.init.end);
				assert!(lines.contains(&map.as_str()), "{path}");
				// Every segment: EXTINF, its byte range, the URI; the ranges follow the init
				// section without a gap and end with the file.
				let (mut next, mut total) = (index.init.end, 0.0);
				let mut segments = 0;
				for (i, line) in lines.iter().enumerate() {
					let Some(extinf) = line.strip_prefix("#EXTINF:") else { continue };
					total += extinf.trim_end_matches(',').parse::<f64>().unwrap();
					let range = lines[i + 1].strip_prefix("#EXT-X-BYTERANGE:").unwrap();
					let (len, at) = range.split_once('@').unwrap();
					assert_eq!(at.parse::<u64>().unwrap(), next, "{path}: segment {segments}");
					next += len.parse::<u64>().unwrap();
					assert_eq!(lines[i + 2], uri);
					segments += 1;
				}
				assert_eq!((segments, next), (index.segments.len(), file_len), "{path}");
				let duration = ffprobe(&[
					"-select_streams",
					"v:0",
					"-show_entries",
					"stream=duration",
					"-of",
					"csv=p=0",
					path,
				])
				.await;
				let duration: f64 = duration.trim().parse().unwrap();
				assert!((total - duration).abs() <= 0.1, "{path}: {total} s listed, {duration} s");
				variants.push(Variant {
					uri: format!("{}p.m3u8", rendition.height),
					bandwidth: rendition.bandwidth,
					average_bandwidth: Some(rendition.average_bandwidth),
					width: rendition.width,
					height: rendition.height,
					codecs: rendition.codecs.clone(),
					frame_rate: Some(30.0),
				});
			}
			let master = master_playlist(&variants);
			assert_eq!(master.matches("#EXT-X-STREAM-INF:").count(), 4);
			let first = &ladder.transcoded.renditions[0];
			let expected = format!(
				"#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\",\
				 RESOLUTION=1280x720,FRAME-RATE=30.000\n720p.m3u8\n",
				first.bandwidth, first.average_bandwidth, first.codecs
			);
			assert!(master.contains(&expected), "{master}");
		})
		.await
	}
}
