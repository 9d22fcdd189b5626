//! Benchmarks of `pallet-delegation`, with the v2 macros. Each call is measured in its worst
//! case: an existing delegation (settlement runs), a slashed pool (a burn runs), unbonding
//! queues one chunk short of full (the new chunk is pushed, not merged), and for
//! `withdraw_unbonded` full queues of slashed chunks that each rejoin a pool.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::{Mutate, MutateHold};
use frame_system::RawOrigin;
use pop_primitives::OnMasternodeSlash;
use sp_runtime::{traits::Saturating, Perbill};

/// Registers a masternode through `T::Masternodes`' benchmark helper and returns it.
fn masternode<T: Config>(index: u32) -> T::AccountId
where
	T::Masternodes: pop_primitives::BenchmarkHelper<T::AccountId>,
{
	<T::Masternodes as pop_primitives::BenchmarkHelper<T::AccountId>>::registered(index)
}

fn funded<T: Config>(index: u32) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account("delegator", index, 0);
	T::Currency::set_balance(&who, T::MinDelegation::get().saturating_mul(1_000u32.into()));
	who
}

/// Makes `delegator`, who delegates to `masternode`, unbond `MaxUnbondingChunks - 1` chunks
/// from it in as many eras, and leaves the current era at one where a new chunk is pushed
/// into an unbonding pool that exists already (another backer unbonded in it).
fn fill_unbonding_queue<T: Config>(delegator: &T::AccountId, masternode: &T::AccountId)
where
	T::Currency: Mutate<T::AccountId>,
{
	let waiting = T::MaxUnbondingChunks::get() - 1;
	for era in 0..waiting {
		CurrentEra::<T>::put(era);
		Pallet::<T>::do_undelegate(delegator.clone(), masternode.clone(), T::MinDelegation::get())
			.unwrap();
	}
	CurrentEra::<T>::put(waiting);
	let other = funded::<T>(1);
	let amount = T::MinDelegation::get().saturating_mul(2u32.into());
	Pallet::<T>::do_delegate(&other, masternode, amount).unwrap();
	Pallet::<T>::do_undelegate(other, masternode.clone(), T::MinDelegation::get()).unwrap();
	assert_eq!(Unbonding::<T>::get(delegator).len() as u32, waiting);
}

