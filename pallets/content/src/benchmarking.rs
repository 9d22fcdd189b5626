//! Benchmarks of `pallet-content`, with the v2 macros. Each is measured in its worst case:
//! a full active set scanned for holders, full replication, a challenge miss that slashes,
//! the deepest proof the largest item can need.

use super::*;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use pop_primitives::{
	commitment::{Hash, LEAF_SIZE},
	BenchmarkHelper,
};

/// Registers `count` masternodes through `T::Masternodes`' helper and makes them the active
/// set.
fn active_set<T: Config>(count: u32) -> Vec<T::AccountId>
where
	T::Masternodes: BenchmarkHelper<T::AccountId>,
{
	let nodes: Vec<_> =
		(0..count).map(<T::Masternodes as BenchmarkHelper<_>>::registered).collect();
	T::ActiveSet::set_active(nodes.clone());
	nodes
}

/// A creator with enough for any deposit.
fn creator<T: Config>(index: u32) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account("creator", index, 0);
	let deposit = Pallet::<T>::deposit_for(T::MaxContentSize::get());
	T::Currency::set_balance(&who, deposit.saturating_mul(1_000u32.into()));
	who
}

/// A distinct id for each `index`.
fn content_id(index: u32) -> ContentId {
	ContentId(sp_io::hashing::blake2_256(&index.encode()))
}

fn register<T: Config>(
	owner: &T::AccountId,
	content: ContentId,
	size: u64,
	replication: u32,
	uploader: &T::AccountId,
) where
	T::Currency: Mutate<T::AccountId>,
{
	Pallet::<T>::register_content(
		RawOrigin::Signed(owner.clone()).into(),
		content,
		size,
		b"video/mp4".to_vec(),
		alloc::vec![b't'; T::MaxTitleLen::get() as usize],
		1u32.into(),
		replication,
		uploader.clone(),
	)
	.expect("benchmark content registers");
}

/// The deepest Merkle path of the largest item.
fn max_depth<T: Config>() -> u32 {
	u64::BITS - commitment::leaf_count(T::MaxContentSize::get()).saturating_sub(1).leading_zeros()
}

#[benchmarks(where
	T::Currency: Mutate<T::AccountId>,
	T::Masternodes: BenchmarkHelper<T::AccountId>,
)]
mod benchmarks {
	use super::*;

