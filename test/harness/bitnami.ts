/**
 * Bitnami's sealed-secrets controller as a child process against a local plane, for the
 * cross-compatibility tests and the side-by-side benchmark. It only runs in a cluster
 * (`rest.InClusterConfig()`), so it gets what a pod has: KUBERNETES_SERVICE_HOST/PORT pointing at
 * the plane and, in a private mount namespace of its own, a tmpfs over /run (/var/run is /run)
 * holding /run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}. The host's /run is
 * untouched. Needs root and util-linux `unshare`, like the network namespace of TestHost.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBitnamiController } from './binaries.js';
import { freePort, type ControlPlane } from './controlplane.js';
import { localGet, logTail, startComponent, stopComponent } from './processes.js';

/** A running Bitnami controller. */
export interface BitnamiController {
  readonly pid: number;
  /** Its HTTP listener (/healthz, /v1/cert.pem, /v1/verify, /v1/rotate) on 127.0.0.1. */
  readonly httpPort: number;
  /** Prometheus text from its metrics listener. */
  metrics(): Promise<string>;
  /** GET a path on the HTTP listener. */
  get(path: string): Promise<{ status: number; body: string }>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  logs(lines?: number): string;
}

// Runs as `sh -c SCRIPT sh <controller> <flags>` inside `unshare --mount`: the mounts stay in
// that namespace and vanish with the process.
const IN_CLUSTER_SCRIPT =
  'mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && ' +
  'cp "$SA_DIR"/* /run/secrets/kubernetes.io/serviceaccount/ && exec "$@"';

/**
 * Starts Bitnami's controller (built by the harness on first use) in `namespace`, authenticated
 * with `token`, and waits until /healthz answers. `args` are extra controller flags.
 */
export async function startBitnamiController(
  plane: ControlPlane,
  opts: { namespace: string; token: string; args?: string[] },
): Promise<BitnamiController> {
  const bin = await ensureBitnamiController();
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-bitnami-'));
  const sa = join(dir, 'serviceaccount');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), opts.token);
  writeFileSync(join(sa, 'ca.crt'), plane.caPem);
  writeFileSync(join(sa, 'namespace'), opts.namespace);
  const server = new URL(plane.server);
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const c = startComponent(
    'bitnami-controller',
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      IN_CLUSTER_SCRIPT,
      'sh',
      bin,
      `--listen-addr=127.0.0.1:${httpPort}`,
      `--listen-metrics-addr=127.0.0.1:${metricsPort}`,
      ...(opts.args ?? []),
    ],
    join(dir, 'controller.log'),
    {
      ...process.env,
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port,
      POD_NAMESPACE: opts.namespace,
      SA_DIR: sa,
    },
  );
  const controller: BitnamiController = {
    pid: c.child.pid ?? 0,
    httpPort,
    metrics: async () => (await localGet(metricsPort, '/metrics')).body,
    get: (path) => localGet(httpPort, path),
    stop: () => stopComponent(c, 15_000),
    logs: (lines = 40) => logTail(c, lines),
  };
  let exited = false;
  void c.exited.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`Bitnami's controller exited during start:\n${logTail(c, 40)}`);
    const r = await localGet(httpPort, '/healthz').catch(() => undefined);
    if (r?.status === 200) return controller;
    if (Date.now() > deadline) {
      await controller.stop();
      throw new Error(`Bitnami's controller not healthy after 60 s:\n${logTail(c, 40)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
