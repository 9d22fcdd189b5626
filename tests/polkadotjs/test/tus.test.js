// A dapp's uploader against the real pop-sidecar binary, with no node running: tus-js-client
// uploads a few MiB signed by //Alice, the connection is cut half way by a proxy, the upload
// resumes from its URL, and the Pop-Content-Id the sidecar reports must equal the content id
// computed here (an independent implementation of the commitment, checked against the
// published test vectors), with an upload receipt that verifies against the payload built here
// and is handed to nobody but the uploader. An upload signed with the wrong key is refused and
// changes nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tus from 'tus-js-client';
import { contentId } from '../lib/commitment.js';
import { startProxy } from '../lib/proxy.js';
import { DEV_PROOF_KEY, receiptFromHeaders, verifyReceipt } from '../lib/receipt.js';
import { authHeader as token, startSidecar } from '../lib/sidecar.js';
import { devKeys } from '../lib/util.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A TCP proxy to `target` that drops the connection once `cutAfter` bytes went through. */
function startCuttingProxy(target, cutAfter) {
  return startProxy(() => target, (client, upstream) => {
    let forwarded = 0;
    client.on('data', (data) => {
      forwarded += data.length;
      if (forwarded > cutAfter) {
        client.destroy();
        upstream.destroy();
      } else {
        upstream.write(data);
      }
    });
    upstream.on('data', (data) => client.write(data));
  });
}

// Runs a tus upload to its end; resolves with the upload, the responses it saw and its error,
// if it failed.
function runUpload(bytes, options) {
  return new Promise((resolve) => {
    const responses = [];
    const upload = new tus.Upload(bytes, {
      metadata: { filename: 'clip.mp4', filetype: 'video/mp4' },
      retryDelays: null,
      ...options,
      onAfterResponse: (request, response) => {
        responses.push({ method: request.getMethod(), status: response.getStatus(), response });
      },
      onSuccess: () => resolve({ upload, responses }),
      onError: (error) => resolve({ upload, responses, error }),
    });
    upload.start();
  });
}

describe('pop-sidecar with tus-js-client', { timeout: 3 * 60_000 }, () => {
  let sidecar;
  let alice;
  let bob;
  // The sidecar's default proof key, which signs its receipts.
  let proofKey;

  before(async () => {
    let keyring;
    ({ keyring, alice, bob } = await devKeys());
    proofKey = keyring.addFromUri(DEV_PROOF_KEY);
    sidecar = await startSidecar();
  }, { timeout: 60_000 });

  after(async () => {
    if (sidecar) assert.equal(await sidecar.stop(), 0, 'pop-sidecar exits cleanly on SIGTERM');
  }, { timeout: 30_000 });

  it('computes content ids as the published test vectors say', { timeout: 30_000 }, () => {
    const vectors = JSON.parse(readFileSync(join(REPO, 'pallets/primitives/test-vectors/commitment.json')));
    for (const vector of vectors.vectors) {
      const bytes = Buffer.from(Array.from({ length: vector.size }, (_, i) => i % 251));
      assert.equal(contentId(bytes), `0x${vector.id}`, vector.name);
    }
  });

  it('resumes an upload cut half way and reports its content id', { timeout: 60_000 }, async () => {
    const bytes = randomBytes(6 * 1024 * 1024 + 123);
    const headers = { Authorization: token(alice, sidecar.url, { scope: 'upload' }) };
    const proxy = await startCuttingProxy(sidecar.url, bytes.length / 2);
    const cut = await runUpload(bytes, { endpoint: `${proxy.url}/uploads`, headers });
    proxy.close();
    assert.ok(cut.error, 'the cut upload fails');
    const path = new URL(cut.upload.url).pathname;
    assert.match(path, /^\/uploads\/[0-9a-f]{32}$/);

    const resumed = await runUpload(bytes, {
      uploadUrl: `${sidecar.url}${path}`, headers, retryDelays: [100, 500, 1000],
    });
    assert.equal(resumed.error, undefined, `${resumed.error}`);
    const [asked] = resumed.responses.filter((r) => r.method === 'HEAD');
    const resumedAt = Number(asked.response.getHeader('Upload-Offset'));
    assert.ok(resumedAt > 0 && resumedAt <= bytes.length / 2, `resumed at ${resumedAt}`);
    const last = resumed.responses.at(-1);
    assert.equal(last.method, 'PATCH');
    assert.equal(last.response.getHeader('Pop-Content-Id'), contentId(bytes));
    const item = { owner: alice, content: contentId(bytes), size: bytes.length };
    const receipt = receiptFromHeaders(last.response.getHeader.bind(last.response));
    assert.ok(verifyReceipt(proofKey, item, receipt), 'the receipt verifies');
    const inAnHour = BigInt(Date.now() + 3_600_000);
    assert.ok(receipt.expiresMs > inAnHour - 60_000n && receipt.expiresMs <= inAnHour, `${receipt.expiresMs}`);

    const head = await fetch(`${sidecar.url}${path}`, {
      method: 'HEAD', headers: { ...headers, 'Tus-Resumable': '1.0.0' },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('upload-offset'), String(bytes.length));
    assert.equal(head.headers.get('upload-length'), String(bytes.length));
    assert.equal(head.headers.get('pop-content-id'), contentId(bytes));
    assert.ok(verifyReceipt(proofKey, item, receiptFromHeaders(head.headers)), 'HEAD gives it again');

    // Bob gets neither the upload's state nor a receipt for it.
    const his = await fetch(`${sidecar.url}${path}`, {
      method: 'HEAD', headers: { Authorization: token(bob, sidecar.url, { scope: 'upload' }), 'Tus-Resumable': '1.0.0' },
    });
    assert.equal(his.status, 403);
    assert.equal(his.headers.get('pop-receipt-signature'), null);
    assert.equal(his.headers.get('pop-content-id'), null);
  });

  it('accepts a token signed as the Polkadot.js extension signs', { timeout: 30_000 }, async () => {
    const bytes = randomBytes(3000);
    const { error, responses } = await runUpload(bytes, {
      endpoint: `${sidecar.url}/uploads`, headers: { Authorization: token(bob, sidecar.url, { scope: 'upload', wrap: true }) },
    });
    assert.equal(error, undefined, `${error}`);
    assert.equal(responses.at(-1).response.getHeader('Pop-Content-Id'), contentId(bytes));
  });

  it('refuses an upload signed with the wrong key and creates nothing', { timeout: 30_000 }, async () => {
    const created = async () => {
      const metrics = await (await fetch(`${sidecar.url}/metrics`)).text();
      return Number(metrics.match(/^pop_sidecar_uploads_created_total (\d+)$/m)[1]);
    };
    const before = await created();
    const forged = token(alice, sidecar.url, { scope: 'upload', signer: bob });
    const { error } = await runUpload(randomBytes(1000), {
      endpoint: `${sidecar.url}/uploads`, headers: { Authorization: forged },
    });
    assert.ok(error, 'the upload fails');
    assert.equal(error.originalResponse.getStatus(), 401);
    assert.match(error.originalResponse.getBody(), /signature/);
    assert.equal(await created(), before);
  });
});
