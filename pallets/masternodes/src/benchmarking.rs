//! Benchmarks of `pallet-masternodes`, with the v2 macros.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use pop_primitives::DelegationBenchmarkHelper;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, index, 0);
	let amount = T::MinSelfBond::get().saturating_mul(1_000u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

fn registered<T: Config>() -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let operator = funded::<T>("operator", 0);
	Pallet::<T>::do_register(
		&operator,
		T::MinSelfBond::get().saturating_mul(10u32.into()),
		b"https://masternode.example:8443/some/long/path".to_vec(),
		account("proof", 0, 0),
		1 << 40,
		Perbill::from_percent(10),
	)
	.expect("valid registration");
	operator
}

#[benchmarks(where
	T::Currency: Mutate<T::AccountId>,
	T::Delegations: DelegationBenchmarkHelper<T::AccountId>,
)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register() {
		let operator = funded::<T>("operator", 0);
		let endpoint = alloc::vec![b'a'; <MaxEndpointLen as Get<u32>>::get() as usize - 8];
		let endpoint = [&b"https://"[..], &endpoint].concat();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(operator.clone()),
			T::MinSelfBond::get(),
			endpoint,
			account("proof", 0, 0),
			1 << 40,
			Perbill::from_percent(10),
		);
		assert!(Masternodes::<T>::contains_key(&operator));
	}

	#[benchmark]
	fn update() {
		let operator = registered::<T>();
		let endpoint = [&b"https://"[..], &alloc::vec![b'b'; 200]].concat();
		let changes = MasternodeUpdate {
			endpoint: Some(endpoint),
			proof_key: Some(account("proof", 1, 0)),
			capacity: Some(1 << 41),
			commission: Some(Perbill::from_percent(20)),
		};
		#[extrinsic_call]
		_(RawOrigin::Signed(operator.clone()), changes);
		assert_eq!(Masternodes::<T>::get(&operator).unwrap().capacity, 1 << 41);
	}

	#[benchmark]
	fn bond_more() {
		let operator = registered::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(operator), T::MinSelfBond::get());
	}

	#[benchmark]
	fn unbond() {
		let operator = registered::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(operator.clone()), T::MinSelfBond::get());
		assert_eq!(Unbonding::<T>::get(&operator).len(), 1);
	}

	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnbondingChunks::get() }>) {
		let operator = registered::<T>();
		let chunks: BoundedVec<_, T::MaxUnbondingChunks> = (0..c)
			// All matured: the call walks and releases every chunk, its worst case.
			.map(|_| UnbondingChunk { amount: 1u32.into(), unlock_era: 0 })
			.collect::<Vec<_>>()
			.try_into()
			.expect("c is within the bound");
		Masternodes::<T>::mutate(&operator, |node| {
			let node = node.as_mut().expect("registered");
			node.bond = node.bond.saturating_sub(c.into());
		});
		Unbonding::<T>::insert(&operator, chunks);
		#[extrinsic_call]
		_(RawOrigin::Signed(operator));
	}

	/// A masternode with backers leaves: its pool is closed, in the same work whatever the
	/// number of backers, and its bond joins an unbonding queue one chunk short of full.
	#[benchmark]
	fn deregister() {
		let backer: T::AccountId = account("backer", 0, 0);
		let operator = T::Delegations::delegate_to(&backer, 1).pop().expect("one masternode");
		assert!(T::Delegations::has_delegators(&operator));
		let waiting = T::MaxUnbondingChunks::get() - 1;
		let chunks: BoundedVec<_, T::MaxUnbondingChunks> = (0..waiting)
			// Later than the deregistration's unlock era, so its chunk is pushed, not merged.
			.map(|i| UnbondingChunk {
				amount: 1u32.into(),
				unlock_era: T::BondingDuration::get() + 1 + i,
			})
			.collect::<Vec<_>>()
			.try_into()
			.expect("fewer than the bound");
		Masternodes::<T>::mutate(&operator, |node| {
			let node = node.as_mut().expect("registered");
			node.bond = node.bond.saturating_sub(waiting.into());
		});
		Unbonding::<T>::insert(&operator, chunks);
		#[extrinsic_call]
		_(RawOrigin::Signed(operator.clone()));
		assert!(!Masternodes::<T>::contains_key(&operator));
		assert_eq!(Unbonding::<T>::get(&operator).len() as u32, T::MaxUnbondingChunks::get());
	}

	/// A bonded masternode with a full unbonding queue, none of it unlocked, is slashed and
	/// jailed: the bond and every chunk burn. What its backers lose and what it held are
	/// charged by `T::OnSlash` and `T::OnLeave` on top (see `slash_weight`).
	#[benchmark]
	fn slash_and_jail() {
		let operator = registered::<T>();
		let chunks = T::MaxUnbondingChunks::get();
		let node = Masternodes::<T>::get(&operator).expect("registered");
		// Half the bond, spread over the queue, each chunk large enough that a slash burns some.
		let chunk = node.bond / (2 * chunks).into();
		let queue: BoundedVec<_, T::MaxUnbondingChunks> = (0..chunks)
			.map(|i| UnbondingChunk { amount: chunk, unlock_era: T::CurrentEra::get() + 1 + i })
			.collect::<Vec<_>>()
			.try_into()
			.expect("exactly the bound");
		Masternodes::<T>::mutate(&operator, |node| {
			let node = node.as_mut().expect("registered");
			node.bond = node.bond.saturating_sub(chunk.saturating_mul(chunks.into()));
		});
		Unbonding::<T>::insert(&operator, queue);
		#[block]
		{
			<Pallet<T> as MasternodeSlashing<_, _>>::slash_and_jail(
				&operator,
				Perbill::from_percent(10),
			);
		}
		assert_eq!(Masternodes::<T>::get(&operator).unwrap().status, MasternodeStatus::Jailed);
		assert!(Unbonding::<T>::get(&operator).iter().all(|c| c.amount < chunk));
	}

	#[benchmark]
	fn unjail() {
		let operator = registered::<T>();
		Masternodes::<T>::mutate(&operator, |node| {
			let node = node.as_mut().expect("registered");
			node.status = MasternodeStatus::Jailed;
			node.jailed_until = Some(0);
		});
		#[extrinsic_call]
		_(RawOrigin::Signed(operator));
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
