// kubectl tenant startup benchmarks (docs/benchmarks.md, section "kubectl tenant"): median wall
// time and CPU time of whole processes, interleaved with bare `node -e 0` in the same run so that
// machine load affects all alike; the ratios are the figures that travel.
//   - `kubectl-tenant --help` (yargs, no Kubernetes client)
//   - `kubectl-tenant create … --dry-run=client -o yaml` (offline: no kubeconfig, no client)
//   - `kubectl-tenant list` against a local control plane with 20 tenants (admin kubeconfig)
//   - `kubectl get tenants` (Go kubectl, same plane) for comparison
// Run: npm run build && npx tsx bench/plugin.ts [--runs 21] [--tenants 20]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KubeClient } from '../controller/runtime/kube.js';
import { ControlPlane } from '../test/harness/controlplane.js';
import { installCRDs } from '../test/harness/crds.js';
import { childEnv, envNote } from './lib/child-env.js';
import { loadNow } from './lib/load.js';
import { median } from './lib/stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const PLUGIN = join(ROOT, 'plugin/bin/kubectl-tenant');

// Preloaded into node children for CPU figures: writes process.cpuUsage() to fd 3 at exit.
const CPU_REPORTER =
  'data:text/javascript,import{writeSync}from"node:fs";' +
  'process.on("exit",()=>{const u=process.cpuUsage();writeSync(3,String((u.user+u.system)/1000))})';

interface Command {
  readonly label: string;
  /** A node script and its arguments, or an executable (`exe`) with arguments. */
  readonly args: readonly string[];
  readonly exe?: string;
  readonly target?: string;
}

interface Figures {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function runOnce(
  cmd: Command,
  env: NodeJS.ProcessEnv,
  withCpu: boolean,
): { wall: number; cpu: number } {
  const node = cmd.exe === undefined;
  const argv = node && withCpu ? ['--import', CPU_REPORTER, ...cmd.args] : [...cmd.args];
  const start = performance.now();
  const result = spawnSync(cmd.exe ?? process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    cwd: ROOT,
    env,
  });
  const wall = performance.now() - start;
  if (result.status !== 0) {
    throw new Error(`${cmd.label} failed (${result.status}): ${String(result.stderr)}`);
  }
  return { wall, cpu: node && withCpu ? Number(String(result.output[3])) : NaN };
}

/** Samples every command `runs` times, interleaved; wall and CPU in separate passes. */
function measure(commands: readonly Command[], env: NodeJS.ProcessEnv, runs: number): Figures[] {
  for (const cmd of commands) runOnce(cmd, env, false); // warm the file cache
  const wall = commands.map(() => [] as number[]);
  const cpu = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    commands.forEach((cmd, j) => wall[j]?.push(runOnce(cmd, env, false).wall));
    commands.forEach((cmd, j) => cpu[j]?.push(runOnce(cmd, env, true).cpu));
  }
  return commands.map((_, j) => ({ wallMs: median(wall[j] ?? []), cpuMs: median(cpu[j] ?? []) }));
}

async function createTenants(plane: ControlPlane, count: number): Promise<void> {
  const client = new KubeClient(plane.kubeConfig());
  for (let i = 0; i < count; i++) {
    await client.request({
      method: 'POST',
      path: '/apis/tenantry.io/v1alpha1/tenants',
      body: {
        apiVersion: 'tenantry.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name: `bench-${String(i).padStart(2, '0')}` },
        spec: {
          owners: [
            { kind: 'User', name: `owner-${i}` },
            { kind: 'Group', name: `team-${i}` },
          ],
          namespaceOptions: { quota: 5 },
        },
      },
    });
  }
}

/** Runs the benchmark and returns the markdown table for docs/benchmarks.md. */
export async function benchPlugin(runs = 21, tenants = 20): Promise<string> {
  if (!existsSync(join(ROOT, 'dist/kubectl-tenant.mjs'))) {
    throw new Error('dist/kubectl-tenant.mjs is missing: run `npm run build` first');
  }
  const plane = await ControlPlane.start({ log: (line) => process.stderr.write(`${line}\n`) });
  try {
    await installCRDs(plane.kubeConfig());
    await createTenants(plane, tenants);
    const env = { ...childEnv(), KUBECONFIG: plane.kubeconfigPath };
    const commands: Command[] = [
      { label: '`node -e 0` (baseline, same run)', args: ['-e', '0'] },
      { label: '`kubectl-tenant --help`', args: [PLUGIN, '--help'], target: '≤ 150 ms' },
      {
        label: '`kubectl-tenant create acme --owner user:alice --dry-run=client -o yaml`',
        args: [PLUGIN, 'create', 'acme', '--owner', 'user:alice', '--dry-run=client', '-o', 'yaml'],
      },
      {
        label: `\`kubectl-tenant list\` (${tenants} tenants, local plane)`,
        args: [PLUGIN, 'list'],
        target: '≤ 300 ms',
      },
      {
        label: `\`kubectl get tenants\` (Go, same plane, for comparison)`,
        args: ['get', 'tenants'],
        exe: plane.binaries.kubectl,
      },
    ];
    const figures = measure(commands, env, runs);
    const base = figures[0] ?? { wallMs: 1, cpuMs: 1 };
    const ms = (v: number): string => (Number.isNaN(v) ? '–' : `${v.toFixed(0)} ms`);
    const ratio = (v: number, b: number): string =>
      Number.isNaN(v) ? '–' : `${(v / b).toFixed(2)}×`;
    const rows = commands.map((cmd, i) => {
      const f = figures[i] ?? { wallMs: NaN, cpuMs: NaN };
      return `| ${cmd.label} | ${ms(f.wallMs)} | ${ratio(f.wallMs, base.wallMs)} | ${ms(f.cpuMs)} | ${ratio(f.cpuMs, base.cpuMs)} | ${cmd.target ?? ''} |`;
    });
    return [
      `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadNow()}, median of ${runs} interleaved runs; ${envNote()}`,
      '',
      '| command | wall | × `node -e 0` | CPU | × `node -e 0` | target (wall) |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  } finally {
    await plane.stop();
  }
}

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(await benchPlugin(flag('--runs', 21), flag('--tenants', 20)));
}
