// The staking economy driven as a dapp would, on a dev chain: two masternodes register (Bob
// with validator session keys from his own node, Charlie as a storage-only masternode), two
// backers delegate, the next era's election picks them, Bob's blocks earn rewards that the
// backers claim, and undelegated POP comes back after the unbonding period, all checked to the
// planck. Bad calls fail with their decoded errors and change nothing but the fee.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { u8aToHex } from '@polkadot/util';
import { mnemonicGenerate } from '@polkadot/util-crypto';
import { sendAndFinalize, sendOk, startNode } from '../lib/node.js';
import { checkTryState } from '../lib/try-state.js';
import {
  activeSet, balances, currentEra, decoded, devKeys, feeOf, findEvent, POP, validators, waitFor, waitForEra,
} from '../lib/util.js';

const BONDING_ERAS = 4;
// One era is 20 blocks of 3 s on the dev chain; every wait allows for several.
const ERA_SECONDS = 4 * 60;

describe('staking on a dev chain', { timeout: 20 * 60_000 }, () => {
  let alice; let bob; let api; let keyring; let who;

  before(async () => {
    who = await devKeys();
    keyring = who.keyring;
    alice = await startNode(['--dev']);
    api = alice.api;
    bob = await startNode(['--chain', 'dev', '--bob', '--bootnodes', alice.bootnode]);
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await Promise.all([bob, alice].filter(Boolean).map((node) => node.stop()));
  }, { timeout: 30_000 });

  const account = (pair, at) => balances(api, pair, at);
  const pending = async (pair, at) =>
    (await (at ? await api.at(at) : api).call.rewardsApi.pendingRewards(pair.address)).toBigInt();
  const waitWithinEras = (what, check) => waitFor(what, check, ERA_SECONDS, { context: alice.logTail });
  /** Sends a call that must fail; checks the error and that only the fee was taken. */
  async function rejected(tx, signer, expected) {
    const before = await account(signer);
    const { events, dispatchError } = await sendAndFinalize(tx, signer);
    assert.equal(decoded(dispatchError), expected);
    const now = await account(signer);
    assert.equal(now.free, before.free - feeOf(events));
    assert.equal(now.held, before.held);
  }

  let undelegation; // Eve's undelegation from Charlie, withdrawn after the unbonding period.

  it('registers two masternodes and delegates to them; bad calls change nothing', { timeout: 5 * 60_000 }, async () => {
    const { bob: b, charlie, dave, eve, ferdie } = who;
    const proofKey = (name) => keyring.addFromUri(`//${name}//proof`).address;

    await rejected(api.tx.masternodes.register(999n * POP, 'http://127.0.0.1:8081', proofKey('Dave'),
      1n << 40n, 50_000_000), dave, 'masternodes.BondTooLow');
    assert.ok((await api.query.masternodes.masternodes(dave.address)).isNone);

    // Bob's node generates his session keys and proves he owns them.
    const generated = await bob.rawRpc('author_rotateKeysWithOwner', [u8aToHex(b.publicKey)]);
    assert.ok(generated.proof, 'the runtime proves session-key ownership');
    const bobBefore = await account(b);
    const registered = await sendOk(api.tx.utility.batchAll([
      api.tx.masternodes.register(2_000n * POP, 'http://127.0.0.1:8081', proofKey('Bob'), 1n << 40n, 50_000_000),
      api.tx.session.setKeys(generated.keys, generated.proof),
    ]), b);
    // The bond and the session-key deposit (one POP) are held; the rest only pays the fee.
    const bobAfter = await account(b);
    assert.equal(bobAfter.held, bobBefore.held + 2_000n * POP + POP);
    assert.equal(bobAfter.free, bobBefore.free - 2_001n * POP - feeOf(registered.events));
    await sendOk(api.tx.masternodes.register(1_500n * POP, 'http://127.0.0.1:8082', proofKey('Charlie'),
      1n << 40n, 100_000_000), charlie);

    await rejected(api.tx.masternodes.unbond(2_001n * POP), b, 'masternodes.InsufficientBond');
    assert.equal((await api.query.masternodes.masternodes(b.address)).unwrap().bond.toBigInt(), 2_000n * POP);

    const stranger = keyring.addFromMnemonic(mnemonicGenerate()).address;
    await rejected(api.tx.delegation.delegate(stranger, 100n * POP), dave, 'delegation.UnknownMasternode');
    await rejected(api.tx.delegation.delegate(b.address, 9n * POP), dave, 'delegation.BelowMinimum');
    await rejected(api.tx.delegation.undelegate(who.alice.address, 1_001n * POP), ferdie,
      'delegation.InsufficientDelegation');
    assert.equal((await api.query.delegation.delegations(ferdie.address, who.alice.address))
      .unwrap().principal.toBigInt(), 1_000n * POP);

    const daveBefore = await account(dave);
    const delegated = await sendOk(api.tx.delegation.delegate(b.address, 500n * POP), dave);
    const daveAfter = await account(dave);
    assert.equal(daveAfter.held, daveBefore.held + 500n * POP);
    assert.equal(daveAfter.free, daveBefore.free - 500n * POP - feeOf(delegated.events));
    const { delegator, masternode, amount: delegatedAmount } = findEvent(delegated.events, 'delegation', 'Delegated').data;
    assert.deepEqual([delegator.toString(), masternode.toString(), delegatedAmount.toBigInt()],
      [dave.address, b.address, 500n * POP]);

    await sendOk(api.tx.utility.batchAll([
      api.tx.delegation.delegate(b.address, 300n * POP),
      api.tx.delegation.delegate(charlie.address, 200n * POP),
    ]), eve);
    const left = await sendOk(api.tx.delegation.undelegate(charlie.address, 100n * POP), eve);
    const { unlockEra, amount } = findEvent(left.events, 'delegation', 'Undelegated').data;
    assert.equal(amount.toBigInt(), 100n * POP);
    undelegation = { unlockEra: unlockEra.toNumber(), registeredInEra: await currentEra(api) };
    assert.ok(undelegation.unlockEra >= undelegation.registeredInEra + BONDING_ERAS);
  });

  it('elects both masternodes at the next era and makes Bob a validator', { timeout: 2 * ERA_SECONDS * 1000 }, async () => {
    const { bob: b, charlie } = who;
    await waitWithinEras('an era with Bob and Charlie active', async () => {
      const active = await activeSet(api);
      return active.includes(b.address) && active.includes(charlie.address);
    });
    for (const pair of [b, charlie]) {
      assert.equal((await api.query.masternodes.masternodes(pair.address)).unwrap().status.toString(), 'Active');
    }
    // Bob has session keys, Charlie has not: only Bob joins the validators, a session later.
    await waitWithinEras('Bob in the validator set', async () => (await validators(api)).includes(b.address));
    assert.ok(!(await validators(api)).includes(charlie.address));
  });

  it('pays Bob and his backers for the blocks he authors, and they claim it', { timeout: 2 * ERA_SECONDS * 1000 }, async () => {
    const { bob: b, dave, eve } = who;
    await waitWithinEras('rewards for Bob\'s backers', async () =>
      (await pending(dave)) > 0n && (await pending(eve)) > 0n);

    // The runtime API agrees with the accumulator in storage, to the planck.
    const head = await api.rpc.chain.getFinalizedHead();
    const at = await api.at(head);
    const shares = (await at.query.delegation.delegations(dave.address, b.address)).unwrap().shares.toBigInt();
    const acc = (await at.query.rewards.accPerShare(b.address)).toBigInt();
    const debt = (await at.query.rewards.debts(b.address, dave.address)).toBigInt();
    const claimable = (await at.query.rewards.claimable(dave.address)).toBigInt();
    assert.equal(await pending(dave, head), claimable + ((acc - debt) * shares) / 10n ** 18n);

    for (const pair of [dave, eve, b]) {
      const before = await account(pair);
      const { blockHash, events } = await sendOk(api.tx.rewards.claim(), pair);
      const claimed = findEvent(events, 'rewards', 'Claimed').data.amount.toBigInt();
      const header = await api.rpc.chain.getHeader(blockHash);
      const owedBefore = await pending(pair, header.parentHash);
      const eraPaidInBlock = (await (await api.at(blockHash)).query.system.events())
        .some(({ event: e }) => e.section === 'rewards' && e.method === 'EraPaid');
      // An era payout at the start of the claim's block may add to what was pending.
      if (eraPaidInBlock) assert.ok(claimed >= owedBefore); else assert.equal(claimed, owedBefore);
      assert.ok(claimed > 0n);
      assert.equal(await pending(pair, blockHash), 0n);
      const after = await account(pair, blockHash);
      assert.equal(after.free, before.free + claimed - feeOf(events));
      assert.equal(after.held, before.held);
    }
    await rejected(api.tx.rewards.claim(), who.charlie, 'rewards.NothingToClaim');
  });

  it('returns undelegated POP after the unbonding period', { timeout: (BONDING_ERAS + 2) * 2 * 60_000 }, async () => {
    const { eve } = who;
    await rejected(api.tx.delegation.withdrawUnbonded(), eve, 'delegation.NothingToWithdraw');
    await waitForEra(api, undelegation.unlockEra,
      (undelegation.unlockEra - undelegation.registeredInEra + 1) * 2 * 60, { context: alice.logTail });
    const before = await account(eve);
    const { events } = await sendOk(api.tx.delegation.withdrawUnbonded(), eve);
    assert.equal(findEvent(events, 'delegation', 'Withdrawn').data.amount.toBigInt(), 100n * POP);
    const after = await account(eve);
    assert.equal(after.held, before.held - 100n * POP);
    assert.equal(after.free, before.free + 100n * POP - feeOf(events));
    // What stays delegated is untouched.
    assert.equal((await api.query.delegation.delegations(eve.address, who.charlie.address))
      .unwrap().principal.toBigInt(), 100n * POP);
  });

  it('every pallet\'s try_state holds on the chain after eras of delegating, claiming and unbonding', { timeout: 3 * 60_000 }, async () => {
    assert.match(await checkTryState(alice.rpcUrl), /try_state of every pallet passed/);
  });
});
