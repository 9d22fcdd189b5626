//! Genesis presets: the starting state of the dev, local and production-shaped chains.
//!
//! Chain specs are generated from these presets by `scripts/gen-chain-specs.sh`, so the
//! runtime is the single source of truth for what a chain starts with.

use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_core::crypto::UncheckedInto;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	currency::POP, time::MINUTES, AccountId, BabeConfig, BabeId, Balance, BalancesConfig,
	DelegationConfig, GrandpaId, MasternodesConfig, PopTokenConfig, RuntimeGenesisConfig,
	SessionConfig, SessionKeys, SudoConfig, BABE_GENESIS_EPOCH_CONFIG,
};
use sp_runtime::Perbill;

/// Name of the production-shaped preset.
pub const PRODUCTION_RUNTIME_PRESET: &str = "production";

/// Balance of each pre-funded account on the dev and local chains.
const DEV_ENDOWMENT: Balance = 1_000_000 * POP;
/// Balance each production validator starts with, enough to bond and pay fees.
const PRODUCTION_VALIDATOR_ENDOWMENT: Balance = 100_000 * POP;
/// Balance of the production foundation account, from which the network is bootstrapped.
const PRODUCTION_FOUNDATION_ENDOWMENT: Balance = 100_000_000 * POP;

/// Self-bond of each genesis validator's masternode.
const GENESIS_MASTERNODE_BOND: Balance = 10_000 * POP;
/// Commission of the genesis masternodes.
const GENESIS_COMMISSION: Perbill = Perbill::from_percent(10);
/// Capacity the genesis masternodes advertise: 1 TiB.
const GENESIS_CAPACITY: u64 = 1 << 40;
/// POP the reward pot starts with.
const POT_AT_GENESIS: Balance = POP;

/// A genesis validator: its account and the public halves of its session keys. Every genesis
/// validator also runs a masternode, signing storage proofs with `proof_key`.
struct Authority {
	account: AccountId,
	babe: BabeId,
	grandpa: GrandpaId,
	proof_key: AccountId,
	endpoint: &'static str,
}

/// Era timing: blocks per session and sessions per era.
struct EraTiming {
	session_length: u64,
	sessions_per_era: u32,
}

/// Dev and local chains: 30 s sessions, one-minute eras.
const DEV_TIMING: EraTiming = EraTiming { session_length: MINUTES as u64 / 2, sessions_per_era: 2 };
/// Production: one-hour sessions, six-hour eras.
const PRODUCTION_TIMING: EraTiming =
	EraTiming { session_length: 60 * MINUTES as u64, sessions_per_era: 6 };

fn genesis(
	authorities: Vec<Authority>,
	endowed: Vec<(AccountId, Balance)>,
	delegations: Vec<(AccountId, AccountId, Balance)>,
	sudo: AccountId,
	timing: EraTiming,
) -> Value {
	let masternodes = authorities
		.iter()
		.map(|a| {
			(
				a.account.clone(),
				GENESIS_MASTERNODE_BOND,
				a.endpoint.as_bytes().to_vec(),
				a.proof_key.clone(),
				GENESIS_CAPACITY,
				GENESIS_COMMISSION,
			)
		})
		.collect::<Vec<_>>();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances: endowed },
		babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		session: SessionConfig {
			keys: authorities
				.into_iter()
				.map(|a| {
					let keys = SessionKeys { babe: a.babe, grandpa: a.grandpa };
					(a.account.clone(), a.account, keys)
				})
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(sudo) },
		pop_token: PopTokenConfig { pot_balance: POT_AT_GENESIS },
		masternodes: MasternodesConfig { masternodes },
		delegation: DelegationConfig {
			session_length: timing.session_length,
			sessions_per_era: timing.sessions_per_era,
			delegations,
		},
	})
}

/// A well-known development authority: the keys `--alice`, `--bob`, ... insert into a node's
/// keystore are all derived from `//Name`. Its masternode signs proofs with `//Name//stash`
/// and serves on `endpoint`.
fn dev_authority(
	who: Sr25519Keyring,
	proof_key: Sr25519Keyring,
	endpoint: &'static str,
) -> Authority {
	let name: &'static str = who.into();
	let ed25519: Ed25519Keyring =
		name.parse().expect("every sr25519 dev key has an ed25519 namesake; qed");
	Authority {
		account: who.to_account_id(),
		babe: who.public().into(),
		grandpa: ed25519.public().into(),
		proof_key: proof_key.to_account_id(),
		endpoint,
	}
}

fn dev_endowments() -> Vec<(AccountId, Balance)> {
	// The six named accounts and their `//stash` derivations.
	Sr25519Keyring::well_known().map(|k| (k.to_account_id(), DEV_ENDOWMENT)).collect()
}

/// `development`: Alice alone produces and finalizes blocks and runs a masternode that Ferdie
/// backs.
fn development() -> Value {
	genesis(
		vec![dev_authority(
			Sr25519Keyring::Alice,
			Sr25519Keyring::AliceStash,
			"http://127.0.0.1:8080",
		)],
		dev_endowments(),
		vec![(
			Sr25519Keyring::Ferdie.to_account_id(),
			Sr25519Keyring::Alice.to_account_id(),
			1_000 * POP,
		)],
		Sr25519Keyring::Alice.to_account_id(),
		DEV_TIMING,
	)
}

