// The POP web app in headless Chromium on a local network: a dev pop-node and two pop-sidecars
// serving it (`--web-dir`), one for Alice's genesis masternode and one for Bob's, registered
// here. Dave, through a wallet stand-in injected as `window.injectedWeb3['pop-test']` (the test
// process signs for it), uploads a video made by ffmpeg through the upload page, sees it
// transcoded and registers it with one signature; the catalogue shows it with its poster; the
// watch page plays it, seeks, drops to a lower rendition on a throttled network and carries on
// from the other holder when its holder is killed. Ferdie is refused a priced video until he
// buys it from the watch page. Each page is saved as a screenshot; the time to first frame is
// printed and written to results/metrics.json.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerMasternode, serveFrom } from '../../polkadotjs/lib/masternodes.js';
import { startDevNode } from '../../polkadotjs/lib/node.js';
import { startSidecar } from '../../polkadotjs/lib/sidecar.js';
import { signPayload, signRaw } from '../../polkadotjs/lib/signer.js';
import { activeSet, devKeys, waitFor } from '../../polkadotjs/lib/util.js';
import { makeVideo } from '../../polkadotjs/lib/video.js';
import { controlNetwork, injectWallet, launchChromium, screenshot } from '../lib/chromium.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.POP_WEB_DIR ?? join(HERE, '../../../webapp/dist');
const RESULTS = process.env.POP_BROWSER_RESULTS ?? join(HERE, '../results');

