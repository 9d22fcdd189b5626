//! The committed local chain spec: three validators on loopback peer, author and finalize.

use std::time::Duration;

use pop_tests::{params, repo_root, ChainArg, Node, NodeConfig};

async fn validator(name: &str, bootnode: Option<String>) -> Node {
	let spec = repo_root().join("chain-specs/local.raw.json");
	let mut extra_args = vec![format!("--{name}"), "--name".into(), name.into()];
	if let Some(bootnode) = bootnode {
		extra_args.extend(["--bootnodes".into(), bootnode]);
	}
	Node::start(NodeConfig {
		chain: ChainArg::Chain(spec.to_string_lossy().into_owned()),
		extra_args,
		base_path: None,
	})
	.await
	.unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn multiaddr(node: &Node) -> String {
	let peer_id = node.call("system_localPeerId", params([])).await.unwrap();
	format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", node.p2p_port, peer_id.as_str().unwrap())
}

async fn peers(node: &Node) -> pop_tests::Result<u64> {
	let health = node.call("system_health", params([])).await?;
	health["peers"].as_u64().ok_or_else(|| format!("no peer count in {health}"))
}

#[tokio::test]
async fn alice_and_bob_peer_author_and_finalize_on_the_local_spec() {
	let alice = validator("alice", None).await;
	let bootnode = multiaddr(&alice).await;
	let bob = validator("bob", Some(bootnode.clone())).await;
	// GRANDPA needs more than two thirds of the three authorities: Charlie votes too.
	let charlie = validator("charlie", Some(bootnode)).await;

	for node in [&alice, &bob] {
		node.wait_until("peer count", 2, Duration::from_secs(60), || peers(node)).await.unwrap();
	}
	assert_eq!(alice.call("system_chain", params([])).await.unwrap(), "POP Local Testnet");

	for node in [&alice, &bob, &charlie] {
		node.wait_for_finalized(5, Duration::from_secs(120)).await.unwrap();
	}
	// All three agree on the finalized chain.
	let (a, b, c) =
		(block_hash(&alice, 5).await, block_hash(&bob, 5).await, block_hash(&charlie, 5).await);
	assert_eq!(a, b);
	assert_eq!(b, c);
}

async fn block_hash(node: &Node, number: u64) -> serde_json::Value {
	node.call("chain_getBlockHash", params([serde_json::json!(number)])).await.unwrap()
}
