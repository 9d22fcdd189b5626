// Starts a real `pop-node --dev` on free loopback ports for a test, and stops it afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

export function nodeBinary() {
  if (process.env.POP_NODE_BIN) return process.env.POP_NODE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/pop-network/target');
  return join(target, 'release/pop-node');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `pop-node --dev` and returns a connected ApiPromise plus a `stop` function. */
export function startDevNode() {
  return startNode(['--dev']);
}

/**
 * Starts `pop-node` with `chainArgs` (e.g. `['--chain', spec, '--alice']`) on free loopback
 * ports and a fresh base path, and returns a connected ApiPromise, its p2p port and `stop`.
 */
export async function startNode(chainArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'pop-pjs-'));
  const [rpcPort, p2pPort, promPort] = [await freePort(), await freePort(), await freePort()];
  const logPath = join(dir, 'node.log');
  const log = createWriteStream(logPath);
  const child = spawn(nodeBinary(), [
    ...chainArgs, '--base-path', join(dir, 'db'),
    '--rpc-port', String(rpcPort),
    '--prometheus-port', String(promPort), '--no-telemetry', '--no-mdns',
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    // Throw-away authorities may invent a network key (real validators keep one).
    '--unsafe-force-node-key-generation',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const logTail = () => readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');

  // Wait until the RPC port accepts connections, then connect once.
  const deadline = Date.now() + 60_000;
  while (!(await canConnect(rpcPort))) {
    if (exited !== null) throw new Error(`pop-node exited with ${exited}:\n${logTail()}`);
    if (Date.now() > deadline) throw new Error(`pop-node RPC not up in 60 s:\n${logTail()}`);
    await sleep(250);
  }
  const api = await ApiPromise.create({
    provider: new WsProvider(`ws://127.0.0.1:${rpcPort}`),
    noInitWarn: true,
    throwOnConnect: true,
  });

  async function stop() {
    await api.disconnect().catch(() => {});
    if (exited === null) {
      const done = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([done, sleep(20_000).then(() => child.kill('SIGKILL'))]);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  // A JSON-RPC call that bypasses @polkadot/api's own encoding and checks.
  const rawRpc = (method, params) => api._rpcCore.provider.send(method, params);
  return { api, stop, logTail, rawRpc, p2pPort, rpcUrl: `ws://127.0.0.1:${rpcPort}` };
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
