/**
 * Lease leader election between two electors in one process (each with its own client), against
 * the real coordination.k8s.io API.
 */
import { expect } from 'chai';
import { eventually } from '../../helpers/names.js';
import { LeaderElector, type LeaderElectorOptions } from '../../../controller/runtime/leader.js';
import {
  adminClient,
  createNamespace,
  deleteNamespace,
  delay,
  type CountedClient,
} from './helpers.js';

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseTransitions?: number;
  leaseDurationSeconds?: number;
}

interface Candidate {
  readonly elector: LeaderElector;
  started: number;
  stopped: number;
}

describe('runtime leader election against the control plane', () => {
  let admin: CountedClient;
  let ns: string;
  const candidates: Candidate[] = [];

  beforeEach(async () => {
    admin = adminClient();
    ns = await createNamespace(admin.client, 'rt-lease');
  });

  afterEach(async () => {
    await Promise.all(candidates.splice(0).map((c) => c.elector.stop()));
    await deleteNamespace(admin.client, ns);
  });

  function candidate(identity: string, opts: Partial<LeaderElectorOptions> = {}): Candidate {
    const c: Candidate = {
      elector: new LeaderElector({
        // Each candidate has its own client, as separate replicas would.
        client: adminClient().client,
        namespace: ns,
        name: 'rt-test',
        identity,
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 250,
        onStartedLeading: () => {
          c.started++;
        },
        onStoppedLeading: () => {
          c.stopped++;
        },
        ...opts,
      }),
      started: 0,
      stopped: 0,
    };
    candidates.push(c);
    return c;
  }

  async function lease(): Promise<LeaseSpec | undefined> {
    const l = await admin.client
      .request<{ spec?: LeaseSpec }>({
        method: 'GET',
        path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/rt-test`,
      })
      .catch(() => undefined);
    return l?.spec;
  }

  async function leaderOf(cs: Candidate[]): Promise<Candidate> {
    return eventually('a leader', () =>
      Promise.resolve(cs.filter((c) => c.elector.isLeader()).length === 1 ? cs : undefined),
    ).then((found) => found.find((c) => c.elector.isLeader())!);
  }

  it('elects exactly one leader, recorded in the Lease, and keeps it while it renews', async () => {
    const a = candidate('replica-a');
    const b = candidate('replica-b');
    a.elector.start();
    b.elector.start();
    const leader = await leaderOf([a, b]);
    const follower = leader === a ? b : a;
    // Several lease durations: the leader keeps renewing, the follower never takes over.
    await delay(4000);
    expect(leader.elector.isLeader()).to.equal(true);
    expect(follower.elector.isLeader()).to.equal(false);
    expect((await lease())?.holderIdentity).to.equal(leader.elector.identity);
    expect(follower.elector.leader()).to.equal(leader.elector.identity);
    expect([leader.started, follower.started]).to.deep.equal([1, 0]);
  });

  it('hands over at once when the leader stops and releases the lease', async () => {
    // A long lease: a hand-over well under it can only come from the release.
    const opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 250 };
    const a = candidate('replica-a', opts);
    a.elector.start();
    await leaderOf([a]);
    const b = candidate('replica-b', opts);
    b.elector.start();
    await delay(500);
    expect(b.elector.isLeader()).to.equal(false);

    const stoppedAt = Date.now();
    await a.elector.stop();
    expect(a.stopped).to.equal(1);
    expect(a.elector.isLeader()).to.equal(false);
    await eventually('replica-b to lead', () =>
      Promise.resolve(b.elector.isLeader() ? true : undefined),
    );
    expect(Date.now() - stoppedAt).to.be.below(5000);
    const spec = await lease();
    expect(spec?.holderIdentity).to.equal('replica-b');
    expect(spec?.leaseTransitions).to.equal(1);
  });

  it('takes over only after the lease expires when the leader vanishes without releasing', async () => {
    const a = candidate('replica-a', { releaseOnStop: false });
    a.elector.start();
    await leaderOf([a]);
    const b = candidate('replica-b');
    b.elector.start();
    await delay(500);

    const stoppedAt = Date.now();
    await a.elector.stop();
    expect((await lease())?.holderIdentity, 'not released').to.equal('replica-a');
    await eventually('replica-b to lead', () =>
      Promise.resolve(b.elector.isLeader() ? true : undefined),
    );
    // b must have seen the record unchanged for a full lease duration (3 s) on its own clock.
    expect(Date.now() - stoppedAt).to.be.at.least(2500);
    expect((await lease())?.holderIdentity).to.equal('replica-b');
  });

  it('steps down when another holder took the lease, then waits as a candidate', async () => {
    const a = candidate('replica-a');
    a.elector.start();
    await leaderOf([a]);
    // Someone else grabs the lease (as a replica with a skewed view might): a's renewals now
    // conflict, so it must step down within its renew deadline.
    const current = await admin.client.request<Record<string, unknown> & { spec: LeaseSpec }>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/rt-test`,
    });
    await admin.client.request({
      method: 'PUT',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/rt-test`,
      body: {
        ...current,
        spec: {
          ...current.spec,
          holderIdentity: 'usurper',
          leaseDurationSeconds: 60,
          renewTime: new Date().toISOString().replace(/Z$/, '000Z'),
        },
      },
    });
    await eventually('replica-a to step down', () =>
      Promise.resolve(!a.elector.isLeader() ? true : undefined),
    );
    expect(a.stopped).to.equal(1);
    // The usurper's record is fresh on a's clock, so a waits as a candidate instead of fighting.
    await delay(1000);
    expect(a.elector.isLeader()).to.equal(false);
    expect((await lease())?.holderIdentity).to.equal('usurper');
  });
});
