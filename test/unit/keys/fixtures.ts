/** Key Secrets for key-ring unit tests: real RSA-2048 keys with Bitnami-shaped certificates. */
import { generateSealingKey, type SealingKeyPair } from '../../../crypto/keys.js';
import type { KeySecret } from '../../../controller/keys/secret.js';

let counter = 0;

/** A fresh key pair with the given NotBefore. */
export function makeKey(notBefore: Date): Promise<SealingKeyPair> {
  return generateSealingKey({ bits: 2048, now: notBefore });
}

/** A key Secret as the informer would cache it. */
export function keySecret(
  pair: { privateKeyPem: string; certificatePem: string },
  opts: { name?: string; label?: string | null; created?: string; rv?: string } = {},
): KeySecret {
  const name = opts.name ?? `sealed-secrets-key${String(++counter).padStart(5, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: 'ctl',
      uid: `uid-${name}`,
      resourceVersion: opts.rv ?? '1',
      creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z',
      ...(opts.label === null
        ? {}
        : { labels: { 'sealedsecrets.bitnami.com/sealed-secrets-key': opts.label ?? 'active' } }),
    },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(pair.certificatePem).toString('base64'),
      'tls.key': Buffer.from(pair.privateKeyPem).toString('base64'),
    },
  };
}
