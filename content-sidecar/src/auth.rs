//! Who is asking, and for what: requests are signed by a POP account (sr25519), with a token
//! scoped to streaming or to uploading.
//!
//! # Token format (v2)
//!
//! A token is four parts joined by `.`:
//!
//! ```text
//! <scope>.<account>.<expires>.<signature>
//! ```
//!
//! - `scope`: what the token is for, `stream` (`GET`/`HEAD /content/{id}`) or `upload` (every
//!   tus request on `/uploads`). A stream token never uploads, deletes or reads an upload's
//!   state (`403`), and an upload token never streams (`403`);
//! - `account`: the SS58 address of an sr25519 account (any network prefix: the key is what
//!   counts);
//! - `expires`: Unix time in seconds (decimal) after which the token is refused. A stream token
//!   may expire at most `--stream-token-validity` (default 10 minutes) ahead of the sidecar's
//!   clock, an upload token at most `--upload-token-validity` (default 24 hours) ahead;
//!   `/health` reports both. Sign for less than the bound when clocks may differ;
//! - `signature`: `0x` and 128 hex digits, the sr25519 signature by `account` of the UTF-8 bytes
//!
//!   ```text
//!   pop-sidecar-auth:v2:<scope>:<audience>:<expires>
//!   ```
//!
//!   where `audience` is the sidecar's public URL exactly as configured (`--public-url`, without
//!   a trailing `/`; `/health` reports it), so a token made for one sidecar is refused by every
//!   other. A signature of the same message wrapped as `<Bytes>message</Bytes>` is accepted too:
//!   that is what the Polkadot.js extension's `signRaw` signs.
//!
//! Send it as `Authorization: PopSr25519 <token>`. A stream token may instead come as the query
//! parameter `auth=<token>`, for a `<video src>` that cannot set headers; such a URL ends up in
//! proxy and access logs, which is why stream tokens are short-lived. Upload tokens, which live
//! longer, are taken from the header only. A token is a bearer credential until it expires:
//! serve over HTTPS.
//!
//! v1 tokens (`<account>.<expires>.<signature>` over `pop-sidecar-auth:v1:<audience>:<expires>`)
//! are refused with a `401` naming v2: they carried no scope, so a token leaked from a
//! `<video src>` could upload and delete for a day, and accepting them would keep that open.

use crate::error::ApiError;
use axum::{
	extract::{FromRef, FromRequestParts, OptionalFromRequestParts},
	http::{header, request::Parts},
};
use sp_core::{
	crypto::{Ss58AddressFormat, Ss58Codec},
	sr25519, Pair as _,
};
use std::{fmt, str::FromStr};

/// The `Authorization` scheme.
pub const SCHEME: &str = "PopSr25519";
/// The query parameter that may carry a stream token instead of the header.
pub const QUERY_PARAMETER: &str = "auth";

/// A POP account: the 32 bytes of its sr25519 public key.
pub type Account = [u8; 32];

/// What a token authorises.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
	/// `GET`/`HEAD /content/{id}`.
	Stream,
	/// The tus routes under `/uploads`.
	Upload,
}

impl Scope {
	/// Its name in tokens and signed messages.
	pub fn as_str(self) -> &'static str {
		match self {
			Self::Stream => "stream",
			Self::Upload => "upload",
		}
	}
}

impl fmt::Display for Scope {
	fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
		formatter.write_str(self.as_str())
	}
}

impl FromStr for Scope {
	type Err = TokenError;

	fn from_str(name: &str) -> Result<Self, TokenError> {
		match name {
			"stream" => Ok(Self::Stream),
			"upload" => Ok(Self::Upload),
			_ => Err(TokenError::UnknownScope(name.into())),
		}
	}
}

