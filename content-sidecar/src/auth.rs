//! Who is asking: requests are signed by a POP account (sr25519).
//!
//! # Token format
//!
//! A token is three parts joined by `.`:
//!
//! ```text
//! <account>.<expires>.<signature>
//! ```
//!
//! - `account`: the SS58 address of an sr25519 account (any network prefix: the key is what
//!   counts);
//! - `expires`: Unix time in seconds (decimal) after which the token is refused; at most 24 hours
//!   ahead of the sidecar's clock;
//! - `signature`: `0x` and 128 hex digits, the sr25519 signature by `account` of the UTF-8 bytes
//!
//!   ```text
//!   pop-sidecar-auth:v1:<audience>:<expires>
//!   ```
//!
//!   where `audience` is the sidecar's public URL exactly as configured (`--public-url`, without
//!   a trailing `/`; `/health` reports it), so a token made for one sidecar is refused by every
//!   other. A signature of the same message wrapped as `<Bytes>message</Bytes>` is accepted too:
//!   that is what the Polkadot.js extension's `signRaw` signs.
//!
//! Send it as `Authorization: PopSr25519 <token>`, or as the query parameter `auth=<token>` where
//! headers cannot be set (a `<video src>`). A token is a bearer credential until it expires:
//! keep expiries short and serve over HTTPS.

use crate::error::ApiError;
use axum::{
	extract::{FromRef, FromRequestParts, OptionalFromRequestParts},
	http::{header, request::Parts},
};
use sp_core::{
	crypto::{Ss58AddressFormat, Ss58Codec},
	sr25519, Pair as _,
};

/// The `Authorization` scheme.
pub const SCHEME: &str = "PopSr25519";
/// The query parameter that may carry a token instead of the header.
pub const QUERY_PARAMETER: &str = "auth";
/// Longest a token may be valid for, ahead of the sidecar's clock.
pub const MAX_VALIDITY_SECS: u64 = 24 * 60 * 60;

/// A POP account: the 32 bytes of its sr25519 public key.
pub type Account = [u8; 32];

/// Why a token is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
	/// Not `<account>.<expires>.<signature>`.
	#[error("malformed auth token: expected <ss58 account>.<expires unix seconds>.<0x signature>")]
	Malformed,
	/// The account part is not an SS58 address.
	#[error("auth token account `{0}` is not an SS58 address")]
	BadAccount(String),
	/// The signature part is not `0x` and 64 bytes of hex.
	#[error("auth token signature must be 0x and 128 hex digits")]
	BadSignatureEncoding,
	/// The token has expired.
	#[error("auth token expired at {expires}, it is now {now} (Unix seconds)")]
	Expired {
		/// When it expired.
		expires: u64,
		/// The sidecar's clock.
		now: u64,
	},
	/// The token expires too far ahead.
	#[error("auth token expires at {expires}, more than {MAX_VALIDITY_SECS} s after now ({now})")]
	TooLong {
		/// Its expiry.
		expires: u64,
		/// The sidecar's clock.
		now: u64,
	},
	/// The signature does not match (wrong key, or signed for another audience or expiry).
	#[error(
		"auth token signature is not the account's signature of `{0}` (wrong key, or made for \
		 another sidecar)"
	)]
	BadSignature(String),
}

/// The bytes a token signs.
pub fn token_message(audience: &str, expires: u64) -> String {
	format!("pop-sidecar-auth:v1:{audience}:{expires}")
}

/// Makes a token for `pair` at `audience`, valid until `expires` (Unix seconds).
pub fn sign_token(pair: &sr25519::Pair, audience: &str, expires: u64) -> String {
	let signature = pair.sign(token_message(audience, expires).as_bytes());
	format!("{}.{expires}.0x{}", ss58(&pair.public().0), hex::encode(signature.0))
}

