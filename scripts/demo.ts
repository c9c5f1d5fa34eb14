/**
 * `npm run demo`: the whole story on a local control plane (docs/demo.md).
 *
 * 1. start the control plane, install the CRDs, start the controller (all modules);
 * 2. create Tenant `acme` owned by `alice`;
 * 3. alice creates two namespaces with plain `kubectl create namespace`;
 * 4. seal a Secret with `kubectl seal`, apply it as alice, show the unsealed Secret;
 * 5. show the Tenant's quota rejecting an overshoot.
 *
 * Every step prints a heading, the command as a user would type it, and its output. Everything
 * is stopped and removed on exit, failure and Ctrl-C; `--keep` leaves it running until Ctrl-C.
 * A step whose controller module is not in this build says what is missing instead of failing.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { allModules } from '../controller/modules.js';
import { ControlPlane, freePort, type Identity } from '../test/harness/controlplane.js';
import { startController, type ControllerProcess } from '../test/harness/controller.js';
import { aggregatedClusterRoles } from './render-chart.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const CONTROLLER_NAMESPACE = 'tenantry-system';
const SERVICE_NAME = 'sealed-secrets-controller';
const TENANT = 'acme';
const OWNER = 'alice';
const NAMESPACES = [`${TENANT}-dev`, `${TENANT}-prod`];

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A step that cannot run because a part of tenantry is missing from this build. */
class MissingPart extends Error {}

/** The result of one shell command. */
interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Who runs a command: the admin kubeconfig or a minted identity. */
interface Actor {
  label: string;
  kubeconfigPath: string;
}

