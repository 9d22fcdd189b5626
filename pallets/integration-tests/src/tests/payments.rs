//! Viewer payments: token → content (the catalog) → balances. A viewer pays for priced
//! content once; the price goes to the creator, to the holders that confirmed a copy
//! (equally) and to a burn, and the viewer holds a grant.

use super::*;
use frame_support::assert_ok;
use pallet_pop_token::Event as TokenEvent;

/// The price of the test content.
const PRICE: Balance = 3_000;

/// The viewer pays for `content` at its price; checks the split between the creator,
/// `servers` and the burn, and the grant.
fn assert_payment_splits(content: ContentId, servers: &[AccountId]) {
	let to_creator = CreatorShare::get() * PRICE;
	let per_server = ServersShare::get() * PRICE / servers.len() as Balance;
	let burned = PRICE - to_creator - per_server * servers.len() as Balance;
	let free = |who: AccountId| Balances::free_balance(who);
	let creator = free(CREATOR);
	let viewer = free(VIEWER);
	let holders_before: Vec<(AccountId, Balance)> =
		MASTERNODES.iter().map(|&m| (m, free(m))).collect();
	let issuance = Balances::total_issuance();

	assert_ok!(PopToken::pay_for_content(RuntimeOrigin::signed(VIEWER), content, PRICE));

	assert_eq!(free(CREATOR), creator + to_creator);
	assert_eq!(free(VIEWER), viewer - PRICE);
	for (masternode, before) in holders_before {
		let paid = if servers.contains(&masternode) { per_server } else { 0 };
		assert_eq!(free(masternode), before + paid);
	}
	assert_eq!(Balances::total_issuance(), issuance - burned);
	let now = System::block_number();
	assert_eq!(
		events::<TokenEvent<Runtime>>().last(),
		Some(&TokenEvent::ContentPaid {
			viewer: VIEWER,
			content,
			price: PRICE,
			to_creator,
			to_servers: per_server * servers.len() as Balance,
			burned,
			expires: now + GRANT_DURATION,
		})
	);
	assert!(PopToken::has_grant(&VIEWER, &content));
}

#[test]
fn a_viewer_payment_splits_between_creator_holders_and_burn() {
	ExtBuilder::default().build_and_execute(|| {
		let content = register_content(
			CREATOR,
			&bytes(CONTENT_SIZE, 0),
			PRICE,
			MAX_REPLICATION,
			MASTERNODES[1],
		);
		next_block();
		let servers = holders(&content);
		assert_eq!(servers.len() as u32, MAX_REPLICATION);
		// 70% to the creator, 20% shared by the three holders, 10% burned.
		assert_payment_splits(content, &servers);
	});
}

#[test]
fn only_holders_that_confirmed_a_copy_are_paid() {
	ExtBuilder::default().build_and_execute(|| {
		let content = register_content(
			CREATOR,
			&bytes(CONTENT_SIZE, 0),
			PRICE,
			MAX_REPLICATION,
			MASTERNODES[1],
		);
		// Only the uploader confirms while the others' sidecars are down; then one stays
		// down.
		for masternode in MASTERNODES.into_iter().filter(|m| *m != MASTERNODES[1]) {
			take_offline(masternode);
		}
		next_block();
		let held_by = holders(&content);
		let unconfirmed = held_by[MAX_REPLICATION as usize - 1];
		Offline::set(vec![unconfirmed]);
		next_block();
		let confirmed: Vec<AccountId> =
			held_by.into_iter().filter(|holder| *holder != unconfirmed).collect();
		// The servers' share goes to the two confirmed holders; the burn stays 10%.
		assert_payment_splits(content, &confirmed);
	});
}
