//! `pop-sidecar status`: a masternode's standing as its operator watches it, read at the
//! node's finalized block (what no re-org takes back): registration, bond and backing, rank in the next election, faults and
//! points this era, pending rewards, unbonding, replicas, and the sidecar's and node's health.

use super::{amount, OperatorError, Output};
use crate::{
	auth::{ss58, Account},
	chain::{self, queries, queries::MasternodeStatus, AtBlock},
	config::StatusArgs,
};
use serde::Serialize;
use subxt::{
	dynamic,
	ext::scale_decode::DecodeAsType,
	rpcs::client::{rpc_params, RpcClient},
};

/// How long the sidecar's health may take to answer.
const SIDECAR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// `Masternodes::Masternodes` values, as far as status shows them.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Masternode {
	bond: u128,
	endpoint: Vec<u8>,
	proof_key: Account,
	capacity: u64,
	commission: u32,
	status: MasternodeStatus,
	jailed_until: Option<u32>,
}

/// `Delegation::Pools` values.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Pool {
	value: u128,
	delegators: u32,
}

/// Bond on its way out (`Masternodes::Unbonding` chunks).
#[derive(Debug, DecodeAsType, Serialize)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct Chunk {
	/// Planck unbonding, as a string (it may exceed what JSON numbers hold).
	#[serde(serialize_with = "as_string")]
	pub amount: u128,
	/// The era from which it may be withdrawn.
	pub unlock_era: u32,
}

fn as_string<S: serde::Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
	serializer.collect_str(value)
}

/// What `status` shows. Amounts are planck, as strings.
#[derive(Debug, Serialize)]
pub struct Status {
	/// The masternode (its operator account).
	pub masternode: String,
	/// Whether it is registered.
	pub registered: bool,
	/// Active, Idle or Jailed; `null` when not registered.
	pub status: Option<String>,
	/// While jailed: the first era it may unjail in.
	pub jailed_until: Option<u32>,
	/// Its self-bond.
	pub bond: String,
	/// Self-bond plus delegated value: what the election ranks by.
	pub backing: String,
	/// Its backers.
	pub delegators: u32,
	/// Its sidecar's URL as registered.
	pub endpoint: Option<String>,
	/// Its proof key as registered.
	pub proof_key: Option<String>,
	/// What the proof key can spend: proofs and confirmations pay their fee up front (valid
	/// ones get it back), so a proof key with nothing confirms and proves nothing.
	pub proof_key_spendable: Option<String>,
	/// Bytes of content it offers.
	pub capacity: Option<u64>,
	/// Its commission, e.g. `10%`.
	pub commission: Option<String>,
	/// Its place among the electable masternodes by backing (1 is first), as the next era's
	/// election would rank them now; `null` when not electable.
	pub rank: Option<u32>,
	/// Electable masternodes.
	pub candidates: u32,
	/// Seats in the active set.
	pub seats: u32,
	/// The era under way.
	pub era: u32,
	/// Faults counted this era.
	pub faults_this_era: u32,
	/// Faults in one era at which a masternode is slashed and jailed.
	pub fault_threshold: u32,
	/// Reward points earned this era.
	pub era_points: u32,
	/// What `rewards.claim()` would pay the operator now.
	pub pending_rewards: String,
	/// Bond on its way out.
	pub unbonding: Vec<Chunk>,
	/// Its replicas.
	pub replicas: Replicas,
	/// The sidecar's `/health`, or why it could not be read.
	pub sidecar: serde_json::Value,
	/// The node's health.
	pub node: NodeHealth,
}

/// The replicas assigned to the masternode.
#[derive(Debug, Default, Serialize)]
pub struct Replicas {
	/// Confirmed as stored.
	pub held: u32,
	/// Assigned, not confirmed yet.
	pub pending: u32,
	/// Bytes of the confirmed ones.
	pub held_bytes: u64,
	/// Bytes of the pending ones.
	pub pending_bytes: u64,
	/// Every replica: content id, size, whether confirmed.
	pub items: Vec<ReplicaItem>,
}

