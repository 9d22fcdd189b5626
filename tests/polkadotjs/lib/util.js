// What the Polkadot.js end-to-end tests share: the POP unit, waiting by polling with a
// deadline, the dev accounts, and balances, blocks, eras, events and errors as @polkadot/api
// reads them.
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

/** One POP in planck (12 decimals). */
export const POP = 10n ** 12n;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `check` every `every` ms until it returns something truthy, and returns that. Throws
 * once `seconds` have passed, naming `what` and adding `context()` (say, a log tail) to the
 * message; an error thrown by `check` ends the wait at once.
 */
export async function waitFor(what, check, seconds, { every = 500, context } = {}) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${seconds} s waiting for ${what}${context ? `:\n${context()}` : ''}`);
    }
    await sleep(every);
  }
}

const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

/**
 * The sr25519 keyring with SS58 prefix 42, once the crypto WASM is ready: `{ keyring, alice,
 * bob, charlie, dave, eve, ferdie }`, each dev account's pair under its name in lower case.
 */
export async function devKeys() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const pairs = DEV_NAMES.map((name) => [name.toLowerCase(), keyring.addFromUri(`//${name}`)]);
  return { keyring, ...Object.fromEntries(pairs) };
}

/** `{ free, held }` of `pair`, in planck, at block hash `at` (default: the best block). */
export async function balances(api, pair, at) {
  const { data } = await (at ? await api.at(at) : api).query.system.account(pair.address);
  return { free: data.free.toBigInt(), held: data.reserved.toBigInt() };
}

/** The free balance of `pair` at `at` (default: the best block). */
export const free = async (api, pair, at) => (await balances(api, pair, at)).free;

/** The held (reserved) balance of `pair` at `at` (default: the best block). */
export const held = async (api, pair, at) => (await balances(api, pair, at)).held;

/** `section.name` of a module `dispatchError`, as the metadata names it. */
export function decoded(dispatchError) {
  assert.ok(dispatchError?.isModule, `expected a module error, got ${dispatchError}`);
  const { section, name } = dispatchError.registry.findMetaError(dispatchError.asModule);
  return `${section}.${name}`;
}

/** The first of `events` that is `section.method`. */
export const findEvent = (events, section, method) =>
  events.find((e) => e.section === section && e.method === method);

/** The fee an extrinsic paid, from its `events`. */
export const feeOf = (events) =>
  findEvent(events, 'transactionPayment', 'TransactionFeePaid').data.actualFee.toBigInt();

/**
 * An array that fills, as blocks come, with the events of `sections` in each new best block
 * (until `api` disconnects).
 */
export async function collectEvents(api, sections) {
  const events = [];
  await api.query.system.events((records) => {
    for (const { event } of records) if (sections.includes(event.section)) events.push(event);
  });
  return events;
}

/** The number of the best block. */
export const bestNumber = async (api) => (await api.rpc.chain.getHeader()).number.toNumber();

/** The number of the last finalized block. */
export const finalizedNumber = async (api) =>
  (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();

/** Waits until `count` blocks past the best one now are authored, for at most `seconds`. */
export async function waitForBlocks(api, count, seconds, options) {
  const target = (await bestNumber(api)) + count;
  await waitFor(`block #${target}`, async () => (await bestNumber(api)) >= target, seconds, options);
}

/** Waits until `count` blocks past the finalized one now are finalized, for at most `seconds`. */
export async function waitForFinalized(api, count, seconds, options) {
  const target = (await finalizedNumber(api)) + count;
  await waitFor(`finality past #${target}`, async () => (await finalizedNumber(api)) >= target, seconds, options);
}

/** The era the delegation pallet is in. */
export const currentEra = async (api) => (await api.query.delegation.currentEra()).toNumber();

/** Waits until era `era` has begun, for at most `seconds`. */
export async function waitForEra(api, era, seconds, options) {
  await waitFor(`era ${era}`, async () => (await currentEra(api)) >= era, seconds, options);
}

/** The addresses of the masternodes elected for this era. */
export const activeSet = async (api) => (await api.query.delegation.activeSet()).map(String);

/** The addresses of this session's validators. */
export const validators = async (api) => (await api.query.session.validators()).map(String);
