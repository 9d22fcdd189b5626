// A validator that signs two blocks for one BABE slot is reported by the other nodes and
// slashed through its masternode bond. Alice's session keys run on two nodes of the local
// three-validator network. The twin follows the chain through Bob alone, is cut off from him
// (its only peer then a plain node: a node with no peers does not author) and authors Alice's
// slots on a fork of its own while Alice authors them on the chain. Joined to Bob again, it
// hands him its fork: Bob finds two headers of Alice's for each of those slots and reports her.
// (Forking from the chain rather than from genesis matters: the report proves Alice's key with
// the session of the fork's parent, which must be the chain's session for that slot.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode } from '../lib/node.js';
import { bestNumber, decoded, devKeys, waitFor, waitForBlocks, waitForFinalized } from '../lib/util.js';

const spec = join(fileURLToPath(import.meta.url), '../../../../chain-specs/local.raw.json');

/** The offence kind `pallet_babe` reports equivocations under (16 bytes, cut short). */
const BABE_EQUIVOCATION = 'babe:equivocatio';

const peerId = (node) => node.bootnode.split('/p2p/')[1];

describe('equivocation on the local network', { timeout: 12 * 60_000 }, () => {
  const nodes = [];
  let alice;
  let bob;
  let twin;

  before(async () => {
    ({ alice } = await devKeys());
    const first = await startNode(['--chain', spec, '--alice']);
    nodes.push(first);
    for (const name of ['bob', 'charlie']) {
      nodes.push(await startNode(['--chain', spec, `--${name}`, '--bootnodes', first.bootnode]));
    }
    bob = nodes[1];
    const observer = await startNode(['--chain', spec, '--reserved-only']);
    // No slots for other peers either: litep2p keeps a peer removed from the reserved set as a
    // regular one while a slot is free, even in reserved-only mode.
    twin = await startNode(['--chain', spec, '--alice', '--reserved-only',
      '--in-peers', '0', '--in-peers-light', '0', '--out-peers', '0',
      '--reserved-nodes', bob.bootnode, '--reserved-nodes', observer.bootnode]);
    nodes.push(observer, twin);
    await observer.rawRpc('system_addReservedPeer', [twin.bootnode]);
  }, { timeout: 5 * 60_000 });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  }, { timeout: 30_000 });

  it('reports two blocks of one slot, slashes and jails the masternode, and the chain goes on', { timeout: 9 * 60_000 }, async () => {
    const { api, logTail } = bob;
    const context = () => `bob:\n${logTail()}\nalice's twin:\n${twin.logTail()}`;
    const before = (await api.query.masternodes.masternodes(alice.address)).unwrap();
    assert.equal(before.status.toString(), 'Active');

    // What became of every report in Bob's chain, for the message if none lands.
    const outcomes = [];
    const record = async (header) => {
      const [block, events] = await Promise.all([
        api.rpc.chain.getBlock(header.hash), api.query.system.events.at(header.hash)]);
      block.block.extrinsics.forEach(({ method: { section, method } }, index) => {
        if (method !== 'reportEquivocationUnsigned') return;
        const failed = events.find(({ phase, event }) => phase.isApplyExtrinsic
          && phase.asApplyExtrinsic.eq(index) && api.events.system.ExtrinsicFailed.is(event));
        const error = failed?.event.data[0];
        outcomes.push(`#${header.number} ${section}: ${!error ? 'ok' : error.isModule ? decoded(error) : error}`);
      });
    };
    const unsubscribe = await api.rpc.chain.subscribeNewHeads((header) => {
      record(header).catch((error) => outcomes.push(`#${header.number}: unreadable (${error.message})`));
    });

    // The twin follows the chain, then is cut off from Bob and authors on its own.
    await waitFor('the twin to catch up with Bob', async () =>
      (await bestNumber(twin.api)) >= Math.max(await bestNumber(api), 3), 180, { context });
    await twin.rawRpc('system_removeReservedPeer', [peerId(bob)]);
    await waitFor('the twin to be cut off from Bob', async () =>
      (await twin.api.rpc.system.peers()).every((peer) => peer.peerId.toString() !== peerId(bob)),
    30, { context });
    await waitForBlocks(twin.api, 3, 120, { context });
    await twin.rawRpc('system_addReservedPeer', [bob.bootnode]);

    const report = await waitFor('a BABE offence report against Alice', async () => {
      for (const [key, ids] of await api.query.offences.concurrentReportsIndex.entries()) {
        if (Buffer.from(key.args[0].toU8a(true)).toString('latin1') !== BABE_EQUIVOCATION) continue;
        for (const id of ids) {
          const details = (await api.query.offences.reports(id)).unwrap();
          if (details.offender[0].toString() === alice.address) return details;
        }
      }
      return undefined;
    }, 300, { every: 1000, context: () => `reports in Bob's chain:\n${outcomes.join('\n') || 'none'}\n${context()}` });
    unsubscribe();
    assert.ok(report.reporters.length > 0, 'the report names who reported it');

    const after = (await api.query.masternodes.masternodes(alice.address)).unwrap();
    assert.equal(after.status.toString(), 'Jailed');
    assert.ok(after.bond.toBigInt() < before.bond.toBigInt(),
      `bond ${after.bond} not slashed from ${before.bond}`);

    // Bob and Charlie keep finalizing without Alice's vote counting twice.
    await waitForFinalized(api, 3, 120, { context: logTail });
  });
});
