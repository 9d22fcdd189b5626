//! SCALE decoding of every call of the POP runtime, as the runtime decodes what reaches it: a
//! `pop_runtime::UncheckedExtrinsic` (its preamble, the signer, the signature, the transaction
//! extensions and the call) with `decode_all_with_depth_limit(MAX_EXTRINSIC_DEPTH, ..)`, as
//! `frame_executive` does in `apply_extrinsic` and `validate_transaction`; and a bare
//! `RuntimeCall` (any pallet's call, nested calls of `Utility` and `Sudo` included) the same way.
//!
//! The input is tried as both. For any bytes: no panic; whatever decodes from all of them encodes
//! back to exactly them (one encoding per value, so nothing a signature covers can be
//! re-encoded differently), decodes again to the same value, and a decoded call's dispatch info
//! (its weight, computed from its arguments before anything checks them) is computed without
//! panicking.

use codec::{DecodeLimit, Encode};
use frame_support::{dispatch::GetDispatchInfo, MAX_EXTRINSIC_DEPTH};
use pop_runtime::{RuntimeCall, UncheckedExtrinsic};

/// The fuzz target.
pub fn check(data: &[u8]) {
	if let Ok(call) = RuntimeCall::decode_all_with_depth_limit(MAX_EXTRINSIC_DEPTH, &mut &data[..])
	{
		assert_round_trip(&call, data);
		let _ = call.get_dispatch_info();
	}
	if let Ok(extrinsic) =
		UncheckedExtrinsic::decode_all_with_depth_limit(MAX_EXTRINSIC_DEPTH, &mut &data[..])
	{
		assert_round_trip(&extrinsic, data);
		let _ = extrinsic.function.get_dispatch_info();
		let call = extrinsic.function.encode();
		let again = RuntimeCall::decode_all_with_depth_limit(MAX_EXTRINSIC_DEPTH, &mut &call[..]);
		assert_eq!(again.ok().as_ref(), Some(&extrinsic.function));
	}
}

/// `value`, decoded from all of `data`, encodes to `data` and decodes from it again unchanged.
fn assert_round_trip<T: DecodeLimit + Encode + PartialEq + core::fmt::Debug>(
	value: &T,
	data: &[u8],
) {
	let encoded = value.encode();
	assert_eq!(encoded, data, "{value:?} has another encoding");
	let again = T::decode_all_with_depth_limit(MAX_EXTRINSIC_DEPTH, &mut &encoded[..]);
	assert_eq!(again.ok().as_ref(), Some(value));
}
