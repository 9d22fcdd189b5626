//! The load generator of `scripts/load-test.sh`; not part of the daemon.
//!
//! ```text
//! viewer_load [--viewers N] [--duration 60s] [--ramp 2s] [--min-range B] [--max-range B]
//!             [--verify-every N] <content URL>=<local copy>...
//! ```
//!
//! Each viewer keeps one HTTP/1.1 keep-alive connection to the sidecar and, until the end of
//! the run, GETs a random range of a random item, then the next at once: a closed loop with
//! no pause, so `--viewers` requests are in flight all the time. Range lengths are
//! log-uniform between `--min-range` and `--max-range` (HLS-like segments of 64 KiB to 2 MiB
//! by default), at any offset. Viewers start evenly over `--ramp`. A request started before
//! the end is finished and counted.
//!
//! Time to first byte is taken from handing the request to the (already connected) connection
//! until the response head and the first body bytes have arrived; connecting is timed on its
//! own. Every response must be `206` with the `Content-Range` asked for and exactly the bytes
//! asked for; every `--verify-every`th body is also compared with the local copy of the item.
//! Anything else is an error of its kind; after an error the viewer connects again.
//!
//! Prints one line, `result key=value...`: counts, bytes, percentiles (µs) and the CPU time
//! this process used. The first few errors go to stderr.

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Empty};
use hyper::{client::conn::http1::SendRequest, header, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use std::{
	collections::BTreeMap,
	error::Error,
	fs::File,
	os::unix::fs::FileExt,
	path::PathBuf,
	process::ExitCode,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::Duration,
};
use tokio::{net::TcpStream, time::Instant};

/// Errors printed in full; the rest are only counted.
const ERRORS_SHOWN: u64 = 5;

/// The command line.
#[derive(Parser, Debug)]
#[command(about = "Viewers reading random ranges of content from a pop-sidecar")]
struct Cli {
	/// Concurrent viewers, each on its own connection.
	#[arg(long, env = "POP_LOAD_VIEWERS", default_value_t = 1000)]
	viewers: usize,
	/// How long viewers start new requests.
	#[arg(
		long,
		env = "POP_LOAD_DURATION",
		default_value = "60s",
		value_parser = humantime::parse_duration
	)]
	duration: Duration,
	/// Viewers start evenly spread over this time, as an audience arrives.
	#[arg(
		long,
		env = "POP_LOAD_RAMP",
		default_value = "2s",
		value_parser = humantime::parse_duration
	)]
	ramp: Duration,
	/// Shortest range read, in bytes.
	#[arg(long, env = "POP_LOAD_MIN_RANGE", default_value_t = 64 << 10)]
	min_range: u64,
	/// Longest range read, in bytes.
	#[arg(long, env = "POP_LOAD_MAX_RANGE", default_value_t = 2 << 20)]
	max_range: u64,
	/// Compare every this many-th body with the local copy (0: never).
	#[arg(long, env = "POP_LOAD_VERIFY_EVERY", default_value_t = 50)]
	verify_every: u64,
	/// Longest a request may take, connecting included, before it counts as an error.
	#[arg(
		long,
		env = "POP_LOAD_TIMEOUT",
		default_value = "30s",
		value_parser = humantime::parse_duration
	)]
	timeout: Duration,
	/// The items: `<content URL>=<path of a local copy of its bytes>`.
	#[arg(required = true, value_parser = parse_item)]
	items: Vec<Item>,
}

/// An item to read, and its bytes for checking.
#[derive(Clone, Debug)]
struct Item {
	/// Where the sidecar serves it.
	uri: Uri,
	/// A file with the same bytes.
	copy: PathBuf,
}

/// Parses `<content URL>=<local copy>`.
fn parse_item(text: &str) -> Result<Item, String> {
	let (uri, copy) = text.split_once('=').ok_or("expected <content URL>=<local copy>")?;
	let uri: Uri = uri.parse().map_err(|error| format!("{uri}: {error}"))?;
	if uri.scheme_str() != Some("http") || uri.authority().is_none() {
		return Err(format!("{uri}: only http:// URLs"));
	}
	Ok(Item { uri, copy: copy.into() })
}

