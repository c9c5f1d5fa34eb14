/**
 * The namespace hooks as tables, HNC-validator style: each case is "ok: …" or "denied: …", with
 * the request, and the expected verdict (and for denials a part of the message).
 */
import { expect } from 'chai';
import {
  mutateNamespace,
  validateNamespace,
  type NamespaceDecision,
} from '../../../controller/admission/namespaces.js';
import type {
  AdmissionRequest,
  JsonPatchOp,
  Verdict,
} from '../../../controller/admission/types.js';
import type { KubeObject } from '../../../controller/runtime/index.js';
import {
  ACME_UID,
  acme,
  acmeWeb,
  beta,
  member,
  plain,
  ref,
  request,
  state,
  tenant,
  users,
} from './fixtures.js';

const create = (
  userInfo: AdmissionRequest['userInfo'],
  object: KubeObject,
  dryRun = false,
): AdmissionRequest => request({ operation: 'CREATE', userInfo, object, dryRun });
const update = (
  userInfo: AdmissionRequest['userInfo'],
  oldObject: KubeObject,
  object: KubeObject,
  subResource?: string,
): AdmissionRequest =>
  request({
    operation: 'UPDATE',
    userInfo,
    oldObject,
    object,
    ...(subResource ? { subResource } : {}),
  });
const del = (userInfo: AdmissionRequest['userInfo'], oldObject: KubeObject): AdmissionRequest =>
  request({ operation: 'DELETE', userInfo, oldObject, object: null });

const ns = (name: string, labels?: Record<string, string>, refs?: object[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    ...(labels ? { labels } : {}),
    ...(refs ? { ownerReferences: refs as never } : {}),
  },
});

function withLabels(obj: KubeObject, labels: Record<string, string | undefined>): KubeObject {
  const copy = structuredClone(obj);
  const merged: Record<string, string> = { ...copy.metadata?.labels };
  for (const [k, v] of Object.entries(labels)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  copy.metadata = { ...copy.metadata, labels: merged };
  return copy;
}

function withAnnotations(obj: KubeObject, annotations: Record<string, string>): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata = {
    ...copy.metadata,
    annotations: { ...copy.metadata?.annotations, ...annotations },
  };
  return copy;
}

function withRefs(obj: KubeObject, refs: object[]): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata = { ...copy.metadata, ownerReferences: refs as never };
  return copy;
}

const isVerdict = (d: NamespaceDecision): d is Verdict => !('reserve' in d);

