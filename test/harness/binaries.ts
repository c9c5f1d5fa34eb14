/**
 * Where the control-plane binaries come from (docs/control-plane.md):
 *
 * 1. per-binary variables: TEST_ASSET_ETCD, TEST_ASSET_KUBE_APISERVER,
 *    TEST_ASSET_KUBE_CONTROLLER_MANAGER, TEST_ASSET_KUBECTL;
 * 2. KUBEBUILDER_ASSETS (setup-envtest layout; it has no kube-controller-manager);
 * 3. the per-user cache, keyed by exact version, outside the repository;
 * 4. PATH (kubectl only when its minor is within one of the API server's);
 * 5. otherwise built once with Go from the Go module proxy into the cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Kubernetes release the harness runs; override with TENANTRY_KUBERNETES_VERSION. */
export const KUBERNETES_VERSION = process.env.TENANTRY_KUBERNETES_VERSION ?? 'v1.34.4';
/** The etcd release (kubeadm's mapping for recent control planes); override with TENANTRY_ETCD_VERSION. */
export const ETCD_VERSION = process.env.TENANTRY_ETCD_VERSION ?? 'v3.5.24';

/** Absolute paths of the four binaries the harness runs. */
export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
}

type BinaryName = keyof Binaries;

const fileNames: Record<BinaryName, string> = {
  etcd: 'etcd',
  kubeApiserver: 'kube-apiserver',
  kubeControllerManager: 'kube-controller-manager',
  kubectl: 'kubectl',
};

const envNames: Record<BinaryName, string> = {
  etcd: 'TEST_ASSET_ETCD',
  kubeApiserver: 'TEST_ASSET_KUBE_APISERVER',
  kubeControllerManager: 'TEST_ASSET_KUBE_CONTROLLER_MANAGER',
  kubectl: 'TEST_ASSET_KUBECTL',
};

/** Kubernetes staging modules that k8s.io/kubernetes replaces with ./staging paths. */
const STAGING_MODULES = [
  'api',
  'apiextensions-apiserver',
  'apimachinery',
  'apiserver',
  'cli-runtime',
  'client-go',
  'cloud-provider',
  'cluster-bootstrap',
  'code-generator',
  'component-base',
  'component-helpers',
  'controller-manager',
  'cri-api',
  'cri-client',
  'csi-translation-lib',
  'dynamic-resource-allocation',
  'endpointslice',
  'externaljwt',
  'kms',
  'kube-aggregator',
  'kube-controller-manager',
  'kube-proxy',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'metrics',
  'mount-utils',
  'pod-security-admission',
  'sample-apiserver',
  'sample-cli-plugin',
  'sample-controller',
];

