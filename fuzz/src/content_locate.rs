//! The node's `content_locate` RPC (`node/src/rpc/content.rs`, compiled here from the node's own
//! source): a JSON-RPC request with any `params` goes through jsonrpsee's `RpcModule` exactly as
//! the node's server hands it on, to the node's handler over a client whose runtime answers with
//! a location made from the input.
//!
//! - Any params: no panic; the answer is a JSON-RPC response to the request's id, with a result
//!   or an error, the error "invalid params" (-32602) or, when the runtime call fails, the
//!   handler's own (1); a result asked the runtime once.
//! - Well-formed params (`[id]`, `[id, null]`, `[id, at]`, `{"content": id, "at": at}`, the hex in
//!   either case): a result, for the id and block asked (the best block when none is given), and
//!   the location as the runtime gave it: owner in SS58, size, price as a decimal string, text
//!   fields as UTF-8 (invalid bytes replaced), and each holder's URL its endpoint without
//!   trailing `/` followed by `/content/<id hex>`.

#[path = "../../node/src/rpc/content.rs"]
mod rpc;

use arbitrary::{Result, Unstructured};
use pallet_content::{runtime_api::ContentApi, ContentLocation};
use pop_primitives::commitment::ContentId;
use pop_runtime::{opaque::Block, AccountId, Balance};
use rpc::{ContentRpc, ContentRpcApiServer};
use serde_json::{json, Value};
use sp_api::{ApiRef, ProvideRuntimeApi};
use sp_blockchain::{BlockStatus, HeaderBackend, Info};
use sp_core::{crypto::Ss58Codec, H256};
use sp_runtime::traits::{Block as BlockT, NumberFor};
use std::sync::{Arc, Mutex};

/// The best block's hash.
const BEST: H256 = H256::repeat_byte(0xbe);
/// The id of the request.
const ID: u64 = 7;
/// JSON-RPC's code for parameters that do not fit the method.
const INVALID_PARAMS: i64 = -32602;
/// The handler's code for a failed runtime call.
const RUNTIME_ERROR: i64 = 1;

/// What the runtime answers, and the calls it got: (block, content).
#[derive(Clone)]
struct MockApi {
	answer: std::result::Result<Option<ContentLocation<AccountId, Balance>>, String>,
	calls: Arc<Mutex<Vec<(H256, ContentId)>>>,
}

sp_api::mock_impl_runtime_apis! {
	impl ContentApi<Block, AccountId, Balance> for MockApi {
		#[advanced]
		fn locate(
			&self,
			at: <Block as BlockT>::Hash,
			content: ContentId,
		) -> std::result::Result<Option<ContentLocation<AccountId, Balance>>, sp_api::ApiError> {
			self.calls.lock().expect("not poisoned").push((at, content));
			self.answer.clone().map_err(|reason| sp_api::ApiError::Application(reason.into()))
		}
	}
}

/// A client at [`BEST`] whose runtime is a [`MockApi`].
struct Client(MockApi);

impl ProvideRuntimeApi<Block> for Client {
	type Api = MockApi;

	fn runtime_api(&self) -> ApiRef<'_, MockApi> {
		self.0.clone().into()
	}
}

impl HeaderBackend<Block> for Client {
	fn header(&self, _: H256) -> sp_blockchain::Result<Option<<Block as BlockT>::Header>> {
		Ok(None)
	}

	fn info(&self) -> Info<Block> {
		Info {
			best_hash: BEST,
			best_number: 9,
			genesis_hash: H256::zero(),
			finalized_hash: H256::zero(),
			finalized_number: 0,
			finalized_state: None,
			number_leaves: 1,
			block_gap: None,
		}
	}

	fn status(&self, _: H256) -> sp_blockchain::Result<BlockStatus> {
		Ok(BlockStatus::Unknown)
	}

	fn number(&self, _: H256) -> sp_blockchain::Result<Option<NumberFor<Block>>> {
		Ok(None)
	}

	fn hash(&self, _: NumberFor<Block>) -> sp_blockchain::Result<Option<H256>> {
		Ok(None)
	}
}

/// The fuzz target.
pub fn check(data: &[u8]) {
	let _ = run(&mut Unstructured::new(data));
}

