//! Equivocation: a validator that signs two blocks for one BABE slot, or two GRANDPA votes in
//! one round, is reported and slashed through its masternode's bond.
//!
//! The pieces, as the polkadot-sdk reference runtimes wire them:
//! - `pallet_session::historical` keeps, for every session, the root of a trie of the
//!   validators' session keys, so a report can prove that the equivocating key belonged to a
//!   validator when it signed ([`ElectedValidators`] hands it the elected set).
//! - BABE's and GRANDPA's `EquivocationReportSystem` check such a report (the two headers or
//!   votes and the key ownership proof) when the node submits it as an unsigned transaction,
//!   and pass the offence to `pallet_offences`, which drops duplicates.
//! - [`SlashOffenders`] slashes each offender by the offence's fraction through
//!   `pallet_masternodes` (bond, unbonding chunks and backers alike, as a content fault does),
//!   jails it and disables it for the rest of the session.
//!
//! The node submits reports by itself: BABE's block import checks every header for an
//! equivocation and the GRANDPA voter every vote, and both ask the runtime APIs in `apis.rs`
//! for the key ownership proof.

use alloc::vec::Vec;
use frame_support::{parameter_types, traits::Get, weights::Weight};
use pop_primitives::MasternodeSlashing;
use sp_runtime::{traits::Convert, Perbill};
use sp_staking::{
	offence::{OffenceDetails, OffenceSeverity, OnOffenceHandler},
	SessionIndex,
};

use super::BondingDuration;
use crate::{AccountId, Delegation, Historical, Masternodes, Offences, Runtime, RuntimeEvent};

/// Who signed: the validator's account and its identification, which is nothing more. The
/// stake behind it is read when the slash lands, so stake added or unbonded since is included.
pub type IdentificationTuple = pallet_session::historical::IdentificationTuple<Runtime>;

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = EveryValidator;
}

/// Every validator is identified: validators are elected masternodes, and the masternode
/// registry slashes one by its account even after it deregistered.
pub struct EveryValidator;
impl Convert<AccountId, Option<()>> for EveryValidator {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

/// The delegation pallet's elections, with the (empty) identification that
/// `pallet_session::historical` records beside each validator.
pub struct ElectedValidators;

impl pallet_session::SessionManager<AccountId> for ElectedValidators {
	fn new_session(new_index: SessionIndex) -> Option<Vec<AccountId>> {
		<Delegation as pallet_session::SessionManager<_>>::new_session(new_index)
	}
	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<AccountId>> {
		<Delegation as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
	}
	fn start_session(start_index: SessionIndex) {
		<Delegation as pallet_session::SessionManager<_>>::start_session(start_index)
	}
	fn end_session(end_index: SessionIndex) {
		<Delegation as pallet_session::SessionManager<_>>::end_session(end_index)
	}
}

impl pallet_session::historical::SessionManager<AccountId, ()> for ElectedValidators {
	fn new_session(new_index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		let elected = <Self as pallet_session::SessionManager<_>>::new_session(new_index)?;
		Some(elected.into_iter().map(|validator| (validator, ())).collect())
	}
	/// The genesis validators, so that a root is kept from the first session on. The
	/// delegation pallet elects after the session pallet's genesis; until then the validators
	/// are the accounts given session keys at genesis.
	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(AccountId, ())>> {
		let validators = <Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.unwrap_or_else(|| pallet_session::NextKeys::<Runtime>::iter_keys().collect());
		Some(validators.into_iter().map(|validator| (validator, ())).collect())
	}
	/// Also forgets the key tries of sessions older than [`HistoryDepth`]: what was at stake
	/// in them can no longer be slashed.
	fn start_session(start_index: SessionIndex) {
		let depth = SessionIndex::try_from(HistoryDepth::get()).unwrap_or(SessionIndex::MAX);
		pallet_session::historical::Pallet::<Runtime>::prune_up_to(
			start_index.saturating_sub(depth),
		);
		<Self as pallet_session::SessionManager<_>>::start_session(start_index)
	}
	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(end_index)
	}
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = IdentificationTuple;
	type OnOffenceHandler = SlashOffenders;
}

/// Slashes, jails and disables every offender of a report.
pub struct SlashOffenders;
impl OnOffenceHandler<AccountId, IdentificationTuple, Weight> for SlashOffenders {
	/// The fraction is the offence's own: for an equivocation `min((3k/n)², 1)` with `k`
	/// offenders in the same slot or round among `n` validators. One offender alone among
	/// many loses little (a misconfigured twin node, say); a third of the set colluding loses
	/// everything, since that is what it takes to break finality.
	fn on_offence(
		offenders: &[OffenceDetails<AccountId, IdentificationTuple>],
		slash_fraction: &[Perbill],
		_session: SessionIndex,
	) -> Weight {
		let mut weight = Weight::zero();
		for (details, fraction) in offenders.iter().zip(slash_fraction) {
			let (validator, ()) = &details.offender;
			Masternodes::slash_and_jail(validator, *fraction);
			// Out of this session's block production and votes, within the disabling limit.
			pallet_session::Pallet::<Runtime>::report_offence(
				validator.clone(),
				OffenceSeverity(*fraction),
			);
			weight = weight
				.saturating_add(Masternodes::slash_weight())
				.saturating_add(<Runtime as frame_system::Config>::DbWeight::get().reads_writes(3, 1));
		}
		weight
	}
}

parameter_types! {
	/// Sessions whose validator sets stay provable, and for which GRANDPA remembers its set
	/// ids: as long as what was at stake then can still be slashed.
	pub HistoryDepth: u64 = u64::from(<BondingDuration as Get<u32>>::get())
		* u64::from(pallet_delegation::SessionsPerEra::<Runtime>::get().max(1));
	/// Blocks an equivocation report stays valid in the pool: the same span.
	pub ReportLongevity: u64 =
		HistoryDepth::get() * pallet_delegation::EpochDuration::<Runtime>::get();
}

/// How BABE checks and reports an equivocation.
pub type BabeEquivocation =
	pallet_babe::EquivocationReportSystem<Runtime, Offences, Historical, ReportLongevity>;

/// How GRANDPA checks and reports an equivocation.
pub type GrandpaEquivocation =
	pallet_grandpa::EquivocationReportSystem<Runtime, Offences, Historical, ReportLongevity>;

/// Equivocation reports are unsigned transactions: their proof is their authority.
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	crate::RuntimeCall: From<C>,
{
	type Extrinsic = crate::UncheckedExtrinsic;
	type RuntimeCall = crate::RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	crate::RuntimeCall: From<C>,
{
	fn create_bare(call: crate::RuntimeCall) -> crate::UncheckedExtrinsic {
		crate::UncheckedExtrinsic::new_bare(call)
	}
}
