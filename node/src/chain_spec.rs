//! Chain specifications built from the runtime's genesis presets.

use pop_runtime::{
	currency::{DECIMALS, SYMBOL},
	genesis_config_presets::PRODUCTION_RUNTIME_PRESET,
	WASM_BINARY,
};
use sc_service::ChainType;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// The chain specification of POP Network chains (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token properties that Polkadot.js and wallets read through `system_properties`.
fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), SYMBOL.into());
	properties.insert("tokenDecimals".into(), DECIMALS.into());
	properties.insert("ss58Format".into(), pop_runtime::configs::SS58Prefix::get().into());
	properties
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"the runtime wasm was not built into this binary (SKIP_WASM_BUILD was set)".to_string()
	})?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("pop")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--chain dev` / `--dev`: Alice alone produces and finalizes blocks.
pub fn development() -> Result<ChainSpec, String> {
	from_preset("POP Development", "pop_dev", ChainType::Development, DEV_RUNTIME_PRESET)
}

/// `--chain local`: Alice, Bob and Charlie validate.
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset("POP Local Testnet", "pop_local", ChainType::Local, LOCAL_TESTNET_RUNTIME_PRESET)
}

/// `--chain production`: the production-shaped network without well-known dev keys.
pub fn production() -> Result<ChainSpec, String> {
	from_preset("POP Network", "pop", ChainType::Live, PRODUCTION_RUNTIME_PRESET)
}
