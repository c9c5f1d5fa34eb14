/**
 * Admission over time: the namespace quota under parallel creates (one webhook, and two ledgers
 * standing in for two replicas), the garbage collector against tenant namespaces, a restart
 * against a steady cluster (no writes), and a controller outage (kube-system and namespaces
 * outside every tenant keep working; the policies keep holding).
 */
import { expect } from 'chai';
import { NamespaceLedger } from '../../../controller/admission/ledger.js';
import { silentLogger } from '../../../controller/runtime/index.js';
import type { Tenant } from '../../../crds/index.js';
import type { ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  NAMESPACES,
  TENANTS,
  admin,
  clusterGrant,
  createTenant,
  denied,
  installCRDs,
  mergePatch,
  namespace,
  removeAdmissionConfig,
  startAdmission,
  until,
  untilAllowed,
  user,
} from './helpers.js';

interface Ns {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: object[] };
  status?: { phase?: string };
}

const id = uniqueName('x').slice(2);
const Q = `quota${id}`;
const G = `gc${id}`;
const CTL = `tenantry-life${id}`;
const owner = `olga-${id}`;
const nsPath = (n: string): string => `${NAMESPACES}/${n}`;

describe('admission: quota, garbage collection, restart and outage', function () {
  this.timeout(240_000);
  let controller: ControllerProcess | undefined;
  let port = 0;
  const tenants: Record<string, Tenant> = {};
  const created = new Set<string>();

  before(async () => {
    await installCRDs();
    tenants[Q] = await createTenant(Q, {
      owners: [{ kind: 'User', name: owner }],
      namespaceOptions: { quota: 3 },
    });
    await clusterGrant(
      `${CTL}-ns-creator`,
      [{ apiGroups: [''], resources: ['namespaces'], verbs: ['create'] }],
      [{ kind: 'User', name: owner }],
    );
    // Admission only: with the Tenant controller, its finalizer detaches namespaces before the
    // garbage collector could try, and the GC policy itself would go untested.
    ({ controller, port } = await startAdmission(CTL, [], 'admission'));
    await until('the mutating webhook assigns the tenant', async () => {
      const ns = await user(owner).request<Ns>({
        method: 'POST',
        path: NAMESPACES,
        query: { dryRun: 'All' },
        body: namespace(`${Q}-probe`),
      });
      return ns.metadata.labels?.['tenantry.io/tenant'] === Q;
    });
  });

  after(async () => {
    await controller?.stop();
    await removeAdmissionConfig();
    const c = admin();
    for (const n of created) {
      await c.request({ method: 'DELETE', path: nsPath(n) }).catch(() => undefined);
    }
    for (const t of Object.keys(tenants)) {
      await c.request({ method: 'DELETE', path: `${TENANTS}/${t}` }).catch(() => undefined);
    }
  });

  it('§13.9 the namespace quota is exact under parallel creates', async () => {
    const c = user(owner);
    const names = Array.from({ length: 8 }, (_, i) => `${Q}-p${i}`);
    names.forEach((n) => created.add(n));
    const results = await Promise.allSettled(
      names.map((n) => c.request({ method: 'POST', path: NAMESPACES, body: namespace(n) })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refusals = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => (r.reason as { body?: { message?: string } }).body?.message ?? '');
    expect(ok.length).to.equal(3);
    expect(refusals).to.have.length(5);
    for (const m of refusals)
      expect(m).to.match(new RegExp(`tenant ${Q} has reached its namespace quota of 3`));
    // A dry run beyond the quota gets the same answer and reserves nothing.
    await denied(
      c.request({
        method: 'POST',
        path: NAMESPACES,
        query: { dryRun: 'All' },
        body: namespace(`${Q}-dry`),
      }),
      /reached its namespace quota of 3/,
    );
  });

  it('§13.9 the quota ledger is exact across replicas (two ledgers, compare-and-swap on one apiserver)', async () => {
    const t = await createTenant(`ledger${id}`, { owners: [{ kind: 'User', name: 'nobody' }] });
    tenants[t.metadata.name!] = t;
    const replicas = [1, 2].map(
      () => new NamespaceLedger({ client: admin(), namespace: CTL, log: silentLogger() }),
    );
    const verdicts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        replicas[i % 2]!.reserve({
          tenant: t.metadata.name!,
          tenantUid: t.metadata.uid!,
          namespace: `n${i}`,
          quota: 4,
          members: [],
          dryRun: false,
        }),
      ),
    );
    expect(verdicts.filter((v) => v.allowed)).to.have.length(4);
    for (const v of verdicts.filter((x) => !x.allowed)) {
      expect(!v.allowed && v.message).to.match(
        /(reached its namespace quota of 4|too many concurrent)/,
      );
    }
  });

  it('safety: the garbage collector never deletes a tenant namespace (Tenant deleted in the background)', async () => {
    const c = admin();
    tenants[G] = await createTenant(G, { owners: [{ kind: 'User', name: 'nobody' }] });
    const n = `${G}-keep`;
    const ns = await c.request<Ns>({
      method: 'POST',
      path: NAMESPACES,
      body: namespace(n, { 'tenantry.io/tenant': G }),
    });
    created.add(n);
    expect(ns.metadata.ownerReferences).to.have.length(1);
    await c.request({
      method: 'DELETE',
      path: `${TENANTS}/${G}`,
      body: { propagationPolicy: 'Background' },
    });
    delete tenants[G];
    const gc = 'system:serviceaccount:kube-system:generic-garbage-collector';
    const attempt = await eventually(
      'the garbage collector to try deleting the namespace',
      async () =>
        getPlane()
          .plane.auditEvents(gc)
          .find(
            (e) =>
              e.verb === 'delete' &&
              e.objectRef?.resource === 'namespaces' &&
              e.objectRef.name === n,
          ),
    );
    expect(attempt.responseStatus?.code).to.equal(403);
    expect((await c.request<Ns>({ method: 'GET', path: nsPath(n) })).status?.phase).to.equal(
      'Active',
    );
  });

  it('restart: a controller restarted against a steady cluster writes no admission object', async () => {
    await controller!.stop();
    controller = undefined;
    // Same listener as before, so the applied configuration is already the desired one.
    controller = await startAdmissionOn(port);
    const line = await eventually('the configuration pass', async () =>
      controller!
        .logs(400)
        .split('\n')
        .find((l) => l.includes('Admission configuration in step')),
    );
    expect(JSON.parse(line).writes).to.equal(0);
  });

  it('outage: with the controller stopped, kube-system and namespaces outside any tenant still work; policies still hold', async () => {
    await controller!.stop();
    controller = undefined;
    const c = admin();
    const n = `plain-${id}`;
    await c.request({ method: 'POST', path: NAMESPACES, body: namespace(n) });
    await mergePatch(c, nsPath(n), { metadata: { labels: { team: 'platform' } } });
    await c.request({ method: 'DELETE', path: nsPath(n) });
    await mergePatch(c, nsPath('kube-system'), {
      metadata: { labels: { [`outage-${id}`]: 'yes' } },
    });
    await mergePatch(c, nsPath('kube-system'), {
      metadata: { labels: { [`outage-${id}`]: null } },
    });
    await c.request({
      method: 'POST',
      path: `${nsPath('kube-system')}/configmaps`,
      body: { metadata: { name: `outage-${id}` } },
    });
    await c.request({ method: 'DELETE', path: `${nsPath('kube-system')}/configmaps/outage-${id}` });
    // An administrator may still manage tenant namespaces (break-glass).
    const members = (
      await c.request<{ items: Ns[] }>({
        method: 'GET',
        path: NAMESPACES,
        query: { labelSelector: `tenantry.io/tenant=${Q}` },
      })
    ).items;
    expect(members).to.have.length(3);
    const member = members[0]!.metadata.name;
    await mergePatch(c, nsPath(member), { metadata: { labels: { team: 'x' } } });
    // The policies live in the apiserver: an owner still cannot adopt default.
    await clusterGrant(
      `${CTL}-ns-patch`,
      [{ apiGroups: [''], resources: ['namespaces'], verbs: ['patch'] }],
      [{ kind: 'User', name: owner }],
    );
    await untilAllowed(user(owner), 'patch', 'namespaces', 'default', 'default');
    await denied(
      mergePatch(user(owner), nsPath('default'), {
        metadata: { labels: { 'tenantry.io/tenant': Q } },
      }),
      /can only be changed by an administrator/,
    );
    // Tenant-related requests by owners fail closed while the webhook is down.
    await denied(
      mergePatch(user(owner), nsPath(member), { metadata: { labels: { team: 'y' } } }),
      /failed calling webhook "namespaces\.validate\.tenantry\.io"/,
      500,
    );
  });

  async function startAdmissionOn(p: number): Promise<ControllerProcess> {
    const { startController } = await import('../../harness/controller.js');
    const c = await startController(getPlane().plane, {
      namespace: CTL,
      args: [
        '--controllers=admission',
        `--webhook-addr=127.0.0.1:${p}`,
        `--webhook-url=https://127.0.0.1:${p}`,
      ],
    });
    await c.waitReady();
    return c;
  }
});
