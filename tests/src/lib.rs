//! Harness for end-to-end tests: starts real `pop-node` processes on free loopback ports,
//! each with its own temporary base path, and talks to them over JSON-RPC.
//!
//! The node binary is taken from `POP_NODE_BIN`, or else from the `release` folder of the
//! cargo target directory these tests were built into (`scripts/test.sh` builds it there).

use std::{
	fs::File,
	io::{BufRead, BufReader},
	net::TcpListener,
	path::PathBuf,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

use jsonrpsee::{
	core::{client::ClientT, params::ArrayParams},
	http_client::{HttpClient, HttpClientBuilder},
};
use serde_json::Value;

/// The result type of the harness: errors carry a message that says what was expected.
pub type Result<T> = std::result::Result<T, String>;

/// Path of the `pop-node` binary under test.
pub fn node_binary() -> PathBuf {
	if let Some(path) = std::env::var_os("POP_NODE_BIN") {
		return PathBuf::from(path);
	}
	// <target>/<profile>/deps/<test-binary>: the release node sits at <target>/release/pop-node.
	let exe = std::env::current_exe().expect("test binary has a path");
	let target = exe.ancestors().nth(3).expect("test binary lives in <target>/<profile>/deps");
	target.join("release").join("pop-node")
}

/// The repository root, for committed files such as chain specs.
pub fn repo_root() -> PathBuf {
	// Cargo sets the variable when it runs the tests; the compile-time value can name another
	// checkout, because cargo reuses artifacts across checkouts that share a target folder.
	let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
	manifest_dir.parent().expect("tests/ is in the repo").to_path_buf()
}

/// A loopback TCP port that was free a moment ago.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|addr| addr.port())
		.expect("can bind an ephemeral loopback port")
}

/// How a test node is started.
pub struct NodeConfig {
	/// `--dev` or a `--chain` value.
	pub chain: ChainArg,
	/// Extra command-line arguments (`--alice`, `--bootnodes`, ...).
	pub extra_args: Vec<String>,
	/// Reuse this base path instead of a fresh temporary one.
	pub base_path: Option<PathBuf>,
}

/// The chain a test node runs.
pub enum ChainArg {
	/// `--dev`: single-validator development chain.
	Dev,
	/// `--chain <value>`: a builtin name or a chain-spec path.
	Chain(String),
}

/// A running `pop-node` process, killed when dropped.
pub struct Node {
	child: Option<Child>,
	/// JSON-RPC port (HTTP and WebSocket).
	pub rpc_port: u16,
	/// libp2p port.
	pub p2p_port: u16,
	/// Prometheus metrics port.
	pub prometheus_port: u16,
	/// The node's base path.
	pub base_path: PathBuf,
	log_path: PathBuf,
	_temp: Option<tempfile::TempDir>,
	rpc: HttpClient,
}

impl Node {
	/// Starts a node and waits until its RPC server answers.
	pub async fn start(config: NodeConfig) -> Result<Node> {
		let (temp, base_path) = match config.base_path {
			Some(path) => (None, path),
			None => {
				let temp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
				let path = temp.path().to_path_buf();
				(Some(temp), path)
			}
		};
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let log_path = base_path.join(format!("node-{rpc_port}.log"));
		std::fs::create_dir_all(&base_path).map_err(|e| format!("create base path: {e}"))?;
		let log = File::create(&log_path).map_err(|e| format!("create log: {e}"))?;

		let mut command = Command::new(node_binary());
		match &config.chain {
			ChainArg::Dev => command.arg("--dev"),
			ChainArg::Chain(chain) => command.args(["--chain", chain]),
		};
		command
			.args(["--base-path", &base_path.to_string_lossy()])
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.args(["--no-telemetry", "--no-mdns"])
			// Authorities on non-dev chains refuse to invent a network key (it should be
			// persistent); a throw-away test node may.
			.arg("--unsafe-force-node-key-generation")
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.args(&config.extra_args)
			.stdin(Stdio::null())
			.stdout(log.try_clone().map_err(|e| e.to_string())?)
			.stderr(log);
		let child = command
			.spawn()
			.map_err(|e| format!("cannot start {}: {e}", node_binary().display()))?;

		let rpc = HttpClientBuilder::default()
			.request_timeout(Duration::from_secs(30))
			.build(format!("http://127.0.0.1:{rpc_port}"))
			.map_err(|e| e.to_string())?;
		let mut node = Node {
			child: Some(child),
			rpc_port,
			p2p_port,
			prometheus_port,
			base_path,
			log_path,
			_temp: temp,
			rpc,
		};
		node.wait_for_rpc().await?;
		Ok(node)
	}

