//! Unit tests, grouped by topic. Every test ends with the pallet's invariants checked.

use crate::{mock::*, ContentId, Elapsed, Error, Event, Grants, MILLISECONDS_PER_YEAR};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Balanced, Inspect},
		tokens::{Fortitude, Precision, Preservation},
		OnUnbalanced,
	},
};
use pop_primitives::EraEmission;
use sp_runtime::{Perbill, TokenError};

mod emission {
	use super::*;

	#[test]
	fn mints_the_eras_share_of_yearly_inflation_into_the_pot() {
		ExtBuilder::default().build_and_execute(|| {
			let issuance = Balances::total_issuance();
			let pot = PopToken::pot();
			let before = Balances::balance(&pot);
			// A tenth of a year at 10%: 1% of issuance.
			let minted = PopToken::mint_era_emission(MILLISECONDS_PER_YEAR / 10);
			assert_eq!(minted, issuance / 100);
			assert_eq!(Balances::balance(&pot), before + minted);
			assert_eq!(Balances::total_issuance(), issuance + minted);
			assert_eq!(
				token_events(),
				vec![Event::EmissionMinted { amount: minted, rate: Perbill::from_percent(10) }]
			);
		});
	}

	#[test]
	fn the_rate_decays_each_year_down_to_the_floor() {
		ExtBuilder::default().build_and_execute(|| {
			assert_eq!(PopToken::inflation_rate(0), Perbill::from_percent(10));
			assert_eq!(
				PopToken::inflation_rate(MILLISECONDS_PER_YEAR - 1),
				Perbill::from_percent(10)
			);
			assert_eq!(PopToken::inflation_rate(MILLISECONDS_PER_YEAR), Perbill::from_percent(8));
			assert_eq!(
				PopToken::inflation_rate(2 * MILLISECONDS_PER_YEAR),
				Perbill::from_rational(64u32, 1000u32)
			);
			assert_eq!(
				PopToken::inflation_rate(50 * MILLISECONDS_PER_YEAR),
				Perbill::from_percent(2)
			);
			PopToken::mint_era_emission(MILLISECONDS_PER_YEAR);
			assert_eq!(Elapsed::<Test>::get(), MILLISECONDS_PER_YEAR);
		});
	}

	#[test]
	fn a_zero_length_era_mints_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			assert_eq!(PopToken::mint_era_emission(0), 0);
			assert!(token_events().is_empty());
		});
	}
}

mod fees {
	use super::*;

	#[test]
	fn a_share_goes_to_the_pot_and_the_rest_is_burned() {
		ExtBuilder::default().build_and_execute(|| {
			let issuance = Balances::total_issuance();
			let pot = Balances::balance(&PopToken::pot());
			let fee = Balances::withdraw(
				&VIEWER,
				1_000,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			)
			.unwrap();
			crate::DealWithFees::<Test>::on_unbalanced(fee);
			assert_eq!(Balances::balance(&PopToken::pot()), pot + 800);
			assert_eq!(Balances::total_issuance(), issuance - 200);
		});
	}
}

mod viewer_payments {
	use super::*;

	#[test]
	fn splits_the_price_and_grants_access() {
		ExtBuilder::default().build_and_execute(|| {
			let issuance = Balances::total_issuance();
			assert!(!PopToken::has_grant(&VIEWER, &VIDEO));
			assert_ok!(PopToken::pay_for_content(RuntimeOrigin::signed(VIEWER), VIDEO, 1_000));
			assert_eq!(Balances::balance(&VIEWER), ENDOWMENT - 1_000);
			assert_eq!(Balances::balance(&CREATOR), 100 + 700);
			assert_eq!(Balances::balance(&SERVER_A), 100 + 100);
			assert_eq!(Balances::balance(&SERVER_B), 100 + 100);
			assert_eq!(Balances::total_issuance(), issuance - 100);
			assert!(PopToken::has_grant(&VIEWER, &VIDEO));
			assert_eq!(
				token_events(),
				vec![Event::ContentPaid {
					viewer: VIEWER,
					content: VIDEO,
					price: 1_000,
					to_creator: 700,
					to_servers: 200,
					burned: 100,
					expires: 101,
				}]
			);
		});
	}

	#[test]
	fn grants_expire_and_a_renewal_extends_a_running_grant() {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(PopToken::pay_for_content(RuntimeOrigin::signed(VIEWER), VIDEO, 1_000));
			System::set_block_number(101);
			assert!(PopToken::has_grant(&VIEWER, &VIDEO));
			System::set_block_number(102);
			assert!(!PopToken::has_grant(&VIEWER, &VIDEO));
			assert_ok!(PopToken::pay_for_content(RuntimeOrigin::signed(VIEWER), VIDEO, 1_000));
			assert_eq!(Grants::<Test>::get(VIEWER, VIDEO), Some(202));
			System::set_block_number(150);
			assert_ok!(PopToken::pay_for_content(RuntimeOrigin::signed(VIEWER), VIDEO, 1_000));
			assert_eq!(Grants::<Test>::get(VIEWER, VIDEO), Some(302));
		});
	}

	#[test]
	fn remainders_of_the_server_split_are_burned_and_no_servers_means_no_server_share() {
		ExtBuilder::default().build_and_execute(|| {
			Price::set(1_001);
			Servers::set(vec![SERVER_A, SERVER_B, 4]);
			// 20% of 1_001 = 200 (rounded); 66 each; the 2 left over are burned.
			assert_ok!(PopToken::pay_for_content(RuntimeOrigin::signed(VIEWER), VIDEO, 2_000));
			assert_eq!(Balances::balance(&4), 66);
			Servers::set(vec![]);
			let creator = Balances::balance(&CREATOR);
			assert_ok!(PopToken::pay_for_content(RuntimeOrigin::signed(VIEWER), VIDEO, 2_000));
			assert_eq!(Balances::balance(&CREATOR), creator + 701);
		});
	}

	#[test]
	fn errors_change_nothing() {
		ExtBuilder::default().build_and_execute(|| {
			let pay = |who, content, max| {
				PopToken::pay_for_content(RuntimeOrigin::signed(who), content, max)
			};
			assert_noop!(pay(VIEWER, ContentId([0; 32]), 1_000), Error::<Test>::UnknownContent);
			assert_noop!(pay(VIEWER, FREE_VIDEO, 1_000), Error::<Test>::NotPriced);
			assert_noop!(pay(VIEWER, VIDEO, 999), Error::<Test>::PriceAboveLimit);
			// 50 POP cannot pay a 1_000 price.
			assert_noop!(pay(CREATOR, VIDEO, 1_000), TokenError::FundsUnavailable);
			assert!(!PopToken::has_grant(&CREATOR, &VIDEO));
		});
	}
}
