// The chain as the app reads and writes it: one @polkadot/api connection, the catalogue of
// videos (`content.videos` joined with `content.contents`), `content_locate`, grants, and
// extrinsics sent with their outcome decoded for a person.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { setUnit, text } from './format.js';

let connecting;

/**
 * Connects once to the node at `url` and resolves with `{ api, provider, isDev, chain }`.
 * `isDev` is true on development and local chains, where dev accounts are offered.
 */
export function connect(url) {
  connecting ??= (async () => {
    const provider = new WsProvider(url);
    const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
    const [chainType, chain] = await Promise.all([api.rpc.system.chainType(), api.rpc.system.chain()]);
    setUnit(api.registry.chainDecimals[0] ?? 12, api.registry.chainTokens[0] ?? 'POP');
    return { api, provider, chain: chain.toString(), isDev: chainType.isDevelopment || chainType.isLocal };
  })();
  connecting.catch(() => { connecting = undefined; });
  return connecting;
}

/** A video as the pages show it, from its `content.videos` record and `content.contents` entry. */
function videoOf(id, record, item) {
  return {
    id,
    title: text(item.title),
    owner: item.owner.toString(),
    price: item.price.toBigInt(),
    durationMs: record.durationMs.toNumber(),
    poster: record.poster.isSome ? record.poster.unwrap().toHex() : null,
    renditions: record.renditions.map((r) => ({
      content: r.content.toHex(),
      width: r.width.toNumber(),
      height: r.height.toNumber(),
      bandwidth: r.bandwidth.toNumber(),
    })),
  };
}

/** Every described video, newest registrations last as the chain keeps no order: by title. */
export async function listVideos(api) {
  if (!api.query.content?.videos) throw new Error('this chain keeps no video records (its runtime predates content.describeVideo)');
  const entries = await api.query.content.videos.entries();
  const ids = entries.map(([key]) => key.args[0].toHex());
  const items = ids.length ? await api.query.content.contents.multi(ids) : [];
  return entries
    .map(([, record], i) => (record.isSome && items[i].isSome ? videoOf(ids[i], record.unwrap(), items[i].unwrap()) : null))
    .filter(Boolean)
    .sort((a, b) => a.title.localeCompare(b.title));
}

/** The video `id` (`0x`-hex), or null when no video has that id. */
export async function getVideo(api, id) {
  if (!api.query.content?.videos) throw new Error('this chain keeps no video records (its runtime predates content.describeVideo)');
  const [record, item] = await Promise.all([api.query.content.videos(id), api.query.content.contents(id)]);
  return record.isSome && item.isSome ? videoOf(id, record.unwrap(), item.unwrap()) : null;
}

/**
 * `content_locate(id)`: `{ owner, size, mime, title, price, holders: [{ masternode, endpoint,
 * url }] }` or null. A node RPC that @polkadot/api has no definition of, so sent as is.
 */
export const locate = (provider, id) => provider.send('content_locate', [id]);

/** The endpoints of the sidecars holding any of `ids`, each once, in the order found. */
export async function holdersOf(provider, ids) {
  const located = await Promise.all(ids.map((id) => locate(provider, id)));
  const endpoints = located.flatMap((location) => location?.holders ?? []).map((holder) => holder.endpoint);
  return [...new Set(endpoints)];
}

/**
 * `find()` again every `every` ms until it gives a non-empty array, `seconds` at most (then the
 * empty array), or until `gaveUp()`: a video just registered has no confirmed holder for a
 * block or two.
 */
export async function whenHeld(find, { seconds = 90, every = 2000, gaveUp = () => false } = {}) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = await find();
    if (found.length || Date.now() > deadline || gaveUp()) return found;
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** The masternode whose sidecar is served at `endpoint` (its public URL), or null. */
export async function masternodeAt(api, endpoint) {
  const wanted = endpoint.replace(/\/+$/, '');
  const entries = await api.query.masternodes.masternodes.entries();
  const found = entries.find(([, info]) => info.isSome && text(info.unwrap().endpoint, '').replace(/\/+$/, '') === wanted);
  return found ? found[0].args[0].toString() : null;
}

/** Whether `viewer` holds an unexpired grant for `id` (`popToken.grants` ends at a block). */
export async function hasGrant(api, viewer, id) {
  const [grant, header] = await Promise.all([api.query.popToken.grants(viewer, id), api.rpc.chain.getHeader()]);
  return grant.isSome && grant.unwrap().toNumber() >= header.number.toNumber();
}

/** `section.name: docs` of a dispatch error, decoded with the chain's metadata. */
function describeError(api, dispatchError) {
  if (!dispatchError.isModule) return dispatchError.toString();
  const { section, name, docs } = api.registry.findMetaError(dispatchError.asModule);
  return `${section}.${name}${docs.length ? `: ${docs.join(' ')}` : ''}`;
}

/**
 * Signs `tx` as `account` (see accounts.js) and sends it. `onStatus(text)` hears its progress.
 * Resolves once it is in a block with `{ blockHash, blockNumber, events: [{ section, method,
 * data }], error }`, `error` being the decoded dispatch error or null; rejects if it never gets
 * into a block (refused by the pool, or by the signer).
 */
export function submit(api, tx, account, onStatus = () => {}) {
  return new Promise((resolve, reject) => {
    let unsubscribe;
    const finish = async (result) => {
      unsubscribe?.();
      const blockHash = result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized;
      const header = await api.rpc.chain.getHeader(blockHash);
      resolve({
        blockHash: blockHash.toHex(),
        blockNumber: header.number.toNumber(),
        events: result.events.map(({ event }) => ({ section: event.section, method: event.method, data: event.data.toHuman() })),
        error: result.dispatchError ? describeError(api, result.dispatchError) : null,
      });
    };
    onStatus('Waiting for the signature…');
    account.signAndSend(tx, (result) => {
      if (result.isError) {
        unsubscribe?.();
        reject(new Error(`the transaction was dropped (${result.status.type})`));
      } else if (result.status.isInBlock || result.status.isFinalized) {
        finish(result).catch(reject);
      } else {
        onStatus(`Transaction ${result.status.type.toLowerCase()}…`);
      }
    }).then((u) => { unsubscribe = u; }, reject);
  });
}
