// The chain's attack table (docs/security.md, "Chain") played by a hostile account against
// real processes: a dev pop-node and two pop-sidecars, one for Alice's masternode and one for
// Bob's. Dave, an honest creator, uploads an item to Alice's sidecar with tus-js-client and
// registers it (free, two holders) with the receipt the sidecar handed him; both sidecars
// store, confirm and prove it. Eve, a funded account, attacks meanwhile:
//  1. registers ids nobody holds, and real ids with the wrong size, naming Alice's and Bob's
//     masternodes as uploaders, with receipts she forged, left empty or took from her own
//     upload: each is `BadReceipt`, holds nothing and faults nobody;
//  2. sends a copy of Dave's registration, his receipt and all, before he does: `BadReceipt`,
//     and Dave's own then makes him the owner;
//  5. backs Charlie's masternode with the minimum delegation: Charlie leaves anyway, and her
//     stake unbonds in the closed pool;
//  6. tries to move her stake out of that closed pool (refused), and to move a live delegation
//     to Bob's masternode away at once: `redelegate` goes through unbonding, liable to Bob;
//  7. sends proofs and confirmations, as a plain account and as the proof key of a masternode
//     of her own: the transaction pool refuses each (CheckProof) and she pays no fee.
// Over the whole run nobody is faulted, slashed or jailed, both sidecars still serve Dave's
// exact bytes, and both answered their challenges.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { refusedByPool, sendAndFinalize, sendOk, startDevNode } from '../lib/node.js';
import { contentId, leafProof } from '../lib/commitment.js';
import { registerContent, signReceipt } from '../lib/receipt.js';
import { startSidecar, upload } from '../lib/sidecar.js';
import { registerMasternode, serveFrom } from '../lib/masternodes.js';
import {
  activeSet, balances, collectEvents, decoded, devKeys, findEvent, free, held, waitFor,
} from '../lib/util.js';

