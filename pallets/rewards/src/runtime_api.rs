//! The runtime API through which wallets and dapps read pending rewards.

use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Rewards waiting for an account.
	pub trait RewardsApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// What `claim` would pay `who` now: its claimable operator and settled rewards plus
		/// what its delegations earned since they were last settled.
		fn pending_rewards(who: AccountId) -> Balance;
	}
}
