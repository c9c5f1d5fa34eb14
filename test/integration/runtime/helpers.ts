/**
 * Shared setup for the runtime's integration tests: an admin KubeClient with a request counter
 * and throw-away namespaces on the shared control plane.
 */
import { getPlane } from '../../harness/shared.js';
import { uniqueName } from '../../helpers/names.js';
import { deleteIfExists } from '../../../controller/runtime/apply.js';
import { KubeClient, RequestCounter, loadKubeConfig } from '../../../controller/runtime/kube.js';

export interface CountedClient {
  readonly client: KubeClient;
  readonly counter: RequestCounter;
}

/** An admin client whose requests are counted; loaded from the plane's kubeconfig file. */
export function adminClient(): CountedClient {
  const counter = new RequestCounter();
  const kc = loadKubeConfig({ kubeconfig: getPlane().kubeconfigPath });
  return { client: new KubeClient(kc, { counter }), counter };
}

/** Creates a namespace `<prefix>-<random>` and returns its name. */
export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await client.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  });
  return name;
}

/** Deletes a namespace (the plane's namespace controller finishes it in the background). */
export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await deleteIfExists(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Creates a ConfigMap with the given data. */
export async function createConfigMap(
  client: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string> = {},
): Promise<void> {
  await client.request({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
  });
}

/** Sleeps on the real clock. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
