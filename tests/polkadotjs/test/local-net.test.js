// The committed local spec's three validators keep finalizing while the DPoS election changes
// the validator set: Charlie leaves the masternode registry, then registers again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendOk, startNode } from '../lib/node.js';
import { devKeys, POP, validators, waitFor, waitForFinalized } from '../lib/util.js';

const spec = join(fileURLToPath(import.meta.url), '../../../../chain-specs/local.raw.json');

describe('local three-validator network across validator-set changes', { timeout: 15 * 60_000 }, () => {
  const nodes = [];
  let keyring;
  let charlie;

  before(async () => {
    ({ keyring, charlie } = await devKeys());
    const alice = await startNode(['--chain', spec, '--alice']);
    nodes.push(alice);
    for (const name of ['bob', 'charlie']) {
      nodes.push(await startNode(['--chain', spec, `--${name}`, '--bootnodes', alice.bootnode]));
    }
  }, { timeout: 7 * 60_000 });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  }, { timeout: 30_000 });

  const until = (what, check, seconds) => waitFor(what, check, seconds, { context: nodes[0].logTail });
  const keepsFinalizing = () => waitForFinalized(nodes[0].api, 3, 60, { context: nodes[0].logTail });

  it('drops a deregistered masternode from the validators and re-admits it', { timeout: 10 * 60_000 }, async () => {
    const { api } = nodes[0];
    await until('three validators', async () => (await validators(api)).length === 3, 60);
    await keepsFinalizing();

    await sendOk(api.tx.masternodes.deregister(), charlie);
    // Elected at the next era, in force one session later.
    await until('charlie out of the validator set', async () => !(await validators(api)).includes(charlie.address), 150);
    assert.deepEqual((await validators(api)).length, 2);
    await keepsFinalizing();

    const proofKey = keyring.addFromUri('//Charlie//stash').address;
    await sendOk(api.tx.masternodes.register(
      10_000n * POP, 'http://127.0.0.1:8082', proofKey, 1n << 40n, 100_000_000), charlie);
    await until('charlie back in the validator set', async () => (await validators(api)).includes(charlie.address), 150);
    await keepsFinalizing();
  });
});
