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
	/// Rebuild the metadata index from the content files and print what changed, and forget
	/// the last chain block reconciled (after a chain reset, or to serve another network).
	/// Stop the daemon first: the index cannot be opened twice.
	Reindex(ReindexArgs),
	/// Make or show a key file (a proof key, or an operator's account key).
	#[command(subcommand)]
	Key(KeyCommand),
	/// Send one of the masternode registry's calls, signed by the operator's account, and
	/// print the block it landed in with its events, or the chain's error.
	Masternode(MasternodeArgs),
	/// Show a masternode's standing on chain, its replicas, and its sidecar's and node's
	/// health.
	Status(StatusArgs),
}

/// `key` subcommands.
#[derive(Subcommand, Debug)]
pub enum KeyCommand {
	/// Make a new key and write its secret phrase to a new file, readable by its owner alone
	/// (an existing file is never overwritten), and print its account.
	Generate(KeyFileArgs),
	/// Print the account of the key in a file.
	Inspect(KeyFileArgs),
}

/// Options of `key generate` and `key inspect`.
#[derive(Args, Debug)]
pub struct KeyFileArgs {
	/// The key file.
	#[arg(long)]
	pub file: PathBuf,
	/// Print JSON (`account`, `public`, `file`) instead of text.
	#[arg(long)]
	pub json: bool,
}

/// How the node is reached and results printed, for the commands that talk to the chain.
#[derive(Args, Debug, Clone)]
pub struct ChainArgs {
	/// JSON-RPC endpoint of a pop-node of the network.
	#[arg(long, env = "POP_NODE_URL", default_value = "ws://127.0.0.1:9944", global = true)]
	pub node_url: String,
	/// Print JSON instead of text.
	#[arg(long, global = true)]
	pub json: bool,
}

/// Options of `masternode`.
#[derive(Args, Debug)]
pub struct MasternodeArgs {
	/// The call to send.
	#[command(subcommand)]
	pub action: MasternodeAction,
	/// The node, and the output.
	#[command(flatten)]
	pub chain: ChainArgs,
	/// Secret URI of the operator's (bonded) account. Prefer `--operator-key-file` or the
	/// environment: a command line is seen by every user of the machine.
	#[arg(
		long,
		env = "POP_OPERATOR_KEY",
		hide_env_values = true,
		global = true,
		conflicts_with = "operator_key_file"
	)]
	pub operator_key: Option<String>,
	/// File holding the secret URI of the operator's account (see `key generate`).
	#[arg(long, env = "POP_OPERATOR_KEY_FILE", global = true)]
	pub operator_key_file: Option<PathBuf>,
}

/// The masternode registry's calls.
#[derive(Subcommand, Debug)]
pub enum MasternodeAction {
	/// Register the operator's account as a masternode, holding its self-bond.
	Register {
		/// Self-bond in POP (e.g. `10000` or `1500.5`); at least the chain's minimum.
		#[arg(long, value_parser = parse_pop)]
		bond: u128,
		/// Public URL of the masternode's sidecar (`http://` or `https://`).
		#[arg(long)]
		endpoint: String,
		/// The proof key its sidecar signs with.
		#[command(flatten)]
		proof_key: ProofKeyArg,
		/// Bytes of content offered, with a unit (e.g. `500GiB`).
		#[arg(long, value_parser = parse_size)]
		capacity: u64,
		/// Share of rewards kept before backers are paid, in percent (e.g. `10` or `2.5`).
		#[arg(long, value_parser = parse_percent)]
		commission: u32,
	},
	/// Change the masternode's endpoint, proof key, capacity or commission; what is not
	/// given stays as it is.
	Update {
		/// A new public URL of its sidecar.
		#[arg(long)]
		endpoint: Option<String>,
		/// A new proof key.
		#[command(flatten)]
		proof_key: ProofKeyArg,
		/// A new capacity, with a unit.
		#[arg(long, value_parser = parse_size)]
		capacity: Option<u64>,
		/// A new commission in percent.
		#[arg(long, value_parser = parse_percent)]
		commission: Option<u32>,
	},
	/// Add POP from the operator's free balance to the bond.
	BondMore {
		/// POP to add.
		#[arg(long, value_parser = parse_pop)]
		amount: u128,
	},
	/// Start unbonding part of the bond; it can be withdrawn after the bonding duration.
	Unbond {
		/// POP to unbond.
		#[arg(long, value_parser = parse_pop)]
		amount: u128,
	},
	/// Release every unbonded chunk whose unlock era has come.
	Withdraw,
	/// Leave the registry; the whole bond starts unbonding.
	Deregister,
	/// Leave jail once the jail period is over.
	Unjail,
	/// Send POP from the operator's account to the proof key, which pays its proofs' and
	/// confirmations' fees up front (valid ones get them back).
	Fund {
		/// POP to send.
		#[arg(long, value_parser = parse_pop)]
		amount: u128,
		/// The proof key.
		#[command(flatten)]
		proof_key: ProofKeyArg,
	},
}

