// Runs the release binaries the tests drive (pop-node, pop-sidecar): finds them, finds a free
// loopback port for one, starts them with their output in a log file, waits until they serve,
// and stops them. None outlives the test file that started it.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './util.js';

/** The path of release binary `name`: `$envVar` if set, else `$CARGO_TARGET_DIR/release/name`. */
export function releaseBinary(name, envVar) {
  if (process.env[envVar]) return process.env[envVar];
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/pop-network/target');
  return join(target, 'release', name);
}

/** A loopback port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const PORT_CLASH = /Address already in use|os error 98/;

/**
 * Returns `start(port)` for a free loopback port. A port is free when asked, not necessarily
 * when the binary binds it a second later (other test files start processes too): when `start`
 * fails because the binary found its port taken, it is called again with another.
 */
export async function onFreePort(start) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt === 3 || !error.portClash) throw error;
    }
  }
}

// When the test runner kills a test file's process (`--test-timeout`), its `after` hooks do not
// run: what it started is killed here instead, as on any other exit.
const running = new Set();
const killRunning = () => { for (const child of running) child.kill('SIGKILL'); };
process.once('exit', killRunning);
process.once('SIGTERM', () => {
  killRunning();
  process.exit(143);
});

/**
 * Starts `binary` with `args`, its stdout and stderr appended to `logPath`. Returns the log
 * readers, `ready` (waits until `isReady(output)` returns something truthy for what this start
 * has logged, and resolves with it; fails if the process exits first, with `portClash` set when a port was taken) and `stop`
 * (sends `signal`, SIGKILL after 20 s; resolves with the exit code, or the signal's name).
 */
export function startProcess(binary, args, logPath) {
  writeFileSync(logPath, '', { flag: 'a' });
  const logStart = statSync(logPath).size;
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on('close', () => log.end());
  const logged = new Promise((resolve) => log.on('finish', resolve));
  let exitStatus = null;
  child.on('exit', (code, signal) => {
    exitStatus = code ?? signal;
    running.delete(child);
  });
  const logText = () => readFileSync(logPath, 'utf8');
  const logTail = (lines = 40) => logText().split('\n').slice(-lines).join('\n');
  const output = () => readFileSync(logPath).subarray(logStart).toString();
  const name = binary.split('/').at(-1);

  return {
    logText,
    logTail,
    async ready(isReady, seconds, every) {
      return waitFor(`${name} to serve`, async () => {
        if (exitStatus !== null) {
          await logged; // its last words say why
          const error = new Error(`${name} exited with ${exitStatus}:\n${logTail()}`);
          error.portClash = PORT_CLASH.test(output());
          throw error;
        }
        return isReady(output());
      }, seconds, { every, context: logTail });
    },
    async stop(signal = 'SIGTERM') {
      if (exitStatus === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        const fallback = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(fallback);
      }
      return exitStatus;
    },
  };
}
