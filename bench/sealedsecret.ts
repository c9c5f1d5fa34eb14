// SealedSecret controller benchmarks (docs/benchmarks.md, section "SealedSecret controller"):
//  (a) the machine's RSA-4096 OAEP decrypt rate, measured in this run (one thread, sync; and
//      the thread pool, async WebCrypto), the yardstick of (b);
//  (b) first unseal: 1,000 SealedSecrets × 3 items sealed with the newest of 13 keys, controller
//      started against them — wall time until every Secret exists and every status is written,
//      RSA operations, requests, event-loop delay and /healthz latency meanwhile;
//  (c) restart with everything in sync: RSA operations and writes (goal 0 and 0).
// A fresh local control plane; the controller runs in-process (leader election off, so no Lease
// writes) and is counted through its own RequestCounter and metrics registry.
// Run: npx tsx bench/sealedsecret.ts [--count 1000] [--keys 13] [--workers N]
import {
  constants,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  webcrypto,
} from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { cpus } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { Manager } from '../controller/manager.js';
import { parser } from '../controller/options.js';
import { createLogger } from '../controller/runtime/index.js';
import { sealedSecretModule } from '../controller/sealedsecret/module.js';
import { ControlPlane } from '../test/harness/controlplane.js';
import { checkLoadAtStart, loadNow } from './lib/load.js';
import { median } from './lib/stats.js';
import { CONTROLLER_NAMESPACE as CTL_NS, prepareFixture } from './lib/sealedsecret-fixture.js';
import {
  cpuSecondsOf,
  machineCpuSeconds,
  mainThreadUserSystem,
  threadCpuSeconds,
} from './lib/proc.js';

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const COUNT = arg('count', 1000);
const KEYS = arg('keys', 13);
const WORKERS = arg('workers', 0); // 0: the controller's default
const ITEMS = 3;
const PER_NAMESPACE = 50;
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** CPU seconds the plane's processes (etcd, kube-apiserver, kube-controller-manager) used so far. */
function planeCpu(plane: ControlPlane): number {
  return plane.componentPids().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
}

/**
 * Waits (at most `maxMs`) for a second in which the plane used under 5 % of a core: work left
 * over from creating 1,000 SealedSecrets (the garbage collector's graph, watch fan-out) would
 * slow the yardstick below, and a slower yardstick flatters the ratio. Returns the seconds waited.
 */
async function quietPlane(plane: ControlPlane, maxMs = 30_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const before = planeCpu(plane);
    await new Promise((r) => setTimeout(r, 1000));
    if (planeCpu(plane) - before < 0.05 || performance.now() - t0 > maxMs) {
      return (performance.now() - t0) / 1000;
    }
  }
}

/**
 * RSA-4096 OAEP-SHA256 decryptions per second: one thread (sync) and the thread pool (async),
 * on a quiet plane; also the share of a core the plane used during the one-thread loop.
 */
async function rsaRates(
  plane: ControlPlane,
  seconds = 4,
): Promise<{
  sync: number;
  pool: number;
  perCpuSecond: number;
  quietWaitSeconds: number;
  planeCoresDuringSync: number;
}> {
  const quietWaitSeconds = await quietPlane(plane);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const label = Buffer.from('ns/name');
  const opts = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label };
  const ct = publicEncrypt({ key: publicKey, ...opts }, Buffer.alloc(32, 1));
  let n = 0;
  let t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const plane0 = planeCpu(plane);
  while (performance.now() - t0 < seconds * 1000) {
    privateDecrypt({ key: privateKey, ...opts }, ct);
    n++;
  }
  const syncSeconds = (performance.now() - t0) / 1000;
  const sync = n / syncSeconds;
  const planeCoresDuringSync = (planeCpu(plane) - plane0) / syncSeconds;
  const cpu = process.cpuUsage(cpu0);
  const perCpuSecond = n / ((cpu.user + cpu.system) / 1e6);
  // Four jobs in flight, each on its own key handle, as the controller runs them (Node
  // serialises the jobs of one handle: controller/keys/decrypt.ts).
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const keys = await Promise.all(
    [0, 1, 2, 3].map(() =>
      webcrypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, [
        'decrypt',
      ]),
    ),
  );
  n = 0;
  t0 = performance.now();
  const worker = async (key: webcrypto.CryptoKey): Promise<void> => {
    while (performance.now() - t0 < seconds * 1000) {
      await webcrypto.subtle.decrypt({ name: 'RSA-OAEP', label }, key, ct);
      n++;
    }
  };
  await Promise.all(keys.map(worker));
  return {
    sync,
    pool: n / ((performance.now() - t0) / 1000),
    perCpuSecond,
    quietWaitSeconds,
    planeCoresDuringSync,
  };
}

