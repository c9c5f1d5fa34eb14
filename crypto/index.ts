/**
 * tenantry's sealing scheme, wire-compatible with Bitnami Sealed Secrets. Pure: no Kubernetes
 * imports, randomness and clock injectable. The wire format is documented in `README.md`.
 *
 * Import single modules (`crypto/value.js`, …) from startup-sensitive code: this index pulls in
 * every module (node-forge stays lazily loaded either way).
 * @packageDocumentation
 */
export { decodeBase64Std, encodeBase64Std } from './base64.js';
export {
  assertCertificateCurrent,
  formatGoLongDate,
  loadSealingCertificate,
  MIN_RSA_BITS,
  parseSealingCertificate,
  type SealingCertificate,
} from './certificate.js';
export { CryptoError, isCryptoError, type CryptoErrorCode } from './errors.js';
export { publicKeyFingerprint } from './fingerprint.js';
export {
  hybridDecrypt,
  hybridEncrypt,
  hybridEncryptNative,
  type HybridEncryptOptions,
} from './hybrid.js';
export {
  DEFAULT_KEY_TTL_MS,
  generateSealingKey,
  type GenerateSealingKeyOptions,
  type SealingKeyPair,
} from './keys.js';
export { pemBlocks, type PemBlock } from './pem.js';
export { loadPrivateKey, loadPrivateKeys } from './private-key.js';
export { randomSourceFromBytes, systemRandom, type RandomSource } from './random.js';
export {
  CLUSTER_WIDE_ANNOTATION,
  encryptionLabel,
  NAMESPACE_WIDE_ANNOTATION,
  parseScope,
  SCOPES,
  scopeFromAnnotations,
  TENANT_LABEL_PREFIX,
  TENANT_NAME_ANNOTATION,
  TENANT_WIDE_ANNOTATION,
  withScopeAnnotations,
  type LabelTarget,
  type SealingScope,
} from './scope.js';
export {
  sealValue,
  unsealValue,
  type SealValueInput,
  type UnsealedValue,
  type UnsealValueInput,
} from './value.js';