/// Why a token is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
	/// Not `<scope>.<account>.<expires>.<signature>`.
	#[error(
		"malformed auth token: expected <scope>.<ss58 account>.<expires unix seconds>.<0x \
		 signature>"
	)]
	Malformed,
	/// A v1 token: three parts, no scope.
	#[error(
		"v1 auth tokens are no longer accepted: sign `pop-sidecar-auth:v2:<scope>:<audience>:\
		 <expires>` and send <scope>.<ss58 account>.<expires>.<0x signature>, with scope `stream` \
		 or `upload`"
	)]
	Version1,
	/// The scope part is neither `stream` nor `upload`.
	#[error("auth token scope `{0}` is neither `stream` nor `upload`")]
	UnknownScope(String),
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
	/// The token expires further ahead than its scope allows.
	#[error(
		"{scope} token expires at {expires}, more than {max_secs} s after now ({now}); sign one \
		 that expires sooner"
	)]
	TooLong {
		/// Its scope.
		scope: Scope,
		/// Its expiry.
		expires: u64,
		/// The sidecar's clock.
		now: u64,
		/// The longest its scope may be valid for.
		max_secs: u64,
	},
	/// The signature does not match (wrong key, or signed for another scope, audience or
	/// expiry).
	#[error(
		"auth token signature is not the account's signature of `{0}` (wrong key, or made for \
		 another sidecar)"
	)]
	BadSignature(String),
	/// A valid token of another scope than the request needs.
	#[error("this request needs a token of scope `{needed}`; this one is scoped `{given}`")]
	WrongScope {
		/// The token's scope.
		given: Scope,
		/// The scope the request needs.
		needed: Scope,
	},
}

/// How the sidecar checks tokens: whom they must be signed for (its public URL as configured),
/// and how far ahead each scope may expire. Extractors of signed requests ([`Viewer`],
/// [`Uploader`]) take it from their state (as [`FromRef`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TokenPolicy {
	/// The audience tokens sign.
	pub audience: String,
	/// Longest a stream token may be valid for, ahead of the sidecar's clock (seconds).
	pub stream_validity_secs: u64,
	/// Longest an upload token may be valid for, ahead of the sidecar's clock (seconds).
	pub upload_validity_secs: u64,
}

impl TokenPolicy {
	/// Longest a token of `scope` may be valid for, in seconds.
	pub fn max_validity_secs(&self, scope: Scope) -> u64 {
		match scope {
			Scope::Stream => self.stream_validity_secs,
			Scope::Upload => self.upload_validity_secs,
		}
	}
}

/// The bytes a token signs.
pub fn token_message(scope: Scope, audience: &str, expires: u64) -> String {
	format!("pop-sidecar-auth:v2:{scope}:{audience}:{expires}")
}

/// Makes a `scope` token for `pair` at `audience`, valid until `expires` (Unix seconds).
pub fn sign_token(pair: &sr25519::Pair, scope: Scope, audience: &str, expires: u64) -> String {
	let signature = pair.sign(token_message(scope, audience, expires).as_bytes());
	format!("{scope}.{}.{expires}.0x{}", ss58(&pair.public().0), hex::encode(signature.0))
}

/// Checks a token for a request that needs `scope`, under `policy`, at time `now` (Unix
/// seconds); returns its account. The cheap checks come before the signature's.
pub fn verify_token(
	token: &str,
	policy: &TokenPolicy,
	scope: Scope,
	now: u64,
) -> Result<Account, TokenError> {
	let parts: Vec<&str> = token.split('.').collect();
	let [given, account, expires, signature] = parts[..] else {
		return Err(if parts.len() == 3 { TokenError::Version1 } else { TokenError::Malformed });
	};
	let given: Scope = given.parse()?;
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
	let max_secs = policy.max_validity_secs(given);
	if expires - now > max_secs {
		return Err(TokenError::TooLong { scope: given, expires, now, max_secs });
	}
	let message = token_message(given, &policy.audience, expires);
	let signature = sr25519::Signature::from_raw(signature);
	let wrapped = format!("<Bytes>{message}</Bytes>");
	if !(sr25519::Pair::verify(&signature, message.as_bytes(), &public)
		|| sr25519::Pair::verify(&signature, wrapped.as_bytes(), &public))
	{
		return Err(TokenError::BadSignature(message));
	}
	if given != scope {
		return Err(TokenError::WrongScope { given, needed: scope });
	}
	Ok(public.0)
}

impl From<TokenError> for ApiError {
	fn from(error: TokenError) -> Self {
		match error {
			// A valid credential that does not reach this far: signing again will not help.
			TokenError::WrongScope { .. } => Self::Forbidden(error.to_string()),
			error => unauthorized(error.to_string()),
		}
	}
}