/// An item as viewers use it.
struct Target {
	/// Where the sidecar serves it.
	uri: Uri,
	/// `host:port`, to connect to.
	address: String,
	/// The same bytes, to compare bodies with.
	copy: File,
	/// Its size in bytes.
	size: u64,
}

/// What went wrong with one request.
#[derive(Debug, thiserror::Error)]
enum Failure {
	/// No connection.
	#[error("connecting: {0}")]
	Connect(std::io::Error),
	/// The connection or the HTTP exchange failed (a body the server cut short is one).
	#[error("HTTP: {0}")]
	Http(#[from] hyper::Error),
	/// Another status than `206`.
	#[error("status {0}")]
	Status(StatusCode),
	/// Another range than the one asked for.
	#[error("Content-Range {got:?} where `{expected}` was asked for")]
	ContentRange { got: Option<String>, expected: String },
	/// Fewer or more body bytes than asked for.
	#[error("{got} body bytes of {expected}")]
	Short { got: u64, expected: u64 },
	/// Other bytes than the item's.
	#[error("the body differs from the item's bytes")]
	Content,
	/// No whole response within `--timeout`.
	#[error("no answer within the timeout")]
	Timeout,
	/// The local copy could not be read to compare.
	#[error("reading the local copy: {0}")]
	Copy(std::io::Error),
}

impl Failure {
	/// The counter this failure is reported under (`errors_<kind>`).
	fn kind(&self) -> &'static str {
		match self {
			Failure::Connect(_) => "connect",
			Failure::Http(_) => "http",
			Failure::Status(_) => "status",
			Failure::ContentRange { .. } => "range",
			Failure::Short { .. } => "short",
			Failure::Content | Failure::Copy(_) => "content",
			Failure::Timeout => "timeout",
		}
	}
}

/// One viewer's measurements.
#[derive(Default)]
struct Tally {
	/// Time to first byte of each successful request, µs.
	ttfb_us: Vec<u32>,
	/// Time to the last byte of each successful request, µs.
	total_us: Vec<u32>,
	/// Time to connect, µs, for each connection made.
	connect_us: Vec<u32>,
	/// Body bytes of successful requests.
	bytes: u64,
	/// Bodies compared with the local copy.
	verified: u64,
	/// Failed requests by kind.
	errors: BTreeMap<&'static str, u64>,
	/// When its last request ended.
	finished: Option<Instant>,
}

/// A successful response.
struct Read {
	/// Until the response head and the first body bytes.
	ttfb: Duration,
	/// Until the last body byte.
	total: Duration,
	/// Whether the body was compared with the local copy.
	verified: bool,
}

/// What all viewers share.
struct Run {
	/// The items.
	targets: Vec<Target>,
	/// `--min-range`.
	min_range: u64,
	/// `--max-range`.
	max_range: u64,
	/// `--verify-every`.
	verify_every: u64,
	/// `--timeout`.
	timeout: Duration,
	/// Requests started by all viewers, to pick which are verified.
	started: AtomicU64,
	/// Errors seen so far, to print only the first few.
	errors: AtomicU64,
}

/// Parses the command line and runs the viewers on a multi-threaded tokio runtime.
fn main() -> ExitCode {
	let cli = Cli::parse();
	let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build();
	match runtime.map_err(Into::into).and_then(|runtime| runtime.block_on(load(cli))) {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("viewer_load: {error}");
			ExitCode::FAILURE
		}
	}
}

