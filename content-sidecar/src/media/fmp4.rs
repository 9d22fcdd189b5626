//! The fragment index of a fragmented MP4 (ISO BMFF) file: where its init section and its media
//! segments lie, how long each segment plays, and its codecs, read from box headers and the
//! small boxes that describe the samples (`moov`, `moof`); media data (`mdat`) is skipped, never
//! read.
//!
//! HLS serves a rendition as byte ranges of one stored file, so the playlist needs exactly this
//! and nothing else; a full MP4 crate would parse far more of a file that may be hostile (a
//! rendition replicated from another sidecar). This walker is small, allocates at most
//! [`MAX_INLINE_BOX`] per box read plus one [`Segment`] per segment, reads at most
//! [`MAX_BOXES`] boxes and [`MAX_SEGMENTS`] segments, and returns an error rather than panic on
//! any input. It never recurses: it looks for boxes along fixed paths (`moov/trak/mdia/hdlr`,
//! ...), so no nesting of boxes takes it deeper, and every box is bounded by its parent.
//!
//! Layout expected (what `ffmpeg -movflags +frag_keyframe+delay_moov` writes, and CMAF):
//! `ftyp`, anything, `moov` (with `mvex`), then fragments: optional `styp`/`sidx`/`prft`/`emsg`
//! boxes, a `moof`, its `mdat`. A segment runs from the end of the previous one (or of `moov`)
//! to the end of the last `mdat` before the next `moof` that carries video, so the init section
//! and the segments cover the file without gaps up to the last `mdat`; boxes after it (`mfra`)
//! belong to no segment. A `moof` without video (audio written in a separate fragment) joins the
//! segment it follows.

use std::{
	io::{self, Read, Seek, SeekFrom},
	ops::Range,
};

/// Most boxes read from one file, at every depth together: a 2-second segment takes about ten.
pub const MAX_BOXES: usize = 2_000_000;
/// Most segments in one file: 55 hours of 2-second segments.
pub const MAX_SEGMENTS: usize = 100_000;
/// Largest `moov` or `moof` read into memory; a fragmented file's are a few KiB.
pub const MAX_INLINE_BOX: u64 = 16 << 20;

