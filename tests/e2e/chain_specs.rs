//! The committed chain specs must match what the runtime's presets produce now.
//!
//! A wasm build is not byte-for-byte reproducible across checkout paths (crate hashes differ),
//! so the runtime code is compared by what it is rather than by its bytes: the same runtime
//! version and the same metadata (every pallet, call, event, error, storage item and
//! constant). Every other genesis key must match exactly. A change of runtime logic that
//! keeps both is caught by the digest of the runtime's inputs (its sources, its pallets' and
//! its locked dependencies, see `scripts/runtime-inputs.py`) recorded beside the specs.

use codec::Decode;
use pop_tests::{repo_root, run_node_command};
use sc_executor::WasmExecutor;
use serde_json::Value;
use sp_version::RuntimeVersion;

/// Hex-encoded storage key of the runtime code, `:code`.
const CODE_KEY: &str = "0x3a636f6465";

fn generated(chain: &str, raw: bool) -> Value {
	let mut args = vec!["export-chain-spec", "--chain", chain];
	if raw {
		args.push("--raw");
	}
	serde_json::from_str(&run_node_command(&args).unwrap()).unwrap()
}

fn committed(file: &str) -> Value {
	let path = repo_root().join("chain-specs").join(file);
	let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
	serde_json::from_str(&text).unwrap()
}

/// Calls a runtime API function of a (possibly compressed) wasm blob in empty externalities.
fn call_runtime(code_hex: &str, function: &str) -> Vec<u8> {
	let code = hex_decode(code_hex);
	let code = sp_maybe_compressed_blob::decompress(&code, 64 * 1024 * 1024).unwrap();
	let blob = sc_executor_common::runtime_blob::RuntimeBlob::uncompress_if_needed(&code).unwrap();
	let executor = WasmExecutor::<sp_io::SubstrateHostFunctions>::builder().build();
	let mut externalities = sp_io::TestExternalities::default();
	let mut ext = externalities.ext();
	executor.uncached_call(blob, &mut ext, true, function, &[]).unwrap()
}

fn hex_decode(hex: &str) -> Vec<u8> {
	let hex = hex.trim_start_matches("0x");
	(0..hex.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
		.collect()
}

/// Takes the runtime code out of a spec (plain or raw) and returns it.
fn take_code(spec: &mut Value) -> String {
	let genesis = &mut spec["genesis"];
	let slot = if genesis.get("raw").is_some() {
		genesis["raw"]["top"].as_object_mut().unwrap().remove(CODE_KEY)
	} else {
		genesis["runtimeGenesis"].as_object_mut().unwrap().remove("code")
	};
	slot.and_then(|v| v.as_str().map(str::to_owned)).expect("spec carries runtime code")
}

fn assert_fresh(chain: &str, file: &str, raw: bool) {
	let hint = "regenerate chain-specs/ with scripts/gen-chain-specs.sh";
	let (mut now, mut then) = (generated(chain, raw), committed(file));
	let (code_now, code_then) = (take_code(&mut now), take_code(&mut then));
	assert!(now == then, "chain-specs/{file}: genesis or properties differ; {hint}");

	let version =
		|code: &str| RuntimeVersion::decode(&mut &call_runtime(code, "Core_version")[..]).unwrap();
	let (version_now, version_then) = (version(&code_now), version(&code_then));
	assert_eq!(version_now, version_then, "chain-specs/{file}: runtime version differs; {hint}");
	assert!(
		call_runtime(&code_now, "Metadata_metadata")
			== call_runtime(&code_then, "Metadata_metadata"),
		"chain-specs/{file}: runtime metadata differs; {hint}"
	);
}

#[test]
fn committed_chain_specs_are_up_to_date() {
	for chain in ["dev", "local", "production"] {
		assert_fresh(chain, &format!("{chain}.json"), false);
		assert_fresh(chain, &format!("{chain}.raw.json"), true);
	}
}

#[test]
fn committed_chain_specs_were_built_from_the_runtime_as_it_is() {
	let script = repo_root().join("scripts/runtime-inputs.py");
	let output = std::process::Command::new("python3")
		.arg(&script)
		.output()
		.unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let now = String::from_utf8(output.stdout).unwrap();
	let recorded_path = repo_root().join("chain-specs/runtime-inputs.sha256");
	let recorded = std::fs::read_to_string(&recorded_path)
		.unwrap_or_else(|e| panic!("{}: {e}", recorded_path.display()));
	assert_eq!(
		now.trim(),
		recorded.trim(),
		"the runtime's sources or dependencies changed since chain-specs/ were generated: bump \
		 spec_version if its logic changed, and regenerate with scripts/gen-chain-specs.sh"
	);
}

#[test]
fn committed_specs_carry_pop_token_properties() {
	for name in ["dev", "local", "production"] {
		let spec = committed(&format!("{name}.raw.json"));
		assert_eq!(spec["properties"]["tokenSymbol"], "POP", "{name}");
		assert_eq!(spec["properties"]["tokenDecimals"], 12, "{name}");
	}
}

#[test]
fn an_unreadable_chain_spec_is_a_clear_error() {
	let error =
		run_node_command(&["export-chain-spec", "--chain", "/nonexistent/spec.json"]).unwrap_err();
	assert!(error.contains("cannot load chain spec"), "{error}");
}
