//! Benchmarks of `pallet-rewards`, with the v2 macros.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A claim touches the claimant's entry, two totals and the pot: constant in everything.
	#[benchmark]
	fn claim() {
		let who: T::AccountId = account("claimant", 0, 0);
		let pot = T::Emission::reward_pot();
		let amount = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
		T::Currency::set_balance(&pot, amount.saturating_mul(2u32.into()));
		Pallet::<T>::credit(&who, amount);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert!(Claimable::<T>::get(&who).is_zero());
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
