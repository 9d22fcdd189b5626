//! The chain as the HTTP side and the collector ask it: who holds access grants for priced
//! content, which uploads are registered, and whether an account can pay the deposit of what
//! it uploads. The chain client answers from chain state ([`crate::chain::ChainLedger`]);
//! [`MemoryLedger`] answers tests.
//!
//! Every question can fail with [`LedgerError::Unavailable`], and whoever asks then does
//! nothing it could not undo: a priced stream is refused, an upload is not created, nothing is
//! deleted.

use crate::auth::Account;
use pop_primitives::commitment::ContentId;
use std::{
	collections::{BTreeMap, BTreeSet},
	future::Future,
	pin::Pin,
	sync::{
		atomic::{AtomicBool, Ordering},
		PoisonError, RwLock,
	},
};

/// Why the chain could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
	/// The node is not connected, still syncing, or failed to answer.
	#[error("the chain cannot be asked now: {0}")]
	Unavailable(String),
}

/// The answer of a [`Ledger`] question.
pub type LedgerFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LedgerError>> + Send + 'a>>;

/// Bytes in a mebibyte, the unit deposits are priced in.
const MIB: u64 = 1 << 20;

/// An account's free balance and the chain's deposit terms (`Content::DepositBase` per item and
/// `Content::DepositPerMiB`), which decide how many bytes it may upload unregistered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DepositRoom {
	/// The account's balance not frozen nor held.
	pub free: u128,
	/// Deposit per item.
	pub base: u128,
	/// Deposit per started MiB.
	pub per_mib: u128,
}

impl DepositRoom {
	/// The deposit the chain holds for registering items of these sizes, each at the least
	/// replication (one holder), as `pallet_content::Pallet::deposit_for` computes it.
	pub fn deposit_for(&self, sizes: impl IntoIterator<Item = u64>) -> u128 {
		sizes
			.into_iter()
			.map(|size| {
				let mib = u128::from(size.div_ceil(MIB));
				self.base.saturating_add(self.per_mib.saturating_mul(mib))
			})
			.fold(0, u128::saturating_add)
	}
}

/// One rendition of a video, as the chain records it (`Content::Videos`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RenditionSpec {
	/// The rendition's content id.
	pub content: ContentId,
	/// Width in pixels.
	pub width: u16,
	/// Height in pixels.
	pub height: u16,
	/// Peak bit rate in bits per second.
	pub bandwidth: u32,
	/// Codecs in RFC 6381 form.
	pub codecs: String,
}

/// A video as the chain records it: the items made from a source item.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Video {
	/// Playing time in milliseconds.
	pub duration_ms: u64,
	/// The poster image, if any.
	pub poster: Option<ContentId>,
	/// The renditions.
	pub renditions: Vec<RenditionSpec>,
}

impl Video {
	/// The rendition `id`, if it is one of this video's.
	pub fn rendition(&self, id: &ContentId) -> Option<&RenditionSpec> {
		self.renditions.iter().find(|rendition| &rendition.content == id)
	}
}

/// What the sidecar asks the chain.
pub trait Ledger: Send + Sync + 'static {
	/// Whether `account` may stream `id`: it holds an unexpired grant for `id` or for the video
	/// `id` is part of, or it is the proof key of a masternode `id` is assigned to (which
	/// fetches it to store a replica).
	fn has_grant(&self, account: Account, id: ContentId) -> LedgerFuture<'_, bool>;

	/// The video whose source item is `id`, if it is described as one.
	fn video(&self, id: ContentId) -> LedgerFuture<'_, Option<Video>>;

	/// The video `part` (a rendition or poster) belongs to, with its record.
	fn video_of(&self, part: ContentId) -> LedgerFuture<'_, Option<(ContentId, Video)>>;

	/// Which of `ids` are registered on chain at the node's best block.
	fn registered(&self, ids: Vec<ContentId>) -> LedgerFuture<'_, BTreeSet<ContentId>>;

	/// `account`'s free balance and the deposit terms.
	fn deposit_room(&self, account: Account) -> LedgerFuture<'_, DepositRoom>;
}

/// A chain in memory: for tests, and for a sidecar run `--standalone`. Accounts it was not
/// told of are rich, nothing is granted or registered, and it answers until
/// [`MemoryLedger::set_reachable`] says otherwise.
pub struct MemoryLedger {
	grants: RwLock<BTreeSet<(Account, ContentId)>>,
	registered: RwLock<BTreeSet<ContentId>>,
	videos: RwLock<BTreeMap<ContentId, Video>>,
	balances: RwLock<BTreeMap<Account, u128>>,
	unreachable: AtomicBool,
	/// The deposit terms it answers with.
	pub terms: DepositRoom,
}

