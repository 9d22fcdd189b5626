//! Which addresses replicas may be fetched from.
//!
//! Endpoints come from the chain, so any masternode can name any address there. On a production
//! chain the fetcher refuses every address that is not public: loopback, link-local (the cloud
//! metadata service at 169.254.169.254), private (RFC 1918, `fc00::/7`), unspecified,
//! multicast and the other special-purpose ranges, so a hostile holder cannot aim fetches at
//! the operator's own network. Dev and local chains, whose sidecars all run on one machine,
//! allow them, and `--allow-private-endpoints` overrides either way.
//!
//! The policy is the HTTP client's DNS resolver, so the address checked is the address
//! connected to: a name that resolves elsewhere the second time (DNS rebinding) gains nothing.
//! An address written in the URL never reaches a resolver; it is checked before the request.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::{
	net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
	sync::atomic::{AtomicBool, Ordering},
};

/// An endpoint refused because none of its addresses is public.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
	"{host} has no public address ({addresses:?}); --allow-private-endpoints allows such endpoints"
)]
pub(in crate::chain) struct Refused {
	/// The endpoint's host, as written.
	pub host: String,
	/// The addresses it names or resolves to.
	pub addresses: Vec<IpAddr>,
}

/// Whether endpoints on non-public addresses are allowed: as configured, else as the chain's
/// type says.
#[derive(Debug)]
pub(super) struct AddressPolicy {
	/// `--allow-private-endpoints`, if given.
	configured: Option<bool>,
	/// What applies now; until the chain's type is known, what is configured or refusal.
	private_allowed: AtomicBool,
}

impl AddressPolicy {
	/// The policy with `--allow-private-endpoints` set to `configured`.
	pub fn new(configured: Option<bool>) -> Self {
		Self { configured, private_allowed: AtomicBool::new(configured.unwrap_or(false)) }
	}

	/// Applies the type of the chain followed (`system_chainType`: `Development`, `Local`,
	/// `Live`, or `None` when it is custom or could not be read). Non-public endpoints are
	/// allowed on dev and local chains, unless configured otherwise. Returns whether they are.
	pub fn learn_chain(&self, chain_type: Option<&str>) -> bool {
		let allowed =
			self.configured.unwrap_or(matches!(chain_type, Some("Development" | "Local")));
		self.private_allowed.store(allowed, Ordering::Relaxed);
		allowed
	}

	/// Checks an endpoint whose host is an address written in its URL (which no resolver
	/// sees); a host name is checked when it is resolved.
	pub fn check_url(&self, url: &reqwest::Url) -> Result<(), Refused> {
		let host = url.host_str().unwrap_or_default();
		// The URL parser writes addresses in their plain form, IPv6 ones in brackets.
		match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
			Ok(address) => admit(self.private_allowed(), host, vec![address]).map(drop),
			Err(_) => Ok(()),
		}
	}

	fn private_allowed(&self) -> bool {
		self.private_allowed.load(Ordering::Relaxed)
	}
}

impl Resolve for AddressPolicy {
	/// Resolves with the system's resolver and keeps only the addresses the policy allows.
	fn resolve(&self, name: Name) -> Resolving {
		let private_allowed = self.private_allowed();
		let host = name.as_str().to_owned();
		Box::pin(async move {
			let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
			let addresses = admit(private_allowed, &host, resolved.map(|a| a.ip()).collect())?;
			// Port 0: the client puts the URL's port (or the scheme's) in its place.
			let addrs: Addrs = Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
			Ok::<_, Box<dyn std::error::Error + Send + Sync>>(addrs)
		})
	}
}

/// The addresses of `host` that may be connected to: all of them if non-public ones are
/// allowed, else the public ones; refused if none is left.
fn admit(
	private_allowed: bool,
	host: &str,
	addresses: Vec<IpAddr>,
) -> Result<Vec<IpAddr>, Refused> {
	let admitted: Vec<IpAddr> =
		addresses.iter().copied().filter(|&ip| private_allowed || is_public(ip)).collect();
	if admitted.is_empty() {
		return Err(Refused { host: host.to_owned(), addresses });
	}
	Ok(admitted)
}

