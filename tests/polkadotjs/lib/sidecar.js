// Starts real `pop-sidecar` processes for tests, signs their auth tokens, and stops, kills
// and restarts them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { freePort } from './node.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function sidecarBinary() {
  if (process.env.POP_SIDECAR_BIN) return process.env.POP_SIDECAR_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/pop-network/target');
  return join(target, 'release/pop-sidecar');
}

/**
 * The `Authorization` header value for `audience` (a sidecar's public URL), signed by `pair`
 * (see content-sidecar/src/auth.rs): `PopSr25519 <ss58>.<expires>.<0x signature>`. `signer`
 * signs instead of `pair` to forge; `wrap` signs as the Polkadot.js extension's signRaw does.
 */
export function authHeader(pair, audience, { signer = pair, wrap = false } = {}) {
  const expires = Math.floor(Date.now() / 1000) + 600;
  const message = stringToU8a(`pop-sidecar-auth:v1:${audience}:${expires}`);
  const signature = signer.sign(wrap ? u8aWrapBytes(message) : message);
  return `PopSr25519 ${pair.address}.${expires}.${u8aToHex(signature)}`;
}

/**
 * Starts pop-sidecar on a free port with a fresh data dir. `nodeUrl` defaults to a port where
 * no node listens (the sidecar serves anyway); `proofKey` is the masternode's proof key URI;
 * `publicUrl` is where clients reach it (default: its own address), the audience of tokens.
 * Returns its URL, public URL, data dir, `stop` (SIGTERM, then cleans up), `kill` (SIGKILL,
 * keeps the data) and `restart` (same port and data).
 */
export async function startSidecar({ nodeUrl, proofKey, publicUrl } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pop-sidecar-'));
  const dataDir = join(dir, 'data');
  const url = `http://127.0.0.1:${await freePort()}`;
  const args = [
    'run', '--data-dir', dataDir, '--listen', url.slice('http://'.length),
    '--public-url', publicUrl ?? url,
    '--node-url', nodeUrl ?? `ws://127.0.0.1:${await freePort()}`,
    ...(proofKey ? ['--proof-key', proofKey] : []),
  ];
  const logPath = join(dir, 'sidecar.log');
  const log = createWriteStream(logPath, { flags: 'a' });
  let child;
  let exited;
  const logText = () => readFileSync(logPath, 'utf8');
  const logTail = () => logText().split('\n').slice(-40).join('\n');

  async function launch() {
    exited = null;
    child = spawn(sidecarBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('exit', (code, signal) => { exited = code ?? signal; });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited !== null) throw new Error(`pop-sidecar exited with ${exited}:\n${logTail()}`);
      if (Date.now() > deadline) throw new Error(`pop-sidecar not up in 30 s:\n${logTail()}`);
      const health = await fetch(`${url}/health`).catch(() => null);
      if (health?.ok) return;
      await sleep(100);
    }
  }

  async function signal(name) {
    if (exited !== null) return exited;
    const done = new Promise((resolve) => child.once('exit', resolve));
    child.kill(name);
    const fallback = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await done;
    clearTimeout(fallback);
    return exited;
  }

  await launch();
  return {
    url,
    publicUrl: publicUrl ?? url,
    dataDir,
    logText,
    logTail,
    /** Stops with SIGTERM (graceful) and removes the data; resolves with the exit code. */
    async stop() {
      const code = await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
    /** Kills with SIGKILL, as a crash would; the data stays. */
    kill: () => signal('SIGKILL'),
    /** Starts again on the same port and data. */
    restart: launch,
  };
}
