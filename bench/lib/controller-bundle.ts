// The controller as the image ships it, for the benchmarks that run it as a child process: the
// controller.mjs that scripts/bundle.mjs builds for the Dockerfile, run by plain node with the
// image's node flags (controller/heap.ts IMAGE_NODE_FLAGS).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_NODE_FLAGS } from '../../controller/heap.js';
import { freePort } from '../../test/harness/controlplane.js';
import { localGet, logTail, startComponent, stopComponent } from '../../test/harness/processes.js';

/** Builds the image's bundle (scripts/bundle.mjs) into a temporary directory; returns controller.mjs. */
export function bundleController(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'tenantry-bench-'));
  execFileSync(process.execPath, ['scripts/bundle.mjs', outdir], { stdio: 'inherit' });
  return join(outdir, 'controller.mjs');
}

/** A running bundled controller. */
export interface BundledController {
  readonly pid: number;
  /** Prometheus text from its metrics listener. */
  metrics(): Promise<string>;
  /** Waits until /readyz answers 200. */
  waitReady(timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 15 s; resolves when it has exited. */
  stop(): Promise<void>;
  logs(): string;
}

/**
 * Starts `bundle` as the image's ENTRYPOINT does, listening on free loopback ports, with
 * `nodeFlags` after the image's (later flags win) and `args` after the common controller flags.
 */
export async function startBundledController(
  bundle: string,
  opts: { kubeconfigPath: string; namespace: string; args: string[]; nodeFlags?: string[] },
): Promise<BundledController> {
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const logFile = join(mkdtempSync(join(tmpdir(), 'tenantry-bench-log-')), 'controller.log');
  const c = startComponent(
    'tenantry-controller',
    process.execPath,
    [
      ...IMAGE_NODE_FLAGS,
      ...(opts.nodeFlags ?? []),
      bundle,
      `--kubeconfig=${opts.kubeconfigPath}`,
      `--namespace=${opts.namespace}`,
      `--http-addr=127.0.0.1:${httpPort}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      ...opts.args,
    ],
    logFile,
  );
  return {
    pid: c.child.pid ?? 0,
    metrics: async () => (await localGet(metricsPort, '/metrics')).body,
    waitReady: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const r = await localGet(httpPort, '/readyz').catch(() => undefined);
        if (r?.status === 200) return;
        await new Promise((res) => setTimeout(res, 200));
      }
      throw new Error(`controller not ready after ${timeoutMs} ms (log: ${logFile})`);
    },
    stop: () => stopComponent(c, 15_000),
    logs: () => logTail(c, 40),
  };
}
