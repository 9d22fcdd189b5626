//! Command line and environment: every option is also an environment variable
//! `POP_SIDECAR_*`, and the defaults suit a dev chain on one machine.

use clap::{Args, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// The command line of `pop-sidecar`.
#[derive(Parser, Debug)]
#[command(name = "pop-sidecar", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
	/// What to do; `run` when omitted.
	#[command(subcommand)]
	pub command: Option<Command>,
	/// Options of `run`, accepted without the subcommand too.
	#[command(flatten)]
	pub run: Config,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
	/// Serve uploads and streams (the default). Boxed: settings are far larger than the other
	/// subcommand's.
	Run(Box<Config>),
	/// Rebuild the metadata index from the content files and print what changed. Stop the
	/// daemon first: the index cannot be opened twice.
	Reindex(ReindexArgs),
}

/// Options of `reindex`.
#[derive(Args, Debug)]
pub struct ReindexArgs {
	/// Directory holding content, uploads and the index.
	#[arg(long, env = "POP_SIDECAR_DATA_DIR", default_value = "./sidecar-data")]
	pub data_dir: PathBuf,
}

/// How logs are written.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
	/// One line per event, for people.
	Compact,
	/// One JSON object per event, for log collectors.
	Json,
}

/// Settings of the daemon.
#[derive(Args, Clone, Debug)]
pub struct Config {
	/// Address the HTTP server listens on.
	#[arg(long, env = "POP_SIDECAR_LISTEN", default_value = "127.0.0.1:8080")]
	pub listen: SocketAddr,
	/// Directory holding content, uploads and the index.
	#[arg(long, env = "POP_SIDECAR_DATA_DIR", default_value = "./sidecar-data")]
	pub data_dir: PathBuf,
	/// JSON-RPC endpoint of the pop-node this sidecar serves.
	#[arg(long, env = "POP_SIDECAR_NODE_URL", default_value = "ws://127.0.0.1:9944")]
	pub node_url: String,
	/// URL where clients reach this sidecar. It is the audience of auth tokens, so a token
	/// signed for one sidecar is refused by every other; a trailing `/` is dropped.
	#[arg(
		long,
		env = "POP_SIDECAR_PUBLIC_URL",
		default_value = "http://127.0.0.1:8080",
		value_parser = parse_public_url
	)]
	pub public_url: String,
	/// Runs without a node, for benchmarks and tests of the HTTP side alone: no chain client,
	/// uploads bounded by the local limits only, nothing ever registered (so nothing streamed)
	/// and unregistered uploads expired by their TTL alone. Never on a network.
	#[arg(long, env = "POP_SIDECAR_STANDALONE")]
	pub standalone: bool,
	/// Secret URI of the masternode's proof key (a mnemonic, a `0x` seed or a dev path like
	/// `//Alice//stash`, the dev chain's masternode), with which proofs and confirmations are
	/// signed. Keep it out of the command line in production: use the environment.
	#[arg(long, env = "POP_SIDECAR_PROOF_KEY", default_value = "//Alice//stash")]
	pub proof_key: String,
	/// Largest upload accepted, in bytes or with a unit (KiB, MiB, GiB, TiB).
	#[arg(
		long,
		env = "POP_SIDECAR_MAX_UPLOAD_SIZE",
		default_value = "4GiB",
		value_parser = parse_size
	)]
	pub max_upload_size: u64,
	/// Bytes one account may hold in uploads not yet registered on chain (in progress or
	/// finished), in bytes or with a unit.
	#[arg(
		long,
		env = "POP_SIDECAR_QUOTA_PER_ACCOUNT",
		default_value = "16GiB",
		value_parser = parse_size
	)]
	pub quota_per_account: u64,
	/// Bytes all accounts together may hold in uploads not yet registered on chain, in bytes
	/// or with a unit: however many keys an uploader makes, unregistered uploads take no more.
	#[arg(
		long,
		env = "POP_SIDECAR_UNREGISTERED_LIMIT",
		default_value = "64GiB",
		value_parser = parse_size
	)]
	pub unregistered_limit: u64,
	/// Free space the sidecar leaves on the data directory's file system, in bytes or with a
	/// unit: uploads that would eat into it are refused (507), and replicas that would are not
	/// fetched, so the disk never fills under the index and the content already held.
	#[arg(
		long,
		env = "POP_SIDECAR_DISK_RESERVE",
		default_value = "2GiB",
		value_parser = parse_size
	)]
	pub disk_reserve: u64,
	/// How long an upload may stay idle, or finished but unregistered on chain, before it is
	/// deleted (e.g. `1h`, `30m`, `90s`).
	#[arg(
		long,
		env = "POP_SIDECAR_UNREGISTERED_TTL",
		default_value = "1h",
		value_parser = humantime::parse_duration
	)]
	pub unregistered_ttl: Duration,
	/// How long an upload receipt stays valid for registering the upload on chain (e.g. `1h`,
	/// `30m`). A receipt is signed when an upload completes, and again whenever its uploader
	/// asks (`HEAD` on the finished upload).
	#[arg(
		long,
		env = "POP_SIDECAR_RECEIPT_VALIDITY",
		default_value = "1h",
		value_parser = humantime::parse_duration
	)]
	pub receipt_validity: Duration,
	/// Longest a stream token may be valid for, ahead of this sidecar's clock (e.g. `10m`). A
	/// stream token may travel in a URL (`?auth=` of a `<video src>`) and so land in proxy and
	/// access logs: keep it short, so a leaked one is soon useless. Players refresh their URL
	/// with a new token as it nears its end.
	#[arg(
		long,
		env = "POP_SIDECAR_STREAM_TOKEN_VALIDITY",
		default_value = "10m",
		value_parser = humantime::parse_duration
	)]
	pub stream_token_validity: Duration,
	/// Longest an upload token may be valid for, ahead of this sidecar's clock (e.g. `24h`). A tus
	/// client signs once and sends the same header on every PATCH and resumption of an upload
	/// that may take hours: a day covers a 4 GiB upload (the default `--max-upload-size`) over
	/// an uplink as slow as 0.4 Mbit/s. Upload tokens are only ever taken from the
	/// `Authorization` header, never from a URL that logs would keep.
	#[arg(
		long,
		env = "POP_SIDECAR_UPLOAD_TOKEN_VALIDITY",
		default_value = "24h",
		value_parser = humantime::parse_duration
	)]
	pub upload_token_validity: Duration,
	/// How long content the chain no longer assigns here (removed by its owner, or moved to
	/// other holders) stays on disk, unserved, before it is deleted (e.g. `10m`).
	#[arg(
		long,
		env = "POP_SIDECAR_WITHDRAWN_GRACE",
		default_value = "10m",
		value_parser = humantime::parse_duration
	)]
	pub withdrawn_grace: Duration,
	/// How often expired uploads and withdrawn content are looked for.
	#[arg(
		long,
		env = "POP_SIDECAR_GC_INTERVAL",
		default_value = "1m",
		value_parser = humantime::parse_duration
	)]
	pub gc_interval: Duration,
	/// How long connecting to another holder's sidecar may take when fetching a replica.
	#[arg(
		long,
		env = "POP_SIDECAR_FETCH_CONNECT_TIMEOUT",
		default_value = "5s",
		value_parser = humantime::parse_duration
	)]
	pub fetch_connect_timeout: Duration,
	/// How long a replica fetch may wait for a holder's next bytes (its response head
	/// included) before the next holder is tried.
	#[arg(
		long,
		env = "POP_SIDECAR_FETCH_IDLE_TIMEOUT",
		default_value = "15s",
		value_parser = humantime::parse_duration
	)]
	pub fetch_idle_timeout: Duration,
	/// The least average rate of a replica fetch once `--fetch-rate-grace` is over, in bytes a
	/// second or with a unit; a slower holder is left for the next. The default is what a
	/// 20 MB/s holder gives each of seven sidecars fetching from it at once (as after a
	/// registration at the largest replication).
	#[arg(
		long,
		env = "POP_SIDECAR_FETCH_MIN_RATE",
		default_value = "2MiB",
		value_parser = parse_size
	)]
	pub fetch_min_rate: u64,
	/// How long a replica fetch may stay below `--fetch-min-rate` from its start. With the
	/// idle timeout it bounds what a stalling holder costs (30 s by default, within the chain's
	/// one-minute base fetch window).
	#[arg(
		long,
		env = "POP_SIDECAR_FETCH_RATE_GRACE",
		default_value = "15s",
		value_parser = humantime::parse_duration
	)]
	pub fetch_rate_grace: Duration,
	/// Whether replicas may be fetched from endpoints on loopback, link-local, private and
	/// other non-public addresses (`--allow-private-endpoints` alone means `true`). Unset,
	/// they are allowed on dev and local chains (as the node's `system_chainType` says) and
	/// refused on any other.
	#[arg(
		long,
		env = "POP_SIDECAR_ALLOW_PRIVATE_ENDPOINTS",
		num_args = 0..=1,
		require_equals = true,
		default_missing_value = "true",
		value_parser = clap::builder::BoolishValueParser::new()
	)]
	pub allow_private_endpoints: Option<bool>,
	/// WebSocket URL of the chain's RPC for browsers: the web app asks `/health` for it.
	/// Defaults to `--node-url`, right when browsers reach the node there too.
	#[arg(long, env = "POP_SIDECAR_PUBLIC_NODE_URL")]
	pub public_node_url: Option<String>,
	/// Directory of the web app's static files, served at `/` (`webapp/dist` of the
	/// repository, built by `scripts/webapp.sh`); none served when not set.
	#[arg(long, env = "POP_SIDECAR_WEB_DIR")]
	pub web_dir: Option<PathBuf>,
	/// The ffmpeg program, with which uploaded videos are transcoded.
	#[arg(long, env = "POP_SIDECAR_FFMPEG", default_value = "ffmpeg")]
	pub ffmpeg: PathBuf,
	/// The ffprobe program, with which videos and renditions are checked.
	#[arg(long, env = "POP_SIDECAR_FFPROBE", default_value = "ffprobe")]
	pub ffprobe: PathBuf,
	/// libx264's preset (`ultrafast` … `veryslow`) for renditions of 720 lines and more, which
	/// take most of the encoding: slower compresses better and takes more CPU; the default
	/// keeps a 1080p ladder faster than real time on two cores.
	#[arg(long, env = "POP_SIDECAR_X264_PRESET_LARGE", default_value = crate::media::transcode::PRESET_LARGE)]
	pub x264_preset_large: String,
	/// libx264's preset for the smaller renditions, which slow links play.
	#[arg(long, env = "POP_SIDECAR_X264_PRESET_SMALL", default_value = crate::media::transcode::PRESET_SMALL)]
	pub x264_preset_small: String,
	/// Uploaded videos transcoded at once; each takes every core ffmpeg is given. `0` turns
	/// transcoding off: uploads are then served only as they came.
	#[arg(long, env = "POP_SIDECAR_TRANSCODERS", default_value_t = 1)]
	pub transcoders: usize,
	/// Longest video transcoded: longer ones are refused (their transcode fails), so one
	/// upload cannot hold the transcoder for a day.
	#[arg(
		long,
		env = "POP_SIDECAR_MAX_VIDEO_DURATION",
		default_value = "4h",
		value_parser = humantime::parse_duration
	)]
	pub max_video_duration: Duration,
	/// Log format; the level comes from `RUST_LOG` (default `info`).
	#[arg(long, env = "POP_SIDECAR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Compact)]
	pub log_format: LogFormat,
}