fn run(u: &mut Unstructured) -> Result<()> {
	let answer = match u.int_in_range(0..=4)? {
		0 => Ok(None),
		1 => Err(u.arbitrary()?),
		_ => Ok(Some(location(u)?)),
	};
	let api = MockApi { answer: answer.clone(), calls: Default::default() };
	let module = ContentRpc::new(Arc::new(Client(api.clone()))).into_rpc();

	let (params, asked) = if u.arbitrary()? { well_formed(u)? } else { (hostile(u)?, None) };
	let request =
		format!(r#"{{"jsonrpc":"2.0","id":{ID},"method":"content_locate","params":{params}}}"#);
	let Ok((response, _)) = futures::executor::block_on(module.raw_json_request(&request, 1))
	else {
		// Not a JSON-RPC request at all: the server answers before any method runs.
		assert!(asked.is_none(), "{request}");
		return Ok(());
	};
	let response: Value = serde_json::from_str(&response).expect("the response is JSON");
	assert_eq!(response["jsonrpc"], "2.0", "{response}");
	assert_eq!(response["id"], ID, "{response}");
	let calls = api.calls.lock().expect("not poisoned").clone();
	if let Some(error) = response.get("error") {
		assert!(response.get("result").is_none(), "{response}");
		let code = error["code"].as_i64().expect("a code");
		match code {
			INVALID_PARAMS => assert!(calls.is_empty() && asked.is_none(), "{request}: {response}"),
			RUNTIME_ERROR => assert!(calls.len() == 1 && answer.is_err(), "{response}"),
			_ => panic!("{request}: unexpected error {response}"),
		}
		return Ok(());
	}
	assert_eq!(calls.len(), 1, "{request}");
	let (at, content) = calls[0];
	if let Some((asked_content, asked_at)) = asked {
		assert_eq!(content, ContentId(asked_content.0), "{request}");
		assert_eq!(at, asked_at.unwrap_or(BEST), "{request}");
	}
	let answer = answer.expect("a result, so the runtime answered");
	assert_location(&response["result"], answer.as_ref(), &H256(content.0));
	Ok(())
}

/// Params the method takes, in one of the forms JSON-RPC allows: the id and block asked for.
fn well_formed(u: &mut Unstructured) -> Result<(String, Option<(H256, Option<H256>)>)> {
	let content = H256(u.arbitrary()?);
	let at = if u.arbitrary()? { Some(H256(u.arbitrary()?)) } else { None };
	let upper = u.arbitrary()?;
	let hex = |hash: &H256| {
		let digits = hex::encode(hash.0);
		json!(format!("0x{}", if upper { digits.to_uppercase() } else { digits }))
	};
	let params = match (u.int_in_range(0..=2)?, at) {
		(0, None) => json!([hex(&content)]),
		(1, at) => json!([hex(&content), at.as_ref().map(hex)]),
		(_, at) => match at {
			Some(at) => json!({ "content": hex(&content), "at": hex(&at) }),
			None => json!({ "content": hex(&content) }),
		},
	};
	Ok((params.to_string(), Some((content, at))))
}

/// Any params: JSON made from the input, or its bytes as they came.
fn hostile(u: &mut Unstructured) -> Result<String> {
	Ok(if u.arbitrary()? {
		json_value(u, 3)?.to_string()
	} else {
		String::from_utf8_lossy(u.bytes(u.len())?).into_owned()
	})
}

/// A JSON value at most `depth` deep, its strings often hex.
fn json_value(u: &mut Unstructured, depth: u32) -> Result<Value> {
	let leaf = depth == 0 || u.ratio(1, 2)?;
	Ok(match u.int_in_range(0..=if leaf { 4 } else { 6 })? {
		0 => Value::Null,
		1 => json!(u.arbitrary::<bool>()?),
		2 => json!(u.arbitrary::<i64>()?),
		3 => json!(u.arbitrary::<String>()?),
		4 => {
			let digits: usize = u.int_in_range(0..=66)?;
			let bytes: Vec<u8> =
				(0..digits.div_ceil(2)).map(|_| u.arbitrary()).collect::<Result<_>>()?;
			json!(format!("0x{}", &hex::encode(bytes)[..digits]))
		}
		5 => Value::Array(
			(0..u.int_in_range(0..=3)?).map(|_| json_value(u, depth - 1)).collect::<Result<_>>()?,
		),
		_ => {
			let mut object = serde_json::Map::new();
			for _ in 0..u.int_in_range(0..=3)? {
				let key = match u.int_in_range(0..=2)? {
					0 => "content".to_owned(),
					1 => "at".to_owned(),
					_ => u.arbitrary()?,
				};
				object.insert(key, json_value(u, depth - 1)?);
			}
			Value::Object(object)
		}
	})
}

/// A content item's location as the runtime could answer.
fn location(u: &mut Unstructured) -> Result<ContentLocation<AccountId, Balance>> {
	let text = |u: &mut Unstructured| -> Result<Vec<u8>> {
		Ok(if u.arbitrary()? { u.arbitrary::<String>()?.into_bytes() } else { u.arbitrary()? })
	};
	let mut holders = Vec::new();
	for _ in 0..u.int_in_range(0..=3)? {
		let endpoint = match u.int_in_range(0..=2)? {
			0 => b"https://a.example:8090".to_vec(),
			1 => b"https://b.example/pop///".to_vec(),
			_ => text(u)?,
		};
		holders.push((AccountId::new(u.arbitrary()?), endpoint));
	}
	Ok(ContentLocation {
		owner: AccountId::new(u.arbitrary()?),
		size: u.arbitrary()?,
		mime: text(u)?,
		title: text(u)?,
		price: u.arbitrary()?,
		holders,
	})
}

/// The JSON `result` is `answer`, for `content`.
fn assert_location(
	result: &Value,
	answer: Option<&ContentLocation<AccountId, Balance>>,
	content: &H256,
) {
	let Some(answer) = answer else {
		assert_eq!(*result, Value::Null);
		return;
	};
	let text = |bytes: &[u8]| json!(String::from_utf8_lossy(bytes));
	let hex = hex::encode(content.0);
	assert_eq!(result["content"], json!(format!("0x{hex}")));
	assert_eq!(result["owner"], json!(answer.owner.to_ss58check()));
	assert_eq!(result["size"], json!(answer.size));
	assert_eq!(result["mime"], text(&answer.mime));
	assert_eq!(result["title"], text(&answer.title));
	assert_eq!(result["price"], json!(answer.price.to_string()));
	let holders = result["holders"].as_array().expect("holders");
	assert_eq!(holders.len(), answer.holders.len());
	for (holder, (masternode, endpoint)) in holders.iter().zip(&answer.holders) {
		let endpoint = String::from_utf8_lossy(endpoint);
		assert_eq!(holder["masternode"], json!(masternode.to_ss58check()));
		assert_eq!(holder["endpoint"], json!(endpoint));
		let url = holder["url"].as_str().expect("a URL");
		let base = url.strip_suffix(&format!("/content/{hex}")).expect("ends with the item's path");
		assert_eq!(base, endpoint.trim_end_matches('/'), "{url}");
	}
}
