/**
 * `--all-namespaces=false` and `--additional-namespaces` (Bitnami's flags, for installs that may
 * not read Secrets cluster-wide): the controller unseals only in its own namespace and the listed
 * ones, runs on Roles in those namespaces alone (no 403 in the audit log), and refuses to start,
 * naming the namespace, when it may not read one of them.
 */
import { expect } from 'chai';
import type { ControllerProcess } from '../../harness/controller.js';
import { startController } from '../../harness/controller.js';
import { getPlane } from '../../harness/shared.js';
import { uniqueName } from '../../helpers/names.js';
import {
  create,
  createNamespace,
  createSealedSecret,
  getSealedSecret,
  getSecret,
  installCRDs,
  sealDirect,
  startSealedSecretController,
  waitForSynced,
} from './helpers.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** What the controller needs in each namespace it unseals in (the chart's rules, as a Role). */
const NAMESPACE_RULES = [
  {
    apiGroups: [''],
    resources: ['secrets'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
  },
  { apiGroups: ['bitnami.com'], resources: ['sealedsecrets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['bitnami.com'], resources: ['sealedsecrets/status'], verbs: ['update'] },
  { apiGroups: ['bitnami.com'], resources: ['sealedsecrets/finalizers'], verbs: ['update'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] },
];

/** Binds `rules` to `user` in `namespace` (a Role), or cluster-wide (a ClusterRole). */
async function grant(user: string, rules: unknown[], namespace?: string): Promise<void> {
  const name = uniqueName(user);
  const where = namespace === undefined ? '' : `/namespaces/${namespace}`;
  const kind = namespace === undefined ? 'ClusterRole' : 'Role';
  const plural = namespace === undefined ? 'clusterroles' : 'roles';
  await create(`${RBAC}${where}/${plural}`, { metadata: { name }, rules });
  await create(`${RBAC}${where}/${plural.replace('roles', 'rolebindings')}`, {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
    subjects: [{ kind: 'User', name: user }],
  });
}

describe('SealedSecret controller: --all-namespaces=false and --additional-namespaces', () => {
  const user = uniqueName('ss-namespaced');
  let ctl: string;
  let team: string;
  let elsewhere: string;
  let controller: ControllerProcess | undefined;

  before(async () => {
    await installCRDs();
    ctl = await createNamespace('ss-ns-ctl');
    team = await createNamespace('ss-ns-team');
    elsewhere = await createNamespace('ss-ns-else');
    // Cluster-wide only what is not secret: namespaces and Tenants (the tenant-wide scope) and
    // Events; Secrets and SealedSecrets only through Roles in the two namespaces.
    await grant(user, [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['tenantry.io'], resources: ['tenants'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
    await grant(user, NAMESPACE_RULES, ctl);
    await grant(user, NAMESPACE_RULES, team);
  });
  after(async () => {
    await controller?.stop();
  });

  it('unseals in the controller namespace and the listed ones only, with Roles alone', async () => {
    const identity = getPlane().makeUser(user, []);
    controller = await startSealedSecretController(
      ctl,
      ['--all-namespaces=false', `--additional-namespaces=${team}`],
      { kubeconfigPath: identity.kubeconfigPath },
    );
    const cert = await controller.get('/v1/cert.pem');
    const outside = await sealDirect(cert.body, { namespace: elsewhere, name: 'db' }, { k: 'x' });
    await createSealedSecret(outside);
    for (const ns of [team, ctl]) {
      await createSealedSecret(
        await sealDirect(cert.body, { namespace: ns, name: 'db' }, { k: ns }),
      );
    }
    for (const ns of [team, ctl]) {
      await waitForSynced(ns, 'db', 'True');
      expect((await getSecret(ns, 'db'))?.data?.['k']).to.equal(Buffer.from(ns).toString('base64'));
    }
    // It never read outside its namespaces (a cluster-wide or other-namespace read would show
    // as a 403 below), so it never saw this one and cannot act on it later.
    const reads = getPlane()
      .plane.auditEvents(user)
      .filter((e) => ['secrets', 'sealedsecrets'].includes(e.objectRef?.resource ?? ''));
    expect(reads.length).to.be.greaterThan(0);
    expect(
      reads
        .filter((e) => ![team, ctl].includes(e.objectRef?.namespace ?? ''))
        .map((e) => e.requestURI),
    ).to.deep.equal([]);
    expect(await getSecret(elsewhere, 'db'), 'no Secret outside the namespaces').to.equal(
      undefined,
    );
    expect((await getSealedSecret(elsewhere, 'db')).status, 'and no status').to.equal(undefined);

    const refused = getPlane()
      .plane.auditEvents(user)
      .filter((e) => e.responseStatus?.code === 403)
      .map((e) => `${e.verb} ${e.requestURI}`);
    expect(refused, 'every request fits the Roles').to.deep.equal([]);
    expect(getPlane().plane.auditEvents(user).length).to.be.greaterThan(10);
  });

  it('refuses to start when it may not read a listed namespace, naming it', async () => {
    const identity = getPlane().makeUser(user, []);
    const forbidden = uniqueName('ss-ns-forbidden');
    const c = await startController(getPlane().plane, {
      namespace: ctl,
      kubeconfigPath: identity.kubeconfigPath,
      args: [
        '--controllers=sealedsecret',
        '--key-size=2048',
        '--leader-elect=false',
        `--additional-namespaces=${team},${forbidden}`,
      ],
    });
    const code = await c.exited;
    expect(code).to.not.equal(0);
    expect(c.logs()).to.include(
      `cannot list /apis/bitnami.com/v1alpha1/namespaces/${forbidden}/sealedsecrets (403 Forbidden)`,
    );
  });
});
