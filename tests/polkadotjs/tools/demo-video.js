// The client of scripts/demo.sh: puts a video on a running local network as a creator would.
// Makes a sample video with ffmpeg, uploads it as Dave with tus to the first sidecar named,
// waits for that sidecar to transcode it, registers the source, renditions and poster and
// describes the video in one `utility.batchAll` signed by Dave, with one replica on the
// masternode of every sidecar named, waits until every replica is confirmed, and prints the
// video's watch page on each sidecar. Progress goes to stdout; an error or a timeout ends it
// with a message and status 1.
//
//   node tools/demo-video.js <work dir> <node ws URL> <sidecar URL>...
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { connect, sendOk } from '../lib/node.js';
import { transcoded, upload, uploadedItem } from '../lib/sidecar.js';
import { makeVideo, registerVideo } from '../lib/video.js';
import { devKeys, waitFor } from '../lib/util.js';

const SECONDS = 10;
const [width, height] = [640, 360];

const [work, nodeUrl, ...sidecars] = process.argv.slice(2);
if (!work || !nodeUrl || sidecars.length === 0) {
  console.error('usage: demo-video.js <work dir> <node ws URL> <sidecar URL>...');
  process.exit(2);
}
const say = (line) => console.log(`[demo] ${line}`);

/** The operator of the masternode whose endpoint is `url`, from the chain's registry. */
async function masternodeAt(api, url) {
  for (const [key, entry] of await api.query.masternodes.masternodes.entries()) {
    if (entry.unwrap().endpoint.toUtf8() === url) return key.args[0].toString();
  }
  throw new Error(`no masternode has the endpoint ${url}: is the local network set up (scripts/local-net.sh)?`);
}

let api;
try {
  for (const url of sidecars) {
    const health = await fetch(`${url}/health`).catch((error) => ({ ok: false, statusText: error.cause?.code ?? error.message }));
    if (!health.ok) throw new Error(`the sidecar at ${url} does not answer (${health.statusText}): is scripts/local-net.sh running?`);
  }
  const { dave } = await devKeys();
  api = await connect(nodeUrl).catch((error) => { throw new Error(`cannot connect to the node at ${nodeUrl}: ${error.message}`); });
  const holders = await Promise.all(sidecars.map((url) => masternodeAt(api, url)));
  const [uploadTo] = sidecars;

  const source = join(work, 'sample.mp4');
  say(`making a ${SECONDS} s ${width}x${height} sample video with ffmpeg: ${source}`);
  await makeVideo(source, { seconds: SECONDS, width, height });
  say(`uploading it with tus to ${uploadTo} as Dave (${dave.address})`);
  const uploaded = await upload(uploadTo, dave, readFileSync(source), { filename: 'pop-demo.mp4' });
  let shown = -1;
  const media = await transcoded(uploadTo, uploaded.url, dave, {
    seconds: 300,
    onProgress: ({ state, progress }) => {
      const percent = Math.floor((progress ?? 0) * 100);
      if (state === 'transcoding' && percent >= shown + 25) {
        shown = percent;
        say(`transcoding: ${percent} %`);
      }
    },
  });
  const video = await uploadedItem(uploadTo, uploaded.url, dave);
  say(`transcoded into ${media.renditions.map((r) => `${r.height}p`).join(', ')} and a poster`);

  say(`registering the source, ${media.renditions.length} renditions and the poster and describing the video in one utility.batchAll signed by Dave, replication ${holders.length}`);
  const { blockHash } = await sendOk(registerVideo(api, {
    video, media, title: 'POP demo: test pattern', replication: holders.length, uploader: holders[0],
  }), dave);
  const block = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
  say(`registered in block #${block} (${blockHash.toHex()}): video ${video.content}`);

  const parts = [video.content, ...media.renditions.map((r) => r.content), media.poster.content];
  const wanted = parts.length * holders.length;
  say(`waiting until ${parts.length} parts are confirmed by ${holders.length} masternodes (${wanted} replicas)`);
  let last = -1;
  await waitFor('every replica to be confirmed', async () => {
    let confirmed = 0;
    for (const part of parts) {
      const { replicas } = (await api.query.content.contents(part)).unwrap().toJSON();
      confirmed += holders.filter((holder) => replicas.some((r) => r.holder === holder && r.confirmed)).length;
    }
    if (confirmed !== last) say(`replicas confirmed: ${confirmed}/${wanted}`);
    last = confirmed;
    return confirmed === wanted;
  }, 300, { every: 2_000, context: () => `${last}/${wanted} replicas confirmed` });

  say('every replica confirmed; watch the video on any masternode:');
  for (const url of sidecars) console.log(`${url}/#/watch/${video.content}`);
} catch (error) {
  console.error(`[demo] failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await api?.disconnect();
}
