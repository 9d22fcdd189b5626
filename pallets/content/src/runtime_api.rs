//! The runtime API through which dapps find where to stream a content item.

use crate::ContentLocation;
use codec::Codec;
use pop_primitives::commitment::ContentId;

sp_api::decl_runtime_apis! {
	/// Content lookups for dapps and sidecars.
	pub trait ContentApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// The metadata of `content` and the masternodes that confirmed a copy, with the
		/// endpoints of their sidecars; `None` if it is not registered.
		fn locate(content: ContentId) -> Option<ContentLocation<AccountId, Balance>>;
	}
}
