/**
 * The controller's lifecycle: a restart with everything in sync costs zero RSA operations and
 * zero writes; a SIGKILL mid-run and a restart reach the same final state; with two replicas,
 * killing the leader hands reconciling to the other, and both serve the endpoints meanwhile.
 */
import { CoordinationV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { ControllerProcess } from '../../harness/controller.js';
import { KubeClient } from '../../../controller/runtime/kube.js';
import { getPlane } from '../../harness/shared.js';
import { eventually, uniqueName } from '../../helpers/names.js';
import {
  createNamespace,
  createSealedSecret,
  decoded,
  getSealedSecret,
  getSecret,
  installCRDs,
  metricValue,
  sealDirect,
  startSealedSecretController,
  waitForCert,
  waitForSecret,
  waitForSynced,
  writesOf,
} from './helpers.js';

/** Waits until the controller has reconciled at least `n` keys and its queue is empty. */
async function settled(c: ControllerProcess, n: number): Promise<string> {
  return eventually(
    `the controller to reconcile ${n} SealedSecrets`,
    async () => {
      const m = await c.metrics();
      const done = metricValue(m, 'controller_runtime_reconcile_total', {
        controller: 'sealedsecret',
      });
      const depth = metricValue(m, 'workqueue_depth', { name: 'sealedsecret' });
      const active = metricValue(m, 'controller_runtime_active_workers', {
        controller: 'sealedsecret',
      });
      return done >= n && depth === 0 && active === 0 ? m : undefined;
    },
    60_000,
  );
}

describe('SealedSecret controller: restarts, crashes and replicas', () => {
  const running: ControllerProcess[] = [];
  before(installCRDs);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  async function start(
    ns: string,
    args: string[] = [],
    kubeconfigPath?: string,
  ): Promise<ControllerProcess> {
    const c = await startSealedSecretController(
      ns,
      args,
      kubeconfigPath !== undefined ? { kubeconfigPath } : {},
    );
    running.push(c);
    return c;
  }

  it('restarts with everything in sync at zero RSA decryptions and zero writes', async () => {
    const ctl = uniqueName('ss-ctl');
    const identity = getPlane().makeUser(uniqueName('ss-controller'), ['system:masters']);
    // On the shared plane, earlier suites leave deliberately undecryptable SealedSecrets that
    // a restart rightly retries (they are not in sync); this test counts only its own.
    await deleteSealedSecretsOutside([]);
    const first = await start(ctl, [], identity.kubeconfigPath);
    const cert = await waitForCert(first);
    const ns = await createNamespace('ss-restart');
    const names = Array.from({ length: 10 }, (_, i) => `app-${i}`);
    for (const name of names) {
      await createSealedSecret(
        await sealDirect(cert, { namespace: ns, name }, { a: `1-${name}`, b: '2', c: '3' }),
      );
    }
    for (const name of names) await waitForSynced(ns, name, 'True');
    const m1 = await settled(first, names.length);
    expect(metricValue(m1, 'tenantry_sealedsecret_rsa_decryptions_total')).to.be.at.least(30);
    running.splice(running.indexOf(first), 1);
    await first.stop();

    const restartedAt = new Date();
    const second = await start(ctl, [], identity.kubeconfigPath);
    const m2 = await settled(second, names.length);
    await new Promise((r) => setTimeout(r, 1500));
    const m3 = await second.metrics();
    expect(metricValue(m2, 'tenantry_sealedsecret_unseal_skipped_total')).to.be.at.least(
      names.length,
    );
    expect(
      metricValue(m3, 'tenantry_sealedsecret_rsa_decryptions_total'),
      'RSA operations',
    ).to.equal(0);
    expect(writesOf(m3), 'writes (RequestCounter, Leases excluded)').to.deep.equal({});
    // The API server's audit log agrees: no write by the controller's identity since the restart.
    const writes = getPlane()
      .plane.auditEvents(identity.name)
      .filter((e) => new Date(e.stageTimestamp) >= restartedAt)
      .filter(
        (e) => !['get', 'list', 'watch'].includes(e.verb) && e.objectRef?.resource !== 'leases',
      );
    expect(writes.map((e) => `${e.verb} ${e.objectRef?.resource}`)).to.deep.equal([]);
  });

  it('reaches the same final state after a SIGKILL mid-run and a restart', async () => {
    const ctl = uniqueName('ss-ctl');
    const first = await start(ctl);
    const cert = await waitForCert(first);
    running.splice(running.indexOf(first), 1);
    await first.kill();
    const ns = await createNamespace('ss-kill');
    const names = Array.from({ length: 30 }, (_, i) => `s-${i}`);
    await Promise.all(
      names.map(async (name) =>
        createSealedSecret(await sealDirect(cert, { namespace: ns, name }, { v: name, w: 'x' })),
      ),
    );
    const second = await start(ctl);
    // Kill as soon as the first Secret shows up: the run is certainly incomplete.
    await eventually('a first Secret', async () => {
      for (const n of names.slice(0, 5)) if ((await getSecret(ns, n)) !== undefined) return true;
      return undefined;
    });
    running.splice(running.indexOf(second), 1);
    await second.kill();
    const third = await start(ctl);
    for (const name of names) {
      const s = await waitForSecret(ns, name, () => true, 60_000);
      expect(decoded(s)).to.deep.equal({ v: name, w: 'x' });
      await waitForSynced(ns, name, 'True', () => true, 60_000);
    }
    const m = await settled(third, names.length);
    expect(
      metricValue(m, 'controller_runtime_reconcile_errors_total', { controller: 'sealedsecret' }),
    ).to.equal(0);
  });

  it('two replicas: both serve the certificate; killing the leader hands reconciling over', async () => {
    const ctl = uniqueName('ss-ctl');
    const a = await start(ctl);
    const certA = await waitForCert(a);
    const b = await start(ctl);
    expect(await waitForCert(b), 'the follower serves the same certificate').to.equal(certA);
    const coord = getPlane().kubeConfig().makeApiClient(CoordinationV1Api);
    const holder = async (): Promise<string | undefined> =>
      (await coord.readNamespacedLease({ name: 'tenantry-controller', namespace: ctl })).spec
        ?.holderIdentity ?? undefined;
    const first = await eventually('a leader', holder);
    const leadingA = metricValue(await a.metrics(), 'leader_election_master_status') === 1;
    const [leader, follower] = leadingA ? [a, b] : [b, a];

    const ns = await createNamespace('ss-ha');
    await createSealedSecret(
      await sealDirect(certA, { namespace: ns, name: 'before' }, { k: '1' }),
    );
    await waitForSecret(ns, 'before');
    running.splice(running.indexOf(leader), 1);
    await leader.kill();
    await createSealedSecret(await sealDirect(certA, { namespace: ns, name: 'after' }, { k: '2' }));
    expect(decoded(await waitForSecret(ns, 'after', () => true, 30_000))).to.deep.equal({ k: '2' });
    expect(await holder()).to.not.equal(first);
    expect(metricValue(await follower.metrics(), 'leader_election_master_status')).to.equal(1);
    // No second key was minted by the new leader.
    expect(await waitForCert(follower)).to.equal(certA);
    expect((await getSealedSecret(ns, 'after')).status?.conditions?.[0]?.status).to.equal('True');
  });
});

/** Deletes every SealedSecret whose namespace is not in `keep`. */
async function deleteSealedSecretsOutside(keep: string[]): Promise<void> {
  const client = new KubeClient(getPlane().kubeConfig());
  const list = await client.request<{ items: { metadata: { name: string; namespace: string } }[] }>(
    {
      method: 'GET',
      path: '/apis/bitnami.com/v1alpha1/sealedsecrets',
    },
  );
  for (const { metadata } of list.items) {
    if (keep.includes(metadata.namespace)) continue;
    await client
      .request({
        method: 'DELETE',
        path: `/apis/bitnami.com/v1alpha1/namespaces/${metadata.namespace}/sealedsecrets/${metadata.name}`,
      })
      .catch(() => undefined);
  }
}
