// Priced content on real processes: a dev pop-node and pop-sidecars for Alice's and Bob's
// masternodes (and later Charlie's). Dave uploads an item to Alice's sidecar with
// tus-js-client and registers it at 2 POP a view with two holders. Bob's sidecar replicates it:
// it fetches the priced item from Alice's sidecar with a token signed by its proof key, which
// Alice's sidecar lets through because the chain assigns the item to that key's masternode
// (content-sidecar/src/chain/grants.rs); both confirm. Ferdie, a viewer, is refused by both
// sidecars without a signature (401) and, signed, without a grant (402); he pays with
// Polkadot.js (`popToken.payForContent`) and then streams exact ranges from both, with the
// token in the `Authorization` header or in `?auth=`. Then Charlie registers a masternode
// served by a third sidecar and Bob deregisters: his replica moves to Charlie, whose sidecar
// fetches the priced item from Alice's the same way, stores the exact bytes, confirms on chain
// and serves Ferdie.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendOk, startDevNode } from '../lib/node.js';
import { contentId } from '../lib/commitment.js';
import { registerContent } from '../lib/receipt.js';
import { authHeader, startSidecar, upload } from '../lib/sidecar.js';
import { activeSet, collectEvents, devKeys, findEvent, free, POP, waitFor } from '../lib/util.js';
import { registerMasternode, serveFrom } from '../lib/masternodes.js';

