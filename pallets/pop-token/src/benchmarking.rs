//! Benchmarks of `pallet-pop-token`, with the v2 macros.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

#[benchmarks(where T::Catalog: pop_primitives::CatalogBenchmarkHelper<T::AccountId, BalanceOf<T>>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn pay_for_content(s: Linear<0, { T::MaxServersPaid::get() }>) {
		let viewer: T::AccountId = account("viewer", 0, 0);
		let price = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
		T::Currency::set_balance(&viewer, price.saturating_mul(10u32.into()));
		let content = ContentId([1u8; 32]);
		<T::Catalog as pop_primitives::CatalogBenchmarkHelper<_, _>>::priced(content, price, s);
		#[extrinsic_call]
		_(RawOrigin::Signed(viewer.clone()), content, price);
		assert!(Pallet::<T>::has_grant(&viewer, &content));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
