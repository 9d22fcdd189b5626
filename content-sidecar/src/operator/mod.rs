//! The operator's commands: a masternode's keys, its calls to the registry, and its status.
//!
//! - `key generate | inspect` ([`key`]): key files, made `0600` and refused when others may
//!   read them ([`crate::keys`]).
//! - `masternode register | update | bond-more | unbond | withdraw | deregister | unjail |
//!   fund` ([`masternode`]): signed by the operator's account (a secret URI, a key file or the
//!   environment), followed until finalized; they print the block and the call's decoded
//!   events, or the chain's decoded error and exit with a failure.
//! - `status` ([`status`]): what an operator watches, from the chain, the node and the
//!   sidecar.
//!
//! Every command prints text for people, or JSON with `--json` for scripts.

pub mod amount;
pub mod masternode;
mod render;
pub mod status;

use crate::{
	auth::Account,
	config::{KeyCommand, KeyFileArgs},
	keys::{KeyError, SecretKey},
};
use serde::Serialize;

/// Why an operator's command failed.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
	/// A key could not be made, read or used.
	#[error(transparent)]
	Key(#[from] KeyError),
	/// The node could not be reached.
	#[error("cannot reach the node at {url}: {reason}")]
	Connect {
		/// Its URL.
		url: String,
		/// Why.
		reason: String,
	},
	/// Talking to the node failed midway.
	#[error("node: {0}")]
	Node(String),
	/// The node refused the transaction, or the chain failed it.
	#[error("{0}")]
	Refused(String),
	/// The command was given something it cannot use.
	#[error("{0}")]
	Usage(String),
	/// A transaction was sent, and what became of it could not be learnt.
	#[error(
		"transaction {hash} was sent, but its outcome is unknown ({reason}): check it on chain \
		 before sending it again"
	)]
	Unknown {
		/// The transaction's hash.
		hash: String,
		/// Why its outcome is unknown.
		reason: String,
	},
}

impl OperatorError {
	fn connect(url: &str, error: impl std::fmt::Display) -> Self {
		Self::Connect { url: url.to_owned(), reason: error.to_string() }
	}

	fn node(error: impl std::fmt::Display) -> Self {
		Self::Node(error.to_string())
	}
}

/// Where a command's result goes: JSON or text, on stdout.
struct Output {
	json: bool,
}

impl Output {
	fn new(json: bool) -> Self {
		Self { json }
	}

	/// Prints `value` as JSON, or `text()` for people.
	fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
		match self.json {
			true => println!("{}", serde_json::to_string_pretty(value).expect("serializable")),
			false => print!("{}", text()),
		}
	}
}

/// An SS58 address of POP's prefix (42). The text is not repeated in the error: a secret
/// pasted where an address belongs would land in logs and terminals.
fn parse_account(address: &str) -> Result<Account, OperatorError> {
	use sp_core::crypto::{AccountId32, Ss58AddressFormat, Ss58Codec};
	let (account, format) = AccountId32::from_ss58check_with_version(address.trim())
		.map_err(|error| OperatorError::Usage(format!("not an SS58 address ({error:?})")))?;
	if format != Ss58AddressFormat::custom(42) {
		return Err(OperatorError::Usage(format!(
			"an SS58 address of another network (prefix {}); POP's is 42",
			u16::from(format)
		)));
	}
	Ok(account.into())
}

/// A key file's account, as `key generate | inspect` print it.
#[derive(Serialize)]
struct KeyInfo {
	account: String,
	public: String,
	file: String,
}

/// Runs `pop-sidecar key …`.
pub fn key(command: KeyCommand) -> Result<(), OperatorError> {
	let (args, key): (&KeyFileArgs, SecretKey) = match &command {
		KeyCommand::Generate(args) => (args, SecretKey::generate(&args.file)?),
		KeyCommand::Inspect(args) => (args, SecretKey::from_file(&args.file)?),
	};
	let info = KeyInfo {
		account: crate::auth::ss58(&key.account()),
		public: format!("0x{}", hex::encode(key.account())),
		file: args.file.display().to_string(),
	};
	Output::new(args.json).print(&info, || {
		format!("account {}\npublic  {}\nfile    {}\n", info.account, info.public, info.file)
	});
	Ok(())
}
