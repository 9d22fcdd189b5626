//! The share pool of a masternode and one backer's stake in it: the pricing of shares, and
//! what delegating, unbonding, leaving and slashing do to them. The same share maths prices a
//! masternode's delegation pool and its unbonding pools (stake that left it and has not
//! unlocked yet), so a slash reaches both alike.
//!
//! A pool issues shares for the POP delegated to it. Its value falls when the masternode is
//! slashed, so every share loses the same fraction at once; a backer's [`Delegation`] keeps
//! its principal until [`crate::Pallet`] settles it to what its shares are worth. Rounding
//! always favours the pool, so no backer can take out more than its shares hold.
//!
//! Nothing here touches storage: the pallet loads a pool, calls these methods and stores it.

use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::traits::DefensiveSaturating;
use pop_primitives::EraIndex;
use scale_info::TypeInfo;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AtLeast32BitUnsigned, UniqueSaturatedInto, Zero},
	Perbill, Rounding,
};

/// A masternode's delegation pool.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Pool<Balance> {
	/// Shares issued to delegators.
	pub shares: Balance,
	/// POP the shares are worth together, after slashes.
	pub value: Balance,
	/// Number of delegators.
	pub delegators: u32,
}

/// One backer's delegation to one masternode.
#[derive(Clone, PartialEq, Eq, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Delegation<Balance> {
	/// Shares of the masternode's pool.
	pub shares: Balance,
	/// POP held for this delegation; above the shares' value only until a pending slash is
	/// applied.
	pub principal: Balance,
}

/// A backer's stake on its way out of `masternode`'s pool: shares of the masternode's
/// unbonding pool for `unlock_era`, so the masternode's slashes reach it until it unlocks.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Unlocking<AccountId, Balance> {
	/// The masternode whose pool the stake left, and whose slashes it still answers for.
	pub masternode: AccountId,
	/// The era from which it may be withdrawn.
	pub unlock_era: EraIndex,
	/// Shares of the unbonding pool `(masternode, unlock_era)`, and the POP held for them.
	pub stake: Delegation<Balance>,
	/// The masternode the stake is delegated to when it unlocks (a redelegation); `None`
	/// releases it to the backer.
	pub rejoin: Option<AccountId>,
}

/// The pool was slashed to nothing while shares remain: a share has no price, so none can be
/// issued.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WipedOut;

impl<Balance: AtLeast32BitUnsigned + Copy> Pool<Balance> {
	/// POP that `shares` of the pool are worth, rounded down.
	pub fn value_of(&self, shares: Balance) -> Balance {
		if self.shares.is_zero() {
			return Zero::zero();
		}
		mul_div(shares, self.value, self.shares, Rounding::Down)
	}

	/// Shares issued for `amount` POP, rounded down so existing shares never lose value. An
	/// empty pool issues one share per planck.
	pub fn shares_for(&self, amount: Balance) -> Result<Balance, WipedOut> {
		if self.shares.is_zero() {
			return Ok(amount);
		}
		if self.value.is_zero() {
			return Err(WipedOut);
		}
		Ok(mul_div(amount, self.shares, self.value, Rounding::Down))
	}

	/// Adds `amount` POP to the pool on behalf of `delegation`, issuing it the shares the POP
	/// buys.
	pub fn delegate(
		&mut self,
		delegation: &mut Delegation<Balance>,
		amount: Balance,
	) -> Result<(), WipedOut> {
		let shares = self.shares_for(amount)?;
		delegation.shares = delegation.shares.saturating_add(shares);
		delegation.principal = delegation.principal.saturating_add(amount);
		self.shares = self.shares.saturating_add(shares);
		self.value = self.value.saturating_add(amount);
		Ok(())
	}

	/// Takes `amount` POP, at most `delegation`'s settled principal, out of the pool. A
	/// delegation left with nothing gives up all its shares (leftover rounding value stays
	/// with the pool); otherwise it gives up the shares worth `amount`, rounded up so leaving
	/// never takes more than the shares hold.
	pub fn unbond(&mut self, delegation: &mut Delegation<Balance>, amount: Balance) {
		let remaining = delegation.principal.defensive_saturating_sub(amount);
		let shares = if remaining.is_zero() {
			delegation.shares
		} else {
			mul_div(amount, self.shares, self.value, Rounding::Up).min(delegation.shares)
		};
		// A delegation's shares are part of the pool's, and its settled principal is at most
		// what they are worth, itself part of the pool's value.
		self.shares = self.shares.defensive_saturating_sub(shares);
		self.value = self.value.defensive_saturating_sub(amount);
		delegation.shares = delegation.shares.saturating_sub(shares);
		delegation.principal = remaining;
	}