describe('admission: namespaces (mutating)', () => {
  const cases: {
    name: string;
    req: AdmissionRequest;
    tenant?: string;
    denied?: RegExp;
    unchanged?: true;
  }[] = [
    {
      name: 'ok: owner, name with the tenant prefix',
      req: create(users.alice, ns('acme-dev2')),
      tenant: 'acme',
    },
    {
      name: 'ok: the longest prefix wins (acme-web over acme)',
      req: create(users.alice, ns('acme-web-site')),
      tenant: 'acme-web',
    },
    {
      name: 'ok: explicit label first',
      req: create(users.alice, ns('acme-x', { 'tenantry.io/tenant': 'acme-web' })),
      tenant: 'acme-web',
    },
    { name: 'ok: group owner', req: create(users.carol, ns('acme-g')), tenant: 'acme' },
    {
      name: 'ok: ServiceAccount owner',
      req: create(users.deployer, ns('acme-ci2')),
      tenant: 'acme',
    },
    {
      name: 'ok: not an owner of anything, no label: unchanged (RBAC decides)',
      req: create(users.stranger, ns('random')),
      unchanged: true,
    },
    {
      name: 'ok: admin without label: unchanged',
      req: create(users.admin, ns('infra')),
      unchanged: true,
    },
    {
      name: 'denied: no prefix matches, lists the owner’s tenants',
      req: create(users.alice, ns('frontend')),
      denied: /matches none of your tenants \(acme, acme-web\)/,
    },
    {
      name: 'denied: label names a tenant the requester does not own',
      req: create(users.alice, ns('beta-x', { 'tenantry.io/tenant': 'beta' })),
      denied: /you are not an owner of tenant beta; your tenants: acme, acme-web/,
    },
    {
      name: 'denied: label names a tenant that does not exist',
      req: create(users.stranger, ns('ghost-x', { 'tenantry.io/tenant': 'ghost' })),
      denied: /tenant ghost .* does not exist/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = mutateNamespace(c.req, state());
      if (c.denied) {
        expect(v.allowed).to.equal(false);
        expect(!v.allowed && v.message).to.match(c.denied);
        return;
      }
      expect(v.allowed).to.equal(true);
      const patch = (v.allowed && v.patch) || [];
      if (c.unchanged) {
        expect(patch).to.deep.equal([]);
        return;
      }
      const t = [acme, acmeWeb, beta].find((x) => x.metadata.name === c.tenant)!;
      const applied = applyPatch(c.req.object!, patch);
      expect(applied.metadata?.labels?.['tenantry.io/tenant']).to.equal(c.tenant);
      expect(applied.metadata?.ownerReferences).to.deep.equal([ref(t)]);
    });
  }

  it('ok: admin creating a namespace with only the tenant label gets the ownerReference (adoption)', () => {
    const req = create(users.admin, ns('gitops', { 'tenantry.io/tenant': 'beta' }));
    const v = mutateNamespace(req, state());
    expect(v.allowed && v.patch).to.deep.equal([
      { op: 'add', path: '/metadata/ownerReferences', value: [ref(beta)] },
    ]);
    expect(v.allowed && v.warnings?.[0]).to.match(/joins tenant beta/);
  });

  it('ok: requester-supplied Tenant references are left for the validating hook', () => {
    const forged = { ...ref(acme), uid: 'forged' };
    const v = mutateNamespace(create(users.alice, ns('acme-f', undefined, [forged])), state());
    const applied = applyPatch(ns('acme-f', undefined, [forged]), (v.allowed && v.patch) || []);
    expect(applied.metadata?.ownerReferences).to.deep.equal([forged]);
  });

  it('ok: UPDATE and DELETE pass unchanged (the hook only assigns new namespaces)', () => {
    const v = mutateNamespace(
      update(users.alice, member('acme-dev', acme), member('acme-dev', acme)),
      state(),
    );
    expect(v).to.deep.equal({ allowed: true });
  });
});

