// Puts content on a live dev chain as a creator would, for scripts/load-test.sh: Alice points
// her masternode's endpoint at the sidecar, Dave uploads each file to it through tus, registers
// them all (free, one holder) in one `utility.batchAll` with the receipts the sidecar gave, and
// the sidecar confirms its replicas. Prints, per file, `<file> <content URL>` with the URL that
// `content_locate` names, as a dapp would find it.
//
//   node tools/register-content.js <node ws URL> <sidecar URL> <file>...
import { readFileSync } from 'node:fs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { contentId } from '../lib/commitment.js';
import { serveFrom } from '../lib/masternodes.js';
import { sendOk } from '../lib/node.js';
import { registerContent } from '../lib/receipt.js';
import { upload } from '../lib/sidecar.js';
import { devKeys, waitFor } from '../lib/util.js';

const [nodeUrl, sidecarUrl, ...files] = process.argv.slice(2);
if (!nodeUrl || !sidecarUrl || files.length === 0) {
  console.error('usage: register-content.js <node ws URL> <sidecar URL> <file>...');
  process.exit(2);
}
const { alice, dave } = await devKeys();
const api = await ApiPromise.create({ provider: new WsProvider(nodeUrl), noInitWarn: true, throwOnConnect: true });
try {
  await serveFrom(api, alice, sidecarUrl);
  const items = [];
  for (const [index, file] of files.entries()) {
    const bytes = readFileSync(file);
    const { receipt } = await upload(sidecarUrl, dave, bytes, { filename: `film-${index}.mp4` });
    items.push({ file, id: contentId(bytes), size: bytes.length, receipt });
  }
  const registrations = items.map(({ id, size, receipt }, index) => registerContent(api,
    { content: id, size, mime: 'video/mp4', title: `Load test ${index}`, uploader: alice.address }, receipt));
  await sendOk(api.tx.utility.batchAll(registrations), dave);
  const confirmed = async ({ id }) => (await api.query.content.contents(id)).unwrap().replicas
    .every((replica) => replica.confirmed.isTrue);
  for (const item of items) {
    await waitFor(`${item.id} confirmed`, () => confirmed(item), 120);
    const location = await api._rpcCore.provider.send('content_locate', [item.id]);
    const url = location?.holders?.[0]?.url;
    if (!url?.startsWith(sidecarUrl)) throw new Error(`content_locate of ${item.id}: ${JSON.stringify(location)}`);
    console.log(`${item.file} ${url}`);
  }
} finally {
  await api.disconnect();
}