describe('the POP web app in Chromium', { timeout: 25 * 60_000 }, () => {
  let node; let api;
  let sidecars = [];
  let browser; let page; let network; let signed;
  let keyring; let alice; let bob; let dave; let ferdie;
  let work; let freeVideo; let pricedVideo;
  const uploaded = {};
  const metrics = {};

  const [A, B] = [0, 1];
  const until = (what, check, seconds) => waitFor(what, check, seconds, {
    context: () => sidecars.map((s) => `${s.url}:\n${s.logTail()}`).join('\n'),
  });
  /** Waits in the page until `fn(arg)` is truthy, naming `what` if it times out. */
  const inPage = (what, fn, arg, seconds) => page.waitForFunction(fn, arg, { timeout: seconds * 1000, polling: 250 })
    .catch((error) => { throw new Error(`${what}: ${error.message.split('\n')[0]}`); });
  const player = () => page.evaluate(() => {
    const { state, hls } = window.popPlayer;
    const video = document.querySelector('video');
    return { ...state, loadLevel: hls.loadLevel, currentTime: video.currentTime, duration: video.duration, paused: video.paused, ended: video.ended, mediaError: video.error?.message ?? null };
  });
  const shoot = (name) => screenshot(page, RESULTS, name);
  /** `body` of a test, saving the page as `failures/<name>.png` if it fails. */
  const keepFailure = (name, body) => async () => {
    try {
      await body();
    } catch (error) {
      await screenshot(page, join(RESULTS, 'failures'), name).catch(() => {});
      throw error;
    }
  };
  /** A fresh load of the page at `hash` of sidecar `index`'s web app (not a same-document hash change). */
  const open = async (hash, index = A) => {
    await page.goto('about:blank');
    await page.goto(`${sidecars[index].url}/${hash}`);
  };
  const chooseAccount = async (pair) => {
    await page.selectOption('#account-select', `pop-test:${pair.address}`);
  };

  /**
   * Uploads `file` through the upload page as Dave; resolves with the video id. With
   * `reloadAt`, the upload goes over a slow link and the page is reloaded once that percentage
   * is sent: the file chosen again resumes where it stopped, with the form as it was.
   */
  async function uploadThroughPage(file, { title, price, replication, reloadAt }) {
    await open('#/upload');
    await chooseAccount(dave);
    await page.waitForSelector('#file');
    await page.setInputFiles('#file', file);
    await page.fill('#title', title);
    await page.fill('#price', price);
    await page.fill('#replication', String(replication));
    if (reloadAt) await network.limit(2_000_000);
    await page.click('#upload-button');
    if (reloadAt) {
      await inPage(`${reloadAt} % sent`, (p) => Number(document.querySelector('[data-step=upload] .progress')?.dataset.percent) >= p, reloadAt, 60);
      await network.lift();
      await page.reload();
      await page.waitForSelector('.resumable .notice', { timeout: 30_000 });
      assert.match(await page.textContent('.resumable'), new RegExp(basename(file).replace('.', '\\.')));
      await page.setInputFiles('#file', file);
      assert.equal(await page.inputValue('#title'), title, 'the form as it was');
      assert.equal(await page.inputValue('#price'), price);
      await page.click('#upload-button');
      await inPage('the upload resumed', () => /resuming/.test(document.querySelector('[data-step=upload] .step-state')?.textContent)
        || document.querySelector('[data-step=upload]')?.dataset.state === 'done', null, 30);
    }
    const stepDone = (key, seconds) => inPage(`step ${key}`,
      (k) => ['done', 'failed'].includes(document.querySelector(`[data-step=${k}]`)?.dataset.state), key, seconds);
    const stepText = (key) => page.textContent(`[data-step=${key}]`);
    await stepDone('upload', 120);
    const uploadedAt = Date.now();
    assert.equal(await page.getAttribute('[data-step=upload]', 'data-state'), 'done', await stepText('upload'));
    assert.equal(await page.getAttribute('[data-step=upload] .progress', 'data-percent'), '100');
    // Transcoding progress as the page shows it, sampled until it is done. The state is read
    // before the percentage, so the last sample is taken once the step is done.
    const seen = new Set();
    await until('transcoding', async () => {
      const state = await page.getAttribute('[data-step=transcode]', 'data-state');
      seen.add(await page.getAttribute('[data-step=transcode] .progress', 'data-percent').catch(() => null));
      return ['done', 'failed'].includes(state);
    }, 600);
    assert.equal(await page.getAttribute('[data-step=transcode]', 'data-state'), 'done', await stepText('transcode'));
    assert.equal(await page.getAttribute('[data-step=transcode] .progress', 'data-percent'), '100');
    const transcodedAt = Date.now();
    await stepDone('register', 120);
    const registeredAt = Date.now();
    assert.equal(await page.getAttribute('[data-step=register]', 'data-state'), 'done', await stepText('register'));
    const href = await page.getAttribute('.watch-link', 'href');
    const id = href.split('/').at(-1);
    // Playable once the sidecar it went to serves its master playlist: it saw the registration.
    await until('the master playlist', async () => (await fetch(`${sidecars[A].url}/videos/${id}/master.m3u8`)).ok, 120);
    const timings = {
      transcodedMs: transcodedAt - uploadedAt,
      registeredMs: registeredAt - uploadedAt,
      playableMs: Date.now() - uploadedAt,
    };
    return { id, transcodePercents: [...seen].filter(Boolean).map(Number), timings };
  }

  before(async () => {
    assert.ok(existsSync(join(WEB_DIR, 'index.html')), `no web app at ${WEB_DIR}: run scripts/webapp.sh`);
    ({ keyring, alice, bob, dave, ferdie } = await devKeys());
    work = mkdtempSync(join(tmpdir(), 'pop-browser-'));
    rmSync(join(RESULTS, 'failures'), { recursive: true, force: true });
    mkdirSync(RESULTS, { recursive: true });
    // Videos are made while the network starts: 40 s of 720p (a ladder of several renditions,
    // and time to seek, throttle and fail over) and a short priced one.
    const videos = Promise.all([
      makeVideo(join(work, 'pattern-720p.mp4'), { seconds: 40, width: 1280, height: 720 }),
      makeVideo(join(work, 'priced-480p.mp4'), { seconds: 12, width: 854, height: 480 }),
    ]);
    node = await startDevNode();
    api = node.api;
    for (const proofKey of ['//Alice//stash', '//Bob//stash']) {
      sidecars.push(await startSidecar({ nodeUrl: node.rpcUrl, proofKey, options: ['--web-dir', WEB_DIR] }));
    }
    await serveFrom(api, alice, sidecars[A].url);
    await registerMasternode(api, bob, sidecars[B].url, keyring.addFromUri('//Bob//stash'));
    [freeVideo, pricedVideo] = await videos;

    browser = await launchChromium();
    signed = await injectWallet(browser.context, {
      name: 'pop-test',
      pairs: [dave, ferdie],
      names: ['Dave', 'Ferdie'],
      sign: (kind, pair, request) => (kind === 'raw' ? signRaw(pair, request.data) : signPayload(api, pair, request)),
    });
    page = await browser.context.newPage();
    network = await controlNetwork(page);
    // Two holders for every upload: Bob's masternode must be in the active set.
    await until('Bob in the active set', async () => (await activeSet(api)).includes(bob.address), 240);
  }, { timeout: 8 * 60_000 });

  after(async () => {
    await browser?.close();
    for (const sidecar of sidecars) await sidecar.stop().catch(() => {});
    await node?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (Object.keys(metrics).length) writeFileSync(join(RESULTS, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  }, { timeout: 90_000 });

  it('each sidecar serves the web app, which finds its node from /health and shows an empty catalogue', { timeout: 60_000 }, keepFailure('serves', async () => {
    for (const sidecar of sidecars) {
      const health = await (await fetch(`${sidecar.url}/health`)).json();
      assert.match(health.node_rpc ?? '', /^wss?:\/\//, `node_rpc in ${JSON.stringify(health)}`);
      const index = await fetch(`${sidecar.url}/`);
      assert.equal(index.status, 200);
      assert.match(index.headers.get('content-type'), /^text\/html/);
    }
    await open('#/');
    await page.waitForSelector('.empty', { timeout: 30_000 });
    assert.match(await page.textContent('.empty'), /No videos yet/);
    await shoot('catalogue-empty');
  }));

  it('Dave uploads a video through the upload page: 100 % sent, transcoded, registered with one injected signature', { timeout: 12 * 60_000 }, keepFailure('upload', async () => {
    const before = signed.length;
    const { id, transcodePercents, timings } = await uploadThroughPage(freeVideo, { title: 'Test pattern — 720p ✓', price: '0', replication: 2 });
    metrics.uploadToPlayable = { video: '40 s of 1280x720 at 30 fps', seconds: 40, ...timings };
    console.log(`upload complete to playable: ${timings.playableMs} ms (transcoded after ${timings.transcodedMs} ms, registered after ${timings.registeredMs} ms)`);
    await shoot('upload');
    uploaded.free = id;
    // The injected wallet signed the upload token (raw) and the one registration (payload).
    const mine = signed.slice(before);
    assert.deepEqual(mine.map((s) => s.kind), ['raw', 'payload']);
    assert.ok(mine.every((s) => s.address === dave.address));
    assert.ok(transcodePercents.at(-1) === 100, `transcoding progress seen: ${transcodePercents}`);
    const video = (await api.query.content.videos(id)).unwrap();
    assert.ok(video.renditions.length >= 2, `${video.renditions.length} renditions`);
    assert.ok(video.poster.isSome, 'a poster');
    assert.ok(Math.abs(video.durationMs.toNumber() - 40_000) < 500, `duration ${video.durationMs}`);
    const item = (await api.query.content.contents(id)).unwrap();
    assert.equal(item.owner.toString(), dave.address);
    assert.equal(item.title.toUtf8(), 'Test pattern — 720p ✓');
  }));

  it('the catalogue shows it with its poster, title, duration and price', { timeout: 90_000 }, keepFailure('catalogue', async () => {
    await open('#/');
    const card = `.card[data-video="${uploaded.free}"]`;
    await page.waitForSelector(card, { timeout: 30_000 });
    await inPage('the poster', (selector) => document.querySelector(`${selector} img`)?.naturalWidth > 0, card, 30);
    assert.equal(await page.textContent(`${card} .card-title`), 'Test pattern — 720p ✓');
    assert.equal(await page.textContent(`${card} .duration`), '0:40');
    assert.equal(await page.textContent(`${card} .price`), 'Free');
    await shoot('catalogue');
  }));

  it('the watch page plays it, seeks to the middle and plays on; time to first frame measured', { timeout: 2 * 60_000 }, keepFailure('watch', async () => {
    // Three fresh loads of the page: from navigation to the first frame, and the part of it
    // from the player's start (the holder race, playlists, first segments) to the first frame.
    const loads = [];
    for (let i = 0; i < 3; i += 1) {
      await open(`#/watch/${uploaded.free}`);
      await inPage('the first frame', () => window.popPlayer?.state.firstFrameMs, null, 30);
      const { firstFrameMs, startedMs } = await player();
      loads.push({ firstFrameMs, fromPlayerStartMs: firstFrameMs - startedMs });
    }
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    metrics.timeToFirstFrame = {
      loads,
      medianMs: median(loads.map((l) => l.firstFrameMs)),
      medianFromPlayerStartMs: median(loads.map((l) => l.fromPlayerStartMs)),
    };
    console.log(`time to first frame from the watch page's load: median ${metrics.timeToFirstFrame.medianMs} ms `
      + `(${loads.map((l) => l.firstFrameMs).join(', ')}), of which ${metrics.timeToFirstFrame.medianFromPlayerStartMs} ms from the player's start`);
    await inPage('playback', () => document.querySelector('video').currentTime > 2, null, 30);
    let state = await player();
    assert.equal(state.error, null);
    assert.equal(state.mediaError, null);
    assert.ok(state.levels.length >= 2, `levels ${JSON.stringify(state.levels)}`);
    const middle = state.duration / 2;
    await page.evaluate((t) => { document.querySelector('video').currentTime = t; }, middle);
    await inPage('playback past the middle', (t) => document.querySelector('video').currentTime > t + 2, middle, 30);
    state = await player();
    assert.equal(state.error, null);
    assert.equal(state.paused, false);
    assert.match(await page.textContent('.now-playing'), /\d+p/);
    await shoot('watch');
  }));

  it('on a throttled network hls.js switches to a lower rendition', { timeout: 2 * 60_000 }, keepFailure('throttle', async () => {
    // A fresh start, so the whole video is ahead: the top rendition on loopback's bandwidth.
    await open(`#/watch/${uploaded.free}`);
    await inPage('playback', () => document.querySelector('video')?.currentTime > 2, null, 30);
    const { levels } = await player();
    const top = levels.length - 1;
    await inPage('the top rendition', (level) => window.popPlayer.hls.loadLevel === level, top, 30);
    // Room for the lowest rendition only: what is buffered drains, and hls.js must step down.
    const lowest = Math.min(...levels.map((l) => l.bandwidth));
    const limit = Math.round(lowest * 1.25);
    await network.limit(limit);
    try {
      // hls.js loads a lower rendition at once, and plays it once the buffer ahead is spent.
      await inPage('a lower rendition loaded', (level) => window.popPlayer.hls.loadLevel < level, top, 40);
      await inPage('a lower rendition playing', (height) => window.popPlayer.state.height < height, levels[top].height, 40);
    } finally {
      await network.lift();
    }
    const state = await player();
    assert.ok(state.height < levels[top].height, `${state.height}p after throttling, top is ${levels[top].height}p`);
    assert.equal(state.error, null);
    assert.equal(state.mediaError, null);
    metrics.throttledSwitch = { fromHeight: levels[top].height, toHeight: state.height, limitBps: limit, atSecond: state.currentTime };
    await shoot('watch-throttled');
  }));

  it('Ferdie is refused a priced video until he buys it on the watch page, then watches it', { timeout: 12 * 60_000 }, keepFailure('priced', async () => {
    // Its title is markup, which the app must show as text; and its upload survives a reload.
    const title = '<b>Priced</b> pattern';
    const { id } = await uploadThroughPage(pricedVideo, { title, price: '1.5', replication: 2, reloadAt: 30 });
    uploaded.priced = id;
    await chooseAccount(ferdie); // remembered by the app for the next load
    await open(`#/watch/${id}`);
    await page.waitForSelector('.player-frame[data-refused]', { timeout: 30_000 });
    assert.equal(await page.getAttribute('.player-frame', 'data-refused'), '402');
    assert.match(await page.textContent('.buy'), /1\.5 POP/);
    assert.ok((await api.query.popToken.grants(ferdie.address, id)).isNone);
    await shoot('watch-refused');
    await page.click('.buy');
    await page.waitForSelector('.access .notice.ok', { timeout: 60_000 });
    assert.ok((await api.query.popToken.grants(ferdie.address, id)).isSome);
    await inPage('paid playback', () => document.querySelector('.player-frame').dataset.state === 'playing'
      && document.querySelector('video').currentTime > 2, null, 90);
    assert.equal((await player()).error, null);
    await shoot('watch-priced');
    await open('#/');
    await page.waitForSelector(`.card[data-video="${id}"] .price:not(.free)`, { timeout: 30_000 });
    assert.equal(await page.textContent(`.card[data-video="${id}"] .card-title`), title);
    assert.equal(await page.$(`.card[data-video="${id}"] b`), null, 'a title is never markup');
    await shoot('catalogue-two');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot('catalogue-phone');
    await page.setViewportSize({ width: 1366, height: 860 });
  }));

  it('playback carries on from the other holder when the one serving it is killed', { timeout: 3 * 60_000 }, keepFailure('failover', async () => {
    const renditions = (await api.query.content.videos(uploaded.free)).unwrap().renditions.map((r) => r.content.toHex());
    await until('both holders confirmed every rendition', async () => {
      const located = await Promise.all(renditions.map((r) => node.rawRpc('content_locate', [r])));
      return located.every((l) => l?.holders.length === 2);
    }, 150);
    await open(`#/watch/${uploaded.free}`);
    await inPage('playback', () => document.querySelector('video')?.currentTime > 3, null, 30);
    const { holder } = await player();
    const serving = sidecars.find((s) => s.url === holder);
    assert.ok(serving, `${holder} is one of ours`);
    await serving.kill();
    const killedAt = (await player()).currentTime;
    await inPage('playback from the other holder', ({ from, at }) => window.popPlayer.state.holder !== from
      && document.querySelector('video').currentTime > at + 5, { from: holder, at: killedAt }, 60);
    const state = await player();
    assert.equal(state.error, null);
    assert.equal(state.mediaError, null);
    assert.ok(state.failovers.length >= 1 && state.failovers[0].from === holder, JSON.stringify(state.failovers));
    await shoot('watch-failover');
    metrics.failover = state.failovers[0];
  }));
});
