// Sample videos made at test time with ffmpeg (Debian's), never downloaded.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Writes an H.264/AAC MP4 of `seconds` at `width`x`height`, 30 fps: ffmpeg's moving test
 * pattern with a clock (testsrc2) and a sine tone, so every frame differs and decoding shows.
 */
export async function makeVideo(path, { seconds, width, height }) {
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', path,
  ], { timeout: 120_000 });
  return path;
}