/// Runs the viewers and prints what they measured.
async fn load(cli: Cli) -> Result<(), Box<dyn Error>> {
	let mut targets = Vec::new();
	for item in &cli.items {
		let copy =
			File::open(&item.copy).map_err(|error| format!("{}: {error}", item.copy.display()))?;
		let size = copy.metadata()?.len();
		let authority = item.uri.authority().expect("checked when parsed");
		let address = format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(80));
		targets.push(Target { uri: item.uri.clone(), address, copy, size });
	}
	if cli.min_range == 0 || cli.min_range > cli.max_range {
		return Err("--min-range must be above zero and at most --max-range".into());
	}
	if let Some(small) = targets.iter().find(|target| target.size < cli.max_range) {
		return Err(format!("{} is smaller than --max-range", small.uri).into());
	}
	let run = Arc::new(Run {
		targets,
		min_range: cli.min_range,
		max_range: cli.max_range,
		verify_every: cli.verify_every,
		timeout: cli.timeout,
		started: AtomicU64::new(0),
		errors: AtomicU64::new(0),
	});

	let begun = Instant::now();
	let end = begun + cli.ramp + cli.duration;
	let viewers: Vec<_> = (0..cli.viewers)
		.map(|viewer| {
			let start = begun + cli.ramp.mul_f64(viewer as f64 / cli.viewers as f64);
			tokio::spawn(watch(run.clone(), viewer as u64, start, end))
		})
		.collect();
	let mut all = Tally::default();
	for viewer in viewers {
		let tally = viewer.await?;
		all.ttfb_us.extend(tally.ttfb_us);
		all.total_us.extend(tally.total_us);
		all.connect_us.extend(tally.connect_us);
		all.bytes += tally.bytes;
		all.verified += tally.verified;
		for (kind, count) in tally.errors {
			*all.errors.entry(kind).or_default() += count;
		}
		all.finished = all.finished.max(tally.finished);
	}
	let seconds = (all.finished.unwrap_or(end) - begun).as_secs_f64();
	report(&cli, all, seconds);
	Ok(())
}

/// One viewer: reads ranges from `start` until `end`.
async fn watch(run: Arc<Run>, viewer: u64, start: Instant, end: Instant) -> Tally {
	tokio::time::sleep_until(start).await;
	let mut random = fastrand::Rng::with_seed(viewer);
	let mut tally = Tally::default();
	let mut connection: Option<SendRequest<Empty<Bytes>>> = None;
	while Instant::now() < end {
		let target = &run.targets[random.usize(..run.targets.len())];
		// Log-uniform: as many ranges within each doubling of the length.
		let ratio = run.max_range as f64 / run.min_range as f64;
		let length = ((run.min_range as f64 * ratio.powf(random.f64())) as u64)
			.clamp(run.min_range, run.max_range);
		let first = random.u64(0..=target.size - length);
		let verify = run.verify_every > 0
			&& run.started.fetch_add(1, Ordering::Relaxed).is_multiple_of(run.verify_every);
		let attempt =
			read_range(&mut connection, &mut tally, target, first..first + length, verify);
		let outcome = match tokio::time::timeout(run.timeout, attempt).await {
			Ok(outcome) => outcome,
			Err(_) => Err(Failure::Timeout),
		};
		match outcome {
			Ok(read) => {
				tally.ttfb_us.push(micros(read.ttfb));
				tally.total_us.push(micros(read.total));
				tally.bytes += length;
				tally.verified += u64::from(read.verified);
			}
			Err(failure) => {
				if run.errors.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
					eprintln!("viewer {viewer}: {} bytes {first}+{length}: {failure}", target.uri);
				}
				*tally.errors.entry(failure.kind()).or_default() += 1;
				// Whatever state the connection is in, the next request starts afresh.
				connection = None;
			}
		}
		tally.finished = Some(Instant::now());
	}
	tally
}

