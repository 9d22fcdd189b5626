//! # Integration tests of the POP pallets
//!
//! Each pallet's own tests run it against statics that stand in for the others. Here
//! [`mock`] wires the real pallets together as `runtime/src/configs/mod.rs` does (balances,
//! timestamp, authorship, session, token, masternodes, delegation, rewards, content), with
//! eras of a few blocks and honest sidecars simulated block by block, and [`tests`] drives
//! flows that cross pallets:
//!
//! - `faults`: a missed challenge is a fault; at the threshold the masternode is slashed,
//!   its backers' pool loses the same fraction, it is jailed and the next election drops it;
//! - `settlement`: a backer of a slashed masternode unbonds what its shares are still worth
//!   and gets it back after the bonding duration;
//! - `rewards`: authorship and proof points are paid at the era end, split between operator
//!   and backers, and claimed from the reward pot;
//! - `reassignment`: replicas of a jailed or deregistered masternode move to others and the
//!   content stays fully replicated;
//! - `payments`: a viewer's payment splits between creator, confirmed holders and a burn;
//! - `staking`: a masternode deregisters whatever its backers do, and stake on its way out
//!   (unbonded, redelegated, or in a deregistered masternode's closed pool) is still slashed
//!   for the masternode's faults.
//!
//! Every test checks every pallet's invariants after each block and at its end.

#![cfg(test)]

mod mock;
mod tests;
