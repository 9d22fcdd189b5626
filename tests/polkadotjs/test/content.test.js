// The content registry through @polkadot/api on a real dev node: a creator registers content
// with an upload receipt signed here by the masternode's proof key (deposit held, assigned to
// the masternode it was uploaded to), a copy of that registration by another account and a
// registration with an expired receipt are refused, the masternode's proof key
// confirms it and answers the chain's availability challenges with proofs built here by an
// independent implementation of the commitment, `content_locate` tells a dapp where to
// stream it, a viewer pays for it, bad input is refused with decoded errors, a bad proof is a
// fault, and removal returns the deposit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { refusedByPool, sendAndFinalize, sendOk, startDevNode } from '../lib/node.js';
import { contentId, leafProof, LEAF_SIZE } from '../lib/commitment.js';
import { DEV_PROOF_KEY, registerContent, signReceipt } from '../lib/receipt.js';
import { collectEvents, decoded, devKeys, findEvent, free, held, POP, waitFor } from '../lib/util.js';

describe('content registry and availability proofs', { timeout: 8 * 60_000 }, () => {
  let node;
  let api;
  let alice; let aliceProof; let dave; let eve;
  const bytes = randomBytes(5 * LEAF_SIZE + 321);
  const id = contentId(bytes);
  const price = 2n * POP;
  let contentEvents;
  const answered = new Set();
  let stopAnswering;

  const named = (name) => contentEvents.filter((e) => e.method === name);
  // A registration by `owner` of `size` bytes under `content`, uploaded to Alice's masternode,
  // with a receipt her proof key signed (`receipt` overrides it).
  const register = (owner, { content = id, size = bytes.length, mime = 'video/mp4', title = 't', price: itemPrice = 0, replication = 1, uploader = alice.address, receipt } = {}) =>
    registerContent(api, { content, size, mime, title, price: itemPrice, replication, uploader },
      receipt ?? signReceipt(aliceProof, { owner, content, size }));

  before(async () => {
    let keyring;
    ({ keyring, alice, dave, eve } = await devKeys());
    aliceProof = keyring.addFromUri(DEV_PROOF_KEY);
    node = await startDevNode();
    api = node.api;
    contentEvents = await collectEvents(api, ['content']);
  }, { timeout: 3 * 60_000 });

  after(async () => {
    stopAnswering?.();
    await node?.stop();
  }, { timeout: 30_000 });

  it('a copy of a pending registration by another account fails: the receipt names its owner', { timeout: 60_000 }, async () => {
    // Eve copies Dave's registration, receipt and all, and sends it as hers.
    const receipt = signReceipt(aliceProof, { owner: dave, content: id, size: bytes.length });
    const heldBefore = await held(api, eve);
    const { dispatchError } = await sendAndFinalize(register(eve, { price, receipt }), eve);
    assert.equal(decoded(dispatchError), 'content.BadReceipt');
    assert.equal(await held(api, eve), heldBefore, 'a refused registration holds nothing');
    assert.ok((await api.query.content.contents(id)).isNone);
  });

  it('registers content with a deposit, assigned to the masternode it was uploaded to', { timeout: 60_000 }, async () => {
    const before = await held(api, dave);
    const { events } = await sendOk(register(dave, { title: 'A short film', price }), dave);
    const registered = findEvent(events, 'content', 'ContentRegistered');
    const deposit = POP + POP / 1024n; // base + one started MiB
    assert.equal(registered.data.deposit.toBigInt(), deposit);
    assert.equal(await held(api, dave) - before, deposit);
    const assigned = events.find((e) => e.method === 'ReplicaAssigned');
    assert.equal(assigned.data.masternode.toString(), alice.address);
    const info = (await api.query.content.contents(id)).unwrap();
    const json = info.toJSON();
    assert.equal(json.size, bytes.length);
    assert.equal(Buffer.from(json.mime.slice(2), 'hex').toString(), 'video/mp4');
    // Not confirmed yet: nobody to stream from.
    const location = await node.rawRpc('content_locate', [id]);
    assert.deepEqual(location.holders, []);
    assert.equal(location.price, price.toString());
  });

  it('the proof key confirms the replica for free, and content_locate names the holder', { timeout: 60_000 }, async () => {
    const before = await free(api, aliceProof);
    await sendOk(api.tx.content.confirmReplica(id), aliceProof);
    assert.equal(await free(api, aliceProof), before, 'a successful confirmation is free');
    const location = await node.rawRpc('content_locate', [id]);
    assert.equal(location.owner, dave.address);
    assert.equal(location.size, bytes.length);
    assert.equal(location.mime, 'video/mp4');
    assert.equal(location.title, 'A short film');
    assert.deepEqual(location.holders, [{
      masternode: alice.address,
      endpoint: 'http://127.0.0.1:8080',
      url: `http://127.0.0.1:8080/content/${id.slice(2)}`,
    }]);
    assert.equal(await node.rawRpc('content_locate', [`0x${'00'.repeat(32)}`]), null);
  });

  it('answers challenges with proofs built here: accepted, free, and never missed', { timeout: 3 * 60_000 }, async () => {
    // A mini sidecar: every new block, answer Alice's open challenges, one submission at a
    // time with nonces counted here (the node's `accountNextIndex` can lag behind the pool).
    let sending = Promise.resolve();
    let nonce = null;
    stopAnswering = await api.rpc.chain.subscribeNewHeads(() => {
      sending = sending.then(async () => {
        const open = await api.query.content.challenges.entries(alice.address);
        for (const [key, value] of open) {
          const challenge = key.args[1].toNumber();
          if (answered.has(challenge)) continue;
          answered.add(challenge);
          const leaf = value.unwrap().leaf.toNumber();
          nonce ??= (await api.rpc.system.accountNextIndex(aliceProof.address)).toNumber();
          try {
            await api.tx.content.submitProof(challenge, leafProof(bytes, leaf)).signAndSend(aliceProof, { nonce });
            nonce += 1;
          } catch (e) {
            console.log(`proof ${challenge} not sent: ${e.message}`);
            answered.delete(challenge);
            nonce = null;
          }
        }
      });
    });
    const before = await free(api, aliceProof);
    await waitFor('eight accepted proofs', () => named('ProofAccepted').length >= 8, 90, { context: node.logTail });
    const accepted = named('ProofAccepted');
    assert.ok(accepted.every((e) => e.data.masternode.toString() === alice.address));
    assert.equal(named('ChallengeMissed').length, 0);
    assert.equal(named('ProofRejected').length, 0);
    assert.equal(await free(api, aliceProof), before, 'valid proofs are free');
    const issued = named('ChallengeIssued')[0];
    assert.equal(issued.data.content.toHex(), id);
    assert.ok(issued.data.leaf.toNumber() < 6);
  });

  it('a viewer pays for priced content and gets a grant', { timeout: 60_000 }, async () => {
    const creatorBefore = await free(api, dave);
    const { events } = await sendOk(api.tx.popToken.payForContent(id, price), eve);
    assert.ok(findEvent(events, 'popToken', 'ContentPaid'));
    assert.equal(await free(api, dave) - creatorBefore, price * 70n / 100n);
    assert.ok((await api.query.popToken.grants(eve.address, id)).isSome);
  });

  it('refuses bad registrations and confirmations with decoded errors', { timeout: 4 * 60_000 }, async () => {
    const other = `0x${'11'.repeat(32)}`;
    const attempts = [
      [register(dave), dave, 'content.AlreadyRegistered'],
      [register(dave, { content: other, size: 10, mime: 'video' }), dave, 'content.InvalidMimeType'],
      [register(dave, { content: other, size: 0 }), dave, 'content.InvalidSize'],
      [register(dave, { content: other, size: 10, replication: 9 }), dave, 'content.InvalidReplication'],
      [register(dave, { content: other, size: 10, uploader: eve.address }), dave, 'content.UploaderUnavailable'],
      // Receipts: expired; for another size; signed by a key that is not the uploader's proof key.
      [register(dave, { content: other, size: 10, receipt: signReceipt(aliceProof, { owner: dave, content: other, size: 10, expiresMs: Date.now() - 60_000 }) }), dave, 'content.ReceiptExpired'],
      [register(dave, { content: other, size: 10, receipt: signReceipt(aliceProof, { owner: dave, content: other, size: 11 }) }), dave, 'content.BadReceipt'],
      [register(dave, { content: other, size: 10, receipt: signReceipt(dave, { owner: dave, content: other, size: 10 }) }), dave, 'content.BadReceipt'],
      [api.tx.content.removeContent(id), eve, 'content.NotOwner'],
    ];
    for (const [tx, signer, expected] of attempts) {
      const heldBefore = await held(api, signer);
      const { dispatchError } = await sendAndFinalize(tx, signer);
      assert.equal(decoded(dispatchError), expected);
      assert.equal(await held(api, signer), heldBefore, `${expected} holds nothing`);
    }
    assert.equal((await api.query.content.contentCount()).toNumber(), 1);
  });

  it('the pool refuses proofs and confirmations that would do nothing (CheckProof)', { timeout: 2 * 60_000 }, async () => {
    const before = await free(api, eve);
    const proof = leafProof(bytes, 0);
    // 1: not a proof key; 2: no such open challenge of the signer's masternode;
    // 5: a confirmation of a replica already confirmed.
    await refusedByPool(api.tx.content.submitProof(0, proof), eve, 1);
    await refusedByPool(api.tx.content.confirmReplica(id), eve, 1);
    await refusedByPool(api.tx.content.submitProof(2n ** 63n, proof), aliceProof, 2);
    await refusedByPool(api.tx.content.confirmReplica(id), aliceProof, 5);
    assert.equal(await free(api, eve), before, 'a refused transaction pays no fee');
  });

  it('a proof that does not verify is a fault, and pays its fee', { timeout: 2 * 60_000 }, async () => {
    stopAnswering();
    const missed = named('ChallengeMissed').map((e) => e.data.challenge.toNumber());
    assert.equal(missed.length, 0, 'every challenge so far was answered');
    const open = await waitFor('an open challenge', async () => {
      const entries = await api.query.content.challenges.entries(alice.address);
      return entries.find(([key]) => !answered.has(key.args[1].toNumber()));
    }, 90, { context: node.logTail });
    const challenge = open[0].args[1].toNumber();
    answered.add(challenge);
    const proof = leafProof(bytes, open[1].unwrap().leaf.toNumber());
    proof.leaf = `0x${'ff'.repeat((proof.leaf.length - 2) / 2)}`;
    const before = await free(api, aliceProof);
    const { events } = await sendAndFinalize(api.tx.content.submitProof(challenge, proof), aliceProof);
    assert.ok(events.some((e) => e.method === 'ProofRejected'));
    const fault = events.find((e) => e.method === 'FaultRecorded');
    assert.equal(fault.data.masternode.toString(), alice.address);
    assert.ok(await free(api, aliceProof) < before, 'a bad proof pays');
  });

  it('removing content returns the deposit and ends its challenges', { timeout: 60_000 }, async () => {
    const before = await held(api, dave);
    const { events } = await sendOk(api.tx.content.removeContent(id), dave);
    assert.ok(events.some((e) => e.method === 'ContentRemoved'));
    assert.equal(before - await held(api, dave), POP + POP / 1024n);
    assert.ok((await api.query.content.contents(id)).isNone);
    assert.equal(await node.rawRpc('content_locate', [id]), null);
    assert.equal((await api.query.content.assignments.entries(alice.address)).length, 0);
  });
});
