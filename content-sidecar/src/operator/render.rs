//! Chain values as an operator reads them: decoded event fields as JSON, 32-byte values as
//! SS58 accounts, and numbers beyond what JSON readers keep exactly as strings.

use subxt::ext::scale_value::{Composite, Primitive, Value, ValueDef};

/// Largest integer a JSON reader (JavaScript's numbers) holds exactly.
const EXACT_IN_JSON: u128 = (1 << 53) - 1;

/// `value` as JSON.
pub fn json(value: &Value<()>) -> serde_json::Value {
	match &value.value {
		ValueDef::Composite(composite) => composite_json(composite),
		ValueDef::Variant(variant) => match &variant.values {
			Composite::Unnamed(values) if values.is_empty() => variant.name.clone().into(),
			values => serde_json::json!({ &variant.name: composite_json(values) }),
		},
		ValueDef::BitSequence(bits) => format!("{bits:?}").into(),
		ValueDef::Primitive(primitive) => primitive_json(primitive),
	}
}

/// The fields of a composite as JSON: an object when named, else an array; a newtype is its
/// inner value, and 32 bytes are an account.
pub fn composite_json(composite: &Composite<()>) -> serde_json::Value {
	if let Some(bytes) = bytes_of(composite) {
		return match <[u8; 32]>::try_from(&bytes[..]) {
			Ok(account) => crate::auth::ss58(&account).into(),
			Err(_) => match std::str::from_utf8(&bytes) {
				Ok(text) if !bytes.is_empty() => text.into(),
				_ => format!("0x{}", hex::encode(&bytes)).into(),
			},
		};
	}
	match composite {
		Composite::Named(fields) => {
			fields.iter().map(|(name, value)| (name.clone(), json(value))).collect()
		}
		Composite::Unnamed(values) if values.len() == 1 => json(&values[0]),
		Composite::Unnamed(values) => values.iter().map(json).collect(),
	}
}

/// The bytes of a composite of small unsigned integers (a `Vec<u8>` or `[u8; N]`), looking
/// through newtypes; `None` for anything else, or an empty composite.
fn bytes_of(composite: &Composite<()>) -> Option<Vec<u8>> {
	let Composite::Unnamed(values) = composite else { return None };
	if let [Value { value: ValueDef::Composite(inner), .. }] = &values[..] {
		return bytes_of(inner);
	}
	if values.len() < 2 {
		return None;
	}
	values
		.iter()
		.map(|value| match &value.value {
			ValueDef::Primitive(Primitive::U128(byte)) => u8::try_from(*byte).ok(),
			_ => None,
		})
		.collect()
}

fn primitive_json(primitive: &Primitive) -> serde_json::Value {
	match primitive {
		Primitive::Bool(value) => (*value).into(),
		Primitive::Char(value) => value.to_string().into(),
		Primitive::String(value) => value.clone().into(),
		Primitive::U128(value) if *value <= EXACT_IN_JSON => (*value as u64).into(),
		Primitive::U128(value) => value.to_string().into(),
		Primitive::I128(value) if value.unsigned_abs() <= EXACT_IN_JSON => (*value as i64).into(),
		Primitive::I128(value) => value.to_string().into(),
		Primitive::U256(bytes) | Primitive::I256(bytes) => format!("0x{}", hex::encode(bytes)).into(),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn bytes(bytes: &[u8]) -> Value<()> {
		Value::unnamed_composite(bytes.iter().map(|byte| Value::u128((*byte).into())))
	}

	#[test]
	fn event_fields_read_as_an_operator_expects() {
		let account = [7u8; 32];
		let fields = Composite::Named(vec![
			("operator".into(), Value::unnamed_composite([bytes(&account)])),
			("bond".into(), Value::u128(10_000 * 10u128.pow(12))),
			("small".into(), Value::u128(5)),
			("endpoint".into(), bytes(b"http://a")),
			("status".into(), Value::unnamed_variant("Jailed", [])),
			("until".into(), Value::unnamed_variant("Some", [Value::u128(4)])),
		]);
		assert_eq!(
			composite_json(&fields),
			serde_json::json!({
				"operator": crate::auth::ss58(&account),
				"bond": "10000000000000000",
				"small": 5,
				"endpoint": "http://a",
				"status": "Jailed",
				"until": { "Some": 4 },
			})
		);
	}
}
