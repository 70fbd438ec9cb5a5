// Kernel and browser tests change networking; they run only inside scripts/sandbox (a private
// network namespace), never against this machine's own network.
import { expect } from 'vitest';

const file = expect.getState().testPath ?? '';
if (file.includes('/test/kernel/') && process.env.NSLAB_SANDBOX !== '1') {
  throw new Error(`${file} changes kernel networking: run it inside the sandbox (scripts/sandbox npx vitest run test/kernel)`);
}