/// Why a file's fragment index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Fmp4Error {
	/// Reading the file failed (or it is shorter than its given length).
	#[error("reading the file: {0}")]
	Io(#[from] io::Error),
	/// The file does not start with an `ftyp` box.
	#[error("not an ISO BMFF file: it starts with {0:?}, not an ftyp box")]
	NotIsoBmff(String),
	/// A box header is cut off, or a box's contents end before its fields do.
	#[error("{0} is truncated")]
	Truncated(&'static str),
	/// A box's size is under its header's, or reaches past its parent or the file.
	#[error("box {kind:?} at byte {at} has a bad size {size}")]
	BadSize {
		/// The box's type.
		kind: String,
		/// Its offset from the start of the file, or of its parent's contents.
		at: u64,
		/// The size its header gives.
		size: u64,
	},
	/// A `moov` or `moof` larger than [`MAX_INLINE_BOX`].
	#[error("box {kind:?} of {size} bytes is larger than the {MAX_INLINE_BOX} read")]
	TooLarge {
		/// The box's type.
		kind: &'static str,
		/// Its size.
		size: u64,
	},
	/// More than [`MAX_BOXES`] boxes or [`MAX_SEGMENTS`] segments.
	#[error("too many {0}")]
	TooMany(&'static str),
	/// The file is not fragmented: no `moov` before its media, no `mvex`, or no `moof`.
	#[error("not a fragmented MP4: {0}")]
	NotFragmented(&'static str),
	/// The file has no video track, or its description is unusable.
	#[error("no usable video track: {0}")]
	NoVideo(&'static str),
	/// A field holds a value the format does not allow.
	#[error("{0}")]
	Invalid(&'static str),
}

/// One media segment: a run of boxes ending with the `mdat` of a fragment with video.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
	/// Its bytes in the file: from the end of the previous segment (or of the init section) to
	/// the end of its last `mdat`, so any `styp` or `sidx` before its `moof` is inside.
	pub range: Range<u64>,
	/// Decode time of its first video sample (`tfdt`), in seconds.
	pub start_secs: f64,
	/// Sum of its video samples' durations, in seconds.
	pub duration_secs: f64,
}

/// Where a fragmented MP4's init section and segments lie, and what they hold.
#[derive(Debug, Clone, PartialEq)]
pub struct FragmentIndex {
	/// The init section: from the start of the file to the end of `moov`.
	pub init: Range<u64>,
	/// Ticks per second of the video track.
	pub timescale: u32,
	/// The media segments, in file order.
	pub segments: Vec<Segment>,
	/// RFC 6381 name of the video codec (`avc1.64001f`), or the sample entry's type for
	/// codecs other than H.264.
	pub video_codec: String,
	/// RFC 6381 name of the audio codec (`mp4a.40.2`), if the file has sound.
	pub audio_codec: Option<String>,
}

impl FragmentIndex {
	/// Reads the index of the `len`-byte file `reader` (positioned anywhere).
	pub fn read(mut reader: impl Read + Seek, len: u64) -> Result<Self, Fmp4Error> {
		let mut budget = Budget { boxes: 0 };
		let mut pos = 0;
		let mut movie: Option<Movie> = None;
		let mut segments: Vec<Segment> = Vec::new();
		// The segment being built: its start, the end of its last mdat, its video ticks.
		let mut open: Option<Building> = None;
		while pos < len {
			let header = top_header(&mut reader, pos, len)?;
			budget.count()?;
			let end = pos + header.size;
			if pos == 0 && &header.kind != b"ftyp" {
				return Err(Fmp4Error::NotIsoBmff(fourcc(header.kind)));
			}
			match &header.kind {
				b"moov" => {
					if movie.is_some() {
						return Err(Fmp4Error::Invalid("a second moov box"));
					}
					let body = read_body(&mut reader, pos, &header, "moov")?;
					movie = Some(Movie::parse(&body, end, &mut budget)?);
				}
				b"moof" => {
					let movie =
						movie.as_ref().ok_or(Fmp4Error::NotFragmented("moof before moov"))?;
					let body = read_body(&mut reader, pos, &header, "moof")?;
					let fragment = movie.fragment(&body, &mut budget)?;
					match (open.as_mut(), fragment) {
						// Audio in a fragment of its own joins the segment it follows.
						(Some(building), None) => building.end = end,
						// Video after a fragment of audio only joins it too.
						(Some(building), Some((tfdt, ticks))) if !building.has_video => {
							building.take_video(tfdt, ticks);
							building.end = end;
						}
						(_, video) => {
							if let Some(done) = open.take() {
								done.finish(movie.timescale, &mut segments)?;
							}
							let start = segments.last().map_or(movie.init_end, |s| s.range.end);
							let mut building =
								Building { start, end, has_video: false, tfdt: 0, ticks: 0 };
							if let Some((tfdt, ticks)) = video {
								building.take_video(tfdt, ticks);
							}
							open = Some(building);
						}
					}
				}
				b"mdat" => match open.as_mut() {
					Some(building) => building.end = end,
					None if movie.is_none() => {
						return Err(Fmp4Error::NotFragmented("media before moov"))
					}
					None => return Err(Fmp4Error::Invalid("an mdat box before any moof")),
				},
				_ => {}
			}
			pos = end;
		}
		let movie = movie.ok_or(Fmp4Error::NotFragmented("no moov box"))?;
		if let Some(done) = open {
			done.finish(movie.timescale, &mut segments)?;
		}
		if segments.is_empty() {
			return Err(Fmp4Error::NotFragmented("no moof box"));
		}
		Ok(FragmentIndex {
			init: 0..movie.init_end,
			timescale: movie.timescale,
			segments,
			video_codec: movie.video_codec,
			audio_codec: movie.audio_codec,
		})
	}

	/// The `CODECS` value for HLS: video, then audio if any (`avc1.64001f,mp4a.40.2`).
	pub fn codecs(&self) -> String {
		match &self.audio_codec {
			Some(audio) => format!("{},{audio}", self.video_codec),
			None => self.video_codec.clone(),
		}
	}

	/// Total playing time of the segments, in seconds.
	pub fn duration_secs(&self) -> f64 {
		self.segments.iter().map(|s| s.duration_secs).sum()
	}
}

/// A segment being read: a `moof` with video opened it, and its `mdat`s extend it.
struct Building {
	/// Where it starts: the end of the previous segment or of the init section.
	start: u64,
	/// The end of its last box so far.
	end: u64,
	/// Whether a `moof` with video is in it yet.
	has_video: bool,
	/// The video's `tfdt`.
	tfdt: u64,
	/// The video's sample durations, summed.
	ticks: u64,
}

impl Building {
	/// Records the video of a `moof` in it.
	fn take_video(&mut self, tfdt: u64, ticks: u64) {
		self.has_video = true;
		self.tfdt = tfdt;
		self.ticks = ticks;
	}

	/// Adds the finished segment to `segments`.
	fn finish(self, timescale: u32, segments: &mut Vec<Segment>) -> Result<(), Fmp4Error> {
		if !self.has_video {
			return Err(Fmp4Error::NoVideo("a fragment holds no video sample"));
		}
		if segments.len() == MAX_SEGMENTS {
			return Err(Fmp4Error::TooMany("segments"));
		}
		let scale = f64::from(timescale);
		segments.push(Segment {
			range: self.start..self.end,
			start_secs: self.tfdt as f64 / scale,
			duration_secs: self.ticks as f64 / scale,
		});
		Ok(())
	}
}

/// Counts boxes against [`MAX_BOXES`].
struct Budget {
	/// Boxes read so far.
	boxes: usize,
}

impl Budget {
	/// Counts one more box.
	fn count(&mut self) -> Result<(), Fmp4Error> {
		self.boxes += 1;
		if self.boxes > MAX_BOXES {
			return Err(Fmp4Error::TooMany("boxes"));
		}
		Ok(())
	}
}

/// A box header read from the file.
struct Header {
	/// The box's type.
	kind: [u8; 4],
	/// The whole box, header included.
	size: u64,
	/// The header's length: 8, or 16 with a 64-bit size.
	header_len: u64,
}

/// Reads the header of the top-level box at `pos` of a `len`-byte file.
fn top_header(reader: &mut (impl Read + Seek), pos: u64, len: u64) -> Result<Header, Fmp4Error> {
	if len - pos < 8 {
		return Err(Fmp4Error::Truncated("a top-level box header"));
	}
	reader.seek(SeekFrom::Start(pos))?;
	let mut short = [0; 8];
	reader.read_exact(&mut short)?;
	let kind = [short[4], short[5], short[6], short[7]];
	let (size, header_len) = match u32::from_be_bytes([short[0], short[1], short[2], short[3]]) {
		0 => (len - pos, 8),
		1 => {
			if len - pos < 16 {
				return Err(Fmp4Error::Truncated("a 64-bit box header"));
			}
			let mut large = [0; 8];
			reader.read_exact(&mut large)?;
			(u64::from_be_bytes(large), 16)
		}
		size => (u64::from(size), 8),
	};
	if size < header_len || size > len - pos {
		return Err(Fmp4Error::BadSize { kind: fourcc(kind), at: pos, size });
	}
	Ok(Header { kind, size, header_len })
}

/// Reads the contents of the top-level box at `pos`, at most [`MAX_INLINE_BOX`] bytes.
fn read_body(
	reader: &mut (impl Read + Seek),
	pos: u64,
	header: &Header,
	kind: &'static str,
) -> Result<Vec<u8>, Fmp4Error> {
	if header.size > MAX_INLINE_BOX {
		return Err(Fmp4Error::TooLarge { kind, size: header.size });
	}
	reader.seek(SeekFrom::Start(pos + header.header_len))?;
	let mut body = vec![0; (header.size - header.header_len) as usize];
	reader.read_exact(&mut body)?;
	Ok(body)
}

/// A box type as text, `?` for bytes that are not printable ASCII.
fn fourcc(kind: [u8; 4]) -> String {
	kind.iter().map(|&b| if b.is_ascii_graphic() { b as char } else { '?' }).collect()
}

/// A box held in memory: its type and contents.
type InlineBox<'a> = ([u8; 4], &'a [u8]);

/// The child boxes of a box's contents held in memory, as `(type, contents)`.
struct Children<'a> {
	/// The parent's contents.
	data: &'a [u8],
	/// Where the next child starts.
	pos: usize,
}

impl<'a> Children<'a> {
	/// The children of the box whose contents are `data`.
	fn of(data: &'a [u8]) -> Self {
		Children { data, pos: 0 }
	}

	/// The next child, if any; a bad size is an error.
	fn next(&mut self, budget: &mut Budget) -> Result<Option<InlineBox<'a>>, Fmp4Error> {
		let rest = &self.data[self.pos..];
		if rest.is_empty() {
			return Ok(None);
		}
		budget.count()?;
		let mut fields = Fields::of(rest);
		let size = fields.u32("a box header")?;
		let kind = fields.array::<4>("a box header")?;
		let size = match size {
			0 => rest.len() as u64,
			1 => fields.u64("a 64-bit box header")?,
			size => u64::from(size),
		};
		let header_len = fields.pos as u64;
		if size < header_len || size > rest.len() as u64 {
			return Err(Fmp4Error::BadSize { kind: fourcc(kind), at: self.pos as u64, size });
		}
		let body = &rest[header_len as usize..size as usize];
		self.pos += size as usize;
		Ok(Some((kind, body)))
	}

	/// The contents of the first child of type `kind`, if any.
	fn find(
		data: &'a [u8],
		kind: &[u8; 4],
		budget: &mut Budget,
	) -> Result<Option<&'a [u8]>, Fmp4Error> {
		let mut children = Children::of(data);
		while let Some((found, body)) = children.next(budget)? {
			if &found == kind {
				return Ok(Some(body));
			}
		}
		Ok(None)
	}

	/// The contents of the box at `path` below `data` (first match at each level).
	fn find_path(
		data: &'a [u8],
		path: &[&[u8; 4]],
		budget: &mut Budget,
	) -> Result<Option<&'a [u8]>, Fmp4Error> {
		let mut here = data;
		for kind in path {
			match Children::find(here, kind, budget)? {
				Some(body) => here = body,
				None => return Ok(None),
			}
		}
		Ok(Some(here))
	}
}

