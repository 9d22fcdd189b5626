//! `pop-try-state`: checks every pallet's invariants and the runtime's upgrade hooks on the
//! live state of a running `pop-node` (see the library's docs). Exits non-zero on a failure.

use clap::Parser;

/// Checks try-runtime invariants on a running pop-node's state.
#[derive(Parser)]
struct Args {
	/// The node's JSON-RPC endpoint.
	#[arg(long, env = "POP_NODE_RPC", default_value = "http://127.0.0.1:9944")]
	url: String,
	/// The block whose state is checked (`0x` hash); the finalized head by default.
	#[arg(long)]
	at: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
	let args = Args::parse();
	let state = match pop_try_state::fetch_state(&args.url, args.at).await {
		Ok(state) => state,
		Err(error) => {
			eprintln!("pop-try-state: {error}");
			return std::process::ExitCode::from(2);
		}
	};
	let keys = state.pairs.len();
	let mut ext = pop_try_state::externalities(state.pairs);
	match pop_try_state::check(&mut ext) {
		Ok(weight) => {
			println!(
				"block #{} {}: {keys} keys; upgrade hooks and try_state of every pallet passed \
				 (upgrade weight {})",
				state.number,
				state.block,
				weight.ref_time()
			);
			std::process::ExitCode::SUCCESS
		}
		Err(error) => {
			eprintln!("pop-try-state: block #{} {}: {error}", state.number, state.block);
			std::process::ExitCode::FAILURE
		}
	}
}
