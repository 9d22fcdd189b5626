//! `pop-sidecar masternode …`: the registry's calls, and funding the proof key, signed by the
//! operator's account, sent and followed until finalized, with the block's events for the call
//! or the chain's error.

use super::{render, OperatorError, Output};
use crate::{
	auth::Account,
	chain,
	config::{MasternodeAction, MasternodeArgs, ProofKeyArg},
	keys::SecretKey,
};
use serde::Serialize;
use subxt::{
	dynamic,
	error::{DispatchError, TransactionEventsError, TransactionProgressError},
	ext::scale_value::{Composite, Value},
	transactions::{DynamicPayload, Payload},
};

/// What a finalized call did.
#[derive(Debug, Serialize)]
pub struct Outcome {
	/// The block it landed in.
	pub block: u64,
	/// That block's hash.
	pub block_hash: String,
	/// Its events, when it succeeded.
	pub events: Vec<EventRecord>,
	/// The chain's error, when it failed.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub error: Option<ChainErrorRecord>,
}

/// One event of the call.
#[derive(Debug, Serialize)]
pub struct EventRecord {
	/// Its pallet.
	pub pallet: String,
	/// Its name.
	pub event: String,
	/// Its fields.
	pub fields: serde_json::Value,
}

/// A dispatch error as the chain's metadata names it.
#[derive(Debug, Serialize)]
pub struct ChainErrorRecord {
	/// The pallet, for a module error.
	pub pallet: Option<String>,
	/// The error's name (`BondTooLow`), or the dispatch error's text.
	pub error: String,
	/// The error's documentation.
	pub docs: String,
}

impl std::fmt::Display for ChainErrorRecord {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match &self.pallet {
			Some(pallet) => write!(f, "{pallet}::{}", self.error)?,
			None => write!(f, "{}", self.error)?,
		}
		match self.docs.is_empty() {
			true => Ok(()),
			false => write!(f, ": {}", self.docs),
		}
	}
}

/// Runs `pop-sidecar masternode …`.
pub async fn run(args: MasternodeArgs) -> Result<(), OperatorError> {
	let operator = match (&args.operator_key_file, &args.operator_key) {
		(Some(path), _) => SecretKey::from_file(path)?,
		(None, Some(uri)) => SecretKey::from_uri(uri)?,
		(None, None) => {
			return Err(OperatorError::Usage(
				"the operator's key is needed: --operator-key-file, --operator-key or \
				 POP_OPERATOR_KEY"
					.into(),
			))
		}
	};
	let call = payload(args.action)?;
	let outcome = send(&args.chain.node_url, &operator, &call).await?;
	let output = Output::new(args.chain.json);
	output.print(&outcome, || describe(&outcome));
	match outcome.error {
		Some(error) => Err(OperatorError::Refused(error.to_string())),
		None => Ok(()),
	}
}

