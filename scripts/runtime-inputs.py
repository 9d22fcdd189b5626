#!/usr/bin/env python3
"""Prints a digest of everything the runtime is built from, for chain-specs/runtime-inputs.

A wasm build is not byte-for-byte reproducible across checkout paths, so the chain-spec test
cannot compare the committed runtime code with a fresh build by its bytes. It compares this
digest instead: the sources and manifests of the runtime and of every pallet it links (tests
and mocks aside, which never reach the wasm), the workspace manifest, and the locked version
of every crate the runtime depends on. Any change to one of them, logic included, changes
the digest; `scripts/gen-chain-specs.sh` records it beside the specs it writes.

    runtime-inputs.py [--list]    # the digest, or the files and crates it covers
"""
import hashlib
import os
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIRS = ["runtime", "pallets"]
# Compiled only into test builds.
SKIPPED_DIRS = {"tests", "target", "node_modules", "integration-tests"}
SKIPPED_FILES = {"tests.rs", "mock.rs"}


def source_files():
    files = ["Cargo.toml"]
    for top in SOURCE_DIRS:
        for folder, dirs, names in os.walk(os.path.join(ROOT, top)):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            files += [os.path.relpath(os.path.join(folder, name), ROOT)
                      for name in sorted(names) if name not in SKIPPED_FILES]
    return sorted(files)


def locked_dependencies(root_package="pop-runtime"):
    """`name version source` of every locked crate reachable from `root_package`."""
    with open(os.path.join(ROOT, "Cargo.lock"), "rb") as f:
        packages = tomllib.load(f)["package"]
    by_name = {}
    for package in packages:
        by_name.setdefault(package["name"], []).append(package)

    def resolve(reference):
        # "name", or "name version" when several versions are locked.
        name, _, version = reference.partition(" ")
        candidates = by_name[name]
        return next(p for p in candidates if not version or p["version"] == version.split()[0])

    seen, stack = {}, [resolve(root_package)]
    while stack:
        package = stack.pop()
        key = f"{package['name']} {package['version']}"
        if key in seen:
            continue
        seen[key] = f"{key} {package.get('source', 'path')} {package.get('checksum', '')}"
        stack += [resolve(dependency) for dependency in package.get("dependencies", [])]
    return sorted(seen.values())


def main():
    files, crates = source_files(), locked_dependencies()
    if "--list" in sys.argv:
        print("\n".join(files + crates))
        return
    digest = hashlib.sha256()
    for path in files:
        with open(os.path.join(ROOT, path), "rb") as f:
            digest.update(f"{path}\0{hashlib.sha256(f.read()).hexdigest()}\n".encode())
    for crate in crates:
        digest.update(f"{crate}\n".encode())
    print(digest.hexdigest())


if __name__ == "__main__":
    main()
