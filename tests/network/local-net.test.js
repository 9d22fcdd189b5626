// The whole local network as an operator runs it: `scripts/local-net.sh --monitor` as a real
// process (three validators, their masternodes' sidecars, Prometheus) on free ports and a
// temporary folder, then `scripts/demo.sh`. Checks that the three masternodes hold the video
// and answer challenges and that Prometheus scrapes all six targets; that alice's pop-node
// killed with SIGKILL is restarted by the script's supervisor and the network recovers with
// nothing lost; that bob's sidecar stopped with SIGTERM stays stopped and fires its alert; and
// that SIGTERM to the script leaves no process behind. Run by scripts/network-test.sh, alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { contentId } from '../polkadotjs/lib/commitment.js';
import { connect } from '../polkadotjs/lib/node.js';
import { startProcess } from '../polkadotjs/lib/process.js';
import { metric, sidecarCommand } from '../polkadotjs/lib/sidecar.js';
import { bestNumber, collectEvents, devKeys, finalizedNumber, waitFor } from '../polkadotjs/lib/util.js';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NAMES = ['alice', 'bob', 'charlie'];
// What local-net.sh prints once everything serves.
const RUNNING = 'running; Ctrl-C or SIGTERM stops everything';

/** Whether TCP `port` on loopback can be bound now. */
const isFree = (port) => new Promise((resolve) => {
  const server = createServer();
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
});

/** The ports of a network at `offset`, as local-net.sh assigns them. */
const portsAt = (offset) => ({
  rpc: NAMES.map((_, i) => 9944 + offset + i),
  p2p: NAMES.map((_, i) => 30333 + offset + i),
  nodeMetrics: NAMES.map((_, i) => 9615 + offset + i),
  sidecar: NAMES.map((_, i) => 8080 + offset + i),
  prometheus: 9090 + offset,
});

/** A random port offset whose every port is free now (below the kernel's ephemeral range). */
async function freeOffset() {
  for (;;) {
    const offset = 1000 + 10 * randomInt(0, 150);
    const { rpc, p2p, nodeMetrics, sidecar, prometheus } = portsAt(offset);
    const free = await Promise.all([...rpc, ...p2p, ...nodeMetrics, ...sidecar, prometheus].map(isFree));
    if (free.every(Boolean)) return offset;
  }
}

/** Whether process `pid` exists. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pids of every process of the network in `dir`: each inherits `LOCAL_NET_DIR=<dir>` from
 * the script (this test sets it after its own start, so its own environment lacks it).
 */
function processesUnder(dir) {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`LOCAL_NET_DIR=${dir}`);
    } catch {
      return false; // gone meanwhile
    }
  }).map(Number).filter((pid) => pid !== process.pid);
}

/** Whether the node's JSON-RPC on `port` answers `system_health`. */
const rpcHealthy = (port) => fetch(`http://127.0.0.1:${port}`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'system_health', params: [] }),
}).then((response) => response.ok, () => false);