/**
 * Event-loop delay p99 (ms) while doing `n` RSA-4096 decryptions: idle (no work, same duration as
 * the sync run), synchronously (yielding every 10, as a careful sync loop would), and through
 * WebCrypto on the thread pool (4 in flight, as the controller does). Same machine, same run.
 */
async function eventLoopAB(n = 300): Promise<{ idle: number; sync: number; pool: number }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const label = Buffer.from('ns/name');
  const opts = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label };
  const ct = publicEncrypt({ key: publicKey, ...opts }, Buffer.alloc(32, 1));
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'RSA-OAEP', hash: 'SHA-256' },
    false,
    ['decrypt'],
  );
  const measure = async (work: () => Promise<void>): Promise<{ p99: number; ms: number }> => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const t0 = performance.now();
    await work();
    const ms = performance.now() - t0;
    h.disable();
    return { p99: h.percentile(99) / 1e6, ms };
  };
  const sync = await measure(async () => {
    for (let i = 0; i < n; i++) {
      privateDecrypt({ key: privateKey, ...opts }, ct);
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
  });
  const idle = await measure(() => new Promise((r) => setTimeout(r, sync.ms)));
  let left = n;
  const pooled = await measure(async () => {
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (left-- > 0) await webcrypto.subtle.decrypt({ name: 'RSA-OAEP', label }, key, ct);
      }),
    );
  });
  return { idle: idle.p99, sync: sync.p99, pool: pooled.p99 };
}

/** CPU seconds of this process (in all, and by thread) and of each plane component. */
function cpuSnapshot(plane: ControlPlane): {
  self: number;
  threads: ReturnType<typeof threadCpuSeconds>;
  plane: number[];
  machine: ReturnType<typeof machineCpuSeconds>;
  mainUserSystem: ReturnType<typeof mainThreadUserSystem>;
} {
  const u = process.cpuUsage();
  return {
    self: (u.user + u.system) / 1e6,
    threads: threadCpuSeconds(),
    plane: plane.componentPids().map(cpuSecondsOf),
    machine: machineCpuSeconds(),
    mainUserSystem: mainThreadUserSystem(),
  };
}

async function startManager(
  kubeConfig: KubeConfig,
): Promise<{ manager: Manager; startedAt: number; syncedAt: number }> {
  const modules = [sealedSecretModule()];
  const flags = await parser(
    [
      `--namespace=${CTL_NS}`,
      '--controllers=sealedsecret',
      '--leader-elect=false',
      '--http-addr=127.0.0.1:0',
      '--metrics-addr=127.0.0.1:0',
      ...(WORKERS > 0 ? [`--sealedsecret-workers=${WORKERS}`] : []),
    ],
    {},
    modules,
  ).parseAsync();
  const manager = new Manager({
    kubeConfig,
    namespace: CTL_NS,
    modules,
    flags,
    httpAddr: flags['http-addr'],
    metricsAddr: flags['metrics-addr'],
    leaderElection: false,
    logger: createLogger({ level: 'warn', name: 'bench-controller' }),
  });
  const startedAt = performance.now();
  await manager.start();
  return { manager, startedAt, syncedAt: performance.now() };
}