/// The account that signed a streaming request with a stream token, in the `Authorization`
/// header or else the `auth` query parameter. Taken as `Option<Viewer>`: a request without a
/// token gets through, an invalid one or one of another scope is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Viewer(pub Account);

impl<S> OptionalFromRequestParts<S> for Viewer
where
	TokenPolicy: FromRef<S>,
	S: Send + Sync,
{
	type Rejection = ApiError;

	async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, ApiError> {
		let token = match header_token(parts)? {
			Some(token) => token,
			None => match parts.uri.query().and_then(query_token) {
				Some(token) => token,
				None => return Ok(None),
			},
		};
		verify(&token, state, Scope::Stream).map(|account| Some(Self(account)))
	}
}

/// The account that signed an upload request with an upload token, in the `Authorization`
/// header: a handler taking it refuses (`401`) a request without one. Never from the query,
/// where a longer-lived token would end up in logs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Uploader(pub Account);

impl<S> FromRequestParts<S> for Uploader
where
	TokenPolicy: FromRef<S>,
	S: Send + Sync,
{
	type Rejection = ApiError;

	async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
		let Some(token) = header_token(parts)? else {
			let in_query = parts.uri.query().and_then(query_token).is_some();
			let hint = if in_query { " (upload tokens are never taken from the URL)" } else { "" };
			return Err(unauthorized(format!(
				"this needs a signed request: `Authorization: {SCHEME} <upload token>`{hint}"
			)));
		};
		verify(&token, state, Scope::Upload).map(Self)
	}
}

/// The token in the `Authorization` header, if there is one; a header of another scheme is
/// refused.
fn header_token(parts: &Parts) -> Result<Option<String>, ApiError> {
	let Some(value) = parts.headers.get(header::AUTHORIZATION) else { return Ok(None) };
	let value = value.to_str().unwrap_or_default();
	let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
	if !scheme.eq_ignore_ascii_case(SCHEME) {
		return Err(unauthorized(format!(
			"Authorization must use the {SCHEME} scheme: `{SCHEME} <token>`"
		)));
	}
	Ok(Some(token.trim().to_owned()))
}

