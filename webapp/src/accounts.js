// The accounts a person can act as: those of Polkadot.js-compatible extensions
// (`window.injectedWeb3`, asked once as "POP Network") and, on development chains only, the
// well-known dev accounts (//Alice…), labelled as such since their keys are public. Each is
// `{ key, address, name, source, signRaw(message), signAndSend(tx, callback) }`.
import { web3Accounts, web3Enable, web3FromSource } from '@polkadot/extension-dapp';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const DEV_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];
const STORAGE_KEY = 'pop.account';

/** An extension's account: the extension signs, and may ask its user first. */
function extensionAccount({ address, meta }) {
  const signer = async () => (await web3FromSource(meta.source)).signer;
  return {
    key: `${meta.source}:${address}`,
    address,
    name: meta.name || address,
    source: meta.source,
    async signRaw(message) {
      const { signature } = await (await signer()).signRaw({ address, data: u8aToHex(message), type: 'bytes' });
      return signature;
    },
    async signAndSend(tx, callback) {
      return tx.signAndSend(address, { signer: await signer() }, callback);
    },
  };
}

/** A dev account, signed in the page with its public dev key. */
function devAccount(keyring, name) {
  const pair = keyring.addFromUri(`//${name}`);
  return {
    key: `dev:${pair.address}`,
    address: pair.address,
    name,
    source: 'dev',
    // The extension wraps raw messages in <Bytes>…</Bytes>; sidecars accept both, one way serves.
    signRaw: async (message) => u8aToHex(pair.sign(u8aWrapBytes(message))),
    signAndSend: (tx, callback) => tx.signAndSend(pair, callback),
  };
}

/**
 * The accounts on offer: every injected extension's, then (when `isDev`) the dev accounts.
 * `warnings` says why an extension gave none (none installed, access refused).
 */
export async function loadAccounts({ isDev, ss58Format }) {
  const accounts = [];
  const warnings = [];
  const extensions = await web3Enable('POP Network');
  if (extensions.length) {
    const injected = await web3Accounts({ ss58Format });
    accounts.push(...injected.filter((a) => !a.type || a.type === 'sr25519' || a.type === 'ed25519').map(extensionAccount));
    if (!injected.length) warnings.push('Your wallet extension shares no account with POP Network.');
  } else {
    warnings.push('No wallet extension found (or access refused).');
  }
  if (isDev) {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519', ss58Format });
    accounts.push(...DEV_NAMES.map((name) => devAccount(keyring, name)));
  }
  return { accounts, warnings };
}

/** The account chosen last time (by key), if still on offer, else the first. */
export function remembered(accounts) {
  const key = localStorage.getItem(STORAGE_KEY);
  return accounts.find((a) => a.key === key) ?? accounts[0] ?? null;
}

/** Remembers `account` as the one chosen. */
export function remember(account) {
  localStorage.setItem(STORAGE_KEY, account.key);
}
