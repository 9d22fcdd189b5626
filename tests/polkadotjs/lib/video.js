// Videos: samples made at test time with ffmpeg (Debian's), never downloaded, and their
// registration on chain once a sidecar has transcoded them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { registerContent } from './receipt.js';

const run = promisify(execFile);

/**
 * Writes an H.264/AAC MP4 of `seconds` at `width`x`height`, 30 fps, of ffmpeg's test pattern
 * `pattern` (default `testsrc2`, moving with a clock, so every frame differs) and a sine
 * tone. `fragmented` writes it as renditions are (fragmented MP4, a keyframe every 2 s).
 */
export async function makeVideo(path, { seconds, width, height, pattern = 'testsrc2', fragmented = false }) {
  const layout = fragmented
    ? ['-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-movflags', '+frag_keyframe+empty_moov+default_base_moof']
    : ['-movflags', '+faststart'];
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `${pattern}=size=${width}x${height}:rate=30`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', ...layout, path,
  ], { timeout: 120_000 });
  return path;
}

/**
 * `content.registerContent` of an uploaded `item` (`{ content, size, mime, receipt }`, as
 * `uploadedItem` of sidecar.js or a transcoding's rendition or poster gives it, the receipt as
 * the sidecar's JSON has it), uploaded to masternode `uploader`.
 */
export function registerItem(api, item, { title, price = 0, replication, uploader }) {
  return registerContent(api, {
    content: item.content, size: item.size, mime: item.mime, title, price, replication, uploader,
  }, { expiresMs: item.receipt.expires_ms, signature: item.receipt.signature });
}

/**
 * One `utility.batchAll` that registers the source `video`, every rendition of its transcoding
 * `media` at `price` and its poster free, and describes the video: all a creator signs once.
 */
export function registerVideo(api, { video, media, title, price = 0, replication, uploader }) {
  const part = (item, itemPrice, itemTitle) => registerItem(api, item, { title: itemTitle, price: itemPrice, replication, uploader });
  const renditions = media.renditions.map((r) => ({
    content: r.content, width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs,
  }));
  return api.tx.utility.batchAll([
    part(video, price, title),
    ...media.renditions.map((r) => part(r, price, `${title} ${r.height}p`)),
    part(media.poster, 0, `${title}: poster`),
    api.tx.content.describeVideo(video.content, media.duration_ms, media.poster.content, renditions),
  ]);
}
