// Side by side with Bitnami's controller (docs/benchmarks.md, "Side by side with Bitnami's
// controller"; the reference's SS1/SS2): the fixture of bench/sealedsecret.ts (1,000
// SealedSecrets × 3 items, 13 keys one month apart, sealed with the newest) on a fresh local
// plane for each controller, one after the other in one run:
//  (a) first unseal: wall time until every Secret exists and every status is written, and until
//      every Event is written, taken from the API server's audit log; CPU seconds of the
//      controller and of the plane; requests by verb;
//  (b) restart with everything in sync: wall time until every SealedSecret was looked at again
//      (the controller's own counter, then the audit log quiet for 2 s), CPU seconds, writes.
// Both run as child processes under the same kind of ServiceAccount token (bound to
// cluster-admin). Bitnami's controller is built from source and run as a pod would run it by
// test/harness/bitnami.ts (needs root and util-linux `unshare`). Tenantry's controller runs as
// the image runs it (bench/lib/controller-bundle.ts).
// Run: npx tsx bench/bitnami.ts [--count 1000] [--keys 13] [--only bitnami|tenantry]
import { closeSync, mkdtempSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceAccountToken } from '../test/harness/accounts.js';
import { ensureBitnamiController, BITNAMI_CONTROLLER_VERSION } from '../test/harness/binaries.js';
import { startBitnamiController } from '../test/harness/bitnami.js';
import { ControlPlane, type AuditEvent } from '../test/harness/controlplane.js';
import { metricValue } from '../test/harness/metrics.js';
import { bundleController, startBundledController } from './lib/controller-bundle.js';
import { checkLoadAtStart } from './lib/load.js';
import { cpuSecondsOf } from './lib/proc.js';
import { CONTROLLER_NAMESPACE as CTL_NS, prepareFixture } from './lib/sealedsecret-fixture.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const COUNT = Number(arg('count') ?? 1000);
const KEYS = Number(arg('keys') ?? 13);
const ONLY = arg('only');
const ITEMS = 3;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Bitnami's controller at client-go's default client rate limit can take many minutes per pass. */
const PHASE_LIMIT_MS = 45 * 60_000;
const READS = new Set(['get', 'list', 'watch']);

/** The audit log, read as it grows: the controller's own requests, by verb and resource. */
class AuditTail {
  private offset = 0;
  private partial = '';
  /** "verb resource[/subresource]" → count and the latest completion time (ms since epoch). */
  readonly counts = new Map<string, number>();
  readonly last = new Map<string, number>();
  /** Latest completion of any request but a watch (ms since epoch). */
  lastRequestAt = 0;

  constructor(
    private readonly path: string,
    private readonly username: string,
  ) {}

  /** Counts only what completes from now on. */
  reset(): void {
    this.read();
    this.counts.clear();
    this.last.clear();
    this.lastRequestAt = 0;
  }