/// Checks `token` for a request needing `scope`, under the state's [`TokenPolicy`], now.
fn verify<S>(token: &str, state: &S, scope: Scope) -> Result<Account, ApiError>
where
	TokenPolicy: FromRef<S>,
{
	let policy = TokenPolicy::from_ref(state);
	Ok(verify_token(token, &policy, scope, crate::unix_time_secs())?)
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
	const STREAM_SECS: u64 = 600;
	const UPLOAD_SECS: u64 = 86_400;

	fn policy() -> TokenPolicy {
		TokenPolicy {
			audience: AUDIENCE.into(),
			stream_validity_secs: STREAM_SECS,
			upload_validity_secs: UPLOAD_SECS,
		}
	}

	#[test]
	fn a_signed_token_names_its_scope_and_account() {
		let alice = dev_pair("Alice");
		let token = sign_token(&alice, Scope::Stream, AUDIENCE, 1_000);
		assert!(
			token.starts_with("stream.5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY.1000.0x")
		);
		assert_eq!(verify_token(&token, &policy(), Scope::Stream, 999), Ok(alice.public().0));
		let token = sign_token(&alice, Scope::Upload, AUDIENCE, 1_000);
		assert!(token.starts_with("upload.5Grw"));
		assert_eq!(verify_token(&token, &policy(), Scope::Upload, 999), Ok(alice.public().0));
	}

	#[test]
	fn scopes_parse_from_their_names_only() {
		for scope in [Scope::Stream, Scope::Upload] {
			assert_eq!(scope.as_str().parse(), Ok(scope));
			assert_eq!(scope.to_string(), scope.as_str());
		}
		for name in ["Stream", "UPLOAD", "", "stream ", "admin"] {
			assert_eq!(name.parse::<Scope>(), Err(TokenError::UnknownScope(name.into())));
		}
		let token = sign_token(&dev_pair("Alice"), Scope::Stream, AUDIENCE, 1_000);
		let admin = token.replacen("stream.", "admin.", 1);
		assert_eq!(
			verify_token(&admin, &policy(), Scope::Stream, 999),
			Err(TokenError::UnknownScope("admin".into()))
		);
		// The scope is signed: relabelling a stream token as an upload token breaks it.
		let relabelled = token.replacen("stream.", "upload.", 1);
		assert!(matches!(
			verify_token(&relabelled, &policy(), Scope::Upload, 999),
			Err(TokenError::BadSignature(message)) if message.contains(":v2:upload:")
		));
	}

	#[test]
	fn a_token_of_the_other_scope_is_refused() {
		let alice = dev_pair("Alice");
		let stream = sign_token(&alice, Scope::Stream, AUDIENCE, 1_000);
		let upload = sign_token(&alice, Scope::Upload, AUDIENCE, 1_000);
		assert_eq!(
			verify_token(&stream, &policy(), Scope::Upload, 999),
			Err(TokenError::WrongScope { given: Scope::Stream, needed: Scope::Upload })
		);
		assert_eq!(
			verify_token(&upload, &policy(), Scope::Stream, 999),
			Err(TokenError::WrongScope { given: Scope::Upload, needed: Scope::Stream })
		);
	}

	#[test]
	fn each_scope_has_its_own_expiry_bound() {
		let alice = dev_pair("Alice");
		let now = 1_000;
		for (scope, bound) in [(Scope::Stream, STREAM_SECS), (Scope::Upload, UPLOAD_SECS)] {
			let at_bound = sign_token(&alice, scope, AUDIENCE, now + bound);
			assert_eq!(verify_token(&at_bound, &policy(), scope, now), Ok(alice.public().0));
			let past = sign_token(&alice, scope, AUDIENCE, now + bound + 1);
			assert_eq!(
				verify_token(&past, &policy(), scope, now),
				Err(TokenError::TooLong { scope, expires: now + bound + 1, now, max_secs: bound })
			);
		}
		// An hour is fine for an upload, not for a stream.
		let hour = |scope| sign_token(&alice, scope, AUDIENCE, now + 3_600);
		assert!(verify_token(&hour(Scope::Upload), &policy(), Scope::Upload, now).is_ok());
		assert!(matches!(
			verify_token(&hour(Scope::Stream), &policy(), Scope::Stream, now),
			Err(TokenError::TooLong { scope: Scope::Stream, .. })
		));
		// The bound is the token's own scope's: a long stream token is too long wherever it goes.
		assert!(matches!(
			verify_token(&hour(Scope::Stream), &policy(), Scope::Upload, now),
			Err(TokenError::TooLong { scope: Scope::Stream, .. })
		));
	}

	#[test]
	fn the_polkadot_js_wrapping_is_accepted() {
		let alice = dev_pair("Alice");
		let message = format!("<Bytes>{}</Bytes>", token_message(Scope::Upload, AUDIENCE, 1_000));
		let signature = alice.sign(message.as_bytes());
		let token =
			format!("upload.{}.1000.0x{}", ss58(&alice.public().0), hex::encode(signature.0));
		assert_eq!(verify_token(&token, &policy(), Scope::Upload, 500), Ok(alice.public().0));
	}

	#[test]
	fn v1_tokens_are_refused_naming_v2() {
		let alice = dev_pair("Alice");
		let message = format!("pop-sidecar-auth:v1:{AUDIENCE}:1000");
		let signature = alice.sign(message.as_bytes());
		let v1 = format!("{}.1000.0x{}", ss58(&alice.public().0), hex::encode(signature.0));
		for scope in [Scope::Stream, Scope::Upload] {
			let refused = verify_token(&v1, &policy(), scope, 999);
			assert_eq!(refused, Err(TokenError::Version1));
			assert!(refused.unwrap_err().to_string().contains("pop-sidecar-auth:v2:<scope>"));
		}
	}

	#[test]
	fn bad_tokens_are_refused_with_their_reason() {
		let alice = dev_pair("Alice");
		let verify = |token: &str, now| verify_token(token, &policy(), Scope::Stream, now);
		let token = sign_token(&alice, Scope::Stream, AUDIENCE, 1_000);
		assert_eq!(verify(&token, 1_000), Err(TokenError::Expired { expires: 1_000, now: 1_000 }));
		let elsewhere = TokenPolicy { audience: "http://other:8090".into(), ..policy() };
		assert!(matches!(
			verify_token(&token, &elsewhere, Scope::Stream, 999),
			Err(TokenError::BadSignature(_))
		));

		// Bob's address with Alice's signature.
		let bob = ss58(&dev_pair("Bob").public().0);
		let alice_address = ss58(&alice.public().0);
		let forged = token.replacen(&alice_address, &bob, 1);
		assert!(matches!(verify(&forged, 999), Err(TokenError::BadSignature(_))));
		// A later expiry than the one signed.
		let stretched = token.replace(".1000.", ".1001.");
		assert!(matches!(verify(&stretched, 999), Err(TokenError::BadSignature(_))));

		assert_eq!(verify("a.b", 0), Err(TokenError::Malformed));
		assert_eq!(verify(&format!("{token}.x"), 0), Err(TokenError::Malformed));
		assert!(matches!(verify("stream.nope.1000.0x00", 0), Err(TokenError::BadAccount(_))));
		let short = token.rsplit_once('.').unwrap().0.to_owned() + ".0x1234";
		assert_eq!(verify(&short, 0), Err(TokenError::BadSignatureEncoding));
		let (head, _) = token.split_once(".1000.").unwrap();
		assert_eq!(verify(&format!("{head}.soon.0x00"), 0), Err(TokenError::Malformed));
	}

	/// What a handler taking `Option<Viewer>` gets for `request`, and one taking `Uploader`.
	async fn extracted(
		request: Request<()>,
	) -> (Result<Option<Viewer>, ApiError>, Result<Uploader, ApiError>) {
		let policy = policy();
		let (mut parts, ()) = request.into_parts();
		let viewer =
			<Viewer as OptionalFromRequestParts<_>>::from_request_parts(&mut parts, &policy).await;
		let uploader =
			<Uploader as FromRequestParts<_>>::from_request_parts(&mut parts, &policy).await;
		(viewer, uploader)
	}

	#[tokio::test]
	async fn stream_tokens_come_in_the_header_or_the_query_upload_tokens_in_the_header() {
		let expires = crate::unix_time_secs() + 60;
		let stream = sign_token(&dev_pair("Alice"), Scope::Stream, AUDIENCE, expires);
		let upload = sign_token(&dev_pair("Alice"), Scope::Upload, AUDIENCE, expires);
		let alice = dev_pair("Alice").public().0;
		let plain = || Request::get("/content/x");

		let (viewer, uploader) = extracted(plain().body(()).unwrap()).await;
		assert_eq!(viewer.unwrap(), None);
		assert!(matches!(uploader, Err(ApiError::Unauthorized { .. })));

		let in_query = |token| Request::get(format!("/content/x?a=1&auth={token}"));
		let (viewer, uploader) = extracted(in_query(&stream).body(()).unwrap()).await;
		assert_eq!(viewer.unwrap(), Some(Viewer(alice)));
		assert!(matches!(uploader, Err(ApiError::Unauthorized { .. })));
		let (viewer, uploader) = extracted(in_query(&upload).body(()).unwrap()).await;
		assert!(matches!(viewer, Err(ApiError::Forbidden(_))));
		assert!(matches!(uploader, Err(ApiError::Unauthorized { reason, .. })
			if reason.contains("never taken from the URL")));

		let signed = |token| plain().header(header::AUTHORIZATION, format!("popsr25519 {token}"));
		let (viewer, uploader) = extracted(signed(&stream).body(()).unwrap()).await;
		assert_eq!(viewer.unwrap(), Some(Viewer(alice)));
		assert!(matches!(uploader, Err(ApiError::Forbidden(_))));
		let (viewer, uploader) = extracted(signed(&upload).body(()).unwrap()).await;
		assert!(matches!(viewer, Err(ApiError::Forbidden(_))));
		assert_eq!(uploader.unwrap(), Uploader(alice));

		let bearer = plain().header(header::AUTHORIZATION, format!("Bearer {stream}"));
		let (viewer, uploader) = extracted(bearer.body(()).unwrap()).await;
		assert!(matches!(viewer, Err(ApiError::Unauthorized { .. })));
		assert!(matches!(uploader, Err(ApiError::Unauthorized { .. })));
	}
}