async function metric(
  m: Manager,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const found = await m.context().registry.getSingleMetric(name)?.get();
  return (found?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((s, v) => s + v.value, 0);
}

/** Waits until the controller reconciled ≥ `reconciles` keys, wrote `statuses` statuses, and is idle. */
async function settle(m: Manager, reconciles: number, statuses: number): Promise<number> {
  for (;;) {
    const done = await metric(m, 'controller_runtime_reconcile_total', {
      controller: 'sealedsecret',
    });
    const depth = await metric(m, 'workqueue_depth', { name: 'sealedsecret' });
    const active = await metric(m, 'controller_runtime_active_workers', {
      controller: 'sealedsecret',
    });
    const written = m.counter.count({ verb: 'update', resource: 'sealedsecrets/status' });
    if (done >= reconciles && depth === 0 && active === 0 && written >= statuses)
      return performance.now();
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the controller created `count` Events (at most 5 minutes); returns the time. */
async function eventsSent(m: Manager, count: number): Promise<number> {
  const deadline = performance.now() + 300_000;
  while (m.counter.count({ verb: 'create', resource: 'events' }) < count) {
    if (performance.now() > deadline) throw new Error(`fewer than ${count} Events after 5 minutes`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return performance.now();
}

/** Samples GET /healthz every 100 ms until stopped; returns the latencies. */
function sampleHealthz(port: number): { stop: () => Promise<number[]> } {
  const lat: number[] = [];
  let running = true;
  const loop = (async (): Promise<void> => {
    while (running) {
      const t = performance.now();
      await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.text());
      lat.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return lat;
    },
  };
}

/**
 * Samples the whole box's CPU (/proc/stat) every second until stopped: the share of both cores
 * left idle (the pipeline waiting on nothing busy) and stolen by the hypervisor, per second.
 */
function sampleBoxPerSecond(): { stop: () => { idlePercent: number; stealPercent: number }[] } {
  const seconds: { idlePercent: number; stealPercent: number }[] = [];
  let last = machineCpuSeconds();
  const take = (): void => {
    const now = machineCpuSeconds();
    const total = now.busy + now.idle + now.steal - (last.busy + last.idle + last.steal);
    const share = (x: number): number => (total > 0 ? Math.round((100 * x) / total) : 0);
    seconds.push({
      idlePercent: share(now.idle - last.idle),
      stealPercent: share(now.steal - last.steal),
    });
    last = now;
  };
  const timer = setInterval(take, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return seconds;
    },
  };
}

/** Starts `kubectl get --raw /debug/pprof/profile` against the plane into `file`, if given. */
function apiserverProfile(plane: ControlPlane, file: string | undefined): Promise<void> {
  if (file === undefined) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn(
      plane.binaries.kubectl,
      ['--kubeconfig', plane.kubeconfigPath, 'get', '--raw', '/debug/pprof/profile?seconds=20'],
      { stdio: ['ignore', openSync(file, 'w'), 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`kubectl exit ${code}`)),
    );
  });
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  log(
    `bench: ${COUNT} SealedSecrets × ${ITEMS} items, ${KEYS} keys; ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}`,
  );
  const loadAtStart = checkLoadAtStart(log);
  const plane = await ControlPlane.start({ log });
  try {
    const controllerConfig = (
      await prepareFixture(
        plane,
        { keys: KEYS, count: COUNT, items: ITEMS, perNamespace: PER_NAMESPACE },
        log,
      )
    ).kubeConfig;

    log('bench: measuring the RSA-4096 decrypt rate and its event-loop cost');
    const before = await rsaRates(plane);
    const loopAB = await eventLoopAB();

    log('bench: first unseal');
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    // BENCH_PROFILE=<file>: a CPU profile of the main thread during the first unseal.
    const profile = process.env.BENCH_PROFILE;
    const session = profile !== undefined ? new Session() : undefined;
    if (session !== undefined) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    // BENCH_APISERVER_PROFILE=<file>: kube-apiserver's Go CPU profile (pprof) of the first unseal.
    const apiProfile = apiserverProfile(plane, process.env.BENCH_APISERVER_PROFILE);
    const cpuBefore = cpuSnapshot(plane);
    const timeline = sampleBoxPerSecond();
    const first = await startManager(controllerConfig);
    const probe = sampleHealthz(first.manager.ports.http);
    const doneAt = await settle(first.manager, COUNT, COUNT);
    const healthz = await probe.stop();
    const boxPerSecond = timeline.stop();
    const cpuAfter = cpuSnapshot(plane);
    if (session !== undefined && profile !== undefined) {
      const { profile: p } = await session.post('Profiler.stop');
      writeFileSync(profile, JSON.stringify(p));
      session.disconnect();
    }
    eld.disable();
    await apiProfile;
    // Events trail the Secrets and statuses (one in flight, controller/sealedsecret/events.ts).
    const eventsDoneAt = await eventsSent(first.manager, COUNT);
    const firstRsa = await metric(first.manager, 'tenantry_sealedsecret_rsa_decryptions_total');
    const firstReq = first.manager.counter.snapshot();
    const firstUnseals = await metric(
      first.manager,
      'sealed_secrets_controller_unseal_requests_total',
    );
    const firstErrors = await metric(first.manager, 'controller_runtime_reconcile_errors_total', {
      controller: 'sealedsecret',
    });
    const firstReconciles = await metric(first.manager, 'controller_runtime_reconcile_total', {
      controller: 'sealedsecret',
    });
    const firstFailed =
      (
        await first.manager
          .context()
          .registry.getSingleMetric('sealed_secrets_controller_condition_info')
          ?.get()
      )?.values.filter((v) => v.labels.condition === 'Synced' && v.value !== 1).length ?? 0;
    await first.manager.stop();

    const after = await rsaRates(plane);
    log('bench: restart with everything in sync');
    const restartCpuBefore = cpuSnapshot(plane);
    const second = await startManager(controllerConfig);
    const settledAt = await settle(second.manager, COUNT, 0);
    const restartCpuAfter = cpuSnapshot(plane);
    const restartReconciles = await metric(second.manager, 'controller_runtime_reconcile_total', {
      controller: 'sealedsecret',
    });
    await new Promise((r) => setTimeout(r, 2000));
    const restartRsa = await metric(second.manager, 'tenantry_sealedsecret_rsa_decryptions_total');
    const restartSkipped = await metric(
      second.manager,
      'tenantry_sealedsecret_unseal_skipped_total',
    );
    const restartWrites = second.manager.counter.writes();
    const restartReq = second.manager.counter.snapshot();
    await second.manager.stop();

    const items = COUNT * ITEMS;
    const wall = (doneAt - first.startedAt) / 1000;
    const reconcileWall = (doneAt - first.syncedAt) / 1000;
    const rate = median([before.sync, after.sync]);
    const poolRate = median([before.pool, after.pool]);
    const result = {
      loadAverage: { atStart: loadAtStart, atEnd: loadNow() },
      count: COUNT,
      items,
      keys: KEYS,
      rsa4096: {
        syncPerSecond: [before.sync, after.sync],
        poolPerSecond: [before.pool, after.pool],
        perCpuSecond: [before.perCpuSecond, after.perCpuSecond],
        // Before each measurement the bench waits for a quiet plane; what the plane still used
        // during the one-thread loop (cores) is reported so a disturbed yardstick shows.
        quietWaitSeconds: [before.quietWaitSeconds, after.quietWaitSeconds],
        planeCoresDuringSync: [before.planeCoresDuringSync, after.planeCoresDuringSync],
      },
      eventLoopDelayP99Ms300Decrypts: loopAB,
      firstUnseal: {
        wallSeconds: wall,
        afterSyncSeconds: reconcileWall,
        eventsDoneSeconds: (eventsDoneAt - first.startedAt) / 1000,
        rsaOps: firstRsa,
        rsaOpsPerItem: firstRsa / items,
        passesThatDecrypted: firstUnseals,
        // Every pass, including those woken by the echo of the controller's own writes.
        reconciles: firstReconciles,
        cpuSeconds: {
          benchProcessWithController: cpuAfter.self - cpuBefore.self,
          byThread: {
            main: +(cpuAfter.threads.main - cpuBefore.threads.main).toFixed(2),
            // In the kernel: mostly loopback TCP, whose receive side runs in the sender's context.
            mainSystem: +(cpuAfter.mainUserSystem.system - cpuBefore.mainUserSystem.system).toFixed(
              2,
            ),
            otherThreads: +(
              cpuAfter.threads['other threads'] - cpuBefore.threads['other threads']
            ).toFixed(2),
          },
          etcdApiserverKcm: cpuAfter.plane.map((x, i) => x - (cpuBefore.plane[i] ?? 0)),
          // All cores together, every process and the kernel: how busy the box was.
          machineBusy: +(cpuAfter.machine.busy - cpuBefore.machine.busy).toFixed(2),
          machineIdle: +(cpuAfter.machine.idle - cpuBefore.machine.idle).toFixed(2),
          machineSteal: +(cpuAfter.machine.steal - cpuBefore.machine.steal).toFixed(2),
        },
        reconcileErrors: firstErrors,
        notSynced: firstFailed,
        rsaBoundSeconds: items / rate,
        ratioToSingleThreadRate: wall / (items / rate),
        ratioToThreadPoolRate: wall / (items / poolRate),
        rsaCpuSeconds: items / median([before.perCpuSecond, after.perCpuSecond]),
        eventLoopDelayMs: {
          p50: eld.percentile(50) / 1e6,
          p99: eld.percentile(99) / 1e6,
          max: eld.max / 1e6,
        },
        // Each second of the first unseal: % of both cores idle and stolen (pipeline bubbles, neighbours).
        boxPerSecond,
        healthzMs: {
          samples: healthz.length,
          p50: pct(healthz, 50),
          p99: pct(healthz, 99),
          max: Math.max(...healthz),
        },
        requests: firstReq,
      },
      restart: {
        settleSeconds: (settledAt - second.startedAt) / 1000,
        rsaOps: restartRsa,
        skipped: restartSkipped,
        reconciles: restartReconciles,
        mainThreadCpuSeconds: +(
          restartCpuAfter.threads.main - restartCpuBefore.threads.main
        ).toFixed(2),
        writes: restartWrites,
        requests: restartReq,
        bitnamiExpectedRsaOps: (items * (KEYS + 1)) / 2,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await plane.stop();
  }
}

await main();
