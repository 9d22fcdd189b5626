// A validator that equivocates is reported by the other nodes and slashed through its
// masternode bond. Alice's session keys run on two nodes of the local three-validator network:
// the twin starts cut off (with a plain node as its only peer) and authors Alice's slots on a
// fork of its own; once it is joined to
// Bob, Bob imports that fork, finds two headers of Alice's for each of her slots, and reports
// her. (Joined from the start, the twin equivocates only when both of Alice's nodes claim a slot
// before either sees the other's block, which on a loaded machine can take many minutes.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode } from '../lib/node.js';
import { devKeys, waitFor, waitForBlocks, waitForFinalized } from '../lib/util.js';

const spec = join(fileURLToPath(import.meta.url), '../../../../chain-specs/local.raw.json');

describe('equivocation on the local network', { timeout: 12 * 60_000 }, () => {
  const nodes = [];
  let alice;

  before(async () => {
    ({ alice } = await devKeys());
    const first = await startNode(['--chain', spec, '--alice']);
    nodes.push(first);
    for (const name of ['bob', 'charlie']) {
      nodes.push(await startNode(['--chain', spec, `--${name}`, '--bootnodes', first.bootnode]));
    }
    // The twin: Alice's keys on a second node of its own, cut off from the others. Its only
    // peer is a plain node (a node with no peers does not author).
    const observer = await startNode(['--chain', spec]);
    nodes.push(await startNode(['--chain', spec, '--alice', '--bootnodes', observer.bootnode]), observer);
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  }, { timeout: 30_000 });

  it('reports the equivocation, slashes and jails the masternode, and the chain goes on', { timeout: 9 * 60_000 }, async () => {
    // Bob's node is honest and, once the twin joins, sees both of Alice's nodes.
    const { api, logTail } = nodes[1];
    const before = (await api.query.masternodes.masternodes(alice.address)).unwrap();
    assert.equal(before.status.toString(), 'Active');

    // The twin authors alone for a while, then meets Bob.
    const twin = nodes[3];
    await waitForBlocks(twin.api, 3, 120, { context: twin.logTail });
    await twin.rawRpc('system_addReservedPeer', [nodes[1].bootnode]);

    await waitFor('an offence report against Alice', async () => {
      const reports = await api.query.offences.reports.entries();
      return reports.map(([, details]) => details.unwrap())
        .find((details) => details.offender[0].toString() === alice.address);
    }, 300, { every: 1000, context: () => `bob:\n${logTail()}\nalice twin:\n${nodes[3].logTail()}` });

    const after = (await api.query.masternodes.masternodes(alice.address)).unwrap();
    assert.equal(after.status.toString(), 'Jailed');
    assert.ok(after.bond.toBigInt() < before.bond.toBigInt(),
      `bond ${after.bond} not slashed from ${before.bond}`);

    // Bob and Charlie keep finalizing without Alice's vote counting twice.
    await waitForFinalized(api, 3, 120, { context: logTail });
  });
});
