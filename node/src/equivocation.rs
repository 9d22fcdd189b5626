//! BABE equivocation reports whose headers carry their seals.
//!
//! sc-consensus-babe (stable2609) looks for equivocations in its block import, after its
//! verifier has moved each header's seal into `post_digests`. The proofs it builds therefore
//! hold headers without seals, and the runtime can only refuse them
//! (`babe.InvalidEquivocationProof`: nothing shows that the offender signed them). Left alone, a
//! validator that signs two blocks for one slot is never slashed for it.
//!
//! [`SealedEquivocationReports`] wraps BABE's block import for the blocks that come from the
//! network. Before BABE sees a block, it checks the sealed header against the headers already
//! seen for its slot (sc-consensus-slots' own index, kept under a key prefix of its own so that
//! BABE's index of unsealed headers is left as it is) and reports an equivocation with the same
//! runtime APIs BABE uses. The report reaches the pool first. BABE's own report of the same
//! offender and slot provides the same tag at the same priority, so the pool refuses it.

use std::sync::Arc;

use pop_runtime::opaque::Block;
use sc_client_api::AuxStore;
use sc_consensus::{BlockCheckParams, BlockImport, BlockImportParams, ImportResult};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_consensus::{BlockOrigin, Error as ConsensusError, SelectChain};
use sp_consensus_babe::{AuthorityId, BabeApi, Slot, SlotDuration};
use sp_runtime::traits::Header as _;

use crate::service::{FullClient, FullSelectChain};

const LOG_TARGET: &str = "babe";

/// The prefix of this module's keys in the client's auxiliary store.
const AUX_PREFIX: &[u8] = b"pop_sealed_equivocations:";

/// A block import that reports BABE equivocations with sealed headers, then passes every block
/// on to `inner` (BABE's import).
pub struct SealedEquivocationReports<I> {
	inner: I,
	client: Arc<FullClient>,
	select_chain: FullSelectChain,
	offchain_tx_pool_factory: OffchainTransactionPoolFactory<Block>,
	slot_duration: SlotDuration,
}

impl<I> SealedEquivocationReports<I> {
	/// Wraps `inner`; reports go to the pool behind `offchain_tx_pool_factory`.
	pub fn new(
		inner: I,
		client: Arc<FullClient>,
		select_chain: FullSelectChain,
		offchain_tx_pool_factory: OffchainTransactionPoolFactory<Block>,
		slot_duration: SlotDuration,
	) -> Self {
		Self { inner, client, select_chain, offchain_tx_pool_factory, slot_duration }
	}

	/// Checks `header` (sealed, verified by BABE's verifier) and reports it if its author
	/// signed another header for the same slot.
	async fn check_and_report(
		&self,
		header: &<Block as sp_runtime::traits::Block>::Header,
	) -> Result<(), String> {
		let pre_digest =
			sc_consensus_babe::find_pre_digest::<Block>(header).map_err(|e| e.to_string())?;
		let slot = pre_digest.slot();
		let Some(author) = self.slot_author(header, slot, pre_digest.authority_index())? else {
			return Ok(());
		};
		let slot_now = Slot::from_timestamp(sp_timestamp::Timestamp::current(), self.slot_duration);
		let Some(proof) = sc_consensus_slots::check_equivocation(
			&Prefixed(&*self.client),
			slot_now,
			slot,
			header,
			&author,
		)
		.map_err(|e| e.to_string())?
		else {
			return Ok(());
		};
		log::info!(
			target: LOG_TARGET,
			"Slot author {author:?} signed two headers for slot {slot}: {:?} and {:?}",
			proof.first_header.hash(),
			proof.second_header.hash(),
		);

		let best = self.select_chain.best_chain().await.map_err(|e| e.to_string())?.hash();
		// The parent's session is the equivocation's, unless the header opened a session; then
		// the best block's is (as BABE's own reporter does).
		let prove = |at| {
			self.client
				.runtime_api()
				.generate_key_ownership_proof(at, slot, author.clone())
				.map_err(|e| e.to_string())
		};
		let key_owner_proof = match prove(*header.parent_hash())? {
			Some(proof) => Some(proof),
			None => prove(best)?,
		};
		let Some(key_owner_proof) = key_owner_proof else {
			log::debug!(target: LOG_TARGET, "Equivocation offender {author:?} is not a validator");
			return Ok(());
		};
		let mut api = self.client.runtime_api();
		api.register_extension(self.offchain_tx_pool_factory.offchain_transaction_pool(best));
		match api
			.submit_report_equivocation_unsigned_extrinsic(best, proof, key_owner_proof)
			.map_err(|e| e.to_string())?
		{
			Some(()) => log::info!(target: LOG_TARGET, "Reported the equivocation of {author:?}"),
			None => {
				log::warn!(target: LOG_TARGET, "The pool refused the report against {author:?}")
			}
		}
		Ok(())
	}

	/// The authority that `authority_index` names for `slot`: of the parent's epoch, or of the
	/// next one when the header opens it (BABE announces each epoch's authorities an epoch
	/// ahead, and a skipped epoch takes the next one's).
	fn slot_author(
		&self,
		header: &<Block as sp_runtime::traits::Block>::Header,
		slot: Slot,
		authority_index: u32,
	) -> Result<Option<AuthorityId>, String> {
		let api = self.client.runtime_api();
		let parent = *header.parent_hash();
		let current = api.current_epoch(parent).map_err(|e| e.to_string())?;
		let epoch = if slot < current.start_slot + current.duration {
			current
		} else {
			api.next_epoch(parent).map_err(|e| e.to_string())?
		};
		let index = usize::try_from(authority_index).map_err(|e| e.to_string())?;
		Ok(epoch.authorities.get(index).map(|(id, _)| id.clone()))
	}
}

