/**
 * The supporting pieces: certificate planning with a fake clock, the quota ledger against a fake
 * compare-and-swap store, the server's failure modes, Tenant regex validation, identities.
 */
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import {
  certificateIntent,
  planCertificates,
  serviceSans,
  splitPem,
  type CertificateData,
} from '../../../controller/admission/certs.js';
import {
  isOwnerOf,
  requesterOwnerKeys,
  serviceAccountOf,
} from '../../../controller/admission/identity.js';
import {
  NamespaceLedger,
  checkQuota,
  liveReservations,
} from '../../../controller/admission/ledger.js';
import { compilePattern } from '../../../crds/regex.js';
import { WebhookServer } from '../../../controller/admission/server.js';
import { validateTenant } from '../../../controller/admission/tenants.js';
import { deny, type AdmissionRequest } from '../../../controller/admission/types.js';
import { ApiException } from '@kubernetes/client-node';
import {
  silentLogger,
  type KubeClient,
  type RawRequest,
} from '../../../controller/runtime/index.js';
import { request, users } from './fixtures.js';

const DAY = 86_400_000;
const sans = serviceSans('tenantry-webhook', 'tenantry-system', ['127.0.0.1']);
type Policy = { now: Date; caValidityDays: number; servingValidityDays: number; graceMs: number };
const policy = (now: Date): Policy => ({
  now,
  caValidityDays: 30,
  servingValidityDays: 9,
  graceMs: 60_000,
});
const full = (p: { now: Date }): Policy => ({
  caValidityDays: 30,
  servingValidityDays: 9,
  graceMs: 60_000,
  ...p,
});

describe('admission: certificates', function () {
  this.timeout(60_000);
  const t0 = new Date('2026-01-01T00:00:00Z');
  let data: CertificateData;

  before(async () => {
    const plan = await planCertificates(undefined, undefined, sans, policy(t0));
    expect(plan.action).to.equal('write');
    if (plan.action === 'write') data = plan.data;
  });

  it('creates a CA and a serving certificate with the service names and 127.0.0.1', () => {
    const tls = new X509Certificate(data['tls.crt']);
    expect(tls.subjectAltName)
      .to.contain('DNS:tenantry-webhook.tenantry-system.svc')
      .and.to.contain('IP Address:127.0.0.1');
    expect(tls.checkIssued(new X509Certificate(data['ca.crt']))).to.equal(true);
    expect(splitPem(data['ca-bundle.crt'])).to.have.length(1);
  });

  it('keeps a fresh Secret (a steady cluster writes nothing)', () => {
    expect(
      certificateIntent(data, t0, sans, full({ now: new Date(t0.getTime() + DAY) })).kind,
    ).to.equal('keep');
  });

  it('re-issues the serving certificate when a third of its life is left, or a SAN is missing', () => {
    expect(
      certificateIntent(data, t0, sans, full({ now: new Date(t0.getTime() + 7 * DAY) })).kind,
    ).to.equal('reissue');
    const more = serviceSans('tenantry-webhook', 'tenantry-system', ['10.0.0.7']);
    expect(certificateIntent(data, t0, more, full({ now: t0 })).kind).to.equal('reissue');
  });

  it('rotates the CA in two phases: new CA next to the old one, then the serving certificate after the grace', async () => {
    const long = { caValidityDays: 30, servingValidityDays: 60, graceMs: 60_000 };
    const initial = await planCertificates(undefined, undefined, sans, { ...long, now: t0 });
    if (initial.action !== 'write') throw new Error('expected a fresh Secret');
    const rotateAt = new Date(t0.getTime() + 21 * DAY);
    const rotated = await planCertificates(initial.data, t0, sans, { ...long, now: rotateAt });
    expect(rotated.action === 'write' && rotated.reason).to.match(/CA rotated/);
    if (rotated.action !== 'write') return;
    expect(splitPem(rotated.data['ca-bundle.crt'])).to.have.length(2);
    expect(rotated.data['tls.crt']).to.equal(initial.data['tls.crt']);
    // Within the grace period the old serving certificate stays.
    expect(
      certificateIntent(
        rotated.data,
        rotateAt,
        sans,
        full({ now: new Date(rotateAt.getTime() + 1000) }),
      ).kind,
    ).to.equal('keep');
    const after = new Date(rotateAt.getTime() + 120_000);
    const reissued = await planCertificates(rotated.data, rotateAt, sans, { ...long, now: after });
    expect(reissued.action === 'write' && reissued.reason).to.match(/re-issued/);
    if (reissued.action !== 'write') return;
    const tls = new X509Certificate(reissued.data['tls.crt']);
    expect(tls.checkIssued(new X509Certificate(rotated.data['ca.crt']))).to.equal(true);
    expect(splitPem(reissued.data['ca-bundle.crt'])).to.have.length(2);
  });

  it('starts over from unreadable data', () => {
    expect(
      certificateIntent({ 'ca.crt': 'garbage' }, undefined, sans, full({ now: t0 })),
    ).to.deep.equal({
      kind: 'fresh',
      reason: 'unreadable certificate data',
    });
  });
});

