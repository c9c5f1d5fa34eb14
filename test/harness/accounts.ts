/**
 * ServiceAccounts with a bound token (TokenRequest), for processes that must authenticate as a
 * workload does in a cluster: Bitnami's controller (in-cluster only) and the benchmarks.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../controller/runtime/kube.js';
import type { ControlPlane } from './controlplane.js';

/** A ServiceAccount's credentials. */
export interface ServiceAccountToken {
  readonly token: string;
  /** `system:serviceaccount:<namespace>:<name>`, as the audit log names it. */
  readonly username: string;
  /** A kubeconfig for the plane that authenticates with the token. */
  readonly kubeConfig: KubeConfig;
}

/**
 * Creates the ServiceAccount `name` in `namespace` (which must exist), binds it to the
 * ClusterRole `clusterRole` cluster-wide and mints a token valid for an hour.
 */
export async function serviceAccountToken(
  plane: ControlPlane,
  opts: { namespace: string; name: string; clusterRole: string },
): Promise<ServiceAccountToken> {
  const admin = new KubeClient(plane.kubeConfig());
  const { namespace, name } = opts;
  await admin.request({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
    body: { metadata: { name } },
  });
  await admin.request({
    method: 'POST',
    path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    body: {
      metadata: { name: `${namespace}-${name}` },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: opts.clusterRole,
      },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const minted = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    },
  });
  const token = minted.status.token;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: 'plane', server: plane.server, caData: Buffer.from(plane.caPem).toString('base64') },
    ],
    users: [{ name, token }],
    contexts: [{ name, cluster: 'plane', user: name }],
    currentContext: name,
  });
  return { token, username: `system:serviceaccount:${namespace}:${name}`, kubeConfig };
}
