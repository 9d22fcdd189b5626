// Runs `pop-try-state` (tests/try-state) on the state a test has driven a node to: the
// runtime's upgrade hooks, storage versions included, and every pallet's try_state invariants.
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function tryStateBinary() {
  if (process.env.POP_TRY_STATE_BIN) return process.env.POP_TRY_STATE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/pop-network/target');
  return join(target, 'release/pop-try-state');
}

/**
 * Checks the finalized state of the node at `rpcUrl`; resolves with the tool's report and
 * rejects with what failed.
 */
export async function checkTryState(rpcUrl) {
  const { stdout } = await run(tryStateBinary(), ['--url', rpcUrl], { timeout: 120_000 });
  return stdout;
}