/** A fake apiserver for one ConfigMap with resourceVersion compare-and-swap. */
function casClient(): { client: KubeClient; writes: () => number } {
  let stored: { metadata: { resourceVersion: string }; data?: Record<string, string> } | undefined;
  let rv = 0;
  let writes = 0;
  const conflict = (): ApiException<unknown> => new ApiException(409, 'conflict', {}, {});
  const client = {
    request: async (r: RawRequest): Promise<unknown> => {
      await new Promise((res) => setImmediate(res));
      if (r.method === 'GET') {
        if (stored === undefined) throw new ApiException(404, 'not found', {}, {});
        return structuredClone(stored);
      }
      const body = r.body as {
        metadata: { resourceVersion?: string };
        data?: Record<string, string>;
      };
      if (r.method === 'POST' && stored !== undefined) throw conflict();
      if (r.method === 'PUT' && body.metadata.resourceVersion !== stored?.metadata.resourceVersion)
        throw conflict();
      writes++;
      stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return structuredClone(stored);
    },
  } as unknown as KubeClient;
  return { client, writes: () => writes };
}

describe('admission: namespace quota ledger', () => {
  it('counts members and live reservations together', () => {
    expect(checkQuota(['a', 'b'], { c: 10 }, 'd', 3)).to.deep.equal({
      kind: 'full',
      used: ['a', 'b', 'c'],
    });
    expect(checkQuota(['a'], { b: 10 }, 'c', 3)).to.deep.equal({ kind: 'fits' });
    expect(checkQuota(['a'], { b: 10 }, 'b', 2)).to.deep.equal({ kind: 'already-counted' });
  });

  it('drops expired and malformed reservations', () => {
    const cm = { data: { reservations: JSON.stringify({ old: 5, live: 20, bad: 'x' }) } };
    expect(liveReservations(cm, 10)).to.deep.equal({ live: 20 });
    expect(liveReservations({ data: { reservations: '{' } }, 10)).to.deep.equal({});
  });

  it('admits exactly the quota under parallel reservations from two replicas', async () => {
    const { client } = casClient();
    const ledgers = [1, 2].map(
      () =>
        new NamespaceLedger({
          client,
          namespace: 'tenantry-system',
          log: silentLogger(),
          attempts: 20,
        }),
    );
    const verdicts = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ledgers[i % 2]!.reserve({
          tenant: 'acme',
          tenantUid: 'u',
          namespace: `n${i}`,
          quota: 3,
          members: [],
          dryRun: false,
        }),
      ),
    );
    expect(verdicts.filter((v) => v.allowed)).to.have.length(3);
  });

  it('writes nothing on a dry run and lets a reservation expire', async () => {
    const { client, writes } = casClient();
    let now = 1000;
    const ledger = new NamespaceLedger({
      client,
      namespace: 'ns',
      log: silentLogger(),
      ttlMs: 100,
      now: () => now,
    });
    const r = {
      tenant: 'acme',
      tenantUid: 'u',
      namespace: 'a',
      quota: 1,
      members: [],
      dryRun: false,
    };
    expect((await ledger.reserve({ ...r, dryRun: true })).allowed).to.equal(true);
    expect(writes()).to.equal(0);
    expect((await ledger.reserve(r)).allowed).to.equal(true);
    expect((await ledger.reserve({ ...r, namespace: 'b' })).allowed).to.equal(false);
    now += 101;
    expect((await ledger.reserve({ ...r, namespace: 'b' })).allowed).to.equal(true);
  });
});