describe('admission: namespaces (validating)', () => {
  const dev = member('acme-dev', acme);
  const prod = member('beta-prod', beta);
  const cases: { name: string; req: AdmissionRequest; denied?: RegExp; reserve?: true }[] = [
    // CREATE
    {
      name: 'ok: owner creates a member namespace (quota → reservation)',
      req: create(users.alice, member('acme-new', acme)),
      reserve: true,
    },
    {
      name: 'ok: tenant without quota needs no reservation',
      req: create(users.alice, member('acme-web-x', acmeWeb)),
    },
    {
      name: 'ok: privileged user is not judged',
      req: create(users.admin, member('anything', beta)),
    },
    { name: 'ok: nothing tenant-related', req: create(users.stranger, plain('random')) },
    {
      name: 'denied: creator is not an owner of the tenant',
      req: create(users.bob, member('acme-b', acme)),
      denied: /user bob is not one of the owners of tenant acme/,
    },
    {
      name: 'denied: label without ownerReference',
      req: create(users.alice, ns('acme-l', { 'tenantry.io/tenant': 'acme' })),
      denied: /no ownerReference/,
    },
    {
      name: 'denied: forged UID',
      req: create(users.alice, withRefs(member('acme-u', acme), [{ ...ref(acme), uid: 'x' }])),
      denied: /does not match tenant acme/,
    },
    {
      name: 'denied: two Tenant references',
      req: create(users.alice, withRefs(member('acme-2', acme), [ref(acme), ref(acmeWeb)])),
      denied: /2 Tenant ownerReferences/,
    },
    {
      name: 'denied: controller: true',
      req: create(
        users.alice,
        withRefs(member('acme-c', acme), [{ ...ref(acme), controller: true }]),
      ),
      denied: /must not set controller/,
    },
    {
      name: 'denied: forced prefix',
      req: create(users.alice, member('dev', acme)),
      denied: /requires names starting with "acme-"/,
    },
    {
      name: 'denied: forbidden label (exact)',
      req: create(users.alice, member('acme-t', acme, { 'example.com/tier': 'gold' })),
      denied: /label example\.com\/tier is forbidden/,
    },
    {
      name: 'denied: forbidden label (regex)',
      req: create(users.alice, member('acme-r', acme, { 'internal.example.com/x': '1' })),
      denied: /matches "\^internal/,
    },
    {
      name: 'denied: reserved key',
      req: create(
        users.alice,
        member('acme-p', acme, { 'pod-security.kubernetes.io/enforce': 'privileged' }),
      ),
      denied: /reserved to administrators/,
    },
    {
      name: 'denied: forbidden annotation',
      req: create(
        users.alice,
        withAnnotations(member('acme-a', acme), {
          'scheduler.alpha.kubernetes.io/node-selector': 'x',
        }),
      ),
      denied: /annotation scheduler\.alpha\.kubernetes\.io\/node-selector is forbidden/,
    },
    // UPDATE
    {
      name: 'ok: owner adds an allowed label',
      req: update(users.alice, dev, withLabels(dev, { team: 'web' })),
    },
    {
      name: 'ok: owner restates the forced metadata',
      req: update(users.alice, dev, withLabels(dev, { 'example.com/cost-center': 'cc-42' })),
    },
    {
      name: 'ok: a tenant ServiceAccount owner updates',
      req: update(users.deployer, dev, withLabels(dev, { team: 'ci' })),
    },
    {
      name: 'ok: GitOps identity outside every tenant is left to RBAC',
      req: update(users.stranger, prod, withLabels(prod, { team: 'x' })),
    },
    {
      name: 'ok: the garbage collector is a Kubernetes component',
      req: update(users.gc, dev, withRefs(dev, [])),
    },
    {
      name: 'denied: removing the tenant label',
      req: update(users.alice, dev, withLabels(dev, { 'tenantry.io/tenant': undefined })),
      denied: /can only be changed by an administrator/,
    },
    {
      name: 'denied: moving to another owned tenant',
      req: update(
        users.alice,
        dev,
        withLabels(withRefs(dev, [ref(acmeWeb)]), { 'tenantry.io/tenant': 'acme-web' }),
      ),
      denied: /can only be changed by an administrator/,
    },
    {
      name: 'denied: removing the ownerReference',
      req: update(users.alice, dev, withRefs(dev, [])),
      denied: /can only be changed by an administrator/,
    },
    {
      name: 'denied: via the status subresource',
      req: update(users.alice, dev, withRefs(dev, []), 'status'),
      denied: /\(via status\)/,
    },
    {
      name: 'denied: via the finalize subresource',
      req: update(users.alice, dev, withRefs(dev, []), 'finalize'),
      denied: /\(via finalize\)/,
    },
    {
      name: 'denied: adopting default',
      req: update(users.alice, plain('default'), member('default', acme)),
      denied: /can only be changed by an administrator/,
    },
    {
      name: 'denied: another tenant’s namespace',
      req: update(users.alice, prod, withLabels(prod, { team: 'x' })),
      denied: /belongs to tenant beta and user alice is not one of its owners/,
    },
    {
      name: 'denied: a ServiceAccount of a tenant namespace edits another tenant’s namespace',
      req: update(users.acmeApp, prod, withAnnotations(prod, { x: 'y' })),
      denied: /not one of its owners/,
    },
    {
      name: 'denied: forbidden label added',
      req: update(users.alice, dev, withLabels(dev, { 'example.com/tier': 'x' })),
      denied: /forbidden by the tenant/,
    },
    {
      name: 'denied: forced metadata removed',
      req: update(users.alice, withLabels(dev, { 'example.com/cost-center': 'cc-42' }), dev),
      denied: /additionalMetadata\) and cannot be changed or removed/,
    },
    {
      name: 'denied: reserved tenantry.io/ label',
      req: update(users.alice, dev, withLabels(dev, { 'tenantry.io/cordoned': 'false' })),
      denied: /reserved to administrators/,
    },
    // DELETE
    { name: 'ok: owner deletes its namespace', req: del(users.alice, dev) },
    {
      name: 'denied: owner of another tenant deletes',
      req: del(users.bob, dev),
      denied: /cannot delete namespace acme-dev: it belongs to tenant acme/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = validateNamespace(c.req, state());
      if (c.reserve) {
        expect(d).to.have.property('reserve');
        return;
      }
      expect(isVerdict(d), 'a verdict, not a reservation').to.equal(true);
      const v = d as Verdict;
      if (c.denied) {
        expect(v.allowed, 'denied').to.equal(false);
        expect(!v.allowed && v.message).to.match(c.denied);
      } else {
        expect(v, !v.allowed ? v.message : '').to.deep.equal({ allowed: true });
      }
    });
  }

  it('the reservation carries the quota, the cached members and the dry-run flag', () => {
    const d = validateNamespace(create(users.alice, member('acme-new', acme), true), state());
    expect(d).to.deep.equal({
      reserve: {
        tenant: 'acme',
        tenantUid: ACME_UID,
        namespace: 'acme-new',
        quota: 3,
        members: ['acme-dev', 'acme-prod'],
        dryRun: true,
      },
    });
  });

  it('denied: a cordoned tenant refuses new namespaces, updates and deletes by owners', () => {
    const ice = tenant('ice', 'uid-ice', {
      owners: [{ kind: 'User', name: 'dave' }],
      cordoned: true,
    });
    const s = state({ tenants: [ice], namespaces: [member('ice-a', ice)] });
    const dave = { username: 'dave' };
    const c = validateNamespace(create(dave, member('ice-b', ice)), s) as Verdict;
    expect(!c.allowed && c.message).to.match(/tenant ice is cordoned/);
    const d = validateNamespace(del(dave, member('ice-a', ice)), s) as Verdict;
    expect(!d.allowed && d.message).to.match(/tenant ice is cordoned/);
  });

  it('denied: a terminating tenant refuses new namespaces', () => {
    const gone = tenant('gone', 'uid-gone', { owners: [{ kind: 'User', name: 'dave' }] });
    gone.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const v = validateNamespace(
      create({ username: 'dave' }, member('gone-a', gone)),
      state({ tenants: [gone], namespaces: [] }),
    ) as Verdict;
    expect(!v.allowed && v.message).to.match(/tenant gone is being deleted/);
  });

  it('denied, explicitly: an invalid deniedRegex stored before validation existed fails closed with a message', () => {
    const bad = tenant('bad', 'uid-bad', {
      owners: [{ kind: 'User', name: 'dave' }],
      namespaceOptions: { forbiddenLabels: { deniedRegex: '(' } },
    });
    const s = state({ tenants: [bad], namespaces: [member('bad-a', bad)] });
    const old = member('bad-a', bad);
    const v = validateNamespace(
      update({ username: 'dave' }, old, withLabels(old, { x: '1' })),
      s,
    ) as Verdict;
    expect(!v.allowed && v.message).to.match(
      /regex "\(" is invalid .*ask an administrator to fix the Tenant/,
    );
  });
});

function applyPatch(obj: KubeObject, ops: readonly JsonPatchOp[]): KubeObject {
  const out = structuredClone(obj) as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let cur = out;
    for (const p of parts) cur = cur[p] as Record<string, unknown>;
    if (Array.isArray(cur) && last === '-') (cur as unknown[]).push(op.value);
    else cur[last] = op.value;
  }
  return out;
}
