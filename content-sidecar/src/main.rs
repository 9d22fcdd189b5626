//! `pop-sidecar`: the content daemon beside a pop-node (see the library's docs).

use clap::Parser;
use pop_sidecar::{
	chain::{self, ChainLedger, Connection, ProofKey},
	config::{Cli, Command, Config, LogFormat},
	gc, index,
	keys::{SecretKey, DEV_PROOF_KEY},
	ledger::{Ledger, MemoryLedger},
	operator, state, unix_time_ms, AppState,
};
use std::{error::Error, io::IsTerminal, path::Path, process::ExitCode, sync::Arc, time::Duration};
use tracing_subscriber::EnvFilter;

/// How long open connections may go on after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
	keep_freed_memory();
	let open_files = raise_open_file_limit();
	let cli = Cli::parse();
	let result = match cli.command.unwrap_or_else(|| Command::Run(Box::new(cli.run))) {
		Command::Run(config) => run(*config, open_files),
		Command::Reindex(args) => reindex(&args.data_dir),
		Command::Key(command) => operator::key(command).map_err(Into::into),
		Command::Masternode(args) => operate(operator::masternode::run(args)),
		Command::Status(args) => operate(operator::status::run(args)),
	};
	match result {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("pop-sidecar: {error}");
			ExitCode::FAILURE
		}
	}
}

/// Raises the soft limit of open files to the hard one, as pop-node does, and returns it: every
/// viewer holds a socket and, while a response is sent, the item's file, and the proofs the
/// chain asks for open the same files, so the usual soft limit of 1,024 would fail requests
/// (and could fail proofs) under a few hundred viewers.
fn raise_open_file_limit() -> Option<u64> {
	use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
	let limit = getrlimit(Resource::Nofile);
	let raised = Rlimit { current: limit.maximum, ..limit };
	match setrlimit(Resource::Nofile, raised) {
		Ok(()) => limit.maximum,
		Err(_) => limit.current,
	}
}

/// Upload bodies arrive in buffers of a few hundred KiB, freed once written and hashed. By
/// default glibc hands such memory back to the kernel at once and the next buffers fault it in
/// again, zeroed: that cost a tenth of an upload's CPU. The freed memory is kept for reuse
/// instead (up to 64 MiB per arena).
fn keep_freed_memory() {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	// SAFETY: `mallopt` only sets malloc parameters; it runs before any other thread exists.
	unsafe {
		// Allocations below 32 MiB (glibc's largest threshold) come from the heap, and the
		// threshold no longer moves with what is freed.
		libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
		libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
	}
}

/// Runs an operator's command that talks to the chain.
fn operate(
	command: impl std::future::Future<Output = Result<(), operator::OperatorError>>,
) -> Result<(), Box<dyn Error>> {
	let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
	Ok(runtime.block_on(command)?)
}

#[tokio::main]
async fn run(config: Config, open_files: Option<u64>) -> Result<(), Box<dyn Error>> {
	init_logs(config.log_format);
	let proof_key = proof_key(&config).await?;
	let proof_key = Arc::new(ProofKey::new(proof_key));
	let connection = Connection::default();
	let ledger: Arc<dyn Ledger> = match config.standalone {
		true => Arc::new(MemoryLedger::default()),
		false => Arc::new(ChainLedger(connection.clone())),
	};
	let state = AppState::open(config.clone(), ledger, proof_key.clone())?;
	let listener = tokio::net::TcpListener::bind(config.listen).await?;
	tracing::info!(
		listen = %listener.local_addr()?,
		data_dir = %config.data_dir.display(),
		public_url = config.public_url,
		node_url = config.node_url,
		standalone = config.standalone,
		open_files,
		"pop-sidecar serving"
	);
	let collector = tokio::spawn(gc::run_periodically(state.clone(), config.gc_interval));
	if config.transcoders > 0 {
		match state.transcoder.tools().check().await {
			Ok(versions) => tracing::info!(ffmpeg = versions.ffmpeg, "transcoding uploaded videos"),
			Err(error) => tracing::warn!(%error, "uploaded videos cannot be transcoded"),
		}
	}
	let transcoder = tokio::spawn(state.transcoder.clone().run());
	let fetcher = chain::Fetcher::new(&config)?;
	let follower = (!config.standalone).then(|| {
		let url = config.node_url.clone();
		tokio::spawn(chain::run(state.clone(), connection, url, proof_key, fetcher))
	});

	let (signalled, on_signal) = tokio::sync::oneshot::channel();
	let server = pop_sidecar::server::serve(listener, state.clone(), async move {
		shutdown_signal().await;
		let _ = signalled.send(());
	});
	let mut server = tokio::spawn(server);
	tokio::select! {
		result = &mut server => result?,
		_ = on_signal => {
			tracing::info!("shutting down");
			if tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await.is_err() {
				tracing::warn!("connections still open after {SHUTDOWN_GRACE:?} are dropped");
			}
		},
	}
	collector.abort();
	// Its ffmpeg stops with it; the job runs again at the next start.
	transcoder.abort();
	if let Some(follower) = follower {
		follower.abort();
	}
	state.index.flush()?;
	tracing::info!("stopped");
	Ok(())
}

/// The proof key: from `--proof-key-file`, `--proof-key`, or the development chains' default.
/// A development key (anyone can sign with it) is refused unless the node's chain is a
/// development or local one, which is asked before anything is served.
async fn proof_key(config: &Config) -> Result<SecretKey, Box<dyn Error>> {
	let key = match (&config.proof_key_file, &config.proof_key) {
		(Some(path), _) => SecretKey::from_file(path)?,
		(None, Some(uri)) => SecretKey::from_uri(uri)?,
		(None, None) => SecretKey::from_uri(DEV_PROOF_KEY)?,
	};
	if !key.is_development() || config.standalone {
		return Ok(key);
	}
	let chain_type = loop {
		match chain::chain_type(&config.node_url).await {
			Ok(chain_type) => break chain_type,
			Err(error) => {
				tracing::info!(
					node_url = config.node_url,
					%error,
					"waiting for the node, to learn whether its chain takes a development proof key"
				);
				tokio::select! {
					_ = tokio::time::sleep(Duration::from_secs(2)) => {},
					_ = shutdown_signal() => return Err("stopped while waiting for the node".into()),
				}
			}
		}
	};
	key.check_chain(chain_type.as_deref())?;
	tracing::warn!(
		proof_key = pop_sidecar::auth::ss58(&key.account()),
		"signing with a public development proof key: fine on this development chain, never on a live one"
	);
	Ok(key)
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
	let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
		.expect("SIGTERM can be handled");
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = terminate.recv() => {},
	}
}

fn init_logs(format: LogFormat) {
	let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
	let logs = tracing_subscriber::fmt()
		.with_env_filter(filter)
		.with_writer(std::io::stderr)
		// A log reader that went away (a closed pipe) must not take the daemon down: by
		// default a failed write is reported on stderr, which panics when stderr is the
		// closed pipe.
		.log_internal_errors(false)
		.with_ansi(std::io::stderr().is_terminal());
	match format {
		LogFormat::Compact => logs.compact().init(),
		LogFormat::Json => logs.json().init(),
	}
}

fn reindex(data_dir: &Path) -> Result<(), Box<dyn Error>> {
	let (store, index) = state::open_data(data_dir)?;
	let report = index::reindex(&store, &*index, unix_time_ms())?;
	// After a chain reset, or a move to another network: reconcile at what the node finalizes.
	index.forget_reconciled()?;
	index.flush()?;
	println!("{report:?}");
	Ok(())
}
