// Videos on real processes: a dev pop-node and two pop-sidecars (Alice's and Bob's
// masternodes). Dave uploads a video generated with ffmpeg to Alice's sidecar with tus; the
// sidecar transcodes it into renditions and a poster (progress on `GET /uploads/{id}`); Dave
// registers all of it and describes the video in one signed `utility.batchAll`; Bob's sidecar
// fetches every part, checks each rendition before confirming it, and both sidecars serve HLS
// whose segments, fetched as an HLS player does (Range requests), ffprobe decodes. The video is
// priced: segments are refused without a grant and served once Eve buys the video. Then Dave
// forges renditions (one of the wrong frame size, one of another picture with the right size
// and duration): Bob's sidecar refuses both, and never confirms them. Removing the video
// removes every part.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sendOk, startDevNode } from '../lib/node.js';
import { authHeader, metric, startSidecar, transcoded, upload, uploadedItem } from '../lib/sidecar.js';
import { registerMasternode, serveFrom } from '../lib/masternodes.js';
import { makeVideo, registerItem, registerVideo } from '../lib/video.js';
import { collectEvents, devKeys, findEvent, POP, waitFor } from '../lib/util.js';

const run = promisify(execFile);
const PRICE = 2n * POP;

/** The `[offset, length]` byte ranges an fMP4 media playlist names: the map's, then each segment's. */
function byteRanges(playlist) {
  const ranges = [];
  for (const line of playlist.split('\n')) {
    const map = line.match(/^#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@(\d+)"/);
    const segment = line.match(/^#EXT-X-BYTERANGE:(\d+)@(\d+)/);
    if (map) ranges.push([Number(map[3]), Number(map[2])]);
    if (segment) ranges.push([Number(segment[2]), Number(segment[1])]);
  }
  return ranges;
}

describe('videos: transcoded on upload, registered in one batch, checked by holders, served as HLS', { timeout: 15 * 60_000 }, () => {
  let node; let api; let sidecarA; let sidecarB;
  let keyring; let alice; let bob; let dave; let eve;
  let events; let work;
  let video; let parts;

  const until = (what, check, seconds = 180) => waitFor(what, check, seconds, {
    context: () => `sidecar A:\n${sidecarA.logTail()}\nsidecar B:\n${sidecarB.logTail()}`,
  });
  const confirmedBy = (who, id) => events.some((e) => e.method === 'ReplicaConfirmed'
    && e.data.content.toHex() === id && e.data.masternode.toString() === who.address);

  /** Uploads `path` to Alice's sidecar as Dave; resolves with the upload URL and receipt. */
  const uploadFile = (path) => upload(sidecarA.publicUrl, dave, readFileSync(path));

  /** `registerContent` of a made item at `price`, uploaded to Alice's masternode. */
  const registerPart = (item, price, title) => registerItem(api, item, { title, price, replication: 2, uploader: alice.address });
  /** Dave's upload at `uploadUrl` on Alice's sidecar as an item to register. */
  const uploadedToA = (uploadUrl) => uploadedItem(sidecarA.publicUrl, uploadUrl, dave);
  /** Waits for the transcoding of Dave's upload at `uploadUrl` on Alice's sidecar; its media status. */
  const transcodedByA = (uploadUrl) => transcoded(sidecarA.publicUrl, uploadUrl, dave, { context: () => sidecarA.logTail() });

  before(async () => {
    ({ keyring, alice, bob, dave, eve } = await devKeys());
    work = mkdtempSync(join(tmpdir(), 'pop-videos-'));
    node = await startDevNode();
    api = node.api;
    events = await collectEvents(api, ['content']);
    sidecarA = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Alice//stash' });
    sidecarB = await startSidecar({ nodeUrl: node.rpcUrl, proofKey: '//Bob//stash' });
    await serveFrom(api, alice, sidecarA.publicUrl);
    await registerMasternode(api, bob, sidecarB.url, keyring.addFromUri('//Bob//stash'));
  }, { timeout: 4 * 60_000 });

  after(async () => {
    await sidecarA?.stop();
    await sidecarB?.stop();
    await node?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('transcodes an upload into renditions and a poster, with progress', { timeout: 4 * 60_000 }, async () => {
    const source = join(work, 'source.mp4');
    await makeVideo(source, { seconds: 8, width: 640, height: 360 });
    const uploaded = await uploadFile(source);
    const media = await transcodedByA(uploaded.url);
    assert.deepEqual(media.renditions.map((r) => r.height), [360, 240]);
    for (const rendition of media.renditions) {
      assert.equal(rendition.mime, 'video/mp4');
      assert.match(rendition.codecs, /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      assert.ok(rendition.bandwidth > 0 && rendition.receipt.signature.startsWith('0x'));
    }
    assert.equal(media.poster.mime, 'image/jpeg');
    assert.ok(Math.abs(media.duration_ms - 8000) < 200, `duration ${media.duration_ms}`);
    assert.equal(await metric(sidecarA.url, 'pop_sidecar_transcodes_total{outcome="done"}'), 1);
    video = await uploadedToA(uploaded.url);
    parts = media;
  });

  it('registers the source, renditions and poster and describes the video in one signed batch', { timeout: 3 * 60_000 }, async () => {
    const batch = registerVideo(api, {
      video, media: parts, title: 'A test film', price: PRICE, replication: 2, uploader: alice.address,
    });
    const { events: included } = await sendOk(batch, dave);
    const described = findEvent(included, 'content', 'VideoDescribed');
    assert.ok(described, 'VideoDescribed');
    assert.equal(described.data.video.toHex(), video.content);
    const record = (await api.query.content.videos(video.content)).unwrap();
    assert.equal(record.renditions.length, 2);
    assert.equal((await api.query.content.videoOf(parts.poster.content)).unwrap().toHex(), video.content);
  });

  it('Bob\'s sidecar checks and confirms every part; both serve the same HLS', { timeout: 5 * 60_000 }, async () => {
    const ids = [video.content, ...parts.renditions.map((r) => r.content), parts.poster.content];
    await until('Bob to confirm every part', () => ids.every((id) => confirmedBy(bob, id)));
    assert.equal(await metric(sidecarB.url, 'pop_sidecar_rendition_checks_total{outcome="accepted"}'), 2);
    for (const sidecar of [sidecarA, sidecarB]) {
      const master = await (await fetch(`${sidecar.url}/videos/${video.content}/master.m3u8`)).text();
      assert.match(master, /^#EXTM3U/);
      for (const rendition of parts.renditions) {
        assert.match(master, new RegExp(`RESOLUTION=${rendition.width}x${rendition.height}`));
        assert.ok(master.includes(`${rendition.content}.m3u8`), master);
      }
    }
  });

  it('serves segments only to a grant holder, and they decode', { timeout: 3 * 60_000 }, async () => {
    const [top] = parts.renditions;
    const playlist = await (await fetch(`${sidecarB.url}/videos/${video.content}/${top.content}.m3u8`)).text();
    const ranges = byteRanges(playlist);
    assert.ok(ranges.length >= 4, playlist);
    // Contiguous from 0 to the end of the file: every byte in exactly one range.
    let next = 0;
    for (const [offset, length] of ranges) {
      assert.equal(offset, next);
      next = offset + length;
    }
    assert.equal(next, top.size);
    const segment = (offset, length, headers = {}) => fetch(`${sidecarB.url}/content/${top.content}`, {
      headers: { Range: `bytes=${offset}-${offset + length - 1}`, ...headers },
    });
    assert.equal((await segment(...ranges[1])).status, 401);
    const eveToken = { Authorization: authHeader(eve, sidecarB.publicUrl) };
    assert.equal((await segment(...ranges[1], eveToken)).status, 402);
    await sendOk(api.tx.popToken.payForContent(video.content, PRICE), eve);
    // The grant on the video covers its renditions: the map and two segments, as a player asks.
    const bytes = [];
    for (const range of ranges.slice(0, 3)) {
      const response = await segment(...range, eveToken);
      assert.equal(response.status, 206);
      bytes.push(Buffer.from(await response.arrayBuffer()));
    }
    const file = join(work, 'segments.mp4');
    writeFileSync(file, Buffer.concat(bytes));
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,height', '-of', 'json', file]);
    const streams = JSON.parse(stdout).streams;
    assert.ok(streams.some((s) => s.codec_name === 'h264' && s.height === top.height), stdout);
    // The poster is free.
    assert.equal((await fetch(`${sidecarB.url}/content/${parts.poster.content}`)).status, 200);
  });

  it('a holder refuses forged renditions: the wrong frame size, or another picture', { timeout: 6 * 60_000 }, async () => {
    const source = join(work, 'second.mp4');
    await makeVideo(source, { seconds: 6, width: 640, height: 360 });
    const uploaded = await uploadFile(source);
    const media = await transcodedByA(uploaded.url);
    const second = await uploadedToA(uploaded.url);
    // Forgeries, fragmented as renditions are: a 320x180 clip, and a 640x360 one of other
    // pictures, each as long as the video. Every upload of a video is transcoded too, which does
    // no harm.
    const forge = async (name, width, height, pattern) => {
      const path = join(work, name);
      await makeVideo(path, { seconds: 6, width, height, pattern, fragmented: true });
      const forged = await uploadFile(path);
      return uploadedToA(forged.url);
    };
    const small = await forge('small.mp4', 320, 180, 'testsrc2');
    const other = await forge('other.mp4', 640, 360, 'smptebars');
    const [top] = media.renditions;
    const declared = (item, height) => ({
      content: item.content, width: height * 16 / 9, height, bandwidth: top.bandwidth, codecs: top.codecs,
    });
    // Bob holds the source first, so he can compare the pictures.
    await sendOk(registerPart(second, 0, 'Second film'), dave);
    await until('Bob to confirm the source', () => confirmedBy(bob, second.content));
    const refusedBefore = await metric(sidecarB.url, 'pop_sidecar_rendition_checks_total{outcome="refused"}');
    await sendOk(api.tx.utility.batchAll([
      registerPart(small, 0, 'forged small'),
      registerPart(other, 0, 'forged picture'),
      api.tx.content.describeVideo(second.content, media.duration_ms, null, [declared(small, 360), declared(other, 360)]),
    ]), dave);
    await until('Bob to refuse both forgeries', async () => (
      await metric(sidecarB.url, 'pop_sidecar_rendition_checks_total{outcome="refused"}')) >= refusedBefore + 2);
    assert.ok(!confirmedBy(bob, small.content) && !confirmedBy(bob, other.content));
    const log = sidecarB.logText();
    assert.match(log, /failed its check/);
    // Bob keeps neither.
    for (const forged of [small, other]) {
      assert.equal((await fetch(`${sidecarB.url}/content/${forged.content}`)).status, 404);
    }
  });

  it('removing the video removes every part', { timeout: 2 * 60_000 }, async () => {
    const { events: included } = await sendOk(api.tx.content.removeContent(video.content), dave);
    const removed = included.filter((e) => e.section === 'content' && e.method === 'ContentRemoved');
    assert.equal(removed.length, 4);
    assert.ok((await api.query.content.videos(video.content)).isNone);
    await until('Alice\'s sidecar to stop serving the playlist', async () => (
      await fetch(`${sidecarA.url}/videos/${video.content}/master.m3u8`)).status === 404);
  });
});
