//! [`CheckProof`], the transaction extension that keeps the free calls of masternodes out of
//! the transaction pool unless they do something: a proof must answer an open challenge of
//! the signer's masternode, a confirmation must confirm an unconfirmed replica.

use crate::{Call, Challenges, Config, Contents, Error, Pallet};
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{Get, IsSubType, OriginTrait},
	CloneNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
};
use pop_primitives::MasternodeDirectory;
use scale_info::TypeInfo;
use sp_runtime::{
	impl_tx_ext_default,
	traits::{DispatchInfoOf, TransactionExtension, ValidateResult},
	transaction_validity::{InvalidTransaction, ValidTransaction},
	Weight,
};

/// Why [`CheckProof`] refuses a transaction: the code of its
/// `InvalidTransaction::Custom(code)` error, as a JSON-RPC client sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum InvalidContentTransaction {
	/// 1: the signer is not the proof key of a masternode.
	NotProofKey = 1,
	/// 2: the signer's masternode has no open challenge with this id.
	UnknownChallenge = 2,
	/// 3: the challenged item was removed by its owner since; the challenge is void.
	ContentRemoved = 3,
	/// 4: no such item, or the signer's masternode does not hold it.
	NotAssigned = 4,
	/// 5: the signer's masternode has already confirmed its replica.
	AlreadyConfirmed = 5,
}

impl From<InvalidContentTransaction> for InvalidTransaction {
	fn from(refusal: InvalidContentTransaction) -> Self {
		InvalidTransaction::Custom(refusal as u8)
	}
}

/// Refuses, at transaction-pool validation and again in blocks, a `submit_proof` that does
/// not answer an open challenge of the signer's masternode for a registered item, and a
/// `confirm_replica` that would fail; see [`InvalidContentTransaction`] for the codes. A valid
/// proof provides the tag `(masternode, challenge)` and a valid confirmation
/// `(masternode, content)`, so the pool keeps one of each.
///
/// It carries no data, explicit or implicit, so clients that build transactions from the
/// metadata (subxt, Polkadot.js) need no change.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	CloneNoBound,
	EqNoBound,
	PartialEqNoBound,
	DefaultNoBound,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct CheckProof<T>(PhantomData<T>);

impl<T> CheckProof<T> {
	/// The extension; it has no parameters.
	pub fn new() -> Self {
		Self(PhantomData)
	}
}

impl<T> core::fmt::Debug for CheckProof<T> {
	fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
		write!(f, "CheckProof")
	}
}

/// What a valid transaction provides, so duplicates are dropped by the pool.
const PROOF_TAG: &[u8] = b"pop/content/proof";
/// What a valid confirmation provides.
const CONFIRMATION_TAG: &[u8] = b"pop/content/confirm";

impl<T: Config + Send + Sync> CheckProof<T> {
	/// Checks a call of this pallet signed by `signer`; returns what a valid one provides.
	fn check(
		signer: &T::AccountId,
		call: &Call<T>,
	) -> Result<ValidTransaction, InvalidTransaction> {
		let masternode =
			|| T::Masternodes::operator_of(signer).ok_or(InvalidContentTransaction::NotProofKey);
		let tag = match call {
			Call::submit_proof { challenge, .. } => {
				let masternode = masternode()?;
				let open = Challenges::<T>::get(&masternode, challenge)
					.ok_or(InvalidContentTransaction::UnknownChallenge)?;
				Pallet::<T>::challenged_item(&open)
					.ok_or(InvalidContentTransaction::ContentRemoved)?;
				(PROOF_TAG, masternode, challenge).encode()
			}
			Call::confirm_replica { content } => {
				let masternode = masternode()?;
				let info =
					Contents::<T>::get(content).ok_or(InvalidContentTransaction::NotAssigned)?;
				Pallet::<T>::ensure_confirmable(&info, &masternode).map_err(
					|error| match error {
						Error::<T>::AlreadyConfirmed => InvalidContentTransaction::AlreadyConfirmed,
						_ => InvalidContentTransaction::NotAssigned,
					},
				)?;
				(CONFIRMATION_TAG, masternode, content).encode()
			}
			_ => return Ok(ValidTransaction::default()),
		};
		Ok(ValidTransaction::with_tag_prefix("PopContent").and_provides(tag).into())
	}
}

impl<T: Config + Send + Sync> TransactionExtension<T::RuntimeCall> for CheckProof<T>
where
	T::RuntimeCall: IsSubType<Call<T>>,
{
	const IDENTIFIER: &'static str = "CheckProof";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	fn weight(&self, call: &T::RuntimeCall) -> Weight {
		match call.is_sub_type() {
			// The signer's masternode, the challenge and the item.
			Some(Call::submit_proof { .. }) => T::DbWeight::get().reads(3),
			// The signer's masternode and the item.
			Some(Call::confirm_replica { .. }) => T::DbWeight::get().reads(2),
			_ => Weight::zero(),
		}
	}

	fn validate(
		&self,
		origin: T::RuntimeOrigin,
		call: &T::RuntimeCall,
		_info: &DispatchInfoOf<T::RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, T::RuntimeCall> {
		let (Some(call), Some(signer)) = (call.is_sub_type(), origin.as_signer()) else {
			return Ok((ValidTransaction::default(), (), origin));
		};
		let valid = Self::check(signer, call)?;
		Ok((valid, (), origin))
	}

	impl_tx_ext_default!(T::RuntimeCall; prepare);
}