#[benchmarks(where
	T::Currency: Mutate<T::AccountId>,
	T::Masternodes: pop_primitives::BenchmarkHelper<T::AccountId>,
)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn delegate() {
		let mn = masternode::<T>(0);
		let delegator = funded::<T>(0);
		let amount = T::MinDelegation::get().saturating_mul(10u32.into());
		Pallet::<T>::do_delegate(&delegator, &mn, amount).unwrap();
		<Pallet<T> as OnMasternodeSlash<_>>::on_slash(&mn, Perbill::from_percent(10));
		#[extrinsic_call]
		_(RawOrigin::Signed(delegator.clone()), mn.clone(), amount);
		assert!(Delegations::<T>::contains_key(&delegator, &mn));
	}

	#[benchmark]
	fn undelegate() {
		let mn = masternode::<T>(0);
		let delegator = funded::<T>(0);
		let amount = T::MinDelegation::get().saturating_mul(100u32.into());
		Pallet::<T>::do_delegate(&delegator, &mn, amount).unwrap();
		fill_unbonding_queue::<T>(&delegator, &mn);
		<Pallet<T> as OnMasternodeSlash<_>>::on_slash(&mn, Perbill::from_percent(10));
		#[extrinsic_call]
		_(RawOrigin::Signed(delegator.clone()), mn, T::MinDelegation::get());
		assert_eq!(Unbonding::<T>::get(&delegator).len() as u32, T::MaxUnbondingChunks::get());
	}

	#[benchmark]
	fn redelegate() {
		let (from, to) = (masternode::<T>(0), masternode::<T>(1));
		let delegator = funded::<T>(0);
		let amount = T::MinDelegation::get().saturating_mul(100u32.into());
		Pallet::<T>::do_delegate(&delegator, &from, amount).unwrap();
		fill_unbonding_queue::<T>(&delegator, &from);
		<Pallet<T> as OnMasternodeSlash<_>>::on_slash(&from, Perbill::from_percent(10));
		#[extrinsic_call]
		_(RawOrigin::Signed(delegator.clone()), from, to, T::MinDelegation::get());
		assert_eq!(Unbonding::<T>::get(&delegator).len() as u32, T::MaxUnbondingChunks::get());
	}

	/// `c` unlocked chunks, each from another masternode's slashed unbonding pool (a burn
	/// runs), each rejoining a pool through a delegation with a pending slash (settlement
	/// runs).
	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnbondingChunks::get() }>) {
		let to = masternode::<T>(0);
		let delegator = funded::<T>(0);
		let amount = T::MinDelegation::get().saturating_mul(10u32.into());
		Pallet::<T>::do_delegate(&delegator, &to, amount).unwrap();
		<Pallet<T> as OnMasternodeSlash<_>>::on_slash(&to, Perbill::from_percent(10));
		let slashed = amount.saturating_sub(amount / 10u32.into());
		let chunks: Vec<UnlockingOf<T>> = (0..c)
			.map(|index| {
				let from: T::AccountId = account("from", index, 0);
				UnbondingPools::<T>::insert(
					&from,
					0,
					Pool { shares: amount, value: slashed, delegators: 1 },
				);
				Unlocking {
					masternode: from,
					unlock_era: 0,
					stake: Delegation { shares: amount, principal: amount },
					rejoin: Some(to.clone()),
				}
			})
			.collect();
		T::Currency::hold(
			&HoldReason::Delegation.into(),
			&delegator,
			amount.saturating_mul(c.into()),
		)
		.unwrap();
		Unbonding::<T>::insert(&delegator, BoundedVec::truncate_from(chunks));
		CurrentEra::<T>::put(T::BondingDuration::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(delegator.clone()));
		assert!(Unbonding::<T>::get(&delegator).is_empty());
		assert!(UnbondingPools::<T>::iter().next().is_none());
	}

	/// A slash of a masternode whose pool is backed and that has an unbonding pool in every
	/// era that has not unlocked: `BondingDuration + 1` pools lose value, whatever the number
	/// of backers.
	#[benchmark]
	fn on_slash() {
		let mn = masternode::<T>(0);
		let amount = T::MinDelegation::get().saturating_mul(10u32.into());
		let era = CurrentEra::<T>::get();
		for offset in 1..=T::BondingDuration::get() {
			UnbondingPools::<T>::insert(
				&mn,
				era + offset,
				Pool { shares: amount, value: amount, delegators: 1 },
			);
		}
		Pallet::<T>::do_delegate(&funded::<T>(0), &mn, amount).unwrap();
		#[block]
		{
			<Pallet<T> as OnMasternodeSlash<_>>::on_slash(&mn, Perbill::from_percent(10));
		}
		assert!(UnbondingPools::<T>::iter_prefix(&mn).all(|(_, pool)| pool.value < amount));
	}

	/// The release of a backer's slashed stake in a closed pool that others still back.
	#[benchmark]
	fn withdraw_closed() {
		let mn = masternode::<T>(0);
		let (delegator, other) = (funded::<T>(0), funded::<T>(1));
		let amount = T::MinDelegation::get().saturating_mul(10u32.into());
		Pallet::<T>::do_delegate(&delegator, &mn, amount).unwrap();
		Pallet::<T>::do_delegate(&other, &mn, amount).unwrap();
		<Pallet<T> as OnMasternodeSlash<_>>::on_slash(&mn, Perbill::from_percent(10));
		Pallet::<T>::close(&mn);
		CurrentEra::<T>::put(T::BondingDuration::get());
		let caller = funded::<T>(2);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), delegator.clone(), mn.clone());
		assert!(!Delegations::<T>::contains_key(&delegator, &mn));
	}

	/// An era boundary with `m` registered masternodes (at least those of genesis) and `d` backers spread over them: the
	/// payout of the ending era (every active masternode earned points and has backers), the
	/// election over all `m`, and the status update of every masternode. The backers are there
	/// to show they cost nothing: no step walks them.
	#[benchmark]
	fn rotate_era(
		m: Linear<1, { T::Masternodes::max_registered() }>,
		d: Linear<0, { T::MaxDelegatorsPerMasternode::get() }>,
	) {
		// Genesis may have registered some already; `m` counts them.
		let existing = T::Masternodes::electable().len() as u32;
		for index in 0..m.saturating_sub(existing) {
			masternode::<T>(index);
		}
		let masternodes: Vec<T::AccountId> =
			T::Masternodes::electable().into_iter().map(|(who, _)| who).collect();
		let m = masternodes.len() as u32;
		// Round robin over pools with room (genesis backers may already fill part of one).
		for index in 0..d {
			let has_room = |who: &&T::AccountId| {
				Pools::<T>::get(*who).map_or(0, |pool| pool.delegators)
					< T::MaxDelegatorsPerMasternode::get()
			};
			let start = (index % m) as usize;
			let Some(target) =
				masternodes[start..].iter().chain(&masternodes[..start]).find(has_room)
			else {
				break;
			};
			let backer = funded::<T>(index);
			Pallet::<T>::do_delegate(&backer, target, T::MinDelegation::get()).unwrap();
		}
		// A first rotation elects the active set that the measured one pays out.
		Pallet::<T>::rotate_era();
		let active = ActiveSet::<T>::get();
		T::OnEraEnd::set_up_worst_case(&active);
		// Most status changes: the measured election makes every active masternode Idle and
		// as many idle ones Active.
		let idle: Vec<T::AccountId> = masternodes
			.iter()
			.filter(|who| !active.contains(who))
			.take(active.len())
			.cloned()
			.collect();
		T::Masternodes::set_active_set(&idle);
		frame_system::Pallet::<T>::reset_events();
		let ending = CurrentEra::<T>::get();
		#[block]
		{
			Pallet::<T>::rotate_era();
		}
		assert_eq!(CurrentEra::<T>::get(), ending + 1);
		assert_eq!(ActiveSet::<T>::get().len() as u32, m.min(T::MaxActiveMasternodes::get()));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