/// `local_testnet`: Alice, Bob and Charlie validate and run masternodes; Ferdie backs Alice.
fn local_testnet() -> Value {
	use Sr25519Keyring::*;
	genesis(
		vec![
			dev_authority(Alice, AliceStash, "http://127.0.0.1:8080"),
			dev_authority(Bob, BobStash, "http://127.0.0.1:8081"),
			dev_authority(Charlie, CharlieStash, "http://127.0.0.1:8082"),
		],
		dev_endowments(),
		vec![(Ferdie.to_account_id(), Alice.to_account_id(), 1_000 * POP)],
		Alice.to_account_id(),
		DEV_TIMING,
	)
}

/// `production`: three validators and a foundation account, with no well-known dev keys.
///
/// The public keys below belong to the launch validators; replace them with the keys of the
/// operators who launch a network and regenerate the chain specs.
fn production() -> Value {
	// (account, babe, grandpa, proof key, endpoint)
	const VALIDATORS: [([u8; 32], [u8; 32], [u8; 32], [u8; 32], &str); 3] = [
		(
			hex(b"723e36eb556e063988eda78c3df9aff92791f27068df2754d9aca40f35dc380a"),
			hex(b"c2614d25b6e817563071fdc96fb05d201f9d4333357c9f06bb3c4935726ba77a"),
			hex(b"e2d4bb689f401f88f9f7ea18343e1c263beef4092ba11a49a52824e4219e41b1"),
			hex(b"b6af024fcd4e92064841051de6549e879d890e0438a2fe1fc7452119f762131f"),
			"https://mn1.pop.network",
		),
		(
			hex(b"a0007e8e234b65bb6dd31389a7e862ec8b32446c53b39814a9746ce9794fe345"),
			hex(b"a0e9aca5fa5e56043b6903d6e548d5331976e23e0ff384fcf88dbe541ce4f557"),
			hex(b"6226278b15ea2d87d8057db15f550321efa3ac86bfa85e32686c8f7780b8ef2f"),
			hex(b"9ca4e9df2f474db262d8afb859f920a5f320e04505d2cde2968786cfed28003f"),
			"https://mn2.pop.network",
		),
		(
			hex(b"f89fa758b962597897fbc3ab90dae197c63eabbdf0ed18ad92af71508566255a"),
			hex(b"d8d69e8676ed3578d610ea192f5fa8b33f5205e09e73b6a5831f0ca5d4264a60"),
			hex(b"8215a957edb88758b52b9c343865e645eed66443c4dd68f99f68c9fe8fd41549"),
			hex(b"fa9a1cf403d7c5c4f42eee2ac0a7777bd7e282b058307b195ea3a8f3d36b3e10"),
			"https://mn3.pop.network",
		),
	];
	const FOUNDATION: [u8; 32] =
		hex(b"d8d47e2fa0bef65105af700028125b552deb862e39154b860e877f2230ef3068");

	let authorities: Vec<Authority> = VALIDATORS
		.iter()
		.map(|(account, babe, grandpa, proof_key, endpoint)| Authority {
			account: AccountId::from(*account),
			babe: (*babe).unchecked_into(),
			grandpa: (*grandpa).unchecked_into(),
			proof_key: AccountId::from(*proof_key),
			endpoint,
		})
		.collect();
	let foundation = AccountId::from(FOUNDATION);
	let endowed = authorities
		.iter()
		.map(|a| (a.account.clone(), PRODUCTION_VALIDATOR_ENDOWMENT))
		.chain([(foundation.clone(), PRODUCTION_FOUNDATION_ENDOWMENT)])
		.collect();
	genesis(authorities, endowed, Vec::new(), foundation, PRODUCTION_TIMING)
}

/// Decodes a 64-digit hex string at compile time.
const fn hex(digits: &[u8; 64]) -> [u8; 32] {
	const fn nibble(c: u8) -> u8 {
		match c {
			b'0'..=b'9' => c - b'0',
			b'a'..=b'f' => c - b'a' + 10,
			_ => panic!("not a lowercase hex digit"),
		}
	}
	let mut out = [0u8; 32];
	let mut i = 0;
	while i < 32 {
		out[i] = nibble(digits[2 * i]) << 4 | nibble(digits[2 * i + 1]);
		i += 1;
	}
	out
}

// The decoder checked where it runs, at compile time: first, last and a high nibble.
const _: () = {
	let decoded = hex(b"00ff0000000000000000000000000000000000000000000000000000000000a1");
	assert!(decoded[0] == 0 && decoded[1] == 255 && decoded[31] == 0xa1);
};

/// Returns the JSON patch of the named preset, if it exists.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		PRODUCTION_RUNTIME_PRESET => production(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work; qed")
			.into_bytes(),
	)
}

/// The names of all presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(PRODUCTION_RUNTIME_PRESET),
	]
}
