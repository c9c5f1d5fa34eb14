/**
 * Inside tenant namespaces: per-tenant allow-lists (webhook), the propagated children (policy),
 * RBAC escalation (Kubernetes' own check) and the Multi-Tenancy Benchmark checks, played by a
 * tenant owner with a client certificate. Pods are created with `dryRun=All` (no kubelet), as
 * kubectl-mtb does.
 */
import { expect } from 'chai';
import type { KubeClient } from '../../../controller/runtime/kube.js';
import { POLICY_NAMES } from '../../../controller/admission/manifests.js';
import { networkPolicyName } from '../../../controller/tenant/names.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { uniqueName } from '../../helpers/names.js';
import {
  NAMESPACES,
  TENANTS,
  admin,
  clusterGrant,
  createTenant,
  denied,
  deniedBy,
  installCRDs,
  mergePatch,
  namespace,
  namespaceGrant,
  removeAdmissionConfig,
  startAdmission,
  until,
  untilAllowed,
  user,
} from './helpers.js';

const id = uniqueName('x').slice(2);
const A = `acme${id}`;
const B = `beta${id}`;
const CTL = `tenantry-obj${id}`;
const DEV = `${A}-dev`;
const PROD = `${B}-prod`;
const alice = `alice-${id}`;
const bob = `bob-${id}`;
const dry = { dryRun: 'All' };

const pod = (name: string, image: string, spec: object = {}): object => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image }], ...spec },
});

