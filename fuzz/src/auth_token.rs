//! Auth tokens as the sidecar checks them (`pop_sidecar::auth`): `verify_token`, and the
//! `Authorization` header and `auth` query parameter the extractors read them from.
//!
//! - Any token, at any time, for either scope: no panic, and a token accepted is genuine: its
//!   parts are the scope asked for, an SS58 account, an expiry within the scope's bound after now,
//!   and that account's sr25519 signature of the v2 message (plain or as Polkadot.js wraps it).
//! - Tokens signed by a dev account (plain and wrapped), checked at any time for either scope,
//!   give exactly the answer the format prescribes (accepted, expired, too long, wrong scope);
//!   damaged anywhere, a token is either refused or still means the same account, scope and
//!   expiry (`0x` digits in upper case, `+` or leading zeros before the expiry).
//! - Any `Authorization` header and query: a request without a token is anonymous for
//!   streaming and refused for uploading; nothing else gets through unless genuine.

use arbitrary::{Result, Unstructured};
use http::{header, Request};
use pop_sidecar::auth::{
	sign_token, ss58, token_message, verify_token, Account, Scope, TokenError, TokenPolicy,
	Uploader, Viewer, SCHEME,
};
use sp_core::{
	crypto::{Pair as _, Ss58Codec},
	sr25519,
};
use std::sync::OnceLock;

const AUDIENCE: &str = "https://sidecar.example:8090";
/// The expiry of every signed token; checks happen around it.
const EXPIRES: u64 = 1_700_000_000;

fn policy() -> TokenPolicy {
	TokenPolicy {
		audience: AUDIENCE.into(),
		stream_validity_secs: 600,
		upload_validity_secs: 86_400,
	}
}

/// A token signed by Alice and what it means.
struct Signed {
	token: String,
	scope: Scope,
	expires: u64,
}

/// Alice, and her tokens for each scope expiring at a few times around [`EXPIRES`], plain and
/// wrapped as Polkadot.js signs: signing is slow, so they are made once.
fn signed() -> &'static (Account, Vec<Signed>) {
	static SIGNED: OnceLock<(Account, Vec<Signed>)> = OnceLock::new();
	SIGNED.get_or_init(|| {
		let alice = sr25519::Pair::from_string("//Alice", None).expect("dev seed");
		let mut tokens = Vec::new();
		for scope in [Scope::Stream, Scope::Upload] {
			for expires in [0, 1, EXPIRES, EXPIRES + 600, u64::MAX] {
				tokens.push(Signed {
					token: sign_token(&alice, scope, AUDIENCE, expires),
					scope,
					expires,
				});
				let wrapped = format!("<Bytes>{}</Bytes>", token_message(scope, AUDIENCE, expires));
				let signature = hex::encode(alice.sign(wrapped.as_bytes()).0);
				let token = format!("{scope}.{}.{expires}.0x{signature}", ss58(&alice.public().0));
				tokens.push(Signed { token, scope, expires });
			}
		}
		(alice.public().0, tokens)
	})
}

/// The fuzz target.
pub fn check(data: &[u8]) {
	let _ = run(&mut Unstructured::new(data));
}

fn run(u: &mut Unstructured) -> Result<()> {
	let needed = if u.arbitrary()? { Scope::Stream } else { Scope::Upload };
	match u.int_in_range(0..=2)? {
		0 => {
			let now = u.arbitrary()?;
			let token = String::from_utf8_lossy(u.bytes(u.len())?).into_owned();
			if let Ok(account) = verify_token(&token, &policy(), needed, now) {
				assert_genuine(&token, needed, now, account);
			}
		}
		1 => signed_token(u, needed)?,
		_ => extractors(u)?,
	}
	Ok(())
}

/// A token of Alice's, checked at a time near its expiry, perhaps damaged.
fn signed_token(u: &mut Unstructured, needed: Scope) -> Result<()> {
	let (alice, tokens) = signed();
	let signed = u.choose(tokens)?;
	let now = if u.arbitrary()? {
		signed.expires.saturating_add_signed(u.int_in_range(-100_000..=10)?)
	} else {
		u.arbitrary()?
	};
	let mut token = signed.token.clone().into_bytes();
	let damaged = u.arbitrary()?;
	if damaged {
		let at = u.choose_index(token.len())?;
		match u.int_in_range(0..=3)? {
			0 => token[at] = u.arbitrary()?,
			1 => token.insert(at, u.arbitrary()?),
			2 => drop(token.remove(at)),
			_ => token.truncate(at),
		}
	}
	let token = String::from_utf8_lossy(&token).into_owned();
	let verdict = verify_token(&token, &policy(), needed, now);
	if damaged {
		if let Ok(account) = verdict {
			assert_genuine(&token, needed, now, account);
			let parts: Vec<&str> = token.split('.').collect();
			assert_eq!(parts[2].parse(), Ok(signed.expires), "{token} is not {}", signed.token);
		}
		return Ok(());
	}
	let bound = policy().max_validity_secs(signed.scope);
	let expected = if signed.expires <= now {
		Err(TokenError::Expired { expires: signed.expires, now })
	} else if signed.expires - now > bound {
		Err(TokenError::TooLong {
			scope: signed.scope,
			expires: signed.expires,
			now,
			max_secs: bound,
		})
	} else if signed.scope != needed {
		Err(TokenError::WrongScope { given: signed.scope, needed })
	} else {
		Ok(*alice)
	};
	assert_eq!(verdict, expected, "{} at {now} for {needed}", signed.token);
	Ok(())
}

