// Starts real `pop-sidecar` processes for tests, signs their auth tokens, stops, kills and
// restarts them, uploads to them, follows an upload's transcoding, reads their metrics, and
// runs their operator commands.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import * as tus from 'tus-js-client';
import { onFreePort, releaseBinary, startProcess } from './process.js';
import { receiptFromHeaders } from './receipt.js';
import { waitFor } from './util.js';

export const sidecarBinary = () => releaseBinary('pop-sidecar', 'POP_SIDECAR_BIN');

/**
 * Runs a `pop-sidecar` command (`key`, `masternode`, `status`, ...) to its end, at most
 * `seconds`; resolves with `{ code, stdout, stderr, json }`, `json` being stdout parsed when it
 * is JSON. Never rejects on a failing exit: the tests check failures.
 */
export function sidecarCommand(args, { env = {}, seconds = 120 } = {}) {
  return new Promise((resolve) => {
    execFile(sidecarBinary(), args, { env: { ...process.env, ...env }, timeout: seconds * 1000 }, (error, stdout, stderr) => {
      let json;
      try { json = JSON.parse(stdout); } catch { json = undefined; }
      resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr, json });
    });
  });
}

/**
 * The `Authorization` header value for `audience` (a sidecar's public URL), signed by `pair`
 * (see content-sidecar/src/auth.rs): `PopSr25519 <scope>.<ss58>.<expires>.<0x signature>`.
 * `scope` is `stream` (GET/HEAD /content) or `upload` (every tus request); `signer` signs
 * instead of `pair` to forge; `wrap` signs as the Polkadot.js extension's signRaw does. Valid
 * for ten minutes, the longest a stream token may be by default.
 */
export function authHeader(pair, audience, { scope = 'stream', signer = pair, wrap = false } = {}) {
  const expires = Math.floor(Date.now() / 1000) + 600;
  const message = stringToU8a(`pop-sidecar-auth:v2:${scope}:${audience}:${expires}`);
  const signature = signer.sign(wrap ? u8aWrapBytes(message) : message);
  return `PopSr25519 ${scope}.${pair.address}.${expires}.${u8aToHex(signature)}`;
}

// What content-sidecar/src/main.rs logs once its listener is bound.
const SERVING = 'pop-sidecar serving';

/**
 * Starts pop-sidecar on a free port with a fresh data dir. Without `nodeUrl` it runs
 * `--standalone` (no chain client; uploads bounded locally only); `proofKey` is the
 * masternode's proof key URI; `publicUrl` is where clients reach it (default: its own
 * address), the audience of tokens; `options` are more command-line options. Returns its URL,
 * public URL, data dir, `stop` (SIGTERM, then cleans up), `kill` (SIGKILL, keeps the data) and
 * `restart` (same port and data).
 */
export async function startSidecar({ nodeUrl, proofKey, publicUrl, options = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pop-sidecar-'));
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'sidecar.log');
  let url;
  let args;
  let sidecar;

  async function launch() {
    sidecar = startProcess(sidecarBinary(), args, logPath);
    // Serving once it says so (the port might be another process's) and answers.
    await sidecar.ready(async (output) => output.includes(SERVING)
      && (await fetch(`${url}/health`).catch(() => null))?.ok, 30, 100);
  }

  await onFreePort(async (port) => {
    url = `http://127.0.0.1:${port}`;
    args = [
      'run', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`,
      '--public-url', publicUrl ?? url,
      ...(nodeUrl ? ['--node-url', nodeUrl] : ['--standalone']),
      ...(proofKey ? ['--proof-key', proofKey] : []),
      ...options,
    ];
    await launch();
  });
  return {
    url,
    publicUrl: publicUrl ?? url,
    dataDir,
    logText: () => sidecar.logText(),
    logTail: () => sidecar.logTail(),
    /** Stops with SIGTERM (graceful) and removes the data; resolves with the exit code. */
    async stop() {
      const code = await sidecar.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
    /** Kills with SIGKILL, as a crash would; the data stays. */
    kill: () => sidecar.stop('SIGKILL'),
    /** Starts again on the same port and data. */
    restart: launch,
  };
}

/**
 * Uploads `bytes` to the sidecar at `url` as `owner` with tus-js-client, and resolves with the
 * upload's URL and the receipt its completing PATCH carried.
 */
export function upload(url, owner, bytes, { filename = 'film.mp4', filetype = 'video/mp4' } = {}) {
  return new Promise((resolve, reject) => {
    let completed;
    const task = new tus.Upload(bytes, {
      endpoint: `${url}/uploads`,
      headers: { Authorization: authHeader(owner, url, { scope: 'upload' }) },
      metadata: { filename, filetype },
      chunkSize: 1024 * 1024,
      onAfterResponse: (request, response) => {
        if (request.getMethod() === 'PATCH') completed = response;
      },
      onError: reject,
      onSuccess: () => resolve({ url: task.url, receipt: receiptFromHeaders(completed.getHeader.bind(completed)) }),
    });
    task.start();
  });
}

/**
 * `GET /uploads/{id}` of `uploadUrl` as `owner`, signed for the sidecar whose public URL is
 * `audience`: the upload's JSON (its id, length, receipt and `media` status).
 */
export async function uploadStatus(audience, uploadUrl, owner) {
  const response = await fetch(uploadUrl, {
    headers: { Authorization: authHeader(owner, audience, { scope: 'upload' }) },
  });
  assert.equal(response.status, 200, `GET ${uploadUrl}: ${await response.clone().text()}`);
  return response.json();
}

/**
 * The finished upload at `uploadUrl` as an item to register (see `registerItem` in video.js):
 * `{ content, size, mime, receipt }`.
 */
export async function uploadedItem(audience, uploadUrl, owner) {
  const { content, length, receipt } = await uploadStatus(audience, uploadUrl, owner);
  return { content, size: length, mime: 'video/mp4', receipt };
}

/**
 * Polls the upload at `uploadUrl` as `owner` until its transcoding ends, for at most `seconds`,
 * calling `onProgress(media)` on each answer; returns the media status, failing if the
 * transcoding failed. `context()` adds to a timeout's message (say, the sidecar's log tail).
 */
export async function transcoded(audience, uploadUrl, owner, { seconds = 120, context, onProgress } = {}) {
  let media;
  await waitFor('the transcoding to end', async () => {
    ({ media } = await uploadStatus(audience, uploadUrl, owner));
    if (media) onProgress?.(media);
    return media && (media.state === 'done' || media.state === 'failed');
  }, seconds, { context });
  assert.equal(media.state, 'done', media.error);
  return media;
}

/** The value of the metric line starting with `name` in `/metrics` of the sidecar at `url`, 0 if absent. */
export async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}
