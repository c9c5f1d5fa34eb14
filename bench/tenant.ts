// Tenant controller benchmark (docs/benchmarks.md, section "Tenant controller"; performance.md
// §10 S1–S3). On a fresh local plane:
//  1. set-up: T Tenants (2 owners, 1 quota, 1 limit range, 2 network policies, 1 extra binding
//     → 8 children per namespace) and T×5 tenant namespaces, as admin;
//  2. floor: a bare client (the runtime's KubeClient, no cache, no reads) POSTs the same objects,
//     under other names in the same namespaces, with as many requests in flight as the controller
//     may have (--max-in-flight);
//  3. cold start: the controller (child process, its own identity) converges every Tenant; time
//     from spawn and from /readyz until every Tenant is Ready, its requests by verb (audit log),
//     RSS peak and CPU;
//  4. idle window: writes by the controller (0 expected);
//  5. restart: writes until every Tenant has been reconciled again (0 expected).
// The controller runs as shipped (Dockerfile): scripts/bundle.mjs's controller.mjs, run by plain
// node with the image's node flags; `--runtime tsx` runs the sources through tsx as the tests do (tsx alone
// adds ~100 MiB of RSS).
// Run: npx tsx bench/tenant.ts [--tenants 1000] [--namespaces 5] [--idle 300] [--workers 4]
//      [--max-in-flight 64] [--runtime bundle|tsx] [--node-flags "<node flags>"] [--keep]
import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { KubeClient, apiErrorCode, loadKubeConfig } from '../controller/runtime/kube.js';
import { metricValue } from '../test/harness/metrics.js';
import { bundleController, startBundledController } from './lib/controller-bundle.js';
import { checkLoadAtStart, loadNow } from './lib/load.js';
import { cpuSecondsOf } from './lib/proc.js';
import { createInformer } from '../controller/runtime/informer.js';
import type { KubeObject } from '../controller/runtime/objects.js';
import { desiredClusterRbac, desiredNamespaceChildren } from '../controller/tenant/desired.js';
import { KINDS, collectionPath } from '../controller/tenant/kinds.js';
import { tenantOwnerReference } from '../controller/tenant/membership.js';
import { mapLimit } from '../controller/tenant/writer.js';
import type { Tenant } from '../crds/index.js';
import { startController } from '../test/harness/controller.js';
import { ControlPlane } from '../test/harness/controlplane.js';
import { installCRDs } from '../test/harness/crds.js';

const CONTROLLER_USER = 'system:serviceaccount:tenantry-system:tenantry-controller';
const TENANTS = '/apis/tenantry.io/v1alpha1/tenants';
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

const { values: args } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '5' },
    idle: { type: 'string', default: '300' },
    workers: { type: 'string', default: '16' },
    'max-in-flight': { type: 'string', default: '64' },
    runtime: { type: 'string', default: 'bundle' },
    floor: { type: 'string', default: 'true' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const T = Number(args.tenants);
const N = Number(args.namespaces);
const IDLE_S = Number(args.idle);
const WORKERS = Number(args.workers);
const IN_FLIGHT = Number(args['max-in-flight']);
const RUNTIME = args.runtime === 'tsx' ? 'tsx' : 'bundle';
const FLOOR = args.floor !== 'false';

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function tenantSpec(name: string): Tenant {
  return {
    apiVersion: 'tenantry.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: {
      owners: [
        { kind: 'User', name: `${name}-alice` },
        { kind: 'Group', name: `${name}-ops` },
      ],
      resourceQuotas: [{ name: 'objects', hard: { pods: 50, services: 20, 'requests.cpu': '4' } }],
      limitRanges: [
        {
          name: 'defaults',
          limits: [
            { type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } },
          ],
        },
      ],
      networkPolicies: [
        {
          name: 'same-tenant',
          spec: {
            podSelector: {},
            ingress: [
              { from: [{ namespaceSelector: { matchLabels: { 'tenantry.io/tenant': name } } }] },
            ],
          },
        },
        {
          name: 'dns-egress',
          spec: {
            podSelector: {},
            policyTypes: ['Egress'],
            egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }],
          },
        },
      ],
      additionalRoleBindings: [
        {
          name: 'auditors',
          clusterRoleName: 'view',
          subjects: [{ kind: 'Group', name: 'auditors' }],
        },
      ],
    },
  };
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (apiErrorCode(err) !== 409) throw err;
  }
}