/// Big-endian fields read from a box's contents; reading past the end is an error.
struct Fields<'a> {
	/// The box's contents.
	data: &'a [u8],
	/// Where the next field starts.
	pos: usize,
}

impl<'a> Fields<'a> {
	/// The fields of the box whose contents are `data`.
	fn of(data: &'a [u8]) -> Self {
		Fields { data, pos: 0 }
	}

	/// The next `n` bytes; `what` names the box in the error.
	fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Fmp4Error> {
		let end = self.pos.checked_add(n).filter(|&end| end <= self.data.len());
		let end = end.ok_or(Fmp4Error::Truncated(what))?;
		let bytes = &self.data[self.pos..end];
		self.pos = end;
		Ok(bytes)
	}

	/// The next `N` bytes.
	fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], Fmp4Error> {
		let mut out = [0; N];
		out.copy_from_slice(self.bytes(N, what)?);
		Ok(out)
	}

	/// The next byte.
	fn u8(&mut self, what: &'static str) -> Result<u8, Fmp4Error> {
		Ok(self.array::<1>(what)?[0])
	}

	/// The next big-endian `u16`.
	fn u16(&mut self, what: &'static str) -> Result<u16, Fmp4Error> {
		Ok(u16::from_be_bytes(self.array(what)?))
	}

	/// The next big-endian `u32`.
	fn u32(&mut self, what: &'static str) -> Result<u32, Fmp4Error> {
		Ok(u32::from_be_bytes(self.array(what)?))
	}

	/// The next big-endian `u64`.
	fn u64(&mut self, what: &'static str) -> Result<u64, Fmp4Error> {
		Ok(u64::from_be_bytes(self.array(what)?))
	}

	/// The version and flags of a full box.
	fn full_box(&mut self, what: &'static str) -> Result<(u8, u32), Fmp4Error> {
		let word = self.u32(what)?;
		Ok(((word >> 24) as u8, word & 0x00ff_ffff))
	}

	/// A 32-bit field in version 0 of a full box, 64-bit in version 1.
	fn versioned(&mut self, version: u8, what: &'static str) -> Result<u64, Fmp4Error> {
		if version == 1 {
			self.u64(what)
		} else {
			Ok(u64::from(self.u32(what)?))
		}
	}

	/// What is left after the fields read.
	fn rest(&self) -> &'a [u8] {
		&self.data[self.pos..]
	}
}

/// What `moov` says about the tracks.
struct Movie {
	/// The end of `moov`, and so of the init section.
	init_end: u64,
	/// The video track's id.
	video_track: u32,
	/// The video track's ticks per second.
	timescale: u32,
	/// The video track's default sample duration from `trex`.
	default_duration: u32,
	/// RFC 6381 name of the video codec.
	video_codec: String,
	/// RFC 6381 name of the audio codec, if any.
	audio_codec: Option<String>,
}