	/// `a`: active masternodes scanned for holders.
	#[benchmark]
	fn register_content(a: Linear<1, { T::MaxCandidates::get() }>) {
		let nodes = active_set::<T>(a);
		let owner = creator::<T>(0);
		let content = content_id(0);
		let replication = T::MaxReplication::get();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner),
			content,
			T::MaxContentSize::get(),
			alloc::vec![b'v'; T::MaxMimeLen::get() as usize - 2]
				.into_iter()
				.chain(*b"/x")
				.collect(),
			alloc::vec![b't'; T::MaxTitleLen::get() as usize],
			1u32.into(),
			replication,
			nodes[0].clone(),
		);
		let holders = Contents::<T>::get(content).unwrap().replicas.len() as u32;
		assert_eq!(holders, replication.min(a));
	}

	/// `r`: holders released.
	#[benchmark]
	fn remove_content(r: Linear<1, { T::MaxReplication::get() }>) {
		let nodes = active_set::<T>(r);
		let owner = creator::<T>(0);
		let content = content_id(0);
		register::<T>(&owner, content, T::MaxContentSize::get(), r, &nodes[0]);
		// Another item, so that removal moves the last index into the gap.
		register::<T>(&owner, content_id(1), 1, 1, &nodes[0]);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), content);
		assert!(!Contents::<T>::contains_key(content));
	}

	#[benchmark]
	fn confirm_replica() {
		let nodes = active_set::<T>(T::MaxReplication::get());
		let owner = creator::<T>(0);
		let content = content_id(0);
		register::<T>(&owner, content, 1, T::MaxReplication::get(), &nodes[0]);
		let last = T::MaxReplication::get() - 1;
		let holder = Contents::<T>::get(content).unwrap().replicas[last as usize].holder.clone();
		let index = nodes.iter().position(|n| *n == holder).unwrap() as u32;
		let key = <T::Masternodes as BenchmarkHelper<_>>::proof_key(index);
		#[extrinsic_call]
		_(RawOrigin::Signed(key), content);
		assert!(Contents::<T>::get(content).unwrap().replicas[last as usize].confirmed);
	}

	/// `d`: siblings in the Merkle path. The proof verifies: the item's id is computed from a
	/// leaf and a path chosen here, for an item of `2^d` leaves.
	#[benchmark]
	fn submit_proof(d: Linear<0, { max_depth::<T>() }>) {
		let nodes = active_set::<T>(1);
		let owner = creator::<T>(0);
		let leaf = alloc::vec![7u8; LEAF_SIZE];
		let path: Vec<Hash> = (0..d).map(|i| sp_io::hashing::blake2_256(&i.encode())).collect();
		let root =
			path.iter().fold(commitment::leaf_hash::<RuntimeSha256>(&leaf), |hash, sibling| {
				commitment::node_hash::<RuntimeSha256>(&hash, sibling)
			});
		let size = (LEAF_SIZE as u64) << d;
		let content = ContentId::new::<RuntimeSha256>(&root, size);
		register::<T>(&owner, content, size, 1, &nodes[0]);
		let deadline = frame_system::Pallet::<T>::block_number() + T::ChallengeDeadline::get();
		Challenges::<T>::insert(&nodes[0], 0, Challenge { content, leaf: 0, deadline });
		let proof = LeafProof { index: 0, leaf, path };
		let key = <T::Masternodes as BenchmarkHelper<_>>::proof_key(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(key), 0, proof);
		assert!(!Challenges::<T>::contains_key(&nodes[0], 0));
	}

	/// `c`: challenges missed; each is its holder's last fault before the threshold, so each
	/// slashes and jails.
	#[benchmark]
	fn expire_challenges(c: Linear<0, { T::ChallengesPerBlock::get() }>) {
		let nodes = active_set::<T>(c);
		let owner = creator::<T>(0);
		let deadline = frame_system::Pallet::<T>::block_number();
		let era = T::CurrentEra::get();
		let mut due = BoundedVec::<_, T::ChallengesPerBlock>::new();
		for (i, node) in nodes.iter().enumerate() {
			let content = content_id(i as u32);
			register::<T>(&owner, content, 1, 1, node);
			Challenges::<T>::insert(node, i as u64, Challenge { content, leaf: 0, deadline });
			due.try_push((node.clone(), i as u64)).unwrap();
			Faults::<T>::insert(node, (era, T::FaultThreshold::get() - 1));
		}
		Deadlines::<T>::insert(deadline, due);
		#[block]
		{
			assert_eq!(Pallet::<T>::expire_challenges(deadline), c);
		}
	}

	/// `r`: replicas of a masternode handing over moved, each scanning a full active set.
	#[benchmark]
	fn reassign(r: Linear<1, { T::MaxReassignmentsPerBlock::get() }>) {
		let nodes = active_set::<T>(T::MaxCandidates::get());
		let owner = creator::<T>(0);
		let leaver = nodes[0].clone();
		for i in 0..r {
			register::<T>(&owner, content_id(i), 1, T::MaxReplication::get(), &leaver);
		}
		HandingOver::<T>::insert(&leaver, ());
		#[block]
		{
			assert_eq!(Pallet::<T>::reassign(r), r);
		}
		assert_eq!(Assignments::<T>::iter_prefix(&leaver).count() as u32, 0);
	}

	/// All of a block's challenges drawn and issued.
	#[benchmark]
	fn issue_challenges() {
		let nodes = active_set::<T>(T::MaxReplication::get());
		let owner = creator::<T>(0);
		for i in 0..T::ChallengesPerBlock::get() {
			let content = content_id(i);
			register::<T>(
				&owner,
				content,
				T::MaxContentSize::get(),
				T::MaxReplication::get(),
				&nodes[0],
			);
			for (index, _) in nodes.iter().enumerate() {
				let key = <T::Masternodes as BenchmarkHelper<_>>::proof_key(index as u32);
				let _ = Pallet::<T>::confirm_replica(RawOrigin::Signed(key).into(), content);
			}
		}
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			assert_eq!(
				Pallet::<T>::issue_challenges(now, T::Hash::default()),
				T::ChallengesPerBlock::get()
			);
		}
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}

/// Priced content for the token pallet's payment benchmark: registered by a funded creator
/// with `servers` confirmed holders.
impl<T: Config> pop_primitives::CatalogBenchmarkHelper<T::AccountId, BalanceOf<T>> for Pallet<T>
where
	T::Currency: Mutate<T::AccountId>,
	T::Masternodes: BenchmarkHelper<T::AccountId>,
{
	fn priced(content: ContentId, price: BalanceOf<T>, servers: u32) {
		let servers = servers.min(T::MaxReplication::get());
		let nodes = active_set::<T>(servers.max(1));
		Pallet::<T>::register_content(
			RawOrigin::Signed(creator::<T>(0)).into(),
			content,
			1,
			b"video/mp4".to_vec(),
			Vec::new(),
			price,
			servers.max(1),
			nodes[0].clone(),
		)
		.expect("benchmark content registers");
		for index in 0..servers {
			let key = <T::Masternodes as BenchmarkHelper<_>>::proof_key(index);
			Pallet::<T>::confirm_replica(RawOrigin::Signed(key).into(), content)
				.expect("every active masternode holds it");
		}
	}
}