impl Config {
	/// The dev defaults with content under `data_dir`, ignoring the environment (for tests and
	/// embedding).
	pub fn with_data_dir(data_dir: PathBuf) -> Self {
		let matches = Self::augment_args(clap::Command::new("pop-sidecar"))
			.mut_args(|arg| arg.env(None))
			.get_matches_from(["pop-sidecar"]);
		let mut config = Self::from_arg_matches(&matches).expect("the defaults parse");
		config.data_dir = data_dir;
		config
	}
}

fn parse_public_url(text: &str) -> Result<String, String> {
	let url = text.trim_end_matches('/');
	if !(url.starts_with("http://") || url.starts_with("https://")) {
		return Err("must start with http:// or https://".into());
	}
	Ok(url.into())
}

/// Parses a byte count: digits, optionally followed by a binary unit.
fn parse_size(text: &str) -> Result<u64, String> {
	const UNITS: [(&str, u64); 5] =
		[("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)];
	let text = text.trim();
	let (digits, unit) = UNITS
		.iter()
		.find_map(|(suffix, unit)| Some((text.strip_suffix(suffix)?.trim_end(), *unit)))
		.unwrap_or((text, 1));
	digits
		.parse::<u64>()
		.ok()
		.and_then(|count| count.checked_mul(unit))
		.ok_or_else(|| format!("`{text}` is not a size (e.g. 1048576, 512MiB, 4GiB)"))
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::path::Path;

	#[test]
	fn defaults_suit_a_dev_chain() {
		let config = Config::with_data_dir("/data".into());
		assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
		assert_eq!(config.data_dir, PathBuf::from("/data"));
		assert_eq!(config.node_url, "ws://127.0.0.1:9944");
		assert_eq!(config.public_url, "http://127.0.0.1:8080");
		assert_eq!(config.max_upload_size, 4 << 30);
		assert_eq!(config.quota_per_account, 16 << 30);
		assert_eq!(config.unregistered_limit, 64 << 30);
		assert_eq!(config.disk_reserve, 2 << 30);
		assert_eq!(config.withdrawn_grace, Duration::from_secs(600));
		assert_eq!(config.unregistered_ttl, Duration::from_secs(3600));
		assert_eq!(config.receipt_validity, Duration::from_secs(3600));
		assert_eq!(config.stream_token_validity, Duration::from_secs(600));
		assert_eq!(config.upload_token_validity, Duration::from_secs(86_400));
		assert_eq!(config.fetch_connect_timeout, Duration::from_secs(5));
		assert_eq!(config.fetch_idle_timeout, Duration::from_secs(15));
		assert_eq!(config.fetch_min_rate, 2 << 20);
		assert_eq!(config.fetch_rate_grace, Duration::from_secs(15));
		assert_eq!(config.allow_private_endpoints, None);
		assert!(!config.standalone);
		assert_eq!(config.public_node_url, None);
		assert_eq!(config.web_dir, None);
		assert_eq!(config.transcoders, 1);
		assert_eq!(config.max_video_duration, Duration::from_secs(4 * 3600));
	}

	#[test]
	fn run_is_the_default_command_and_options_parse() {
		let cli = Cli::try_parse_from([
			"pop-sidecar",
			"--max-upload-size",
			"512 MiB",
			"--public-url",
			"https://cdn.example/",
			"--unregistered-ttl",
			"90s",
			"--receipt-validity",
			"10m",
			"--stream-token-validity",
			"2m",
			"--upload-token-validity",
			"6h",
		])
		.unwrap();
		assert!(cli.command.is_none());
		assert_eq!(cli.run.max_upload_size, 512 << 20);
		assert_eq!(cli.run.public_url, "https://cdn.example");
		assert_eq!(cli.run.unregistered_ttl, Duration::from_secs(90));
		assert_eq!(cli.run.receipt_validity, Duration::from_secs(600));
		assert_eq!(cli.run.stream_token_validity, Duration::from_secs(120));
		assert_eq!(cli.run.upload_token_validity, Duration::from_secs(6 * 3600));

		let cli = Cli::try_parse_from(["pop-sidecar", "reindex", "--data-dir", "/d"]).unwrap();
		assert!(
			matches!(cli.command, Some(Command::Reindex(args)) if args.data_dir == Path::new("/d"))
		);
		assert!(Cli::try_parse_from(["pop-sidecar", "run", "--listen", "0.0.0.0:1"]).is_ok());
	}

	#[test]
	fn fetch_bounds_and_the_address_policy_parse() {
		let cli = Cli::try_parse_from([
			"pop-sidecar",
			"run",
			"--fetch-min-rate",
			"8MiB",
			"--allow-private-endpoints",
			"--fetch-idle-timeout",
			"3s",
		]);
		let Some(Command::Run(config)) = cli.unwrap().command else { panic!("run expected") };
		assert_eq!(config.fetch_min_rate, 8 << 20);
		assert_eq!(config.fetch_idle_timeout, Duration::from_secs(3));
		assert_eq!(config.allow_private_endpoints, Some(true));
		for (args, allowed) in [
			(&["--allow-private-endpoints"][..], Some(true)),
			(&["--allow-private-endpoints=false"], Some(false)),
			(&["--allow-private-endpoints=true"], Some(true)),
			(&[], None),
		] {
			let cli = Cli::try_parse_from(["pop-sidecar"].iter().chain(args)).unwrap();
			assert_eq!(cli.run.allow_private_endpoints, allowed, "{args:?}");
		}
		assert!(Cli::try_parse_from(["pop-sidecar", "--allow-private-endpoints=maybe"]).is_err());
	}

	#[test]
	fn bad_values_are_refused_with_a_reason() {
		for args in [
			["--max-upload-size", "lots"],
			["--quota-per-account", "99999999999TiB"],
			["--public-url", "ftp://x"],
			["--unregistered-ttl", "soon"],
			["--receipt-validity", "forever"],
			["--stream-token-validity", "a while"],
			["--fetch-min-rate", "fast"],
			["--fetch-connect-timeout", "never"],
		] {
			let error = Cli::try_parse_from(["pop-sidecar", args[0], args[1]]).unwrap_err();
			assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation, "{args:?}");
		}
		assert_eq!(parse_size("1024"), Ok(1024));
		assert_eq!(parse_size("3KiB"), Ok(3072));
	}
}
