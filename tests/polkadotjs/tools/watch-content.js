// Counts the storage-challenge events of a live chain's best blocks, for scripts/load-test.sh:
// whether a masternode's sidecar kept answering the chain while it was under load. Prints
// `deadline <blocks>` (how long a challenge stays open) at once, then runs until SIGTERM or
// SIGINT and prints
//   challenges issued=<n> accepted=<n> rejected=<n> missed=<n> faults=<n> excused=<n> blocks=<n>
//
//   node tools/watch-content.js <node ws URL>
import { ApiPromise, WsProvider } from '@polkadot/api';

const COUNTED = {
  ChallengeIssued: 'issued',
  ProofAccepted: 'accepted',
  ProofRejected: 'rejected',
  ChallengeMissed: 'missed',
  FaultRecorded: 'faults',
  FaultExcused: 'excused',
};

const [nodeUrl] = process.argv.slice(2);
if (!nodeUrl) {
  console.error('usage: watch-content.js <node ws URL>');
  process.exit(2);
}
const api = await ApiPromise.create({ provider: new WsProvider(nodeUrl), noInitWarn: true, throwOnConnect: true });
const counts = Object.fromEntries(Object.values(COUNTED).map((name) => [name, 0]));
let blocks = 0;
console.log(`deadline ${api.consts.content.challengeDeadline.toNumber()}`);
// The events of each new best block, read at that block.
const unsubscribe = await api.rpc.chain.subscribeNewHeads(async (header) => {
  const events = await (await api.at(header.hash)).query.system.events();
  blocks += 1;
  for (const { event } of events) {
    if (event.section === 'content' && COUNTED[event.method]) counts[COUNTED[event.method]] += 1;
  }
});

const stop = async () => {
  unsubscribe();
  console.log(`challenges ${Object.entries(counts).map(([name, n]) => `${name}=${n}`).join(' ')} blocks=${blocks}`);
  await api.disconnect();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