/// A proof key, named by its account or by its key file.
#[derive(Args, Debug, Clone)]
#[group(multiple = false)]
pub struct ProofKeyArg {
	/// The proof key's account (SS58), never its secret.
	#[arg(long)]
	pub proof_key_account: Option<String>,
	/// The proof key's file (see `key generate`); only its account is read.
	#[arg(long)]
	pub proof_key_file: Option<PathBuf>,
}

/// Options of `status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
	/// The node, and the output.
	#[command(flatten)]
	pub chain: ChainArgs,
	/// URL of the masternode's sidecar, whose health is shown.
	#[arg(long, env = "POP_SIDECAR_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
	pub sidecar_url: String,
	/// The masternode (its operator account, SS58); by default the one the sidecar's proof
	/// key signs for.
	#[arg(long)]
	pub masternode: Option<String>,
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
	/// Secret URI of the masternode's proof key (a mnemonic, a `0x` seed or a development
	/// path like `//Alice//stash`), with which proofs, confirmations and receipts are signed.
	/// A command line is seen by every user of the machine: prefer `--proof-key-file`. With
	/// neither, the development chains' masternode key `//Alice//stash` is used, and only
	/// where development keys are allowed (see `--proof-key-file`).
	#[arg(
		long,
		env = "POP_SIDECAR_PROOF_KEY",
		hide_env_values = true,
		conflicts_with = "proof_key_file"
	)]
	pub proof_key: Option<String>,
	/// File holding the proof key's secret URI, readable by its owner alone (`pop-sidecar key
	/// generate` makes one). Keys derived from the public development phrase (`//Alice`, ...)
	/// sign on development and local chains only: on any other the daemon refuses to start.
	#[arg(long, env = "POP_SIDECAR_PROOF_KEY_FILE")]
	pub proof_key_file: Option<PathBuf>,
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
		value_parser = parse_period
	)]
	pub unregistered_ttl: Duration,
	/// How long an upload receipt stays valid for registering the upload on chain (e.g. `1h`,
	/// `30m`). A receipt is signed when an upload completes, and again whenever its uploader
	/// asks (`HEAD` on the finished upload).
	#[arg(
		long,
		env = "POP_SIDECAR_RECEIPT_VALIDITY",
		default_value = "1h",
		value_parser = parse_period
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
		value_parser = parse_period
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
		value_parser = parse_period
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
	/// How long a client may take to send a request's head before its connection is closed.
	#[arg(
		long,
		env = "POP_SIDECAR_REQUEST_HEAD_TIMEOUT",
		default_value = "30s",
		value_parser = parse_period
	)]
	pub request_head_timeout: Duration,
	/// How long a response may wait for its client to take more of it (as nginx's
	/// `send_timeout`): a client that stops reading is cut off after this, so it cannot hold a
	/// connection, and the item it was sent, for ever.
	#[arg(
		long,
		env = "POP_SIDECAR_SEND_TIMEOUT",
		default_value = "60s",
		value_parser = parse_period
	)]
	pub send_timeout: Duration,
	/// Most connections served at once. Past it, new connections wait in the kernel's accept
	/// queue until one closes, so a flood of connections cannot exhaust the file descriptors
	/// that content and the index need.
	#[arg(
		long,
		env = "POP_SIDECAR_MAX_CONNECTIONS",
		default_value_t = 10_000,
		value_parser = clap::value_parser!(u32).range(1..)
	)]
	pub max_connections: u32,
	/// Most connections served at once from one client: an IPv4 address, or an IPv6 /64 (what
	/// one host or home is given). Past it, a new connection from that client is closed at once,
	/// so one client cannot take every place of `--max-connections`. Behind a reverse proxy every
	/// connection comes from the proxy's address: set this to `--max-connections` there, and
	/// limit clients in the proxy.
	#[arg(
		long,
		env = "POP_SIDECAR_MAX_CONNECTIONS_PER_ADDRESS",
		default_value_t = 256,
		value_parser = clap::value_parser!(u32).range(1..)
	)]
	pub max_connections_per_address: u32,
	/// How often expired uploads and withdrawn content are looked for.
	#[arg(
		long,
		env = "POP_SIDECAR_GC_INTERVAL",
		default_value = "1m",
		value_parser = parse_period
	)]
	pub gc_interval: Duration,
	/// How long connecting to another holder's sidecar may take when fetching a replica.
	#[arg(
		long,
		env = "POP_SIDECAR_FETCH_CONNECT_TIMEOUT",
		default_value = "5s",
		value_parser = parse_period
	)]
	pub fetch_connect_timeout: Duration,
	/// How long a replica fetch may wait for a holder's next bytes (its response head
	/// included) before the next holder is tried.
	#[arg(
		long,
		env = "POP_SIDECAR_FETCH_IDLE_TIMEOUT",
		default_value = "15s",
		value_parser = parse_period
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
		value_parser = parse_period
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

