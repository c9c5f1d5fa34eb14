/**
 * The generated CRDs on a real kube-apiserver: it accepts them (structural schema, CEL compiles
 * and fits the cost budget), stores the schema unchanged, and enforces the CEL rules the unit
 * tests can only inspect. Objects are created with `dryRun=All`, so nothing is left behind; the
 * CRDs themselves stay installed (applied idempotently) for later suites.
 */
import { expect } from 'chai';
import { KubeClient } from '../../../controller/runtime/kube.js';
import { allCRDs, sealedSecretCRD, tenantCRD } from '../../../crds/index.js';
import type { CustomResourceDefinition, Tenant } from '../../../crds/index.js';
import { getPlane } from '../../harness/shared.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const TENANTS_PATH = '/apis/tenantry.io/v1alpha1/tenants';

interface StoredCRD {
  spec: CustomResourceDefinition['spec'];
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

function client(): KubeClient {
  return new KubeClient(getPlane().kubeConfig());
}

async function applyCRD(crd: CustomResourceDefinition): Promise<void> {
  await client().request({
    method: 'PATCH',
    path: `${CRD_PATH}/${crd.metadata.name}`,
    query: { fieldManager: 'tenantry-test', force: true },
    body: crd,
    contentType: 'application/apply-patch+yaml',
  });
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitEstablished(crd: CustomResourceDefinition): Promise<void> {
  const { group, versions, names } = crd.spec;
  await until(`${crd.metadata.name} Established`, async () => {
    const stored = await client().request<StoredCRD>({
      method: 'GET',
      path: `${CRD_PATH}/${crd.metadata.name}`,
    });
    return (
      stored.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ===
      true
    );
  });
  await until(`${names.plural} in discovery`, async () => {
    const list = await client()
      .request<{ resources: { name: string }[] }>({
        method: 'GET',
        path: `/apis/${group}/${versions[0]!.name}`,
      })
      .catch(() => ({ resources: [] }));
    return list.resources.some((r) => r.name === names.plural);
  });
}

/** Creates `body` with dryRun=All; resolves to the object the apiserver would store. */
async function dryRunCreate<T>(path: string, body: unknown): Promise<T> {
  return client().request<T>({ method: 'POST', path, query: { dryRun: 'All' }, body });
}

/** The apiserver's rejection message for `body`; fails the test if it is accepted. */
async function rejection(path: string, body: unknown): Promise<string> {
  try {
    await dryRunCreate(path, body);
  } catch (err) {
    const e = err as { code?: number; body?: { message?: string } };
    expect(e.code, String(err)).to.equal(422);
    return e.body?.message ?? String(err);
  }
  throw new Error('expected the apiserver to reject the object, but it was accepted');
}

function tenant(name: string, spec: Record<string, unknown> = {}): Tenant {
  return {
    apiVersion: 'tenantry.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: { owners: [{ kind: 'User', name: 'alice' }], ...spec },
  };
}

describe('CRDs on the real apiserver', () => {
  before(async () => {
    for (const crd of allCRDs) await applyCRD(crd);
    for (const crd of allCRDs) await waitEstablished(crd);
  });

  for (const crd of allCRDs) {
    it(`stores ${crd.metadata.name} exactly as generated (no field dropped)`, async () => {
      const stored = await client().request<StoredCRD>({
        method: 'GET',
        path: `${CRD_PATH}/${crd.metadata.name}`,
      });
      const version = stored.spec.versions[0]!;
      expect(version.schema.openAPIV3Schema).to.deep.equal(
        crd.spec.versions[0]!.schema.openAPIV3Schema,
      );
      expect(version.additionalPrinterColumns).to.deep.equal(
        crd.spec.versions[0]!.additionalPrinterColumns,
      );
      expect(stored.spec.names).to.deep.include(crd.spec.names);
    });
  }

  describe('Tenant', () => {
    it('accepts a Tenant and applies the documented defaults', async () => {
      const created = await dryRunCreate<Tenant>(
        TENANTS_PATH,
        tenant('acme', {
          namespaceOptions: {},
          resourceQuotas: [{ name: 'compute', hard: { 'requests.cpu': '4', pods: 10 } }],
          serviceOptions: {},
        }),
      );
      expect(created.spec.owners[0]!.clusterRoles).to.deep.equal(['admin']);
      expect(created.spec.namespaceOptions!.forceTenantPrefix).to.equal(false);
      expect(created.spec.resourceQuotas![0]!.scope).to.equal('Namespace');
      expect(created.spec.resourceQuotas![0]!.hard).to.deep.equal({
        'requests.cpu': '4',
        pods: 10,
      });
      expect(created.spec.serviceOptions).to.deep.equal({
        allowNodePort: true,
        allowLoadBalancer: true,
        allowExternalName: true,
      });
      expect(created.spec).to.include({
        cordoned: false,
        preventDeletion: false,
        deletionPolicy: 'Retain',
      });
    });

    it('keeps embedded NetworkPolicy and LimitRange specs as sent', async () => {
      const networkPolicy = {
        podSelector: {},
        ingress: [{ from: [{ podSelector: { matchLabels: { a: 'b' } } }] }],
      };
      const limit = { type: 'Container', default: { cpu: '1' }, futureField: { x: 1 } };
      const created = await dryRunCreate<Tenant>(
        TENANTS_PATH,
        tenant('acme', {
          networkPolicies: [{ name: 'np', spec: networkPolicy }],
          limitRanges: [{ name: 'lr', limits: [limit] }],
        }),
      );
      expect(created.spec.networkPolicies![0]!.spec).to.deep.equal(networkPolicy);
      expect(created.spec.limitRanges![0]!.limits[0]).to.deep.equal(limit);
    });

    const rejected: [string, Tenant, string[]][] = [
      [
        'a name that is a subdomain, not a label',
        tenant('acme.corp'),
        ['metadata.name', 'lowercase RFC 1123 label'],
      ],
      ['a name longer than 63 characters', tenant('a'.repeat(64)), ['metadata.name', '63']],
      [
        'a ServiceAccount owner without namespace',
        tenant('acme', { owners: [{ kind: 'ServiceAccount', name: 'ci' }] }),
        ['spec.owners[0].namespace', 'namespace is required for a ServiceAccount'],
      ],
      [
        'a User owner with a namespace',
        tenant('acme', { owners: [{ kind: 'User', name: 'alice', namespace: 'x' }] }),
        ['spec.owners[0].namespace', 'must not be set for a User or Group'],
      ],
      [
        'duplicate owners',
        tenant('acme', {
          owners: [
            { kind: 'User', name: 'alice' },
            { kind: 'User', name: 'alice', clusterRoles: ['view'] },
          ],
        }),
        ['spec.owners', 'owners must be unique by kind, namespace and name'],
      ],
      [
        'no owners',
        tenant('acme', { owners: [] }),
        ['spec.owners', 'should have at least 1 items'],
      ],
      [
        'an unknown owner kind',
        tenant('acme', { owners: [{ kind: 'Robot', name: 'r2' }] }),
        ['spec.owners[0].kind', 'Unsupported value: "Robot"'],
      ],
      [
        'duplicate clusterRoles',
        tenant('acme', {
          owners: [{ kind: 'User', name: 'alice', clusterRoles: ['admin', 'admin'] }],
        }),
        ['spec.owners[0].clusterRoles[1]', 'Duplicate value'],
      ],
      [
        'a negative namespace quota',
        tenant('acme', { namespaceOptions: { quota: -1 } }),
        ['spec.namespaceOptions.quota', 'should be greater than or equal to 0'],
      ],
      [
        'a reserved label in additionalMetadata',
        tenant('acme', {
          namespaceOptions: { additionalMetadata: { labels: { 'tenantry.io/tenant': 'other' } } },
        }),
        ['spec.namespaceOptions.additionalMetadata.labels', 'keys under tenantry.io/'],
      ],
      [
        'kubernetes.io/metadata.name in additionalMetadata annotations',
        tenant('acme', {
          namespaceOptions: {
            additionalMetadata: { annotations: { 'kubernetes.io/metadata.name': 'x' } },
          },
        }),
        ['spec.namespaceOptions.additionalMetadata.annotations', 'are reserved'],
      ],
      [
        'two resourceQuotas with the same name',
        tenant('acme', {
          resourceQuotas: [
            { name: 'q', hard: { pods: 1 } },
            { name: 'q', hard: { pods: 2 } },
          ],
        }),
        ['spec.resourceQuotas[1]', 'Duplicate value'],
      ],
      [
        'a resourceQuota with an empty hard',
        tenant('acme', { resourceQuotas: [{ name: 'q', hard: {} }] }),
        ['spec.resourceQuotas[0].hard', 'should have at least 1 properties'],
      ],
      [
        'a malformed quantity',
        tenant('acme', { resourceQuotas: [{ name: 'q', hard: { cpu: 'lots' } }] }),
        ['spec.resourceQuotas[0].hard.cpu', 'should match'],
      ],
      [
        'an unknown quota scope',
        tenant('acme', { resourceQuotas: [{ name: 'q', scope: 'Cluster', hard: { pods: 1 } }] }),
        ['spec.resourceQuotas[0].scope', 'Unsupported value: "Cluster"'],
      ],
      [
        'a role binding subject ServiceAccount without namespace',
        tenant('acme', {
          additionalRoleBindings: [
            {
              name: 'rb',
              clusterRoleName: 'view',
              subjects: [{ kind: 'ServiceAccount', name: 'x' }],
            },
          ],
        }),
        ['spec.additionalRoleBindings[0].subjects[0].namespace', 'namespace is required'],
      ],
      [
        'an unknown deletionPolicy',
        tenant('acme', { deletionPolicy: 'Orphan' }),
        ['spec.deletionPolicy', 'Unsupported value: "Orphan"'],
      ],
      [
        'a LimitRange item without type',
        tenant('acme', { limitRanges: [{ name: 'lr', limits: [{ max: { cpu: '1' } }] }] }),
        ['spec.limitRanges[0].limits[0].type', 'Required value'],
      ],
    ];
    for (const [name, body, fragments] of rejected) {
      it(`rejects ${name}`, async () => {
        const message = await rejection(TENANTS_PATH, body);
        for (const fragment of fragments) expect(message).to.include(fragment, message);
      });
    }
  });

  describe('SealedSecret', () => {
    const path = '/apis/bitnami.com/v1alpha1/namespaces/default/sealedsecrets';

    it('accepts kubeseal output and keeps null template values', async () => {
      const created = await dryRunCreate<{ spec: Record<string, unknown> }>(path, {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'mysecret', namespace: 'default', creationTimestamp: null },
        spec: {
          encryptedData: { foo: 'AgBy3i4OJSWK+PiTySYZZA==' },
          template: {
            metadata: { name: 'mysecret', namespace: 'default', creationTimestamp: null },
            type: 'Opaque',
            immutable: true,
            data: { url: 'https://{{ .foo }}@example.com', foo: null },
          },
        },
      });
      expect(created.spec.encryptedData).to.deep.equal({ foo: 'AgBy3i4OJSWK+PiTySYZZA==' });
      expect(created.spec.template).to.deep.include({
        type: 'Opaque',
        immutable: true,
        data: { url: 'https://{{ .foo }}@example.com', foo: null },
      });
    });

    it('rejects a SealedSecret without encryptedData, as Bitnami does', async () => {
      const message = await rejection(path, {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'bad', namespace: 'default' },
        spec: {},
      });
      expect(message).to.include('spec.encryptedData');
    });

    it('is namespaced with the Bitnami names', () => {
      expect(sealedSecretCRD.spec.scope).to.equal('Namespaced');
      expect(tenantCRD.spec.scope).to.equal('Cluster');
    });
  });
});