impl Movie {
	/// Reads the contents of `moov`, which ends at `init_end`.
	fn parse(moov: &[u8], init_end: u64, budget: &mut Budget) -> Result<Self, Fmp4Error> {
		let mut video: Option<(u32, u32, String)> = None;
		let mut audio_codec = None;
		let mut has_mvex = false;
		let mut children = Children::of(moov);
		while let Some((kind, body)) = children.next(budget)? {
			match &kind {
				b"mvex" => has_mvex = true,
				b"trak" => match track(body, budget)? {
					Track::Video { id, timescale, codec } if video.is_none() => {
						video = Some((id, timescale, codec))
					}
					Track::Audio { codec } if audio_codec.is_none() => audio_codec = Some(codec),
					_ => {}
				},
				_ => {}
			}
		}
		if !has_mvex {
			return Err(Fmp4Error::NotFragmented("moov has no mvex"));
		}
		let (video_track, timescale, video_codec) =
			video.ok_or(Fmp4Error::NoVideo("no video track in moov"))?;
		let default_duration = trex_duration(moov, video_track, budget)?.unwrap_or(0);
		Ok(Movie { init_end, video_track, timescale, default_duration, video_codec, audio_codec })
	}

	/// The video in a `moof`: `(tfdt, ticks)` of its video `traf`, if it has one.
	fn fragment(&self, moof: &[u8], budget: &mut Budget) -> Result<Option<(u64, u64)>, Fmp4Error> {
		let mut children = Children::of(moof);
		while let Some((kind, traf)) = children.next(budget)? {
			if &kind != b"traf" {
				continue;
			}
			let tfhd = Children::find(traf, b"tfhd", budget)?
				.ok_or(Fmp4Error::Invalid("a traf box without tfhd"))?;
			let mut fields = Fields::of(tfhd);
			let (_, flags) = fields.full_box("tfhd")?;
			if fields.u32("tfhd")? != self.video_track {
				continue;
			}
			// Optional fields in order: base data offset, sample description index, default
			// sample duration.
			if flags & 0x01 != 0 {
				fields.u64("tfhd")?;
			}
			if flags & 0x02 != 0 {
				fields.u32("tfhd")?;
			}
			let default =
				if flags & 0x08 != 0 { fields.u32("tfhd")? } else { self.default_duration };
			let tfdt = match Children::find(traf, b"tfdt", budget)? {
				Some(tfdt) => {
					let mut fields = Fields::of(tfdt);
					let (version, _) = fields.full_box("tfdt")?;
					fields.versioned(version, "tfdt")?
				}
				None => return Err(Fmp4Error::Invalid("a video traf box without tfdt")),
			};
			let mut ticks = 0u64;
			let mut runs = Children::of(traf);
			while let Some((kind, trun)) = runs.next(budget)? {
				if &kind == b"trun" {
					ticks = ticks.saturating_add(run_ticks(trun, default)?);
				}
			}
			return Ok(Some((tfdt, ticks)));
		}
		Ok(None)
	}
}

/// The summed sample durations of a `trun`, each its own or `default`.
fn run_ticks(trun: &[u8], default: u32) -> Result<u64, Fmp4Error> {
	let mut fields = Fields::of(trun);
	let (_, flags) = fields.full_box("trun")?;
	let count = u64::from(fields.u32("trun")?);
	if flags & 0x01 != 0 {
		fields.u32("trun data offset")?;
	}
	if flags & 0x04 != 0 {
		fields.u32("trun first sample flags")?;
	}
	// Per sample, in order: duration, size, flags, composition offset; 4 bytes each if present.
	let per_sample = 4 * u64::from((flags & 0xf00).count_ones());
	if per_sample.saturating_mul(count) > fields.rest().len() as u64 {
		return Err(Fmp4Error::Truncated("trun samples"));
	}
	if flags & 0x100 == 0 {
		return Ok(count * u64::from(default));
	}
	let mut ticks = 0u64;
	for sample in fields.rest().chunks_exact(per_sample as usize).take(count as usize) {
		ticks += u64::from(u32::from_be_bytes([sample[0], sample[1], sample[2], sample[3]]));
	}
	Ok(ticks)
}

/// The default sample duration `trex` gives the track `id`.
fn trex_duration(moov: &[u8], id: u32, budget: &mut Budget) -> Result<Option<u32>, Fmp4Error> {
	let mvex = Children::find(moov, b"mvex", budget)?.unwrap_or_default();
	let mut children = Children::of(mvex);
	while let Some((kind, trex)) = children.next(budget)? {
		if &kind != b"trex" {
			continue;
		}
		let mut fields = Fields::of(trex);
		fields.full_box("trex")?;
		if fields.u32("trex")? == id {
			fields.u32("trex")?;
			return Ok(Some(fields.u32("trex")?));
		}
	}
	Ok(None)
}

/// What a `trak` holds, as far as the index cares.
enum Track {
	/// A video track: its id, ticks per second and codec.
	Video { id: u32, timescale: u32, codec: String },
	/// A sound track and its codec.
	Audio { codec: String },
	/// Anything else (subtitles, timed metadata).
	Other,
}

