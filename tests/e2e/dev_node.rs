//! A real `pop-node --dev`: block production, finality, chain properties and bad RPC input.

use std::{
	io::{Read, Write},
	net::TcpStream,
	time::Duration,
};

use pop_tests::{params, ChainArg, Node, NodeConfig};
use serde_json::{json, Value};

async fn dev_node() -> Node {
	Node::start(NodeConfig { chain: ChainArg::Dev, extra_args: vec![], base_path: None })
		.await
		.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn dev_node_produces_and_finalizes_blocks_with_pop_properties() {
	let node = dev_node().await;
	node.wait_for_finalized(3, Duration::from_secs(90)).await.unwrap();

	let properties = node.call("system_properties", params([])).await.unwrap();
	assert_eq!(properties["tokenSymbol"], "POP");
	assert_eq!(properties["tokenDecimals"], 12);
	assert_eq!(properties["ss58Format"], 42);

	assert_eq!(node.call("system_chain", params([])).await.unwrap(), "POP Development");
	let version = node.call("state_getRuntimeVersion", params([])).await.unwrap();
	assert_eq!(version["specName"], "pop");

	// The node-specific RPC methods are served.
	let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	let nonce = node.call("system_accountNextIndex", params([json!(alice)])).await.unwrap();
	assert_eq!(nonce, 0);
	let methods = node.call("rpc_methods", params([])).await.unwrap();
	let methods: Vec<&str> =
		methods["methods"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
	for expected in ["payment_queryInfo", "payment_queryFeeDetails", "system_accountNextIndex"] {
		assert!(methods.contains(&expected), "{expected} missing from {methods:?}");
	}

	// Prometheus metrics are exported.
	let metrics = http_get(node.prometheus_port, "/metrics");
	assert!(metrics.contains("substrate_block_height"), "no block height metric:\n{metrics:.500}");
}

#[tokio::test]
async fn malformed_rpc_input_gets_errors_and_the_node_keeps_going() {
	let node = dev_node().await;
	node.wait_for_finalized(1, Duration::from_secs(60)).await.unwrap();

	// Bad hex where a block hash is expected.
	let error = node.call_err("chain_getBlock", params([json!("0xZZ")])).await.unwrap();
	assert!(error.contains("Invalid params") || error.contains("invalid"), "{error}");
	// Wrong parameter type.
	let error = node.call_err("state_getStorage", params([json!(123)])).await.unwrap();
	assert!(error.to_lowercase().contains("invalid"), "{error}");
	// Too many parameters.
	let error = node
		.call_err("system_accountNextIndex", params([json!("x"), json!(1), json!(2)]))
		.await
		.unwrap();
	assert!(error.contains("Invalid params"), "{error}");
	// An extrinsic that does not decode.
	let error = node.call_err("author_submitExtrinsic", params([json!("0x1234")])).await.unwrap();
	assert!(error.contains("decode") || error.contains("Invalid"), "{error}");
	// A method that does not exist.
	let error = node.call_err("pop_doesNotExist", params([])).await.unwrap();
	assert!(error.contains("Method not found"), "{error}");
	// A body that is not JSON at all.
	let response = http_post(node.rpc_port, "{this is not json");
	assert!(response.contains("-32700"), "expected a parse error, got:\n{response}");

	// Still alive and still producing and finalizing.
	let best = node.best_number().await.unwrap();
	node.wait_until("best block", best + 2, Duration::from_secs(60), || node.best_number())
		.await
		.unwrap();
	let finalized = node.finalized_number().await.unwrap();
	node.wait_for_finalized(finalized + 1, Duration::from_secs(60)).await.unwrap();
}

fn http_get(port: u16, path: &str) -> String {
	http(port, &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"))
}

fn http_post(port: u16, body: &str) -> String {
	http(
		port,
		&format!(
			"POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
			body.len()
		),
	)
}

/// One plain HTTP/1.0 exchange; a raw socket so malformed bodies reach the server unchanged.
fn http(port: u16, request: &str) -> String {
	let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
	stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
	stream.write_all(request.as_bytes()).expect("send");
	let mut response = String::new();
	stream.read_to_string(&mut response).expect("read");
	response
}
