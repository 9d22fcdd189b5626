//! [`ChainLedger`]: the sidecar's questions to the chain ([`Ledger`]) answered from the node,
//! and which masternode a proof key signs for.

use super::{
	queries::{self, ChainContentId},
	AtBlock, Connection, Link,
};
use crate::{
	auth::Account,
	ledger::{DepositRoom, Ledger, LedgerError, LedgerFuture, Video},
};
use pop_primitives::commitment::ContentId;
use std::collections::BTreeSet;
use subxt::{config::substrate::H256, rpcs::client::rpc_params};

/// [`Ledger`] from the node the chain client is connected to: grants and deposit terms at the
/// latest finalized block, registrations at the best block (so an upload registered in a
/// block not yet final is never taken for an unregistered one).
pub struct ChainLedger(pub Connection);

impl ChainLedger {
	async fn link(&self) -> Result<Link, LedgerError> {
		self.0.get().await.ok_or_else(|| unavailable("not connected to the node"))
	}
}

fn unavailable(reason: impl ToString) -> LedgerError {
	LedgerError::Unavailable(reason.to_string())
}

impl Ledger for ChainLedger {
	fn has_grant(&self, account: Account, id: ContentId) -> LedgerFuture<'_, bool> {
		Box::pin(async move {
			let link = self.link().await?;
			let at = link.client.at_current_block().await.map_err(unavailable)?;
			grant_at(&at, account, id).await.map_err(unavailable)
		})
	}

	fn video(&self, id: ContentId) -> LedgerFuture<'_, Option<Video>> {
		Box::pin(async move {
			let link = self.link().await?;
			let at = link.client.at_current_block().await.map_err(unavailable)?;
			let video = queries::read(&at, queries::videos(), (ChainContentId(id.0),)).await;
			Ok(video.map_err(unavailable)?.map(Video::from))
		})
	}

	fn video_of(&self, part: ContentId) -> LedgerFuture<'_, Option<(ContentId, Video)>> {
		Box::pin(async move {
			let link = self.link().await?;
			let at = link.client.at_current_block().await.map_err(unavailable)?;
			video_of_at(&at, part).await.map_err(unavailable)
		})
	}

	fn registered(&self, ids: Vec<ContentId>) -> LedgerFuture<'_, BTreeSet<ContentId>> {
		Box::pin(async move {
			let link = self.link().await?;
			let at = link.best_block().await?;
			let mut registered = BTreeSet::new();
			for id in ids {
				let content = (ChainContentId(id.0),);
				let found = queries::read(&at, queries::contents(), content).await;
				if found.map_err(unavailable)?.is_some() {
					registered.insert(id);
				}
			}
			Ok(registered)
		})
	}

	fn deposit_room(&self, account: Account) -> LedgerFuture<'_, DepositRoom> {
		Box::pin(async move {
			let link = self.link().await?;
			let at = link.client.at_current_block().await.map_err(unavailable)?;
			let constant = |name: &str| {
				at.constants().entry(queries::content_constant(name)).map_err(unavailable)
			};
			let (base, per_mib) = (constant("DepositBase")?, constant("DepositPerMiB")?);
			let account = queries::read(&at, queries::accounts(), (account,)).await;
			let free = account.map_err(unavailable)?.map_or(0, |info| info.data.spendable());
			Ok(DepositRoom { free, base, per_mib })
		})
	}
}

impl Link {
	/// The client at the node's best block, once the node says it is not syncing: a node
	/// catching up after time away would answer from a past that lacks recent registrations.
	async fn best_block(&self) -> Result<AtBlock, LedgerError> {
		let health: serde_json::Value =
			self.rpc.request("system_health", rpc_params![]).await.map_err(unavailable)?;
		if health.get("isSyncing").and_then(serde_json::Value::as_bool) != Some(false) {
			return Err(unavailable("the node is syncing"));
		}
		let best: H256 =
			self.rpc.request("chain_getBlockHash", rpc_params![]).await.map_err(unavailable)?;
		self.client.at_block(best).await.map_err(unavailable)
	}
}

/// The video `part` belongs to at `at`, with its record.
async fn video_of_at(
	at: &AtBlock,
	part: ContentId,
) -> Result<Option<(ContentId, Video)>, subxt::Error> {
	let Some(video) = queries::read(at, queries::video_of(), (ChainContentId(part.0),)).await?
	else {
		return Ok(None);
	};
	let info = queries::read(at, queries::videos(), (video,)).await?;
	Ok(info.map(|info| (ContentId(video.0), Video::from(info))))
}

/// Whether `account` holds an unexpired grant at `at` for `id` or for the video `id` is part
/// of, or is the proof key of a masternode the content is assigned to.
async fn grant_at(at: &AtBlock, account: Account, id: ContentId) -> Result<bool, subxt::Error> {
	let video = queries::read(at, queries::video_of(), (ChainContentId(id.0),)).await?;
	for subject in [Some(id.0), video.map(|video| video.0)].into_iter().flatten() {
		if let Some(until) = queries::read(at, queries::grants(), (account, subject)).await? {
			if u64::from(until) >= at.block_number() {
				return Ok(true);
			}
		}
	}
	let Some(operator) = operator_of(at, account).await? else { return Ok(false) };
	let assignment =
		queries::read(at, queries::assignments(), (operator, ChainContentId(id.0))).await?;
	Ok(assignment.is_some())
}

/// The masternode (operator account) `proof_key` signs for, if any.
pub(super) async fn operator_of(
	at: &AtBlock,
	proof_key: Account,
) -> Result<Option<Account>, subxt::Error> {
	queries::read(at, queries::proof_key_owner(), (proof_key,)).await
}