/// What the `trak` whose contents are `trak` holds.
fn track(trak: &[u8], budget: &mut Budget) -> Result<Track, Fmp4Error> {
	let Some(hdlr) = Children::find_path(trak, &[b"mdia", b"hdlr"], budget)? else {
		return Ok(Track::Other);
	};
	let mut fields = Fields::of(hdlr);
	fields.full_box("hdlr")?;
	fields.u32("hdlr")?;
	let handler = fields.array::<4>("hdlr")?;
	match &handler {
		b"vide" => {
			let tkhd = Children::find(trak, b"tkhd", budget)?
				.ok_or(Fmp4Error::NoVideo("a video track without tkhd"))?;
			let mut fields = Fields::of(tkhd);
			let (version, _) = fields.full_box("tkhd")?;
			fields.versioned(version, "tkhd")?;
			fields.versioned(version, "tkhd")?;
			let id = fields.u32("tkhd")?;
			let mdhd = Children::find_path(trak, &[b"mdia", b"mdhd"], budget)?
				.ok_or(Fmp4Error::NoVideo("a video track without mdhd"))?;
			let mut fields = Fields::of(mdhd);
			let (version, _) = fields.full_box("mdhd")?;
			fields.versioned(version, "mdhd")?;
			fields.versioned(version, "mdhd")?;
			let timescale = fields.u32("mdhd")?;
			if timescale == 0 {
				return Err(Fmp4Error::NoVideo("the video track's timescale is 0"));
			}
			let (kind, body) = sample_entry(trak, budget)?;
			Ok(Track::Video { id, timescale, codec: video_codec(kind, body, budget)? })
		}
		b"soun" => {
			let (kind, body) = sample_entry(trak, budget)?;
			Ok(Track::Audio { codec: audio_codec(kind, body, budget)? })
		}
		_ => Ok(Track::Other),
	}
}

/// The type and contents of a track's first sample entry.
fn sample_entry<'a>(trak: &'a [u8], budget: &mut Budget) -> Result<([u8; 4], &'a [u8]), Fmp4Error> {
	let stsd = Children::find_path(trak, &[b"mdia", b"minf", b"stbl", b"stsd"], budget)?
		.ok_or(Fmp4Error::Invalid("a track without stsd"))?;
	let mut fields = Fields::of(stsd);
	fields.full_box("stsd")?;
	fields.u32("stsd")?;
	Children::of(fields.rest())
		.next(budget)?
		.ok_or(Fmp4Error::Invalid("an stsd box without entries"))
}

/// `avc1.PPCCLL` from an `avc1`/`avc3` sample entry's `avcC`; other entries by their type.
fn video_codec(kind: [u8; 4], entry: &[u8], budget: &mut Budget) -> Result<String, Fmp4Error> {
	if &kind != b"avc1" && &kind != b"avc3" {
		return Ok(fourcc(kind));
	}
	// A VisualSampleEntry's fields take 78 bytes before its child boxes.
	let mut fields = Fields::of(entry);
	fields.bytes(78, "a visual sample entry")?;
	let avcc = Children::find(fields.rest(), b"avcC", budget)?
		.ok_or(Fmp4Error::Invalid("an avc1 sample entry without avcC"))?;
	let mut fields = Fields::of(avcc);
	fields.u8("avcC")?;
	let [profile, compatibility, level] = fields.array::<3>("avcC")?;
	Ok(format!("{}.{profile:02x}{compatibility:02x}{level:02x}", fourcc(kind)))
}

/// `mp4a.40.N` (object type indication, then audio object type) from an `mp4a` sample entry's
/// `esds`; other entries by their type.
fn audio_codec(kind: [u8; 4], entry: &[u8], budget: &mut Budget) -> Result<String, Fmp4Error> {
	if &kind != b"mp4a" {
		return Ok(fourcc(kind));
	}
	// An AudioSampleEntry's fields take 28 bytes; QuickTime's versions 1 and 2 add 16 and 36.
	let mut fields = Fields::of(entry);
	fields.bytes(8, "an audio sample entry")?;
	let version = fields.u16("an audio sample entry")?;
	let extra = match version {
		0 => 0,
		1 => 16,
		2 => 36,
		_ => return Err(Fmp4Error::Invalid("an audio sample entry of unknown version")),
	};
	fields.bytes(18 + extra, "an audio sample entry")?;
	let esds = Children::find(fields.rest(), b"esds", budget)?
		.ok_or(Fmp4Error::Invalid("an mp4a sample entry without esds"))?;
	let mut fields = Fields::of(esds);
	fields.full_box("esds")?;
	// ES_Descriptor (tag 3): ES_ID, flags, and what the flags add.
	descriptor(&mut fields, 3)?;
	fields.u16("esds")?;
	let flags = fields.u8("esds")?;
	if flags & 0x80 != 0 {
		fields.u16("esds")?;
	}
	if flags & 0x40 != 0 {
		let url = fields.u8("esds")?;
		fields.bytes(url.into(), "esds")?;
	}
	if flags & 0x20 != 0 {
		fields.u16("esds")?;
	}
	// DecoderConfigDescriptor (tag 4): object type, then 12 bytes of stream type and rates.
	descriptor(&mut fields, 4)?;
	let object_type = fields.u8("esds")?;
	fields.bytes(12, "esds")?;
	if object_type != 0x40 {
		return Ok(format!("mp4a.{object_type:02X}"));
	}
	// DecoderSpecificInfo (tag 5): the AudioSpecificConfig, whose first 5 bits are the audio
	// object type (31 escapes to 32 plus the next 6 bits).
	descriptor(&mut fields, 5)?;
	let config = fields.u16("the AudioSpecificConfig")?;
	let mut audio_object_type = config >> 11;
	if audio_object_type == 31 {
		audio_object_type = 32 + ((config >> 5) & 0x3f);
	}
	Ok(format!("mp4a.40.{audio_object_type}"))
}