/// The call `action` makes.
fn payload(action: MasternodeAction) -> Result<DynamicPayload<Composite<()>>, OperatorError> {
	let call = |name: &str, fields: Vec<Value<()>>| {
		dynamic::tx("Masternodes", name, Composite::unnamed(fields))
	};
	let account = |account: Account| Value::from_bytes(account);
	Ok(match action {
		MasternodeAction::Register { bond, endpoint, proof_key, capacity, commission } => {
			let proof_key = proof_key_account(&proof_key)?.ok_or_else(|| {
				OperatorError::Usage("register needs --proof-key-account or --proof-key-file".into())
			})?;
			call(
				"register",
				vec![
					Value::u128(bond),
					Value::from_bytes(endpoint.into_bytes()),
					account(proof_key),
					Value::u128(capacity.into()),
					Value::u128(commission.into()),
				],
			)
		}
		MasternodeAction::Update { endpoint, proof_key, capacity, commission } => {
			let proof_key = proof_key_account(&proof_key)?;
			if endpoint.is_none() && proof_key.is_none() && capacity.is_none() && commission.is_none()
			{
				return Err(OperatorError::Usage(
					"nothing to update: give --endpoint, --proof-key-account, --proof-key-file, \
					 --capacity or --commission"
						.into(),
				));
			}
			let option = |value: Option<Value<()>>| match value {
				Some(value) => Value::unnamed_variant("Some", [value]),
				None => Value::unnamed_variant("None", []),
			};
			let update = Value::named_composite([
				("endpoint", option(endpoint.map(Value::from_bytes))),
				("proof_key", option(proof_key.map(account))),
				("capacity", option(capacity.map(|capacity| Value::u128(capacity.into())))),
				("commission", option(commission.map(|parts| Value::u128(parts.into())))),
			]);
			call("update", vec![update])
		}
		MasternodeAction::BondMore { amount } => call("bond_more", vec![Value::u128(amount)]),
		MasternodeAction::Unbond { amount } => call("unbond", vec![Value::u128(amount)]),
		MasternodeAction::Withdraw => call("withdraw_unbonded", vec![]),
		MasternodeAction::Deregister => call("deregister", vec![]),
		MasternodeAction::Unjail => call("unjail", vec![]),
		MasternodeAction::Fund { amount, proof_key } => {
			let proof_key = proof_key_account(&proof_key)?.ok_or_else(|| {
				OperatorError::Usage("fund needs --proof-key-account or --proof-key-file".into())
			})?;
			let destination = Value::unnamed_variant("Id", [account(proof_key)]);
			dynamic::tx(
				"Balances",
				"transfer_keep_alive",
				Composite::unnamed([destination, Value::u128(amount)]),
			)
		}
	})
}

/// The proof key's account, from its SS58 address or its key file, if one is given.
fn proof_key_account(arg: &ProofKeyArg) -> Result<Option<Account>, OperatorError> {
	match (&arg.proof_key_account, &arg.proof_key_file) {
		(Some(address), _) => super::parse_account(address).map(Some),
		(None, Some(path)) => Ok(Some(SecretKey::from_file(path)?.account())),
		(None, None) => Ok(None),
	}
}

/// Signs `call` with `signer`, sends it to the node at `url` and follows it until it is
/// finalized.
async fn send(url: &str, signer: &SecretKey, call: &impl Payload) -> Result<Outcome, OperatorError> {
	let (link, chain_type) =
		chain::connect(url).await.map_err(|error| OperatorError::connect(url, error))?;
	signer.check_chain(chain_type.as_deref())?;
	let at = link.client.at_current_block().await.map_err(OperatorError::node)?;
	let progress = at
		.transactions()
		.sign_and_submit_then_watch_default(call, signer.signer())
		.await
		.map_err(|error| OperatorError::Refused(error.to_string()))?;
	let hash = format!("{:?}", progress.extrinsic_hash());
	let unknown = |reason: String| OperatorError::Unknown { hash: hash.clone(), reason };
	let in_block = match progress.wait_for_finalized().await {
		Ok(in_block) => in_block,
		// The node said the transaction is out: it never lands.
		Err(TransactionProgressError::TransactionStatusError(error)) => {
			return Err(OperatorError::Refused(error.to_string()))
		}
		Err(error) => return Err(unknown(error.to_string())),
	};
	let block_hash = format!("{:?}", in_block.block_hash());
	let block = in_block.at().await.map_err(|error| unknown(error.to_string()))?.block_number();
	match in_block.wait_for_success().await {
		Ok(events) => {
			let mut records = Vec::new();
			for event in events.iter() {
				// Finalized and successful: an event that does not decode is shown as such.
				let Ok(event) = event else { continue };
				let fields = event
					.decode_fields_unchecked_as::<Composite<()>>()
					.map(|fields| render::composite_json(&fields))
					.unwrap_or_else(|error| format!("(not decoded: {error})").into());
				records.push(EventRecord {
					pallet: event.pallet_name().to_owned(),
					event: event.event_name().to_owned(),
					fields,
				});
			}
			Ok(Outcome { block, block_hash, events: records, error: None })
		}
		Err(TransactionEventsError::ExtrinsicFailed(error)) => {
			Ok(Outcome { block, block_hash, events: Vec::new(), error: Some(named(&error)) })
		}
		Err(error) => Err(unknown(error.to_string())),
	}
}

