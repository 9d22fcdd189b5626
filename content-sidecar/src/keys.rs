//! Secret keys: secret URIs, key files, and which keys are public development keys.
//!
//! A key file holds one secret URI (a fresh key's BIP-39 phrase, or any URI with derivation
//! paths) and must be readable by its owner alone: it is created `0600` and refused when the
//! group or others may read it, as ssh refuses a private key. A development key is one
//! derived from the well-known development phrase (`//Alice//stash`, `//Bob`, ...): anyone can
//! sign with it, so it is only ever accepted on development and local chains.

use crate::auth::Account;
use sp_core::{crypto::Pair as _, sr25519};
use std::{
	fs::OpenOptions,
	io::Write,
	os::unix::fs::{OpenOptionsExt, PermissionsExt},
	path::{Path, PathBuf},
};
use subxt_signer::{sr25519::Keypair, ExposeSecret, SecretUri, DEV_PHRASE};

/// The proof key of the development chains' masternode, used when `run` is given none.
pub const DEV_PROOF_KEY: &str = "//Alice//stash";

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
	/// The key file exists already; a key is never overwritten.
	#[error("{0} exists already; a key file is never overwritten")]
	Exists(PathBuf),
	/// The key file may be read by others than its owner.
	#[error("{path} is readable by others (mode {mode:04o}); run `chmod 600 {path}`", path = .0.display(), mode = .1)]
	Exposed(PathBuf, u32),
	/// The key file could not be read or written.
	#[error("{0}: {1}")]
	Io(PathBuf, std::io::Error),
	/// The secret URI does not parse or derive.
	#[error("bad secret key: {0}")]
	Bad(String),
	/// A development key, on a chain that is not a development one.
	#[error(
		"the key {account} derives from the public development phrase, so anyone can sign with \
		 it, and the node's chain is {chain}: make a key of its own with `pop-sidecar key \
		 generate --file <file>`"
	)]
	Public {
		/// The key's account (SS58).
		account: String,
		/// The chain's type, as told.
		chain: String,
	},
}

/// A signing key and its secret URI, for signing payloads (`sp-core`) and transactions
/// (`subxt`).
pub struct SecretKey {
	uri: String,
	pair: sr25519::Pair,
	signer: Keypair,
}

impl SecretKey {
	/// The key of a secret URI (a phrase, a `0x` seed, or a development path like `//Alice`,
	/// with optional derivation paths).
	pub fn from_uri(uri: &str) -> Result<Self, KeyError> {
		let uri = uri.trim();
		// An empty URI would mean the development phrase's root key, which anyone can use.
		if uri.is_empty() {
			return Err(KeyError::Bad("the secret key is empty".into()));
		}
		let pair = sr25519::Pair::from_string(uri, None)
			.map_err(|error| KeyError::Bad(format!("{error:?}")))?;
		let secret: SecretUri = uri.parse().map_err(|error| KeyError::Bad(format!("{error}")))?;
		let signer = Keypair::from_uri(&secret).map_err(|error| KeyError::Bad(error.to_string()))?;
		Ok(Self { uri: uri.to_owned(), pair, signer })
	}

	/// The key in the file at `path`, refused if others than its owner may read it.
	pub fn from_file(path: &Path) -> Result<Self, KeyError> {
		let io = |error| KeyError::Io(path.to_owned(), error);
		let mode = std::fs::metadata(path).map_err(io)?.permissions().mode();
		if mode & 0o077 != 0 {
			return Err(KeyError::Exposed(path.to_owned(), mode & 0o7777));
		}
		Self::from_uri(&std::fs::read_to_string(path).map_err(io)?)
	}

	/// Makes a new key and writes its phrase to a new file at `path`, readable by its owner
	/// alone; an existing file is left as it is.
	pub fn generate(path: &Path) -> Result<Self, KeyError> {
		let io = |error| KeyError::Io(path.to_owned(), error);
		let (_, phrase, _) = sr25519::Pair::generate_with_phrase(None);
		// `create_new` refuses an existing file, even one made between a check and the write;
		// the mode is set as the file is created, so it is never readable by others.
		let mut file =
			match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
				Ok(file) => file,
				Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
					return Err(KeyError::Exists(path.to_owned()))
				}
				Err(error) => return Err(io(error)),
			};
		let written = file.write_all(format!("{phrase}\n").as_bytes()).and_then(|()| file.sync_all());
		if let Err(error) = written {
			// An empty key file left behind would block the next try (never overwritten).
			let _ = std::fs::remove_file(path);
			return Err(io(error));
		}
		Self::from_uri(&phrase)
	}

	/// The key's account.
	pub fn account(&self) -> Account {
		self.pair.public().0
	}

	/// The key as `sp-core` signs with it.
	pub fn pair(&self) -> &sr25519::Pair {
		&self.pair
	}

	/// The key as `subxt` signs transactions with it.
	pub fn signer(&self) -> &Keypair {
		&self.signer
	}

	/// Whether the key may sign on a chain of `chain_type` (`system_chainType`, `None` if
	/// unknown): a development key only on development and local chains.
	pub fn check_chain(&self, chain_type: Option<&str>) -> Result<(), KeyError> {
		if self.is_development() && !allows_development_keys(chain_type) {
			return Err(KeyError::Public {
				account: crate::auth::ss58(&self.account()),
				chain: chain_type.map_or("of an unknown type".into(), |kind| format!("`{kind}`")),
			});
		}
		Ok(())
	}

	/// The key's secret URI.
	pub fn uri(&self) -> &str {
		&self.uri
	}

	/// Whether anyone can know this key: it derives from the public development phrase
	/// (however its words are spaced), or it is one of the well-known development accounts
	/// however it is written (their seeds are public too).
	pub fn is_development(&self) -> bool {
		let from_dev_phrase = self.uri.parse::<SecretUri>().is_ok_and(|uri| {
			let words: Vec<&str> = uri.phrase.expose_secret().split_whitespace().collect();
			words.join(" ") == DEV_PHRASE
		});
		from_dev_phrase || development_accounts().contains(&self.account())
	}
}

