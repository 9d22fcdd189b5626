//! Access grants from chain state, and which masternode a proof key signs for.

use super::{
	queries::{self, ChainContentId},
	AtBlock, Client, Connection,
};
use crate::{
	auth::Account,
	grants::{GrantError, GrantFuture, GrantSource},
};
use pop_primitives::commitment::ContentId;

/// [`GrantSource`] from chain state at the latest finalized block.
pub struct ChainGrants(pub Connection);

impl GrantSource for ChainGrants {
	fn has_grant(&self, account: Account, id: ContentId) -> GrantFuture<'_> {
		Box::pin(async move {
			let client =
				self.0.get().await.ok_or_else(|| GrantError("not connected to the node".into()))?;
			grant_at(&client, account, id).await.map_err(|e| GrantError(e.to_string()))
		})
	}
}

/// Whether `account` holds an unexpired grant for `id`, or is the proof key of a masternode
/// the content is assigned to (which fetches it to store a replica).
async fn grant_at(client: &Client, account: Account, id: ContentId) -> Result<bool, subxt::Error> {
	let at = client.at_current_block().await?;
	if let Some(until) = queries::read(&at, queries::grants(), (account, id.0)).await? {
		if u64::from(until) >= at.block_number() {
			return Ok(true);
		}
	}
	let Some(operator) = operator_of(&at, account).await? else { return Ok(false) };
	let assignment =
		queries::read(&at, queries::assignments(), (operator, ChainContentId(id.0))).await?;
	Ok(assignment.is_some())
}

/// The masternode (operator account) `proof_key` signs for, if any.
pub(super) async fn operator_of(
	at: &AtBlock,
	proof_key: Account,
) -> Result<Option<Account>, subxt::Error> {
	queries::read(at, queries::proof_key_owner(), (proof_key,)).await
}
