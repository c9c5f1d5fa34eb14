/**
 * The attacker's suite: tenant owners with real client certificates against the real apiserver,
 * with the real controller serving the webhooks and applying the ValidatingAdmissionPolicies.
 * Each test names the item of tenancy.md §13 (or the Multi-Tenancy Benchmark check of §14) it
 * covers and asserts the denial message; the `legit:` tests show owners can still serve
 * themselves.
 *
 * Identities:
 * - alice owns tenants A and A-web (RBAC as the Tenant controller grants it: create namespaces
 *   cluster-wide; admin + namespace get/patch/update/delete in each of her namespaces);
 * - carol owns A through a group, the ServiceAccount `<ci>/deployer` owns A;
 * - bob owns tenant B;
 * - mallory owns tenant E and was (wrongly) granted cluster-wide get/list/create/patch/update/delete
 *   on namespaces and their status and finalize subresources, the strongest RBAC an owner could
 *   get: everything denied to her is denied by admission, not RBAC.
 */
import { expect } from 'chai';
import type { KubeClient } from '../../../controller/runtime/kube.js';
import type { Tenant } from '../../../crds/index.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
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
  jsonPatch,
  mergePatch,
  namespace,
  namespaceGrant,
  removeAdmissionConfig,
  startAdmission,
  until,
  untilAllowed,
  user,
} from './helpers.js';

interface Ns {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }[];
    resourceVersion?: string;
    finalizers?: string[];
  };
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

const id = uniqueName('x').slice(2);
const A = `acme${id}`;
const AWEB = `${A}-web`;
const B = `beta${id}`;
const E = `evil${id}`;
const ICE = `ice${id}`;
const CI = `ci${id}`;
const CTL = `tenantry-adm${id}`;
const names = {
  alice: `alice-${id}`,
  bob: `bob-${id}`,
  carol: `carol-${id}`,
  mallory: `mallory-${id}`,
  dave: `dave-${id}`,
  group: `acme-admins-${id}`,
  sa: `system:serviceaccount:${CI}:deployer`,
};

