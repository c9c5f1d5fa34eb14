/**
 * The reconciler's decisions against in-memory caches and a recording client (the API server's
 * own behaviour is covered by test/integration/sealedsecret).
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { SessionKeyDecryptor } from '../../../controller/keys/decrypt.js';
import { KeyRing } from '../../../controller/keys/ring.js';
import {
  deepFreeze,
  ObjectStore,
  objectKey,
  silentLogger,
  type KubeClient,
  type KubeObject,
  type RawRequest,
  type ReconcileContext,
} from '../../../controller/runtime/index.js';
import {
  toCachedSecret,
  type CachedSecret,
  type SealedSecretObject,
  type SecretObject,
} from '../../../controller/sealedsecret/desired.js';
import type { EventRecorder } from '../../../controller/sealedsecret/events.js';
import { sealedSecretMetrics } from '../../../controller/sealedsecret/metrics.js';
import {
  SealedSecretReconciler,
  V1_DATA_DISABLED_MESSAGE,
} from '../../../controller/sealedsecret/reconcile.js';
import { parseSealingCertificate } from '../../../crypto/certificate.js';
import type { SealingKeyPair } from '../../../crypto/keys.js';
import { sealValue } from '../../../crypto/value.js';
import { keySecret, makeKey } from '../keys/fixtures.js';
import { sealedSecret } from './fixtures.js';

/** Records requests; answers creates and status patches with the body plus a new resourceVersion. */
class RecordingClient {
  readonly requests: RawRequest[] = [];
  private rv = 100;
  readonly objects = {
    pathOf: async (o: KubeObject): Promise<string> =>
      `/apis/bitnami.com/v1alpha1/namespaces/${o.metadata?.namespace ?? ''}/sealedsecrets/${o.metadata?.name ?? ''}`,
  };
  request = async <T>(req: RawRequest): Promise<T> => {
    this.requests.push(req);
    const body = (req.body ?? {}) as KubeObject;
    return { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.rv) } } as T;
  };
  writes(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }
}

const ctx: ReconcileContext = {
  log: silentLogger(),
  reconcileID: 'r',
  signal: new AbortController().signal,
};