/** Creates the Tenants and their namespaces; returns the stored Tenants. */
async function setUp(admin: KubeClient): Promise<(Tenant & KubeObject)[]> {
  const names = Array.from({ length: T }, (_, i) => `t${String(i).padStart(4, '0')}`);
  const stored: (Tenant & KubeObject)[] = [];
  await mapLimit(names, 32, async (name) => {
    const t = tenantSpec(name);
    stored.push(
      await admin.request<Tenant & KubeObject>({ method: 'POST', path: TENANTS, body: t }),
    );
  });
  const namespaces = stored.flatMap((t) =>
    Array.from({ length: N }, (_, i) => ({ t, ns: `${t.metadata.name}-${i}` })),
  );
  await mapLimit(namespaces, 32, async ({ t, ns }) => {
    await admin.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: {
        metadata: {
          name: ns,
          labels: { 'tenantry.io/tenant': t.metadata.name ?? '' },
          ownerReferences: [
            tenantOwnerReference({
              metadata: { name: t.metadata.name ?? '', uid: t.metadata.uid ?? '' },
            }),
          ],
        },
      },
    });
  });
  return stored.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
}

/**
 * The objects the controller will write, renamed `<prefix>-…` and labelled `bench=<prefix>` for
 * the bare client.
 */
function floorObjects(tenants: readonly (Tenant & KubeObject)[], prefix: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const t of tenants) {
    const children = [
      ...Array.from({ length: N }, (_, i) =>
        desiredNamespaceChildren(t, `${t.metadata.name}-${i}`),
      ).flat(),
      ...desiredClusterRbac(t),
    ];
    for (const c of children) {
      const o = structuredClone(c.object);
      const meta = o.metadata ?? {};
      meta.name =
        meta.name?.includes(':') === true
          ? `${prefix}:${meta.name}`
          : `${prefix}-${meta.name ?? ''}`;
      // Same objects, owner reference included (the garbage collector tracks it); other labels,
      // so the controller's label-selected caches never see them.
      meta.labels = { bench: prefix };
      out.push(o);
    }
  }
  return out;
}

async function floor(
  admin: KubeClient,
  objects: readonly KubeObject[],
): Promise<{ ms: number; cpuS: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await mapLimit(objects, IN_FLIGHT, async (o) => {
    const info = Object.values(KINDS).find((k) => k.kind === o.kind);
    if (info === undefined) throw new Error(`unknown kind ${o.kind ?? ''}`);
    await admin.request({
      method: 'POST',
      path: collectionPath(info, o.metadata?.namespace),
      query: { fieldManager: 'bench-floor' },
      body: o,
    });
  });
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuS: (used.user + used.system) / 1e6 };
}

async function bindController(admin: KubeClient): Promise<void> {
  await ignoreConflict(
    admin.request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        metadata: { name: 'bench-tenantry-controller' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'cluster-admin',
        },
        subjects: [{ kind: 'User', name: CONTROLLER_USER, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    }),
  );
}

/** Resolves when every Tenant is Ready with all its namespaces, watching through an informer. */
function allReady(admin: KubeClient): { done: Promise<number>; stop: () => Promise<void> } {
  const informer = createInformer<Tenant & KubeObject>(admin, { path: TENANTS });
  const ready = new Set<string>();
  let resolve: (ms: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolve = r));
  informer.addEventHandler({
    onChange: (t) => {
      const ok =
        t.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' &&
        t.status.size === N &&
        t.status.observedGeneration === t.metadata.generation;
      if (ok) ready.add(t.metadata.name ?? '');
      if (ready.size === T) resolve(performance.now());
    },
  });
  informer.start();
  return { done, stop: () => informer.stop() };
}

interface ProcessSample {
  rssMiB: number;
  cpuS: number;
}

function sampleProcess(pid: number): ProcessSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMiB: rssKiB / 1024, cpuS: cpuSecondsOf(pid) };
}