/// One replica.
#[derive(Debug, Serialize)]
pub struct ReplicaItem {
	/// Its content id.
	pub content: String,
	/// Its size in bytes.
	pub size: u64,
	/// Whether the masternode confirmed it stores it.
	pub confirmed: bool,
}

/// The node as its RPC tells.
#[derive(Debug, Serialize)]
pub struct NodeHealth {
	/// The chain's name.
	pub chain: String,
	/// Development, Local or Live.
	pub chain_type: Option<String>,
	/// The node's version.
	pub version: String,
	/// Connected peers.
	pub peers: u64,
	/// Whether it is still syncing.
	pub syncing: bool,
	/// The best block's number.
	pub best: u64,
	/// The finalized block's number: the block the status is read at.
	pub finalized: u64,
}

/// Runs `pop-sidecar status`.
pub async fn run(args: StatusArgs) -> Result<(), OperatorError> {
	let url = &args.chain.node_url;
	let (link, chain_type) =
		chain::connect(url).await.map_err(|error| OperatorError::connect(url, error))?;
	let sidecar = sidecar_health(&args.sidecar_url).await;
	let at = link.client.at_current_block().await.map_err(OperatorError::node)?;
	let masternode = match &args.masternode {
		Some(address) => super::parse_account(address)?,
		None => served_masternode(&at, &sidecar).await?,
	};
	let node = node_health(&link.rpc, chain_type, &at).await?;
	let status = read(&at, masternode, sidecar, node).await.map_err(OperatorError::node)?;
	Output::new(args.chain.json).print(&status, || describe(&status));
	Ok(())
}

/// The sidecar's `/health` JSON, or `{"error": …}`.
async fn sidecar_health(url: &str) -> serde_json::Value {
	let health = async {
		let client = reqwest::Client::builder().timeout(SIDECAR_TIMEOUT).build()?;
		let url = format!("{}/health", url.trim_end_matches('/'));
		let body = client.get(url).send().await?.error_for_status()?.bytes().await?;
		Ok::<_, Box<dyn std::error::Error>>(serde_json::from_slice(&body)?)
	};
	match health.await {
		Ok(health) => health,
		Err(error) => serde_json::json!({ "error": format!("{url}: {error}") }),
	}
}

/// The masternode the sidecar's proof key signs for.
async fn served_masternode(at: &AtBlock, sidecar: &serde_json::Value) -> Result<Account, OperatorError> {
	let proof_key = sidecar["proof_key"].as_str().ok_or_else(|| {
		OperatorError::Usage(format!(
			"the sidecar does not tell its proof key ({}); give --masternode",
			sidecar["error"].as_str().unwrap_or("no proof_key in its /health")
		))
	})?;
	let key = super::parse_account(proof_key)?;
	queries::read(at, queries::proof_key_owner(), (key,))
		.await
		.map_err(OperatorError::node)?
		.ok_or_else(|| {
			OperatorError::Usage(format!(
				"the sidecar's proof key {proof_key} signs for no masternode; register it \
				 (`pop-sidecar masternode register`) or give --masternode"
			))
		})
}

/// The node's health, best and finalized blocks.
async fn node_health(
	rpc: &RpcClient,
	chain_type: Option<String>,
	at: &AtBlock,
) -> Result<NodeHealth, OperatorError> {
	let call = |method: &'static str| async move {
		rpc.request::<serde_json::Value>(method, rpc_params![]).await.map_err(OperatorError::node)
	};
	let health = call("system_health").await?;
	let best = call("chain_getHeader").await?;
	let number = |header: &serde_json::Value| {
		header["number"].as_str().and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
	};
	Ok(NodeHealth {
		chain: call("system_chain").await?.as_str().unwrap_or_default().to_owned(),
		chain_type,
		version: call("system_version").await?.as_str().unwrap_or_default().to_owned(),
		peers: health["peers"].as_u64().unwrap_or_default(),
		syncing: health["isSyncing"].as_bool().unwrap_or_default(),
		best: number(&best).unwrap_or_default(),
		finalized: at.block_number(),
	})
}