/** What the steps share. */
interface Demo {
  plane: ControlPlane;
  admin: Actor;
  alice?: Actor;
  controller?: ControllerProcess;
  modules: Set<string>;
  /** PATH with the plane's kubectl and the kubectl plugins first. */
  path: string;
  /** The service proxy cannot be used: seal with the certificate file instead. */
  sealOffline?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Printing and running commands
// ---------------------------------------------------------------------------------------------

function heading(n: number, title: string): void {
  out('');
  out(`━━ ${n}. ${title}`);
}

function note(text: string): void {
  for (const line of text.split('\n')) out(`   ${line}`);
}

/** Long base64 values would fill the terminal; show their start. */
function shorten(line: string): string {
  return line.length > 110 ? `${line.slice(0, 100)}…` : line;
}

function show(text: string, short = true): void {
  const lines = text.replace(/\s+$/, '').split('\n');
  for (const line of lines) if (line !== '') out(`     ${short ? shorten(line) : line}`);
}

function exec(demo: Demo, actor: Actor, argv: string[], stdin?: string): Promise<Result> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolveRun) => {
    const child = execFile(
      file,
      args,
      {
        cwd: demo.plane.dir,
        env: { ...process.env, KUBECONFIG: actor.kubeconfigPath, PATH: demo.path },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
    // A command that exits without reading its input closes the pipe (EPIPE): its exit code
    // tells what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}

/** Prints `actor $ display`, runs `argv`, prints its output; throws on failure unless allowed. */
async function sh(
  demo: Demo,
  actor: Actor,
  display: string,
  opts: { argv?: string[]; stdin?: string; allowFail?: boolean; quiet?: boolean } = {},
): Promise<Result> {
  out(`   ${actor.label} $ ${display}`);
  const argv = opts.argv ?? display.split(' ');
  const r = await exec(demo, actor, argv, opts.stdin);
  if (!opts.quiet) show(r.stdout);
  show(r.stderr, false);
  if (r.code !== 0 && !opts.allowFail) throw new Error(`\`${display}\` failed (exit ${r.code})`);
  return r;
}

/** Runs a kubectl command without printing it (for waiting and checking). */
async function kubectl(demo: Demo, actor: Actor, args: string[], stdin?: string): Promise<Result> {
  return exec(demo, actor, ['kubectl', ...args], stdin);
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(300);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

/** The newest modification time of the TypeScript sources under `dirs`. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    const full = join(root, dir);
    if (!existsSync(full)) continue;
    for (const f of readdirSync(full, { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.ts')) newest = Math.max(newest, statSync(join(full, f)).mtimeMs);
    }
  }
  return newest;
}

/**
 * A fresh clone has no dist/, and a checkout may have changed the plugins since the last build:
 * bundle them (the type-check is `npm run build`'s).
 */
async function ensureBundle(): Promise<void> {
  const bundles = ['seal', 'tenant']
    .filter((p) => existsSync(join(root, 'plugin', p, 'main.ts')))
    .map((p) => join(root, 'dist', `kubectl-${p}.mjs`));
  const built = Math.min(...bundles.map((b) => (existsSync(b) ? statSync(b).mtimeMs : 0)));
  if (built > newestSource(['plugin', 'crypto', 'crds'])) return;
  progress('tenantry: bundling the kubectl plugins (node scripts/bundle.mjs)');
  await new Promise<void>((resolveBuild, reject) => {
    const child = spawn(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolveBuild() : reject(new Error(`scripts/bundle.mjs failed (exit ${code})`)),
    );
  });
}

function requireModule(demo: Demo, name: string, what: string): void {
  if (!demo.modules.has(name)) {
    throw new MissingPart(
      `The \`${name}\` controller module is not in this build yet (controller/modules.ts lists ` +
        `${demo.modules.size > 0 ? [...demo.modules].join(', ') : 'none'}), so ${what}.`,
    );
  }
}

function hasPlugin(name: string): boolean {
  return existsSync(join(root, 'dist', `kubectl-${name}.mjs`));
}

/**
 * What the chart installs besides the controller itself: the roles that let namespace admins
 * manage SealedSecrets (aggregated into admin/edit/view), and the grant that lets any
 * authenticated user fetch the sealing certificate through the service proxy
 * (charts/tenantry/templates/rbac.yaml, `rbac.serviceProxy`).
 */
function chartExtras(): Record<string, unknown>[] {
  const meta = { name: 'tenantry-service-proxier', namespace: CONTROLLER_NAMESPACE };
  return [
    ...aggregatedClusterRoles(),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['get'], resourceNames: [SERVICE_NAME] },
        {
          apiGroups: [''],
          resources: ['services/proxy'],
          verbs: ['get', 'create'],
          resourceNames: [`http:${SERVICE_NAME}:`, `http:${SERVICE_NAME}:http`, SERVICE_NAME],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: meta.name },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
      ],
    },
  ];
}

/**
 * Makes the controller's certificate endpoint reachable the way kubeseal and `kubectl seal`
 * reach it: through the API server's service proxy, Service `sealed-secrets-controller` whose
 * first port is named `http`. There is no kubelet, so the harness creates what one would (a Pod
 * whose status carries an IP, Endpoints pointing at it) on a test network namespace of its own
 * (test/harness/netns.ts). Without root for that, the demo seals offline with the certificate.
 */
async function exposeController(demo: Demo, httpPort: number): Promise<void> {
  // The first sealing key (RSA-4096) is generated by the leader at start; wait until it serves.
  const deadline = Date.now() + 180_000;
  while ((await demo.controller?.get('/v1/cert.pem').catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline)
      throw new Error('the controller serves no sealing certificate after 180 s');
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    await demo.plane.exposeLocalService({
      namespace: CONTROLLER_NAMESPACE,
      name: SERVICE_NAME,
      port: httpPort,
    });
  } catch (err) {
    note(`Cannot publish the controller through the service proxy (${(err as Error).message});`);
    note('sealing offline with the certificate from /v1/cert.pem instead.');
    demo.sealOffline = true;
  }
}

async function startStep(demo: Demo): Promise<void> {
  heading(1, 'A local control plane, the CRDs and the controller');
  note('etcd, kube-apiserver and kube-controller-manager run on 127.0.0.1 (no kubelet).');
  // The webhooks are called on a local port; the controller writes its own configurations.
  const port = await freePort();
  const controller = await startController(demo.plane, {
    namespace: CONTROLLER_NAMESPACE,
    args: demo.modules.has('admission')
      ? [`--webhook-addr=127.0.0.1:${port}`, `--webhook-url=https://127.0.0.1:${port}`]
      : [],
  });
  demo.controller = controller;
  await controller.waitReady(120_000);
  for (const obj of chartExtras()) {
    const r = await kubectl(
      demo,
      demo.admin,
      ['apply', '--server-side', '--field-manager=tenantry-demo', '-f', '-'],
      stringify(obj),
    );
    if (r.code !== 0) throw new Error(`applying ${String(obj.kind)} failed: ${r.stderr}`);
  }
  await exposeController(demo, controller.httpPort);
  note(`The controller runs as a local process (pid ${controller.pid}) with the modules`);
  note(`${[...demo.modules].join(', ') || '(none yet)'}; its log: ${controller.logFile}`);
  await sh(demo, demo.admin, 'kubectl get crds');
  if (demo.modules.has('admission')) {
    await waitFor('the admission webhooks', async () => {
      const r = await kubectl(demo, demo.admin, [
        'get',
        'validatingwebhookconfiguration',
        'tenantry-admission',
      ]);
      return r.code === 0 ? true : undefined;
    });
    await sh(
      demo,
      demo.admin,
      'kubectl get validatingwebhookconfigurations,validatingadmissionpolicies',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------

const TENANT_YAML = stringify({
  apiVersion: 'tenantry.io/v1alpha1',
  kind: 'Tenant',
  metadata: { name: TENANT },
  spec: {
    owners: [{ kind: 'User', name: OWNER }],
    namespaceOptions: { quota: 3, forceTenantPrefix: true },
    resourceQuotas: [{ name: 'tenant', scope: 'Tenant', hard: { services: '2' } }],
  },
});

async function tenantStep(demo: Demo): Promise<void> {
  heading(2, `The platform team creates Tenant "${TENANT}", owned by ${OWNER}`);
  note(`At most 3 namespaces, named ${TENANT}-*, sharing one quota of 2 Services.`);
  if (hasPlugin('tenant')) {
    await sh(
      demo,
      demo.admin,
      `kubectl tenant create ${TENANT} --owner user:${OWNER} --namespace-quota 3 --force-prefix --tenant-quota services=2`,
    );
  } else {
    note('(kubectl tenant is not built: the same Tenant as YAML)');
    show(TENANT_YAML);
    await sh(demo, demo.admin, `kubectl apply -f ${TENANT}.yaml`, {
      argv: ['kubectl', 'apply', '-f', '-'],
      stdin: TENANT_YAML,
    });
  }
  requireModule(demo, 'tenant', 'nothing reconciles the Tenant');
  await sh(demo, demo.admin, `kubectl wait tenant/${TENANT} --for=condition=Ready --timeout=60s`);
  await sh(demo, demo.admin, 'kubectl get tenants');
  out(`   ✔ Tenant ${TENANT} is Ready`);
}

async function namespacesStep(demo: Demo): Promise<void> {
  heading(3, `${OWNER} creates two namespaces, with plain kubectl`);
  const alice = demo.plane.makeUser(OWNER);
  demo.alice = actor(alice);
  note(
    `${OWNER} is a client-certificate user with no other permissions (${alice.kubeconfigPath}).`,
  );
  requireModule(demo, 'tenant', `${OWNER} has no right to create namespaces`);
  for (const ns of NAMESPACES) {
    // Owner permissions are granted by the controller right after the Tenant is Ready;
    // RBAC caches take a moment, so retry a Forbidden quietly before showing the command.
    await waitFor(`${OWNER} to be allowed to create namespaces`, async () => {
      const r = await kubectl(demo, demo.admin, [
        'auth',
        'can-i',
        'create',
        'namespaces',
        `--as=${OWNER}`,
      ]);
      return r.stdout.trim() === 'yes' ? true : undefined;
    });
    await sh(demo, demo.alice, `kubectl create namespace ${ns}`);
  }
  await waitFor(`both namespaces to join ${TENANT}`, async () => {
    const r = await kubectl(demo, demo.admin, [
      'get',
      'tenant',
      TENANT,
      '-o',
      'jsonpath={.status.size}',
    ]);
    return r.stdout.trim() === String(NAMESPACES.length) ? true : undefined;
  });
  await sh(demo, demo.admin, `kubectl get namespaces -l tenantry.io/tenant=${TENANT}`);
  await sh(demo, demo.admin, `kubectl get tenant ${TENANT}`);
  await sh(
    demo,
    demo.admin,
    `kubectl -n ${NAMESPACES[0]} get rolebindings,resourcequotas -l tenantry.io/tenant=${TENANT}`,
  );
}

function actor(identity: Identity): Actor {
  return { label: identity.name, kubeconfigPath: identity.kubeconfigPath };
}

/** Without the service proxy: the certificate from the controller's own port, as a file. */
async function certificateFile(demo: Demo): Promise<string> {
  note('(no non-loopback address for the service proxy: sealing offline with the certificate)');
  const controller = demo.controller;
  if (controller === undefined) throw new Error('the controller is not running');
  const cert = await waitFor('the sealing certificate', async () => {
    const r = await controller.get('/v1/cert.pem');
    return r.status === 200 ? r.body : undefined;
  });
  writeFileSync(join(demo.plane.dir, 'cert.pem'), cert);
  return 'cert.pem';
}

async function sealStep(demo: Demo): Promise<void> {
  const ns = NAMESPACES[1] ?? '';
  heading(4, `${OWNER} seals a Secret, commits it anywhere, and applies it`);
  requireModule(demo, 'sealedsecret', 'there is no certificate to seal with and nothing unseals');
  const alice = demo.alice ?? demo.admin;
  const secret = await kubectl(demo, alice, [
    'create',
    'secret',
    'generic',
    'db-credentials',
    '-n',
    ns,
    '--from-literal=password=correct-horse-battery-staple',
    '--dry-run=client',
    '-o',
    'yaml',
  ]);
  const from = demo.sealOffline
    ? ['--cert', await certificateFile(demo)]
    : ['--controller-namespace', CONTROLLER_NAMESPACE];
  const display =
    `kubectl create secret generic db-credentials -n ${ns} ` +
    `--from-literal=password=correct-horse-battery-staple --dry-run=client -o yaml ` +
    `| kubectl seal ${from.join(' ')} -o yaml > db-credentials.yaml`;
  const sealed = await sh(demo, alice, display, {
    argv: ['kubectl', 'seal', ...from, '-o', 'yaml'],
    stdin: secret.stdout,
    quiet: true,
  });
  writeFileSync(join(demo.plane.dir, 'db-credentials.yaml'), sealed.stdout);
  await sh(demo, alice, 'cat db-credentials.yaml');
  note('Only the controller can decrypt it, and only in this namespace under this name.');
  await sh(demo, alice, 'kubectl apply -f db-credentials.yaml');
  await waitFor('the Secret to be unsealed', async () => {
    const r = await kubectl(demo, alice, ['-n', ns, 'get', 'secret', 'db-credentials']);
    return r.code === 0 ? true : undefined;
  });
  await sh(demo, alice, `kubectl -n ${ns} get sealedsecret db-credentials`);
  const value = await sh(
    demo,
    alice,
    `kubectl -n ${ns} get secret db-credentials -o jsonpath={.data.password} | base64 -d`,
    {
      argv: [
        'kubectl',
        '-n',
        ns,
        'get',
        'secret',
        'db-credentials',
        '-o',
        'jsonpath={.data.password}',
      ],
      quiet: true,
    },
  );
  show(Buffer.from(value.stdout.trim(), 'base64').toString('utf8'));
  out(`   ✔ Secret ${ns}/db-credentials unsealed`);
}

async function quotaStep(demo: Demo): Promise<void> {
  heading(5, `One quota for the whole Tenant, whichever namespace`);
  requireModule(demo, 'tenant', 'no quota is propagated');
  const alice = demo.alice ?? demo.admin;
  const [dev, prod] = NAMESPACES as [string, string];
  note(`services=2 for all of ${TENANT}. Each namespace's ResourceQuota holds a share of it, and`);
  note('the controller moves the shares as usage changes, so the sum can never pass 2.');
  let created = 0;
  for (const name of ['api', 'web']) {
    await waitFor('the quota shares to settle', () => quotaSettled(demo, created));
    await sh(demo, alice, `kubectl -n ${dev} create service clusterip ${name} --tcp=80`);
    created++;
  }
  await waitFor('the quota shares to settle', () => quotaSettled(demo, created));
  await sh(
    demo,
    demo.admin,
    `kubectl get resourcequota -A -l tenantry.io/tenant=${TENANT} -o custom-columns=NAMESPACE:.metadata.namespace,USED:.status.used.services,HARD:.status.hard.services`,
  );
  note(`The Tenant has used its 2 Services; a third one is refused in any of its namespaces:`);
  const r = await sh(
    demo,
    alice,
    `kubectl -n ${prod} create service clusterip one-too-many --tcp=80`,
    {
      allowFail: true,
    },
  );
  if (r.code === 0 || !/exceeded quota/.test(r.stderr)) {
    throw new Error(
      'the third Service was not refused by the quota: the Tenant quota did not hold',
    );
  }
  out('   ✔ the tenant quota refused the overshoot');
}

interface QuotaView {
  spec?: { hard?: Record<string, string> };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/**
 * True once the Tenant's Service quotas are steady: every share enforced as written, usage
 * counted, and the shares summing to the Tenant's 2.
 */
async function quotaSettled(demo: Demo, used: number): Promise<true | undefined> {
  const r = await kubectl(demo, demo.admin, [
    'get',
    'resourcequota',
    '-A',
    '-l',
    `tenantry.io/tenant=${TENANT}`,
    '-o',
    'json',
  ]);
  const items = (parse(r.stdout) as { items: QuotaView[] }).items;
  const n = (v: string | undefined): number => Number(v ?? NaN);
  const steady = items.every(
    (q) =>
      q.spec?.hard?.services === q.status?.hard?.services && q.status?.used?.services !== undefined,
  );
  const sum = (f: (q: QuotaView) => string | undefined): number =>
    items.reduce((acc, q) => acc + n(f(q)), 0);
  return items.length === NAMESPACES.length &&
    steady &&
    sum((q) => q.status?.hard?.services) === 2 &&
    sum((q) => q.status?.used?.services) === used
    ? true
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function pathWithTools(plane: ControlPlane): string {
  return [
    join(root, 'plugin', 'bin'),
    dirname(plane.binaries.kubectl),
    process.env.PATH ?? '',
  ].join(delimiter);
}

async function runSteps(demo: Demo): Promise<string[]> {
  const missing: string[] = [];
  for (const step of [tenantStep, namespacesStep, sealStep, quotaStep]) {
    try {
      await step(demo);
    } catch (err) {
      if (!(err instanceof MissingPart)) throw err;
      note(`⚠ skipped: ${err.message}`);
      missing.push(err.message);
    }
  }
  return missing;
}

function printKeep(demo: Demo): void {
  out('');
  out('━━ --keep: everything keeps running until Ctrl-C');
  note(`admin:  export KUBECONFIG=${demo.admin.kubeconfigPath}`);
  if (demo.alice) note(`${OWNER}:  export KUBECONFIG=${demo.alice.kubeconfigPath}`);
  note(
    `kubectl: ${demo.plane.binaries.kubectl}; plugins: export PATH=${join(root, 'plugin', 'bin')}:$PATH`,
  );
  if (demo.controller) note(`controller log: ${demo.controller.logFile}`);
  note('Try:');
  note(`  kubectl get tenants,namespaces`);
  note(`  kubectl --kubeconfig <${OWNER}> -n ${NAMESPACES[1]} get secrets,sealedsecrets`);
  note(`  kubectl --kubeconfig <${OWNER}> create namespace other   # denied: not acme-*`);
}

async function main(): Promise<number> {
  await ensureBundle();
  const modules = new Set(allModules().map((m) => m.name));
  const plane = await ControlPlane.start({ log: progress });
  const demo: Demo = {
    plane,
    admin: { label: 'admin', kubeconfigPath: plane.kubeconfigPath },
    modules,
    path: pathWithTools(plane),
  };
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (demo.controller !== undefined) {
      await demo.controller.stop().catch(() => undefined);
      rmSync(dirname(demo.controller.logFile), { recursive: true, force: true });
    }
    await plane.stop();
  };
  const onSignal = (): void => {
    if (stopping) return;
    progress('tenantry: interrupted, cleaning up');
    void cleanup().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await startStep(demo);
    const missing = await runSteps(demo);
    out('');
    if (missing.length > 0) {
      out(`━━ Done, with ${missing.length} step(s) skipped (see ⚠ above).`);
    } else {
      out('━━ Done: tenant ready, namespaces owned, secret unsealed, quota enforced.');
    }
    if (keep) {
      printKeep(demo);
      await new Promise<void>(() => undefined);
    }
    return missing.length > 0 ? 2 : 0;
  } catch (err) {
    if (demo.controller !== undefined && !stopping) {
      out('');
      out('   The controller log ends with:');
      show(demo.controller.logs(15));
    }
    throw err;
  } finally {
    await cleanup();
  }
}

try {
  process.exitCode = await main();
} catch (err) {
  out('');
  out(`✘ demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
