//! Node-specific RPC methods, merged into the standard Substrate RPC set by `sc-service`.

mod content;

use std::sync::Arc;

use jsonrpsee::RpcModule;
use pop_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Hash, Nonce};
use sc_consensus_babe::BabeWorkerHandle;
use sc_consensus_grandpa::{
	FinalityProofProvider, GrandpaJustificationStream, SharedAuthoritySet, SharedVoterState,
};
use sc_rpc::SubscriptionTaskExecutor;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_consensus::SelectChain;
use sp_keystore::KeystorePtr;

/// What the BABE RPC (`babe_epochAuthorship`) needs.
pub struct BabeDeps {
	/// Answers epoch questions from the BABE worker.
	pub worker_handle: BabeWorkerHandle<Block>,
	/// To tell which slots this node's keys can claim.
	pub keystore: KeystorePtr,
}

/// What the GRANDPA RPC (`grandpa_roundState`, `grandpa_proveFinality`, justifications) needs.
pub struct GrandpaDeps<B> {
	/// The voter's current state.
	pub shared_voter_state: SharedVoterState,
	/// The current authority set.
	pub shared_authority_set: SharedAuthoritySet<Hash, BlockNumber>,
	/// Stream of justifications for subscribers.
	pub justification_stream: GrandpaJustificationStream<Block>,
	/// Proves finality of a block to a light client.
	pub finality_provider: Arc<FinalityProofProvider<B, Block>>,
}

/// What the extra RPC methods need from the node.
pub struct FullDeps<C, P, SC, B> {
	/// The client, to call runtime APIs at a block.
	pub client: Arc<C>,
	/// The transaction pool, for nonces that count pending transactions.
	pub pool: Arc<P>,
	/// The chain selection rule, for the best block BABE answers about.
	pub select_chain: SC,
	/// BABE dependencies.
	pub babe: BabeDeps,
	/// GRANDPA dependencies.
	pub grandpa: GrandpaDeps<B>,
	/// Runs subscription tasks.
	pub subscription_executor: SubscriptionTaskExecutor,
}

/// Builds the RPC methods beyond the standard set: `system_accountNextIndex` and
/// `system_dryRun`, `payment_queryInfo` and `payment_queryFeeDetails`, `babe_epochAuthorship`,
/// the `grandpa_*` methods, and `content_locate`.
pub fn create_full<C, P, SC, B>(
	FullDeps { client, pool, select_chain, babe, grandpa, subscription_executor }: FullDeps<
		C,
		P,
		SC,
		B,
	>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ sp_consensus_babe::BabeApi<Block>
		+ pallet_content::runtime_api::ContentApi<Block, AccountId, Balance>
		+ BlockBuilder<Block>,
	P: TransactionPool + 'static,
	SC: SelectChain<Block> + 'static,
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
	B::State: sc_client_api::StateBackend<sp_runtime::traits::HashingFor<Block>>,
{
	use content::{ContentRpc, ContentRpcApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use sc_consensus_babe_rpc::{Babe, BabeApiServer};
	use sc_consensus_grandpa_rpc::{Grandpa, GrandpaApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(ContentRpc::new(client.clone()).into_rpc())?;
	module.merge(Babe::new(client, babe.worker_handle, babe.keystore, select_chain).into_rpc())?;
	module.merge(
		Grandpa::new(
			subscription_executor,
			grandpa.shared_authority_set,
			grandpa.shared_voter_state,
			grandpa.justification_stream,
			grandpa.finality_provider,
		)
		.into_rpc(),
	)?;
	Ok(module)
}
