//! Every genesis preset the node can build a chain spec from yields a valid genesis state.
//!
//! An integration test rather than a unit test, so the test build links the runtime library
//! the node uses instead of compiling the whole runtime a second time with `cfg(test)`.

use frame_support::genesis_builder_helper::{build_state, get_preset as default_config};
use pop_runtime::{
	genesis_config_presets::{get_preset, preset_names},
	Runtime, RuntimeGenesisConfig,
};
use serde_json::Value;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET};

/// Applies a preset patch over the default config, as the node does when building a spec.
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

#[test]
fn every_preset_builds_a_genesis_state() {
	let default: Value = serde_json::from_slice(
		&default_config::<RuntimeGenesisConfig>(&None, |_| None).expect("default config exists"),
	)
	.unwrap();
	for name in preset_names() {
		let patch: Value = serde_json::from_slice(&get_preset(&name).unwrap()).unwrap();
		let mut config = default.clone();
		merge(&mut config, patch);
		sp_io::TestExternalities::default().execute_with(|| {
			build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
				.unwrap_or_else(|e| panic!("preset {name:?} does not build: {e}"));
			let validators = pallet_session::Validators::<Runtime>::get().len();
			let expected = if name.as_str() == DEV_RUNTIME_PRESET { 1 } else { 3 };
			assert_eq!(validators, expected, "validators of preset {name:?}");
		});
	}
}

#[test]
fn unknown_preset_is_none() {
	assert!(get_preset(&PresetId::from("mainnet-typo")).is_none());
}

/// Every pallet's `integrity_test` holds with the runtime's parameters and weights: among
/// them, the worst era rotation and the content pallet's worst block, every expiring
/// challenge slashing its holder, fit in a block.
#[test]
fn pallets_hold_their_integrity_tests() {
	use frame_support::traits::IntegrityTest;
	sp_io::TestExternalities::default().execute_with(|| {
		<pop_runtime::AllPalletsWithSystem as IntegrityTest>::integrity_test();
	});
}