describe('local network: local-net.sh --monitor, demo.sh, supervision and alerts', { timeout: 30 * 60_000 }, () => {
  let dir; let ports; let script; let scriptLog;
  let aliceApi; let bobApi; let keys;
  let video; let parts;

  const sidecarUrl = (i) => `http://127.0.0.1:${ports.sidecar[i]}`;
  const prometheusUrl = () => `http://127.0.0.1:${ports.prometheus}`;
  const pidOf = (name) => Number(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8'));
  const tail = (file, lines = 25) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(none)');
  /** The script's output and the last lines of each of `logs` (names under logs/). */
  const diagnostics = (...logs) => () => [`local-net.sh:\n${tail(scriptLog, 40)}`,
    ...logs.map((name) => `${name}.log:\n${tail(join(dir, 'logs', `${name}.log`))}`)].join('\n');
  const until = (what, check, seconds, ...logs) => waitFor(what, check, seconds, { every: 1_000, context: diagnostics(...logs) });
  /** Prometheus's HTTP API answer to `path`, its `data`. */
  const prometheus = async (path) => {
    const body = await (await fetch(`${prometheusUrl()}${path}`)).json();
    assert.equal(body.status, 'success', JSON.stringify(body));
    return body.data;
  };
  /** `up` of every target, as `{ "job/instance": value }`. */
  const upTargets = async () => Object.fromEntries((await prometheus('/api/v1/query?query=up')).result
    .map(({ metric: m, value }) => [`${m.job}/${m.instance}`, value[1]]));
  /** Whether every replica of every part of the video is confirmed by each of the three masternodes. */
  const heldByAll = async (api) => {
    for (const part of parts) {
      const item = await api.query.content.contents(part);
      if (item.isNone) return false;
      const { replicas } = item.unwrap().toJSON();
      const confirmed = (who) => replicas.some((r) => r.holder === who.address && r.confirmed);
      if (!NAMES.every((name) => confirmed(keys[name]))) return false;
    }
    return true;
  };
  const proofsBy = (events, who) => events.filter((e) => e.method === 'ProofAccepted' && e.data.masternode.toString() === who.address);

  before(async () => {
    keys = await devKeys();
    dir = mkdtempSync(join(tmpdir(), 'pop-network-test-'));
    const offset = await freeOffset();
    ports = portsAt(offset);
    process.env.LOCAL_NET_DIR = dir;
    process.env.LOCAL_NET_PORT_OFFSET = String(offset);
    scriptLog = join(dir, 'local-net.out');
    script = startProcess(join(repo, 'scripts/local-net.sh'), ['--monitor'], scriptLog);
    await script.ready((output) => output.includes(RUNNING), 300, 1_000);
    aliceApi = await connect(`ws://127.0.0.1:${ports.rpc[0]}`);
    bobApi = await connect(`ws://127.0.0.1:${ports.rpc[1]}`);
  }, { timeout: 6 * 60_000 });

  after(async () => {
    await aliceApi?.disconnect().catch(() => {});
    await bobApi?.disconnect().catch(() => {});
    await script?.stop();
    // Whatever a failed test left running, by pid: only this network's processes name its folder.
    if (dir) {
      for (const pid of processesUnder(dir)) process.kill(pid, 'SIGKILL');
      if (!process.env.POP_KEEP_NETWORK_DIR) rmSync(dir, { recursive: true, force: true });
    }
  }, { timeout: 60_000 });

  it('demo.sh puts a video on all three masternodes, which answer challenges; Prometheus scrapes all six targets', { timeout: 12 * 60_000 }, async (t) => {
    const events = await collectEvents(aliceApi, ['content']);
    const started = Date.now();
    const { stdout } = await run(join(repo, 'scripts/demo.sh'), [], { timeout: 10 * 60_000 }).catch((error) => {
      throw new Error(`demo.sh failed: ${error.message}\n${error.stdout}\n${error.stderr}\n${diagnostics('alice-sidecar', 'bob-sidecar', 'charlie-sidecar')()}`);
    });
    t.diagnostic(`demo.sh took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const watch = stdout.split('\n').filter((line) => line.includes('/#/watch/'));
    assert.deepEqual(watch.map((line) => line.split('/#/')[0]), NAMES.map((_, i) => sidecarUrl(i)), stdout);
    [video] = watch[0].match(/0x[0-9a-f]{64}$/);
    assert.ok(watch.every((line) => line.endsWith(video)), stdout);

    const record = (await aliceApi.query.content.videos(video)).unwrap();
    parts = [video, ...record.renditions.map((r) => r.content.toHex()), record.poster.unwrap().toHex()];
    assert.equal(parts.length, 4, 'the source, two renditions and the poster');
    assert.ok(await heldByAll(aliceApi), 'every part confirmed by alice, bob and charlie');
    // Each sidecar serves the web app and the video's playlist.
    for (const i of NAMES.keys()) {
      assert.match(await (await fetch(`${sidecarUrl(i)}/`)).text(), /<html/i);
      assert.match(await (await fetch(`${sidecarUrl(i)}/videos/${video}/master.m3u8`)).text(), /^#EXTM3U/);
    }
    // And each masternode's status says so (it counts at the finalized block).
    for (const i of NAMES.keys()) {
      let status;
      await until(`${NAMES[i]}'s status to count the four parts held`, async () => {
        const answer = await sidecarCommand(['status', '--json',
          '--node-url', `ws://127.0.0.1:${ports.rpc[i]}`, '--sidecar-url', sidecarUrl(i)]);
        assert.equal(answer.code, 0, answer.stderr);
        status = answer.json;
        return status.replicas.held === parts.length;
      }, 60, `${NAMES[i]}-sidecar`);
      assert.equal(status.masternode, keys[NAMES[i]].address);
      assert.equal(status.replicas.pending, 0);
      assert.deepEqual(status.replicas.items.map((item) => item.content).sort(), [...parts].sort());
      assert.equal(status.sidecar.status, 'ok');
    }

    await until('a proof accepted from each masternode', () => NAMES.every((name) => proofsBy(events, keys[name]).length > 0),
      180, 'alice-sidecar', 'bob-sidecar', 'charlie-sidecar');

    // The config local-net.sh rendered from ops/prometheus/prometheus.yml.in, with the rules.
    const { stdout: checked } = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
    assert.match(checked, /is valid prometheus config file syntax/);
    const expected = Object.fromEntries(['pop-node', 'pop-sidecar'].flatMap((job) => NAMES.map((name) => [`${job}/${name}`, '1'])));
    await until('Prometheus to scrape all six targets up', async () => {
      const up = await upTargets();
      return JSON.stringify(Object.entries(up).sort()) === JSON.stringify(Object.entries(expected).sort());
    }, 60, 'prometheus');
    // Every rule loaded, each telling the operator what it means and what to do.
    const rules = (await prometheus('/api/v1/rules')).groups.flatMap((group) => group.rules);
    assert.ok(rules.length >= 9, `${rules.length} rules`);
    for (const rule of rules) {
      assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
      assert.ok(rule.annotations.summary && rule.annotations.description, `${rule.name} says what to do`);
    }
    assert.deepEqual((await prometheus('/api/v1/alerts')).alerts.filter((a) => a.state === 'firing'), [], 'no alert on a healthy network');
  });

  it('alice\'s pop-node killed with SIGKILL is restarted; the chain goes on, her sidecar reconnects and proves, nothing is lost', { timeout: 8 * 60_000 }, async (t) => {
    const [rendition] = parts.slice(1);
    /** What alice's sidecar answers for the rendition: `<status> the rendition` when the body is its bytes, else the start of the body. */
    const served = async () => {
      const response = await fetch(`${sidecarUrl(0)}/content/${rendition.slice(2)}`);
      const body = Buffer.from(await response.arrayBuffer());
      return `${response.status} ${contentId(body) === rendition ? 'the rendition' : body.toString().slice(0, 200)}`;
    };
    assert.equal(await served(), '200 the rendition');
    const [best, finalized] = [await bestNumber(bobApi), await finalizedNumber(bobApi)];
    const killed = pidOf('alice-node');
    await aliceApi.disconnect();
    process.kill(killed, 'SIGKILL');
    const killedAt = Date.now();

    let restarted;
    await until('the supervisor to start alice\'s node again', () => {
      restarted = existsSync(join(dir, 'run/alice-node.pid')) && pidOf('alice-node');
      return restarted && restarted !== killed && alive(restarted);
    }, 30, 'alice-node');
    assert.equal(alive(killed), false);
    assert.match(readFileSync(scriptLog, 'utf8'), /alice-node: failed \(signal KILL\); restarting in 2 s/);
    t.diagnostic(`restarted as pid ${restarted} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);

    const events = await collectEvents(bobApi, ['content']);
    await until('blocks and finality past the pre-kill heights on bob\'s node', async () =>
      (await bestNumber(bobApi)) > best + 3 && (await finalizedNumber(bobApi)) > finalized + 3, 180, 'alice-node', 'bob-node');
    await until('alice\'s node to serve RPC again', () => rpcHealthy(ports.rpc[0]), 120, 'alice-node');
    aliceApi = await connect(`ws://127.0.0.1:${ports.rpc[0]}`);
    await until('alice\'s node to finalize past the pre-kill height', async () => (await finalizedNumber(aliceApi)) > finalized, 120, 'alice-node');

    await until('alice\'s sidecar connected to her node again', async () =>
      (await metric(sidecarUrl(0), 'pop_sidecar_chain_connected')) === 1, 120, 'alice-sidecar');
    const [lowest] = (await prometheus('/api/v1/query?query=min_over_time(pop_sidecar_chain_connected{instance="alice"}[2m])')).result;
    t.diagnostic(`Prometheus saw alice's sidecar ${lowest?.value[1] === '0' ? 'disconnected, then' : 'always'} connected`);
    await until('a proof by alice\'s masternode after the restart', () => proofsBy(events, keys.alice).length > 0, 180, 'alice-sidecar', 'alice-node');
    t.diagnostic(`alice's first proof landed ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);

    assert.ok(await heldByAll(bobApi), 'every part still on chain, confirmed by all three');
    assert.equal(await served(), '200 the rendition', 'alice\'s sidecar serves the same bytes');
    // Never withdrawn meanwhile: that would answer viewers 410 for content still on chain.
    const withdrawn = readFileSync(join(dir, 'logs/alice-sidecar.log'), 'utf8').split('\n')
      .filter((line) => line.includes('no longer assigned here'));
    assert.deepEqual(withdrawn, [], 'alice\'s sidecar withdrew content the chain still assigns to her');
  });

  it('bob\'s sidecar stopped with SIGTERM stays stopped and fires its alert; the others stay up', { timeout: 5 * 60_000 }, async () => {
    const pid = pidOf('bob-sidecar');
    process.kill(pid, 'SIGTERM');
    await until('bob\'s sidecar to exit', () => !alive(pid), 30, 'bob-sidecar');
    const firing = async () => (await prometheus('/api/v1/alerts')).alerts.filter((a) => a.state === 'firing');
    await until('PopSidecarDown firing for bob', async () =>
      (await firing()).some((a) => a.labels.alertname === 'PopSidecarDown' && a.labels.instance === 'bob'), 90, 'prometheus');
    assert.deepEqual((await firing()).filter((a) => a.labels.alertname === 'PopSidecarDown').map((a) => a.labels.instance), ['bob']);
    const up = await upTargets();
    assert.equal(up['pop-sidecar/bob'], '0');
    for (const target of ['pop-sidecar/alice', 'pop-sidecar/charlie', 'pop-node/alice', 'pop-node/bob', 'pop-node/charlie']) {
      assert.equal(up[target], '1', target);
    }
    // Not restarted: a clean exit is left alone.
    assert.match(readFileSync(scriptLog, 'utf8'), /bob-sidecar: exited cleanly \(status 0\); not restarting/);
    assert.equal(existsSync(join(dir, 'run/bob-sidecar.pid')), false);
    assert.equal(await fetch(`${sidecarUrl(1)}/health`).then(() => 'answered', () => 'refused'), 'refused');
  });

  it('SIGTERM stops the script and every process it started', { timeout: 2 * 60_000 }, async () => {
    const pids = readdirSync(join(dir, 'run')).map((file) => Number(readFileSync(join(dir, 'run', file), 'utf8')));
    assert.equal(pids.length, 7, 'the script, three nodes, alice\'s and charlie\'s sidecars and Prometheus');
    await aliceApi.disconnect();
    await bobApi.disconnect();
    const stopped = Date.now();
    assert.equal(await script.stop('SIGTERM'), 0);
    assert.ok(Date.now() - stopped < 20_000, 'stopped before the SIGKILL fallback');
    assert.deepEqual(pids.filter(alive), []);
    assert.deepEqual(processesUnder(dir), [], 'no process left that names the network\'s folder');
    assert.match(readFileSync(scriptLog, 'utf8'), /stopped; state and logs are in/);
  });
});
