// Webhook latency benchmark (docs/benchmarks.md, section "Webhooks"). Target: handler p99 ≤ 5 ms.
//  (a) in-process: the pure handlers against informer caches holding 1,000 Tenants and 5,000
//      Namespaces (the real Informer + indexes, fed by a static list), per call;
//  (b) over HTTPS: the webhook server on 127.0.0.1 with its self-managed certificate, one
//      keep-alive client sending AdmissionReviews sequentially, per round trip (JSON parse,
//      handler, JSON answer, TLS) — what the apiserver waits for minus its own network hop;
//  (c) in-process review: JSON parse + handler + JSON answer, without sockets.
// Run: npx tsx bench/webhook.ts [--iterations 20000] [--requests 3000]
import https from 'node:https';
import { loadavg, cpus } from 'node:os';
import { issueServingCert, generateCA } from '../controller/admission/certs.js';
import { WEBHOOK_PATHS } from '../controller/admission/manifests.js';
import { mutateNamespace, validateNamespace } from '../controller/admission/namespaces.js';
import { validateObject } from '../controller/admission/objects.js';
import { WebhookServer } from '../controller/admission/server.js';
import {
  addAdmissionIndexes,
  cacheState,
  type AdmissionState,
  type TenantResource,
} from '../controller/admission/state.js';
import type { AdmissionRequest } from '../controller/admission/types.js';
import { Informer, silentLogger, type KubeObject } from '../controller/runtime/index.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ITERATIONS = arg('iterations', 20_000);
const REQUESTS = arg('requests', 3_000);
const TENANTS = 1_000;
const PER_TENANT = 5;

function staticInformer<T extends KubeObject>(name: string, items: T[]): Informer<T> {
  return new Informer<T>({
    name,
    listWatcher: {
      list: () => Promise.resolve({ items, resourceVersion: '1' }),
      watch: () => Promise.resolve(() => undefined),
    },
  });
}

