// Starts real `pop-node`s on loopback ports for a test and stops them afterwards, and sends
// extrinsics to them until finalized.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { releaseBinary, startProcess } from './process.js';

export const nodeBinary = () => releaseBinary('pop-node', 'POP_NODE_BIN');

/** An ApiPromise connected to the node at `rpcUrl`; fails if the first connection does. */
export const connect = (rpcUrl) =>
  ApiPromise.create({ provider: new WsProvider(rpcUrl), noInitWarn: true, throwOnConnect: true });

/** Starts `pop-node --dev` and returns a connected ApiPromise plus a `stop` function. */
export function startDevNode() {
  return startNode(['--dev']);
}

/**
 * Starts `pop-node` with `chainArgs` (e.g. `['--chain', spec, '--alice']`) and a fresh base
 * path, and returns a connected ApiPromise, its p2p address `bootnode`, `stop`, `kill`
 * (SIGKILL, as a crash; the database stays) and `restart` (the same node on the same database;
 * `api` and `rpcUrl` then name the new connection). The node binds loopback ports of its own
 * choosing: a port found free here may be taken by another test file's process before the
 * node binds it, and pop-node then serves RPC on another port or starts with no p2p listener.
 */
export async function startNode(chainArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'pop-pjs-'));
  const args = [
    ...chainArgs, '--base-path', join(dir, 'db'),
    '--rpc-port', '0',
    '--no-prometheus', '--no-telemetry', '--no-mdns',
    '--listen-addr', '/ip4/127.0.0.1/tcp/0',
    // Throw-away authorities may invent a network key (real validators keep one).
    '--unsafe-force-node-key-generation',
  ];
  let child;
  const handle = {
    logTail: () => child.logTail(30),
    // A JSON-RPC call that bypasses @polkadot/api's own encoding and checks.
    rawRpc: (method, params) => handle.api._rpcCore.provider.send(method, params),
    async stop() {
      await handle.api?.disconnect().catch(() => {});
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      await handle.api.disconnect().catch(() => {});
      await child.stop('SIGKILL');
    },
    restart: launch,
  };

  async function launch() {
    child = startProcess(nodeBinary(), args, join(dir, 'node.log'));
    let rpcPort;
    try {
      // The RPC server logs the port it bound. Nodes of other test files starting at the
      // same time (compiling the runtime) slow a start.
      rpcPort = await child.ready((output) => output.match(/Running JSON-RPC server: addr=127\.0\.0\.1:(\d+)/)?.[1], 120, 250);
    } catch (error) {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    handle.rpcUrl = `ws://127.0.0.1:${rpcPort}`;
    handle.api = await connect(handle.rpcUrl);
    [handle.bootnode] = (await handle.api.rpc.system.localListenAddresses()).map(String);
    assert.ok(handle.bootnode, `pop-node has no p2p address:\n${child.logTail()}`);
  }

  await launch();
  return handle;
}

/**
 * Signs and sends `tx`, resolves once its block is finalized with the block hash, the
 * extrinsic's events and its dispatch error (if any).
 */
export function sendAndFinalize(tx, signer) {
  return new Promise((resolve, reject) => {
    let unsubscribe;
    tx.signAndSend(signer, (result) => {
      if (result.isError) {
        unsubscribe?.();
        reject(new Error(`transaction failed: ${result.status.type}`));
      } else if (result.status.isFinalized) {
        unsubscribe?.();
        resolve({
          blockHash: result.status.asFinalized,
          events: result.events.map(({ event }) => event),
          dispatchError: result.dispatchError,
        });
      }
    }).then((u) => { unsubscribe = u; }, reject);
  });
}

/**
 * Sends `tx` and asserts that the node's transaction pool refuses it (JSON-RPC error 1010)
 * with `InvalidTransaction::Custom(code)`, so it never reaches a block.
 */
export async function refusedByPool(tx, signer, code) {
  await assert.rejects(sendAndFinalize(tx, signer), (error) => {
    assert.match(String(error.message), new RegExp(`^1010: Invalid Transaction: Custom error: ${code}$`));
    return true;
  });
}

/** Sends `tx` as `sendAndFinalize` does and asserts that it succeeded. */
export async function sendOk(tx, signer) {
  const result = await sendAndFinalize(tx, signer);
  const error = result.dispatchError;
  const reason = error?.isModule
    ? (({ section, name }) => `${section}.${name}`)(error.registry.findMetaError(error.asModule))
    : String(error);
  assert.equal(error, undefined, `${signer.address}: ${reason}`);
  return result;
}
