// Sample videos made at test time with ffmpeg (Debian's), never downloaded.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

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
