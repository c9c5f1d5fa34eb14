/**
 * Installs tenantry's CRDs on a plane the way an operator would (server-side apply of the
 * generated objects, never the controller at runtime), then waits until they are Established
 * and served (envtest's WaitForCRDs). Idempotent: every suite may call it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../controller/runtime/kube.js';
import { allCRDs, type CustomResourceDefinition } from '../../crds/index.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const installed = new WeakSet<object>();

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function applyAndWait(client: KubeClient, crd: CustomResourceDefinition): Promise<void> {
  // Raw JSON: client-node's typed serializer drops the x-kubernetes-* keys.
  await client.request({
    method: 'PATCH',
    path: `${CRD_PATH}/${crd.metadata.name}`,
    query: { fieldManager: 'tenantry-install', force: true },
    body: crd,
    contentType: 'application/apply-patch+yaml',
  });
  await until(`${crd.metadata.name} to be Established`, async () => {
    const stored = await client.request<{
      status?: { conditions?: { type: string; status: string }[] };
    }>({
      method: 'GET',
      path: `${CRD_PATH}/${crd.metadata.name}`,
    });
    return (
      stored.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ===
      true
    );
  });
  const { group, versions, names } = crd.spec;
  await until(`${names.plural} to be served`, async () => {
    const list = await client.request<{ resources: { name: string }[] }>({
      method: 'GET',
      path: `/apis/${group}/${versions[0]?.name ?? 'v1alpha1'}`,
    });
    return list.resources.some((r) => r.name === names.plural);
  });
}

/** Applies every tenantry CRD to the cluster of `kubeConfig` and waits until each is served. */
export async function installCRDs(kubeConfig: KubeConfig, key: object = kubeConfig): Promise<void> {
  if (installed.has(key)) return;
  const client = new KubeClient(kubeConfig);
  for (const crd of allCRDs) await applyAndWait(client, crd);
  installed.add(key);
}
