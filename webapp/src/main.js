// The app's shell: finds its node (from the sidecar that served it), connects, offers the
// accounts, and shows one page per hash route: `#/` catalogue, `#/watch/<id>`, `#/upload`.
import { loadAccounts, remember, remembered } from './accounts.js';
import { connect } from './chain.js';
import { h, notice, replace } from './dom.js';
import { catalogue } from './pages/catalogue.js';
import { upload } from './pages/upload.js';
import { watch } from './pages/watch.js';
import { health } from './sidecar.js';

/** What every page shares: the connection, the accounts and the one chosen. */
const app = { api: null, provider: null, isDev: false, chain: '', accounts: [], account: null };

const pages = [
  [/^#?\/?$/, catalogue],
  [/^#\/watch\/(0x[0-9a-fA-F]{64}|[0-9a-fA-F]{64})$/, watch],
  [/^#\/upload$/, upload],
];

let leave = null;

/** Shows the page of the current hash, after letting the previous one clean up. */
async function route() {
  leave?.();
  leave = null;
  const root = document.getElementById('page');
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', link.getAttribute('href') === (location.hash || '#/').replace(/^#\/watch\/.*/, '#/'));
  }
  const match = pages.map(([pattern, page]) => [location.hash.match(pattern), page]).find(([m]) => m);
  if (!match) {
    replace(root, h('section', { class: 'page' }, notice('warn', 'There is no such page. ', h('a', { href: '#/' }, 'See the videos'))));
    return;
  }
  const [[, param], page] = match;
  const token = {};
  leave = () => { token.left = true; };
  const cleanup = await page(root, app, param, () => token.left).catch((error) => {
    replace(root, h('section', { class: 'page' }, notice('error', `This page failed: ${error.message}`)));
    return null;
  });
  if (token.left) cleanup?.();
  else leave = () => { token.left = true; cleanup?.(); };
}

/** The header's account picker: extension accounts by wallet, then the dev accounts. */
function accountPicker(warnings) {
  const picker = h('label', { class: 'account' }, h('span', { class: 'account-label' }, 'Account'));
  if (!app.accounts.length) {
    picker.append(h('span', { class: 'muted', title: warnings.join(' ') }, 'none: install a wallet extension'));
    return picker;
  }
  const groups = new Map();
  for (const account of app.accounts) {
    const group = account.source === 'dev' ? 'Dev accounts (public keys, dev chains only)' : `Wallet: ${account.source}`;
    if (!groups.has(group)) groups.set(group, h('optgroup', { label: group }));
    groups.get(group).append(h('option', { value: account.key, selected: account === app.account }, `${account.name}${account.source === 'dev' ? ' (dev)' : ''}`));
  }
  const select = h('select', {
    id: 'account-select',
    'aria-label': 'Account',
    onchange: () => {
      app.account = app.accounts.find((a) => a.key === select.value);
      remember(app.account);
      route();
    },
  }, ...groups.values());
  picker.append(select);
  return picker;
}

/** Keeps the footer's line on the chain up to date. */
async function followChain(status) {
  const line = (text, kind = 'ok') => {
    status.dataset.state = kind;
    status.textContent = text;
  };
  app.api.on('disconnected', () => line('Connection to the node lost, reconnecting…', 'warn'));
  await app.api.rpc.chain.subscribeNewHeads((header) => line(`${app.chain} · block #${header.number.toNumber().toLocaleString('en-US')}`));
}

async function boot() {
  const root = document.getElementById('page');
  const status = document.getElementById('chain-status');
  replace(root, h('section', { class: 'page' }, h('div', { class: 'spinner', role: 'status' }, 'Connecting to POP Network…')));
  try {
    // The node is the one this sidecar names, unless the address says `?rpc=`.
    const rpc = new URLSearchParams(location.search).get('rpc') ?? (await health()).node_rpc;
    if (!rpc) throw new Error('this sidecar names no node (no node_rpc in /health): add ?rpc=ws://… to the address');
    status.textContent = `Connecting to ${rpc}…`;
    Object.assign(app, await connect(rpc));
    const { accounts, warnings } = await loadAccounts({ isDev: app.isDev, ss58Format: app.api.registry.chainSS58 ?? 42 });
    app.accounts = accounts;
    app.account = remembered(accounts);
    replace(document.getElementById('account'), accountPicker(warnings));
    await followChain(status);
  } catch (error) {
    status.dataset.state = 'error';
    status.textContent = 'Not connected';
    replace(root, h('section', { class: 'page' }, notice('error', `Cannot reach POP Network: ${error.message}. `, h('button', { onclick: () => location.reload() }, 'Try again'))));
    return;
  }
  window.addEventListener('hashchange', route);
  await route();
}

boot();