/** Samples RSS every 500 ms until stopped; returns the peak. */
function rssSampler(pid: number): { stop: () => ProcessSample & { peakMiB: number } } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, sampleProcess(pid).rssMiB);
    } catch {
      // the process is gone
    }
  }, 500);
  return {
    stop: () => {
      clearInterval(timer);
      const last = sampleProcess(pid);
      return { ...last, peakMiB: Math.max(peak, last.rssMiB) };
    },
  };
}

/**
 * The audit log and its rotated parts: the apiserver writes through lumberjack, whose default
 * maximum size (100 MB) applies even with `--audit-log-maxsize=0`.
 */
function auditFiles(auditLog: string): string[] {
  const dir = dirname(auditLog);
  const stem = basename(auditLog, '.log');
  return readdirSync(dir)
    .filter((f) => f.startsWith(stem) && f.endsWith('.log'))
    .map((f) => join(dir, f));
}

/** Server-side view of one user's writes in a window: latency and mean concurrency. */
interface ServerView {
  readonly writes: number;
  readonly meanLatencyMs: number;
  /** Σ latency / window: how many of the user's writes the apiserver had in hand on average. */
  readonly meanInFlight: number;
}

/** What the audit log says about one user in a window (one pass over the log). */
interface AuditWindow {
  /** Requests by "verb resource[/subresource]", leases excluded. */
  readonly requests: Record<string, number>;
  readonly server: ServerView;
}

/** One user's audit events (leases excluded) with stageTimestamp in [from, to] (epoch ms). */
async function auditWindow(
  auditLog: string,
  user: string,
  from: number,
  to: number,
): Promise<AuditWindow> {
  const requests: Record<string, number> = {};
  let writes = 0;
  let latency = 0;
  let last = from;
  for (const file of auditFiles(auditLog)) {
    const lines = createInterface({ input: createReadStream(file) });
    for await (const line of lines) {
      if (!line.includes(user)) continue;
      const e = JSON.parse(line) as {
        verb: string;
        user: { username: string };
        objectRef?: { resource?: string; subresource?: string };
        requestReceivedTimestamp: string;
        stageTimestamp: string;
      };
      const at = Date.parse(e.stageTimestamp);
      if (e.user.username !== user || at < from || at > to) continue;
      const resource = e.objectRef?.resource ?? 'nonresource';
      if (resource === 'leases') continue;
      const sub = e.objectRef?.subresource !== undefined ? `/${e.objectRef.subresource}` : '';
      const key = `${e.verb} ${resource}${sub}`;
      requests[key] = (requests[key] ?? 0) + 1;
      last = Math.max(last, at);
      if (!WRITE_VERBS.has(e.verb)) continue;
      writes++;
      latency += at - Date.parse(e.requestReceivedTimestamp);
    }
  }
  const span = (Number.isFinite(to) ? to : last) - from;
  return {
    requests,
    server: {
      writes,
      meanLatencyMs: writes > 0 ? +(latency / writes).toFixed(1) : 0,
      meanInFlight: span > 0 ? +(latency / span).toFixed(1) : 0,
    },
  };
}

/** The controller's own count of its requests (rest_client_requests_total), by "method code". */
async function clientRequests(c: Proc): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const m = await c.metrics();
  for (const x of m.matchAll(
    /rest_client_requests_total\{method="([A-Z]+)",code="([^"]+)"\} (\d+)/g,
  )) {
    out[`${x[1]} ${x[2]}`] = Number(x[3]);
  }
  return out;
}

/** V8 heap figures (MiB) from the controller's /metrics. */
async function heap(c: Proc): Promise<Record<string, number>> {
  const m = await c.metrics();
  const get = (name: string): number =>
    Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(m)?.[1] ?? 0) / 1048576);
  return {
    heapUsedMiB: get('nodejs_heap_size_used_bytes'),
    heapTotalMiB: get('nodejs_heap_size_total_bytes'),
    externalMiB: get('nodejs_external_memory_bytes'),
  };
}

function writesOf(requests: Record<string, number>): number {
  return Object.entries(requests)
    .filter(([k]) => WRITE_VERBS.has(k.split(' ')[0] ?? ''))
    .reduce((s, [, n]) => s + n, 0);
}