/// Parses a duration that must be more than zero: none of these settings means anything at
/// zero (a zero head timeout closes every connection, a zero GC interval cannot tick).
fn parse_period(text: &str) -> Result<Duration, String> {
	match humantime::parse_duration(text)
		.map_err(|e| format!("`{text}`: {e} (e.g. 30s, 10m, 1h)"))?
	{
		Duration::ZERO => Err(format!("`{text}` must be more than zero")),
		period => Ok(period),
	}
}

/// Parses a byte count: digits, optionally followed by a binary unit.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
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

/// POP, with up to 12 decimals, as planck.
fn parse_pop(text: &str) -> Result<u128, String> {
	crate::operator::amount::parse_pop(text)
}

/// A percentage with up to 7 decimals, as parts per billion (`Perbill`).
fn parse_percent(text: &str) -> Result<u32, String> {
	crate::operator::amount::parse_percent(text)
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
			["--max-connections", "0"],
			["--max-connections-per-address", "0"],
		] {
			let error = Cli::try_parse_from(["pop-sidecar", args[0], args[1]]).unwrap_err();
			assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation, "{args:?}");
		}
		for option in [
			"--unregistered-ttl",
			"--receipt-validity",
			"--stream-token-validity",
			"--upload-token-validity",
			"--request-head-timeout",
			"--send-timeout",
			"--gc-interval",
			"--fetch-connect-timeout",
			"--fetch-idle-timeout",
			"--max-video-duration",
		] {
			let error = Cli::try_parse_from(["pop-sidecar", option, "0s"]).unwrap_err();
			assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation, "{option}");
			assert!(error.to_string().contains("`0s` must be more than zero"), "{option}: {error}");
		}
		assert_eq!(parse_size("1024"), Ok(1024));
		assert_eq!(parse_size("3KiB"), Ok(3072));
	}
}
