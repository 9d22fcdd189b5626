// The whole content path on real processes: a dev pop-node and two pop-sidecars, one for
// Alice's masternode (behind a TCP proxy, its public address) and one for Bob's. A creator
// uploads to Alice's sidecar with tus-js-client and registers the item with Polkadot.js and the
// upload receipt the sidecar handed out; Bob's
// sidecar replicates it, is killed with SIGKILL while the proxy holds the transfer half way,
// is restarted and fetches it again; both confirm; both answer the chain's challenges and earn
// proof points; `curl` range reads return the exact bytes from either; the file deleted from
// Bob's disk is fetched again from Alice's sidecar before a challenge misses; Bob's sidecar
// stopped, his challenges fail, and the chain records the faults, slashes and jails him, and
// moves his replica to Charlie's masternode; and once Dave removes the item on chain, Alice's
// sidecar stops serving it at once (410) and deletes it after its grace period.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tus from 'tus-js-client';
import { sendOk, startDevNode } from '../lib/node.js';
import { startProxy } from '../lib/proxy.js';
import { authHeader, startSidecar } from '../lib/sidecar.js';
import { contentId } from '../lib/commitment.js';
import { receiptFromHeaders, registerContent, verifyReceipt } from '../lib/receipt.js';
import { checkTryState } from '../lib/try-state.js';
import { activeSet, collectEvents, devKeys, findEvent, waitFor } from '../lib/util.js';
import { registerMasternode, serveFrom } from '../lib/masternodes.js';

const run = promisify(execFile);

/**
 * A TCP proxy to `proxy.target`. After `proxy.hold(n)`, the response to a `GET /content/`
 * request stops after `n` bytes (`proxy.held` resolves) until `proxy.release()`.
 */
async function startHoldingProxy() {
  const paused = new Set();
  const proxy = {
    target: null,
    holdAfter: null,
    held: null,
    hold(bytes) {
      proxy.holdAfter = bytes;
      proxy.held = new Promise((resolve) => { proxy.onHeld = resolve; });
    },
    release() {
      proxy.holdAfter = null;
      for (const upstream of paused) upstream.resume();
      paused.clear();
    },
  };
  const { url, close } = await startProxy(() => proxy.target, (client, upstream) => {
    let isContent = false;
    let forwarded = 0;
    client.on('data', (data) => {
      if (data.toString('latin1').startsWith('GET /content/')) isContent = true;
      upstream.write(data);
    });
    upstream.on('data', (data) => {
      client.write(data);
      forwarded += data.length;
      if (isContent && proxy.holdAfter !== null && forwarded > proxy.holdAfter) {
        upstream.pause();
        paused.add(upstream);
        proxy.onHeld();
      }
    });
  });
  return Object.assign(proxy, { url, close });
}

