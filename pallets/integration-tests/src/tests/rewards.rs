//! Rewards: authorship and content → rewards → token → delegation → balances. Active
//! masternodes earn points for the blocks they author and the proofs they pass; at the era
//! end the emission and collected fees in the pot are paid by points, each masternode's part
//! split between its operator (commission and self-bond share) and its backers, and both
//! claim from the pot.

use super::*;
use frame_support::{assert_ok, traits::fungible::Inspect};
use pallet_rewards::{Claimable, EraPoints, Event as RewardsEvent};
use std::collections::BTreeMap;

/// The masternode whose backer is followed.
const OPERATOR: AccountId = MASTERNODES[0];
/// What the backer delegates to it at genesis.
const DELEGATED: Balance = 3_000;

/// What stands just before the era's last block.
struct BeforeEraEnd {
	/// Points earned so far.
	points: BTreeMap<AccountId, u32>,
	/// Proofs passed so far, by masternode.
	proofs: BTreeMap<AccountId, u32>,
	/// The reward pot's balance.
	pot: Balance,
	/// What the pot owes.
	owed: Balance,
	/// The operator's unclaimed rewards.
	operator_claimable: Balance,
	/// The backer's unclaimed rewards.
	backer_pending: Balance,
}

impl BeforeEraEnd {
	fn take() -> Self {
		let mut proofs = BTreeMap::new();
		for event in content_events() {
			if let ContentEvent::ProofAccepted { masternode, .. } = event {
				*proofs.entry(masternode).or_default() += 1;
			}
		}
		Self {
			points: EraPoints::<Runtime>::iter().collect(),
			proofs,
			pot: Balances::balance(&PopToken::pot()),
			owed: Rewards::owed(),
			operator_claimable: Claimable::<Runtime>::get(OPERATOR),
			backer_pending: Rewards::pending_rewards(&BACKER),
		}
	}
}

#[test]
fn era_points_are_paid_by_points_and_split_between_operator_and_backers() {
	ExtBuilder::default().delegate(BACKER, OPERATOR, DELEGATED).build_and_execute(|| {
		// From era 2 the elected validators author the blocks; follow that era alone.
		run_to_era(2);
		let era = current_era();
		System::reset_events();
		let holder = MASTERNODES[3];
		register_content(CREATOR, &bytes(CONTENT_SIZE, 0), 0, MAX_REPLICATION, holder);
		pay_fees(CREATOR, 100_000);

		let mut authored = BTreeMap::<AccountId, u32>::new();
		let before = loop {
			let before = BeforeEraEnd::take();
			next_block();
			let author = Authorship::author().expect("every block has an author");
			*authored.entry(author).or_default() += 1;
			if current_era() > era {
				break before;
			}
		};

		// Points: every authored block and every passed proof of the era, the era's last
		// block (its author noted before the era ends) included.
		let boundary_author = Authorship::author().expect("every block has an author");
		let mut points = BTreeMap::<AccountId, u32>::new();
		for (masternode, blocks) in &authored {
			*points.entry(*masternode).or_default() += POINTS_PER_BLOCK * blocks;
		}
		for (masternode, proofs) in &before.proofs {
			*points.entry(*masternode).or_default() += PROOF_POINTS * proofs;
		}
		for (masternode, earned) in &points {
			let boundary = if *masternode == boundary_author { POINTS_PER_BLOCK } else { 0 };
			assert_eq!(before.points.get(masternode).copied().unwrap_or(0) + boundary, *earned);
		}
		// The holder is no validator: its points are from proofs alone.
		assert!(!authored.contains_key(&holder));
		assert!(before.proofs.get(&holder).copied().unwrap_or(0) > 0);

		// Payout: the pot's free POP (emission included) that is not owed yet, by points.
		let emission = events::<pallet_pop_token::Event<Runtime>>()
			.into_iter()
			.find_map(|event| match event {
				pallet_pop_token::Event::EmissionMinted { amount, .. } => Some(amount),
				_ => None,
			})
			.unwrap_or(0);
		assert!(emission > 0);
		let available = before.pot + emission - EXISTENTIAL_DEPOSIT - before.owed;
		let total_points: u32 = points.values().sum();
		let mut rewarded = BTreeMap::new();
		let mut paid = None;
		for event in events::<RewardsEvent<Runtime>>() {
			match event {
				RewardsEvent::MasternodeRewarded { masternode, operator, backers } => {
					rewarded.insert(masternode, (operator, backers));
				}
				RewardsEvent::EraPaid { era: paid_era, emission: minted, paid: total } => {
					assert_eq!((paid_era, minted), (era, emission));
					paid = Some(total);
				}
				_ => {}
			}
		}
		assert_eq!(rewarded.keys().collect::<Vec<_>>(), points.keys().collect::<Vec<_>>());
		let mut total_paid = 0;
		for (masternode, (operator, backers)) in &rewarded {
			let reward = available * points[masternode] as Balance / total_points as Balance;
			assert_eq!(operator + backers, reward);
			// Commission first, then the rest by self-bond against delegated value.
			let (_, pool_value) = pool(*masternode);
			let rest = reward - COMMISSION * reward;
			assert_eq!(*backers, rest * pool_value / (pool_value + self_bond(*masternode)));
			total_paid += reward;
		}
		assert_eq!(paid, Some(total_paid));
		let (operator_reward, backers_reward) = rewarded[&OPERATOR];
		assert!(backers_reward > 0);

		// Claims pay from the pot: the operator what was credited to it, the backer its
		// shares' part of the backers' reward (rounded down by at most one planck).
		let claimable = Claimable::<Runtime>::get(OPERATOR);
		assert_eq!(claimable, before.operator_claimable + operator_reward);
		let pending = Rewards::pending_rewards(&BACKER);
		assert!(backers_reward - (pending - before.backer_pending) <= 1);
		let pot = Balances::balance(&PopToken::pot());
		let operator_free = Balances::free_balance(OPERATOR);
		let backer_free = Balances::free_balance(BACKER);
		assert_ok!(Rewards::claim(RuntimeOrigin::signed(OPERATOR)));
		assert_ok!(Rewards::claim(RuntimeOrigin::signed(BACKER)));
		assert_eq!(Balances::free_balance(OPERATOR), operator_free + claimable);
		assert_eq!(Balances::free_balance(BACKER), backer_free + pending);
		assert_eq!(Balances::balance(&PopToken::pot()), pot - claimable - pending);
	});
}

#[test]
fn a_masternode_jailed_mid_era_forfeits_its_era_points() {
	ExtBuilder::default().build_and_execute(|| {
		let faulty = MASTERNODES[2];
		store_on_offline_masternode(faulty, 1);
		run_until_punished(faulty);
		let era = current_era();
		assert!(EraPoints::<Runtime>::get(faulty) > 0, "it authored blocks before its jailing");
		pay_fees(CREATOR, 100_000);
		let claimable = Claimable::<Runtime>::get(faulty);
		let seen = events::<RewardsEvent<Runtime>>().len();

		run_to_era(era + 1);
		// "Points of masternodes that left the active set mid-era are forfeited"
		// (`pallet_rewards::on_era_end`): jailing is how an active masternode leaves.
		let paid_to_faulty = events::<RewardsEvent<Runtime>>()[seen..].iter().any(|event| {
			matches!(event, RewardsEvent::MasternodeRewarded { masternode, .. } if *masternode == faulty)
		});
		assert!(!paid_to_faulty, "a jailed masternode was paid for the era it was jailed in");
		assert_eq!(Claimable::<Runtime>::get(faulty), claimable);
	});
}
