/**
 * The one control plane of an integration test run. `test/integration/setup.ts` starts it
 * before the first suite and stops it after the last, also when a test fails; suites get it
 * with {@link getPlane} and use their own namespaces and names.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ControlPlane, type Identity } from './controlplane.js';

let plane: ControlPlane | undefined;

/** What suites may use of the shared plane. */
export interface SharedPlane {
  kubeconfigPath: string;
  server: string;
  kubeConfig(): KubeConfig;
  makeUser(name: string, groups?: string[]): Identity;
  readonly plane: ControlPlane;
}

/** Starts the shared plane (called once by the global setup). */
export async function startSharedPlane(log?: (line: string) => void): Promise<ControlPlane> {
  plane ??= await ControlPlane.start(log ? { log } : {});
  return plane;
}

/** Stops the shared plane; safe to call when none is running. */
export async function stopSharedPlane(): Promise<void> {
  const p = plane;
  plane = undefined;
  await p?.stop();
}

/** The running shared plane; throws outside an integration run. */
export function getPlane(): SharedPlane {
  const p = plane;
  if (!p)
    throw new Error('no control plane: run integration tests with `npm run test:integration`');
  return {
    kubeconfigPath: p.kubeconfigPath,
    server: p.server,
    kubeConfig: () => p.kubeConfig(),
    makeUser: (name, groups) => p.makeUser(name, groups ?? []),
    plane: p,
  };
}
