/**
 * Runs the real controller (`controller/main.ts`) as a child process against a plane, so tests
 * can kill it, restart it and run two replicas. Killed with the test run like every component.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ControlPlane } from './controlplane.js';
import { installCRDs } from './crds.js';
import { localGet, logTail, startComponent, stopComponent, type Component } from './processes.js';

const MAIN = new URL('../../controller/main.ts', import.meta.url).pathname;

/** Options for {@link startController}. */
export interface ControllerProcessOptions {
  /** Controller namespace (created if missing). @default tenantry-system */
  namespace?: string;
  /** Kubeconfig the controller uses. @default the plane's admin */
  kubeconfigPath?: string;
  /** Extra flags, e.g. `['--controllers=tenant']`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Fast leader election for tests (lease 3 s, renew 2 s, retry 0.5 s). @default true */
  fastLeaderElection?: boolean;
}

/** A controller child process. */
export interface ControllerProcess {
  readonly pid: number;
  readonly httpPort: number;
  readonly metricsPort: number;
  readonly logFile: string;
  /** GET a path on the main listener. */
  get(path: string): Promise<{ status: number; body: string }>;
  /** Prometheus text from /metrics. */
  metrics(): Promise<string>;
  /** Waits until /readyz answers 200. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM and wait (graceful: the Lease is released). */
  stop(): Promise<void>;
  /** SIGKILL and wait (a crash: the Lease is not released). */
  kill(): Promise<void>;
  logs(lines?: number): string;
  readonly exited: Promise<number | null>;
}

async function ensureNamespace(plane: ControlPlane, name: string): Promise<void> {
  const core = plane.kubeConfig().makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** Starts `controller/main.ts` with tsx against `plane`. */
export async function startController(
  plane: ControlPlane,
  opts: ControllerProcessOptions = {},
): Promise<ControllerProcess> {
  const namespace = opts.namespace ?? 'tenantry-system';
  await installCRDs(plane.kubeConfig(), plane);
  await ensureNamespace(plane, namespace);
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const fast = opts.fastLeaderElection ?? true;
  const args = [
    '--import',
    'tsx',
    MAIN,
    `--kubeconfig=${opts.kubeconfigPath ?? plane.kubeconfigPath}`,
    `--namespace=${namespace}`,
    `--http-addr=127.0.0.1:${httpPort}`,
    `--metrics-addr=127.0.0.1:${metricsPort}`,
    ...(fast ? ['--lease-duration=3', '--renew-deadline=2', '--retry-period=0.5'] : []),
    ...(opts.args ?? []),
  ];
  const logFile = join(mkdtempSync(join(tmpdir(), 'tenantry-controller-')), 'controller.log');
  const c: Component = startComponent('tenantry-controller', process.execPath, args, logFile, {
    ...process.env,
    ...opts.env,
  });
  const proc: ControllerProcess = {
    pid: c.child.pid ?? 0,
    httpPort,
    metricsPort,
    logFile,
    exited: c.exited,
    get: (path) => localGet(httpPort, path),
    metrics: async () => (await localGet(metricsPort, '/metrics')).body,
    waitReady: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      let exited = false;
      void c.exited.then(() => (exited = true));
      while (Date.now() < deadline) {
        if (exited) throw new Error(`controller exited during start:\n${logTail(c, 40)}`);
        const r = await localGet(httpPort, '/readyz').catch(() => undefined);
        if (r?.status === 200) return;
        await new Promise((res) => setTimeout(res, 200));
      }
      throw new Error(`controller not ready after ${timeoutMs} ms:\n${logTail(c, 40)}`);
    },
    stop: () => stopComponent(c, 15_000),
    kill: async () => {
      if (c.child.pid !== undefined) process.kill(-c.child.pid, 'SIGKILL');
      await c.exited;
    },
    logs: (lines = 60) => logTail(c, lines),
  };
  return proc;
}