describe('priced content: grants, and replication through the chain\'s grant lookup', { timeout: 10 * 60_000 }, () => {
  let node; let api;
  let sidecarA; let sidecarB; let sidecarC;
  let keyring; let alice; let bob; let charlie; let dave; let ferdie;
  let bobProofKey; let charlieProofKey;
  const bytes = randomBytes(3 * 1024 * 1024 + 555);
  const id = contentId(bytes);
  const hex = id.slice(2);
  const price = 2n * POP;
  let contentEvents;

  const named = (name, who) => contentEvents.filter(
    (e) => e.method === name && (who === undefined || e.data.masternode?.toString() === who.address),
  );
  const sidecars = () => [sidecarA, sidecarB, sidecarC].filter(Boolean);
  const until = (what, check, seconds = 150) => waitFor(what, check, seconds, {
    context: () => sidecars().map((s) => `${s.url}:\n${s.logTail()}`).join('\n'),
  });
  const isActive = async (who) => (await activeSet(api)).includes(who.address);
  const replicas = async () => (await api.query.content.contents(id)).unwrap().toJSON().replicas;
  const confirmedHolders = async () => (await replicas()).filter((r) => r.confirmed).map((r) => r.holder).sort();

  /**
   * `GET` of bytes `start..end` of the item from the sidecar at `url`, signed by `signer`'s
   * token (for that sidecar unless `audience` says otherwise) in the `Authorization` header,
   * or in `?auth=` with `query`.
   */
  function get(url, { signer, audience = url, query = false, start = 0, end = bytes.length } = {}) {
    const headers = { Range: `bytes=${start}-${end - 1}` };
    let target = `${url}/content/${hex}`;
    if (signer) {
      const header = authHeader(signer, audience);
      if (query) target += `?auth=${encodeURIComponent(header.split(' ')[1])}`;
      else headers.Authorization = header;
    }
    return fetch(target, { headers });
  }

  /** Asserts that the sidecar at `url` serves exact ranges of the item to `signer`. */
  async function streams(url, signer) {
    for (const query of [false, true]) {
      for (const [start, end] of [[0, 100], [1_048_570, 1_048_600], [bytes.length - 10, bytes.length]]) {
        const response = await get(url, { signer, query, start, end });
        assert.equal(response.status, 206, `${url} ${start}-${end}: ${await response.clone().text()}`);
        assert.equal(response.headers.get('cache-control'), 'private, max-age=31536000, immutable');
        const body = Buffer.from(await response.arrayBuffer());
        assert.ok(body.equals(bytes.subarray(start, end)), `${url} ${start}-${end}${query ? ' (?auth=)' : ''}`);
      }
    }
  }

  /** The item as stored on `sidecar`'s disk. */
  const stored = (sidecar) => readFileSync(join(sidecar.dataDir, 'content', hex));

  before(async () => {
    ({ keyring, alice, bob, charlie, dave, ferdie } = await devKeys());
    bobProofKey = keyring.addFromUri('//Bob//stash');
    charlieProofKey = keyring.addFromUri('//Charlie//stash');
    node = await startDevNode();
    api = node.api;
    contentEvents = await collectEvents(api, ['content', 'masternodes']);
    sidecarA = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Alice//stash' });
    sidecarB = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Bob//stash' });
    // Alice's genesis masternode now serves from sidecar A; Bob registers one served by B.
    await serveFrom(api, alice, sidecarA.url);
    await registerMasternode(api, bob, sidecarB.url, bobProofKey);
  }, { timeout: 4 * 60_000 });

  after(async () => {
    for (const sidecar of sidecars()) await sidecar.stop();
    await node?.stop();
  }, { timeout: 60_000 });

  it('Dave uploads to Alice\'s sidecar and registers the item at 2 POP with two holders', { timeout: 3 * 60_000 }, async () => {
    const { receipt } = await upload(sidecarA.url, dave, bytes);
    await until('Bob in the active set', () => isActive(bob));
    await sendOk(
      registerContent(api, { content: id, size: bytes.length, mime: 'video/mp4', title: 'Priced film', price, replication: 2, uploader: alice.address }, receipt),
      dave,
    );
    await until('both holders assigned', async () => (await replicas()).length === 2, 30);
    assert.deepEqual((await replicas()).map((r) => r.holder).sort(), [alice.address, bob.address].sort());
    assert.equal(BigInt((await api.query.content.contents(id)).unwrap().toJSON().price), price);
  });

  it('Bob\'s sidecar fetches the priced item from Alice\'s with its proof key, and both confirm', { timeout: 3 * 60_000 }, async () => {
    await until('both replicas confirmed', async () =>
      (await confirmedHolders()).length === 2);
    assert.deepEqual(await confirmedHolders(), [alice.address, bob.address].sort());
    assert.ok(stored(sidecarB).equals(bytes), 'Bob\'s replica is byte for byte the upload');
    const log = sidecarB.logText();
    assert.match(log, new RegExp(`replica stored.*${sidecarA.url.replace(/[.]/g, '\\.')}`));
    assert.doesNotMatch(log, /replica fetch failed/);
    // What let Bob's fetch through: Alice's sidecar serves the priced item to the proof key of a
    // masternode the chain assigns it to, and to no other key without a grant.
    assert.equal((await get(sidecarA.url, { signer: bobProofKey, start: 0, end: 10 })).status, 206);
    assert.equal((await get(sidecarA.url, { signer: charlieProofKey, start: 0, end: 10 })).status, 402);
  });

  it('Ferdie, without a grant, is refused by both sidecars: 401 unsigned, 402 signed', { timeout: 60_000 }, async () => {
    assert.ok((await api.query.popToken.grants(ferdie.address, id)).isNone);
    for (const { url } of [sidecarA, sidecarB]) {
      for (const [options, status] of [[{}, 401], [{ signer: ferdie }, 402], [{ signer: ferdie, query: true }, 402]]) {
        const response = await get(url, { ...options, start: 0, end: 10 });
        assert.equal(response.status, status, `${url} ${JSON.stringify(Object.keys(options))}: ${await response.text()}`);
      }
    }
  });

  it('Ferdie buys a grant with Polkadot.js and streams exact ranges from both sidecars', { timeout: 2 * 60_000 }, async () => {
    const daveBefore = await free(api, dave);
    const { events } = await sendOk(api.tx.popToken.payForContent(id, price), ferdie);
    assert.ok(findEvent(events, 'popToken', 'ContentPaid'));
    assert.equal(await free(api, dave) - daveBefore, price * 70n / 100n);
    assert.ok((await api.query.popToken.grants(ferdie.address, id)).isSome);
    for (const { url } of [sidecarA, sidecarB]) await streams(url, ferdie);
    // A token is good for the sidecar it names only.
    assert.equal((await get(sidecarB.url, { signer: ferdie, audience: sidecarA.url, start: 0, end: 10 })).status, 401);
  });

  it('Bob leaves: Charlie\'s sidecar fetches the priced replica from Alice\'s, confirms it and serves it', { timeout: 5 * 60_000 }, async () => {
    sidecarC = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Charlie//stash' });
    await registerMasternode(api, charlie, sidecarC.url, charlieProofKey, { commission: 0 });
    await until('Charlie in the active set', () => isActive(charlie));
    await sendOk(api.tx.masternodes.deregister(), bob);
    await until('the replica moved to Charlie', async () =>
      named('ReplicaDropped', bob).length > 0 && named('ReplicaAssigned', charlie).length > 0, 60);
    await until('Charlie\'s replica confirmed', async () =>
      (await confirmedHolders()).includes(charlie.address));
    const holders = (await replicas()).map((r) => [r.holder, r.confirmed]).sort();
    assert.deepEqual(holders, [[alice.address, true], [charlie.address, true]].sort());
    assert.ok(stored(sidecarC).equals(bytes), 'Charlie\'s replica is byte for byte the upload');
    const log = sidecarC.logText();
    assert.match(log, new RegExp(`replica stored.*${sidecarA.url.replace(/[.]/g, '\\.')}`));
    assert.doesNotMatch(log, /replica fetch failed/);
    const location = await node.rawRpc('content_locate', [id]);
    assert.deepEqual(location.holders.map((h) => h.endpoint).sort(), [sidecarA.url, sidecarC.url].sort());
    // Charlie's sidecar streams it as priced content: to Ferdie's grant, not to anyone.
    assert.equal((await get(sidecarC.url, { start: 0, end: 10 })).status, 401);
    await streams(sidecarC.url, ferdie);
    // The move was a hand-over, not a punishment.
    for (const name of ['FaultRecorded', 'ChallengeMissed', 'ProofRejected', 'FetchWindowMissed']) {
      assert.deepEqual(named(name).map(String), [], name);
    }
  });
});