/// The well-known development accounts: the development phrase's root, and `//Alice` to
/// `//Ferdie` with their `//stash` keys.
fn development_accounts() -> Vec<Account> {
	let names = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];
	let paths = names.iter().flat_map(|name| [format!("//{name}"), format!("//{name}//stash")]);
	std::iter::once(String::new())
		.chain(paths)
		.filter_map(|path| sr25519::Pair::from_string(&format!("{DEV_PHRASE}{path}"), None).ok())
		.map(|pair| pair.public().0)
		.collect()
}

/// Whether a chain of this type (`system_chainType`) is one where development keys may sign:
/// `Development` and `Local`, never `Live` or a custom type.
fn allows_development_keys(chain_type: Option<&str>) -> bool {
	matches!(chain_type, Some("Development" | "Local"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_generated_key_is_private_never_overwritten_and_read_back() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("proof.key");
		let made = SecretKey::generate(&path).unwrap();
		assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		assert_eq!(made.uri().split_whitespace().count(), 12, "a BIP-39 phrase");
		assert!(!made.is_development());
		let read = SecretKey::from_file(&path).unwrap();
		assert_eq!(read.account(), made.account());

		let before = std::fs::read(&path).unwrap();
		assert!(matches!(SecretKey::generate(&path), Err(KeyError::Exists(_))));
		assert_eq!(std::fs::read(&path).unwrap(), before, "the existing key is kept");
	}

	#[test]
	fn a_key_file_others_can_read_is_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("proof.key");
		SecretKey::generate(&path).unwrap();
		for mode in [0o640, 0o604, 0o644] {
			std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
			let error = SecretKey::from_file(&path).err().unwrap();
			assert!(matches!(error, KeyError::Exposed(_, m) if m == mode), "{mode:o}: {error}");
		}
		std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
		assert!(SecretKey::from_file(&path).is_ok());
	}

	#[test]
	fn development_keys_are_told_apart() {
		for uri in ["//Alice", "//Alice//stash", "//Bob", DEV_PHRASE, &format!("{DEV_PHRASE}//x")] {
			assert!(SecretKey::from_uri(uri).unwrap().is_development(), "{uri}");
		}
		let dir = tempfile::tempdir().unwrap();
		// The same keys written otherwise: spaced words, a space before the path, the seed.
		let spaced = DEV_PHRASE.replace(' ', "  ");
		let (_, alice_seed) =
			sr25519::Pair::from_string_with_seed(&format!("{DEV_PHRASE}//Alice"), None).unwrap();
		let alice_seed = format!("0x{}", hex::encode(alice_seed.unwrap()));
		for uri in [format!("{spaced}//Alice"), format!("{DEV_PHRASE} //Alice//stash"), alice_seed] {
			assert!(SecretKey::from_uri(&uri).unwrap().is_development(), "{uri}");
		}
		let own = SecretKey::generate(&dir.path().join("k")).unwrap();
		let derived = SecretKey::from_uri(&format!("{}//proof", own.uri())).unwrap();
		assert!(!derived.is_development());
		assert!(matches!(SecretKey::from_uri("not a key"), Err(KeyError::Bad(_))));
		for empty in ["", " ", "\n"] {
			assert!(matches!(SecretKey::from_uri(empty), Err(KeyError::Bad(_))), "{empty:?}");
		}
	}

	#[test]
	fn development_keys_are_allowed_on_development_and_local_chains_only() {
		assert!(allows_development_keys(Some("Development")));
		assert!(allows_development_keys(Some("Local")));
		assert!(!allows_development_keys(Some("Live")));
		assert!(!allows_development_keys(None));
		let alice = SecretKey::from_uri(DEV_PROOF_KEY).unwrap();
		assert!(alice.check_chain(Some("Local")).is_ok());
		assert!(matches!(alice.check_chain(Some("Live")), Err(KeyError::Public { .. })));
		let dir = tempfile::tempdir().unwrap();
		let own = SecretKey::generate(&dir.path().join("k")).unwrap();
		assert!(own.check_chain(Some("Live")).is_ok() && own.check_chain(None).is_ok());
	}
}
