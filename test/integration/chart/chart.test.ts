/**
 * The Helm chart (charts/tenantry): `helm lint` and `helm template` with the defaults and every
 * `ci/*-values.yaml` scenario; what the rendered objects promise (replicas, probes, security
 * context, the kubeseal-compatible Service, least-privilege RBAC); the rendered manifests applied
 * to the local plane with server-side apply; and the controller run out of cluster **as the
 * chart's ServiceAccount**, which proves the chart's RBAC is enough to reconcile a Tenant and a
 * SealedSecret (no request of that identity is refused) while holding no cluster-admin.
 *
 * helm is built once from the Go module proxy (test/harness/binaries.ts `ensureHelm`).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { IMAGE_NODE_FLAGS } from '../../../controller/heap.js';
import { allModules } from '../../../controller/modules.js';
import { documentedValues, generatedTemplates } from '../../../scripts/render-chart.js';
import { ensureHelm } from '../../harness/binaries.js';
import { freePort } from '../../harness/controlplane.js';
import { installCRDs } from '../../harness/crds.js';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  CHART,
  ROOT,
  find,
  isCurrent,
  helmTemplate,
  parseDocs,
  run,
  runOk,
  sealedSecret,
  type Obj,
  type WithStatus,
} from './helpers.js';

const CI_DIR = join(CHART, 'ci');
const scenarios = readdirSync(CI_DIR)
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();

/** Admission objects are cluster-wide singletons (fixed names); see the apply test. */
const ADMISSION_KINDS = new Set([
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
]);

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

type Labels = Record<string, string>;

interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: unknown };
  readinessProbe: { httpGet: unknown };
  resources: { requests: Labels; limits: Labels };
  securityContext: Record<string, unknown>;
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

interface Deployment extends Obj {
  spec: {
    replicas: number;
    selector: { matchLabels: Labels };
    template: {
      spec: {
        containers: Container[];
        securityContext: Record<string, unknown>;
        affinity: { podAntiAffinity: Record<string, unknown> };
        topologySpreadConstraints: { labelSelector: { matchLabels: Labels } }[];
      };
    };
  };
}

interface Service extends Obj {
  spec: { ports: { name: string; port: number; targetPort: string }[]; selector: Labels };
}

interface Pdb extends Obj {
  spec: { minAvailable: number; selector: { matchLabels: Labels } };
}

interface WebhookConfiguration extends Obj {
  webhooks: {
    clientConfig: { service: Record<string, unknown> };
    timeoutSeconds: number;
    namespaceSelector: { matchExpressions?: { operator: string; values: string[] }[] };
  }[];
}

interface Role extends Obj {
  rules: Rule[];
}

interface Binding extends Obj {
  roleRef: { name: string };
  subjects?: { kind: string; name: string; namespace?: string; apiGroup?: string }[];
}

interface ServiceMonitor extends Obj {
  spec: { endpoints: Record<string, unknown>[]; selector: { matchLabels: Labels } };
}

interface Policy extends Obj {
  spec: { matchConditions: { expression: string }[] };
}

interface Secret extends Obj {
  data: Record<string, string>;
}

const json = <T>(text: string): T => JSON.parse(text) as T;

type Kubectl = (args: string[], stdin?: string) => Promise<string>;

/** The controller arguments of the rendered Deployment. */
function chartArgs(objs: readonly Obj[]): string[] {
  return find<Deployment>(objs, 'Deployment').spec.template.spec.containers[0]?.args ?? [];
}

/**
 * Starts the controller with the chart's own flags (minus the listen addresses and leader
 * timings the harness picks) as the chart's ServiceAccount `<fullname>` in `namespace`.
 */
async function startAsChartServiceAccount(
  objs: readonly Obj[],
  namespace: string,
  fullname: string,
): Promise<ControllerProcess> {
  const plane = getPlane();
  const sa = plane.makeUser(`system:serviceaccount:${namespace}:${fullname}`, [
    'system:serviceaccounts',
    `system:serviceaccounts:${namespace}`,
  ]);
  const args = chartArgs(objs).filter(
    (a) =>
      !/^--(http-addr|metrics-addr|webhook-addr|lease-duration|renew-deadline|retry-period)=/.test(
        a,
      ),
  );
  const controller = await startController(plane.plane, {
    namespace,
    kubeconfigPath: sa.kubeconfigPath,
    args: [...args, '--webhook-addr=127.0.0.1:0'],
  });
  await controller.waitReady(120_000);
  return controller;
}

