// Masternodes as the end-to-end tests set them up: a genesis masternode pointed at its sidecar,
// and a new one registered and served by another.
import { sendOk } from './node.js';
import { POP } from './util.js';

/** Points `operator`'s masternode at its sidecar's public URL `endpoint`. */
export function serveFrom(api, operator, endpoint) {
  const update = { endpoint, proofKey: null, capacity: null, commission: null };
  return sendOk(api.tx.masternodes.update(update), operator);
}

/**
 * Registers a masternode for `operator`, served at `endpoint`, its proofs signed by the pair
 * `proofKey`: 2,000 POP bonded, 1 GiB offered, 5 % commission unless told otherwise.
 */
export function registerMasternode(api, operator, endpoint, proofKey, { bond = 2_000n * POP, capacity = 1n << 30n, commission = 50_000_000 } = {}) {
  return sendOk(api.tx.masternodes.register(bond, endpoint, proofKey.address, capacity, commission), operator);
}