/// Whether `ip` is a public unicast address: not loopback, link-local, private, shared (carrier
/// NAT), unspecified, multicast, broadcast, documentation, benchmarking or reserved. IPv6
/// addresses that carry an IPv4 one (mapped, compatible, NAT64) are judged by it.
fn is_public(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(ip) => is_public_v4(ip),
		IpAddr::V6(ip) => is_public_v6(ip),
	}
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
	let [a, b, c, _] = ip.octets();
	let special = ip.is_unspecified() ||
		ip.is_loopback() ||
		ip.is_private() ||
		ip.is_link_local() ||
		ip.is_multicast() ||
		ip.is_broadcast() ||
		ip.is_documentation() ||
		a == 0 || // "this network", 0.0.0.0/8
		(a == 100 && b & 0xc0 == 64) || // shared address space, 100.64.0.0/10
		(a == 192 && b == 0 && c == 0) || // IETF protocol assignments, 192.0.0.0/24
		(a == 198 && b & 0xfe == 18) || // benchmarking, 198.18.0.0/15
		a >= 240; // reserved, 240.0.0.0/4
	!special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
	if ip.is_unspecified() || ip.is_loopback() {
		return false;
	}
	let segments = ip.segments();
	// Mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`)
	// addresses reach the IPv4 address they carry.
	let nat64 = segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
	if let Some(v4) = ip.to_ipv4().or(nat64.then(|| Ipv4Addr::from_bits(ip.to_bits() as u32))) {
		return is_public_v4(v4);
	}
	let special = ip.is_multicast() ||
		ip.is_unique_local() ||
		ip.is_unicast_link_local() ||
		segments[..2] == [0x2001, 0xdb8] || // documentation, 2001:db8::/32
		segments[..4] == [0x100, 0, 0, 0]; // discard-only, 100::/64
	!special
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_public_addresses_are_public() {
		for internal in [
			"169.254.169.254",
			"10.0.0.1",
			"172.16.0.1",
			"192.168.1.1",
			"127.0.0.1",
			"127.1.2.3",
			"0.0.0.0",
			"0.1.2.3",
			"100.64.0.1",
			"192.0.0.8",
			"198.18.0.1",
			"192.0.2.1",
			"224.0.0.1",
			"240.0.0.1",
			"255.255.255.255",
			"::",
			"::1",
			"fc00::1",
			"fd12:3456::1",
			"fe80::1",
			"ff02::1",
			"2001:db8::1",
			"100::1",
			"::ffff:10.0.0.1",
			"::ffff:169.254.169.254",
			"::127.0.0.1",
			"64:ff9b::a9fe:a9fe",
		] {
			assert!(!is_public(internal.parse().unwrap()), "{internal} taken for public");
		}
		for public in [
			"8.8.8.8",
			"1.1.1.1",
			"100.128.0.1",
			"2606:4700::1111",
			"::ffff:8.8.8.8",
			"64:ff9b::808:808",
		] {
			assert!(is_public(public.parse().unwrap()), "{public} taken for internal");
		}
	}

	#[test]
	fn private_endpoints_are_allowed_on_dev_and_local_chains_unless_configured() {
		for (configured, chain_type, allowed) in [
			(None, None, false),
			(None, Some("Live"), false),
			(None, Some("Development"), true),
			(None, Some("Local"), true),
			(Some(true), Some("Live"), true),
			(Some(true), None, true),
			(Some(false), Some("Development"), false),
		] {
			let policy = AddressPolicy::new(configured);
			assert_eq!(policy.learn_chain(chain_type), allowed, "{configured:?} on {chain_type:?}");
			assert_eq!(policy.private_allowed(), allowed);
		}
		// Before the chain is known: as configured, else refused.
		assert!(!AddressPolicy::new(None).private_allowed());
		assert!(AddressPolicy::new(Some(true)).private_allowed());
	}

	#[test]
	fn addresses_written_in_urls_are_checked_in_their_plain_form() {
		let policy = AddressPolicy::new(None);
		for url in [
			"http://169.254.169.254/latest",
			"http://0x7f.1:8080",
			"http://2130706433",
			"http://[::1]:80",
			"https://[::ffff:a00:1]",
		] {
			let refused = policy.check_url(&url.parse().unwrap());
			assert!(refused.is_err(), "{url} not refused");
		}
		for url in ["http://8.8.8.8", "https://[2606:4700::1111]", "http://localhost:80"] {
			// A name is left to the resolver.
			assert_eq!(policy.check_url(&url.parse().unwrap()), Ok(()), "{url}");
		}
		assert!(policy.learn_chain(Some("Local")));
		assert_eq!(policy.check_url(&"http://[::1]:80".parse().unwrap()), Ok(()));
	}

	#[test]
	fn a_name_keeps_only_its_public_addresses() {
		let (public, internal): (IpAddr, IpAddr) =
			("8.8.8.8".parse().unwrap(), "10.0.0.1".parse().unwrap());
		assert_eq!(admit(false, "mixed", vec![internal, public]), Ok(vec![public]));
		assert_eq!(
			admit(false, "lan", vec![internal]),
			Err(Refused { host: "lan".into(), addresses: vec![internal] })
		);
		assert_eq!(admit(true, "lan", vec![internal]), Ok(vec![internal]));
	}
}
