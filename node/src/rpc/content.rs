//! `content_locate`: where a dapp streams a content item from, answered from the runtime's
//! `ContentApi` at the best (or a given) block.

use std::sync::Arc;

use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::ErrorObjectOwned, ErrorObject},
};
use pallet_content::runtime_api::ContentApi;
use pop_primitives::commitment::ContentId;
use pop_runtime::{opaque::Block, AccountId, Balance, Hash};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;

/// A content item's metadata and its servers, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
	/// The content id, `0x`-hex.
	pub content: H256,
	/// The creator (SS58).
	pub owner: AccountId,
	/// Size in bytes.
	pub size: u64,
	/// MIME type.
	pub mime: String,
	/// Title.
	pub title: String,
	/// Price of access in plancks, as a decimal string (it may exceed what JSON numbers hold).
	pub price: String,
	/// Masternodes that confirmed a copy, in assignment order.
	pub holders: Vec<Holder>,
}

/// One server of a content item.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
	/// The masternode (SS58).
	pub masternode: AccountId,
	/// Its sidecar's base URL.
	pub endpoint: String,
	/// The URL that streams the item.
	pub url: String,
}

/// Content lookups.
#[rpc(server)]
pub trait ContentRpcApi {
	/// Where `content` can be streamed from, at block `at` (default: best); `null` when it is
	/// not registered.
	#[method(name = "content_locate")]
	fn locate(&self, content: H256, at: Option<Hash>) -> RpcResult<Option<Location>>;
}

/// Implements [`ContentRpcApiServer`] with a client.
pub struct ContentRpc<C> {
	client: Arc<C>,
}

impl<C> ContentRpc<C> {
	/// Answers from `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

/// Error code of a failed runtime call.
const RUNTIME_ERROR: i32 = 1;

impl<C> ContentRpcApiServer for ContentRpc<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ContentApi<Block, AccountId, Balance>,
{
	fn locate(&self, content: H256, at: Option<Hash>) -> RpcResult<Option<Location>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let found = self.client.runtime_api().locate(at, ContentId(content.0)).map_err(
			|e| -> ErrorObjectOwned {
				ErrorObject::owned(RUNTIME_ERROR, "runtime call failed", Some(e.to_string()))
			},
		)?;
		Ok(found.map(|found| {
			let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
			let hex = format!("{content:x}");
			Location {
				content,
				owner: found.owner,
				size: found.size,
				mime: text(found.mime),
				title: text(found.title),
				price: found.price.to_string(),
				holders: found
					.holders
					.into_iter()
					.map(|(masternode, endpoint)| {
						let endpoint = text(endpoint);
						let url = format!("{}/content/{hex}", endpoint.trim_end_matches('/'));
						Holder { masternode, endpoint, url }
					})
					.collect(),
			}
		}))
	}
}
