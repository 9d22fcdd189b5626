//! Benchmarks of `pallet-rewards`, with the v2 macros.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use pop_primitives::DelegationBenchmarkHelper;

#[benchmarks(where T::Delegations: DelegationBenchmarkHelper<T::AccountId>)]
mod benchmarks {
	use super::*;

	/// A claim by a backer of `n` masternodes, each of which paid its backers since the
	/// backer was last settled: `n` settlements, then one transfer from the pot. Nothing in
	/// it depends on the number of eras, masternodes or other backers.
	#[benchmark]
	fn claim(n: Linear<0, { T::Delegations::max_delegations_per_backer() }>) {
		let who: T::AccountId = account("claimant", 0, 0);
		let masternodes = T::Delegations::delegate_to(&who, n);
		let unit = T::Currency::minimum_balance();
		let pot = T::Emission::reward_pot();
		T::Currency::set_balance(&pot, unit.saturating_mul(1_000_000u32.into()));
		Pallet::<T>::credit(&who, unit.saturating_mul(1_000u32.into()));
		for masternode in &masternodes {
			AccPerShare::<T>::mutate(masternode, |acc| {
				*acc = acc.saturating_add(FixedU128::saturating_from_rational(1u32, 1_000u32))
			});
			let (shares, _) = T::Delegations::pool(masternode);
			let owed =
				FixedU128::saturating_from_rational(1u32, 1_000u32).saturating_mul_int(shares);
			Outstanding::<T>::mutate(|outstanding| *outstanding = outstanding.saturating_add(owed));
		}
		let expected = Pallet::<T>::pending_rewards(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Claimable::<T>::get(&who).is_zero());
		assert!(!expected.is_zero());
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
