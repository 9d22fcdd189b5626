// Tops up accounts on a live chain, for scripts/local-net.sh: a masternode's proof key pays its
// proofs' and confirmations' fees up front (refunded when valid), so a new one needs a few POP.
// For each `<secret URI>=<address>`, the secret URI's account sends the address what it lacks
// of <POP> free (`balances.transferKeepAlive`); the transfers go side by side, and each is
// waited for until finalized. Prints one line per account.
//
//   node tools/fund.js <node ws URL> <POP> <secret URI>=<address>...
import { connect, sendOk } from '../lib/node.js';
import { devKeys, free, POP } from '../lib/util.js';

const [nodeUrl, amount, ...pairs] = process.argv.slice(2);
if (!nodeUrl || !/^\d+$/.test(amount ?? '') || pairs.length === 0 || !pairs.every((pair) => pair.includes('='))) {
  console.error('usage: fund.js <node ws URL> <POP> <secret URI>=<address>...');
  process.exit(2);
}
const target = BigInt(amount) * POP;
const { keyring } = await devKeys();
const api = await connect(nodeUrl);
try {
  await Promise.all(pairs.map(async (pair) => {
    const [uri, address] = pair.split('=');
    const lacking = target - await free(api, { address });
    if (lacking > 0n) await sendOk(api.tx.balances.transferKeepAlive(address, lacking), keyring.addFromUri(uri));
    console.log(`${address}: ${lacking > 0n ? `sent ${lacking} planck` : 'already funded'}`);
  }));
} finally {
  await api.disconnect();
}