function world(): { tenants: TenantResource[]; namespaces: KubeObject[] } {
  const tenants: TenantResource[] = [];
  const namespaces: KubeObject[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const name = `t${i}`;
    const uid = `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
    tenants.push({
      apiVersion: 'tenantry.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name, uid },
      spec: {
        owners: [
          { kind: 'User', name: `owner${i}` },
          { kind: 'Group', name: `team${i % 50}` },
        ],
        namespaceOptions: {
          quota: 10,
          forceTenantPrefix: true,
          forbiddenLabels: {
            denied: ['example.com/tier'],
            deniedRegex: '^internal\\.example\\.com/',
          },
        },
        containerRegistries: { allowed: ['ghcr.io/acme', 'registry.example.com:5000'] },
        serviceOptions: { allowNodePort: false },
      },
    });
    for (let j = 0; j < PER_TENANT; j++) {
      const ns = `${name}-ns${j}`;
      namespaces.push({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: { 'kubernetes.io/metadata.name': ns, 'tenantry.io/tenant': name },
          ownerReferences: [{ apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name, uid }],
        },
      });
    }
  }
  return { tenants, namespaces };
}

const owner = { username: 'owner500', groups: ['team0', 'system:authenticated'] };
const nsObj = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    labels: { 'kubernetes.io/metadata.name': name, 'tenantry.io/tenant': 't500', ...labels },
    ownerReferences: [
      {
        apiVersion: 'tenantry.io/v1alpha1',
        kind: 'Tenant',
        name: 't500',
        uid: `00000000-0000-0000-0000-${String(500).padStart(12, '0')}`,
      },
    ],
  },
});
const base = (over: Partial<AdmissionRequest>): AdmissionRequest => ({
  uid: 'u',
  kind: { group: '', version: 'v1', kind: 'Namespace' },
  resource: { group: '', version: 'v1', resource: 'namespaces' },
  operation: 'CREATE',
  userInfo: owner,
  ...over,
});

const scenarios: {
  name: string;
  path: string;
  req: AdmissionRequest;
  run: (r: AdmissionRequest, s: AdmissionState) => unknown;
}[] = [
  {
    name: 'mutate: owner creates a namespace (prefix choice among its tenants)',
    path: WEBHOOK_PATHS.mutateNamespaces,
    req: base({ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 't500-new' } } }),
    run: (r, s) => mutateNamespace(r, s),
  },
  {
    name: 'validate: owner creates a namespace (checks up to the quota reservation)',
    path: WEBHOOK_PATHS.validateNamespaces,
    req: base({ object: nsObj('t500-new', { team: 'web' }), dryRun: true }),
    run: (r, s) => validateNamespace(r, s),
  },
  {
    name: 'validate: owner labels its namespace (metadata rules, regex)',
    path: WEBHOOK_PATHS.validateNamespaces,
    req: base({
      operation: 'UPDATE',
      oldObject: nsObj('t500-ns0'),
      object: nsObj('t500-ns0', { 'team.example.com/name': 'web' }),
    }),
    run: (r, s) => validateNamespace(r, s),
  },
  {
    name: 'validate: Deployment in a tenant namespace (3 images vs registries)',
    path: WEBHOOK_PATHS.validateObjects,
    req: base({
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      namespace: 't500-ns0',
      name: 'web',
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 't500-ns0' },
        spec: {
          template: {
            spec: {
              containers: [1, 2, 3].map((i) => ({
                name: `c${i}`,
                image: `ghcr.io/acme/app${i}:1.${i}`,
              })),
            },
          },
        },
      },
    }),
    run: (r, s) => validateObject(r, s),
  },
];

function quantiles(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p99: at(0.99) };
}

function post(agent: https.Agent, port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        rejectUnauthorized: false,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const { tenants, namespaces } = world();
  const ti = staticInformer<TenantResource>('tenants', tenants);
  const ni = staticInformer<KubeObject>('namespaces', namespaces);
  addAdmissionIndexes(ti, ni);
  ti.start();
  ni.start();
  await Promise.all([ti.waitForSync(), ni.waitForSync()]);
  const state = cacheState({
    tenants: ti,
    namespaces: ni,
    controllerNamespace: 'tenantry-system',
    privileged: () => ({ users: ['tenantry-controller'], groups: ['system:masters'] }),
  });
  console.log(
    `# ${TENANTS} Tenants, ${TENANTS * PER_TENANT} Namespaces cached; ${cpus()[0]?.model ?? '?'}`,
  );
  console.log('\n## in-process handler, per call (µs)');
  for (const s of scenarios) {
    for (let i = 0; i < 2000; i++) s.run(s.req, state); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = process.hrtime.bigint();
      s.run(s.req, state);
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    const q = quantiles(samples);
    console.log(`| ${s.name} | ${q.median.toFixed(1)} | ${q.p99.toFixed(1)} |`);
  }

  const now = new Date();
  const ca = await generateCA(now, 1);
  const tls = await issueServingCert(
    ca,
    { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    now,
    1,
  );
  const server = new WebhookServer({
    log: silentLogger(),
    handlers: {
      [WEBHOOK_PATHS.mutateNamespaces]: (r) => mutateNamespace(r, state),
      [WEBHOOK_PATHS.validateNamespaces]: (r) => {
        const d = validateNamespace(r, state);
        return 'reserve' in d ? { allowed: true } : d;
      },
      [WEBHOOK_PATHS.validateObjects]: (r) => validateObject(r, state),
    },
  });
  console.log('\n## in-process review: JSON parse + handler + JSON answer, per request (µs)');
  for (const s of scenarios) {
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: s.req,
    });
    for (let i = 0; i < 2000; i++) await server.review(s.path, body);
    const samples: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = process.hrtime.bigint();
      await server.review(s.path, body);
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    const q = quantiles(samples);
    console.log(`| ${s.name} | ${q.median.toFixed(1)} | ${q.p99.toFixed(1)} |`);
  }
  const port = await server.listen('127.0.0.1', 0, { cert: tls.certPem, key: tls.keyPem });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  console.log('\n## over HTTPS (keep-alive, sequential), per round trip (ms)');
  for (const s of scenarios) {
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: s.req,
    });
    for (let i = 0; i < 300; i++) await post(agent, port, s.path, body);
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = process.hrtime.bigint();
      await post(agent, port, s.path, body);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const q = quantiles(samples);
    console.log(`| ${s.name} | ${q.median.toFixed(3)} | ${q.p99.toFixed(3)} |`);
  }
  agent.destroy();
  await server.close();
  await Promise.all([ti.stop(), ni.stop()]);
  console.log(`\nload average (1 min): ${loadavg()[0]?.toFixed(2) ?? '?'}`);
}

await main();