#[async_trait::async_trait]
impl<I> BlockImport<Block> for SealedEquivocationReports<I>
where
	I: BlockImport<Block, Error = ConsensusError> + Send + Sync,
{
	type Error = ConsensusError;

	async fn check_block(
		&self,
		block: BlockCheckParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		self.inner.check_block(block).await
	}

	async fn import_block(
		&self,
		block: BlockImportParams<Block>,
	) -> Result<ImportResult, Self::Error> {
		// As BABE: blocks of the initial sync are most likely stale, and the rest come from
		// the network. A failed check never stops the import.
		if matches!(block.origin, BlockOrigin::NetworkBroadcast | BlockOrigin::ConsensusBroadcast)
			&& !block.post_digests.is_empty()
		{
			if let Err(error) = self.check_and_report(&block.post_header()).await {
				log::warn!(target: LOG_TARGET, "Checking a block for equivocation failed: {error}");
			}
		}
		self.inner.import_block(block).await
	}
}

/// The client's auxiliary store under [`AUX_PREFIX`].
struct Prefixed<'a, C>(&'a C);

impl<C: AuxStore> AuxStore for Prefixed<'_, C> {
	fn insert_aux<
		'a,
		'b: 'a,
		'c: 'a,
		I: IntoIterator<Item = &'a (&'c [u8], &'c [u8])>,
		D: IntoIterator<Item = &'a &'b [u8]>,
	>(
		&self,
		insert: I,
		delete: D,
	) -> sp_blockchain::Result<()> {
		let insert: Vec<(Vec<u8>, &[u8])> =
			insert.into_iter().map(|(key, value)| ([AUX_PREFIX, key].concat(), *value)).collect();
		let delete: Vec<Vec<u8>> =
			delete.into_iter().map(|key| [AUX_PREFIX, key].concat()).collect();
		let insert: Vec<(&[u8], &[u8])> =
			insert.iter().map(|(key, value)| (key.as_slice(), *value)).collect();
		let delete: Vec<&[u8]> = delete.iter().map(Vec::as_slice).collect();
		self.0.insert_aux(insert.iter(), delete.iter())
	}

	fn get_aux(&self, key: &[u8]) -> sp_blockchain::Result<Option<Vec<u8>>> {
		self.0.get_aux(&[AUX_PREFIX, key].concat())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The client's own auxiliary store, in memory.
	fn in_memory_store() -> sc_client_api::in_mem::Backend<Block> {
		sc_client_api::in_mem::Backend::new()
	}

	/// Why the seal matters: the runtime accepts a proof of two sealed headers, and refuses the
	/// same proof of the headers that BABE's import sees.
	#[test]
	fn proofs_of_sealed_headers_verify_and_of_unsealed_ones_do_not() {
		use sp_consensus_babe::{
			digests::{CompatibleDigestItem, PreDigest, SecondaryPlainPreDigest},
			EquivocationProof,
		};
		use sp_core::Pair;
		use sp_runtime::{generic::Digest, DigestItem};
		type Header = <Block as sp_runtime::traits::Block>::Header;

		let alice = sp_keyring::Sr25519Keyring::Alice.pair();
		let author: AuthorityId = alice.public().into();
		let slot = Slot::from(7);
		let sealed = |state_root: u8| {
			let pre_digest =
				PreDigest::SecondaryPlain(SecondaryPlainPreDigest { authority_index: 0, slot });
			let mut header = Header::new(
				1,
				Default::default(),
				[state_root; 32].into(),
				Default::default(),
				Digest { logs: vec![DigestItem::babe_pre_digest(pre_digest)] },
			);
			let seal = alice.sign(header.hash().as_ref());
			header.digest_mut().push(DigestItem::babe_seal(seal.into()));
			header
		};
		let memory = in_memory_store();
		let index = Prefixed(&memory);
		let check =
			|header| sc_consensus_slots::check_equivocation(&index, slot, slot, &header, &author);

		assert!(check(sealed(1)).unwrap().is_none());
		let proof = check(sealed(2)).unwrap().expect("two headers of one author for one slot");
		assert!(sp_consensus_babe::check_equivocation_proof(proof.clone()));

		let unseal = |mut header: Header| {
			header.digest_mut().pop();
			header
		};
		let unsealed = EquivocationProof {
			first_header: unseal(proof.first_header),
			second_header: unseal(proof.second_header),
			..proof
		};
		assert!(!sp_consensus_babe::check_equivocation_proof(unsealed));
	}

	#[test]
	fn prefixed_keys_stay_apart_from_the_stores_own() {
		let memory = in_memory_store();
		memory.insert_aux(&[(&b"slot"[..], &b"babe's"[..])], &[]).unwrap();
		let prefixed = Prefixed(&memory);
		prefixed.insert_aux(&[(&b"slot"[..], &b"sealed"[..])], &[]).unwrap();

		assert_eq!(prefixed.get_aux(b"slot").unwrap().as_deref(), Some(&b"sealed"[..]));
		assert_eq!(memory.get_aux(b"slot").unwrap().as_deref(), Some(&b"babe's"[..]));

		prefixed.insert_aux(&[], &[&b"slot"[..]]).unwrap();
		assert_eq!(prefixed.get_aux(b"slot").unwrap(), None);
		assert_eq!(memory.get_aux(b"slot").unwrap().as_deref(), Some(&b"babe's"[..]));
	}
}