	/// Takes `fraction` of the pool's value: every share loses it at once.
	pub fn slash(&mut self, fraction: Perbill) {
		self.value = self.value.saturating_sub(fraction * self.value);
	}

	/// Takes `stake` out of the pool whole and returns what its shares are worth, at most its
	/// principal; the caller burns the rest of the principal (lost to slashes).
	pub fn leave(&mut self, stake: &Delegation<Balance>) -> Balance {
		let value = self.value_of(stake.shares).min(stake.principal);
		// A stake's shares are part of the pool's, and what they are worth part of its value.
		self.shares = self.shares.defensive_saturating_sub(stake.shares);
		self.value = self.value.defensive_saturating_sub(value);
		self.delegators = self.delegators.defensive_saturating_sub(1);
		value
	}
}

/// `a × b / c` in 128 bits with the given rounding; saturates when the result does not fit,
/// or `c` is zero.
fn mul_div<Balance: AtLeast32BitUnsigned>(
	a: Balance,
	b: Balance,
	c: Balance,
	rounding: Rounding,
) -> Balance {
	let (a, b, c): (u128, u128, u128) =
		(a.unique_saturated_into(), b.unique_saturated_into(), c.unique_saturated_into());
	multiply_by_rational_with_rounding(a, b, c, rounding)
		.unwrap_or(u128::MAX)
		.unique_saturated_into()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn pool(shares: u128, value: u128) -> Pool<u128> {
		Pool { shares, value, delegators: 1 }
	}

	#[test]
	fn an_empty_pool_issues_a_share_per_planck() {
		assert_eq!(Pool::<u128>::default().shares_for(500), Ok(500));
	}

	#[test]
	fn a_slashed_pool_issues_more_shares_and_prices_them_lower() {
		let mut slashed = pool(1_000, 1_000);
		slashed.slash(Perbill::from_percent(50));
		assert_eq!(slashed.value, 500);
		assert_eq!(slashed.shares_for(100), Ok(200));
		assert_eq!(slashed.value_of(200), 100);
		assert_eq!(pool(1_000, 0).shares_for(100), Err(WipedOut));
		assert_eq!(pool(0, 0).value_of(10), 0);
	}

	#[test]
	fn a_leaving_stake_takes_what_its_shares_are_worth_after_slashes() {
		let mut pool = Pool::<u128>::default();
		let (mut first, mut second) = (Delegation::default(), Delegation::default());
		pool.delegate(&mut first, 1_000).unwrap();
		pool.delegators += 1;
		pool.slash(Perbill::from_percent(10));
		// The second joins after the slash: it buys in at the lower price and loses nothing.
		pool.delegate(&mut second, 900).unwrap();
		pool.delegators += 1;
		assert_eq!(pool.leave(&second), 900);
		assert_eq!(pool.leave(&first), 900);
		assert_eq!(pool, Pool { shares: 0, value: 0, delegators: 0 });
	}

	#[test]
	fn delegating_and_unbonding_round_in_favour_of_the_pool() {
		let mut pool = pool(3, 2);
		let mut delegation = Delegation::default();
		pool.delegate(&mut delegation, 1).unwrap();
		// 1 × 3 / 2 = 1.5 shares, rounded down.
		assert_eq!((delegation.shares, delegation.principal), (1, 1));
		assert_eq!((pool.shares, pool.value), (4, 3));
		let mut leaving = Delegation { shares: 3, principal: 2 };
		pool.unbond(&mut leaving, 1);
		// 1 × 4 / 3 = 1.33 shares, rounded up.
		assert_eq!((leaving.shares, leaving.principal), (1, 1));
		assert_eq!((pool.shares, pool.value), (2, 2));
		pool.unbond(&mut leaving, 1);
		assert_eq!((leaving.shares, leaving.principal), (0, 0));
		assert_eq!((pool.shares, pool.value), (1, 1));
	}
}