/// Checks a token made for `audience` at time `now` (Unix seconds); returns its account.
pub fn verify_token(token: &str, audience: &str, now: u64) -> Result<Account, TokenError> {
	let mut parts = token.split('.');
	let (Some(account), Some(expires), Some(signature), None) =
		(parts.next(), parts.next(), parts.next(), parts.next())
	else {
		return Err(TokenError::Malformed);
	};
	let (public, _) = sr25519::Public::from_ss58check_with_version(account)
		.map_err(|_| TokenError::BadAccount(account.into()))?;
	let expires: u64 = expires.parse().map_err(|_| TokenError::Malformed)?;
	let signature: [u8; 64] = signature
		.strip_prefix("0x")
		.and_then(|digits| hex::decode(digits).ok())
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or(TokenError::BadSignatureEncoding)?;
	if expires <= now {
		return Err(TokenError::Expired { expires, now });
	}
	if expires - now > MAX_VALIDITY_SECS {
		return Err(TokenError::TooLong { expires, now });
	}
	let message = token_message(audience, expires);
	let signature = sr25519::Signature::from_raw(signature);
	let wrapped = format!("<Bytes>{message}</Bytes>");
	if sr25519::Pair::verify(&signature, message.as_bytes(), &public)
		|| sr25519::Pair::verify(&signature, wrapped.as_bytes(), &public)
	{
		Ok(public.0)
	} else {
		Err(TokenError::BadSignature(message))
	}
}

/// Whom tokens must be signed for: the sidecar's public URL as configured. A handler taking a
/// [`Caller`] needs it from its state (as [`FromRef`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Audience(pub String);

/// The account that signed a request, verified: a handler taking it refuses (`401`) a request
/// without a valid token, in the `Authorization` header or else the `auth` query parameter. As
/// `Option<Caller>` it lets a request without a token through, still refusing an invalid one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Caller(pub Account);

impl<S> FromRequestParts<S> for Caller
where
	Audience: FromRef<S>,
	S: Send + Sync,
{
	type Rejection = ApiError;

	async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
		<Self as OptionalFromRequestParts<S>>::from_request_parts(parts, state).await?.ok_or_else(
			|| {
				unauthorized(format!(
					"this needs a signed request: `Authorization: {SCHEME} <token>` or \
					 `?{QUERY_PARAMETER}=<token>`"
				))
			},
		)
	}
}

impl<S> OptionalFromRequestParts<S> for Caller
where
	Audience: FromRef<S>,
	S: Send + Sync,
{
	type Rejection = ApiError;

	async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, ApiError> {
		let token = match parts.headers.get(header::AUTHORIZATION) {
			Some(value) => {
				let value = value.to_str().unwrap_or_default();
				let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
				if !scheme.eq_ignore_ascii_case(SCHEME) {
					return Err(unauthorized(format!(
						"Authorization must use the {SCHEME} scheme: `{SCHEME} <token>`"
					)));
				}
				token.trim().to_owned()
			}
			None => match parts.uri.query().and_then(query_token) {
				Some(token) => token,
				None => return Ok(None),
			},
		};
		let Audience(audience) = Audience::from_ref(state);
		verify_token(&token, &audience, crate::unix_time_secs())
			.map(|account| Some(Self(account)))
			.map_err(|error| unauthorized(error.to_string()))
	}
}

/// `401` for `reason`, challenging for a [`SCHEME`] token.
pub fn unauthorized(reason: String) -> ApiError {
	ApiError::Unauthorized { reason, challenge: SCHEME }
}

fn query_token(query: &str) -> Option<String> {
	form_urlencoded::parse(query.as_bytes())
		.find(|(name, _)| name == QUERY_PARAMETER)
		.map(|(_, token)| token.into_owned())
}