/** The per-user binary cache: `${XDG_CACHE_HOME:-~/.cache}/tenantry/bin`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tenantry', 'bin');
}

function kubernetesCacheDir(): string {
  return join(cacheRoot(), `kubernetes-${KUBERNETES_VERSION}`);
}

function etcdCacheDir(): string {
  return join(cacheRoot(), `etcd-${ETCD_VERSION}`);
}

function cachePath(name: BinaryName): string {
  const dir = name === 'etcd' ? etcdCacheDir() : kubernetesCacheDir();
  return join(dir, fileNames[name]);
}

function onPath(file: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, file);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function minorOf(version: string): number | undefined {
  const m = /v1\.(\d+)\./.exec(version);
  return m ? Number(m[1]) : undefined;
}

/** kubectl on PATH is used only when its minor is within one of the API server's (the skew policy). */
function kubectlSkewOk(path: string): boolean {
  try {
    const out = execFileSync(path, ['version', '--client', '-o', 'json'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const found = minorOf(
      (JSON.parse(out) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion,
    );
    const wanted = minorOf(KUBERNETES_VERSION);
    return found !== undefined && wanted !== undefined && Math.abs(found - wanted) <= 1;
  } catch {
    return false;
  }
}

/** Finds one binary without building it; `undefined` when it must be built. */
export function findBinary(
  name: BinaryName,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const explicit = env[envNames[name]];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${envNames[name]}=${explicit} does not exist`);
    return explicit;
  }
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets && existsSync(join(assets, fileNames[name]))) return join(assets, fileNames[name]);
  if (existsSync(cachePath(name))) return cachePath(name);
  const fromPath = onPath(fileNames[name]);
  if (fromPath && (name !== 'kubectl' || kubectlSkewOk(fromPath))) return fromPath;
  return undefined;
}

/** A message for a machine without Go that says what to install or which variable to set. */
export function noGoMessage(missing: string[]): string {
  return [
    `tenantry: the control-plane binaries ${missing.join(', ')} were not found, and Go is not installed to build them.`,
    `Either install Go >= 1.24 (the binaries are then built once into ${cacheRoot()}),`,
    'or point the harness at existing binaries: KUBEBUILDER_ASSETS=<dir> (etcd, kube-apiserver, kubectl) and/or',
    `${Object.values(envNames).join(', ')}.`,
  ].join('\n');
}

function goAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Returns every binary, building what is missing (once per version, under a lock). */
export async function ensureBinaries(log: (line: string) => void = defaultLog): Promise<Binaries> {
  const found = Object.fromEntries(
    (Object.keys(fileNames) as BinaryName[]).map((n) => [n, findBinary(n)]),
  ) as Record<BinaryName, string | undefined>;
  const missing = (Object.keys(found) as BinaryName[]).filter((n) => !found[n]);
  if (missing.length > 0) {
    if (!goAvailable()) throw new Error(noGoMessage(missing.map((n) => fileNames[n])));
    if (missing.includes('etcd')) await buildEtcd(log);
    if (missing.some((n) => n !== 'etcd')) await buildKubernetes(log);
  }
  const result = {} as Binaries;
  for (const n of Object.keys(fileNames) as BinaryName[]) {
    const path = found[n] ?? findBinary(n);
    if (!path) throw new Error(`tenantry: ${fileNames[n]} is still missing after the build`);
    result[n] = path;
  }
  return result;
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

function kubernetesGoMod(version: string): string {
  const staging = `v0.${version.slice(3)}`; // v1.34.4 -> v0.34.4
  const replaces = STAGING_MODULES.map((m) => `\tk8s.io/${m} => k8s.io/${m} ${staging}`).join('\n');
  // k8s.io/kubernetes replaces its staging modules with ./staging paths that exist only in its
  // own repository; these lines point them at the published tags instead.
  return `module tenantry.local/k8sbin\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes ${version}\n\nreplace (\n${replaces}\n)\n`;
}

const here = dirname(fileURLToPath(import.meta.url));

async function buildKubernetes(log: (line: string) => void): Promise<void> {
  const v = KUBERNETES_VERSION;
  const minor = String(minorOf(v));
  const ldflags = [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=${v}`,
    '-X k8s.io/component-base/version.gitMajor=1',
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ].join(' ');
  await buildInto({
    target: kubernetesCacheDir(),
    what: `kubernetes ${v} (kube-apiserver, kube-controller-manager, kubectl)`,
    files: { 'go.mod': kubernetesGoMod(v) },
    commands: [
      ['go', 'get', `k8s.io/kubernetes@${v}`],
      [
        'go',
        'build',
        '-ldflags',
        ldflags,
        '-o',
        'OUT/',
        'k8s.io/kubernetes/cmd/kube-apiserver',
        'k8s.io/kubernetes/cmd/kube-controller-manager',
        'k8s.io/kubernetes/cmd/kubectl',
      ],
    ],
    verify: ['kube-apiserver', '--version', `Kubernetes ${v}`],
    log,
  });
}

async function buildEtcd(log: (line: string) => void): Promise<void> {
  const v = ETCD_VERSION;
  await buildInto({
    target: etcdCacheDir(),
    what: `etcd ${v}`,
    files: {
      'go.mod': `module tenantry.local/etcdbin\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 ${v}\n`,
      'main.go': readFileSync(join(here, 'gobuild', 'etcd', 'main.go'), 'utf8'),
    },
    commands: [
      ['go', 'get', `go.etcd.io/etcd/server/v3@${v}`],
      ['go', 'build', '-ldflags', '-s -w', '-o', 'OUT/etcd', '.'],
    ],
    verify: ['etcd', '--version', `etcd Version: ${v.slice(1)}`],
    log,
  });
}

interface BuildSpec {
  target: string;
  what: string;
  files: Record<string, string>;
  commands: string[][];
  verify: [binary: string, flag: string, expected: string];
  log: (line: string) => void;
}

/** Builds into a temp dir beside the target and renames it into place, under a lock. */
async function buildInto(spec: BuildSpec): Promise<void> {
  mkdirSync(dirname(spec.target), { recursive: true });
  const lock = `${spec.target}.lock`;
  await acquireLock(lock, spec.log);
  try {
    if (existsSync(spec.target)) return; // another process built it while we waited
    const work = `${spec.target}.build-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    const out = join(work, 'out');
    mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(spec.files)) writeFileSync(join(work, name), text);
    const started = Date.now();
    spec.log(`tenantry: building ${spec.what} with Go into ${spec.target} (once per version)`);
    const ticker = setInterval(() => {
      spec.log(`tenantry: still building ${spec.what}… ${formatElapsed(Date.now() - started)}`);
    }, 30_000);
    try {
      for (const cmd of spec.commands) {
        await run(
          cmd.map((a) => a.replace(/^OUT\//, `${out}/`)),
          work,
          out,
        );
      }
    } finally {
      clearInterval(ticker);
    }
    const [bin, flag, expected] = spec.verify;
    const printed = execFileSync(join(out, bin), [flag], { encoding: 'utf8' });
    if (!printed.includes(expected)) {
      throw new Error(
        `tenantry: ${bin} ${flag} printed "${printed.trim()}", expected "${expected}"`,
      );
    }
    renameSync(out, spec.target);
    rmSync(work, { recursive: true, force: true });
    spec.log(`tenantry: built ${spec.what} in ${formatElapsed(Date.now() - started)}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs a build command; leading `NAME=value` words set environment variables, as in a shell. */
function run(cmd: string[], cwd: string, gobin: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOFLAGS: '-mod=mod',
    CGO_ENABLED: '0',
    GOBIN: gobin,
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto',
  };
  const words = [...cmd];
  while (words[0] !== undefined && /^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = (words.shift() ?? '').split('=');
    env[name ?? ''] = value.join('=');
  }
  const [file, ...args] = words as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd.join(' ')} failed (exit ${code}):\n${stderr}`)),
    );
  });
}

async function acquireLock(lock: string, log: (line: string) => void): Promise<void> {
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch {
      if (lockIsStale(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced)
        log(`tenantry: waiting for another process building into ${lock.replace(/\.lock$/, '')}`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // ESRCH: the owner is gone; a missing pid file right after mkdir is not stale yet.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Bitnami's kubeseal, built for cross-compatibility tests (the wire format is unchanged since). */
export const KUBESEAL_VERSION = process.env.TENANTRY_KUBESEAL_VERSION ?? 'v0.27.1';

/**
 * Bitnami's controller, for the side-by-side benchmark (bench/bitnami.ts); the same version as
 * kubeseal by default.
 */
export const BITNAMI_CONTROLLER_VERSION =
  process.env.TENANTRY_BITNAMI_CONTROLLER_VERSION ?? KUBESEAL_VERSION;

/**
 * Returns the real `kubeseal`, from TEST_ASSET_KUBESEAL, the cache or a `go install` into the
 * cache.
 */
export function ensureKubeseal(log: (line: string) => void = defaultLog): Promise<string> {
  return ensureSealedSecretsMain('kubeseal', KUBESEAL_VERSION, 'TEST_ASSET_KUBESEAL', log);
}

/**
 * Returns Bitnami's sealed-secrets controller, from TEST_ASSET_BITNAMI_CONTROLLER, the cache or a
 * `go install` into the cache.
 */
export function ensureBitnamiController(log: (line: string) => void = defaultLog): Promise<string> {
  return ensureSealedSecretsMain(
    'controller',
    BITNAMI_CONTROLLER_VERSION,
    'TEST_ASSET_BITNAMI_CONTROLLER',
    log,
  );
}

/**
 * One main package of Bitnami's module, built once per version into the cache. The Go module
 * proxy serves the pre-rename path `github.com/bitnami-labs/sealed-secrets` up to v0.37; later
 * tags declare `github.com/bitnami/sealed-secrets`, which the proxy these machines use refuses
 * (403), so v0.38+ cannot be built here.
 */
async function ensureSealedSecretsMain(
  main: 'kubeseal' | 'controller',
  version: string,
  envVar: string,
  log: (line: string) => void,
): Promise<string> {
  const explicit = process.env[envVar];
  if (explicit) return explicit;
  // kubeseal keeps its historical directory so existing caches stay valid.
  const dir = join(
    cacheRoot(),
    main === 'kubeseal' ? `sealed-secrets-${version}` : `sealed-secrets-${main}-${version}`,
  );
  const bin = join(dir, main);
  if (existsSync(bin)) return bin;
  if (!goAvailable()) throw new Error(noGoMessage([`${main} (${envVar})`]));
  await buildInto({
    target: dir,
    what: `${main} ${version}`,
    files: { 'go.mod': 'module tenantry.local/peers\n\ngo 1.24.0\n' },
    // `go install pkg@version` ignores the current module and refuses -mod flags.
    commands: [
      [
        'GOFLAGS=',
        'go',
        'install',
        '-ldflags',
        '-s -w',
        `github.com/bitnami-labs/sealed-secrets/cmd/${main}@${version}`,
      ],
    ],
    verify: [main, '--version', `${main} version`],
    log,
  });
  return bin;
}

/**
 * Helm, built for the chart tests (`helm lint`, `helm template`): the newest v3 tag the Go module
 * proxy served when this was written (`curl -s https://proxy.golang.org/helm.sh/helm/v3/@v/list`).
 */
export const HELM_VERSION = process.env.TENANTRY_HELM_VERSION ?? 'v3.22.0';
/** The Kubernetes minor of the client-go that Helm release is built with (v0.37 → 1.37). */
const HELM_KUBE_MINOR = 37;

/**
 * Returns `helm`, from TEST_ASSET_HELM, the cache or a `go install` into the cache
 * (`~/.cache/tenantry/bin/helm-<version>/helm`), like {@link ensureKubeseal}.
 */
export async function ensureHelm(log: (line: string) => void = defaultLog): Promise<string> {
  const explicit = process.env.TEST_ASSET_HELM;
  if (explicit) return explicit;
  const dir = join(cacheRoot(), `helm-${HELM_VERSION}`);
  const bin = join(dir, 'helm');
  if (existsSync(bin)) return bin;
  if (!goAvailable()) throw new Error(noGoMessage(['helm (TEST_ASSET_HELM)']));
  await buildInto({
    target: dir,
    what: `helm ${HELM_VERSION}`,
    files: { 'go.mod': 'module tenantry.local/helm\n\ngo 1.24.0\n' },
    // Helm's Makefile sets its version and default Kubernetes version with ldflags; without
    // them `helm version` prints the source default and `helm template` assumes Kubernetes 1.20.
    commands: [
      [
        'GOFLAGS=',
        'go',
        'install',
        '-ldflags',
        [
          '-s -w',
          `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
          ...['chartutil', 'lint/rules'].map(
            (pkg) =>
              `-X helm.sh/helm/v3/pkg/${pkg}.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/${pkg}.k8sVersionMinor=${HELM_KUBE_MINOR}`,
          ),
        ].join(' '),
        `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`,
      ],
    ],
    verify: ['helm', 'version', HELM_VERSION],
    log,
  });
  return bin;
}
