/**
 * The controller process itself: probes, metrics, leader election between two replicas, a
 * graceful shutdown that hands the Lease over at once, and SIGUSR1 with nothing to act on it.
 */
import { CoordinationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { startController, type ControllerProcess } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';

describe('the controller process', () => {
  const running: ControllerProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  async function holder(namespace: string): Promise<string | undefined> {
    const coord = getPlane().kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await coord
      .readNamespacedLease({ name: 'tenantry-controller', namespace })
      .catch(() => undefined);
    return lease?.spec?.holderIdentity ?? undefined;
  }

  it('serves /healthz, /readyz and /metrics and exits cleanly on SIGTERM', async () => {
    const ns = uniqueName('ctl');
    const c = await startController(getPlane().plane, { namespace: ns });
    running.push(c);
    await c.waitReady();
    expect(await c.get('/healthz')).to.deep.equal({ status: 200, body: 'ok\n' });
    const metrics = await c.metrics();
    expect(metrics).to.match(/rest_client_requests_total\{method="[A-Z]+",code="\d+"\} [1-9]/);
    expect(metrics).to.contain('process_resident_memory_bytes');
    running.pop();
    await c.stop();
    expect(await c.exited).to.equal(0);
  });

  it('says so when no enabled controller acts on SIGUSR1, and keeps running without a debugger', async () => {
    const c = await startController(getPlane().plane, {
      namespace: uniqueName('ctl'),
      args: ['--controllers=tenant'],
    });
    running.push(c);
    await c.waitReady();
    process.kill(c.pid, 'SIGUSR1');
    await eventually('the log line', async () =>
      c.logs(200).includes('No enabled controller acts on this signal') ? true : undefined,
    );
    expect(await c.get('/healthz')).to.deep.equal({ status: 200, body: 'ok\n' });
    expect(c.logs(200)).to.not.include('Debugger listening');
  });

  it('elects one leader among two replicas and hands over on shutdown', async () => {
    const ns = uniqueName('ctl');
    // The manager's own hand-over, without modules: how long modules take to stop is theirs.
    // A 30 s lease: a follower that took over well before it expired proves the leader released
    // it on shutdown, with room for a loaded machine (a 3 s lease left 3 s for both).
    const bare = {
      namespace: ns,
      fastLeaderElection: false,
      args: ['--controllers=', '--lease-duration=30', '--renew-deadline=20', '--retry-period=0.5'],
    };
    const a = await startController(getPlane().plane, bare);
    const b = await startController(getPlane().plane, bare);
    running.push(a, b);
    await Promise.all([a.waitReady(), b.waitReady()]);
    const first = await eventually('a leader', () => holder(ns));
    const metricsOf = async (c: ControllerProcess): Promise<number> =>
      Number(
        /leader_election_master_status\{name="tenantry-controller"\} (\d)/.exec(
          await c.metrics(),
        )?.[1] ?? 0,
      );
    const [la, lb] = [await metricsOf(a), await metricsOf(b)];
    expect(la + lb, 'exactly one replica leads').to.equal(1);

    const [leader, follower] = la === 1 ? [a, b] : [b, a];
    running.splice(running.indexOf(leader), 1);
    const stoppedAt = Date.now();
    await leader.stop();
    const second = await eventually('the follower to take over', async () => {
      const h = await holder(ns);
      return h !== undefined && h !== '' && h !== first ? h : undefined;
    });
    expect(second).to.not.equal(first);
    // Released on shutdown, so the follower need not wait out the 30 s lease.
    expect(Date.now() - stoppedAt).to.be.below(15_000);
    expect(await metricsOf(follower)).to.equal(1);
  });

  it('takes over from a killed leader once the lease expires', async () => {
    const ns = uniqueName('ctl');
    const a = await startController(getPlane().plane, { namespace: ns });
    running.push(a);
    await a.waitReady();
    const first = await eventually('a leader', () => holder(ns));
    const b = await startController(getPlane().plane, { namespace: ns });
    running.push(b);
    await b.waitReady();
    running.splice(running.indexOf(a), 1);
    await a.kill();
    const second = await eventually(
      'the survivor to take over',
      async () => {
        const h = await holder(ns);
        return h !== undefined && h !== first ? h : undefined;
      },
      20_000,
    );
    expect(second).to.be.a('string').and.not.equal(first);
  });
});