/** The controller process, however it runs. */
interface Proc {
  readonly pid: number;
  metrics(): Promise<string>;
  waitReady(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

async function spawnController(
  plane: ControlPlane,
  kubeconfig: string,
  bundle: string | undefined,
): Promise<Proc> {
  const flags = [
    '--controllers=tenant',
    `--tenant-workers=${WORKERS}`,
    `--tenant-max-in-flight=${IN_FLIGHT}`,
    '--log-level=warn',
  ];
  if (bundle === undefined) {
    const c = await startController(plane, {
      namespace: 'tenantry-system',
      kubeconfigPath: kubeconfig,
      args: flags,
    });
    return c;
  }
  await ignoreConflict(
    new KubeClient(plane.kubeConfig()).request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: 'tenantry-system' } },
    }),
  );
  return startBundledController(bundle, {
    kubeconfigPath: kubeconfig,
    namespace: 'tenantry-system',
    // --node-flags come after the image's, so they win.
    nodeFlags: [
      ...(args['cpu-prof'] !== undefined
        ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`]
        : []),
      ...(args['node-flags'] ?? '').split(' ').filter((f) => f !== ''),
    ],
    args: ['--lease-duration=3', '--renew-deadline=2', '--retry-period=0.5', ...flags],
  });
}

async function reconciledAll(c: Proc, atLeast: number): Promise<void> {
  for (;;) {
    const m = await c.metrics().catch(() => '');
    const total = metricValue(m, 'controller_runtime_reconcile_total', { controller: 'tenant' });
    // No depth line yet (the controller has not started its queue): not idle.
    const depth = m.includes('workqueue_depth{')
      ? metricValue(m, 'workqueue_depth', { controller: 'tenant', name: 'tenant' })
      : 1;
    if (total >= atLeast && depth === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<void> {
  log(
    `tenants=${T} namespaces/tenant=${N} workers=${WORKERS} max-in-flight=${IN_FLIGHT} idle=${IDLE_S}s`,
  );
  const loadAtStart = checkLoadAtStart(log);
  const plane = await ControlPlane.start({ log, keepDir: args.keep === true });
  const admin = new KubeClient(plane.kubeConfig());
  let controller: Proc | undefined;
  const bundle = RUNTIME === 'bundle' ? bundleController() : undefined;
  try {
    await installCRDs(plane.kubeConfig());
    const identity = plane.makeUser(CONTROLLER_USER, ['system:serviceaccounts']);
    await bindController(admin);
    let t = performance.now();
    const tenants = await setUp(admin);
    log(
      `set-up: ${T} Tenants and ${T * N} namespaces in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    const objects = floorObjects(tenants, 'floor');
    const floorFrom = Date.now();
    const before = FLOOR ? await floor(admin, objects) : { ms: NaN, cpuS: NaN };
    const floorAudit = await auditWindow(
      plane.auditLogPath,
      'tenantry-admin',
      floorFrom,
      Date.now(),
    );
    log(`floor (before): ${objects.length} objects in ${(before.ms / 1000).toFixed(1)} s`);
    // The same floor as the controller's identity: the API server's cost of a write depends on
    // who sends it (system:masters skips authorization and API Priority and Fairness queues).
    const asController = new KubeClient(loadKubeConfig({ kubeconfig: identity.kubeconfigPath }));
    const idFrom = Date.now();
    const beforeId = FLOOR
      ? await floor(asController, floorObjects(tenants, 'floorid'))
      : { ms: NaN, cpuS: NaN };
    const floorIdServer = (
      await auditWindow(plane.auditLogPath, CONTROLLER_USER, idFrom, Date.now())
    ).server;
    log(`floor as the controller's identity (before): ${(beforeId.ms / 1000).toFixed(1)} s`);

    const watcher = allReady(admin);
    const spawnAt = Date.now();
    t = performance.now();
    controller = await spawnController(plane, identity.kubeconfigPath, bundle);
    const rss = rssSampler(controller.pid);
    await controller.waitReady(600_000);
    const readyAt = performance.now();
    const convergedAt = await watcher.done;
    const convergedEpoch = Date.now();
    const proc = rss.stop();
    await watcher.stop();
    const coldMs = convergedAt - t;
    const fromReadyMs = convergedAt - readyAt;
    log(
      `cold start: converged in ${(coldMs / 1000).toFixed(1)} s from spawn, ${(fromReadyMs / 1000).toFixed(1)} s from /readyz`,
    );
    const cold = await auditWindow(plane.auditLogPath, CONTROLLER_USER, spawnAt, convergedEpoch);
    const coldRequests = cold.requests;
    const coldServer = cold.server;
    // The floor again, right after: the machine's load drifts, so the ratio uses the mean of both.
    const coldClient = await clientRequests(controller);
    const coldHeap = await heap(controller);
    const after = FLOOR
      ? await floor(admin, floorObjects(tenants, 'floor2'))
      : { ms: NaN, cpuS: NaN };
    log(`floor (after): ${(after.ms / 1000).toFixed(1)} s`);
    const afterId = FLOOR
      ? await floor(asController, floorObjects(tenants, 'floorid2'))
      : { ms: NaN, cpuS: NaN };
    log(`floor as the controller's identity (after): ${(afterId.ms / 1000).toFixed(1)} s`);
    const floorMs = (before.ms + after.ms) / 2;
    const floorIdMs = (beforeId.ms + afterId.ms) / 2;

    // Steady state (let trailing events drain first).
    await new Promise((r) => setTimeout(r, 5000));
    const idleFrom = Date.now();
    const idleRss = rssSampler(controller.pid);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idleProc = idleRss.stop();
    const idleHeap = await heap(controller);
    const idleRequests = (
      await auditWindow(plane.auditLogPath, CONTROLLER_USER, idleFrom, Infinity)
    ).requests;

    await controller.stop();
    const restartFrom = Date.now();
    t = performance.now();
    controller = await spawnController(plane, identity.kubeconfigPath, bundle);
    const restartRss = rssSampler(controller.pid);
    await controller.waitReady(600_000);
    await reconciledAll(controller, T);
    const caughtUpMs = performance.now() - t;
    const restartProc = restartRss.stop();
    await new Promise((r) => setTimeout(r, 2000));
    const restartRequests = (
      await auditWindow(plane.auditLogPath, CONTROLLER_USER, restartFrom, Infinity)
    ).requests;

    const result = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}`,
      loadAverage: { atStart: loadAtStart, atEnd: loadNow() },
      runtime: RUNTIME,
      tenants: T,
      namespaces: T * N,
      objects: objects.length,
      inFlight: IN_FLIGHT,
      floorBeforeS: +(before.ms / 1000).toFixed(1),
      floorAfterS: +(after.ms / 1000).toFixed(1),
      floorClientCpuS: +((before.cpuS + after.cpuS) / 2).toFixed(2),
      coldFromSpawnS: +(coldMs / 1000).toFixed(1),
      coldFromReadyS: +(fromReadyMs / 1000).toFixed(1),
      ratioFromSpawn: +(coldMs / floorMs).toFixed(2),
      ratioFromReady: +(fromReadyMs / floorMs).toFixed(2),
      floorAsControllerBeforeS: +(beforeId.ms / 1000).toFixed(1),
      floorAsControllerAfterS: +(afterId.ms / 1000).toFixed(1),
      ratioToControllerIdentityFloorFromSpawn: +(coldMs / floorIdMs).toFixed(2),
      ratioToControllerIdentityFloorFromReady: +(fromReadyMs / floorIdMs).toFixed(2),
      floorIdServer,
      coldRequests,
      coldWrites: writesOf(coldRequests),
      floorServer: floorAudit.server,
      coldServer,
      coldClientRequests: coldClient,
      coldHeap,
      controllerPeakRssMiB: Math.round(proc.peakMiB),
      controllerCpuS: proc.cpuS,
      idleS: IDLE_S,
      idleRequests,
      idleWrites: writesOf(idleRequests),
      idleRssMiB: Math.round(idleProc.rssMiB),
      idleHeap,
      restartCaughtUpS: +(caughtUpMs / 1000).toFixed(1),
      restartRequests,
      restartWrites: writesOf(restartRequests),
      restartPeakRssMiB: Math.round(restartProc.peakMiB),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await controller?.stop().catch(() => undefined);
    await plane.stop();
    if (args.keep === true) log(`kept ${plane.dir}`);
  }
}

await main();