/// A dispatch error, named from the chain's metadata.
fn named(error: &DispatchError) -> ChainErrorRecord {
	if let DispatchError::Module(module) = error {
		if let Ok(details) = module.details() {
			return ChainErrorRecord {
				pallet: Some(details.pallet.name().to_owned()),
				error: details.variant.name.clone(),
				docs: details.variant.docs.join(" "),
			};
		}
	}
	ChainErrorRecord { pallet: None, error: error.to_string(), docs: String::new() }
}

/// The outcome for people.
fn describe(outcome: &Outcome) -> String {
	let mut text = format!("block #{} {}\n", outcome.block, outcome.block_hash);
	if let Some(error) = &outcome.error {
		text.push_str(&format!("failed: {error}\n"));
	}
	for event in &outcome.events {
		text.push_str(&format!("  {}.{} {}\n", event.pallet, event.event, event.fields));
	}
	text
}

#[cfg(test)]
mod tests {
	use super::*;

	fn no_proof_key() -> ProofKeyArg {
		ProofKeyArg { proof_key_account: None, proof_key_file: None }
	}

	#[test]
	fn calls_that_cannot_be_right_are_refused_before_signing() {
		let register = MasternodeAction::Register {
			bond: 1,
			endpoint: "http://a".into(),
			proof_key: no_proof_key(),
			capacity: 1,
			commission: 0,
		};
		assert!(matches!(payload(register), Err(OperatorError::Usage(reason)) if reason.contains("--proof-key-account")));
		let update = MasternodeAction::Update {
			endpoint: None,
			proof_key: no_proof_key(),
			capacity: None,
			commission: None,
		};
		assert!(matches!(payload(update), Err(OperatorError::Usage(reason)) if reason.contains("nothing to update")));
		let bad_key = ProofKeyArg { proof_key_account: Some("5Fnot-an-address".into()), proof_key_file: None };
		let update = MasternodeAction::Update { endpoint: None, proof_key: bad_key, capacity: None, commission: None };
		assert!(matches!(payload(update), Err(OperatorError::Usage(reason)) if reason.contains("SS58")));
	}

	#[test]
	fn each_action_names_its_call() {
		let named = |action| {
			let call = payload(action).unwrap();
			(call.pallet_name().to_owned(), call.call_name().to_owned())
		};
		assert_eq!(named(MasternodeAction::Withdraw), ("Masternodes".into(), "withdraw_unbonded".into()));
		assert_eq!(named(MasternodeAction::BondMore { amount: 5 }).1, "bond_more");
		assert_eq!(named(MasternodeAction::Unbond { amount: 5 }).1, "unbond");
		assert_eq!(named(MasternodeAction::Deregister).1, "deregister");
		assert_eq!(named(MasternodeAction::Unjail).1, "unjail");
		let fund = MasternodeAction::Fund { amount: 1, proof_key: no_proof_key() };
		assert!(matches!(payload(fund), Err(OperatorError::Usage(_))));
		let to = ProofKeyArg { proof_key_account: Some(crate::auth::ss58(&[1; 32])), proof_key_file: None };
		let fund = payload(MasternodeAction::Fund { amount: 1, proof_key: to }).unwrap();
		assert_eq!((fund.pallet_name(), fund.call_name()), ("Balances", "transfer_keep_alive"));
		let update = MasternodeAction::Update {
			endpoint: None,
			proof_key: no_proof_key(),
			capacity: Some(1),
			commission: None,
		};
		assert_eq!(named(update).1, "update");
	}
}
