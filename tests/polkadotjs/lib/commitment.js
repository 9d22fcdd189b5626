// The content commitment of pallets/primitives/src/commitment.rs, written again from its
// description so the tests check the runtime and the sidecar against an independent version:
// 1 KiB leaves, leaf = sha256(0x00 ‖ leaf zero-padded), node = sha256(0x01 ‖ left ‖ right), an
// odd last node moves up unchanged, id = sha256(0x02 ‖ root ‖ size as u64 LE).
import { createHash } from 'node:crypto';

export const LEAF_SIZE = 1024;

const sha256 = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

function leafHashes(bytes) {
  const leaves = [];
  for (let start = 0; start < bytes.length; start += LEAF_SIZE) {
    const padded = Buffer.alloc(LEAF_SIZE);
    Buffer.from(bytes.subarray(start, start + LEAF_SIZE)).copy(padded);
    leaves.push(sha256(Buffer.from([0]), padded));
  }
  return leaves;
}

function parentLevel(level) {
  const parents = [];
  for (let i = 0; i < level.length; i += 2) {
    parents.push(i + 1 < level.length ? sha256(Buffer.from([1]), level[i], level[i + 1]) : level[i]);
  }
  return parents;
}

function sizeLe(size) {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(BigInt(size));
  return buf;
}

/** The `0x`-hex content id of `bytes`. */
export function contentId(bytes) {
  let level = leafHashes(bytes);
  while (level.length > 1) level = parentLevel(level);
  return `0x${sha256(Buffer.from([2]), level[0], sizeLe(bytes.length)).toString('hex')}`;
}

/** The proof of leaf `index` of `bytes`: `{ index, leaf, path }` as `submit_proof` takes it. */
export function leafProof(bytes, index) {
  const leaf = bytes.subarray(index * LEAF_SIZE, (index + 1) * LEAF_SIZE);
  const path = [];
  let level = leafHashes(bytes);
  let position = index;
  while (level.length > 1) {
    if (position % 2 === 1) path.push(level[position - 1]);
    else if (position + 1 < level.length) path.push(level[position + 1]);
    level = parentLevel(level);
    position = Math.floor(position / 2);
  }
  return { index, leaf: `0x${Buffer.from(leaf).toString('hex')}`, path: path.map((h) => `0x${h.toString('hex')}`) };
}
