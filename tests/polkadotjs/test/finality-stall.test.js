// Challenges do not depend on finality: on the local three-validator network, with Alice's
// masternode holding a confirmed item through its sidecar, Charlie's node stops and GRANDPA
// can no longer finalize (it needs all three votes). Blocks go on; for more than 20 of them,
// Alice's sidecar answers every challenge from the best chain and nobody faults.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendOk, startNode } from '../lib/node.js';
import { contentId } from '../lib/commitment.js';
import { registerContent } from '../lib/receipt.js';
import { startSidecar, upload } from '../lib/sidecar.js';
import { bestNumber, collectEvents, devKeys, finalizedNumber, waitFor } from '../lib/util.js';
import { serveFrom } from '../lib/masternodes.js';

const spec = join(fileURLToPath(import.meta.url), '../../../../chain-specs/local.raw.json');
const STALLED_BLOCKS = 20;

describe('challenges while finality is stalled', { timeout: 12 * 60_000 }, () => {
  const nodes = [];
  let sidecar;
  let alice; let dave;
  let events;
  const bytes = randomBytes(256 * 1024 + 5);
  const id = contentId(bytes);


  before(async () => {
    ({ alice, dave } = await devKeys());
    const first = await startNode(['--chain', spec, '--alice']);
    nodes.push(first);
    for (const name of ['bob', 'charlie']) {
      nodes.push(await startNode(['--chain', spec, `--${name}`, '--bootnodes', first.bootnode]));
    }
    events = await collectEvents(first.api, ['content']);
    sidecar = await startSidecar({ nodeUrl: first.rpcUrl, proofKey: '//Alice//stash' });
    await serveFrom(first.api, alice, sidecar.url);
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await sidecar?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
  }, { timeout: 60_000 });

  it(`answers every challenge for ${STALLED_BLOCKS} blocks without finality, and nobody faults`, { timeout: 10 * 60_000 }, async () => {
    const { api, logTail } = nodes[0];
    const context = () => `alice:\n${logTail()}\nsidecar:\n${sidecar.logTail()}`;
    const { receipt } = await upload(sidecar.url, dave, bytes);
    await sendOk(registerContent(api, { content: id, size: bytes.length, mime: 'video/mp4', title: 'Stall', uploader: alice.address }, receipt), dave);
    await waitFor('the upload confirmed', async () => (await api.query.content.contents(id)).unwrap().replicas.every((r) => r.confirmed.isTrue), 120, { context });

    // Charlie goes: two votes of three finalize nothing.
    await nodes[2].stop();
    nodes.splice(2, 1);
    const stalledAt = await finalizedNumber(api);
    const from = events.length;
    const bestAtStall = await bestNumber(api);
    await waitFor(`${STALLED_BLOCKS} blocks past the stall`, async () => (await bestNumber(api)) >= bestAtStall + STALLED_BLOCKS, STALLED_BLOCKS * 12, { context });
    assert.ok(await finalizedNumber(api) <= stalledAt + 2, `finality went on (#${await finalizedNumber(api)} from #${stalledAt}): the test stalled nothing`);

    const during = events.slice(from).map((e) => e.method);
    const count = (name) => during.filter((method) => method === name).length;
    assert.equal(count('ChallengeMissed'), 0, `missed challenges during the stall: ${during}`);
    assert.equal(count('FaultRecorded'), 0);
    assert.equal(count('ProofRejected'), 0);
    assert.ok(count('ProofAccepted') >= STALLED_BLOCKS / 2, `only ${count('ProofAccepted')} proofs accepted in ${STALLED_BLOCKS} blocks: ${during}`);
  });
});
