//! Who may stream priced content: the seam to the chain, which records access grants.

use crate::auth::Account;
use pop_primitives::commitment::ContentId;
use std::{
	collections::BTreeSet,
	future::Future,
	pin::Pin,
	sync::{PoisonError, RwLock},
};

/// Why a grant could not be looked up.
#[derive(Debug, thiserror::Error)]
#[error("access grants cannot be checked: {0}")]
pub struct GrantError(pub String);

/// The answer of [`GrantSource::has_grant`].
pub type GrantFuture<'a> = Pin<Box<dyn Future<Output = Result<bool, GrantError>> + Send + 'a>>;

/// Tells whether an account holds an access grant for a content item. The chain client
/// implements it from on-chain grants.
pub trait GrantSource: Send + Sync + 'static {
	/// Whether `account` may stream `id`.
	fn has_grant(&self, account: Account, id: ContentId) -> GrantFuture<'_>;
}

/// Grants held in memory: for tests, and for a sidecar without a chain client, where it stays
/// empty so priced content is never given away.
#[derive(Default)]
pub struct MemoryGrants(RwLock<BTreeSet<(Account, ContentId)>>);

impl MemoryGrants {
	/// Lets `account` stream `id`.
	pub fn grant(&self, account: Account, id: ContentId) {
		self.0.write().unwrap_or_else(PoisonError::into_inner).insert((account, id));
	}
}

impl GrantSource for MemoryGrants {
	fn has_grant(&self, account: Account, id: ContentId) -> GrantFuture<'_> {
		let held = self.0.read().unwrap_or_else(PoisonError::into_inner).contains(&(account, id));
		Box::pin(std::future::ready(Ok(held)))
	}
}
