// A dapp's view of pop-node: metadata, chain properties, a POP transfer with its fee, and
// rejected calls decoded into their errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sendAndFinalize, startDevNode } from '../lib/node.js';
import { devKeys, feeOf, free, POP, waitForBlocks } from '../lib/util.js';

describe('pop-node through @polkadot/api', { timeout: 6 * 60_000 }, () => {
  let node;
  let alice;
  let bob;

  before(async () => {
    ({ alice, bob } = await devKeys());
    node = await startDevNode();
  }, { timeout: 3 * 60_000 });

  after(async () => {
    await node?.stop();
  }, { timeout: 30_000 });

  const freeAt = (hash, who) => free(node.api, who, hash);

  it('reads metadata and chain properties', { timeout: 60_000 }, async () => {
    const { api } = node;
    const versions = (await api.call.metadata.metadataVersions()).map((v) => v.toNumber());
    for (const v of [14, 15, 16]) assert.ok(versions.includes(v), `metadata versions ${versions}`);
    assert.ok(api.runtimeMetadata.version >= 14);
    for (const pallet of ['balances', 'babe', 'grandpa', 'session', 'sudo', 'utility', 'transactionPayment']) {
      assert.ok(api.tx[pallet] || api.query[pallet], `pallet ${pallet} missing from metadata`);
    }
    assert.deepEqual(api.registry.chainTokens, ['POP']);
    assert.deepEqual(api.registry.chainDecimals, [12]);
    assert.equal(api.registry.chainSS58, 42);
    assert.equal((await api.rpc.system.chain()).toString(), 'POP Development');
    assert.equal(api.consts.balances.existentialDeposit.toBigInt(), POP / 100n);
  });

  it('transfers POP from Alice to Bob and charges the fee it announced', { timeout: 60_000 }, async () => {
    const { api } = node;
    const amount = 12n * POP + 345n;
    const tx = api.tx.balances.transferKeepAlive(bob.address, amount);
    const quoted = (await tx.paymentInfo(alice)).partialFee.toBigInt();

    const { blockHash, events, dispatchError } = await sendAndFinalize(tx, alice);
    assert.equal(dispatchError, undefined);

    const transfer = events.find((e) => api.events.balances.Transfer.is(e));
    assert.ok(transfer, 'no Transfer event');
    assert.equal(transfer.data.from.toString(), alice.address);
    assert.equal(transfer.data.to.toString(), bob.address);
    assert.equal(transfer.data.amount.toBigInt(), amount);

    const feeEvent = events.find((e) => api.events.transactionPayment.TransactionFeePaid.is(e));
    assert.ok(feeEvent, 'no TransactionFeePaid event');
    assert.equal(feeEvent.data.who.toString(), alice.address);
    const fee = feeEvent.data.actualFee.toBigInt();
    assert.ok(fee > 0n && fee <= quoted, `fee ${fee} vs quoted ${quoted}`);

    // Balances in the parent of the inclusion block and in the inclusion block itself.
    const header = await api.rpc.chain.getHeader(blockHash);
    const [aliceStart, bobStart] = [await freeAt(header.parentHash, alice), await freeAt(header.parentHash, bob)];
    assert.equal(await freeAt(blockHash, alice), aliceStart - amount - fee);
    assert.equal(await freeAt(blockHash, bob), bobStart + amount);
  });

  it('rejects a transfer of more than the balance with a decoded error and moves nothing', { timeout: 60_000 }, async () => {
    const { api } = node;
    const tx = api.tx.balances.transferAllowDeath(alice.address, 10_000_000n * POP);
    const { blockHash, events, dispatchError } = await sendAndFinalize(tx, bob);

    assert.ok(dispatchError, 'transfer of more than the balance succeeded');
    assert.ok(dispatchError.isToken, `expected a token error, got ${dispatchError.toString()}`);
    assert.equal(dispatchError.asToken.type, 'FundsUnavailable');
    assert.ok(events.some((e) => api.events.system.ExtrinsicFailed.is(e)));
    assert.ok(!events.some((e) => api.events.balances.Transfer.is(e)));

    const header = await api.rpc.chain.getHeader(blockHash);
    const fee = feeOf(events);
    assert.equal(await freeAt(blockHash, bob), (await freeAt(header.parentHash, bob)) - fee);
    assert.equal(await freeAt(blockHash, alice), await freeAt(header.parentHash, alice));
  });

  it('rejects sudo from a non-sudo account with the decoded module error', { timeout: 60_000 }, async () => {
    const { api } = node;
    const call = api.tx.balances.forceSetBalance(bob.address, 1n);
    const { blockHash, events, dispatchError } = await sendAndFinalize(api.tx.sudo.sudo(call), bob);

    assert.ok(dispatchError?.isModule, `expected a module error, got ${dispatchError?.toString()}`);
    const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
    assert.equal(`${section}.${name}`, 'sudo.RequireSudo');
    assert.ok(docs.join(' ').length > 0);
    assert.ok(!events.some((e) => api.events.balances.BalanceSet.is(e)));
    assert.ok((await freeAt(blockHash, bob)) > POP, 'balance was changed by a rejected sudo call');
  });

  it('refuses an extrinsic with a bad signature at the pool', { timeout: 60_000 }, async () => {
    const { api } = node;
    const tx = api.tx.balances.transferKeepAlive(bob.address, POP);
    await tx.signAsync(alice);
    // Unprefixed bytes: version (1), address (1 + 32), signature (1 + 64), ... Flip a bit in
    // the signature, restore the length prefix, and send the raw hex past the client's checks.
    const bare = tx.toU8a(true);
    bare[1 + 33 + 1 + 10] ^= 0x01;
    const prefix = api.createType('Compact<u32>', bare.length).toU8a();
    const hex = `0x${Buffer.concat([prefix, bare]).toString('hex')}`;
    await assert.rejects(
      node.rawRpc('author_submitExtrinsic', [hex]),
      /bad signature|1010/i,
    );
    // The chain goes on.
    await waitForBlocks(api, 1, 20, { context: node.logTail });
  });
});
