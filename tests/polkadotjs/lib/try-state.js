// Runs `pop-try-state` (tests/try-state) on the state a test has driven a node to: the
// runtime's upgrade hooks, storage versions included, and every pallet's try_state invariants.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { releaseBinary } from './process.js';

const run = promisify(execFile);

/**
 * Checks the finalized state of the node at `rpcUrl`; resolves with the tool's report and
 * rejects with what failed.
 */
export async function checkTryState(rpcUrl) {
  const binary = releaseBinary('pop-try-state', 'POP_TRY_STATE_BIN');
  const { stdout } = await run(binary, ['--url', rpcUrl], { timeout: 120_000 });
  return stdout;
}
