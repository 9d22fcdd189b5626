// A sidecar whose node goes away, on real processes: a dev pop-node, and Alice's masternode's
// pop-sidecar reaching it through a TCP link the test can cut. An upload registered on chain
// while the link is down outlives the sidecar's TTL (it never deletes what the chain may hold
// while it cannot ask) and is confirmed once the link is back; then pop-node is killed with
// SIGKILL and started again on its database, and the sidecar's proofs land again within a
// minute of its return.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sendOk, startDevNode } from '../lib/node.js';
import { startProxy } from '../lib/proxy.js';
import { startSidecar, upload } from '../lib/sidecar.js';
import { contentId } from '../lib/commitment.js';
import { registerContent } from '../lib/receipt.js';
import { collectEvents, devKeys, waitFor } from '../lib/util.js';
import { serveFrom } from '../lib/masternodes.js';

const TTL_SECONDS = 15;

/**
 * A TCP link to the node's RPC port (`node.rpcUrl`, read per connection, so it follows a
 * restart) that `cut()` breaks, refusing connections until `mend()`.
 */
async function startLink(node) {
  const open = new Set();
  let cut = false;
  const { url, close } = await startProxy(() => node.rpcUrl, (client, upstream) => {
    if (cut) {
      client.destroy();
      return;
    }
    open.add(client);
    client.on('close', () => open.delete(client));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return {
    url: url.replace('http:', 'ws:'),
    close,
    cut() {
      cut = true;
      for (const client of open) client.destroy();
    },
    mend() { cut = false; },
  };
}

/** A sidecar's counter `name` (without `pop_sidecar_` and `_total`), from its /metrics. */
async function counter(sidecar, name) {
  const text = await (await fetch(`${sidecar.url}/metrics`)).text();
  return Number(text.match(new RegExp(`pop_sidecar_${name}_total (\\d+)`))?.[1]);
}

describe('a sidecar whose node goes away', { timeout: 10 * 60_000 }, () => {
  let node; let link; let sidecar;
  let alice; let dave;
  const bytes = randomBytes(256 * 1024 + 3);
  const id = contentId(bytes);
  const until = (what, check, seconds = 90) => waitFor(what, check, seconds, {
    context: () => `sidecar:\n${sidecar.logTail()}\nnode:\n${node.logTail()}`,
  });
  const confirmedByAlice = async () => {
    const info = (await node.api.query.content.contents(id)).unwrap().toJSON();
    return info.replicas.some((r) => r.holder === alice.address && r.confirmed);
  };

  before(async () => {
    ({ alice, dave } = await devKeys());
    node = await startDevNode();
    link = await startLink(node);
    sidecar = await startSidecar({
      nodeUrl: link.url,
      proofKey: '//Alice//stash',
      options: ['--unregistered-ttl', `${TTL_SECONDS}s`, '--gc-interval', '1s'],
    });
    await serveFrom(node.api, alice, sidecar.url);
  }, { timeout: 4 * 60_000 });

  after(async () => {
    await sidecar?.stop();
    link?.close();
    await node?.stop();
  }, { timeout: 60_000 });

  it('an upload registered while the sidecar cannot reach its node outlives the TTL, and is confirmed once it can', { timeout: 4 * 60_000 }, async () => {
    const { receipt } = await upload(sidecar.url, dave, bytes);
    const path = join(sidecar.dataDir, 'content', id.slice(2));
    assert.ok(existsSync(path));
    link.cut();
    await sendOk(
      registerContent(node.api, { content: id, size: bytes.length, mime: 'video/mp4', title: 'Cut', replication: 1, uploader: alice.address }, receipt),
      dave,
    );
    // Twice the TTL with a collection every second: each one is put off, none deletes.
    await until('collections put off past twice the TTL', async () => {
      assert.ok(existsSync(path), 'the upload was deleted while the chain could not be asked');
      return (await counter(sidecar, 'collections_postponed')) >= 2 * TTL_SECONDS;
    }, 4 * TTL_SECONDS);
    assert.ok(existsSync(path));
    assert.equal(await confirmedByAlice(), false, 'nothing was sent while cut');
    link.mend();
    await until('Alice\'s replica confirmed', confirmedByAlice);
    const response = await fetch(`${sidecar.url}/content/${id.slice(2)}`);
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes), 'served whole once registered');
  });

  it('proofs land again within a minute of pop-node coming back from SIGKILL', { timeout: 4 * 60_000 }, async (t) => {
    let events = await collectEvents(node.api, ['content']);
    const proved = () => events.filter((e) => e.method === 'ProofAccepted' && e.data.masternode.toString() === alice.address);
    await until('a proof accepted before the crash', () => proved().length > 0, 120);
    await node.kill();
    // Long enough for the sidecar to find the node gone.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await node.restart();
    const back = Date.now();
    events = await collectEvents(node.api, ['content']);
    await until('a proof accepted after the restart', () => proved().length > 0, 60);
    const seconds = (Date.now() - back) / 1000;
    assert.ok(seconds <= 60, `first proof ${seconds} s after the node's return`);
    t.diagnostic(`first proof accepted ${seconds.toFixed(1)} s after the node's return`);
    // And it keeps going: the nonce counted before the crash did not wedge the client.
    await until('three proofs accepted after the restart', () => proved().length >= 3, 120);
    assert.equal(events.filter((e) => e.method === 'ChallengeMissed').length, 0);
  });
});
