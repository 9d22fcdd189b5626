// The committed local spec's three validators keep finalizing while the DPoS election changes
// the validator set: Charlie leaves the masternode registry, then registers again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sendAndFinalize, startNode } from '../lib/node.js';

const spec = join(fileURLToPath(import.meta.url), '../../../../chain-specs/local.raw.json');
const POP = 10n ** 12n;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('local three-validator network across validator-set changes', () => {
  const nodes = [];
  let keyring;

  before(async () => {
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const alice = await startNode(['--chain', spec, '--alice']);
    const peerId = (await alice.api.rpc.system.localPeerId()).toString();
    const bootnode = `/ip4/127.0.0.1/tcp/${alice.p2pPort}/p2p/${peerId}`;
    nodes.push(alice);
    for (const name of ['bob', 'charlie']) {
      nodes.push(await startNode(['--chain', spec, `--${name}`, '--bootnodes', bootnode]));
    }
  });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });

  const validators = async () =>
    (await nodes[0].api.query.session.validators()).map((v) => v.toString());
  const finalized = async () => {
    const { api } = nodes[0];
    return (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  };
  async function waitFor(what, predicate, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await predicate()) return;
      await sleep(1_000);
    }
    throw new Error(`timed out waiting for ${what}:\n${nodes[0].logTail()}`);
  }
  async function keepsFinalizing() {
    const start = await finalized();
    await waitFor(`finality past #${start + 3}`, async () => (await finalized()) >= start + 3, 60_000);
  }

  it('drops a deregistered masternode from the validators and re-admits it', async () => {
    const { api } = nodes[0];
    const charlie = keyring.addFromUri('//Charlie');
    await waitFor('three validators', async () => (await validators()).length === 3, 60_000);
    await keepsFinalizing();

    const left = await sendAndFinalize(api.tx.masternodes.deregister(), charlie);
    assert.equal(left.dispatchError, undefined);
    // Elected at the next era, in force one session later.
    await waitFor('charlie out of the validator set',
      async () => !(await validators()).includes(charlie.address), 150_000);
    assert.deepEqual((await validators()).length, 2);
    await keepsFinalizing();

    const proofKey = keyring.addFromUri('//Charlie//stash').address;
    const back = await sendAndFinalize(api.tx.masternodes.register(
      10_000n * POP, 'http://127.0.0.1:8082', proofKey, 1n << 40n, 100_000_000), charlie);
    assert.equal(back.dispatchError, undefined);
    await waitFor('charlie back in the validator set',
      async () => (await validators()).includes(charlie.address), 150_000);
    await keepsFinalizing();
  });
});
