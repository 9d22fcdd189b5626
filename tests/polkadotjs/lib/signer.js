// Signing as a Polkadot.js extension does, with a keyring pair: what a wallet stand-in (an
// injected account in a browser test) answers to a dapp's `signPayload` and `signRaw`.
import { hexToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';

/**
 * `pair`'s signature of an extrinsic's `SignerPayloadJSON`, made with `api`'s registry (the
 * chain's types and signed extensions), as an extension's `signPayload` returns it.
 */
export function signPayload(api, pair, payload) {
  const extrinsicPayload = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
  return extrinsicPayload.sign(pair).signature;
}

/** `pair`'s signature of raw `data` (`0x`-hex), wrapped in `<Bytes>` as an extension's `signRaw` signs. */
export const signRaw = (pair, data) => u8aToHex(pair.sign(u8aWrapBytes(hexToU8a(data))));
