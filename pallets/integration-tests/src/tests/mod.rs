//! Flows that cross pallets, by topic, and the set-ups they share.

mod faults;
mod payments;
mod reassignment;
mod rewards;
mod settlement;
mod staking;

use crate::mock::*;
use pallet_content::Event as ContentEvent;
use pop_primitives::commitment::ContentId;
use pop_primitives::ContentCatalog;

/// Size of the test content items: five leaves.
const CONTENT_SIZE: usize = 5 * 1024;

/// The content pallet's events since genesis.
fn content_events() -> Vec<ContentEvent<Runtime>> {
	events::<ContentEvent<Runtime>>()
}

/// Registers `items` content items uploaded to `faulty`, each asking for
/// [`MAX_REPLICATION`] holders; once every holder has confirmed them, takes the sidecar of
/// `faulty` offline.
fn store_on_offline_masternode(faulty: AccountId, items: u8) -> Vec<ContentId> {
	let contents: Vec<ContentId> = (0..items)
		.map(|salt| {
			register_content(CREATOR, &bytes(CONTENT_SIZE, salt), 0, MAX_REPLICATION, faulty)
		})
		.collect();
	next_block();
	assert!(contents.iter().all(|content| Content::servers_of(content).contains(&faulty)));
	take_offline(faulty);
	contents
}

/// Runs blocks until `masternode` is punished for its faults; returns the POP slashed from
/// its self-bond.
fn run_until_punished(masternode: AccountId) -> Balance {
	run_until(200, || {
		content_events().into_iter().find_map(|event| match event {
			ContentEvent::MasternodePunished { masternode: punished, slashed }
				if punished == masternode =>
			{
				Some(slashed)
			}
			_ => None,
		})
	})
}
