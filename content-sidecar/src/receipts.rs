//! Upload receipts: what a creator needs, beside the content id, to register an upload on
//! chain.
//!
//! A receipt is the masternode's proof key's sr25519 signature over
//! [`UploadReceipt::signing_payload`]: the bytes `pop/upload-receipt/v1`, then the account that
//! uploaded (32 bytes), the content id (32 bytes), the size and the expiry (Unix milliseconds),
//! both little-endian `u64`. `Content::register_content` takes the expiry and the signature,
//! and refuses a registration whose owner, id or size is not the receipt's (`BadReceipt`), or
//! whose receipt expired (`ReceiptExpired`). So only the account that uploaded the bytes here
//! can register them naming this masternode, and a registration copied from the pool by
//! another account fails.
//!
//! The upload routes hand receipts out (see [`crate::uploads`]); they sign through
//! [`ReceiptSigner`], the one seam to the proof key, so they need nothing of the chain client.

use crate::auth::Account;
use pop_primitives::{commitment::ContentId, UploadReceipt};
use sp_core::{sr25519, Pair as _};
use std::{sync::Arc, time::Duration};

/// Signs receipts with the masternode's proof key.
pub trait ReceiptSigner: Send + Sync {
	/// The proof key's signature of `payload`.
	fn sign(&self, payload: &[u8]) -> sr25519::Signature;

	/// The proof key's account.
	fn account(&self) -> crate::auth::Account;
}

impl ReceiptSigner for sr25519::Pair {
	fn sign(&self, payload: &[u8]) -> sr25519::Signature {
		sp_core::Pair::sign(self, payload)
	}

	fn account(&self) -> crate::auth::Account {
		sp_core::Pair::public(self).0
	}
}

/// A receipt and the proof key's signature of it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedReceipt {
	/// What was signed.
	pub receipt: UploadReceipt<Account>,
	/// The proof key's signature of [`UploadReceipt::signing_payload`].
	pub signature: sr25519::Signature,
}

impl SignedReceipt {
	/// The signature as `Pop-Receipt-Signature` carries it: `0x` and 128 hex digits.
	pub fn signature_hex(&self) -> String {
		format!("0x{}", hex::encode(self.signature.0))
	}
}

/// Issues receipts valid for `--receipt-validity`.
#[derive(Clone)]
pub struct Receipts {
	signer: Arc<dyn ReceiptSigner>,
	validity: Duration,
}

impl Receipts {
	/// Receipts signed by `signer`, each valid for `validity` after it is issued.
	pub fn new(signer: Arc<dyn ReceiptSigner>, validity: Duration) -> Self {
		Self { signer, validity }
	}

	/// The account of the proof key that signs receipts.
	pub fn signer(&self) -> crate::auth::Account {
		self.signer.account()
	}

	/// A receipt for `owner`'s upload of `content`, `size` bytes, issued at `now_ms` (Unix
	/// milliseconds).
	pub fn issue(
		&self,
		owner: Account,
		content: ContentId,
		size: u64,
		now_ms: u64,
	) -> SignedReceipt {
		let validity_ms = u64::try_from(self.validity.as_millis()).unwrap_or(u64::MAX);
		let expires_ms = now_ms.saturating_add(validity_ms);
		let receipt = UploadReceipt { owner, content, size, expires_ms };
		let signature = self.signer.sign(&receipt.signing_payload());
		SignedReceipt { receipt, signature }
	}
}

/// Whether `signature` is `proof_key`'s signature of `receipt`.
pub fn verify(
	receipt: &UploadReceipt<Account>,
	signature: &sr25519::Signature,
	proof_key: &sr25519::Public,
) -> bool {
	sr25519::Pair::verify(signature, receipt.signing_payload(), proof_key)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::{dev_account, dev_pair};

	#[test]
	fn a_receipt_is_the_proof_key_signature_of_the_chain_payload() {
		let proof_key = dev_pair("Alice//stash");
		let receipts = Receipts::new(Arc::new(proof_key.clone()), Duration::from_secs(60));
		let dave = dev_account("Dave");
		let signed = receipts.issue(dave, ContentId([7; 32]), 1_000, 5_000);
		let expected = UploadReceipt {
			owner: dave,
			content: ContentId([7; 32]),
			size: 1_000,
			expires_ms: 65_000,
		};
		assert_eq!(signed.receipt, expected);
		assert!(sr25519::Pair::verify(
			&signed.signature,
			expected.signing_payload(),
			&proof_key.public()
		));
		assert!(verify(&signed.receipt, &signed.signature, &proof_key.public()));
		assert_eq!(signed.signature_hex().len(), 2 + 128);

		// Bound to every field, and to the key.
		for other in [
			UploadReceipt { owner: dev_account("Eve"), ..expected.clone() },
			UploadReceipt { content: ContentId([8; 32]), ..expected.clone() },
			UploadReceipt { size: 1_001, ..expected.clone() },
			UploadReceipt { expires_ms: 65_001, ..expected.clone() },
		] {
			assert!(!verify(&other, &signed.signature, &proof_key.public()));
		}
		assert!(!verify(&expected, &signed.signature, &dev_pair("Bob//stash").public()));
	}
}
