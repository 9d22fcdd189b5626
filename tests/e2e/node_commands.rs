//! The `sc-cli` maintenance subcommands against a real ParityDB database.

use std::time::Duration;

use pop_tests::{run_node_command, ChainArg, Node, NodeConfig};

#[tokio::test]
async fn export_check_revert_and_purge_a_dev_chain() {
	let dir = tempfile::tempdir().unwrap();
	let base = dir.path().join("node");
	let base_str = base.to_string_lossy().into_owned();

	let mut node = Node::start(NodeConfig {
		chain: ChainArg::Chain("dev".into()),
		extra_args: vec!["--alice".into(), "--force-authoring".into()],
		base_path: Some(base.clone()),
	})
	.await
	.unwrap();
	node.wait_for_finalized(4, Duration::from_secs(90)).await.unwrap();
	assert!(node.stop().unwrap().success(), "node did not exit cleanly on SIGTERM");

	// The database is ParityDB, not RocksDB.
	let db = base.join("chains/pop_dev/paritydb");
	assert!(db.is_dir(), "{} missing", db.display());

	let chain = ["--chain", "dev", "--base-path", &base_str];
	let info = run_node_command(&[&["chain-info"][..], &chain].concat()).unwrap();
	assert!(info.contains("best_number") || info.contains("finalized"), "{info}");

	let export = dir.path().join("blocks.bin");
	let export_str = export.to_string_lossy().into_owned();
	run_node_command(
		&[&["export-blocks"][..], &chain, &["--to", "3", "--binary", &export_str]].concat(),
	)
	.unwrap();
	assert!(std::fs::metadata(&export).unwrap().len() > 0);

	run_node_command(&[&["revert"][..], &chain, &["1"]].concat()).unwrap();

	// A fresh database imports the exported blocks.
	let other = dir.path().join("import").to_string_lossy().into_owned();
	run_node_command(&[
		"import-blocks",
		"--chain",
		"dev",
		"--base-path",
		&other,
		"--binary",
		&export_str,
	])
	.unwrap();

	run_node_command(&[&["purge-chain"][..], &chain, &["-y"]].concat()).unwrap();
	assert!(!db.exists(), "purge-chain left {}", db.display());
}