/// GETs `range` of `target` on `connection`, connecting first if there is none.
async fn read_range(
	connection: &mut Option<SendRequest<Empty<Bytes>>>,
	tally: &mut Tally,
	target: &Target,
	range: std::ops::Range<u64>,
	verify: bool,
) -> Result<Read, Failure> {
	if connection.as_ref().is_none_or(SendRequest::is_closed) {
		let connecting = Instant::now();
		let stream = TcpStream::connect(&target.address).await.map_err(Failure::Connect)?;
		stream.set_nodelay(true).map_err(Failure::Connect)?;
		let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
		tokio::spawn(driver);
		tally.connect_us.push(micros(connecting.elapsed()));
		*connection = Some(sender);
	}
	let sender = connection.as_mut().expect("connected above");
	sender.ready().await?;
	let expected = format!("bytes {}-{}/{}", range.start, range.end - 1, target.size);
	let request = Request::get(target.uri.clone())
		.header(header::HOST, target.uri.authority().expect("checked when parsed").as_str())
		.header(header::RANGE, format!("bytes={}-{}", range.start, range.end - 1))
		.body(Empty::new())
		.expect("a valid request");
	let sent = Instant::now();
	let response = sender.send_request(request).await?;
	if response.status() != StatusCode::PARTIAL_CONTENT {
		return Err(Failure::Status(response.status()));
	}
	let content_range = response.headers().get(header::CONTENT_RANGE);
	if content_range.map(|value| value.as_bytes()) != Some(expected.as_bytes()) {
		let got = content_range.map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
		return Err(Failure::ContentRange { got, expected });
	}
	let mut body = response.into_body();
	let (mut ttfb, mut got) = (None, 0u64);
	let mut kept = verify.then(|| Vec::with_capacity((range.end - range.start) as usize));
	while let Some(frame) = body.frame().await {
		let Ok(data) = frame?.into_data() else { continue };
		if data.is_empty() {
			continue;
		}
		ttfb.get_or_insert_with(|| sent.elapsed());
		got += data.len() as u64;
		if let Some(kept) = &mut kept {
			kept.extend_from_slice(&data);
		}
	}
	let total = sent.elapsed();
	let expected = range.end - range.start;
	let Some(ttfb) = ttfb.filter(|_| got == expected) else {
		return Err(Failure::Short { got, expected });
	};
	if let Some(kept) = kept {
		let mut original = vec![0; kept.len()];
		target.copy.read_exact_at(&mut original, range.start).map_err(Failure::Copy)?;
		if kept != original {
			return Err(Failure::Content);
		}
	}
	Ok(Read { ttfb, total, verified: verify })
}

/// `time` in whole microseconds (saturating at about 71 minutes).
fn micros(time: Duration) -> u32 {
	time.as_micros().try_into().unwrap_or(u32::MAX)
}

/// The `q`-quantile (nearest rank) of sorted `values`, 0 if there are none.
fn quantile(values: &[u32], q: f64) -> u32 {
	if values.is_empty() {
		return 0;
	}
	values[((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1]
}

/// Prints the `result` line.
fn report(cli: &Cli, mut all: Tally, seconds: f64) {
	let mut line = format!(
		"result viewers={} items={} min_range={} max_range={} verify_every={} ramp_s={} \
		 duration_s={} seconds={seconds:.3} \
		 requests={} bytes={} verified={} errors={} connections={}",
		cli.viewers,
		cli.items.len(),
		cli.min_range,
		cli.max_range,
		cli.verify_every,
		cli.ramp.as_secs_f64(),
		cli.duration.as_secs_f64(),
		all.ttfb_us.len(),
		all.bytes,
		all.verified,
		all.errors.values().sum::<u64>(),
		all.connect_us.len(),
	);
	for (kind, count) in &all.errors {
		line += &format!(" errors_{kind}={count}");
	}
	for (name, values) in
		[("ttfb", &mut all.ttfb_us), ("total", &mut all.total_us), ("connect", &mut all.connect_us)]
	{
		values.sort_unstable();
		let mean =
			values.iter().map(|&value| f64::from(value)).sum::<f64>() / values.len().max(1) as f64;
		line += &format!(" {name}_mean_us={mean:.0}");
		for (label, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)] {
			line += &format!(" {name}_{label}_us={}", quantile(values, q));
		}
	}
	// The CPU this process used, to tell how much of the machine the viewers took.
	let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
	// SAFETY: `getrusage` fills the struct it is given; zeroed is a valid `rusage` anyway.
	let usage = unsafe {
		libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
		usage.assume_init()
	};
	let seconds_of = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
	line += &format!(
		" cpu_user_s={:.2} cpu_system_s={:.2}",
		seconds_of(usage.ru_utime),
		seconds_of(usage.ru_stime)
	);
	println!("{line}");
}
