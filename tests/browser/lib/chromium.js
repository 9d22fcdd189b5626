// Debian's Chromium, headless, driven by playwright-core (never a browser of its own), with a
// fresh profile per run, a wallet stand-in injected into every page, network throttling and
// screenshots.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** The Chromium binary: `$CHROMIUM_BIN`, else Debian's. */
export const chromiumBinary = () => process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

// Quiet and deterministic: no background traffic, no QUIC, no first-run pages; video may play
// without a click, as it would after a viewer's. `--headless` is playwright's (`headless: true`).
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Starts Chromium with a fresh user-data-dir. Returns `{ context, close }`; pages of
 * `context` log their console errors into `consoleErrors`.
 */
export async function launchChromium({ viewport = { width: 1366, height: 860 } } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'pop-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumBinary(),
    headless: true,
    args: ARGS,
    viewport,
    timeout: 60_000,
  });
  const consoleErrors = [];
  context.on('page', (page) => watchConsole(page, consoleErrors));
  for (const page of context.pages()) watchConsole(page, consoleErrors);
  return {
    context,
    consoleErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function watchConsole(page, errors) {
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(String(error)));
}

/**
 * Injects a Polkadot.js-extension-compatible wallet named `name` into every page of `context`
 * (`window.injectedWeb3[name]`), holding `pairs` (keyring pairs, labelled by `names`): the page
 * asks, the test's process signs with the pair (payloads through `api`'s registry). Returns
 * the log of what was signed: `{ kind: 'payload' | 'raw', address }`.
 */
export async function injectWallet(context, { name, pairs, names, sign }) {
  const signed = [];
  await context.exposeFunction('__popTestSign', (kind, request) => {
    const pair = pairs.find((p) => p.address === request.address);
    if (!pair) throw new Error(`the wallet holds no ${request.address}`);
    signed.push({ kind, address: request.address });
    return sign(kind, pair, request);
  });
  const accounts = pairs.map((pair, i) => ({ address: pair.address, name: names[i], type: 'sr25519' }));
  await context.addInitScript(({ walletName, walletAccounts }) => {
    let id = 0;
    const signer = {
      signPayload: async (payload) => ({ id: ++id, signature: await window.__popTestSign('payload', payload) }),
      signRaw: async (raw) => ({ id: ++id, signature: await window.__popTestSign('raw', raw) }),
    };
    window.injectedWeb3 = {
      ...window.injectedWeb3,
      [walletName]: {
        version: '1.0.0',
        enable: async () => ({
          accounts: {
            get: async () => walletAccounts,
            subscribe: (callback) => {
              callback(walletAccounts);
              return () => {};
            },
          },
          signer,
        }),
      },
    };
  }, { walletName: name, walletAccounts: accounts });
  return signed;
}

/**
 * The network of `page`, through the Chrome DevTools Protocol: its HTTP cache is turned off
 * (`Network.setCacheDisabled`), so every segment a test plays comes from a holder, not from
 * what an earlier step cached; `limit(bitsPerSecond, latencyMs)` throttles both ways
 * (`Network.emulateNetworkConditions`) and `lift()` ends it.
 */
export async function controlNetwork(page) {
  const session = await page.context().newCDPSession(page);
  await session.send('Network.enable');
  await session.send('Network.setCacheDisabled', { cacheDisabled: true });
  const emulate = (conditions) => session.send('Network.emulateNetworkConditions', { offline: false, ...conditions });
  return {
    limit: (bitsPerSecond, latencyMs = 40) =>
      emulate({ latency: latencyMs, downloadThroughput: bitsPerSecond / 8, uploadThroughput: bitsPerSecond / 8 }),
    lift: () => emulate({ latency: 0, downloadThroughput: -1, uploadThroughput: -1 }),
  };
}

/** Saves a full-page screenshot of `page` as `<dir>/<name>.png` and returns its path. */
export async function screenshot(page, dir, name) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
