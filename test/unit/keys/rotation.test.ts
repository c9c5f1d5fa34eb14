import { expect } from 'chai';
import { ApiException } from '@kubernetes/client-node';
import { KeyRing } from '../../../controller/keys/ring.js';
import { KeyRotation, type KeyPolicy } from '../../../controller/keys/rotation.js';
import type { KeySecret } from '../../../controller/keys/secret.js';
import {
  FakeClock,
  silentLogger,
  type KubeClient,
  type RawRequest,
} from '../../../controller/runtime/index.js';
import { keySecret, makeKey } from './fixtures.js';

const HOUR = 3_600_000;

/** A stand-in for the API: a list of key Secrets and a log of requests. */
class FakeApi {
  readonly requests: RawRequest[] = [];
  stored: KeySecret[] = [];
  listError: Error | undefined;
  request = async <T>(req: RawRequest): Promise<T> => {
    this.requests.push(req);
    if (req.method === 'GET') {
      if (this.listError !== undefined) throw this.listError;
      return { items: this.stored } as T;
    }
    const body = req.body as KeySecret;
    const created = {
      ...body,
      metadata: {
        ...body.metadata,
        name: `sealed-secrets-key${this.stored.length}`,
        uid: `u${this.stored.length}`,
        resourceVersion: '1',
      },
    };
    this.stored.push(created);
    return created as T;
  };
  creates(): number {
    return this.requests.filter((r) => r.method === 'POST').length;
  }
}

function policy(over: Partial<KeyPolicy> = {}): KeyPolicy {
  return {
    prefix: 'sealed-secrets-key',
    bits: 2048,
    ttlMs: 10 * 8760 * HOUR,
    commonName: '',
    renewPeriodMs: 720 * HOUR,
    ...over,
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).to.equal(true);
}

describe('key rotation', () => {
  it('generates the first key only after a live LIST confirms there is none', async () => {
    const api = new FakeApi();
    const ring = new KeyRing();
    const rot = new KeyRotation({
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring,
      policy: policy(),
      log: silentLogger(),
      clock: new FakeClock(),
    });
    await rot.start();
    rot.stop();
    expect(api.requests.map((r) => r.method)).to.deep.equal(['GET', 'POST']);
    expect(ring.size()).to.equal(1);
    const posted = api.requests[1]!.body as KeySecret;
    expect(posted.metadata?.generateName).to.equal('sealed-secrets-key');
  });

  it('does not mint when the LIST is forbidden, reports why and retries', async () => {
    const api = new FakeApi();
    api.listError = new ApiException(403, 'forbidden', {}, {});
    const reports: string[] = [];
    const clock = new FakeClock();
    const rot = new KeyRotation({
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring: new KeyRing(),
      policy: policy(),
      log: silentLogger(),
      clock,
      report: async (type, reason, message) => void reports.push(`${type} ${reason} ${message}`),
    });
    await rot.start();
    expect(api.creates()).to.equal(0);
    expect(reports[0]).to.match(
      /^Warning KeyListForbidden Cannot list sealing key Secrets in namespace ctl \(HTTP 403 Forbidden\): not generating/,
    );
    api.listError = undefined;
    clock.advance(30_000);
    await until(() => api.creates() === 1);
    rot.stop();
  });

  it('does not mint when the cache is empty but keys exist (another replica just made one)', async () => {
    const api = new FakeApi();
    api.stored = [keySecret(await makeKey(new Date()))];
    const rot = new KeyRotation({
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring: new KeyRing(),
      policy: policy(),
      log: silentLogger(),
      clock: new FakeClock(),
    });
    await rot.start();
    rot.stop();
    expect(api.creates()).to.equal(0);
  });

  it('renews period − age after start, then every period; 0 disables', async () => {
    const clock = new FakeClock(Date.parse('2024-01-21T00:00:00Z'));
    const api = new FakeApi();
    const ring = new KeyRing();
    ring.replace([keySecret(await makeKey(new Date('2024-01-01T00:00:00Z')))]);
    const rot = new KeyRotation({
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring,
      policy: policy(),
      log: silentLogger(),
      clock,
    });
    await rot.start();
    expect(api.creates()).to.equal(0);
    expect(clock.nextTimerIn()).to.equal(10 * 24 * HOUR);
    clock.advance(10 * 24 * HOUR);
    await until(() => api.creates() === 1);
    rot.stop();
    expect(clock.pendingTimers()).to.equal(0);

    const off = new KeyRotation({
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring,
      policy: policy({ renewPeriodMs: 0 }),
      log: silentLogger(),
      clock,
    });
    await off.start();
    expect(clock.pendingTimers()).to.equal(0);
    off.stop();
  });

  it('mints a key asked for outside the schedule (SIGUSR1) once, and renewal counts from it', async () => {
    const clock = new FakeClock(Date.parse('2024-01-21T00:00:00Z'));
    const api = new FakeApi();
    const ring = new KeyRing();
    ring.replace([keySecret(await makeKey(new Date('2024-01-01T00:00:00Z')))]);
    const options = {
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring,
      policy: policy({ renewPeriodMs: 20 * 24 * HOUR }),
      log: silentLogger(),
      clock,
    };
    // A follower: never started, so no schedule; the signal still mints.
    const follower = new KeyRotation(options);
    await follower.generate('SIGUSR1');
    expect(api.creates()).to.equal(1);
    expect(clock.pendingTimers()).to.equal(0);

    // The leader: two signals in quick succession make one key.
    const leader = new KeyRotation(options);
    await leader.start();
    expect(clock.nextTimerIn()).to.equal(20 * 24 * HOUR);
    clock.advance(5 * 24 * HOUR);
    const [a, b] = await Promise.all([leader.generate('SIGUSR1'), leader.generate('SIGUSR1')]);
    expect(a).to.equal(b);
    expect(api.creates()).to.equal(2);
    expect(ring.size()).to.equal(3);
    // The timer set at start fires at the old due time and finds the newest key 15 days old.
    clock.advance(15 * 24 * HOUR);
    await new Promise((r) => setTimeout(r, 20));
    expect(api.creates()).to.equal(2);
    expect(clock.nextTimerIn()).to.equal(5 * 24 * HOUR);
    leader.stop();
  });

  it('waits in steps for periods beyond the timer limit (30 days > 2^31 ms)', async () => {
    const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
    const api = new FakeApi();
    const ring = new KeyRing();
    ring.replace([keySecret(await makeKey(new Date('2024-01-01T00:00:00Z')))]);
    const rot = new KeyRotation({
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring,
      policy: policy(),
      log: silentLogger(),
      clock,
    });
    await rot.start();
    expect(clock.nextTimerIn()).to.equal(2_147_483_647);
    clock.advance(2_147_483_647);
    expect(api.creates()).to.equal(0);
    expect(clock.nextTimerIn()).to.equal(720 * HOUR - 2_147_483_647);
    rot.stop();
  });

  it('generates at start when the newest key is older than --key-cutoff-time', async () => {
    const api = new FakeApi();
    const ring = new KeyRing();
    ring.replace([keySecret(await makeKey(new Date('2024-01-01T00:00:00Z')))]);
    const rot = new KeyRotation({
      client: api as unknown as KubeClient,
      namespace: 'ctl',
      ring,
      policy: policy({ cutoff: new Date('2024-06-01T00:00:00Z'), renewPeriodMs: 0 }),
      log: silentLogger(),
      clock: new FakeClock(Date.parse('2024-07-01T00:00:00Z')),
    });
    await rot.start();
    rot.stop();
    expect(api.creates()).to.equal(1);
    expect(ring.size()).to.equal(2);
  });
});