  read(): void {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return;
    }
    if (size <= this.offset) return;
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.partial + buf.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      const e = JSON.parse(line) as AuditEvent & { stage?: string };
      if (e.user.username !== this.username || e.stage !== 'ResponseComplete') continue;
      const ref = e.objectRef;
      const what = `${e.verb} ${ref?.resource ?? e.requestURI}${ref?.subresource ? `/${ref.subresource}` : ''}`;
      const at = Date.parse(e.stageTimestamp);
      this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
      this.last.set(what, Math.max(this.last.get(what) ?? 0, at));
      if (e.verb !== 'watch') this.lastRequestAt = Math.max(this.lastRequestAt, at);
    }
  }

  count(...what: string[]): number {
    return what.reduce((s, w) => s + (this.counts.get(w) ?? 0), 0);
  }

  lastOf(...what: string[]): number {
    return Math.max(0, ...what.map((w) => this.last.get(w) ?? 0));
  }

  writes(): number {
    let n = 0;
    for (const [what, c] of this.counts) if (!READS.has(what.split(' ')[0]!)) n += c;
    return n;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** A controller under test: started per phase, read through its Prometheus counter. */
interface Contender {
  readonly name: string;
  start(): Promise<Running>;
}

interface Running {
  readonly pid: number;
  /** The counter that reaches COUNT once every SealedSecret was looked at in this process. */
  passes(): Promise<number>;
  stop(): Promise<void>;
  logs(): string;
}

function bitnami(plane: ControlPlane, account: ServiceAccountToken): Contender {
  return {
    name: `bitnami ${BITNAMI_CONTROLLER_VERSION}`,
    start: async () => {
      const c = await startBitnamiController(plane, { namespace: CTL_NS, token: account.token });
      return {
        pid: c.pid,
        passes: async () =>
          metricValue(
            await c.metrics().catch(() => ''),
            'sealed_secrets_controller_unseal_requests_total',
          ),
        stop: () => c.stop(),
        logs: () => c.logs(),
      };
    },
  };
}

function tenantry(bundle: string, account: ServiceAccountToken): Contender {
  const kubeconfigPath = join(mkdtempSync(join(tmpdir(), 'bench-tenantry-')), 'kubeconfig');
  writeFileSync(kubeconfigPath, account.kubeConfig.exportConfig());
  return {
    name: 'tenantry',
    start: async () => {
      // Leader election off, like Bitnami's controller.
      const c = await startBundledController(bundle, {
        kubeconfigPath,
        namespace: CTL_NS,
        args: ['--controllers=sealedsecret', '--leader-elect=false', '--log-level=warn'],
      });
      return {
        pid: c.pid,
        passes: async () =>
          metricValue(await c.metrics().catch(() => ''), 'controller_runtime_reconcile_total', {
            controller: 'sealedsecret',
          }),
        stop: () => c.stop(),
        logs: () => c.logs(),
      };
    },
  };
}

function planeCpu(plane: ControlPlane): number[] {
  return plane.componentPids().map(cpuSecondsOf);
}

const diff = (a: number[], b: number[]): number[] => a.map((x, i) => +(x - (b[i] ?? 0)).toFixed(2));

/** Polls `done` every 50 ms until it holds; fails after the phase limit with the controller's log. */
async function until(run: Running, what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + PHASE_LIMIT_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in time\n${run.logs()}`);
    await sleep(50);
  }
}

type Kind = 'bitnami' | 'tenantry';

async function measure(kind: Kind, bundle: string): Promise<Record<string, unknown>> {
  log(`bench: ${kind}: a fresh plane, ${KEYS} keys, ${COUNT} SealedSecrets`);
  const plane = await ControlPlane.start({ log });
  try {
    const account = await prepareFixture(
      plane,
      { keys: KEYS, count: COUNT, items: ITEMS, perNamespace: 50 },
      log,
    );
    const subject = kind === 'bitnami' ? bitnami(plane, account) : tenantry(bundle, account);
    const audit = new AuditTail(plane.auditLogPath, account.username);
    await sleep(5000); // let the plane settle after creating the fixture

    log(`bench: ${subject.name}: first unseal`);
    audit.reset();
    let plane0 = planeCpu(plane);
    let t0 = Date.now();
    const first = await subject.start();
    const statuses = ['update sealedsecrets/status', 'patch sealedsecrets/status'];
    await until(first, 'first unseal', async () => {
      audit.read();
      return audit.count('create secrets') >= COUNT && audit.count(...statuses) >= COUNT;
    });
    const firstCpu = cpuSecondsOf(first.pid);
    const firstPlane = diff(planeCpu(plane), plane0);
    const doneAt = Math.max(audit.lastOf('create secrets'), audit.lastOf(...statuses));
    await until(first, 'Events of the first unseal', async () => {
      audit.read();
      return audit.count('create events') >= COUNT;
    });
    const firstResult = {
      wallSeconds: (doneAt - t0) / 1000,
      eventsDoneSeconds: (audit.lastOf('create events') - t0) / 1000,
      controllerCpuSeconds: firstCpu,
      controllerCpuSecondsWithEvents: cpuSecondsOf(first.pid),
      etcdApiserverKcmCpuSeconds: firstPlane,
      writes: audit.writes(),
      requests: audit.snapshot(),
    };
    await first.stop();

    log(`bench: ${subject.name}: restart with everything in sync`);
    await sleep(3000);
    audit.reset();
    plane0 = planeCpu(plane);
    t0 = Date.now();
    const second = await subject.start();
    let countedAt = 0;
    await until(second, 'restart', async () => {
      audit.read();
      if (countedAt === 0 && (await second.passes()) >= COUNT) countedAt = Date.now();
      // Once every SealedSecret was looked at, the pass is over when its requests stop.
      return countedAt > 0 && Date.now() - Math.max(countedAt, audit.lastRequestAt) > 2000;
    });
    const restartResult = {
      wallSeconds: (Math.max(countedAt, audit.lastRequestAt) - t0) / 1000,
      controllerCpuSeconds: cpuSecondsOf(second.pid),
      etcdApiserverKcmCpuSeconds: diff(planeCpu(plane), plane0),
      passes: await second.passes(),
      writes: audit.writes(),
      requests: audit.snapshot(),
    };
    await second.stop();
    return { controller: subject.name, firstUnseal: firstResult, restart: restartResult };
  } finally {
    await plane.stop();
  }
}

async function main(): Promise<void> {
  const loadAtStart = checkLoadAtStart(log);
  const bin = ONLY === 'tenantry' ? '' : await ensureBitnamiController(log);
  const bundle = ONLY === 'bitnami' ? '' : bundleController();
  const kinds = (['bitnami', 'tenantry'] as const).filter((k) => ONLY === undefined || ONLY === k);
  const results: Record<string, unknown>[] = [];
  for (const kind of kinds) results.push(await measure(kind, bundle));
  process.stdout.write(
    `${JSON.stringify({ loadAtStart, count: COUNT, items: ITEMS, keys: KEYS, bitnamiBinary: bin, results }, null, 2)}\n`,
  );
}

await main();
