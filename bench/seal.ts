// Sealing benchmarks (docs/benchmarks.md, section "Sealing"):
//  (a) whole-process: median wall time of `node plugin/bin/kubectl-seal --cert cert.pem <
//      secret3.yaml` (the offline path, bundled) next to bare `node -e 0`, measured interleaved in
//      the same run so machine load affects both alike; the ratio is the figure that travels.
//      CPU time (user + system, reported by the child at exit) is measured too: it varies less
//      than wall time on a loaded machine.
//  (b) in-process: sealing 1,000 items with an RSA-4096 certificate.
// Run: npm run build && npx tsx bench/seal.ts [--runs 21]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseSealingCertificate } from '../crypto/certificate.js';
import { generateSealingKey } from '../crypto/keys.js';
import { sealItems } from '../plugin/seal/sealed-secret.js';
import { childEnv, envNote } from './lib/child-env.js';
import { loadNow } from './lib/load.js';
import { median } from './lib/stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const PLUGIN = join(ROOT, 'plugin/bin/kubectl-seal');

/** Figures of one benchmark run. */
export interface SealBenchResult {
  readonly runs: number;
  readonly nodeBaselineMs: number;
  readonly sealProcessMs: number;
  readonly ratio: number;
  readonly nodeBaselineCpuMs: number;
  readonly sealProcessCpuMs: number;
  readonly sealThousandItemsMs: number;
  readonly cpuModel: string;
  /** 1-minute load average at the end: the machines are shared, so say how busy it was. */
  readonly loadAverage: number;
}

const SECRET3 = `apiVersion: v1
kind: Secret
metadata:
  name: app-credentials
  namespace: team-a
  labels:
    app: web
type: Opaque
data:
  username: YWRtaW4=
  password: czNjcjN0LXBhc3N3b3JkLXRoYXQtaXMtbG9uZw==
stringData:
  config.yaml: |
    endpoint: https://db.example.internal:5432
    pool: 20
`;

// Preloaded into the child for CPU measurements: writes process.cpuUsage() to fd 3 at exit.
const CPU_REPORTER =
  'data:text/javascript,import{writeSync}from"node:fs";' +
  'process.on("exit",()=>{const u=process.cpuUsage();writeSync(3,String((u.user+u.system)/1000))})';

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function runProcess(
  args: readonly string[],
  stdinFile: string | undefined,
  withCpu: boolean,
): Sample {
  const fd = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
  const argv = withCpu ? ['--import', CPU_REPORTER, ...args] : [...args];
  const start = performance.now();
  const result = spawnSync(process.execPath, argv, {
    env: childEnv(),
    stdio: [fd, 'ignore', 'pipe', 'pipe'],
    cwd: ROOT,
  });
  const wallMs = performance.now() - start;
  if (typeof fd === 'number') closeSync(fd);
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${String(result.stderr)}`);
  return { wallMs, cpuMs: withCpu ? Number(String(result.output[3])) : NaN };
}

/** Runs both benchmarks; `runs` whole-process samples of each command, interleaved. */
export async function benchSeal(runs = 21): Promise<SealBenchResult> {
  if (!existsSync(join(ROOT, 'dist/kubectl-seal.mjs'))) {
    throw new Error('dist/kubectl-seal.mjs is missing: run `npm run build` first');
  }
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-bench-seal-'));
  try {
    const key = await generateSealingKey({ bits: 4096 });
    const certFile = join(dir, 'cert.pem');
    const secretFile = join(dir, 'secret3.yaml');
    writeFileSync(certFile, key.certificatePem);
    writeFileSync(secretFile, SECRET3);

    const sealArgs = [PLUGIN, '--cert', certFile];
    runProcess(['-e', '0'], undefined, false); // warm the file cache
    runProcess(sealArgs, secretFile, false);
    const baseline: number[] = [];
    const seal: number[] = [];
    const baselineCpu: number[] = [];
    const sealCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      baseline.push(runProcess(['-e', '0'], undefined, false).wallMs);
      seal.push(runProcess(sealArgs, secretFile, false).wallMs);
      baselineCpu.push(runProcess(['-e', '0'], undefined, true).cpuMs);
      sealCpu.push(runProcess(sealArgs, secretFile, true).cpuMs);
    }

    const certificate = parseSealingCertificate(key.certificatePem);
    const items = new Map<string, Buffer>();
    for (let i = 0; i < 1000; i++)
      items.set(`item-${i}`, Buffer.from(`value-${i}-`.padEnd(64, 'x')));
    const target = { name: 'bench', namespace: 'bench', scope: 'strict' } as const;
    await sealItems(new Map([...items].slice(0, 50)), target, certificate); // warm-up
    const thousand: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await sealItems(items, target, certificate);
      thousand.push(performance.now() - start);
    }
    const sealThousandItemsMs = median(thousand);

    const nodeBaselineMs = median(baseline);
    const sealProcessMs = median(seal);
    const { cpus } = await import('node:os');
    return {
      runs,
      nodeBaselineMs,
      sealProcessMs,
      ratio: sealProcessMs / nodeBaselineMs,
      nodeBaselineCpuMs: median(baselineCpu),
      sealProcessCpuMs: median(sealCpu),
      sealThousandItemsMs,
      cpuModel: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
      loadAverage: loadNow(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: SealBenchResult): string {
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  return [
    `Node ${process.version}, ${r.cpuModel}, load average ${r.loadAverage}, median of ${r.runs} interleaved runs; ${envNote()}`,
    '',
    '| measurement | result | target |',
    '|---|---|---|',
    `| \`node -e 0\` (baseline, same run) | ${ms(r.nodeBaselineMs)} | |`,
    `| \`kubectl-seal --cert cert.pem < secret3.yaml\` (RSA-4096, 3 items) | ${ms(r.sealProcessMs)} | ≤ 120 ms |`,
    `| ratio seal / baseline (wall) | ${r.ratio.toFixed(2)}× | |`,
    `| CPU time: baseline / seal / ratio | ${ms(r.nodeBaselineCpuMs)} / ${ms(r.sealProcessCpuMs)} / ${(r.sealProcessCpuMs / r.nodeBaselineCpuMs).toFixed(2)}× | |`,
    `| seal 1,000 items in-process (RSA-4096, median of 5) | ${ms(r.sealThousandItemsMs)} | ≤ 1,000 ms |`,
  ].join('\n');
}

const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 21;
if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(report(await benchSeal(runs)));
}