/// The extractors of signed requests, on any `Authorization` header and query.
fn extractors(u: &mut Unstructured) -> Result<()> {
	let authorization: Option<Vec<u8>> = match u.int_in_range(0..=2)? {
		0 => None,
		1 => Some(format!("{SCHEME} {}", u.arbitrary::<&str>()?).into_bytes()),
		_ => Some(u.arbitrary()?),
	};
	let query: String = u.arbitrary()?;
	let mut request = Request::get("/content/x");
	if let Some(value) = authorization.as_deref().and_then(crate::header_value) {
		request = request.header(header::AUTHORIZATION, value);
	}
	let Ok(uri) = format!("/content/x?{query}").parse::<http::Uri>() else { return Ok(()) };
	let (mut parts, ()) = request.uri(uri).body(()).expect("valid parts").into_parts();
	let has_header = parts.headers.contains_key(header::AUTHORIZATION);
	let query_token = parts.uri.query().and_then(|query| {
		form_urlencoded::parse(query.as_bytes())
			.find(|(name, _)| name == "auth")
			.map(|(_, t)| t.into_owned())
	});
	let has_query = query_token.is_some();

	let policy = policy();
	let now = pop_sidecar::unix_time_secs();
	let viewer = futures::executor::block_on(<Viewer as axum::extract::OptionalFromRequestParts<
		TokenPolicy,
	>>::from_request_parts(&mut parts, &policy));
	match viewer {
		Ok(None) => assert!(!has_header && !has_query),
		Ok(Some(Viewer(account))) => {
			let token = header_token(&parts).or(query_token);
			assert_genuine(&token.expect("a viewer had a token"), Scope::Stream, now, account);
		}
		Err(_) => assert!(has_header || has_query),
	}
	let uploader = futures::executor::block_on(<Uploader as axum::extract::FromRequestParts<
		TokenPolicy,
	>>::from_request_parts(&mut parts, &policy));
	if let Ok(Uploader(account)) = uploader {
		let token = header_token(&parts).expect("an upload token comes in the header only");
		assert_genuine(&token, Scope::Upload, now, account);
	}
	Ok(())
}

/// The token of a `PopSr25519` `Authorization` header.
fn header_token(parts: &http::request::Parts) -> Option<String> {
	let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
	let (scheme, token) = value.split_once(' ')?;
	scheme.eq_ignore_ascii_case(SCHEME).then(|| token.trim().to_owned())
}

/// `token`, accepted at `now` for `scope` as `account`'s, really is: every part checked against
/// the documented format, the signature by the account's key.
fn assert_genuine(token: &str, scope: Scope, now: u64, account: Account) {
	let parts: Vec<&str> = token.split('.').collect();
	let [given, address, expires, signature] = parts[..] else { panic!("accepted {token:?}") };
	assert_eq!(given, scope.as_str(), "{token:?}");
	let public = sr25519::Public::from_ss58check_with_version(address).expect("an SS58 address").0;
	assert_eq!(public.0, account, "{token:?}");
	let expires: u64 = expires.parse().expect("a decimal expiry");
	let bound = policy().max_validity_secs(scope);
	assert!(now < expires && expires - now <= bound, "{token:?} at {now}");
	let signature: [u8; 64] = hex::decode(signature.strip_prefix("0x").expect("0x"))
		.expect("hex")
		.try_into()
		.expect("64 bytes");
	let signature = sr25519::Signature::from_raw(signature);
	let message = token_message(scope, AUDIENCE, expires);
	let wrapped = format!("<Bytes>{message}</Bytes>");
	assert!(
		sr25519::Pair::verify(&signature, message.as_bytes(), &public)
			|| sr25519::Pair::verify(&signature, wrapped.as_bytes(), &public),
		"{token:?} is not signed by its account"
	);
}
