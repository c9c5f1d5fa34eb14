/**
 * Mocha global fixtures for integration tests: one real control plane per run, stopped after
 * the last suite even when tests fail. Process-group kills on exit and a watchdog cover crashes.
 */
import { startSharedPlane, stopSharedPlane } from '../harness/shared.js';

export async function mochaGlobalSetup(): Promise<void> {
  await startSharedPlane((line) => process.stderr.write(`${line}\n`));
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopSharedPlane();
}
