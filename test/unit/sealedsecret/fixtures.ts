/** SealedSecret builders for the SealedSecret controller's unit tests. */
import type { SealedSecretObject } from '../../../controller/sealedsecret/desired.js';

/** A SealedSecret with optional spec parts. */
export function sealedSecret(
  over: {
    name?: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
    encryptedData?: Record<string, string>;
    template?: Record<string, unknown>;
    data?: string;
  } = {},
): SealedSecretObject {
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: {
      name: over.name ?? 'db',
      namespace: over.namespace ?? 'prod',
      uid: over.uid ?? 'uid-1',
      generation: 1,
      // As every object from the cache: the lock of the status write.
      resourceVersion: '1',
      ...(over.annotations !== undefined ? { annotations: over.annotations } : {}),
    },
    spec: {
      encryptedData: over.encryptedData ?? { a: 'AAAA', b: 'BBBB' },
      ...(over.template !== undefined ? { template: over.template } : {}),
      ...(over.data !== undefined ? { data: over.data } : {}),
    },
  };
}
