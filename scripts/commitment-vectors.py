#!/usr/bin/env python3
"""Writes pallets/primitives/test-vectors/commitment.json: content commitment test vectors
computed independently of the Rust code, with Python's hashlib, from DESIGN.md's definition.

Content of n bytes is byte i = i mod 251. For each vector: the tree root, the ContentId and
the proof path of one leaf.
"""
import hashlib
import json
import os

LEAF = 1024


def sha(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def leaves(data):
    return [sha(b"\x00", data[i:i + LEAF].ljust(LEAF, b"\x00")) for i in range(0, len(data), LEAF)]


def up(level):
    return [sha(b"\x01", level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)]


def root_and_path(level, index):
    path = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        level, index = up(level), index // 2
    return level[0], path


CASES = [
    ("one byte", 1, 0),
    ("one full leaf", LEAF, 0),
    ("a leaf and a byte", LEAF + 1, 1),
    ("three leaves", 3 * LEAF, 2),
    ("five leaves, odd levels", 5 * LEAF - 1, 4),
    ("one chunk", 256 * LEAF, 200),
    ("a chunk and a leaf", 256 * LEAF + 1, 256),
    ("three chunks and change", 3 * 256 * LEAF + 7 * LEAF + 3, 700),
    ("one MiB", 1 << 20, 1023),
]

vectors = []
for name, size, index in CASES:
    data = bytes(i % 251 for i in range(size))
    root, path = root_and_path(leaves(data), index)
    vectors.append({
        "name": name,
        "size": size,
        "root": root.hex(),
        "id": sha(b"\x02", root, size.to_bytes(8, "little")).hex(),
        "proof": {"index": index, "path": [h.hex() for h in path]},
    })

out = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "../pallets/primitives/test-vectors/commitment.json")
with open(out, "w") as f:
    json.dump({
        "definition": "leaf = sha256(0x00 || leaf zero-padded to 1024 bytes); node = sha256(0x01 || left || right), "
                      "a level's odd last node moves up unchanged; id = sha256(0x02 || root || size as u64 LE)",
        "content": "byte i of the content is i mod 251",
        "vectors": vectors,
    }, f, indent=1)
    f.write("\n")
print(f"wrote {os.path.normpath(out)}")