/// Reads an MPEG-4 descriptor's tag (which must be `tag`) and its length (1 to 4 bytes of 7
/// bits each).
fn descriptor(fields: &mut Fields, tag: u8) -> Result<(), Fmp4Error> {
	if fields.u8("esds")? != tag {
		return Err(Fmp4Error::Invalid("an esds box with an unexpected descriptor"));
	}
	for _ in 0..4 {
		if fields.u8("esds")? & 0x80 == 0 {
			return Ok(());
		}
	}
	Err(Fmp4Error::Invalid("an esds descriptor length longer than 4 bytes"))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::media::samples::{bounded, ffprobe, ladder};
	use std::io::Cursor;

	/// A box with a 32-bit size.
	fn bx(kind: &[u8; 4], parts: &[&[u8]]) -> Vec<u8> {
		let body = parts.concat();
		[&(8 + body.len() as u32).to_be_bytes()[..], kind, &body].concat()
	}

	/// A full box: version, flags, fields.
	fn full(kind: &[u8; 4], version: u8, flags: u32, parts: &[&[u8]]) -> Vec<u8> {
		let word = (u32::from(version) << 24 | flags).to_be_bytes();
		bx(kind, &[&word, &parts.concat()])
	}

	fn track(id: u32, handler: &[u8; 4], timescale: u32, entry: Vec<u8>) -> Vec<u8> {
		let tkhd = full(b"tkhd", 0, 3, &[&[0; 8], &id.to_be_bytes(), &[0; 68]]);
		let mdhd = full(b"mdhd", 0, 0, &[&[0; 8], &timescale.to_be_bytes(), &[0; 8]]);
		let hdlr = full(b"hdlr", 0, 0, &[&[0; 4], handler, &[0; 13]]);
		let stsd = full(b"stsd", 0, 0, &[&1u32.to_be_bytes(), &entry]);
		let stbl = bx(b"stbl", &[&stsd]);
		let minf = bx(b"minf", &[&stbl]);
		let mdia = bx(b"mdia", &[&mdhd, &hdlr, &minf]);
		bx(b"trak", &[&tkhd, &mdia])
	}

	fn avc1() -> Vec<u8> {
		let avcc = bx(b"avcC", &[&[1, 0x64, 0x00, 0x1f, 0xff, 0xe0, 0]]);
		bx(b"avc1", &[&[0; 78], &avcc])
	}

	fn mp4a() -> Vec<u8> {
		// ES_Descriptor, DecoderConfigDescriptor (AAC), DecoderSpecificInfo: AAC LC, 48 kHz,
		// stereo; lengths in the 4-byte form ffmpeg writes.
		let specific = [&[5u8, 0x80, 0x80, 0x80, 2][..], &[0x11, 0x90]].concat();
		let config = [&[4u8, 0x80, 0x80, 0x80, 20, 0x40, 0x15][..], &[0; 11], &specific].concat();
		let es = [&[3u8, 0x80, 0x80, 0x80, 32, 0, 1, 0][..], &config, &[6, 1, 2]].concat();
		let esds = full(b"esds", 0, 0, &[&es]);
		bx(b"mp4a", &[&[0; 28], &esds])
	}

	fn ftyp() -> Vec<u8> {
		bx(b"ftyp", &[b"iso5", &[0, 0, 2, 0], b"iso5iso6mp41"])
	}

	fn init(default_duration: u32, audio: bool) -> Vec<u8> {
		let trex = |id: u32, duration: u32| {
			full(
				b"trex",
				0,
				0,
				&[&id.to_be_bytes(), &[0, 0, 0, 1], &duration.to_be_bytes(), &[0; 8]],
			)
		};
		let mut mvex = trex(1, default_duration);
		let mut traks = track(1, b"vide", 15360, avc1());
		if audio {
			mvex.extend(trex(2, 1024));
			traks.extend(track(2, b"soun", 48000, mp4a()));
		}
		let moov =
			bx(b"moov", &[&full(b"mvhd", 0, 0, &[&[0; 96]]), &traks, &bx(b"mvex", &[&mvex])]);
		[ftyp(), moov].concat()
	}

	/// A `traf` for track `id` from `tfdt`: per-sample durations if given, else `count`
	/// samples of the defaults (from `tfhd` if `default` is given).
	fn traf(id: u32, tfdt: u64, durations: &[u32], count: u32, default: Option<u32>) -> Vec<u8> {
		let mut flags = 0x02_0000;
		let mut fields = id.to_be_bytes().to_vec();
		if let Some(default) = default {
			flags |= 0x08;
			fields.extend(default.to_be_bytes());
		}
		let tfhd = full(b"tfhd", 0, flags, &[&fields]);
		let tfdt = full(b"tfdt", 1, 0, &[&tfdt.to_be_bytes()]);
		let trun = if durations.is_empty() {
			full(b"trun", 0, 0x200, &[&count.to_be_bytes(), &vec![0; 4 * count as usize]])
		} else {
			let samples: Vec<u8> = durations
				.iter()
				.flat_map(|d| [d.to_be_bytes(), 100u32.to_be_bytes()])
				.flatten()
				.collect();
			full(b"trun", 0, 0x301, &[&(durations.len() as u32).to_be_bytes(), &[0; 4], &samples])
		};
		bx(b"traf", &[&tfhd, &tfdt, &trun])
	}

	fn moof(trafs: &[Vec<u8>]) -> Vec<u8> {
		bx(b"moof", &[&full(b"mfhd", 0, 0, &[&[0, 0, 0, 1]]), &trafs.concat()])
	}

	fn mdat(len: usize) -> Vec<u8> {
		bx(b"mdat", &[&vec![0xab; len]])
	}

	/// Three fragments of 30 video samples of 512 ticks (one second at 15360), with sound in
	/// the same fragments; the first sample durations are per sample, the second from `tfhd`,
	/// the third from `trex`.
	fn file() -> Vec<u8> {
		let audio = |tfdt| traf(2, tfdt, &[], 47, None);
		[
			init(512, true),
			moof(&[traf(1, 0, &[512; 30], 0, None), audio(0)]),
			mdat(1000),
			moof(&[traf(1, 15360, &[], 30, Some(512)), audio(48128)]),
			mdat(2000),
			moof(&[traf(1, 30720, &[], 30, None), audio(96256)]),
			mdat(500),
		]
		.concat()
	}

	fn read(bytes: &[u8]) -> Result<FragmentIndex, Fmp4Error> {
		FragmentIndex::read(Cursor::new(bytes), bytes.len() as u64)
	}

	#[test]
	fn reads_segments_durations_and_codecs() {
		let bytes = file();
		let index = read(&bytes).unwrap();
		let init_len = init(512, true).len() as u64;
		assert_eq!(index.init, 0..init_len);
		assert_eq!(index.timescale, 15360);
		assert_eq!(index.codecs(), "avc1.64001f,mp4a.40.2");
		let starts: Vec<_> = index.segments.iter().map(|s| s.start_secs).collect();
		assert_eq!(starts, [0.0, 1.0, 2.0]);
		let durations: Vec<_> = index.segments.iter().map(|s| s.duration_secs).collect();
		assert_eq!(durations, [1.0, 1.0, 1.0]);
		// Contiguous from the end of moov to the end of the file.
		assert_eq!(index.segments[0].range.start, init_len);
		for pair in index.segments.windows(2) {
			assert_eq!(pair[0].range.end, pair[1].range.start);
		}
		assert_eq!(index.segments[2].range.end, bytes.len() as u64);
	}

	#[test]
	fn boxes_between_fragments_go_with_the_next_segment_and_trailers_with_none() {
		let styp = bx(b"styp", &[b"msdh", &[0; 4]]);
		let sidx = full(b"sidx", 1, 0, &[&[0; 32]]);
		let first = [moof(&[traf(1, 0, &[512; 30], 0, None)]), mdat(10)].concat();
		let second = [styp.clone(), sidx, moof(&[traf(1, 15360, &[512; 15], 0, None)]), mdat(10)];
		let bytes =
			[init(512, false), styp, first.clone(), second.concat(), bx(b"mfra", &[&[0; 8]])]
				.concat();
		let index = read(&bytes).unwrap();
		assert_eq!(index.codecs(), "avc1.64001f");
		let init_end = index.init.end;
		let ranges: Vec<_> = index.segments.iter().map(|s| s.range.clone()).collect();
		let first_end = init_end + 16 + first.len() as u64;
		let second_end = first_end + second.concat().len() as u64;
		assert_eq!(ranges, [init_end..first_end, first_end..second_end]);
		assert_eq!(index.segments[1].duration_secs, 0.5);
		assert_eq!(bytes.len() as u64 - second_end, 16, "mfra is in no segment");
	}

	#[test]
	fn sound_in_fragments_of_its_own_joins_the_video_segment() {
		let audio = moof(&[traf(2, 0, &[], 47, None)]);
		let video = |tfdt| moof(&[traf(1, tfdt, &[512; 30], 0, None)]);
		let bytes = [
			init(512, true),
			audio.clone(),
			mdat(10),
			video(0),
			mdat(10),
			audio.clone(),
			mdat(10),
			video(15360),
			mdat(10),
			audio,
			mdat(10),
		]
		.concat();
		let index = read(&bytes).unwrap();
		assert_eq!(index.segments.len(), 2);
		assert_eq!(index.segments[1].range.end, bytes.len() as u64);
		assert_eq!(index.duration_secs(), 2.0);
	}

	#[test]
	fn large_and_open_ended_box_sizes_are_read() {
		// The last mdat with a 64-bit size, then one with size 0 ("to the end of the file").
		let body = vec![0xcd; 100];
		let large = [&1u32.to_be_bytes()[..], b"mdat", &(116u64).to_be_bytes(), &body].concat();
		let open = [&0u32.to_be_bytes()[..], b"mdat", &body].concat();
		for last in [large, open] {
			let bytes = [init(512, false), moof(&[traf(1, 0, &[512; 3], 0, None)]), last].concat();
			let index = read(&bytes).unwrap();
			assert_eq!(index.segments[0].range.end, bytes.len() as u64);
		}
	}

	/// Reading must end in an answer, never a panic.
	fn survives(bytes: &[u8]) -> bool {
		std::panic::catch_unwind(|| read(bytes)).is_ok()
	}

	#[test]
	fn hostile_files_are_refused() {
		let good = file();
		let init_len = init(512, true).len();
		let refused = |bytes: Vec<u8>, what: &str| {
			let error = read(&bytes).expect_err(what);
			error.to_string()
		};
		// Every truncation.
		for len in 0..good.len() {
			assert!(survives(&good[..len]), "cut at {len}");
			// Cuts inside mdat still read (the segment ends where the file does); every other
			// cut is refused.
			if let Ok(index) = read(&good[..len]) {
				assert!(index.segments.last().unwrap().range.end <= len as u64);
			}
		}
		assert!(refused(good[..init_len].to_vec(), "init only").contains("no moof"));
		// Sizes: 0 not last (swallows the rest), 1 with a largesize under 16, 2..7, past the
		// end, and a child larger than its parent.
		let with_size = |at: usize, size: &[u8]| {
			let mut bytes = good.clone();
			bytes[at..at + size.len()].copy_from_slice(size);
			bytes
		};
		let moof_at = init_len;
		// Size 0 means "to the end of the file": the moof swallows the rest, a segment
		// without an mdat of its own.
		let open_ended = read(&with_size(moof_at, &[0, 0, 0, 0])).unwrap();
		assert_eq!(open_ended.segments.len(), 1);
		let small_large = [&[0, 0, 0, 1][..], b"moof", &[0, 0, 0, 0, 0, 0, 0, 9]].concat();
		assert!(refused(with_size(moof_at, &small_large), "largesize 9").contains("bad size"));
		assert!(refused(with_size(moof_at, &[0, 0, 0, 5]), "size 5").contains("bad size"));
		assert!(refused(with_size(moof_at, &[0x7f, 0, 0, 0]), "huge").contains("bad size"));
		let huge_large = [&[0, 0, 0, 1][..], b"moof", &[0xff; 8]].concat();
		assert!(refused(with_size(moof_at, &huge_large), "huge 64-bit").contains("bad size"));
		// The first traf inside the first moof claims more than the moof holds.
		let traf_at = moof_at + 8 + 16;
		assert!(
			refused(with_size(traf_at, &[0, 0, 0x10, 0]), "child past parent").contains("bad size")
		);
		// A trun claiming a billion samples.
		let trun_at = good[moof_at..].windows(4).position(|w| w == b"trun").unwrap() + moof_at;
		assert!(
			refused(with_size(trun_at + 8, &[0x40, 0, 0, 0]), "trun count").contains("truncated")
		);
		// Not ISO BMFF, no moov, media before moov, moof before moov, no video, no mvex,
		// timescale 0.
		assert!(refused(b"\0\0\0\x08free".to_vec(), "free first").contains("ftyp"));
		let ftyp = ftyp();
		assert!(refused([ftyp.clone(), mdat(4)].concat(), "mdat first").contains("before moov"));
		let early = [ftyp.clone(), moof(&[traf(1, 0, &[1], 0, None)]), mdat(4)].concat();
		assert!(refused(early, "moof first").contains("moof before moov"));
		assert!(refused(ftyp.clone(), "ftyp only").contains("no moov"));
		let progressive = [ftyp.clone(), bx(b"moov", &[&track(1, b"vide", 15360, avc1())])];
		assert!(refused(progressive.concat(), "no mvex").contains("mvex"));
		let no_video =
			[ftyp.clone(), bx(b"moov", &[&track(2, b"soun", 48000, mp4a()), &bx(b"mvex", &[])])];
		assert!(refused(no_video.concat(), "no video").contains("no video track"));
		let zero = [ftyp, bx(b"moov", &[&track(1, b"vide", 0, avc1()), &bx(b"mvex", &[])])];
		assert!(refused(zero.concat(), "timescale 0").contains("timescale"));
	}

	#[test]
	fn too_many_segments_are_refused() {
		let fragment = [moof(&[traf(1, 0, &[512], 0, None)]), mdat(0)].concat();
		let mut bytes = init(512, false);
		bytes.reserve(fragment.len() * (MAX_SEGMENTS + 1));
		for _ in 0..=MAX_SEGMENTS {
			bytes.extend_from_slice(&fragment);
		}
		assert!(matches!(read(&bytes), Err(Fmp4Error::TooMany("segments"))));
	}

	#[test]
	fn random_mutations_never_panic() {
		let good = file();
		let mut rng = fastrand::Rng::with_seed(13);
		for _ in 0..20_000 {
			let mut bytes = good.clone();
			for _ in 0..rng.usize(1..8) {
				let at = rng.usize(..bytes.len());
				bytes[at] = match rng.u8(..4) {
					0 => 0,
					1 => 0xff,
					2 => 1,
					_ => rng.u8(..),
				};
			}
			assert!(survives(&bytes));
		}
	}

	/// Seconds of a `key=value` field in an ffprobe CSV row.
	fn field<'a>(row: &'a str, key: &str) -> &'a str {
		row.split('|').find_map(|f| f.strip_prefix(key).and_then(|v| v.strip_prefix('='))).unwrap()
	}

	#[tokio::test]
	async fn agrees_with_ffprobe_on_real_renditions() {
		bounded(async {
			let ladder = ladder().await;
			for rendition in &ladder.transcoded.renditions {
				let path = rendition.path.to_str().unwrap();
				let bytes = std::fs::read(path).unwrap();
				let index = read(&bytes).unwrap();
				let frame = 1.0 / 30.0;
				// ffprobe's video packets in file order: keyframes open the segments.
				let packets = ffprobe(&[
					"-select_streams",
					"v:0",
					"-show_entries",
					"packet=pts_time,dts_time,duration_time,pos,flags",
					"-of",
					"compact=p=0",
					path,
				])
				.await;
				let packets: Vec<_> = packets.lines().collect();
				let keys: Vec<_> =
					packets.iter().filter(|p| field(p, "flags").starts_with('K')).collect();
				assert_eq!(index.segments.len(), keys.len(), "{path}: one segment per keyframe");
				assert_eq!(index.segments.len(), 3, "{path}: 5 s in 2 s segments");
				let end: f64 = packets
					.iter()
					.map(|p| {
						field(p, "pts_time").parse::<f64>().unwrap()
							+ field(p, "duration_time").parse::<f64>().unwrap()
					})
					.fold(0.0, f64::max);
				for (i, (segment, key)) in index.segments.iter().zip(&keys).enumerate() {
					// The keyframe's sample lies in its segment's mdat.
					let pos: u64 = field(key, "pos").parse().unwrap();
					assert!(
						segment.range.contains(&pos),
						"{path}: keyframe {i} at {pos} outside {:?}",
						segment.range
					);
					// Its decode time is its presentation time once the edit list has taken
					// the reordering delay off.
					let start: f64 = field(key, "pts_time").parse().unwrap();
					assert!(
						(segment.start_secs - start).abs() < frame / 2.0,
						"{path}: segment {i} starts at {start}"
					);
					let next =
						keys.get(i + 1).map_or(end, |k| field(k, "pts_time").parse().unwrap());
					let duration = next - field(key, "pts_time").parse::<f64>().unwrap();
					assert!(
						(segment.duration_secs - duration).abs() <= frame + 1e-6,
						"{path}: segment {i} lasts {} s, ffprobe says {duration}",
						segment.duration_secs
					);
				}
				// The init section and the segments cover the file exactly.
				assert_eq!(index.init.start, 0);
				let mut at = index.init.end;
				for segment in &index.segments {
					assert_eq!(segment.range.start, at);
					at = segment.range.end;
				}
				assert_eq!(at, bytes.len() as u64, "{path}: the segments end with the file");
				assert!((index.duration_secs() - 5.0).abs() <= frame, "{path}");
			}
		})
		.await
	}
}