impl Default for MemoryLedger {
	fn default() -> Self {
		Self {
			grants: RwLock::default(),
			registered: RwLock::default(),
			videos: RwLock::default(),
			balances: RwLock::default(),
			unreachable: AtomicBool::new(false),
			// The runtime's terms: 1 POP per item and 1/1024 POP per MiB, with 12 decimals.
			terms: DepositRoom { free: u128::MAX, base: 1_000_000_000_000, per_mib: 976_562_500 },
		}
	}
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
	lock.write().unwrap_or_else(PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
	lock.read().unwrap_or_else(PoisonError::into_inner)
}

impl MemoryLedger {
	/// Lets `account` stream `id`.
	pub fn grant(&self, account: Account, id: ContentId) {
		write(&self.grants).insert((account, id));
	}

	/// Records `id` as registered on chain.
	pub fn register(&self, id: ContentId) {
		write(&self.registered).insert(id);
	}

	/// Records `id` as a video made of `video`'s parts.
	pub fn describe(&self, id: ContentId, video: Video) {
		write(&self.videos).insert(id, video);
	}

	/// The video `part` belongs to, as [`Ledger::video_of`] answers.
	fn video_of_part(&self, part: &ContentId) -> Option<(ContentId, Video)> {
		read(&self.videos)
			.iter()
			.find(|(_, video)| {
				video.poster.as_ref() == Some(part) || video.rendition(part).is_some()
			})
			.map(|(id, video)| (*id, video.clone()))
	}

	/// Sets `account`'s free balance.
	pub fn set_free(&self, account: Account, free: u128) {
		write(&self.balances).insert(account, free);
	}

	/// Makes every question fail, as when the node is away, or answer again.
	pub fn set_reachable(&self, reachable: bool) {
		self.unreachable.store(!reachable, Ordering::SeqCst);
	}

	fn answer<T: Send + 'static>(&self, value: impl FnOnce() -> T) -> LedgerFuture<'_, T> {
		let answer = if self.unreachable.load(Ordering::SeqCst) {
			Err(LedgerError::Unavailable("the test's node is away".into()))
		} else {
			Ok(value())
		};
		Box::pin(std::future::ready(answer))
	}
}

impl Ledger for MemoryLedger {
	fn has_grant(&self, account: Account, id: ContentId) -> LedgerFuture<'_, bool> {
		self.answer(|| {
			let grants = read(&self.grants);
			grants.contains(&(account, id))
				|| self
					.video_of_part(&id)
					.is_some_and(|(video, _)| grants.contains(&(account, video)))
		})
	}

	fn video(&self, id: ContentId) -> LedgerFuture<'_, Option<Video>> {
		self.answer(|| read(&self.videos).get(&id).cloned())
	}

	fn video_of(&self, part: ContentId) -> LedgerFuture<'_, Option<(ContentId, Video)>> {
		self.answer(|| self.video_of_part(&part))
	}

	fn registered(&self, ids: Vec<ContentId>) -> LedgerFuture<'_, BTreeSet<ContentId>> {
		self.answer(|| {
			let registered = read(&self.registered);
			ids.into_iter().filter(|id| registered.contains(id)).collect()
		})
	}

	fn deposit_room(&self, account: Account) -> LedgerFuture<'_, DepositRoom> {
		self.answer(|| {
			let free = read(&self.balances).get(&account).copied().unwrap_or(self.terms.free);
			DepositRoom { free, ..self.terms }
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn deposits_follow_the_pallets_formula() {
		let terms = DepositRoom { free: 0, base: 1000, per_mib: 10 };
		assert_eq!(terms.deposit_for([]), 0);
		// One byte starts a MiB; a MiB exactly is one.
		assert_eq!(terms.deposit_for([1]), 1010);
		assert_eq!(terms.deposit_for([MIB]), 1010);
		assert_eq!(terms.deposit_for([MIB + 1, 5 * MIB]), 1020 + 1050);
		let huge = DepositRoom { free: 0, base: u128::MAX, per_mib: u128::MAX };
		assert_eq!(huge.deposit_for([u64::MAX, 1]), u128::MAX);
	}
}
