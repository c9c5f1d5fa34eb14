/**
 * `tsx test/harness/cli.ts` finds or builds every binary the integration tests need (etcd,
 * kube-apiserver, kube-controller-manager, kubectl, Bitnami's kubeseal for cross-compatibility
 * tests and helm for the chart tests) and prints where each comes from. `npm run test:integration`
 * runs it first, so a one-time build shows its progress outside mocha's timeouts.
 */
import { ensureBinaries, ensureHelm, ensureKubeseal } from './binaries.js';

const binaries = await ensureBinaries();
const all: Record<string, string> = {
  ...binaries,
  kubeseal: await ensureKubeseal(),
  helm: await ensureHelm(),
};
for (const [name, path] of Object.entries(all))
  process.stderr.write(`tenantry: ${name}: ${path}\n`);