	/// Waits until the node answers RPC: two minutes, since nodes of other tests starting at
	/// the same time compile the runtime too, and on two cores that can take a minute.
	async fn wait_for_rpc(&mut self) -> Result<()> {
		let deadline = Instant::now() + Duration::from_secs(120);
		loop {
			if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
				return Err(format!("node exited with {status}:\n{}", self.log_tail(40)));
			}
			if self.call("system_health", ArrayParams::new()).await.is_ok() {
				return Ok(());
			}
			if Instant::now() > deadline {
				return Err(format!("RPC did not come up in 120 s:\n{}", self.log_tail(40)));
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// Calls a JSON-RPC method and returns its result.
	pub async fn call(&self, method: &str, params: ArrayParams) -> Result<Value> {
		self.rpc.request(method, params).await.map_err(|e| format!("{method}: {e}"))
	}

	/// Calls a JSON-RPC method that is expected to fail and returns the error text.
	pub async fn call_err(&self, method: &str, params: ArrayParams) -> Result<String> {
		match self.rpc.request::<Value, _>(method, params).await {
			Ok(value) => Err(format!("{method} unexpectedly succeeded with {value}")),
			Err(e) => Ok(e.to_string()),
		}
	}

	/// The JSON-RPC endpoint over WebSocket.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// Number of the best block.
	pub async fn best_number(&self) -> Result<u64> {
		let header = self.call("chain_getHeader", ArrayParams::new()).await?;
		block_number(&header)
	}

	/// Number of the last finalized block.
	pub async fn finalized_number(&self) -> Result<u64> {
		let hash = self.call("chain_getFinalizedHead", ArrayParams::new()).await?;
		let mut params = ArrayParams::new();
		params.insert(hash).map_err(|e| e.to_string())?;
		let header = self.call("chain_getHeader", params).await?;
		block_number(&header)
	}

	/// Waits until `probe` returns at least `target`, failing after `timeout` with the node log.
	pub async fn wait_until<F, Fut>(
		&self,
		what: &str,
		target: u64,
		timeout: Duration,
		probe: F,
	) -> Result<u64>
	where
		F: Fn() -> Fut,
		Fut: std::future::Future<Output = Result<u64>>,
	{
		let deadline = Instant::now() + timeout;
		let mut last = Err("never probed".to_string());
		while Instant::now() < deadline {
			last = probe().await;
			if let Ok(value) = last {
				if value >= target {
					return Ok(value);
				}
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
		Err(format!(
			"{what} did not reach {target} within {timeout:?} (last: {last:?}):\n{}",
			self.log_tail(40)
		))
	}

	/// Waits until the node has finalized block `target`.
	pub async fn wait_for_finalized(&self, target: u64, timeout: Duration) -> Result<u64> {
		self.wait_until("finalized block", target, timeout, || self.finalized_number()).await
	}

	/// The last `lines` lines of the node's log, for failure messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let Ok(file) = File::open(&self.log_path) else { return String::new() };
		let all: Vec<String> = BufReader::new(file).lines().map_while(|l| l.ok()).collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// Stops the node with SIGTERM and waits for it to exit, as an operator's `kill` would.
	pub fn stop(&mut self) -> Result<std::process::ExitStatus> {
		let Some(mut child) = self.child.take() else { return Err("already stopped".into()) };
		let pid = child.id().to_string();
		Command::new("kill").args(["-TERM", &pid]).status().map_err(|e| e.to_string())?;
		let deadline = Instant::now() + Duration::from_secs(30);
		loop {
			if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
				return Ok(status);
			}
			if Instant::now() > deadline {
				let _ = child.kill();
				return Err("node did not stop within 30 s of SIGTERM".into());
			}
			std::thread::sleep(Duration::from_millis(100));
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}
}

/// Reads the block number out of a header returned by `chain_getHeader`.
pub fn block_number(header: &Value) -> Result<u64> {
	let hex =
		header["number"].as_str().ok_or_else(|| format!("header without number: {header}"))?;
	u64::from_str_radix(hex.trim_start_matches("0x"), 16)
		.map_err(|e| format!("bad number {hex}: {e}"))
}

/// Builds positional JSON-RPC parameters from JSON values.
pub fn params(values: impl IntoIterator<Item = Value>) -> ArrayParams {
	let mut params = ArrayParams::new();
	for value in values {
		params.insert(value).expect("a JSON value always serializes");
	}
	params
}

/// Runs `pop-node` with the given arguments to completion and returns its stdout.
pub fn run_node_command(args: &[&str]) -> Result<String> {
	let output = Command::new(node_binary())
		.args(args)
		.output()
		.map_err(|e| format!("cannot run pop-node {args:?}: {e}"))?;
	if !output.status.success() {
		return Err(format!(
			"pop-node {args:?} failed with {}:\n{}",
			output.status,
			String::from_utf8_lossy(&output.stderr)
		));
	}
	String::from_utf8(output.stdout).map_err(|e| e.to_string())
}
