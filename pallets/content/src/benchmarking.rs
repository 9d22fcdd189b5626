//! Benchmarks of `pallet-content`, with the v2 macros. Each is measured in its worst case:
//! a full active set scanned for holders, full replication, a verified upload receipt, a
//! challenge miss that slashes, the deepest proof the largest item can need, fetch windows
//! that end with every holder but one late.

use super::*;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use frame_system::RawOrigin;
use pop_primitives::{
	commitment::{Hash, LEAF_SIZE},
	BenchmarkHelper, UploadReceipt,
};

/// A receipt that never expires for `owner`'s upload of `content` to `uploader`, signed by
/// the uploader's proof key: its expiry and signature.
fn receipt<T: Config>(
	owner: &T::AccountId,
	content: ContentId,
	size: u64,
	uploader: &T::AccountId,
) -> (u64, T::ReceiptSignature) {
	let expires_ms = u64::MAX;
	let receipt = UploadReceipt { owner: owner.clone(), content, size, expires_ms };
	let signature = <T::BenchmarkHelper as ReceiptBenchmarkHelper<_, _>>::sign_as_uploader(
		uploader,
		&receipt.signing_payload(),
	);
	(expires_ms, signature)
}

/// The account that signs for masternode `node`.
fn proof_key<T: Config>(node: &T::AccountId) -> T::AccountId {
	<T::Masternodes as MasternodeDirectory<_>>::proof_key(node)
		.expect("benchmark masternodes are registered")
}

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
	let deposit = Pallet::<T>::deposit_for(T::MaxContentSize::get(), T::MaxReplication::get());
	T::Currency::set_balance(&who, deposit.saturating_mul(1_000u32.into()));
	who
}

/// A distinct id for each `index`.
fn content_id(index: u32) -> ContentId {
	ContentId(sp_io::hashing::blake2_256(&index.encode()))
}

/// Registers `content` with a valid receipt from `uploader`, leaving its other holders to be
/// drawn by the next block (`assign_pending`).
fn register_pending<T: Config>(
	owner: &T::AccountId,
	content: ContentId,
	size: u64,
	replication: u32,
	uploader: &T::AccountId,
) where
	T::Currency: Mutate<T::AccountId>,
{
	register_typed::<T>(owner, content, size, replication, uploader, b"video/mp4", 1u32.into());
}

/// Registers `content` as [`register_pending`] does, of type `mime` at `price`.
fn register_typed<T: Config>(
	owner: &T::AccountId,
	content: ContentId,
	size: u64,
	replication: u32,
	uploader: &T::AccountId,
	mime: &[u8],
	price: BalanceOf<T>,
) where
	T::Currency: Mutate<T::AccountId>,
{
	let (expires_ms, signature) = receipt::<T>(owner, content, size, uploader);
	Pallet::<T>::register_content(
		RawOrigin::Signed(owner.clone()).into(),
		content,
		size,
		mime.to_vec(),
		alloc::vec![b't'; T::MaxTitleLen::get() as usize],
		price,
		replication,
		uploader.clone(),
		expires_ms,
		signature,
	)
	.expect("benchmark content registers");
}

/// Registers `content` as [`register_pending`] does and draws its other holders.
fn register<T: Config>(
	owner: &T::AccountId,
	content: ContentId,
	size: u64,
	replication: u32,
	uploader: &T::AccountId,
) where
	T::Currency: Mutate<T::AccountId>,
{
	register_pending::<T>(owner, content, size, replication, uploader);
	// Its other holders, as the next block draws them.
	Pallet::<T>::assign_pending();
}

