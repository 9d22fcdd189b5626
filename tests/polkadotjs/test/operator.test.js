// The operator's command line, `pop-sidecar key | masternode | status`, against a real dev
// pop-node and Alice's masternode's pop-sidecar: every subcommand, its output, its effect on
// chain as @polkadot/api reads it, and the decoded error of each bad call. Dave's masternode
// runs no sidecar, so it misses its challenges, is jailed, and unjails with the CLI once its
// term is over; Eve registers, deregisters and withdraws her bond after the bonding duration.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendOk, startDevNode, startNode } from '../lib/node.js';
import { metric, sidecarCommand, startSidecar, upload } from '../lib/sidecar.js';
import { contentId } from '../lib/commitment.js';
import { registerContent } from '../lib/receipt.js';
import { collectEvents, currentEra, devKeys, held, POP, waitFor } from '../lib/util.js';
import { serveFrom } from '../lib/masternodes.js';

describe('the operator command line', { timeout: 15 * 60_000 }, () => {
  let node; let sidecar; let dir; let events;
  let keyring; let alice; let dave; let eve; let ferdie;
  let daveKeyFile; let daveProofKey;

  const until = (what, check, seconds = 120) => waitFor(what, check, seconds, {
    context: () => `node:\n${node.logTail()}\nsidecar:\n${sidecar.logTail()}`,
  });
  /** `pop-sidecar masternode <args>` against the node, with `--json`. */
  const masternode = (operatorKey, ...args) => sidecarCommand(
    ['masternode', ...args, '--node-url', node.rpcUrl, '--json'],
    { env: { POP_OPERATOR_KEY: operatorKey } },
  );
  /** The call's decoded chain error, after checking it failed as a finalized block. */
  const failedWith = (result) => {
    assert.notEqual(result.code, 0, `expected a failure:\n${result.stdout}${result.stderr}`);
    assert.ok(result.json?.block > 0, `the failing block is named:\n${result.stdout}`);
    assert.equal(result.json.events.length, 0);
    assert.match(result.stderr, new RegExp(`${result.json.error.pallet}::${result.json.error.error}`));
    return `${result.json.error.pallet}::${result.json.error.error}`;
  };
  /** The events the call emitted, as `Pallet.Event`, after checking it succeeded. */
  const succeeded = (result) => {
    assert.equal(result.code, 0, `expected success:\n${result.stdout}${result.stderr}`);
    assert.ok(result.json.block > 0 && /^0x[0-9a-f]{64}$/.test(result.json.block_hash));
    return result.json.events;
  };
  const event = (events, pallet, name) => {
    const found = events.find((e) => e.pallet === pallet && e.event === name);
    assert.ok(found, `no ${pallet}.${name} in ${JSON.stringify(events)}`);
    return found.fields;
  };
  const record = async (who) => {
    const found = await node.api.query.masternodes.masternodes(who.address);
    return found.isSome ? found.unwrap().toJSON() : null;
  };
  const status = async (...args) => {
    const result = await sidecarCommand(['status', '--node-url', node.rpcUrl, '--json', ...args]);
    assert.equal(result.code, 0, result.stderr);
    return result.json;
  };
  const named = (method, who) => events.filter((e) => e.method === method
    && (!who || [e.data.operator, e.data.masternode].some((account) => account?.toString() === who.address)));

  before(async () => {
    ({ keyring, alice, dave, eve, ferdie } = await devKeys());
    dir = mkdtempSync(join(tmpdir(), 'pop-operator-'));
    node = await startDevNode();
    sidecar = await startSidecar({ nodeUrl: node.rpcUrl });
    await serveFrom(node.api, alice, sidecar.url);
    events = await collectEvents(node.api, ['masternodes', 'content']);
  }, { timeout: 4 * 60_000 });

  after(async () => {
    await sidecar?.stop();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('key generate makes a private key file, never overwrites it, and inspect reads it back', async () => {
    daveKeyFile = join(dir, 'dave-proof.key');
    const made = await sidecarCommand(['key', 'generate', '--file', daveKeyFile, '--json']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(statSync(daveKeyFile).mode & 0o777, 0o600);
    const phrase = readFileSync(daveKeyFile, 'utf8').trim();
    assert.equal(phrase.split(' ').length, 12);
    daveProofKey = keyring.addFromUri(phrase);
    assert.equal(made.json.account, daveProofKey.address);
    assert.equal(made.json.public, `0x${Buffer.from(daveProofKey.publicKey).toString('hex')}`);

    const again = await sidecarCommand(['key', 'generate', '--file', daveKeyFile]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /exists already/);
    assert.equal(readFileSync(daveKeyFile, 'utf8').trim(), phrase, 'the key is kept');

    const inspected = await sidecarCommand(['key', 'inspect', '--file', daveKeyFile, '--json']);
    assert.equal(inspected.json.account, daveProofKey.address);
    const text = await sidecarCommand(['key', 'inspect', '--file', daveKeyFile]);
    assert.match(text.stdout, new RegExp(`account ${daveProofKey.address}`));
    assert.doesNotMatch(text.stdout + inspected.stdout, new RegExp(phrase), 'the secret is never printed');
  });

  it('a key file others can read is refused, by key inspect and before any call is sent', async () => {
    const exposed = join(dir, 'exposed.key');
    assert.equal((await sidecarCommand(['key', 'generate', '--file', exposed])).code, 0);
    chmodSync(exposed, 0o644);
    const inspected = await sidecarCommand(['key', 'inspect', '--file', exposed]);
    assert.notEqual(inspected.code, 0);
    assert.match(inspected.stderr, /readable by others \(mode 0644\); run `chmod 600/);
    const register = await sidecarCommand(['masternode', 'register', '--node-url', node.rpcUrl,
      '--operator-key-file', exposed, '--bond', '2000', '--endpoint', 'http://127.0.0.1:9',
      '--proof-key-file', daveKeyFile, '--capacity', '1GiB', '--commission', '5']);
    assert.notEqual(register.code, 0);
    assert.match(register.stderr, /readable by others/);
    assert.equal(register.stdout, '', 'nothing was sent');
  });

  it('bad registrations fail with the chain\'s decoded error and change nothing', { timeout: 4 * 60_000 }, async () => {
    const register = (overrides = {}) => {
      const options = { bond: '2000', endpoint: 'http://127.0.0.1:9', 'proof-key-file': daveKeyFile, capacity: '1GiB', commission: '5', ...overrides };
      return masternode('//Dave', 'register', ...Object.entries(options).flatMap(([name, value]) => [`--${name}`, value]));
    };
    const heldBefore = await held(node.api, dave);
    assert.equal(failedWith(await register({ bond: '999.5' })), 'Masternodes::BondTooLow');
    assert.equal(failedWith(await register({ endpoint: 'ftp://127.0.0.1:9' })), 'Masternodes::InvalidEndpoint');
    // Wrong keys: the operator's own account, or a key another masternode signs with.
    const registerWith = (proofKey) => masternode('//Dave', 'register', '--bond', '2000', '--endpoint', 'http://127.0.0.1:9',
      '--proof-key-account', proofKey, '--capacity', '1GiB', '--commission', '5');
    assert.equal(failedWith(await registerWith(dave.address)), 'Masternodes::ProofKeyIsOperator');
    assert.equal(failedWith(await registerWith(keyring.addFromUri('//Alice//stash').address)), 'Masternodes::ProofKeyInUse');
    // A key that runs no masternode.
    assert.equal(failedWith(await masternode('//Eve', 'bond-more', '--amount', '10')), 'Masternodes::NotRegistered');
    assert.equal(await record(dave), null);
    assert.equal(await held(node.api, dave), heldBefore, 'no bond held');

    // Refused by the command line itself, before anything is signed.
    // An empty key would be the development phrase's root account, which anyone can use.
    const noKey = await sidecarCommand(['masternode', 'withdraw', '--node-url', node.rpcUrl], { env: { POP_OPERATOR_KEY: '' } });
    assert.notEqual(noKey.code, 0);
    assert.match(noKey.stderr, /the secret key is empty/);
    assert.equal(noKey.stdout, '', 'nothing was sent');
    // A secret pasted where an address belongs is not echoed; another network's address is refused.
    const pasted = await masternode('//Dave', 'fund', '--amount', '1', '--proof-key-account', '//Dave//my secret words');
    assert.match(pasted.stderr, /not an SS58 address/);
    assert.doesNotMatch(pasted.stderr + pasted.stdout, /secret words/);
    const polkadot = await masternode('//Dave', 'fund', '--amount', '1', '--proof-key-account', keyring.encodeAddress(daveProofKey.publicKey, 0));
    assert.match(polkadot.stderr, /another network \(prefix 0\); POP's is 42/);
    const badAmount = await masternode('//Dave', 'bond-more', '--amount', '1e3');
    assert.notEqual(badAmount.code, 0);
    assert.match(badAmount.stderr, /not an amount of POP/);
    const nothing = await masternode('//Dave', 'update');
    assert.match(nothing.stderr, /nothing to update/);
  });

  it('register, update, bond-more and unbond print their events and change the chain', { timeout: 4 * 60_000 }, async () => {
    const registered = succeeded(await masternode('//Dave', 'register', '--bond', '2000', '--endpoint', 'http://127.0.0.1:9',
      '--proof-key-file', daveKeyFile, '--capacity', '1GiB', '--commission', '5'));
    const fields = event(registered, 'Masternodes', 'Registered');
    // Amounts are JSON numbers while exact, strings beyond 2^53: BigInt() reads both.
    assert.deepEqual({ ...fields, bond: BigInt(fields.bond) }, { operator: dave.address, bond: 2000n * POP, proof_key: daveProofKey.address });
    let chain = await record(dave);
    assert.equal(BigInt(chain.bond), 2000n * POP);
    assert.equal(chain.proofKey, daveProofKey.address);
    assert.equal(chain.commission, 50_000_000);
    assert.equal(await held(node.api, dave), 2000n * POP);

    event(succeeded(await masternode('//Dave', 'update', '--commission', '7.5', '--capacity', '2GiB')), 'Masternodes', 'Updated');
    chain = await record(dave);
    assert.equal(chain.commission, 75_000_000);
    assert.equal(BigInt(chain.capacity), 2n << 30n);
    assert.equal(Buffer.from(chain.endpoint.slice(2), 'hex').toString(), 'http://127.0.0.1:9', 'what was not given stays');

    const bonded = event(succeeded(await masternode('//Dave', 'bond-more', '--amount', '100.5')), 'Masternodes', 'Bonded');
    assert.equal(BigInt(bonded.amount), 1005n * POP / 10n);
    const unbonded = event(succeeded(await masternode('//Dave', 'unbond', '--amount', '50')), 'Masternodes', 'Unbonded');
    assert.equal(unbonded.unlock_era, (await currentEra(node.api)) + 4);
    assert.equal(BigInt((await record(dave)).bond), 20505n * POP / 10n);
    assert.equal(failedWith(await masternode('//Dave', 'unbond', '--amount', '1100')), 'Masternodes::BondTooLow');
    assert.equal(failedWith(await masternode('//Dave', 'withdraw')), 'Masternodes::NothingToWithdraw');
    assert.equal(failedWith(await masternode('//Dave', 'unjail')), 'Masternodes::NotJailed');

    const shown = await status('--masternode', dave.address, '--sidecar-url', sidecar.url);
    assert.equal(shown.masternode, dave.address);
    assert.equal(shown.registered, true);
    assert.equal(BigInt(shown.bond), 20505n * POP / 10n);
    assert.equal(shown.proof_key, daveProofKey.address);
    assert.equal(shown.commission, '7.5%');
    assert.equal(shown.proof_key_spendable, '0');
    const text = await sidecarCommand(['status', '--node-url', node.rpcUrl, '--masternode', dave.address, '--sidecar-url', sidecar.url]);
    assert.match(text.stdout, /proof key +\S+ \(0 POP: fund it/);
    // A proof key pays its proofs' fees up front (valid ones get them back).
    const sent = event(succeeded(await masternode('//Dave', 'fund', '--amount', '10', '--proof-key-file', daveKeyFile)), 'Balances', 'Transfer');
    assert.deepEqual([sent.from, sent.to, BigInt(sent.amount)], [dave.address, daveProofKey.address, 10n * POP]);
    assert.equal(BigInt((await status('--masternode', dave.address)).proof_key_spendable), 10n * POP);
    assert.deepEqual(shown.unbonding, [{ amount: String(50n * POP), unlock_era: unbonded.unlock_era }]);
    assert.ok(shown.rank >= 1 && shown.rank <= shown.candidates, JSON.stringify(shown));
    assert.equal(shown.node.chain_type, 'Development');
  });

  it('status finds the masternode a sidecar serves, with its replicas and health', { timeout: 3 * 60_000 }, async () => {
    const shown = await status('--sidecar-url', sidecar.url);
    assert.equal(shown.masternode, alice.address, 'found through the sidecar\'s proof key');
    assert.equal(shown.status, 'Active');
    assert.equal(shown.sidecar.proof_key, keyring.addFromUri('//Alice//stash').address);
    assert.ok(shown.sidecar.disk_free_bytes > 0);
    assert.ok(shown.node.best >= shown.node.finalized && shown.node.finalized > 0);
    assert.match(shown.pending_rewards, /^\d+$/);
    const text = await sidecarCommand(['status', '--node-url', node.rpcUrl, '--sidecar-url', sidecar.url]);
    assert.match(text.stdout, new RegExp(`masternode +${alice.address}`));
    assert.match(text.stdout, /status +Active/);
    assert.match(text.stdout, /replicas +\d+ held/);
    assert.match(text.stdout, /rewards +[\d.]+ POP to claim/);
    const gone = await sidecarCommand(['status', '--node-url', node.rpcUrl, '--sidecar-url', 'http://127.0.0.1:9']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /give --masternode/);
  });

  let eveChunk;
  it('Eve registers and deregisters: her whole bond unbonds, and cannot be withdrawn yet', { timeout: 3 * 60_000 }, async () => {
    const eveKey = join(dir, 'eve-proof.key');
    assert.equal((await sidecarCommand(['key', 'generate', '--file', eveKey])).code, 0);
    succeeded(await masternode('//Eve', 'register', '--bond', '1000', '--endpoint', 'https://eve.example',
      '--proof-key-file', eveKey, '--capacity', '1GiB', '--commission', '0'));
    event(succeeded(await masternode('//Eve', 'deregister')), 'Masternodes', 'Deregistered');
    assert.equal(await record(eve), null);
    [eveChunk] = (await node.api.query.masternodes.unbonding(eve.address)).toJSON();
    assert.equal(BigInt(eveChunk.amount), 1000n * POP);
    assert.equal(failedWith(await masternode('//Eve', 'withdraw')), 'Masternodes::NothingToWithdraw');
    assert.equal(failedWith(await masternode('//Eve', 'unjail')), 'Masternodes::NotRegistered');
  });

  it('Dave\'s masternode confirms a replica, its sidecar dies, it is jailed; unjail waits for its term', { timeout: 9 * 60_000 }, async () => {
    const daveSidecar = await startSidecar({ nodeUrl: node.rpcUrl, options: ['--proof-key-file', daveKeyFile] });
    try {
      event(succeeded(await masternode('//Dave', 'update', '--endpoint', daveSidecar.url)), 'Masternodes', 'Updated');
      await until('Dave in the active set', async () => (await record(dave))?.status === 'Active', 150);
      const bytes = randomBytes(64 * 1024 + 5);
      const id = contentId(bytes);
      const { receipt } = await upload(sidecar.url, ferdie, bytes);
      await sendOk(registerContent(node.api, { content: id, size: bytes.length, mime: 'video/mp4', title: 'Held by two', replication: 2, uploader: alice.address }, receipt), ferdie);
      // Status reads the finalized block: Dave's sidecar fetches the replica and confirms it.
      const held = await until('the replica held in Dave\'s status, found through his sidecar', async () => {
        const shown = await status('--sidecar-url', daveSidecar.url);
        return shown.replicas.held === 1 && shown;
      }, 120);
      assert.equal(held.masternode, dave.address);
      assert.equal(held.replicas.items[0].content, id);
      assert.equal(held.sidecar.proof_key, daveProofKey.address);
      await daveSidecar.kill();
    } finally {
      await daveSidecar.stop();
    }

    await until('Dave jailed', () => named('Jailed', dave).length > 0, 240);
    // Seen in a best block; status reads the finalized one.
    const jailed = await until('Dave jailed in his status', async () => {
      const shown = await status('--masternode', dave.address, '--sidecar-url', sidecar.url);
      return shown.status === 'Jailed' && shown;
    }, 60);
    assert.equal(jailed.rank, null, 'a jailed masternode is not electable');
    assert.ok(jailed.jailed_until > jailed.era);
    // His sidecar, back, tells Prometheus of the jail (PopMasternodeJailed) until the unjail.
    const back = await startSidecar({ nodeUrl: node.rpcUrl, options: ['--proof-key-file', daveKeyFile] });
    try {
      const jailedGauge = () => metric(back.url, 'pop_sidecar_masternode_jailed ');
      await until('the jail in Dave\'s sidecar\'s metrics', async () => (await jailedGauge()) === 1, 60);
      assert.equal(failedWith(await masternode('//Dave', 'unjail')), 'Masternodes::StillJailed');
      assert.equal(failedWith(await masternode('//Dave', 'deregister')), 'Masternodes::StillJailed');
      await until('Dave\'s jail term over', async () => (await currentEra(node.api)) >= jailed.jailed_until, 200);
      event(succeeded(await masternode('//Dave', 'unjail')), 'Masternodes', 'Unjailed');
      const free = await record(dave);
      assert.equal(free.status, 'Idle');
      assert.equal(free.jailedUntil, null);
      await until('the unjail in Dave\'s sidecar\'s metrics', async () => (await jailedGauge()) === 0, 60);
    } finally {
      await back.stop();
    }
  });

  it('Eve withdraws her whole bond after the bonding duration', { timeout: 6 * 60_000 }, async () => {
    await until('Eve\'s bond unlocked', async () => (await currentEra(node.api)) >= eveChunk.unlockEra, 5 * 60);
    const withdrawn = event(succeeded(await masternode('//Eve', 'withdraw')), 'Masternodes', 'Withdrawn');
    assert.equal(BigInt(withdrawn.amount), 1000n * POP);
    assert.equal(await held(node.api, eve), 0n);
    assert.deepEqual((await node.api.query.masternodes.unbonding(eve.address)).toJSON(), []);
  });
});

describe('pop-sidecar run on a live chain', { timeout: 5 * 60_000 }, () => {
  let node; let dir;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pop-live-'));
    // The production spec names no key this node holds: it produces nothing, and answers RPC.
    node = await startNode(['--chain', join(fileURLToPath(import.meta.url), '../../../../chain-specs/production.raw.json')]);
  }, { timeout: 3 * 60_000 });

  after(async () => {
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  const run = (...args) => sidecarCommand(['run', '--node-url', node.rpcUrl, '--listen', '127.0.0.1:0',
    '--data-dir', join(dir, 'data'), ...args], { seconds: 20 });

  it('refuses to start with a public development proof key, given or by default', async () => {
    assert.equal((await node.api.rpc.system.chainType()).toString(), 'Live');
    for (const key of [[], ['--proof-key', '//Alice//stash'], ['--proof-key', '//Bob']]) {
      const result = await run(...key);
      assert.notEqual(result.code, 0, `${key}: ${result.stderr}`);
      assert.match(result.stderr, /derives from the public development phrase.*`Live`.*key generate/s, `${key}`);
      assert.doesNotMatch(result.stderr, /pop-sidecar serving/, 'nothing was served');
    }
  });

  it('starts with a key of its own from a key file', { timeout: 60_000 }, async () => {
    const keyFile = join(dir, 'proof.key');
    const made = await sidecarCommand(['key', 'generate', '--file', keyFile, '--json']);
    // Runs until the command's deadline stops it (SIGTERM: a clean exit).
    const result = await run('--proof-key-file', keyFile);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /pop-sidecar serving/);
    assert.match(result.stderr, new RegExp(`connected to the node.*proof_key=${made.json.account}.*chain_type="Live"`));
  });
});