describe('admission: objects in tenant namespaces (allow-lists, propagated children, RBAC, MTB)', function () {
  this.timeout(180_000);
  let controller: ControllerProcess;
  let owner: KubeClient;
  let other: KubeClient;
  const api = (ns: string, plural: string, group = ''): string =>
    group === ''
      ? `/api/v1/namespaces/${ns}/${plural}`
      : `/apis/${group}/namespaces/${ns}/${plural}`;
  const create = (
    c: KubeClient,
    path: string,
    body: object,
    query: Record<string, string> = {},
  ): Promise<unknown> => c.request({ method: 'POST', path, body, query });

  before(async () => {
    await installCRDs();
    await createTenant(A, {
      owners: [{ kind: 'User', name: alice }],
      ingressOptions: {
        allowedClasses: ['nginx'],
        allowedHostnames: ['acme.example.com', '*.apps.acme.example.com'],
      },
      storageClasses: { allowed: ['standard'] },
      containerRegistries: { allowed: ['ghcr.io/acme', 'registry.example.com:5000'] },
      serviceOptions: { allowNodePort: false, allowLoadBalancer: false, allowExternalName: false },
    });
    await createTenant(B, { owners: [{ kind: 'User', name: bob }] });
    await clusterGrant(
      `${CTL}-ns-creator`,
      [{ apiGroups: [''], resources: ['namespaces'], verbs: ['create'] }],
      [
        { kind: 'User', name: alice },
        { kind: 'User', name: bob },
      ],
    );
    owner = user(alice);
    other = user(bob);
    ({ controller } = await startAdmission(CTL));
    await until('the mutating webhook assigns the tenant', async () => {
      const ns = await owner.request<{ metadata: { labels?: Record<string, string> } }>({
        method: 'POST',
        path: NAMESPACES,
        query: dry,
        body: namespace(`${A}-probe`),
      });
      return ns.metadata.labels?.['tenantry.io/tenant'] === A;
    });
    await owner.request({ method: 'POST', path: NAMESPACES, body: namespace(DEV) });
    await other.request({ method: 'POST', path: NAMESPACES, body: namespace(PROD) });
    await namespaceGrant(DEV, 'admin', alice);
    await namespaceGrant(PROD, 'admin', bob);
    await admin().request({
      method: 'POST',
      path: api(PROD, 'secrets'),
      body: { metadata: { name: 'db' }, stringData: { password: 'hunter2' } },
    });
    await until('the objects webhook acts', async () =>
      create(
        owner,
        api(DEV, 'services'),
        { metadata: { name: 'probe' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } },
        dry,
      ).then(() => false, deniedBy(/Services of type NodePort are not allowed/)),
    );
    // The policies load asynchronously too, and the webhook acting says nothing about them.
    await until('the propagated-objects policy denies a forged NetworkPolicy', async () =>
      create(
        owner,
        api(DEV, 'networkpolicies', 'networking.k8s.io/v1'),
        {
          metadata: {
            name: 'probe',
            labels: { 'tenantry.io/tenant': A, 'tenantry.io/propagated-from': 'networkpolicy' },
          },
          spec: { podSelector: {} },
        },
        dry,
      ).then(() => false, deniedBy(/ValidatingAdmissionPolicy 'tenantry-propagated-objects'/)),
    );
  });

  after(async () => {
    // Cleanup while the controller runs: the Tenant controller's finalizer must be carried out.
    const c = admin();
    for (const n of [DEV, PROD]) {
      await c.request({ method: 'DELETE', path: `${NAMESPACES}/${n}` }).catch(() => undefined);
    }
    for (const t of [A, B]) {
      await c.request({ method: 'DELETE', path: `${TENANTS}/${t}` }).catch(() => undefined);
    }
    await until('the Tenants are gone', async () => {
      const left = await Promise.all(
        [A, B].map((t) =>
          c.request({ method: 'GET', path: `${TENANTS}/${t}` }).then(
            () => true,
            () => false,
          ),
        ),
      );
      return !left.includes(true);
    }).catch(() => undefined);
    await controller?.stop();
    await removeAdmissionConfig();
  });

  it('policies: every ValidatingAdmissionPolicy type-checks without warnings', async () => {
    for (const name of Object.values(POLICY_NAMES)) {
      const status = await (async () => {
        let s:
          | {
              typeChecking?: { expressionWarnings?: { warning: string }[] };
              observedGeneration?: number;
            }
          | undefined;
        await until(`${name} type-checked`, async () => {
          const p = await admin().request<{ status?: typeof s }>({
            method: 'GET',
            path: `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${name}`,
          });
          s = p.status;
          return s?.typeChecking !== undefined;
        });
        return s;
      })();
      expect(status?.typeChecking?.expressionWarnings ?? [], name).to.deep.equal([]);
    }
  });

  describe('per-tenant allow-lists', () => {
    it('§13.18 Ingress classes and hostnames outside the allow-list are denied', async () => {
      const ing = (name: string, spec: object, annotations?: object): object => ({
        metadata: { name, ...(annotations ? { annotations } : {}) },
        spec,
      });
      const path = api(DEV, 'ingresses', 'networking.k8s.io/v1');
      const rule = (host?: string): object => ({
        ...(host ? { host } : {}),
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 's', port: { number: 80 } } },
            },
          ],
        },
      });
      await create(
        owner,
        path,
        ing('ok', {
          ingressClassName: 'nginx',
          rules: [rule('acme.example.com'), rule('x.apps.acme.example.com')],
        }),
        dry,
      );
      await denied(
        create(
          owner,
          path,
          ing('c', { ingressClassName: 'internal', rules: [rule('acme.example.com')] }),
          dry,
        ),
        new RegExp(`IngressClass internal is not allowed in tenant ${A} \\(allowed: nginx\\)`),
      );
      await denied(
        create(
          owner,
          path,
          ing(
            'c2',
            { rules: [rule('acme.example.com')] },
            { 'kubernetes.io/ingress.class': 'other' },
          ),
          dry,
        ),
        /IngressClass other is not allowed/,
      );
      await denied(
        create(owner, path, ing('c3', { rules: [rule('acme.example.com')] }), dry),
        /an Ingress without an IngressClass is not allowed/,
      );
      await denied(
        create(
          owner,
          path,
          ing('h', { ingressClassName: 'nginx', rules: [rule('evil.example.com')] }),
          dry,
        ),
        /host evil\.example\.com is not allowed/,
      );
      await denied(
        create(
          owner,
          path,
          ing('h2', { ingressClassName: 'nginx', rules: [rule('*.example.com')] }),
          dry,
        ),
        /host \*\.example\.com is not allowed/,
      );
      await denied(
        create(owner, path, ing('h3', { ingressClassName: 'nginx', rules: [rule()] }), dry),
        /rule without a host matches every hostname/,
      );
      await denied(
        create(
          owner,
          path,
          ing('t', {
            ingressClassName: 'nginx',
            rules: [rule('acme.example.com')],
            tls: [{ hosts: ['bank.example.com'] }],
          }),
          dry,
        ),
        /host bank\.example\.com is not allowed/,
      );
    });

    it('§13.18 MTB-PL1-BC-HI-1 NodePort, LoadBalancer and ExternalName Services are denied', async () => {
      const path = api(DEV, 'services');
      await create(owner, path, { metadata: { name: 'ok' }, spec: { ports: [{ port: 80 }] } }, dry);
      for (const type of ['NodePort', 'LoadBalancer']) {
        await denied(
          create(
            owner,
            path,
            { metadata: { name: 's' }, spec: { type, ports: [{ port: 80 }] } },
            dry,
          ),
          new RegExp(`Services of type ${type} are not allowed in tenant ${A}`),
        );
      }
      await denied(
        create(
          owner,
          path,
          {
            metadata: { name: 'e' },
            spec: { type: 'ExternalName', externalName: 'db.example.com' },
          },
          dry,
        ),
        /Services of type ExternalName are not allowed/,
      );
    });

    it('§13.18 StorageClasses outside the allow-list are denied (PVCs and StatefulSet claim templates)', async () => {
      const claim = (name: string, cls?: string): object => ({
        metadata: { name },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
          ...(cls !== undefined ? { storageClassName: cls } : {}),
        },
      });
      await create(owner, api(DEV, 'persistentvolumeclaims'), claim('ok', 'standard'), dry);
      await denied(
        create(owner, api(DEV, 'persistentvolumeclaims'), claim('fast', 'fast'), dry),
        new RegExp(`StorageClass fast is not allowed in tenant ${A} \\(allowed: standard\\)`),
      );
      await denied(
        create(owner, api(DEV, 'persistentvolumeclaims'), claim('none'), dry),
        /without a StorageClass is not allowed/,
      );
      await denied(
        create(
          owner,
          api(DEV, 'statefulsets', 'apps/v1'),
          {
            metadata: { name: 'db' },
            spec: {
              serviceName: 'db',
              selector: { matchLabels: { app: 'db' } },
              template: {
                metadata: { labels: { app: 'db' } },
                spec: { containers: [{ name: 'c', image: 'ghcr.io/acme/db:1' }] },
              },
              volumeClaimTemplates: [claim('data', 'premium')],
            },
          },
          dry,
        ),
        /StorageClass premium is not allowed/,
      );
    });

    it('allow-list: images from other registries are denied in Pods and every pod template', async () => {
      await create(owner, api(DEV, 'pods'), pod('ok', 'ghcr.io/acme/app:1.0'), dry);
      await create(
        owner,
        api(DEV, 'pods'),
        pod('ok2', 'registry.example.com:5000/team/app@sha256:' + 'a'.repeat(64)),
        dry,
      );
      await denied(
        create(owner, api(DEV, 'pods'), pod('hub', 'nginx:1.27'), dry),
        new RegExp(`image nginx:1.27 is not from a registry allowed in tenant ${A}`),
      );
      await denied(
        create(owner, api(DEV, 'pods'), pod('lookalike', 'ghcr.io/acme-evil/app:1'), dry),
        /image ghcr\.io\/acme-evil\/app:1 is not from a registry allowed/,
      );
      await denied(
        create(
          owner,
          api(DEV, 'pods'),
          pod('init', 'ghcr.io/acme/app:1', {
            initContainers: [{ name: 'i', image: 'quay.io/x/y' }],
          }),
          dry,
        ),
        /image quay\.io\/x\/y is not from a registry allowed/,
      );
      const template = {
        metadata: { labels: { app: 'a' } },
        spec: { containers: [{ name: 'c', image: 'docker.io/library/busybox' }] },
      };
      await denied(
        create(
          owner,
          api(DEV, 'deployments', 'apps/v1'),
          { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template } },
          dry,
        ),
        /Deployment d in namespace .*image docker\.io\/library\/busybox is not from a registry allowed/,
      );
      await denied(
        create(
          owner,
          api(DEV, 'cronjobs', 'batch/v1'),
          {
            metadata: { name: 'cj' },
            spec: {
              schedule: '* * * * *',
              jobTemplate: {
                spec: { template: { spec: { ...template.spec, restartPolicy: 'Never' } } },
              },
            },
          },
          dry,
        ),
        /CronJob cj .*not from a registry allowed/,
      );
    });
  });

  describe('propagated children and RBAC', () => {
    const labels = (from: string): Record<string, string> => ({
      'tenantry.io/tenant': A,
      'tenantry.io/propagated-from': from,
    });
    before(async () => {
      const c = admin();
      await c.request({
        method: 'POST',
        path: api(DEV, 'resourcequotas'),
        body: {
          metadata: { name: 'objects', labels: labels('resourcequota') },
          spec: { hard: { pods: '10' } },
        },
      });
      await c.request({
        method: 'POST',
        path: api(DEV, 'limitranges'),
        body: {
          metadata: { name: 'defaults', labels: labels('limitrange') },
          spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] },
        },
      });
      await c.request({
        method: 'POST',
        path: api(DEV, 'networkpolicies', 'networking.k8s.io/v1'),
        body: {
          metadata: { name: 'same-tenant', labels: labels('networkpolicy') },
          spec: { podSelector: {}, policyTypes: ['Ingress'] },
        },
      });
      await c.request({
        method: 'POST',
        path: api(DEV, 'rolebindings', 'rbac.authorization.k8s.io/v1'),
        body: {
          metadata: { name: 'auditors', labels: labels('rolebinding') },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'Group', name: 'auditors', apiGroup: 'rbac.authorization.k8s.io' }],
        },
      });
    });

    it('§13.11 MTB-PL1-BC-CPI-2 owner cannot edit, relabel or delete propagated NetworkPolicies and RoleBindings, nor forge one', async () => {
      const np = `${api(DEV, 'networkpolicies', 'networking.k8s.io/v1')}/same-tenant`;
      const rb = `${api(DEV, 'rolebindings', 'rbac.authorization.k8s.io/v1')}/auditors`;
      const managed =
        /is managed by tenantry \(label tenantry\.io\/propagated-from\): only the tenantry controller and administrators may create, change or delete it/;
      await denied(mergePatch(owner, np, { spec: { policyTypes: ['Egress'] } }), managed);
      await denied(
        mergePatch(owner, np, { metadata: { labels: { 'tenantry.io/propagated-from': null } } }),
        managed,
      );
      await denied(owner.request({ method: 'DELETE', path: np }), managed);
      await denied(
        mergePatch(owner, rb, {
          subjects: [{ kind: 'User', name: alice, apiGroup: 'rbac.authorization.k8s.io' }],
        }),
        /forbidden/,
      );
      await denied(owner.request({ method: 'DELETE', path: rb }), managed);
      await denied(
        create(owner, api(DEV, 'networkpolicies', 'networking.k8s.io/v1'), {
          metadata: { name: 'fake', labels: labels('networkpolicy') },
          spec: { podSelector: {} },
        }),
        managed,
      );
    });

    it('§13.11 the children the Tenant controller propagates from the spec are protected the same way', async () => {
      await mergePatch(admin(), `${TENANTS}/${A}`, {
        spec: {
          networkPolicies: [
            { name: 'from-spec', spec: { podSelector: {}, policyTypes: ['Ingress'] } },
          ],
        },
      });
      const np = `${api(DEV, 'networkpolicies', 'networking.k8s.io/v1')}/${networkPolicyName('from-spec')}`;
      await until('the Tenant controller propagates the NetworkPolicy', async () =>
        admin()
          .request({ method: 'GET', path: np })
          .then(
            () => true,
            () => false,
          ),
      );
      await denied(owner.request({ method: 'DELETE', path: np }), /is managed by tenantry/);
      await denied(
        mergePatch(owner, np, { spec: { policyTypes: ['Egress'] } }),
        /is managed by tenantry/,
      );
    });

    it('§13.11 MTB-PL1-CC-TI-1 owner cannot modify ResourceQuotas or LimitRanges', async () => {
      const can = await owner.request<{ status: { allowed: boolean } }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        body: {
          spec: {
            resourceAttributes: { namespace: DEV, verb: 'update', resource: 'resourcequotas' },
          },
        },
      });
      expect(can.status.allowed).to.equal(false);
      await denied(
        mergePatch(owner, `${api(DEV, 'resourcequotas')}/objects`, {
          spec: { hard: { pods: '1000' } },
        }),
        /forbidden/,
      );
      await denied(
        owner.request({ method: 'DELETE', path: `${api(DEV, 'limitranges')}/defaults` }),
        /forbidden/,
      );
      // Even an identity with RBAC on quotas (a tenant SA an admin over-granted) hits the policy.
      const sa = `system:serviceaccount:${DEV}:quota-bot`;
      await admin().request({
        method: 'POST',
        path: api(DEV, 'rolebindings', 'rbac.authorization.k8s.io/v1'),
        body: {
          metadata: { name: 'quota-bot' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'cluster-admin',
          },
          subjects: [{ kind: 'ServiceAccount', name: 'quota-bot', namespace: DEV }],
        },
      });
      const bot = user(sa, ['system:serviceaccounts', `system:serviceaccounts:${DEV}`]);
      await untilAllowed(bot, 'patch', 'resourcequotas', DEV, 'objects');
      await denied(
        mergePatch(bot, `${api(DEV, 'resourcequotas')}/objects`, {
          spec: { hard: { pods: '1000' } },
        }),
        /ResourceQuota objects is managed by tenantry/,
      );
      await denied(
        bot.request({ method: 'DELETE', path: `${api(DEV, 'limitranges')}/defaults` }),
        /LimitRange defaults is managed by tenantry/,
      );
    });

    it('§13.12 MTB-PL2-CC-TI-1 owner cannot bind cluster-admin nor gain escalate, bind or impersonate', async () => {
      await denied(
        create(owner, api(DEV, 'rolebindings', 'rbac.authorization.k8s.io/v1'), {
          metadata: { name: 'root' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'cluster-admin',
          },
          subjects: [{ kind: 'User', name: alice, apiGroup: 'rbac.authorization.k8s.io' }],
        }),
        /attempting to grant RBAC permissions not currently held/,
      );
      await denied(
        create(owner, api(DEV, 'roles', 'rbac.authorization.k8s.io/v1'), {
          metadata: { name: 'esc' },
          rules: [
            {
              apiGroups: ['rbac.authorization.k8s.io'],
              resources: ['roles', 'clusterroles'],
              verbs: ['escalate', 'bind'],
            },
          ],
        }),
        /attempting to grant RBAC permissions not currently held/,
      );
      for (const [verb, resource, name] of [
        ['escalate', 'roles', ''],
        ['bind', 'clusterroles', 'cluster-admin'],
        ['impersonate', 'users', ''],
        // (admin may impersonate the ServiceAccounts of its own namespace: no more than it has)
        ['impersonate', 'groups', 'system:masters'],
      ] as const) {
        const r = await owner.request<{ status: { allowed: boolean } }>({
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          body: {
            spec: {
              resourceAttributes: {
                namespace: DEV,
                verb,
                resource,
                group: resource.endsWith('roles') ? 'rbac.authorization.k8s.io' : '',
                ...(name ? { name } : {}),
              },
            },
          },
        });
        expect(r.status.allowed, `${verb} ${resource}`).to.equal(false);
      }
    });

    it('MTB-PL1-CC-CPI-1 owner cannot access cluster resources (nodes, ClusterRoles, CRDs, webhooks)', async () => {
      for (const path of [
        '/api/v1/nodes',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
        '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
      ]) {
        await denied(owner.request({ method: 'GET', path }), /forbidden/);
      }
    });

    it('MTB-PL1-CC-TI-2 §13.25 owner cannot access another tenant’s resources (Secrets, ConfigMaps, pods)', async () => {
      await denied(
        owner.request({ method: 'GET', path: `${api(PROD, 'secrets')}/db` }),
        /forbidden/,
      );
      await denied(owner.request({ method: 'GET', path: api(PROD, 'configmaps') }), /forbidden/);
      await denied(create(owner, api(PROD, 'pods'), pod('x', 'ghcr.io/acme/a'), dry), /forbidden/);
      await denied(
        owner.request({
          method: 'POST',
          path: `${api(PROD, 'serviceaccounts')}/default/token`,
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
        }),
        /forbidden/,
      );
    });

    it('§13.23 owner cannot list namespaces or Tenants cluster-wide', async () => {
      await denied(owner.request({ method: 'GET', path: NAMESPACES }), /forbidden/);
      await denied(owner.request({ method: 'GET', path: TENANTS }), /forbidden/);
    });

    it('MTB-PL1-BC-CPI-5 MTB-PL1-BC-HI-3 MTB-PL1-BC-HI-4 pod security set by an administrator holds and owners cannot lift it', async () => {
      await mergePatch(admin(), `${NAMESPACES}/${DEV}`, {
        metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
      });
      const privileged = (): Promise<unknown> =>
        create(
          owner,
          api(DEV, 'pods'),
          pod('priv', 'ghcr.io/acme/a', {
            containers: [
              { name: 'c', image: 'ghcr.io/acme/a', securityContext: { privileged: true } },
            ],
          }),
          dry,
        );
      // PodSecurity admission reads namespace labels from the API server's own informer, so the
      // label takes effect a moment after the patch (a busy CI box once let one request through).
      await until('PodSecurity enforces the new label', async () =>
        privileged().then(() => false, deniedBy(/violates PodSecurity/)),
      );
      await denied(privileged(), /violates PodSecurity "baseline:latest": privileged/);
      await denied(
        create(owner, api(DEV, 'pods'), pod('net', 'ghcr.io/acme/a', { hostNetwork: true }), dry),
        /violates PodSecurity.*host namespaces/,
      );
      await denied(
        create(owner, api(DEV, 'pods'), pod('pid', 'ghcr.io/acme/a', { hostPID: true }), dry),
        /violates PodSecurity.*host namespaces/,
      );
      await namespaceGrant(DEV, 'edit', alice).catch(() => undefined);
      await clusterGrant(
        `${CTL}-ns-patch`,
        [{ apiGroups: [''], resources: ['namespaces'], verbs: ['patch'] }],
        [{ kind: 'User', name: alice }],
      );
      await untilAllowed(owner, 'patch', 'namespaces', DEV, DEV);
      await denied(
        mergePatch(owner, `${NAMESPACES}/${DEV}`, {
          metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
        }),
        /(reserved to administrators|can only be set by an administrator)/,
      );
    });
  });
});