/// Reads the masternode's standing at `at`.
async fn read(
	at: &AtBlock,
	masternode: Account,
	sidecar: serde_json::Value,
	node: NodeHealth,
) -> Result<Status, subxt::Error> {
	let masternodes = dynamic::storage::<(Account,), Masternode>("Masternodes", "Masternodes");
	let record = queries::read(at, masternodes.clone(), (masternode,)).await?;
	let proof_key_spendable = match &record {
		Some(node) => queries::read(at, queries::accounts(), (node.proof_key,))
			.await?
			.map(|account| account.data.spendable()),
		None => None,
	};
	let pools = dynamic::storage::<(Account,), Pool>("Delegation", "Pools");
	let pool = queries::read(at, pools.clone(), (masternode,)).await?;
	let delegated = pool.as_ref().map_or(0, |pool| pool.value);

	// The election: electable masternodes by backing, ties to the lower account.
	let min_bond: u128 = at.constants().entry(dynamic::constant("Masternodes", "MinSelfBond"))?;
	let all = queries::all(at, masternodes).await?;
	let pools: std::collections::BTreeMap<Account, u128> =
		queries::all(at, pools).await?.into_iter().map(|(who, pool)| (who, pool.value)).collect();
	let mut electable: Vec<(Account, u128)> = all
		.iter()
		.filter(|(_, node)| node.status != MasternodeStatus::Jailed && node.bond >= min_bond)
		.map(|(who, node)| (*who, node.bond.saturating_add(pools.get(who).copied().unwrap_or(0))))
		.collect();
	electable.sort_by(|(a, backing_a), (b, backing_b)| backing_b.cmp(backing_a).then(a.cmp(b)));
	let rank = electable.iter().position(|(who, _)| *who == masternode).map(|place| place as u32 + 1);

	let seats: u32 = at.constants().entry(dynamic::constant("Delegation", "MaxActiveMasternodes"))?;
	let fault_threshold: u32 = at.constants().entry(dynamic::constant("Content", "FaultThreshold"))?;
	let era = queries::read(at, queries::current_era(), ()).await?.unwrap_or_default();
	let era_points: u32 =
		queries::read(at, dynamic::storage("Rewards", "EraPoints"), (masternode,)).await?.unwrap_or_default();
	let pending_rewards: u128 = at
		.runtime_apis()
		.call(dynamic::runtime_api_call::<_, u128>("RewardsApi", "pending_rewards", (masternode,)))
		.await?;
	let unbonding: Vec<Chunk> =
		queries::read(at, dynamic::storage("Masternodes", "Unbonding"), (masternode,)).await?.unwrap_or_default();

	let mut replicas = Replicas::default();
	for (content, ()) in queries::entries(at, queries::assignments(), masternode).await? {
		let Some(info) = queries::read(at, queries::contents(), (content,)).await? else { continue };
		let confirmed = info.confirmed_by(masternode);
		match confirmed {
			true => (replicas.held += 1, replicas.held_bytes += info.size),
			false => (replicas.pending += 1, replicas.pending_bytes += info.size),
		};
		replicas.items.push(ReplicaItem { content: format!("0x{}", hex::encode(content.0)), size: info.size, confirmed });
	}

	Ok(Status {
		masternode: ss58(&masternode),
		registered: record.is_some(),
		status: record.as_ref().map(|node| format!("{:?}", node.status)),
		jailed_until: record.as_ref().and_then(|node| node.jailed_until),
		bond: record.as_ref().map_or(0, |node| node.bond).to_string(),
		backing: record.as_ref().map_or(0, |node| node.bond.saturating_add(delegated)).to_string(),
		delegators: pool.map_or(0, |pool| pool.delegators),
		endpoint: record.as_ref().map(|node| String::from_utf8_lossy(&node.endpoint).into_owned()),
		proof_key: record.as_ref().map(|node| ss58(&node.proof_key)),
		proof_key_spendable: record.as_ref().map(|_| proof_key_spendable.unwrap_or(0).to_string()),
		capacity: record.as_ref().map(|node| node.capacity),
		commission: record.as_ref().map(|node| amount::format_percent(node.commission)),
		rank,
		candidates: electable.len() as u32,
		seats,
		era,
		faults_this_era: queries::faults_this_era(at, masternode).await?,
		fault_threshold,
		era_points,
		pending_rewards: pending_rewards.to_string(),
		unbonding,
		replicas,
		sidecar,
		node,
	})
}