describe('content network: node, two sidecars, upload, replication, proofs, faults', { timeout: 12 * 60_000 }, () => {
  let node; let api;
  let sidecarA; let sidecarB; let proxy;
  let keyring; let alice; let bob; let charlie; let dave;
  const bytes = randomBytes(3 * 1024 * 1024 + 777);
  const id = contentId(bytes);
  const hex = id.slice(2);
  let contentEvents;

  const named = (name, who) => contentEvents.filter(
    (e) => e.method === name && (who === undefined || e.data.masternode?.toString() === who.address),
  );
  const until = (what, check, seconds = 150) => waitFor(what, check, seconds, {
    context: () => `sidecar A:\n${sidecarA.logTail()}\nsidecar B:\n${sidecarB.logTail()}`,
  });
  const isActive = async (who) => (await activeSet(api)).includes(who.address);
  const replicas = async () => (await api.query.content.contents(id)).unwrap().toJSON().replicas;

  before(async () => {
    ({ keyring, alice, bob, charlie, dave } = await devKeys());
    node = await startDevNode();
    api = node.api;
    contentEvents = await collectEvents(api, ['content', 'masternodes']);
    proxy = await startHoldingProxy();
    sidecarA = await startSidecar({
      nodeUrl: node.rpcUrl,
      proofKey: '//Alice//stash',
      publicUrl: proxy.url,
      options: ['--withdrawn-grace', '5s', '--gc-interval', '1s'],
    });
    proxy.target = sidecarA.url;
    sidecarB = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Bob//stash' });
    // Alice's genesis masternode now serves from sidecar A; Bob registers one served by B.
    await serveFrom(api, alice, sidecarA.publicUrl);
    await registerMasternode(api, bob, sidecarB.url, keyring.addFromUri('//Bob//stash'));
  }, { timeout: 4 * 60_000 });

  after(async () => {
    await sidecarA?.stop();
    await sidecarB?.stop();
    proxy?.close();
    await node?.stop();
  }, { timeout: 60_000 });

  it('uploads to Alice\'s sidecar with tus-js-client and registers the item with Polkadot.js', { timeout: 4 * 60_000 }, async () => {
    let completed;
    const upload = await new Promise((resolve, reject) => {
      const task = new tus.Upload(bytes, {
        endpoint: `${sidecarA.publicUrl}/uploads`,
        headers: { Authorization: authHeader(dave, sidecarA.publicUrl, { scope: 'upload' }) },
        metadata: { filename: 'film.mp4', filetype: 'video/mp4' },
        chunkSize: 1024 * 1024,
        onAfterResponse: (request, response) => {
          if (request.getMethod() === 'PATCH') completed = response;
        },
        onError: reject,
        onSuccess: () => resolve(task),
      });
      task.start();
    });
    // The completing PATCH carries the receipt, and a HEAD (for a client that lost it) a fresh
    // one; both signed by Alice's masternode's proof key for Dave, this id and size.
    const receipt = receiptFromHeaders(completed.getHeader.bind(completed));
    const head = await fetch(upload.url, {
      method: 'HEAD',
      headers: { 'Tus-Resumable': '1.0.0', Authorization: authHeader(dave, sidecarA.publicUrl, { scope: 'upload' }) },
    });
    assert.equal(head.headers.get('pop-content-id'), id);
    const item = { owner: dave, content: id, size: bytes.length };
    const aliceProofKey = keyring.addFromUri('//Alice//stash');
    for (const signed of [receipt, receiptFromHeaders(head.headers)]) {
      assert.ok(verifyReceipt(aliceProofKey, item, signed), 'the sidecar\'s receipt verifies');
      assert.ok(signed.expiresMs > BigInt(Date.now()), 'and is not expired');
    }
    assert.ok(!verifyReceipt(aliceProofKey, { ...item, owner: bob }, receipt), 'it names Dave only');

    // Bob's masternode is elected at the next era (one minute on the dev chain).
    await until('Bob in the active set', () => isActive(bob));
    // Bob's fetch from Alice's sidecar will stop after 1 MiB of its 3 MiB.
    proxy.hold(1 << 20);
    await sendOk(
      registerContent(api, { content: id, size: bytes.length, mime: 'video/mp4', title: 'Film', replication: 2, uploader: alice.address }, receipt),
      dave,
    );
    // The uploader's masternode at once; the other holder may be drawn in a later block.
    const assigned = () => contentEvents
      .filter((e) => e.method === 'ReplicaAssigned' && e.data.content.toHex() === id)
      .map((e) => e.data.masternode.toString());
    await until('both holders assigned', () => assigned().length >= 2, 30);
    assert.deepEqual(assigned().sort(), [alice.address, bob.address].sort());
  });

  it('Bob\'s sidecar replicates from Alice\'s, survives SIGKILL mid-way, and both confirm', { timeout: 3 * 60_000 }, async () => {
    await proxy.held;
    await sidecarB.kill();
    proxy.release();
    const fetches = () => (sidecarB.logText().match(/fetching replica/g) ?? []).length;
    assert.equal(fetches(), 1, 'killed during its first fetch');
    assert.ok(!existsSync(join(sidecarB.dataDir, 'content', hex)), 'nothing stored from the cut transfer');
    await sidecarB.restart();
    await until('both replicas confirmed', async () => (await replicas()).every((r) => r.confirmed));
    const stored = readFileSync(join(sidecarB.dataDir, 'content', hex));
    assert.ok(stored.equals(bytes), 'the replica is byte for byte the upload');
    assert.equal(fetches(), 2, 'fetched again after the restart');
    assert.deepEqual(readdirSync(join(sidecarB.dataDir, 'tmp')), [], 'no partial file left behind');
    const location = await node.rawRpc('content_locate', [id]);
    assert.deepEqual(location.holders.map((h) => h.endpoint).sort(), [sidecarA.publicUrl, sidecarB.url].sort());
  });

  it('curl range reads return the exact bytes from both sidecars', { timeout: 60_000 }, async () => {
    for (const { url } of [sidecarA, sidecarB]) {
      const target = `${url}/content/${hex}`;
      for (const [range, start, end] of [['0-99', 0, 100], ['1048570-1048600', 1048570, 1048601],
        [`${bytes.length - 10}-`, bytes.length - 10, bytes.length], ['-5', bytes.length - 5, bytes.length]]) {
        const { stdout } = await run('curl', ['-sf', '-r', range, target], { encoding: 'buffer', maxBuffer: 1 << 26 });
        assert.ok(stdout.equals(bytes.subarray(start, end)), `${url} range ${range}`);
      }
      const { stdout } = await run('curl', ['-sf', target], { encoding: 'buffer', maxBuffer: 1 << 26 });
      assert.ok(stdout.equals(bytes), `${url} whole item`);
    }
  });

  it('both sidecars answer challenges for several blocks and earn proof points', { timeout: 4 * 60_000 }, async () => {
    await until('three accepted proofs each', () =>
      named('ProofAccepted', alice).length >= 3 && named('ProofAccepted', bob).length >= 3);
    assert.equal(named('ChallengeMissed').length, 0);
    assert.equal(named('ProofRejected').length, 0);
    // Bob authors no blocks: his points are proof points.
    assert.ok((await api.query.rewards.eraPoints(bob.address)).toNumber() > 0);
    const metrics = await (await fetch(`${sidecarB.url}/metrics`)).text();
    assert.match(metrics, /pop_sidecar_proofs_sent_total [1-9]/);
  });

  it('a file deleted from Bob\'s disk is fetched again from Alice\'s sidecar, and no challenge misses', { timeout: 4 * 60_000 }, async () => {
    const path = join(sidecarB.dataDir, 'content', hex);
    rmSync(path);
    const provedBefore = named('ProofAccepted', bob).length;
    await until('the replica back on Bob\'s disk', () => existsSync(path) && readFileSync(path).equals(bytes), 60);
    await until('two more accepted proofs of Bob\'s', () => named('ProofAccepted', bob).length >= provedBefore + 2);
    assert.equal(named('ChallengeMissed', bob).length, 0);
    assert.equal(named('FaultRecorded', bob).length, 0);
    assert.match(sidecarB.logText(), /fetching replica/);
    const lost = (await (await fetch(`${sidecarB.url}/metrics`)).text()).match(/pop_sidecar_replicas_lost_total (\d+)/);
    assert.equal(lost?.[1], '0', 'never reported lost: another holder had it');
  });

  it('Bob\'s sidecar stopped fails its challenges: faults, slash, jail, and the replica moves', { timeout: 8 * 60_000 }, async () => {
    await registerMasternode(api, charlie, 'http://127.0.0.1:9', keyring.addFromUri('//Charlie//stash'), { commission: 0 });
    await until('Charlie in the active set', () => isActive(charlie));
    const bondBefore = (await api.query.masternodes.masternodes(bob.address)).unwrap().toJSON().bond;
    await sidecarB.kill();
    await until('Bob punished', () => named('MasternodePunished', bob).length > 0, 120);
    assert.ok(named('ChallengeMissed', bob).length >= 1);
    assert.ok(named('FaultRecorded', bob).length >= 3);
    const slashed = findEvent(contentEvents, 'masternodes', 'Slashed');
    assert.equal(slashed.data.operator.toString(), bob.address);
    assert.ok(contentEvents.some((e) => e.section === 'masternodes' && e.method === 'Jailed'));
    const node = (await api.query.masternodes.masternodes(bob.address)).unwrap().toJSON();
    assert.equal(node.status, 'Jailed');
    assert.ok(BigInt(node.bond) < BigInt(bondBefore));
    await until('the replica moved to Charlie', async () =>
      named('ReplicaDropped', bob).length > 0 && named('ReplicaAssigned', charlie).length > 0);
    const holders = (await replicas()).map((r) => r.holder);
    assert.deepEqual(holders.sort(), [alice.address, charlie.address].sort());
    // Alice never missed.
    assert.equal(named('ChallengeMissed', alice).length, 0);
  });

  it('removed on chain: Alice\'s sidecar stops serving it at once and deletes it after the grace period', { timeout: 3 * 60_000 }, async () => {
    const target = `${sidecarA.url}/content/${hex}`;
    assert.equal((await fetch(target, { headers: { Range: 'bytes=0-9' } })).status, 206);
    await sendOk(api.tx.content.removeContent(id), dave);
    // Withdrawn at the block's finality: 410 Gone, and no byte of it.
    await until('Alice\'s sidecar answering 410', async () => (await fetch(target)).status === 410, 60);
    const response = await fetch(target);
    assert.match((await response.json()).error, /removed from the network/);
    const path = join(sidecarA.dataDir, 'content', hex);
    await until('the file deleted', () => !existsSync(path), 30);
    assert.equal((await fetch(target)).status, 404);
    const metrics = await (await fetch(`${sidecarA.url}/metrics`)).text();
    assert.match(metrics, /pop_sidecar_replicas_withdrawn_total 1\n/);
    assert.match(metrics, /pop_sidecar_replicas_deleted_total 1\n/);
  });

  it('every pallet\'s try_state holds on the chain after eras, content, faults, a slash and a reassignment', { timeout: 3 * 60_000 }, async () => {
    assert.match(await checkTryState(node.rpcUrl), /try_state of every pallet passed/);
  });
});