/// Moves to block `n`.
fn set_block<T: Config>(n: BlockNumberFor<T>) {
	frame_system::Pallet::<T>::set_block_number(n);
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

	/// `r`: renditions, each checked against its registration, plus a poster.
	#[benchmark]
	fn describe_video(r: Linear<1, { T::MaxRenditions::get() }>) {
		let nodes = active_set::<T>(1);
		let owner = creator::<T>(0);
		let size = T::MaxContentSize::get();
		let video = content_id(0);
		register_pending::<T>(&owner, video, size, 1, &nodes[0]);
		let mut renditions = BoundedVec::new();
		for i in 1..=r {
			register_pending::<T>(&owner, content_id(i), size, 1, &nodes[0]);
			// Start a new block's registrations when this one's are full.
			if PendingAssignment::<T>::get().is_full() {
				Pallet::<T>::assign_pending();
			}
			let codecs =
				BoundedVec::try_from(alloc::vec![b'c'; <MaxCodecsLen as Get<u32>>::get() as usize])
					.expect("at the bound");
			renditions
				.try_push(Rendition {
					content: content_id(i),
					width: 1920,
					height: 1080,
					bandwidth: 5_000_000,
					codecs,
				})
				.expect("at most MaxRenditions");
		}
		let poster = content_id(r + 1);
		Pallet::<T>::assign_pending();
		register_typed::<T>(&owner, poster, 1, 1, &nodes[0], b"image/jpeg", 0u32.into());
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), video, 60_000, Some(poster), renditions);
		assert_eq!(VideoOf::<T>::get(poster), Some(video));
	}

	/// `a`: active masternodes scanned for holders. The upload receipt's signature is
	/// verified.
	#[benchmark]
	fn register_content(a: Linear<1, { T::MaxCandidates::get() }>) {
		let nodes = active_set::<T>(a);
		let owner = creator::<T>(0);
		let content = content_id(0);
		let replication = T::MaxReplication::get();
		let size = T::MaxContentSize::get();
		let (expires_ms, signature) = receipt::<T>(&owner, content, size, &nodes[0]);
		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner),
			content,
			size,
			alloc::vec![b'v'; T::MaxMimeLen::get() as usize - 2]
				.into_iter()
				.chain(*b"/x")
				.collect(),
			alloc::vec![b't'; T::MaxTitleLen::get() as usize],
			1u32.into(),
			replication,
			nodes[0].clone(),
			expires_ms,
			signature,
		);
		assert_eq!(PendingAssignment::<T>::get().into_inner(), alloc::vec![content]);
	}

	/// `n`: items registered in the previous block, whose holders are drawn from a full
	/// active set.
	#[benchmark]
	fn assign_pending(n: Linear<0, { T::MaxRegistrationsPerBlock::get() }>) {
		let nodes = active_set::<T>(T::MaxCandidates::get());
		let owner = creator::<T>(0);
		let size = T::MaxContentSize::get();
		let replication = T::MaxReplication::get();
		for i in 0..n {
			register_pending::<T>(&owner, content_id(i), size, replication, &nodes[0]);
		}
		#[block]
		{
			assert_eq!(Pallet::<T>::assign_pending(), n);
		}
		for i in 0..n {
			let holders = Contents::<T>::get(content_id(i)).unwrap().replicas.len() as u32;
			assert_eq!(holders, replication.min(T::MaxCandidates::get()));
		}
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

	/// The item's first confirmation, which opens the fetch windows of all its other holders.
	#[benchmark]
	fn confirm_replica() {
		let nodes = active_set::<T>(T::MaxReplication::get());
		let owner = creator::<T>(0);
		let content = content_id(0);
		register::<T>(&owner, content, 1, T::MaxReplication::get(), &nodes[0]);
		let last = T::MaxReplication::get() - 1;
		let holder = Contents::<T>::get(content).unwrap().replicas[last as usize].holder.clone();
		let key = proof_key::<T>(&holder);
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
		// Issued in a block after the registration, so it is the item's.
		let issued = frame_system::Pallet::<T>::block_number() + One::one();
		set_block::<T>(issued);
		let deadline = issued + T::ChallengeDeadline::get();
		Challenges::<T>::insert(&nodes[0], 0, Challenge { content, leaf: 0, deadline });
		let proof = LeafProof { index: 0, leaf, path };
		let key = proof_key::<T>(&nodes[0]);
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
		let registered = frame_system::Pallet::<T>::block_number();
		let era = T::CurrentEra::get();
		let mut due = BoundedVec::<_, T::ChallengesPerBlock>::new();
		for (i, node) in nodes.iter().enumerate() {
			register::<T>(&owner, content_id(i as u32), 1, 1, node);
		}
		// Issued in the block after the registrations.
		let deadline = registered + One::one() + T::ChallengeDeadline::get();
		set_block::<T>(deadline);
		for (i, node) in nodes.iter().enumerate() {
			let content = content_id(i as u32);
			Challenges::<T>::insert(node, i as u64, Challenge { content, leaf: 0, deadline });
			due.try_push((node.clone(), i as u64)).unwrap();
			Faults::<T>::insert(node, (era, T::FaultThreshold::get() - 1));
		}
		Deadlines::<T>::insert(deadline, due);
		// Finality keeps up, so the misses are faults (during a stall they would be excused).
		FinalityHint::<T>::put(FinalityReport {
			finalized: deadline.saturating_sub(One::one()),
			noted_in: deadline,
		});
		#[block]
		{
			assert_eq!(Pallet::<T>::expire_challenges(deadline), (c, c));
		}
	}

	/// `r`: replicas of a masternode handing over moved, each its item's only confirmed copy
	/// (so the other holders' fetch windows close), each scanning a full active set.
	#[benchmark]
	fn reassign(r: Linear<1, { T::MaxReassignmentsPerBlock::get() }>) {
		let nodes = active_set::<T>(T::MaxCandidates::get());
		let owner = creator::<T>(0);
		let leaver = nodes[0].clone();
		for i in 0..r {
			register::<T>(&owner, content_id(i), 1, T::MaxReplication::get(), &leaver);
			// The only confirmed copy: moving it closes the other holders' fetch windows.
			Pallet::<T>::confirm_replica(
				RawOrigin::Signed(proof_key::<T>(&leaver)).into(),
				content_id(i),
			)
			.expect("the uploader holds it");
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
			for node in &nodes {
				let key = proof_key::<T>(node);
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

	/// `n`: items whose fetch windows end, each with every holder but its confirmed uploader
	/// late, all moved to other masternodes of a full active set.
	#[benchmark]
	fn handle_deadlines(n: Linear<1, { T::MaxDeadlinesPerBlock::get() }>) {
		let nodes = active_set::<T>(T::MaxCandidates::get());
		let owner = creator::<T>(0);
		let size = T::MaxContentSize::get();
		let replication = T::MaxReplication::get();
		for i in 0..n {
			let content = content_id(i);
			register::<T>(&owner, content, size, replication, &nodes[0]);
			Pallet::<T>::confirm_replica(
				RawOrigin::Signed(proof_key::<T>(&nodes[0])).into(),
				content,
			)
			.expect("the uploader holds it");
		}
		let deadline = Pallet::<T>::fetch_deadline(size);
		DeadlineCursor::<T>::put(deadline);
		let now = deadline + One::one();
		set_block::<T>(now);
		#[block]
		{
			Pallet::<T>::handle_deadlines(now, n);
		}
		for i in 0..n {
			let info = Contents::<T>::get(content_id(i)).unwrap();
			assert!(info.replicas.iter().all(|r| r.confirmed || r.fetch_deadline > Some(deadline)));
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
		let owner = creator::<T>(0);
		let (expires_ms, signature) = receipt::<T>(&owner, content, 1, &nodes[0]);
		Pallet::<T>::register_content(
			RawOrigin::Signed(owner).into(),
			content,
			1,
			b"video/mp4".to_vec(),
			Vec::new(),
			price,
			servers.max(1),
			nodes[0].clone(),
			expires_ms,
			signature,
		)
		.expect("benchmark content registers");
		Pallet::<T>::assign_pending();
		for node in nodes.iter().take(servers as usize) {
			Pallet::<T>::confirm_replica(RawOrigin::Signed(proof_key::<T>(node)).into(), content)
				.expect("every active masternode holds it");
		}
	}
}
