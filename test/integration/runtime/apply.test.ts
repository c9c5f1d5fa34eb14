/**
 * Write helpers against a real apiserver: server-side apply under a named field manager, zero
 * requests in steady state (counted), drift repair, status writes and idempotent deletes.
 */
import { expect } from 'chai';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  childName,
  createOrUpdateIfDifferent,
  deleteIfExists,
  needsUpdate,
  patchStatus,
  replaceStatus,
  serverSideApply,
} from '../../../controller/runtime/apply.js';
import { stripForCache } from '../../../controller/runtime/objects.js';
import { installCRDs } from '../sealedsecret/helpers.js';
import {
  isStatusEqual,
  setCondition,
  type Condition,
} from '../../../controller/runtime/conditions.js';
import { createInformer, type Informer } from '../../../controller/runtime/informer.js';
import { isConflict } from '../../../controller/runtime/kube.js';
import type { KubeObject } from '../../../controller/runtime/objects.js';
import { adminClient, createNamespace, deleteNamespace, type CountedClient } from './helpers.js';

const FIELD_MANAGER = 'tenantry-runtime-test';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface ManagedField {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

describe('runtime apply helpers against the control plane', () => {
  let admin: CountedClient;
  let ns: string;
  const informers: Informer[] = [];

  beforeEach(async () => {
    admin = adminClient();
    ns = await createNamespace(admin.client, 'rt-apply');
  });

  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
    await deleteNamespace(admin.client, ns);
  });

  async function cachedConfigMaps(): Promise<Informer> {
    const informer = createInformer(admin.client, { path: `/api/v1/namespaces/${ns}/configmaps` });
    informers.push(informer);
    informer.start();
    await informer.waitForSync();
    return informer;
  }

  function desiredConfigMap(owner: KubeObject): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: childName('settings', 'acme'),
        namespace: ns,
        labels: { 'app.kubernetes.io/managed-by': 'tenantry' },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: owner.metadata?.name ?? '',
            uid: owner.metadata?.uid ?? '',
            controller: true,
          },
        ],
      },
      data: { mode: 'strict', size: '3' },
    };
  }

  it('creates with SSA under its field manager, then sends nothing while nothing changed', async () => {
    const owner = await serverSideApply(
      admin.client,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: ns } },
      { fieldManager: FIELD_MANAGER },
    );
    const cache = await cachedConfigMaps();
    const desired = desiredConfigMap(owner);
    const key = `${ns}/${desired.metadata?.name}`;

    const first = await createOrUpdateIfDifferent(admin.client, {
      desired,
      current: cache.get(key),
      fieldManager: FIELD_MANAGER,
    });
    expect(first.action).to.equal('created');
    const managers = (first.object.metadata?.managedFields ?? []) as ManagedField[];
    expect(managers.map((m) => `${m.manager}/${m.operation}`)).to.deep.equal([
      `${FIELD_MANAGER}/Apply`,
    ]);

    await eventually('the informer to see the object', () => Promise.resolve(cache.get(key)));
    admin.counter.reset();
    for (let pass = 0; pass < 3; pass++) {
      const again = await createOrUpdateIfDifferent(admin.client, {
        desired: desiredConfigMap(owner),
        current: cache.get(key),
        fieldManager: FIELD_MANAGER,
      });
      expect(again.action).to.equal('unchanged');
    }
    expect(admin.counter.count(), 'steady state costs zero requests').to.equal(0);
  });

  it('repairs drift made by another manager and leaves that manager’s own fields alone', async () => {
    const owner = await serverSideApply(
      admin.client,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: ns } },
      { fieldManager: FIELD_MANAGER },
    );
    const cache = await cachedConfigMaps();
    const desired = desiredConfigMap(owner);
    const name = desired.metadata?.name ?? '';
    await createOrUpdateIfDifferent(admin.client, {
      desired,
      current: undefined,
      fieldManager: FIELD_MANAGER,
    });

    // A human edits a field we own and adds one of their own.
    await admin.client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/${name}`,
      query: { fieldManager: 'kubectl-edit' },
      body: { metadata: { labels: { 'team.example/owner': 'ops' } }, data: { mode: 'lax' } },
      contentType: 'application/merge-patch+json',
    });
    const drifted = await eventually('the informer to see the drift', () =>
      Promise.resolve(
        (cache.get(`${ns}/${name}`)?.['data'] as Record<string, string> | undefined)?.['mode'] ===
          'lax'
          ? cache.get(`${ns}/${name}`)
          : undefined,
      ),
    );
    expect(needsUpdate(desired, drifted)).to.equal(true);

    admin.counter.reset();
    const repaired = await createOrUpdateIfDifferent(admin.client, {
      desired,
      current: drifted,
      fieldManager: FIELD_MANAGER,
    });
    expect(repaired.action).to.equal('updated');
    expect(admin.counter.writes()).to.equal(1);
    expect(repaired.object['data']).to.deep.equal({ mode: 'strict', size: '3' });
    expect(repaired.object.metadata?.labels).to.include({ 'team.example/owner': 'ops' });
  });

  it('round-trips fields client-node’s model serialiser would drop, and defaults are not drift', async () => {
    const policy: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-same-tenant', namespace: ns },
      spec: {
        podSelector: {},
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { 'tenantry.io/tenant': 'acme' } } }],
            ports: [{ port: 8080 }],
          },
        ],
      },
    };
    const stored = await serverSideApply(admin.client, policy, { fieldManager: FIELD_MANAGER });
    const spec = stored['spec'] as {
      ingress: { from?: unknown[]; ports: { protocol?: string }[] }[];
      policyTypes?: string[];
    };
    expect(spec.ingress[0]?.from, '`from` reached the server').to.have.length(1);
    expect(spec.ingress[0]?.ports[0]?.protocol, 'server default').to.equal('TCP');
    expect(spec.policyTypes, 'server default').to.deep.equal(['Ingress']);
    expect(needsUpdate(policy, stored)).to.equal(false);
  });

  it('writes status through the subresource, reads back as equal, and refuses a stale write', async () => {
    // The test's own Namespace: its status has a conditions list that the namespace controller
    // only touches during deletion.
    const path = `/api/v1/namespaces/${ns}`;
    const before = await admin.client.request<KubeObject>({ method: 'GET', path });
    const conditions: Condition[] = setCondition(
      [],
      { type: 'TenantryRuntimeTest', status: 'True', reason: 'Tested', message: 'written' },
      new Date(),
    );
    const rv = before.metadata?.resourceVersion ?? '';
    const written = await patchStatus<KubeObject>(
      admin.client,
      before,
      { conditions },
      { fieldManager: FIELD_MANAGER, resourceVersion: rv },
    );

    // Recomputing the same status from what the server returned is "equal": no second write.
    const stored = (written['status'] as { conditions: Condition[] }).conditions;
    expect(stored.map((c) => c.type)).to.deep.equal(['TenantryRuntimeTest']);
    const recomputed = setCondition(
      stored,
      { type: 'TenantryRuntimeTest', status: 'True', reason: 'Tested', message: 'written' },
      new Date(Date.now() + 5000),
    );
    expect(isStatusEqual({ conditions: stored }, { conditions: recomputed })).to.equal(true);

    // A write computed from the old resourceVersion is refused instead of overwriting.
    let stale: unknown;
    try {
      await patchStatus(
        admin.client,
        before,
        { conditions: [] },
        {
          fieldManager: FIELD_MANAGER,
          resourceVersion: rv,
        },
      );
    } catch (err) {
      stale = err;
    }
    expect(isConflict(stale)).to.equal(true);
  });

  it("replaces a custom resource status from a cache copy, keeping every manager's fields, and refuses a stale write", async () => {
    await installCRDs();
    const path = `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets`;
    const body = (name: string): KubeObject => ({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: {
        name,
        labels: { team: 'a' },
        // What `kubectl apply` (client side) leaves on every object it applies.
        annotations: { [LAST_APPLIED]: '{"kind":"SealedSecret"}' },
      },
      spec: { encryptedData: { a: 'AgA=' } },
    });
    const create = (name: string): Promise<KubeObject> =>
      admin.client.request<KubeObject>({
        method: 'POST',
        path,
        query: { fieldManager: 'someone-else' },
        body: body(name),
      });
    const fields = (o: KubeObject): ManagedField[] => o.metadata?.managedFields as ManagedField[];
    const creator = (o: KubeObject): string =>
      JSON.stringify(fields(o).find((m) => m.manager === 'someone-else')?.fieldsV1);
    const status = { observedGeneration: 1, conditions: [] };

    const created = await create('db');
    expect(creator(created)).to.include('f:encryptedData').and.include(LAST_APPLIED);
    // What the SealedSecret informer holds: no managedFields, the last-applied annotation kept.
    const cached = stripForCache(created, { keepLastApplied: true });
    const written = await replaceStatus<KubeObject & { status?: unknown; spec?: unknown }>(
      admin.client,
      cached,
      status,
      { fieldManager: FIELD_MANAGER },
    );
    expect(written.status).to.deep.equal(status);
    expect(written.spec).to.deep.equal({ encryptedData: { a: 'AgA=' } });
    expect(written.metadata?.labels).to.deep.equal({ team: 'a' });
    // The creator still owns exactly what it owned (spec, labels, the annotation); ours is the
    // status alone.
    expect(creator(written)).to.equal(creator(created));
    const ours = fields(written).find((m) => m.manager === FIELD_MANAGER);
    expect(ours?.subresource).to.equal('status');
    expect(Object.keys(ours?.fieldsV1 ?? {})).to.deep.equal(['f:status']);

    // Why the informer keeps the annotation: a body without it keeps the value but takes the
    // ownership away from its manager.
    const other = await create('db2');
    await replaceStatus(admin.client, stripForCache(other), status, {
      fieldManager: FIELD_MANAGER,
    });
    const after = await admin.client.request<KubeObject>({ method: 'GET', path: `${path}/db2` });
    expect(after.metadata?.annotations?.[LAST_APPLIED]).to.equal('{"kind":"SealedSecret"}');
    expect(creator(after)).to.not.include(LAST_APPLIED);

    let stale: unknown;
    try {
      await replaceStatus(
        admin.client,
        cached,
        { conditions: [] },
        { fieldManager: FIELD_MANAGER },
      );
    } catch (err) {
      stale = err;
    }
    expect(isConflict(stale)).to.equal(true);
  });

  it('deletes idempotently, and only the object with the expected uid', async () => {
    const name = uniqueName('gone');
    const cm = await serverSideApply<KubeObject>(
      admin.client,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } },
      { fieldManager: FIELD_MANAGER },
    );
    let wrongUid: unknown;
    try {
      await deleteIfExists(admin.client, cm, { uid: 'not-the-uid' });
    } catch (err) {
      wrongUid = err;
    }
    expect(isConflict(wrongUid), 'precondition failed').to.equal(true);
    const uid = cm.metadata?.uid;
    expect(await deleteIfExists(admin.client, cm, uid !== undefined ? { uid } : {})).to.equal(true);
    expect(await deleteIfExists(admin.client, cm)).to.equal(false);
  });

  it('refuses to address a namespaced object without a namespace', async () => {
    let error: unknown;
    try {
      await serverSideApply(
        admin.client,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
        { fieldManager: FIELD_MANAGER },
      );
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/namespaced but has no metadata.namespace/);
  });
});