/// The status for people.
fn describe(status: &Status) -> String {
	let pop = |planck: &str| amount::format_pop(planck.parse().unwrap_or_default());
	let mut lines = vec![format!("masternode   {}", status.masternode)];
	match &status.status {
		None => lines.push("registered   no".into()),
		Some(standing) => {
			let jail = status.jailed_until.map(|era| format!(" (may unjail from era {era})")).unwrap_or_default();
			lines.push(format!("status       {standing}{jail}"));
			lines.push(format!("bond         {}", pop(&status.bond)));
			lines.push(format!("backing      {} ({} backers)", pop(&status.backing), status.delegators));
			lines.push(format!(
				"election     {}",
				match status.rank {
					Some(rank) => format!(
						"rank {rank} of {} for {} seats: {}",
						status.candidates,
						status.seats,
						if rank <= status.seats { "elected at the next era" } else { "not elected" }
					),
					None => "not electable (jailed, or bond under the minimum)".into(),
				}
			));
			lines.push(format!("endpoint     {}", status.endpoint.as_deref().unwrap_or_default()));
			let spendable = status.proof_key_spendable.as_deref().unwrap_or("0");
			lines.push(format!(
				"proof key    {} ({}{})",
				status.proof_key.as_deref().unwrap_or_default(),
				pop(spendable),
				if spendable == "0" { ": fund it, or it can neither prove nor confirm" } else { "" }
			));
			lines.push(format!(
				"offers       {} bytes, commission {}",
				status.capacity.unwrap_or_default(),
				status.commission.as_deref().unwrap_or_default()
			));
		}
	}
	lines.push(format!(
		"era {:<8} faults {} of {} before a slash, {} points",
		status.era, status.faults_this_era, status.fault_threshold, status.era_points
	));
	lines.push(format!("rewards      {} to claim", pop(&status.pending_rewards)));
	for chunk in &status.unbonding {
		lines.push(format!("unbonding    {} from era {}", amount::format_pop(chunk.amount), chunk.unlock_era));
	}
	let replicas = &status.replicas;
	lines.push(format!(
		"replicas     {} held ({} bytes), {} pending ({} bytes)",
		replicas.held, replicas.held_bytes, replicas.pending, replicas.pending_bytes
	));
	let sidecar = &status.sidecar;
	lines.push(match sidecar["error"].as_str() {
		Some(error) => format!("sidecar      unreachable: {error}"),
		None => format!(
			"sidecar      {} v{}, {} items, {} bytes stored, {} bytes free (reserve {})",
			sidecar["status"].as_str().unwrap_or("?"),
			sidecar["version"].as_str().unwrap_or("?"),
			sidecar["items_stored"],
			sidecar["disk_bytes"],
			sidecar["disk_free_bytes"],
			sidecar["disk_reserve_bytes"],
		),
	});
	let node = &status.node;
	lines.push(format!(
		"node         {} ({}), {} peers, best #{}, finalized #{}{}",
		node.chain,
		node.chain_type.as_deref().unwrap_or("custom"),
		node.peers,
		node.best,
		node.finalized,
		if node.syncing { ", syncing" } else { "" }
	));
	lines.join("\n") + "\n"
}
