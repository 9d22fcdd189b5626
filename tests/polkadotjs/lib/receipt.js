// Upload receipts (`UploadReceipt` in pallets/primitives/src/lib.rs): what
// `content.registerContent` takes as its last two arguments. A receipt is the uploader
// masternode's proof key's sr25519 signature over
//   `pop/upload-receipt/v1` ‖ owner (32 bytes) ‖ content id (32 bytes) ‖ size (u64 LE) ‖ expiry
//   in Unix ms (u64 LE),
// and its expiry. A sidecar hands one out with the response that completes an upload (and with
// every later HEAD of it): `Pop-Receipt-Expires` and `Pop-Receipt-Signature`. Tests that
// register without a sidecar sign one here with the masternode's dev proof key.
import assert from 'node:assert/strict';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { decodeAddress, signatureVerify } from '@polkadot/util-crypto';

/** The proof key of the dev chain's masternode (Alice's), as the genesis presets set it. */
export const DEV_PROOF_KEY = '//Alice//stash';

/** How long a receipt signed here is valid by default: the sidecar's default too. */
export const RECEIPT_VALIDITY_MS = 60 * 60 * 1000;

const DOMAIN = stringToU8a('pop/upload-receipt/v1');

const u64Le = (value) => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
};

/** An account given as an address or a keyring pair, as its 32 bytes. */
const accountBytes = (who) => decodeAddress(typeof who === 'string' ? who : who.address);

/**
 * The bytes a proof key signs for `owner`'s (address or pair) upload of `content` (`0x` hex
 * id), `size` bytes, valid until `expiresMs`.
 */
export function receiptPayload({ owner, content, size, expiresMs }) {
  return u8aConcat(DOMAIN, accountBytes(owner), hexToU8a(content), u64Le(size), u64Le(expiresMs));
}

/**
 * A receipt signed by `proofKey` (a keyring pair) for `owner`'s upload of `content`, `size`
 * bytes: `{ expiresMs: bigint, signature: '0x…' }`. `expiresMs` defaults to an hour from now.
 */
export function signReceipt(proofKey, { owner, content, size, expiresMs = Date.now() + RECEIPT_VALIDITY_MS }) {
  const signature = u8aToHex(proofKey.sign(receiptPayload({ owner, content, size, expiresMs })));
  return { expiresMs: BigInt(expiresMs), signature };
}

/**
 * The receipt a sidecar's response carries. `headers` is a fetch `Headers`, or a function
 * from a header name to its value (tus-js-client's `response.getHeader.bind(response)`).
 */
export function receiptFromHeaders(headers) {
  const get = typeof headers === 'function' ? headers : (name) => headers.get(name);
  const expires = get('Pop-Receipt-Expires');
  const signature = get('Pop-Receipt-Signature');
  assert.match(expires ?? '', /^\d+$/, `Pop-Receipt-Expires: ${expires}`);
  assert.match(signature ?? '', /^0x[0-9a-f]{128}$/, `Pop-Receipt-Signature: ${signature}`);
  return { expiresMs: BigInt(expires), signature };
}

/** Whether `receipt` is `proofKey`'s (an address or pair) for `owner`'s upload of `content`. */
export function verifyReceipt(proofKey, { owner, content, size }, receipt) {
  const message = receiptPayload({ owner, content, size, expiresMs: receipt.expiresMs });
  const address = typeof proofKey === 'string' ? proofKey : proofKey.address;
  return signatureVerify(message, receipt.signature, address).isValid;
}

/**
 * `content.registerContent` of `content` (`0x` hex id) with its receipt. `uploader` is the
 * masternode whose proof key signed `receipt`.
 */
export function registerContent(api, { content, size, mime, title, price = 0, replication = 1, uploader }, receipt) {
  return api.tx.content.registerContent(
    content, size, mime, title, price, replication, uploader,
    receipt.expiresMs, { Sr25519: receipt.signature },
  );
}
