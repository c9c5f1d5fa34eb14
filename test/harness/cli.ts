/**
 * `tsx test/harness/cli.ts ensure` finds or builds the control-plane binaries (run before the
 * integration tests so the one-time build shows its progress outside mocha's timeouts).
 * `tsx test/harness/cli.ts versions` prints where each binary comes from.
 */
import { ensureBinaries } from './binaries.js';

const command = process.argv[2] ?? 'ensure';
const binaries = await ensureBinaries();
if (command === 'versions' || command === 'ensure') {
  for (const [name, path] of Object.entries(binaries))
    process.stderr.write(`tenantry: ${name}: ${path}\n`);
}
