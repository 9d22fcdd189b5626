//! The committed chain specs must match what the runtime's presets produce now.

use pop_tests::{repo_root, run_node_command};
use serde_json::Value;

fn assert_fresh(chain: &str, file: &str, raw: bool) {
	let mut args = vec!["export-chain-spec", "--chain", chain];
	if raw {
		args.push("--raw");
	}
	let generated: Value = serde_json::from_str(&run_node_command(&args).unwrap()).unwrap();
	let path = repo_root().join("chain-specs").join(file);
	let committed: Value = serde_json::from_str(
		&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
	)
	.unwrap();
	assert!(
		generated == committed,
		"chain-specs/{file} is stale: regenerate it with scripts/gen-chain-specs.sh"
	);
}

#[test]
fn committed_chain_specs_are_up_to_date() {
	for (chain, name) in [("dev", "dev"), ("local", "local"), ("production", "production")] {
		assert_fresh(chain, &format!("{name}.json"), false);
		assert_fresh(chain, &format!("{name}.raw.json"), true);
	}
}

#[test]
fn committed_specs_carry_pop_token_properties() {
	for name in ["dev", "local", "production"] {
		let path = repo_root().join(format!("chain-specs/{name}.raw.json"));
		let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
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
