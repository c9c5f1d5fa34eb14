/**
 * Proves the local control plane is real: RBAC with client certificates, garbage
 * collection, namespace deletion and ResourceQuota admission all come from the real
 * kube-apiserver and kube-controller-manager.
 */
import { CoreV1Api, RbacAuthorizationV1Api, type ApiException } from '@kubernetes/client-node';
import { createServer } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { getPlane } from '../../harness/shared.js';
import { eventually, statusOf, uniqueName } from '../../helpers/names.js';

async function expectStatus(
  promise: Promise<unknown>,
  code: number,
): Promise<ApiException<unknown>> {
  try {
    await promise;
  } catch (err) {
    expect(statusOf(err), String(err)).to.equal(code);
    return err as ApiException<unknown>;
  }
  throw new Error(`expected HTTP ${code}, but the request succeeded`);
}

/** GET `path` on the API server as the admin. */
async function adminHttpsGet(path: string): Promise<{ status: number; body: string }> {
  const opts: https.RequestOptions = {};
  await getPlane().kubeConfig().applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    https
      .get(`${getPlane().server}${path}`, opts, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** The `message` of the Status body the API server returned. */
function messageOf(err: ApiException<unknown>): string {
  return (JSON.parse(String(err.body)) as { message: string }).message;
}

describe('the local control plane', () => {
  const admin = (): CoreV1Api => getPlane().kubeConfig().makeApiClient(CoreV1Api);

  it('denies a user without a RoleBinding and allows one with it (client certificates)', async () => {
    const ns = uniqueName('rbac');
    await admin().createNamespace({ body: { metadata: { name: ns } } });
    const user = getPlane().makeUser(uniqueName('carol'), ['team-x']);
    const asUser = user.kubeConfig().makeApiClient(CoreV1Api);

    const denied = await expectStatus(asUser.listNamespacedConfigMap({ namespace: ns }), 403);
    expect(messageOf(denied)).to.contain(`User "${user.name}" cannot list resource "configmaps"`);

    // Bind the group (from the certificate's O attribute) to the aggregated `view` role.
    await getPlane()
      .kubeConfig()
      .makeApiClient(RbacAuthorizationV1Api)
      .createNamespacedRoleBinding({
        namespace: ns,
        body: {
          metadata: { name: 'team-x-view' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-x' }],
        },
      });
    const list = await eventually('RBAC to allow the bound group', async () => {
      try {
        return await asUser.listNamespacedConfigMap({ namespace: ns });
      } catch {
        return undefined;
      }
    });
    expect(list.items).to.be.an('array');
    // The binding grants read, not write.
    await expectStatus(
      asUser.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } }),
      403,
    );
  });

  it('garbage-collects a dependent when its owner is deleted', async () => {
    const ns = uniqueName('gc');
    const core = admin();
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const owner = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'owner' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! },
          ],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
    await eventually('the dependent to be collected', async () => {
      try {
        await core.readNamespacedConfigMap({ name: 'dependent', namespace: ns });
        return undefined;
      } catch (err) {
        return statusOf(err) === 404 ? true : undefined;
      }
    });
  });

  it('completes a namespace deletion (namespace controller and finalizers)', async () => {
    const ns = uniqueName('del');
    const core = admin();
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'content' } },
    });
    await core.deleteNamespace({ name: ns });
    const seen = await core.readNamespace({ name: ns }).catch(() => undefined);
    if (seen) expect(seen.status?.phase).to.equal('Terminating');
    await eventually(
      'the namespace to disappear',
      async () => {
        try {
          await core.readNamespace({ name: ns });
          return undefined;
        } catch (err) {
          return statusOf(err) === 404 ? true : undefined;
        }
      },
      60_000,
    );
  });

  it('rejects an object over a ResourceQuota (quota controller and admission)', async () => {
    const ns = uniqueName('quota');
    const core = admin();
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedResourceQuota({
      namespace: ns,
      body: { metadata: { name: 'cm' }, spec: { hard: { 'count/configmaps': '2' } } },
    });
    // Admission ignores a quota until the controller has computed its status.
    await eventually('the quota status', async () => {
      const q = await core.readNamespacedResourceQuota({ name: 'cm', namespace: ns });
      return q.status?.hard?.['count/configmaps'] ? q : undefined;
    });
    // kube-root-ca.crt already counts as one ConfigMap.
    await eventually('kube-root-ca.crt to be published', async () =>
      core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: ns }),
    );
    await eventually('room for one ConfigMap', async () => {
      try {
        return await core.createNamespacedConfigMap({
          namespace: ns,
          body: { metadata: { name: 'one' } },
        });
      } catch (err) {
        if (statusOf(err) === 409) return true;
        throw err;
      }
    });
    const err = await expectStatus(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'two' } } }),
      403,
    );
    expect(messageOf(err)).to.match(/exceeded quota: cm/);
  });

  it('publishes a local server through the API server service proxy (the path kubeseal uses)', async () => {
    const ns = uniqueName('proxy');
    await admin().createNamespace({ body: { metadata: { name: ns } } });
    const server = createServer((req, res) => res.end(`local saw ${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      await getPlane().plane.exposeLocalService({ namespace: ns, name: 'local', port });
      const path = `/api/v1/namespaces/${ns}/services/http:local:http/proxy/v1/cert.pem`;
      let last = '';
      const body = await eventually(`the service proxy to answer (last: ${last})`, async () => {
        const r = await adminHttpsGet(path);
        last = `${r.status} ${r.body.slice(0, 200)}`;
        return r.status === 200 ? r.body : undefined;
      });
      expect(body).to.equal('local saw /v1/cert.pem');
    } finally {
      server.close();
    }
  });
});
