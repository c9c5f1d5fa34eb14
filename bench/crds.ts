// Installing tenantry's CRDs on a bench's fresh plane and waiting until the SealedSecret API is
// served (shared by the SealedSecret benches).
import { sealedSecretCRD, tenantCRD } from '../crds/index.js';
import type { KubeClient } from '../controller/runtime/index.js';

/** Applies the SealedSecret and Tenant CRDs, then waits until `bitnami.com/v1alpha1` serves. */
export async function applyCRDs(c: KubeClient): Promise<void> {
  for (const crd of [sealedSecretCRD, tenantCRD]) {
    await c.request({
      method: 'PATCH',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      query: { fieldManager: 'bench', force: true },
      body: crd,
      contentType: 'application/apply-patch+yaml',
    });
  }
  for (;;) {
    const ok = await c
      .request<{ resources: { name: string }[] }>({
        method: 'GET',
        path: '/apis/bitnami.com/v1alpha1',
      })
      .then((r) => r.resources.some((x) => x.name === 'sealedsecrets'))
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}
