// A validator that equivocates is reported by the other nodes and slashed through its
// masternode bond: Alice's session keys run on two nodes of the local three-validator network,
// so both author in Alice's slots and vote in her name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode } from '../lib/node.js';
import { devKeys, waitFor, waitForFinalized } from '../lib/util.js';

const spec = join(fileURLToPath(import.meta.url), '../../../../chain-specs/local.raw.json');

describe('equivocation on the local network', { timeout: 14 * 60_000 }, () => {
  const nodes = [];
  let alice;

  before(async () => {
    ({ alice } = await devKeys());
    const first = await startNode(['--chain', spec, '--alice']);
    nodes.push(first);
    for (const name of ['bob', 'charlie']) {
      nodes.push(await startNode(['--chain', spec, `--${name}`, '--bootnodes', first.bootnode]));
    }
    // The twin: Alice's keys on a second node of its own.
    nodes.push(await startNode(['--chain', spec, '--alice', '--bootnodes', first.bootnode]));
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  }, { timeout: 30_000 });

  it('reports the equivocation, slashes and jails the masternode, and the chain goes on', { timeout: 11 * 60_000 }, async () => {
    // Bob's node is honest and sees both of Alice's nodes. Both of them must author in the
    // same slot, which on a loaded machine (the CI runs six test files at once) took up to
    // five minutes.
    const { api, logTail } = nodes[1];
    const before = (await api.query.masternodes.masternodes(alice.address)).unwrap();
    assert.equal(before.status.toString(), 'Active');

    await waitFor('an offence report against Alice', async () => {
      const reports = await api.query.offences.reports.entries();
      return reports.map(([, details]) => details.unwrap())
        .find((details) => details.offender[0].toString() === alice.address);
    }, 540, { every: 1000, context: () => `bob:\n${logTail()}\nalice twin:\n${nodes[3].logTail()}` });

    const after = (await api.query.masternodes.masternodes(alice.address)).unwrap();
    assert.equal(after.status.toString(), 'Jailed');
    assert.ok(after.bond.toBigInt() < before.bond.toBigInt(),
      `bond ${after.bond} not slashed from ${before.bond}`);

    // Bob and Charlie keep finalizing without Alice's vote counting twice.
    await waitForFinalized(api, 3, 120, { context: logTail });
  });
});