/** Deletes an install's cluster-scoped objects and its namespaces, ignoring what is gone. */
async function uninstall(
  kubectl: Kubectl,
  clusterObjects: readonly Obj[],
  namespaces: readonly string[],
): Promise<void> {
  for (const o of clusterObjects) {
    await kubectl(['delete', o.kind.toLowerCase(), o.metadata.name, '--ignore-not-found']).catch(
      () => undefined,
    );
  }
  await kubectl(['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=false']).catch(
    () => undefined,
  );
}

/**
 * Seals a Secret with the certificate `controller` serves, applies it to `namespace` and waits
 * until the controller has unsealed it (the right data) and reports it Synced.
 */
async function sealAndUnseal(
  controller: ControllerProcess,
  kubectl: Kubectl,
  namespace: string,
): Promise<void> {
  const cert = await eventually(
    'the sealing certificate',
    async () => {
      const r = await controller.get('/v1/cert.pem');
      return r.status === 200 ? r : undefined;
    },
    90_000,
  );
  const ss = await sealedSecret({
    certPem: cert.body,
    namespace,
    name: 'db',
    data: { password: 's3cr3t' },
  });
  await kubectl(['apply', '--server-side', '--field-manager=test', '-f', '-'], stringify(ss));
  const secret = await eventually(
    'the SealedSecret to be unsealed',
    async () => json<Secret>(await kubectl(['-n', namespace, 'get', 'secret', 'db', '-o', 'json'])),
    60_000,
  );
  expect(Buffer.from(secret.data.password ?? '', 'base64').toString()).to.equal('s3cr3t');
  await eventually('SealedSecret Synced', async () => {
    const s = json<WithStatus>(
      await kubectl(['-n', namespace, 'get', 'sealedsecret', 'db', '-o', 'json']),
    );
    return isCurrent(s, 'Synced') ? true : undefined;
  });
}

interface Schema {
  properties?: Record<string, Schema>;
}