describe('SealedSecret reconciler', () => {
  let pair: SealingKeyPair;
  let ring: KeyRing;
  before(async () => {
    pair = await makeKey(new Date('2024-01-01T00:00:00Z'));
    ring = new KeyRing();
    ring.replace([keySecret(pair)]);
  });

  async function sealed(
    items: Record<string, string>,
    over: Parameters<typeof sealedSecret>[0] = {},
  ): Promise<SealedSecretObject> {
    const { publicKey } = parseSealingCertificate(pair.certificatePem);
    const encryptedData: Record<string, string> = {};
    for (const [k, v] of Object.entries(items)) {
      encryptedData[k] = await sealValue({
        publicKey,
        plaintext: Buffer.from(v),
        label: Buffer.from('prod/db'),
      });
    }
    const ss = sealedSecret({ ...over, encryptedData });
    ss.metadata = { ...ss.metadata, resourceVersion: '10' };
    return ss;
  }

  function setup(opts: { acceptV1Data?: boolean } = {}): {
    client: RecordingClient;
    ssStore: ObjectStore<SealedSecretObject>;
    secretStore: ObjectStore<CachedSecret>;
    decryptor: SessionKeyDecryptor;
    events: string[];
    reconciler: SealedSecretReconciler;
  } {
    const client = new RecordingClient();
    const ssStore = new ObjectStore<SealedSecretObject>();
    const secretStore = new ObjectStore<CachedSecret>();
    const decryptor = new SessionKeyDecryptor();
    const events: string[] = [];
    const recorder: EventRecorder = {
      record: async (_o, type, reason) => void events.push(`${type} ${reason}`),
    };
    const reconciler = new SealedSecretReconciler({
      client: client as unknown as KubeClient,
      sealedSecrets: ssStore,
      secrets: secretStore,
      scope: { namespace: () => undefined, tenant: () => undefined, tenantsServed: false },
      ring,
      decryptor,
      events: recorder,
      metrics: sealedSecretMetrics(new Registry()),
      options: {
        acceptV1Data: opts.acceptV1Data ?? true,
        updateStatus: true,
        driftCheckIntervalMs: 0,
        unmanagedPollMs: 10_000,
        omitSecretMetrics: false,
      },
      now: () => new Date('2024-05-01T00:00:00Z'),
    });
    return { client, ssStore, secretStore, decryptor, events, reconciler };
  }

  const put = <T extends KubeObject>(store: ObjectStore<T>, obj: T): void =>
    store.set(objectKey(obj), deepFreeze(structuredClone(obj)));

  it('creates the Secret, writes status once and records one Unsealed Event', async () => {
    const t = setup();
    const ss = await sealed({ a: '1', b: '2', c: '3' });
    put(t.ssStore, ss);
    await t.reconciler.reconcile('prod/db', ctx);
    expect(t.client.writes()).to.deep.equal([
      'POST /api/v1/namespaces/prod/secrets',
      'PUT /apis/bitnami.com/v1alpha1/namespaces/prod/sealedsecrets/db/status',
    ]);
    expect(t.decryptor.count()).to.equal(3);
    expect(t.events).to.deep.equal(['Normal Unsealed']);
    const created = t.client.requests[0]!.body as SecretObject;
    expect(Object.keys(created.data ?? {})).to.deep.equal(['a', 'b', 'c']);
    // The status replaces the whole status under the resourceVersion it was computed from.
    const written = t.client.requests[1]!.body as SealedSecretObject;
    expect(written.metadata?.resourceVersion).to.equal(ss.metadata?.resourceVersion);
    expect(written.spec).to.deep.equal(ss.spec);
    expect(written.status?.observedGeneration).to.equal(1);
  });

  it('does nothing — no RSA, no request — when the cached Secret is proven in sync', async () => {
    const first = setup();
    const ss = await sealed({ a: '1', b: '2', c: '3' });
    put(first.ssStore, ss);
    await first.reconciler.reconcile('prod/db', ctx);
    const secret = first.client.requests[0]!.body as SecretObject;
    const status = first.client.requests[1]!.body as { status: unknown };

    // A fresh controller (a restart): caches hold the Secret and the written status.
    const t = setup();
    put(t.ssStore, { ...ss, status: status.status } as SealedSecretObject);
    put(
      t.secretStore,
      toCachedSecret({ ...secret, metadata: { ...secret.metadata, resourceVersion: '5' } }),
    );
    await t.reconciler.reconcile('prod/db', ctx);
    expect(t.client.requests).to.deep.equal([]);
    expect(t.decryptor.count()).to.equal(0);
    expect(t.events).to.deep.equal([]);

    // An edit to the data breaks the MAC: decrypted again (hinted key: 3 operations) and replaced.
    const edited = { ...secret, data: { ...secret.data, a: Buffer.from('x').toString('base64') } };
    put(
      t.secretStore,
      toCachedSecret({ ...edited, metadata: { ...edited.metadata, resourceVersion: '6' } }),
    );
    await t.reconciler.reconcile('prod/db', ctx);
    expect(t.decryptor.count()).to.equal(3);
    expect(t.client.writes()).to.deep.equal(['PUT /api/v1/namespaces/prod/secrets/db']);
    expect((t.client.requests[0]!.body as SecretObject).metadata?.resourceVersion).to.equal('6');
  });

  it('does not act on a SealedSecret the cache shows from before its own status write', async () => {
    const t = setup();
    const ss = await sealed({ a: '1' });
    put(t.ssStore, ss);
    await t.reconciler.reconcile('prod/db', ctx);
    const before = t.client.requests.length;
    // The Secret's watch event re-enqueues the key before the status update reaches the cache.
    put(t.secretStore, toCachedSecret(t.client.requests[0]!.body as SecretObject));
    const res = await t.reconciler.reconcile('prod/db', ctx);
    expect(t.client.requests.length).to.equal(before);
    expect(res.requeueAfterMs).to.be.greaterThan(0);
  });

  it("rejects spec.data when deprecated data is off, with Bitnami's message, without decrypting", async () => {
    const t = setup({ acceptV1Data: false });
    const ss = sealedSecret({ encryptedData: {}, data: 'AQA=' });
    put(t.ssStore, ss);
    await t.reconciler.reconcile('prod/db', ctx);
    const status = (
      t.client.requests[0]!.body as {
        status: { conditions: { message: string; reason: string }[] };
      }
    ).status;
    expect(status.conditions[0]).to.include({
      reason: 'InvalidSpec',
      message: V1_DATA_DISABLED_MESSAGE,
    });
    expect(t.decryptor.count()).to.equal(0);
    expect(t.events).to.deep.equal(['Warning ErrUnsealFailed']);
  });

  it('forgets a deleted SealedSecret and does nothing', async () => {
    const t = setup();
    expect(await t.reconciler.reconcile('prod/gone', ctx)).to.deep.equal({});
    expect(t.client.requests).to.deep.equal([]);
  });
});