describe('a hostile account against the chain\'s defences, on real processes', { timeout: 10 * 60_000 }, () => {
  let node; let api;
  let sidecarA; let sidecarB;
  let keyring; let alice; let bob; let charlie; let dave; let eve;
  let eveProofKey;
  const bytes = randomBytes(2 * 1024 * 1024 + 333);
  const id = contentId(bytes);
  const hex = id.slice(2);
  let daveReceipt;
  let events;

  const named = (section, method) => events.filter((e) => e.section === section && e.method === method);
  const until = (what, check, seconds = 150) => waitFor(what, check, seconds, {
    context: () => `sidecar A:\n${sidecarA.logTail()}\nsidecar B:\n${sidecarB.logTail()}`,
  });
  // Dave's item as a registration, with `receipt` (his, unless another is given).
  const daves = ({ size = bytes.length, uploader = alice.address, receipt = daveReceipt } = {}) =>
    registerContent(api, { content: id, size, mime: 'video/mp4', title: 'Film', replication: 2, uploader }, receipt);
  // The dispatch error of `tx` sent by `signer`, decoded.
  const failure = async (tx, signer) => decoded((await sendAndFinalize(tx, signer)).dispatchError);
  const replicas = async () => (await api.query.content.contents(id)).unwrap().toJSON().replicas;
  const json = async (query, ...args) => (await query(...args)).toJSON();

  /** Bytes `start..end` of Dave's item as the sidecar at `url` serves them. */
  async function readRange(url, start, end) {
    const response = await fetch(`${url}/content/${hex}`, { headers: { Range: `bytes=${start}-${end - 1}` } });
    assert.equal(response.status, 206, `${url}: ${await response.clone().text()}`);
    return Buffer.from(await response.arrayBuffer());
  }

  before(async () => {
    ({ keyring, alice, bob, charlie, dave, eve } = await devKeys());
    eveProofKey = keyring.addFromUri('//Eve//stash');
    node = await startDevNode();
    api = node.api;
    events = await collectEvents(api, ['content', 'masternodes', 'delegation']);
    sidecarA = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Alice//stash' });
    sidecarB = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Bob//stash' });
    // Alice's genesis masternode now serves from sidecar A; Bob registers one served by B.
    await serveFrom(api, alice, sidecarA.url);
    await registerMasternode(api, bob, sidecarB.url, keyring.addFromUri('//Bob//stash'));
  }, { timeout: 4 * 60_000 });

  after(async () => {
    await sidecarA?.stop();
    await sidecarB?.stop();
    await node?.stop();
  }, { timeout: 60_000 });

  it('Dave uploads to Alice\'s sidecar, and Bob\'s masternode is elected', { timeout: 3 * 60_000 }, async () => {
    ({ receipt: daveReceipt } = await upload(sidecarA.url, dave, bytes));
    // Bob's masternode is elected at the next era (one minute on the dev chain).
    await until('Bob in the active set', async () => (await activeSet(api)).includes(bob.address));
  });

  it('attack 1: ids nobody holds, or with the wrong size, with forged or missing receipts are BadReceipt', { timeout: 3 * 60_000 }, async () => {
    // Eve holds a genuine receipt too: Alice's sidecar signs one for Eve's own upload.
    const eveBytes = randomBytes(5000);
    const eveId = contentId(eveBytes);
    const { receipt: eveReceipt } = await upload(sidecarA.url, eve, eveBytes, { filename: 'x.mp4' });
    const nobodys = () => `0x${randomBytes(32).toString('hex')}`;
    const forged = (content, size) => signReceipt(eve, { owner: eve, content, size });
    const missing = { expiresMs: BigInt(Date.now() + 60 * 60_000), signature: `0x${'00'.repeat(64)}` };
    const attempts = [];
    for (const uploader of [alice.address, bob.address]) {
      const ghost = nobodys();
      attempts.push(
        // An id nobody holds, with a receipt Eve signed herself, or none at all.
        { content: ghost, size: 1_000_000, uploader, receipt: forged(ghost, 1_000_000) },
        { content: nobodys(), size: 4096, uploader, receipt: missing },
        // Dave's real (pending) id under a wrong size, with a receipt Eve signed for it.
        { content: id, size: bytes.length + 1, uploader, receipt: forged(id, bytes.length + 1) },
        // Eve's own real upload with its genuine receipt, stretched to another size.
        { content: eveId, size: 10 * eveBytes.length, uploader, receipt: eveReceipt },
      );
    }
    // The genuine receipt names Alice's masternode's proof key: naming Bob's is no better.
    attempts.push({ content: eveId, size: eveBytes.length, uploader: bob.address, receipt: eveReceipt });
    // And it is for Eve's id only.
    attempts.push({ content: nobodys(), size: eveBytes.length, uploader: alice.address, receipt: eveReceipt });

    const before = await balances(api, eve);
    for (const { content, size, uploader, receipt } of attempts) {
      const tx = registerContent(api, { content, size, mime: 'video/mp4', title: 'Not mine', replication: 1, uploader }, receipt);
      assert.equal(await failure(tx, eve), 'content.BadReceipt', `${content} of ${size} bytes via ${uploader}`);
      assert.ok((await api.query.content.contents(content)).isNone);
    }
    assert.equal(await held(api, eve), before.held, 'a refused registration holds nothing');
    assert.ok(await free(api, eve) < before.free, 'each failed registration paid its fee');
    assert.equal((await api.query.content.contentCount()).toNumber(), 0);
    assert.deepEqual(await api.query.content.assignments.entries(alice.address), []);
    assert.deepEqual(await api.query.content.assignments.entries(bob.address), []);
    assert.equal(named('content', 'FaultRecorded').length, 0);
    assert.deepEqual(await api.query.content.faults.entries(), []);
  });

  it('attack 2: Eve\'s copy of Dave\'s pending registration is BadReceipt; Dave\'s own makes him the owner', { timeout: 3 * 60_000 }, async () => {
    const eveHeld = await held(api, eve);
    assert.equal(await failure(daves(), eve), 'content.BadReceipt');
    assert.equal(await held(api, eve), eveHeld);
    assert.ok((await api.query.content.contents(id)).isNone, 'the copy registered nothing');

    const daveHeld = await held(api, dave);
    const { events: registered } = await sendOk(daves(), dave);
    const event = findEvent(registered, 'content', 'ContentRegistered');
    assert.equal(event.data.owner.toString(), dave.address);
    assert.equal(await held(api, dave) - daveHeld, event.data.deposit.toBigInt());
    const info = (await api.query.content.contents(id)).unwrap().toJSON();
    assert.equal(info.owner, dave.address);
    assert.equal(info.price, 0);
    // The uploader's masternode at once; the other holder, Bob's, in a later block.
    await until('both holders assigned', async () => (await replicas()).length === 2, 30);
    assert.deepEqual((await replicas()).map((r) => r.holder).sort(), [alice.address, bob.address].sort());
  });

  it('both sidecars store Dave\'s item and confirm their replicas', { timeout: 3 * 60_000 }, async () => {
    await until('both replicas confirmed', async () => (await replicas()).every((r) => r.confirmed));
    const location = await node.rawRpc('content_locate', [id]);
    assert.equal(location.owner, dave.address);
    assert.deepEqual(location.holders.map((h) => h.endpoint).sort(), [sidecarA.url, sidecarB.url].sort());
  });

  it('attack 5: a minimum delegation does not keep Charlie\'s masternode from leaving; it unbonds in the closed pool', { timeout: 3 * 60_000 }, async () => {
    const minimum = api.consts.delegation.minDelegation.toBigInt();
    await registerMasternode(api, charlie, 'http://127.0.0.1:9', keyring.addFromUri('//Charlie//stash'), { commission: 0 });
    const eveHeld = await held(api, eve);
    await sendOk(api.tx.delegation.delegate(charlie.address, minimum), eve);
    assert.equal(await held(api, eve) - eveHeld, minimum);

    const { events: left, blockHash } = await sendOk(api.tx.masternodes.deregister(), charlie);
    assert.ok(findEvent(left, 'masternodes', 'Deregistered'));
    const closed = findEvent(left, 'delegation', 'PoolClosed');
    assert.equal(closed.data.masternode.toString(), charlie.address);
    const era = (await (await api.at(blockHash)).query.delegation.currentEra()).toNumber();
    const bonding = api.consts.masternodes.bondingDuration.toNumber();
    assert.equal(closed.data.unlockEra.toNumber(), era + bonding);
    assert.ok((await api.query.masternodes.masternodes(charlie.address)).isNone);

    // Eve's stake stays held in the closed pool, unbonding until the unlock era.
    assert.equal((await api.query.delegation.closedPools(charlie.address)).unwrap().toNumber(), era + bonding);
    const delegation = await json(api.query.delegation.delegations, eve.address, charlie.address);
    assert.equal(BigInt(delegation.principal), minimum);
    assert.equal(await held(api, eve) - eveHeld, minimum);
    assert.equal(await failure(api.tx.delegation.withdrawClosed(eve.address, charlie.address), eve), 'delegation.StillUnbonding');
  });

  it('attack 6: Eve cannot move stake out before a slash: not from the closed pool, and redelegate unbonds', { timeout: 3 * 60_000 }, async () => {
    const minimum = api.consts.delegation.minDelegation.toBigInt();
    // Out of the closed pool of the masternode that left: refused, however she asks.
    assert.equal(await failure(api.tx.delegation.redelegate(charlie.address, alice.address, minimum), eve), 'delegation.PoolClosed');
    assert.equal(await failure(api.tx.delegation.undelegate(charlie.address, minimum), eve), 'delegation.PoolClosed');

    // A live delegation to Bob's masternode, moved to Alice's: it leaves Bob's pool as a chunk
    // that answers for Bob's slashes, and joins Alice's only when it unlocks.
    await sendOk(api.tx.delegation.delegate(bob.address, 2n * minimum), eve);
    const eveHeld = await held(api, eve);
    const alicePool = await json(api.query.delegation.pools, alice.address);
    const { events: moved, blockHash } = await sendOk(api.tx.delegation.redelegate(bob.address, alice.address, minimum), eve);
    const era = (await (await api.at(blockHash)).query.delegation.currentEra()).toNumber();
    const unlockEra = era + api.consts.delegation.bondingDuration.toNumber();
    const redelegated = findEvent(moved, 'delegation', 'Redelegated');
    assert.equal(redelegated.data.from.toString(), bob.address);
    assert.equal(redelegated.data.to.toString(), alice.address);
    assert.equal(redelegated.data.amount.toBigInt(), minimum);
    assert.equal(redelegated.data.unlockEra.toNumber(), unlockEra);
    assert.equal(findEvent(moved, 'delegation', 'Delegated'), undefined, 'nothing joins Alice\'s pool now');

    assert.ok((await api.query.delegation.delegations(eve.address, alice.address)).isNone);
    assert.deepEqual(await json(api.query.delegation.pools, alice.address), alicePool);
    assert.equal(BigInt((await json(api.query.delegation.delegations, eve.address, bob.address)).principal), minimum);
    const chunks = await json(api.query.delegation.unbonding, eve.address);
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0].masternode, bob.address);
    assert.equal(chunks[0].unlockEra, unlockEra);
    assert.equal(chunks[0].rejoin, alice.address);
    assert.equal(BigInt(chunks[0].stake.principal), minimum);
    const liable = await json(api.query.delegation.unbondingPools, bob.address, unlockEra);
    assert.equal(BigInt(liable.value), minimum, 'Bob\'s slashes reach the moved stake');
    assert.equal(await held(api, eve), eveHeld, 'still held');
    assert.equal(await failure(api.tx.delegation.withdrawUnbonded(), eve), 'delegation.NothingToWithdraw');
  });

  it('attack 7: the pool refuses Eve\'s proofs and confirmations, and she pays no fee', { timeout: 3 * 60_000 }, async () => {
    // Eve as a plain account, and as the proof key of a masternode of her own (which holds
    // nothing: Dave's holders were drawn before it existed).
    await registerMasternode(api, eve, 'http://127.0.0.1:9', eveProofKey, { commission: 0 });
    const open = await until('an open challenge of Alice\'s', async () =>
      (await api.query.content.challenges.entries(alice.address))[0], 60);
    const challenge = open[0].args[1].toNumber();
    const proof = leafProof(bytes, open[1].unwrap().leaf.toNumber());
    const before = [await free(api, eve), await free(api, eveProofKey)];

    // 1: not a proof key.
    await refusedByPool(api.tx.content.submitProof(challenge, proof), eve, 1);
    await refusedByPool(api.tx.content.confirmReplica(id), eve, 1);
    // 2: her masternode has no such challenge (it is Alice's); 4: Dave's item is not hers.
    await refusedByPool(api.tx.content.submitProof(challenge, proof), eveProofKey, 2);
    await refusedByPool(api.tx.content.confirmReplica(id), eveProofKey, 4);

    assert.deepEqual([await free(api, eve), await free(api, eveProofKey)], before, 'a refused transaction pays no fee');
    assert.deepEqual((await replicas()).map((r) => r.holder).sort(), [alice.address, bob.address].sort());
    assert.deepEqual(await api.query.content.assignments.entries(eve.address), []);
  });

  it('nobody was faulted, slashed or jailed; both sidecars serve Dave\'s exact bytes and proved it', { timeout: 3 * 60_000 }, async () => {
    await until('two accepted proofs each', () => {
      const by = (who) => named('content', 'ProofAccepted').filter((e) => e.data.masternode.toString() === who.address);
      return by(alice).length >= 2 && by(bob).length >= 2;
    });
    for (const [section, method] of [['content', 'FaultRecorded'], ['content', 'ChallengeMissed'],
      ['content', 'ProofRejected'], ['content', 'MasternodePunished'], ['masternodes', 'Slashed'],
      ['masternodes', 'Jailed']]) {
      assert.deepEqual(named(section, method).map(String), [], `${section}.${method}`);
    }
    assert.deepEqual(await api.query.content.faults.entries(), []);
    for (const who of [alice, bob]) {
      const { status } = (await api.query.masternodes.masternodes(who.address)).unwrap().toJSON();
      assert.equal(status, 'Active', who.address);
    }
    assert.equal((await api.query.content.contentCount()).toNumber(), 1, 'only Dave\'s item');
    assert.deepEqual((await replicas()).map((r) => [r.holder, r.confirmed]).sort(),
      [[alice.address, true], [bob.address, true]].sort());
    for (const { url } of [sidecarA, sidecarB]) {
      for (const [start, end] of [[0, 100], [1_048_570, 1_048_600], [bytes.length - 10, bytes.length]]) {
        assert.ok((await readRange(url, start, end)).equals(bytes.subarray(start, end)), `${url} ${start}-${end}`);
      }
    }
  });
});