describe('admission: the attacker suite (tenancy.md §13, MTB §14)', function () {
  this.timeout(180_000);
  let controller: ControllerProcess;
  let alice: KubeClient;
  let bob: KubeClient;
  let carol: KubeClient;
  let mallory: KubeClient;
  let deployer: KubeClient;
  let dave: KubeClient;
  const tenants: Record<string, Tenant> = {};
  const created: string[] = [];

  const nsPath = (n: string): string => `${NAMESPACES}/${n}`;
  const get = (n: string): Promise<Ns> => admin().request<Ns>({ method: 'GET', path: nsPath(n) });

  /** Creates a namespace as `c` (as an owner would) and grants its owner namespace RBAC. */
  async function ownNamespace(
    c: KubeClient,
    owner: string,
    n: string,
    labels?: Record<string, string>,
  ): Promise<Ns> {
    const ns = await c.request<Ns>({
      method: 'POST',
      path: NAMESPACES,
      body: namespace(n, labels),
    });
    created.push(n);
    await namespaceGrant(n, 'admin', owner);
    await namespaceGrant(n, `${CTL}-ns-owner`, owner);
    await untilAllowed(c, 'patch', 'namespaces', n, n);
    await untilAllowed(c, 'create', 'configmaps', n);
    return ns;
  }

  before(async () => {
    await installCRDs();
    tenants[A] = await createTenant(A, {
      owners: [
        { kind: 'User', name: names.alice },
        { kind: 'Group', name: names.group },
        { kind: 'ServiceAccount', name: 'deployer', namespace: CI },
      ],
      namespaceOptions: {
        forceTenantPrefix: true,
        forbiddenLabels: {
          denied: ['example.com/tier'],
          deniedRegex: '^internal\\.example\\.com/',
        },
        forbiddenAnnotations: { deniedRegex: '^scheduler\\.alpha\\.kubernetes\\.io/' },
        additionalMetadata: { labels: { 'example.com/cost-center': 'cc-42' } },
      },
      ingressOptions: {
        allowedClasses: ['nginx'],
        allowedHostnames: ['acme.example.com', '*.apps.acme.example.com'],
      },
      storageClasses: { allowed: ['standard'] },
      containerRegistries: { allowed: ['ghcr.io/acme'] },
      serviceOptions: { allowNodePort: false, allowLoadBalancer: false, allowExternalName: false },
    });
    tenants[AWEB] = await createTenant(AWEB, { owners: [{ kind: 'User', name: names.alice }] });
    tenants[B] = await createTenant(B, { owners: [{ kind: 'User', name: names.bob }] });
    tenants[E] = await createTenant(E, { owners: [{ kind: 'User', name: names.mallory }] });
    tenants[ICE] = await createTenant(ICE, { owners: [{ kind: 'User', name: names.dave }] });
    const owners = [names.alice, names.bob, names.mallory, names.dave].map((n) => ({
      kind: 'User',
      name: n,
    }));
    // What the Tenant controller grants owners cluster-wide: create namespaces.
    await clusterGrant(
      `${CTL}-ns-creator`,
      [{ apiGroups: [''], resources: ['namespaces'], verbs: ['create'] }],
      [
        ...owners,
        { kind: 'Group', name: names.group },
        { kind: 'ServiceAccount', name: 'deployer', namespace: CI },
      ],
    );
    // Bound per namespace to its owner (the Tenant controller grants get/delete; patch/update let
    // owners label their namespaces, which admission guards).
    await admin().request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: {
        metadata: { name: `${CTL}-ns-owner` },
        rules: [
          {
            apiGroups: [''],
            resources: ['namespaces'],
            verbs: ['get', 'patch', 'update', 'delete'],
          },
        ],
      },
    });
    // Mallory: far too much RBAC, on purpose.
    await clusterGrant(
      `${CTL}-ns-editor`,
      [
        {
          apiGroups: [''],
          resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
          verbs: ['get', 'list', 'create', 'patch', 'update', 'delete'],
        },
      ],
      [{ kind: 'User', name: names.mallory }],
    );
    await admin().request({ method: 'POST', path: NAMESPACES, body: namespace(CI) });
    created.push(CI);
    alice = user(names.alice);
    bob = user(names.bob);
    carol = user(names.carol, [names.group]);
    mallory = user(names.mallory);
    dave = user(names.dave);
    deployer = user(names.sa, ['system:serviceaccounts', `system:serviceaccounts:${CI}`]);
    ({ controller } = await startAdmission(CTL));
    try {
      await waitEffective();
    } catch (err) {
      console.error(controller.logs(80));
      const { readFileSync } = await import('node:fs');
      const log = readFileSync(`${getPlane().plane.dir}/kube-apiserver.log`, 'utf8');
      console.error(
        log
          .split('\n')
          .filter((l) => /webhook|admission/i.test(l))
          .slice(-20)
          .join('\n'),
      );
      throw err;
    }
  });

  async function waitEffective(): Promise<void> {
    // The apiserver picks up webhook configurations and policies asynchronously: wait until
    // each visibly acts on a dry run.
    await until('the mutating webhook labels a dry-run namespace', async () => {
      const ns = await alice.request<Ns>({
        method: 'POST',
        path: NAMESPACES,
        query: { dryRun: 'All' },
        body: namespace(`${A}-probe`),
      });
      return ns?.metadata.labels?.['tenantry.io/tenant'] === A;
    });
    await until('the validating webhook denies a forbidden label', async () =>
      alice
        .request({
          method: 'POST',
          path: NAMESPACES,
          query: { dryRun: 'All' },
          body: namespace(`${A}-probe`, { 'example.com/tier': 'x' }),
        })
        .then(() => false, deniedBy(/example\.com\/tier/)),
    );
    // kube-system: only the policy guards it (the webhook skips system namespaces, not default).
    await until('the ownership policy denies adopting kube-system', async () =>
      mergePatch(
        mallory,
        nsPath('kube-system'),
        { metadata: { labels: { 'tenantry.io/tenant': E } } },
        { dryRun: 'All' },
      ).then(
        () => false,
        deniedBy(/ValidatingAdmissionPolicy 'tenantry-namespace-ownership'.*administrator/),
      ),
    );
  }

  after(async () => {
    // Cleanup while the controller runs: the Tenant controller's finalizer must be carried out.
    const c = admin();
    for (const n of created) {
      await c.request({ method: 'DELETE', path: nsPath(n) }).catch(() => undefined);
    }
    for (const t of Object.keys(tenants)) {
      await mergePatch(c, `${TENANTS}/${t}`, { spec: { preventDeletion: false } }).catch(
        () => undefined,
      );
      await c.request({ method: 'DELETE', path: `${TENANTS}/${t}` }).catch(() => undefined);
    }
    await until('the Tenants are gone', async () => {
      const left = await Promise.all(
        Object.keys(tenants).map((t) =>
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

  // -------------------------------------------------------------------------------------------
  // Legitimate self-service
  // -------------------------------------------------------------------------------------------

  describe('legit: owners serve themselves', () => {
    it('legit: kubectl create namespace joins the tenant (label + non-controller ownerReference with UID)', async () => {
      const ns = await ownNamespace(alice, names.alice, `${A}-dev`);
      expect(ns.metadata.labels?.['tenantry.io/tenant']).to.equal(A);
      expect(ns.metadata.ownerReferences).to.deep.equal([
        {
          apiVersion: 'tenantry.io/v1alpha1',
          kind: 'Tenant',
          name: A,
          uid: tenants[A]!.metadata.uid,
        },
      ]);
    });

    it('legit: the longest <tenant>- prefix wins, and the explicit label comes first', async () => {
      const web = await ownNamespace(alice, names.alice, `${AWEB}-site`);
      expect(web.metadata.labels?.['tenantry.io/tenant']).to.equal(AWEB);
      const byLabel = await ownNamespace(alice, names.alice, `${A}-web2`, {
        'tenantry.io/tenant': AWEB,
      });
      expect(byLabel.metadata.labels?.['tenantry.io/tenant']).to.equal(AWEB);
    });

    it('legit: a group owner and a ServiceAccount owner create namespaces too', async () => {
      const g = await carol.request<Ns>({
        method: 'POST',
        path: NAMESPACES,
        body: namespace(`${A}-carol`),
      });
      created.push(g.metadata.name);
      expect(g.metadata.labels?.['tenantry.io/tenant']).to.equal(A);
      const s = await deployer.request<Ns>({
        method: 'POST',
        path: NAMESPACES,
        body: namespace(`${A}-ci`),
      });
      created.push(s.metadata.name);
      expect(s.metadata.ownerReferences?.[0]?.uid).to.equal(tenants[A]!.metadata.uid);
    });

    it('legit: a name matching none of the owner’s tenants is denied with the list of their tenants', async () => {
      const msg = await denied(
        alice.request({ method: 'POST', path: NAMESPACES, body: namespace(`x${id}-dev`) }),
        /matches none of your tenants/,
      );
      expect(msg).to.contain(A).and.to.contain(AWEB);
    });

    it('legit: owner labels its namespace with an allowed key and deletes it', async () => {
      await ownNamespace(alice, names.alice, `${A}-tmp`);
      await mergePatch(alice, nsPath(`${A}-tmp`), {
        metadata: { labels: { 'team.example.com/name': 'web' } },
      });
      expect((await get(`${A}-tmp`)).metadata.labels?.['team.example.com/name']).to.equal('web');
      await alice.request({ method: 'DELETE', path: nsPath(`${A}-tmp`) });
    });

    it('MTB-PL2-BC-OPS-3 MTB-PL2-BC-OPS-4 legit: owner creates its own RoleBindings and NetworkPolicies', async () => {
      await alice.request({
        method: 'POST',
        path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${A}-dev/rolebindings`,
        body: {
          metadata: { name: 'devs' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          subjects: [{ kind: 'User', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }],
        },
      });
      await alice.request({
        method: 'POST',
        path: `/apis/networking.k8s.io/v1/namespaces/${A}-dev/networkpolicies`,
        body: {
          metadata: { name: 'deny-all' },
          spec: { podSelector: {}, policyTypes: ['Ingress'] },
        },
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  // §13.1–§13.8: the ownership invariant
  // -------------------------------------------------------------------------------------------

  describe('the ownership invariant', () => {
    before(async () => {
      if (!created.includes(`${A}-dev`)) await ownNamespace(alice, names.alice, `${A}-dev`);
      await ownNamespace(bob, names.bob, `${B}-prod`);
    });

    it('§13.1 owner cannot remove or change the tenant label of its own namespace (merge patch)', async () => {
      await denied(
        mergePatch(alice, nsPath(`${A}-dev`), {
          metadata: { labels: { 'tenantry.io/tenant': null } },
        }),
        /tenantry\.io\/tenant label .*(can only be changed by an administrator)/,
      );
      await denied(
        mergePatch(alice, nsPath(`${A}-dev`), {
          metadata: { labels: { 'tenantry.io/tenant': AWEB } },
        }),
        /can only be changed by an administrator/,
      );
    });

    it('§13.1 owner cannot remove the Tenant ownerReference (PUT update)', async () => {
      const ns = await alice.request<Ns>({ method: 'GET', path: nsPath(`${A}-dev`) });
      ns.metadata.ownerReferences = [];
      await denied(
        alice.request({ method: 'PUT', path: nsPath(`${A}-dev`), body: ns }),
        /ownerReference.* can only be changed by an administrator/i,
      );
    });

    it('§13.2 owner cannot adopt kube-system, default or the controller namespace', async () => {
      for (const target of ['kube-system', 'default', CTL]) {
        await denied(
          mergePatch(mallory, nsPath(target), {
            metadata: {
              labels: { 'tenantry.io/tenant': E },
              ownerReferences: [
                {
                  apiVersion: 'tenantry.io/v1alpha1',
                  kind: 'Tenant',
                  name: E,
                  uid: tenants[E]!.metadata.uid,
                },
              ],
            },
          }),
          /can only be changed by an administrator/,
        ).catch((err: Error) => {
          throw new Error(`${target}: ${err.message}`);
        });
      }
      expect((await get('kube-system')).metadata.labels?.['tenantry.io/tenant']).to.equal(
        undefined,
      );
    });

    it('§13.3 owner cannot change labels of default (RBAC) nor of another tenant’s namespace (webhook)', async () => {
      await denied(
        mergePatch(alice, nsPath('default'), { metadata: { labels: { foo: 'bar' } } }),
        /forbidden/,
      );
      await denied(
        mergePatch(mallory, nsPath(`${B}-prod`), { metadata: { labels: { foo: 'bar' } } }),
        new RegExp(`belongs to tenant ${B} and user ${names.mallory} is not one of its owners`),
      );
      await denied(
        mergePatch(mallory, nsPath(`${B}-prod`), { metadata: { annotations: { foo: 'bar' } } }),
        /is not one of its owners/,
      );
    });

    it('§13.4 namespaces/status and namespaces/finalize cannot change ownership (real subresource URLs)', async () => {
      for (const sub of ['status', 'finalize']) {
        const ns = await mallory.request<Ns>({ method: 'GET', path: nsPath(`${B}-prod`) });
        ns.metadata.labels = { ...ns.metadata.labels, 'tenantry.io/tenant': E };
        await denied(
          mallory.request({ method: 'PUT', path: `${nsPath(`${B}-prod`)}/${sub}`, body: ns }),
          /can only be changed by an administrator/,
        );
        const own = await mallory.request<Ns>({ method: 'GET', path: nsPath('default') });
        own.metadata.labels = { ...own.metadata.labels, 'tenantry.io/tenant': E };
        own.metadata.ownerReferences = [
          {
            apiVersion: 'tenantry.io/v1alpha1',
            kind: 'Tenant',
            name: E,
            uid: tenants[E]!.metadata.uid!,
          },
        ];
        await denied(
          mallory.request({ method: 'PUT', path: `${nsPath('default')}/${sub}`, body: own }),
          /can only be changed by an administrator/,
        );
      }
      expect((await get(`${B}-prod`)).metadata.labels?.['tenantry.io/tenant']).to.equal(B);
      expect((await get('default')).metadata.labels?.['tenantry.io/tenant']).to.equal(undefined);
    });

    it('§13.4 a status update without ownership changes is still judged: another tenant’s namespace is denied', async () => {
      const ns = await mallory.request<Ns>({ method: 'GET', path: nsPath(`${B}-prod`) });
      ns.metadata.annotations = { ...ns.metadata.annotations, hijack: 'yes' };
      await denied(
        mallory.request({ method: 'PUT', path: `${nsPath(`${B}-prod`)}/status`, body: ns }),
        /\(via status\).*not one of its owners/,
      );
    });

    it('§13.5 JSONPatch add on labels or ownerReferences is denied', async () => {
      await denied(
        jsonPatch(mallory, nsPath('default'), [
          { op: 'add', path: '/metadata/labels/tenantry.io~1tenant', value: E },
        ]),
        /can only be changed by an administrator/,
      );
      await denied(
        jsonPatch(mallory, nsPath(`${B}-prod`), [
          {
            op: 'add',
            path: '/metadata/ownerReferences/-',
            value: {
              apiVersion: 'tenantry.io/v1alpha1',
              kind: 'Tenant',
              name: E,
              uid: tenants[E]!.metadata.uid,
            },
          },
        ]),
        /can only be changed by an administrator/,
      );
      await denied(
        jsonPatch(alice, nsPath(`${A}-dev`), [
          { op: 'replace', path: '/metadata/ownerReferences', value: [] },
        ]),
        /can only be changed by an administrator/,
      );
    });

    it('§13.5 server-side apply cannot take or drop the tenant label', async () => {
      const apply = (c: KubeClient, n: string, labels: Record<string, string>): Promise<unknown> =>
        c.request({
          method: 'PATCH',
          path: nsPath(n),
          query: { fieldManager: 'attacker', force: true },
          body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels } },
          contentType: 'application/apply-patch+yaml',
        });
      await denied(
        apply(mallory, `${B}-prod`, { 'tenantry.io/tenant': E }),
        /can only be changed by an administrator/,
      );
      await denied(
        apply(mallory, 'default', { 'tenantry.io/tenant': E }),
        /can only be changed by an administrator/,
      );
    });

    it('§13.6 a second Tenant ownerReference, a forged UID, controller: true or a reference smuggled beside others is denied', async () => {
      const ref = {
        apiVersion: 'tenantry.io/v1alpha1',
        kind: 'Tenant',
        name: A,
        uid: tenants[A]!.metadata.uid!,
      };
      const unrelated = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'x',
        uid: '00000000-0000-0000-0000-000000000001',
      };
      const attempts: Ns['metadata']['ownerReferences'][] = [
        [ref, { ...ref, name: AWEB, uid: tenants[AWEB]!.metadata.uid! }],
        [{ ...ref, uid: '00000000-0000-0000-0000-00000000beef' }],
        [{ ...ref, controller: true }],
        [unrelated, ref, { ...ref, name: E, uid: tenants[E]!.metadata.uid! }],
      ];
      for (const ownerReferences of attempts) {
        await denied(
          mergePatch(alice, nsPath(`${A}-dev`), { metadata: { ownerReferences } }),
          /can only be changed by an administrator/,
        );
      }
      // And on create: a namespace arriving with forged references is not adopted.
      await denied(
        alice.request({
          method: 'POST',
          path: NAMESPACES,
          body: namespace(`${A}-forged`, undefined, {
            ownerReferences: [{ ...ref, uid: '00000000-0000-0000-0000-00000000beef' }],
          }),
        }),
        /does not match tenant/,
      );
      await denied(
        alice.request({
          method: 'POST',
          path: NAMESPACES,
          body: namespace(`${A}-ctl`, undefined, {
            ownerReferences: [{ ...ref, controller: true }],
          }),
        }),
        /must not set controller or blockOwnerDeletion/,
      );
    });

    it('§13.7 an ownership gap cannot be exploited, and a terminating namespace keeps its tenant', async () => {
      // Step 1 (drop ownership) is denied, so there is no gap to exploit in step 2.
      await denied(
        mergePatch(mallory, nsPath(`${B}-prod`), {
          metadata: { labels: { 'tenantry.io/tenant': null }, ownerReferences: [] },
        }),
        /can only be changed by an administrator/,
      );
      // Admin detaches a namespace: it is outside every tenant now; an owner still cannot claim it.
      const n = `${B}-gap`;
      await ownNamespace(bob, names.bob, n);
      await mergePatch(admin(), nsPath(n), {
        metadata: { labels: { 'tenantry.io/tenant': null }, ownerReferences: null },
      });
      await denied(
        mergePatch(mallory, nsPath(n), {
          metadata: {
            labels: { 'tenantry.io/tenant': E },
            ownerReferences: [
              {
                apiVersion: 'tenantry.io/v1alpha1',
                kind: 'Tenant',
                name: E,
                uid: tenants[E]!.metadata.uid,
              },
            ],
          },
        }),
        /can only be changed by an administrator/,
      );
      // A namespace held in Terminating by a finalizer on a ConfigMap inside it.
      const t = `${A}-term`;
      await ownNamespace(alice, names.alice, t);
      await admin().request({
        method: 'POST',
        path: `${nsPath(t)}/configmaps`,
        body: { metadata: { name: 'hold', finalizers: ['example.com/hold'] } },
      });
      await alice.request({ method: 'DELETE', path: nsPath(t) });
      await until(
        'namespace terminating',
        async () => (await get(t)).status?.phase === 'Terminating',
      );
      await denied(
        mergePatch(alice, nsPath(t), { metadata: { labels: { 'tenantry.io/tenant': AWEB } } }),
        /can only be changed by an administrator/,
      );
      await mergePatch(admin(), `${nsPath(t)}/configmaps/hold`, { metadata: { finalizers: null } });
    });

    it('§13.8 owner cannot create a namespace labelled for a tenant it does not own, nor without the forced prefix', async () => {
      await denied(
        alice.request({
          method: 'POST',
          path: NAMESPACES,
          body: namespace(`${B}-stolen`, { 'tenantry.io/tenant': B }),
        }),
        new RegExp(`you are not an owner of tenant ${B}`),
      );
      await denied(
        alice.request({
          method: 'POST',
          path: NAMESPACES,
          body: namespace(`noprefix-${id}`, { 'tenantry.io/tenant': A }),
        }),
        new RegExp(`tenant ${A} requires names starting with "${A}-"`),
      );
      await denied(
        bob.request({
          method: 'POST',
          path: NAMESPACES,
          body: namespace(`ghost-${id}`, { 'tenantry.io/tenant': `ghost-${id}` }),
        }),
        /does not exist/,
      );
    });

    it('§13.19 owner cannot delete another tenant’s namespace, nor a namespace outside its tenants', async () => {
      await denied(
        mallory.request({ method: 'DELETE', path: nsPath(`${B}-prod`) }),
        /cannot delete namespace .* is not one of its owners/,
      );
      await denied(alice.request({ method: 'DELETE', path: nsPath(`${B}-prod`) }), /forbidden/);
      await denied(alice.request({ method: 'DELETE', path: nsPath('default') }), /forbidden/);
      expect((await get(`${B}-prod`)).status?.phase).to.equal('Active');
    });

    it('§13.22 a dry run gets the same verdict as the real request', async () => {
      await denied(
        mallory.request({ method: 'DELETE', path: nsPath(`${B}-prod`), query: { dryRun: 'All' } }),
        /is not one of its owners/,
      );
      await denied(
        alice.request({
          method: 'POST',
          path: NAMESPACES,
          query: { dryRun: 'All' },
          body: namespace(`noprefix-${id}`, { 'tenantry.io/tenant': A }),
        }),
        /requires names starting with/,
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  // §13.14, §13.15: namespace metadata
  // -------------------------------------------------------------------------------------------

  describe('namespace metadata', () => {
    it('§13.14 owner cannot set forbidden keys (exact and regex) on create or update', async () => {
      await denied(
        alice.request({
          method: 'POST',
          path: NAMESPACES,
          body: namespace(`${A}-tier`, { 'example.com/tier': 'gold' }),
        }),
        /label example\.com\/tier is forbidden by the tenant/,
      );
      await denied(
        mergePatch(alice, nsPath(`${A}-dev`), {
          metadata: { labels: { 'internal.example.com/team': 'x' } },
        }),
        /matches "\^internal/,
      );
      await denied(
        mergePatch(alice, nsPath(`${A}-dev`), {
          metadata: { annotations: { 'scheduler.alpha.kubernetes.io/node-selector': 'x=y' } },
        }),
        /annotation scheduler\.alpha\.kubernetes\.io\/node-selector is forbidden/,
      );
    });

    it('§13.14 owner cannot set reserved keys: tenantry.io/*, pod-security.kubernetes.io/*', async () => {
      await denied(
        mergePatch(alice, nsPath(`${A}-dev`), {
          metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
        }),
        /(pod-security\.kubernetes\.io\/enforce is reserved to administrators|can only be set by an administrator)/,
      );
      await denied(
        mergePatch(alice, nsPath(`${A}-dev`), {
          metadata: { labels: { 'tenantry.io/cordoned': 'false' } },
        }),
        /(reserved to administrators|can only be set by an administrator)/,
      );
    });

    it('§13.14 owner cannot remove or change the tenant’s additionalMetadata', async () => {
      await mergePatch(admin(), nsPath(`${A}-dev`), {
        metadata: { labels: { 'example.com/cost-center': 'cc-42' } },
      });
      await denied(
        mergePatch(alice, nsPath(`${A}-dev`), {
          metadata: { labels: { 'example.com/cost-center': null } },
        }),
        /is set by tenant .* \(additionalMetadata\) and cannot be changed or removed/,
      );
    });

    it('§13.15 a Tenant with an invalid deniedRegex is rejected; a catastrophic pattern cannot hang admission', async () => {
      await denied(
        createTenant(`bad${id}`, {
          owners: [{ kind: 'User', name: 'x' }],
          namespaceOptions: { forbiddenLabels: { deniedRegex: '(unclosed' } },
        }),
        /deniedRegex: invalid regular expression "\(unclosed"/,
        400,
      );
      await denied(
        createTenant(`bad${id}`, {
          owners: [{ kind: 'User', name: 'x' }],
          namespaceOptions: { forbiddenAnnotations: { deniedRegex: 'a(?=b)' } },
        }),
        /invalid regular expression/,
        400,
      );
      // A backtracking bomb for JavaScript RegExp; RE2 matches it in linear time.
      await mergePatch(admin(), `${TENANTS}/${B}`, {
        spec: { namespaceOptions: { forbiddenLabels: { deniedRegex: '^(a+)+$' } } },
      });
      await until('the webhook sees the new regex', async () =>
        mergePatch(
          bob,
          nsPath(`${B}-prod`),
          { metadata: { labels: { aaaa: 'x' } } },
          { dryRun: 'All' },
        ).then(
          () => false,
          () => true,
        ),
      ).catch(() => undefined);
      await namespaceGrant(`${B}-prod`, `${CTL}-ns-owner`, names.bob).catch(() => undefined);
      await untilAllowed(bob, 'patch', 'namespaces', `${B}-prod`, `${B}-prod`);
      const started = Date.now();
      await mergePatch(bob, nsPath(`${B}-prod`), {
        metadata: { labels: { [`${'a'.repeat(60)}b`]: 'x' } },
      });
      expect(Date.now() - started).to.be.below(3000);
      await denied(
        mergePatch(bob, nsPath(`${B}-prod`), { metadata: { labels: { aaaaaaaa: 'x' } } }),
        /matches "\^\(a\+\)\+\$"/,
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  // §13.20: cordon and preventDeletion
  // -------------------------------------------------------------------------------------------

  describe('cordon and deletion protection', () => {
    const frozen = `${ICE}-app`;
    before(async () => {
      await ownNamespace(dave, names.dave, frozen);
      await mergePatch(admin(), `${TENANTS}/${ICE}`, {
        spec: { cordoned: true, preventDeletion: true },
      });
      // The Tenant controller labels the namespaces of a cordoned tenant; it is not running here.
      await mergePatch(admin(), nsPath(frozen), {
        metadata: { labels: { 'tenantry.io/cordoned': 'true' } },
      });
    });

    it('§13.20 a cordoned tenant: owners cannot create namespaces nor create, update or delete objects', async () => {
      await until('the webhook sees the cordon', async () =>
        dave
          .request({
            method: 'POST',
            path: NAMESPACES,
            query: { dryRun: 'All' },
            body: namespace(`${ICE}-new`),
          })
          .then(
            () => false,
            () => true,
          ),
      );
      await denied(
        dave.request({ method: 'POST', path: NAMESPACES, body: namespace(`${ICE}-new`) }),
        new RegExp(`tenant ${ICE} is cordoned`),
      );
      await denied(
        dave.request({
          method: 'POST',
          path: `${nsPath(frozen)}/configmaps`,
          body: { metadata: { name: 'c' } },
        }),
        /belongs to a cordoned tenant: only administrators can create configmaps/,
      );
      await admin().request({
        method: 'POST',
        path: `${nsPath(frozen)}/configmaps`,
        body: { metadata: { name: 'c' } },
      });
      await denied(
        mergePatch(dave, `${nsPath(frozen)}/configmaps/c`, { data: { a: 'b' } }),
        /cordoned tenant: only administrators can update/,
      );
      await denied(
        dave.request({ method: 'DELETE', path: `${nsPath(frozen)}/configmaps/c` }),
        /cordoned tenant: only administrators can delete/,
      );
      await denied(dave.request({ method: 'DELETE', path: nsPath(frozen) }), /cordoned/);
    });

    it('§13.20 a Tenant with preventDeletion cannot be deleted, not even by an administrator', async () => {
      await denied(
        admin().request({ method: 'DELETE', path: `${TENANTS}/${ICE}` }),
        new RegExp(
          `tenant ${ICE} has spec.preventDeletion: true; set it to false before deleting it`,
        ),
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  // §6 of the issue: admins adopt and move namespaces deliberately
  // -------------------------------------------------------------------------------------------

  describe('administrators adopt and move namespaces', () => {
    it('legit: an admin adopts an unmanaged namespace and moves it to another tenant (no delete and recreate)', async () => {
      const n = `adopt-${id}`;
      const c = admin();
      const ns = await c.request<Ns>({ method: 'POST', path: NAMESPACES, body: namespace(n) });
      created.push(n);
      const ref = (t: string): object => ({
        apiVersion: 'tenantry.io/v1alpha1',
        kind: 'Tenant',
        name: t,
        uid: tenants[t]!.metadata.uid,
      });
      await mergePatch(c, nsPath(n), {
        metadata: { labels: { 'tenantry.io/tenant': B }, ownerReferences: [ref(B)] },
      });
      await mergePatch(c, nsPath(n), {
        metadata: { labels: { 'tenantry.io/tenant': E }, ownerReferences: [ref(E)] },
      });
      const moved = await get(n);
      expect(moved.metadata.labels?.['tenantry.io/tenant']).to.equal(E);
      expect(moved.metadata.ownerReferences).to.deep.equal([ref(E)]);
      expect((moved.metadata as { uid?: string }).uid).to.equal(
        (ns.metadata as { uid?: string }).uid,
      );
    });

    it('legit: an admin creating a namespace with only the tenant label gets the ownerReference added', async () => {
      const n = `${B}-gitops`;
      const ns = await admin().request<Ns>({
        method: 'POST',
        path: NAMESPACES,
        body: namespace(n, { 'tenantry.io/tenant': B }),
      });
      created.push(n);
      expect(ns.metadata.ownerReferences?.[0]?.uid).to.equal(tenants[B]!.metadata.uid);
    });

    it('§13.2 the same adoption and move is denied to owners', async () => {
      const n = `adopt2-${id}`;
      await admin().request({ method: 'POST', path: NAMESPACES, body: namespace(n) });
      created.push(n);
      await denied(
        mergePatch(mallory, nsPath(n), {
          metadata: {
            labels: { 'tenantry.io/tenant': E },
            ownerReferences: [
              {
                apiVersion: 'tenantry.io/v1alpha1',
                kind: 'Tenant',
                name: E,
                uid: tenants[E]!.metadata.uid,
              },
            ],
          },
        }),
        /can only be changed by an administrator/,
      );
    });
  });
});
