/**
 * `tsx test/harness/cli.ts` finds or builds every binary the integration tests need (etcd,
 * kube-apiserver, kube-controller-manager, kubectl and, for cross-compatibility tests, Bitnami's
 * kubeseal) and prints where each comes from. `npm run test:integration` runs it first, so a
 * one-time build shows its progress outside mocha's timeouts.
 */
import { ensureBinaries, ensureKubeseal } from './binaries.js';

const binaries = await ensureBinaries();
const all: Record<string, string> = { ...binaries, kubeseal: await ensureKubeseal() };
for (const [name, path] of Object.entries(all))
  process.stderr.write(`tenantry: ${name}: ${path}\n`);