describe('charts/tenantry', function () {
  let helm: string;

  before(async function () {
    // A first run builds helm with Go (a few minutes on 2 cores); later runs find it cached.
    this.timeout(30 * 60_000);
    helm = await ensureHelm((line) => process.stderr.write(`${line}\n`));
  });

  describe('helm lint and helm template', function () {
    it('passes helm lint --strict with the defaults and with every ci/*-values.yaml', async function () {
      this.timeout(120_000);
      expect(scenarios.length).to.be.greaterThan(3);
      for (const values of [undefined, ...scenarios]) {
        const args = ['lint', '--strict', CHART, ...(values ? ['-f', join(CI_DIR, values)] : [])];
        const r = await run(helm, args);
        expect(r.code, `helm ${args.join(' ')}\n${r.stdout}${r.stderr}`).to.equal(0);
        expect(r.stdout).to.include('0 chart(s) failed');
      }
    });

    it('renders every scenario into well-formed objects with unique names', async function () {
      this.timeout(120_000);
      for (const values of scenarios) {
        const objs = parseDocs(
          await helmTemplate(helm, { valuesFiles: [join(CI_DIR, values)], includeCrds: true }),
        );
        const ids = objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
        expect(new Set(ids).size, `${values}: duplicate objects`).to.equal(ids.length);
        for (const o of objs) {
          expect(o.apiVersion, `${values}: ${o.kind}`).to.be.a('string');
          expect(o.metadata.name, `${values}: ${o.kind}`).to.match(
            /^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/,
          );
        }
        expect(objs.filter((o) => o.kind === 'Deployment')).to.have.length(1);
      }
    });

    it('refuses values outside the schema', async function () {
      const r = await run(helm, ['template', 't', CHART, '--set', 'replicaCount=0']);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.match(/schema/);
      const typo = await run(helm, ['template', 't', CHART, '--set', 'webhook.timeoutSecond=3']);
      expect(typo.code).to.not.equal(0);
      const twoLeaders = await run(helm, [
        'template',
        't',
        CHART,
        '--set',
        'leaderElection.enabled=false',
      ]);
      expect(twoLeaders.stderr).to.include('leaderElection');
    });

    it('ships the generated CRDs and admission manifests unchanged', function () {
      for (const name of readdirSync(join(ROOT, 'crds', 'generated'))) {
        expect(readFileSync(join(CHART, 'crds', name), 'utf8'), name).to.equal(
          readFileSync(join(ROOT, 'crds', 'generated', name), 'utf8'),
        );
      }
      for (const [path, content] of generatedTemplates()) {
        expect(
          readFileSync(join(ROOT, path), 'utf8'),
          `${path}: run tsx scripts/render-chart.ts`,
        ).to.equal(content);
      }
    });
  });

  describe('values', function () {
    it('documents every value in values.yaml and types it in values.schema.json', function () {
      const text = readFileSync(join(CHART, 'values.yaml'), 'utf8');
      const documented = new Set(documentedValues(text).map((d) => d.path));
      const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Schema;
      const walk = (value: unknown, path: string[], node: Schema | undefined): void => {
        const dotted = path.join('.');
        expect(node, `${dotted} is not in values.schema.json`).to.not.equal(undefined);
        const covered = path.some((_, i) => documented.has(path.slice(0, i + 1).join('.')));
        const isMap = value !== null && typeof value === 'object' && !Array.isArray(value);
        if (isMap && Object.keys(value).length > 0 && !documented.has(dotted)) {
          for (const [k, v] of Object.entries(value)) walk(v, [...path, k], node?.properties?.[k]);
          return;
        }
        expect(covered, `${dotted} has no "# --" comment`).to.equal(true);
      };
      walk(parse(text), [], schema);
    });
  });

  describe('the default install', function () {
    let objs: Obj[];

    before(async function () {
      objs = parseDocs(
        await helmTemplate(helm, { release: 'tenantry', namespace: 'tenantry-system' }),
      );
    });

    it('runs two replicas with leader election, probes on port http and a restricted security context', function () {
      const d = find<Deployment>(objs, 'Deployment');
      expect(d.spec.replicas).to.equal(2);
      const pod = d.spec.template.spec;
      const c = pod.containers[0]!;
      expect(c.args).to.include('--leader-elect=true');
      const ports = Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]));
      expect(ports).to.deep.equal({ http: 8080, metrics: 8081, webhook: 9443 });
      expect(c.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'http' });
      expect(c.resources.requests).to.have.keys('cpu', 'memory');
      expect(c.resources.limits).to.have.key('memory');
      expect(pod.securityContext).to.include({ runAsNonRoot: true });
      expect(pod.securityContext.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
      expect(c.securityContext).to.deep.include({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.affinity.podAntiAffinity).to.have.key(
        'preferredDuringSchedulingIgnoredDuringExecution',
      );
      expect(pod.topologySpreadConstraints[0]?.labelSelector.matchLabels).to.deep.equal(
        d.spec.selector.matchLabels,
      );
      expect(
        c.env.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath,
      ).to.equal('metadata.namespace');
    });

    it('keeps a replica during drains: a PodDisruptionBudget with minAvailable 1', function () {
      const pdb = find<Pdb>(objs, 'PodDisruptionBudget');
      expect(pdb.spec.minAvailable).to.equal(1);
      expect(pdb.spec.selector.matchLabels).to.deep.equal(
        find<Deployment>(objs, 'Deployment').spec.selector.matchLabels,
      );
    });

    it('exposes the Service stock kubeseal looks for: sealed-secrets-controller, first port http', function () {
      const svc = find<Service>(objs, 'Service', 'sealed-secrets-controller');
      expect(svc.spec.ports[0]).to.deep.include({ name: 'http', port: 8080, targetPort: 'http' });
      expect(svc.spec.ports[1]).to.deep.include({
        name: 'webhook',
        port: 443,
        targetPort: 'webhook',
      });
      expect(svc.spec.selector).to.deep.equal(
        find<Deployment>(objs, 'Deployment').spec.selector.matchLabels,
      );
    });

    it('grants Secrets and SealedSecrets only by Roles in sealedSecrets.namespaces and the release namespace', async function () {
      const scoped = parseDocs(
        await helmTemplate(helm, {
          valuesFiles: [join(CI_DIR, 'sealedsecrets-namespaces-values.yaml')],
        }),
      );
      const cluster = find<Role>(scoped, 'ClusterRole', 'tenantry-controller');
      const touches = (r: Rule): boolean =>
        (r.resources ?? []).some((x) => x === 'secrets' || x.startsWith('sealedsecrets'));
      expect(cluster.rules.filter(touches), 'nothing secret cluster-wide').to.deep.equal([]);
      const roles = scoped.filter(
        (o) => o.kind === 'Role' && o.metadata.name === 'tenantry-sealedsecrets',
      ) as Role[];
      expect(roles.map((r) => r.metadata.namespace).sort()).to.deep.equal([
        'team-a',
        'team-b',
        'tenantry-system',
      ]);
      for (const r of roles) expect(r.rules.filter(touches)).to.have.length(4);
      const bindings = scoped.filter(
        (o) => o.kind === 'RoleBinding' && o.metadata.name === 'tenantry-sealedsecrets',
      ) as Binding[];
      expect(bindings).to.have.length(3);
      const args = find<Deployment>(scoped, 'Deployment').spec.template.spec.containers[0]?.args;
      expect(args).to.include('--additional-namespaces=team-a,team-b');
      // The default install keeps the cluster-wide rules and passes no namespace list.
      expect(
        find<Role>(objs, 'ClusterRole', 'tenantry-controller').rules.filter(touches),
      ).to.have.length(4);
      expect(
        find<Deployment>(objs, 'Deployment').spec.template.spec.containers[0]?.args,
      ).to.not.satisfy((a: string[]) => a.some((x) => x.startsWith('--additional-namespaces')));
    });

    it('renames the Service and the kubeseal proxy grant together', async function () {
      const custom = parseDocs(
        await helmTemplate(helm, { valuesFiles: [join(CI_DIR, 'custom-names-values.yaml')] }),
      );
      expect(find<Service>(custom, 'Service', 'sealed-secrets').spec.ports[0]?.name).to.equal(
        'http',
      );
      const proxier = find<Role>(custom, 'Role', 'platform-tenancy-service-proxier');
      expect(proxier.rules[1]?.resourceNames).to.deep.equal([
        'http:sealed-secrets:',
        'http:sealed-secrets:http',
        'sealed-secrets',
      ]);
      expect(
        find<Binding>(custom, 'RoleBinding', 'platform-tenancy-service-proxier').subjects,
      ).to.deep.equal([
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
      ]);
      const bind = find<Role>(custom, 'ClusterRole', 'platform-tenancy-controller').rules.find(
        (r) => r.verbs.includes('bind'),
      );
      expect(bind?.resourceNames).to.deep.equal(['admin', 'edit', 'view', 'acme-deployer']);
    });

    it('points the webhooks at that Service and exempts the controller ServiceAccount', function () {
      for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        for (const hook of find<WebhookConfiguration>(objs, kind).webhooks) {
          expect(hook.clientConfig.service).to.deep.include({
            name: 'sealed-secrets-controller',
            namespace: 'tenantry-system',
            port: 443,
          });
          expect(hook.timeoutSeconds).to.equal(5);
          const notIn = (hook.namespaceSelector.matchExpressions ?? []).find(
            (e) => e.operator === 'NotIn',
          );
          // The controller's own namespace and kube-system are never gated (no lock-out).
          if (notIn !== undefined)
            expect(notIn.values).to.include.members(['kube-system', 'tenantry-system']);
        }
      }
      const policies = objs.filter((o) => o.kind === 'ValidatingAdmissionPolicy');
      expect(policies.length).to.be.greaterThan(3);
      expect(JSON.stringify(objs.filter((o) => ADMISSION_KINDS.has(o.kind)))).to.include(
        'system:serviceaccount:tenantry-system:tenantry',
      );
      const args = find<Deployment>(objs, 'Deployment').spec.template.spec.containers[0]?.args;
      expect(args).to.include.members([
        '--webhook-service=sealed-secrets-controller',
        '--manage-admission-config=false',
        '--controller-user=system:serviceaccount:tenantry-system:tenantry',
      ]);
    });

    it('grants least privilege: no wildcard, no cluster-admin, `bind` only on the bindable ClusterRoles', function () {
      const roles = objs.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as Role[];
      const controllerRoles = roles.filter((r) => r.metadata.name.endsWith('-controller'));
      expect(controllerRoles.map((r) => r.kind).sort()).to.deep.equal(['ClusterRole', 'Role']);
      for (const role of roles) {
        for (const rule of role.rules) {
          const where = `${role.kind} ${role.metadata.name}: ${JSON.stringify(rule)}`;
          expect(rule.verbs, where).to.not.include('*');
          expect(rule.verbs, where).to.not.include('escalate');
          expect(rule.verbs, where).to.not.include('impersonate');
          expect(rule.resources ?? [], where).to.not.include('*');
          expect(rule.apiGroups ?? [], where).to.not.include('*');
          if (rule.verbs.includes('bind')) {
            expect(rule.resourceNames, where).to.deep.equal(['admin', 'edit', 'view']);
          }
        }
      }
      for (const b of objs.filter((o) => /RoleBinding$/.test(o.kind)) as Binding[]) {
        expect(b.roleRef.name, b.metadata.name).to.not.equal('cluster-admin');
      }
    });

    it('says why for every RBAC rule (a comment above each)', function () {
      const lines = readFileSync(join(CHART, 'templates', 'rbac.yaml'), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!/^\s+- apiGroups:/.test(line)) return;
        let j = i - 1;
        while (j >= 0 && /^\s*\{\{-? (if|end)/.test(lines[j] ?? '')) j--;
        expect(lines[j] ?? '', `rbac.yaml line ${i + 1} has no comment above it`).to.match(/^\s+#/);
      });
    });

    it('renders the ServiceMonitor only when asked, and the cert-manager objects in that mode', async function () {
      expect(objs.some((o) => o.kind === 'ServiceMonitor')).to.equal(false);
      const mon = parseDocs(
        await helmTemplate(helm, { valuesFiles: [join(CI_DIR, 'monitoring-values.yaml')] }),
      );
      const sm = find<ServiceMonitor>(mon, 'ServiceMonitor');
      expect(sm.spec.endpoints[0]).to.include({
        port: 'metrics',
        path: '/metrics',
        interval: '15s',
      });
      expect(find(mon, 'Service', 'tenantry-metrics').metadata.labels).to.include(
        sm.spec.selector.matchLabels,
      );
      expect(find(mon, 'Service', 'sealed-secrets-controller').metadata.labels).to.not.include(
        sm.spec.selector.matchLabels,
      );
      const cm = parseDocs(
        await helmTemplate(helm, { valuesFiles: [join(CI_DIR, 'cert-manager-values.yaml')] }),
      );
      expect(
        find<Obj & { spec: { secretName: string } }>(cm, 'Certificate').spec.secretName,
      ).to.equal('tenantry-webhook-tls');
      expect(find(cm, 'ValidatingWebhookConfiguration').metadata.annotations).to.deep.equal({
        'cert-manager.io/inject-ca-from': 'tenantry-system/tenantry-webhook',
      });
      expect(find<Deployment>(cm, 'Deployment').spec.template.spec.containers[0]?.args).to.include(
        '--cert-manager=true',
      );
      const names = find<Policy>(cm, 'ValidatingAdmissionPolicy')
        .spec.matchConditions.map((c) => c.expression)
        .join(' ');
      expect(names).to.include('"system:masters","platform-admins"');
    });
  });

  describe('the controller image', function () {
    it("is a multi-stage build that runs the bundled controller as the chart's non-root user", function () {
      const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('#'));
      const froms = lines.filter((l) => l.startsWith('FROM '));
      expect(froms).to.have.length(2);
      expect(froms[0]).to.match(/^FROM node:\$\{NODE_VERSION\}-slim AS build$/);
      expect(froms[1]).to.match(
        /^FROM gcr\.io\/distroless\/nodejs\$\{NODE_VERSION\}-debian12:nonroot/,
      );
      const runtime = lines.slice(lines.indexOf(froms[1] ?? ''));
      expect(lines).to.include('RUN npm ci --ignore-scripts --no-audit --no-fund');
      expect(runtime).to.include('COPY --from=build /src/dist/controller.mjs /app/controller.mjs');
      expect(runtime).to.include(
        `ENTRYPOINT [${['/nodejs/bin/node', ...IMAGE_NODE_FLAGS, '/app/controller.mjs'].map((a) => JSON.stringify(a)).join(', ')}]`,
      );
      const user = runtime.find((l) => l.startsWith('USER '));
      const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as {
        podSecurityContext: { runAsUser: number; runAsGroup: number };
      };
      expect(user).to.equal(
        `USER ${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`,
      );
      const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
      expect(ignored).to.include.members(['.git', 'node_modules', 'dist']);
    });

    it('runs from the bundle alone, without node_modules, against a real API server', async function () {
      this.timeout(180_000);
      const out = mkdtempSync(join(tmpdir(), 'tenantry-bundle-'));
      await runOk(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), out], {
        timeoutMs: 170_000,
      });
      const ns = uniqueName('image');
      const plane = getPlane();
      await installCRDs(plane.kubeConfig(), plane.plane);
      await runOk(plane.plane.binaries.kubectl, [
        '--kubeconfig',
        plane.kubeconfigPath,
        'create',
        'namespace',
        ns,
      ]);
      const port = await freePort();
      // What the image runs, from a directory with no node_modules anywhere above it.
      const child = spawn(
        process.execPath,
        [
          ...IMAGE_NODE_FLAGS,
          join(out, 'controller.mjs'),
          `--kubeconfig=${plane.kubeconfigPath}`,
          `--namespace=${ns}`,
          `--http-addr=127.0.0.1:${port}`,
          '--metrics-addr=127.0.0.1:0',
          '--webhook-addr=127.0.0.1:0',
          '--manage-admission-config=false',
          `--lease-name=${ns}`,
        ],
        { cwd: out, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let log = '';
      child.stdout.on('data', (d: Buffer) => (log += d.toString()));
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      try {
        await eventually(
          'the bundled controller to be ready',
          async () => {
            const r = await fetch(`http://127.0.0.1:${port}/readyz`);
            return r.status === 200 ? true : undefined;
          },
          60_000,
        ).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}\n${log}`);
        });
        // /readyz can answer before the log line has come through the pipe.
        await eventually(
          'the bundled controller to log that its informers synced',
          () => Promise.resolve(log.includes('Informers synced') ? true : undefined),
          10_000,
        ).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}\n${log}`);
        });
      } finally {
        child.kill('SIGTERM');
        const code = await exited;
        await runOk(plane.plane.binaries.kubectl, [
          '--kubeconfig',
          plane.kubeconfigPath,
          'delete',
          'namespace',
          ns,
          '--wait=false',
        ]);
        rmSync(out, { recursive: true, force: true });
        expect(code, log).to.equal(0);
      }
    });
  });

  describe('on the local control plane', function () {
    const ns = uniqueName('chart');
    const release = uniqueName('rel');
    const fullname = `${release}-tenantry`;
    const saUser = `system:serviceaccount:${ns}:${fullname}`;
    let dir: string;
    let objs: Obj[];
    let kubectl: Kubectl;
    let controller: ControllerProcess | undefined;
    const tenant = uniqueName('tnt');
    const member = `${tenant}-apps`;

    before(async function () {
      const plane = getPlane();
      dir = mkdtempSync(join(tmpdir(), 'tenantry-chart-'));
      objs = parseDocs(await helmTemplate(helm, { release, namespace: ns, includeCrds: true }));
      kubectl = (args, stdin) =>
        runOk(plane.plane.binaries.kubectl, ['--kubeconfig', plane.kubeconfigPath, ...args], {
          ...(stdin !== undefined ? { stdin } : {}),
        });
      await kubectl(['create', 'namespace', ns]);
    });

    after(async function () {
      this.timeout(120_000);
      if (controller !== undefined) {
        // The Tenant's finalizer needs the controller: delete it first.
        await kubectl([
          'delete',
          'tenant',
          tenant,
          '--ignore-not-found',
          '--wait=true',
          '--timeout=60s',
        ]).catch(() => undefined);
        await controller.stop();
      }
      // Cluster-scoped objects go, the CRDs stay (other suites use them); the policies exempt a
      // ServiceAccount that no longer exists, so they go too.
      const cluster = objs.filter(
        (o) => o.metadata.namespace === undefined && o.kind !== 'CustomResourceDefinition',
      );
      await uninstall(kubectl, cluster, [ns, member]);
    });

    it('applies with server-side apply, without errors', async function () {
      this.timeout(120_000);
      // Admission objects have fixed names (one set per cluster): a fresh install replaces what
      // an earlier suite's controller left. The webhook configurations would send the shared
      // plane's tenant requests to a Service without endpoints, so the API server only
      // validates and admits them (server-side dry run); the policies are installed for real.
      const admission = objs.filter((o) => ADMISSION_KINDS.has(o.kind));
      for (const o of admission) {
        await kubectl(['delete', o.kind.toLowerCase(), o.metadata.name, '--ignore-not-found']);
      }
      const webhooks = admission.filter((o) => o.kind.endsWith('WebhookConfiguration'));
      const rest = objs.filter((o) => !webhooks.includes(o));
      expect(admission.length - webhooks.length).to.be.greaterThan(4);
      const restFile = join(dir, 'install.yaml');
      writeFileSync(restFile, rest.map((o) => stringify(o)).join('---\n'));
      const applied = await kubectl([
        'apply',
        '--server-side',
        '--field-manager=helm-test',
        '-f',
        restFile,
      ]);
      expect(applied.trim().split('\n')).to.have.length(rest.length);
      const admissionFile = join(dir, 'admission.yaml');
      writeFileSync(admissionFile, webhooks.map((o) => stringify(o)).join('---\n'));
      const dry = await kubectl([
        'apply',
        '--server-side',
        '--dry-run=server',
        '--field-manager=helm-test',
        '-f',
        admissionFile,
      ]);
      expect(dry).to.include(
        'validatingwebhookconfiguration.admissionregistration.k8s.io/tenantry-admission serverside-applied (server dry run)',
      );
      // A second apply of the same manifests is accepted and conflict-free.
      await kubectl(['apply', '--server-side', '--field-manager=helm-test', '-f', restFile]);
      const deploy = json<Deployment>(
        await kubectl(['-n', ns, 'get', 'deployment', fullname, '-o', 'json']),
      );
      expect(deploy.spec.replicas).to.equal(2);
    });

    it('gives its ServiceAccount no cluster-admin and nothing wildcard', async function () {
      const can = async (...args: string[]): Promise<string> =>
        (
          await run(getPlane().plane.binaries.kubectl, [
            '--kubeconfig',
            getPlane().kubeconfigPath,
            'auth',
            'can-i',
            ...args,
            `--as=${saUser}`,
            '--as-group=system:serviceaccounts',
            `--as-group=system:serviceaccounts:${ns}`,
          ])
        ).stdout.trim();
      expect(await can('*', '*')).to.equal('no');
      expect(await can('escalate', 'clusterroles')).to.equal('no');
      expect(await can('impersonate', 'users')).to.equal('no');
      expect(await can('bind', 'clusterroles/cluster-admin')).to.equal('no');
      expect(await can('bind', 'clusterroles/admin')).to.equal('yes');
      expect(await can('create', 'pods', '-n', 'default')).to.equal('no');
      expect(await can('update', 'leases/tenantry-controller', '-n', ns)).to.equal('yes');
      expect(await can('update', 'leases/kube-scheduler', '-n', 'kube-system')).to.equal('no');
      const bindings = json<{ items: Binding[] }>(
        await kubectl(['get', 'clusterrolebindings', '-o', 'json']),
      ).items;
      const ours = bindings.filter((b) =>
        (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.namespace === ns),
      );
      expect(ours.map((b) => b.roleRef.name)).to.deep.equal([`${fullname}-controller`]);
    });

    it("is enough for the controller: as the chart's ServiceAccount it reconciles a Tenant and a SealedSecret", async function () {
      this.timeout(240_000);
      const modules = new Set(allModules().map((m) => m.name));
      if (!modules.has('tenant')) this.skip();
      const plane = getPlane();
      controller = await startAsChartServiceAccount(objs, ns, fullname);

      await kubectl(
        ['apply', '--server-side', '--field-manager=test', '-f', '-'],
        stringify({
          apiVersion: 'tenantry.io/v1alpha1',
          kind: 'Tenant',
          metadata: { name: tenant },
          spec: {
            owners: [{ kind: 'User', name: 'chart-owner' }],
            resourceQuotas: [{ name: 'objects', hard: { pods: '10' } }],
            limitRanges: [
              { name: 'defaults', limits: [{ type: 'Container', default: { cpu: '500m' } }] },
            ],
            networkPolicies: [
              { name: 'deny-ingress', spec: { podSelector: {}, policyTypes: ['Ingress'] } },
            ],
            additionalRoleBindings: [
              {
                name: 'viewers',
                clusterRoleName: 'view',
                subjects: [
                  { kind: 'Group', name: 'viewers', apiGroup: 'rbac.authorization.k8s.io' },
                ],
              },
            ],
          },
        }),
      );
      const uid = json<Obj>(await kubectl(['get', 'tenant', tenant, '-o', 'json'])).metadata.uid;
      // A member namespace, made by an administrator: the tenant label plus the ownerReference.
      await kubectl(
        ['create', '-f', '-'],
        stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: member,
            labels: { 'tenantry.io/tenant': tenant },
            ownerReferences: [
              { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', name: tenant, uid },
            ],
          },
        }),
      );
      await eventually(
        'the Tenant to be Ready with its namespace',
        async () => {
          const t = json<WithStatus>(await kubectl(['get', 'tenant', tenant, '-o', 'json']));
          return isCurrent(t, 'Ready') && t.status?.namespaces?.includes(member) === true
            ? true
            : undefined;
        },
        90_000,
      );
      const children = json<{ items: Obj[] }>(
        await kubectl([
          '-n',
          member,
          'get',
          'rolebindings,resourcequotas,limitranges,networkpolicies',
          '-l',
          `tenantry.io/tenant=${tenant}`,
          '-o',
          'json',
        ]),
      ).items;
      expect(children.map((c) => c.kind).sort()).to.include.members([
        'LimitRange',
        'NetworkPolicy',
        'ResourceQuota',
        'RoleBinding',
        'RoleBinding',
      ]);

      if (modules.has('sealedsecret')) {
        // The leader generates the first sealing key after it starts leading.
        await sealAndUnseal(controller, kubectl, member);
      }

      // Deleting the Tenant runs its deletionPolicy (Retain: the namespace is detached).
      await kubectl(['delete', 'tenant', tenant, '--wait=true', '--timeout=90s']);
      const detached = json<Obj>(await kubectl(['get', 'namespace', member, '-o', 'json']));
      expect(detached.metadata.labels ?? {}).to.not.have.property('tenantry.io/tenant');
      expect(detached.metadata.ownerReferences ?? []).to.deep.equal([]);

      // Every request the controller made was allowed: the chart's RBAC is sufficient.
      const refused = plane.plane
        .auditEvents(saUser)
        .filter((e) => e.responseStatus?.code === 403)
        .map((e) => `${e.verb} ${e.requestURI}`);
      expect(refused, controller.logs(40)).to.deep.equal([]);
      expect(plane.plane.auditEvents(saUser).length).to.be.greaterThan(10);
    });
  });
  describe('on the local control plane, with sealedSecrets.namespaces', function () {
    const ns = uniqueName('chartns');
    const release = uniqueName('rel');
    const fullname = `${release}-tenantry`;
    const saUser = `system:serviceaccount:${ns}:${fullname}`;
    const listed = uniqueName('team');
    const unlisted = uniqueName('other');
    let objs: Obj[];
    let kubectl: Kubectl;
    let controller: ControllerProcess | undefined;

    before(async function () {
      const plane = getPlane();
      objs = parseDocs(
        await helmTemplate(helm, {
          release,
          namespace: ns,
          set: [`sealedSecrets.namespaces={${listed}}`, 'controllers={sealedsecret}'],
        }),
      );
      kubectl = (args, stdin) =>
        runOk(plane.plane.binaries.kubectl, ['--kubeconfig', plane.kubeconfigPath, ...args], {
          ...(stdin !== undefined ? { stdin } : {}),
        });
      for (const name of [ns, listed, unlisted]) await kubectl(['create', 'namespace', name]);
    });

    after(async function () {
      this.timeout(120_000);
      await controller?.stop();
      const cluster = objs.filter((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
      await uninstall(kubectl, cluster, [ns, listed, unlisted]);
    });

    it("is enough for a SealedSecret-only controller: as the chart's ServiceAccount it unseals in a listed namespace, with no 403", async function () {
      this.timeout(240_000);
      const plane = getPlane();
      const rbac = objs.filter((o) =>
        ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(
          o.kind,
        ),
      );
      // Secrets and SealedSecrets come from Roles in the release namespace and the listed one.
      const roleNamespaces = rbac
        .filter((o) => o.kind === 'Role')
        .map((o) => o.metadata.namespace)
        .sort();
      expect(roleNamespaces).to.include.members([ns, listed]);
      expect(roleNamespaces).to.not.include(unlisted);
      await kubectl(
        ['apply', '--server-side', '--field-manager=helm-test', '-f', '-'],
        rbac.map((o) => stringify(o)).join('---\n'),
      );
      expect(chartArgs(objs)).to.include(`--additional-namespaces=${listed}`);
      controller = await startAsChartServiceAccount(objs, ns, fullname);
      const c = controller;
      await sealAndUnseal(c, kubectl, listed);

      // Every request the controller made was allowed: Roles in two namespaces and the
      // ClusterRole without Secret or SealedSecret rules are enough.
      const refused = plane.plane
        .auditEvents(saUser)
        .filter((e) => e.responseStatus?.code === 403)
        .map((e) => `${e.verb} ${e.requestURI}`);
      expect(refused, c.logs(40)).to.deep.equal([]);
      const secretReads = plane.plane
        .auditEvents(saUser)
        .filter((e) => /\/(secrets|sealedsecrets)(\?|$)/.test(e.requestURI ?? ''))
        .map((e) => e.requestURI ?? '');
      expect(secretReads.length).to.be.greaterThan(0);
      // None of them cluster-wide: only the namespaces the Roles cover.
      expect(
        secretReads.filter(
          (u) => !u.includes(`/namespaces/${ns}/`) && !u.includes(`/namespaces/${listed}/`),
        ),
      ).to.deep.equal([]);
    });
  });
});