describe('admission: the webhook server', () => {
  const review = (): string =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: request({ operation: 'CREATE', userInfo: users.alice }),
    });

  it('turns a throwing handler into an explicit 500 denial of that request only', async () => {
    const server = new WebhookServer({
      log: silentLogger(),
      handlers: {
        '/x': () => {
          throw new Error('boom');
        },
        '/y': () => deny('no'),
      },
    });
    const r = JSON.parse((await server.review('/x', review())).body);
    expect(r.response).to.deep.include({ uid: 'uid-1', allowed: false });
    expect(r.response.status.code).to.equal(500);
    expect(r.response.status.message).to.match(/boom/);
    const y = JSON.parse((await server.review('/y', review())).body);
    expect(y.response.status).to.deep.equal({ code: 403, message: 'no', reason: 'Forbidden' });
  });

  it('denies explicitly (503) before the caches synced, and rejects garbage', async () => {
    const server = new WebhookServer({
      log: silentLogger(),
      ready: () => false,
      handlers: { '/x': () => ({ allowed: true }) },
    });
    const r = JSON.parse((await server.review('/x', review())).body);
    expect(r.response.status.code).to.equal(503);
    expect((await server.review('/x', 'not json')).status).to.equal(400);
    expect((await server.review('/x', '{}')).status).to.equal(400);
    expect((await server.review('/nope', review())).status).to.equal(404);
  });

  it('answers with the request’s apiVersion and a base64 JSON patch', async () => {
    const server = new WebhookServer({
      log: silentLogger(),
      handlers: {
        '/m': () => ({
          allowed: true,
          patch: [{ op: 'add', path: '/metadata/labels', value: {} }],
        }),
      },
    });
    const r = JSON.parse((await server.review('/m', review())).body);
    expect(r.apiVersion).to.equal('admission.k8s.io/v1');
    expect(r.response.patchType).to.equal('JSONPatch');
    expect(JSON.parse(Buffer.from(r.response.patch, 'base64').toString())).to.deep.equal([
      { op: 'add', path: '/metadata/labels', value: {} },
    ]);
  });
});

describe('admission: Tenant validation, regexes and identities', () => {
  const tenantReq = (deniedRegex: string): AdmissionRequest =>
    request({
      operation: 'CREATE',
      userInfo: users.admin,
      object: {
        spec: { owners: [], namespaceOptions: { forbiddenLabels: { deniedRegex } } },
      },
    });

  it('ok: a valid RE2 pattern; denied: invalid, lookahead, backreference', () => {
    expect(validateTenant(tenantReq('^internal\\.example\\.com/')).allowed).to.equal(true);
    for (const bad of ['(', 'a(?=b)', '(a)\\1']) {
      const v = validateTenant(tenantReq(bad));
      expect(v.allowed, bad).to.equal(false);
      expect(!v.allowed && v.message).to.match(
        /forbiddenLabels\.deniedRegex: invalid regular expression/,
      );
    }
  });

  it('matches a backtracking bomb in linear time', () => {
    const re = compilePattern('^(a+)+$');
    expect(re.ok).to.equal(true);
    const started = Date.now();
    expect(re.ok && re.test(`${'a'.repeat(5000)}b`)).to.equal(false);
    expect(Date.now() - started).to.be.below(500);
  });

  it('recognises owners by user, group and ServiceAccount', () => {
    expect(serviceAccountOf('system:serviceaccount:ci:deployer')).to.deep.equal({
      namespace: 'ci',
      name: 'deployer',
    });
    expect(serviceAccountOf('system:serviceaccount:ci')).to.equal(undefined);
    expect(requesterOwnerKeys(users.deployer)).to.include('ServiceAccount:acme-ci/deployer');
    expect(isOwnerOf(users.carol, [{ kind: 'Group', name: 'acme-admins' }])).to.equal(true);
    expect(
      isOwnerOf(users.bob, [{ kind: 'ServiceAccount', name: 'bob', namespace: 'x' }]),
    ).to.equal(false);
  });
});