/// An account in its SS58 form with POP's prefix (42, the generic Substrate one).
pub fn ss58(account: &Account) -> String {
	sr25519::Public::from_raw(*account).to_ss58check_with_version(Ss58AddressFormat::custom(42))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::dev_pair;
	use axum::http::Request;

	const AUDIENCE: &str = "http://127.0.0.1:8090";

	#[test]
	fn a_signed_token_names_its_account() {
		let alice = dev_pair("Alice");
		let token = sign_token(&alice, AUDIENCE, 1_000);
		assert!(token.starts_with("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY.1000.0x"));
		assert_eq!(verify_token(&token, AUDIENCE, 999), Ok(alice.public().0));
	}

	#[test]
	fn the_polkadot_js_wrapping_is_accepted() {
		let alice = dev_pair("Alice");
		let message = format!("<Bytes>{}</Bytes>", token_message(AUDIENCE, 1_000));
		let signature = alice.sign(message.as_bytes());
		let token = format!("{}.1000.0x{}", ss58(&alice.public().0), hex::encode(signature.0));
		assert_eq!(verify_token(&token, AUDIENCE, 500), Ok(alice.public().0));
	}

	#[test]
	fn bad_tokens_are_refused_with_their_reason() {
		let alice = dev_pair("Alice");
		let token = sign_token(&alice, AUDIENCE, 1_000);
		assert_eq!(
			verify_token(&token, AUDIENCE, 1_000),
			Err(TokenError::Expired { expires: 1_000, now: 1_000 })
		);
		assert!(matches!(
			verify_token(&token, "http://other:8090", 999),
			Err(TokenError::BadSignature(_))
		));
		let far = sign_token(&alice, AUDIENCE, 1_000 + MAX_VALIDITY_SECS + 1);
		assert!(matches!(verify_token(&far, AUDIENCE, 1_000), Err(TokenError::TooLong { .. })));

		// Bob's address with Alice's signature.
		let bob = ss58(&dev_pair("Bob").public().0);
		let (_, rest) = token.split_once('.').unwrap();
		let forged = format!("{bob}.{rest}");
		assert!(matches!(verify_token(&forged, AUDIENCE, 999), Err(TokenError::BadSignature(_))));
		// A later expiry than the one signed.
		let stretched = token.replace(".1000.", ".1001.");
		assert!(matches!(
			verify_token(&stretched, AUDIENCE, 999),
			Err(TokenError::BadSignature(_))
		));

		assert_eq!(verify_token("a.b", AUDIENCE, 0), Err(TokenError::Malformed));
		assert_eq!(verify_token(&format!("{token}.x"), AUDIENCE, 0), Err(TokenError::Malformed));
		assert!(matches!(
			verify_token("nope.1000.0x00", AUDIENCE, 0),
			Err(TokenError::BadAccount(_))
		));
		let short = token.rsplit_once('.').unwrap().0.to_owned() + ".0x1234";
		assert_eq!(verify_token(&short, AUDIENCE, 0), Err(TokenError::BadSignatureEncoding));
		let (head, _) = token.split_once(".1000.").unwrap();
		assert_eq!(
			verify_token(&format!("{head}.soon.0x00"), AUDIENCE, 0),
			Err(TokenError::Malformed)
		);
	}

	/// What a handler taking `Option<Caller>` gets for `request`, and one taking `Caller`.
	async fn callers(
		request: Request<()>,
	) -> (Result<Option<Caller>, ApiError>, Result<Caller, ApiError>) {
		let audience = Audience(AUDIENCE.into());
		let (mut parts, ()) = request.into_parts();
		let optional =
			<Caller as OptionalFromRequestParts<_>>::from_request_parts(&mut parts, &audience)
				.await;
		let required =
			<Caller as FromRequestParts<_>>::from_request_parts(&mut parts, &audience).await;
		(optional, required)
	}

	#[tokio::test]
	async fn the_token_may_come_in_the_header_or_the_query() {
		let token = sign_token(&dev_pair("Alice"), AUDIENCE, crate::unix_time_secs() + 60);
		let alice = Caller(dev_pair("Alice").public().0);
		let plain = || Request::get("/content/x");
		let (optional, required) = callers(plain().body(()).unwrap()).await;
		assert_eq!(optional.unwrap(), None);
		assert!(matches!(required, Err(ApiError::Unauthorized { .. })));
		let with_query = Request::get(format!("/content/x?a=1&auth={token}"));
		assert_eq!(callers(with_query.body(()).unwrap()).await.0.unwrap(), Some(alice));
		let signed = plain().header(header::AUTHORIZATION, format!("popsr25519 {token}"));
		let (optional, required) = callers(signed.body(()).unwrap()).await;
		assert_eq!((optional.unwrap(), required.unwrap()), (Some(alice), alice));
		let bearer = plain().header(header::AUTHORIZATION, format!("Bearer {token}"));
		let (optional, required) = callers(bearer.body(()).unwrap()).await;
		assert!(matches!(optional, Err(ApiError::Unauthorized { .. })));
		assert!(matches!(required, Err(ApiError::Unauthorized { .. })));
	}
}
