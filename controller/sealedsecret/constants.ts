/**
 * Names only the SealedSecret controller uses. They belong with the rest of the API's strings in
 * `crds/constants.ts`; they live here until that file takes them (it is owned by the API).
 */

/** Label on every Secret this controller produced; the Secret informer selects on it. */
export const LABEL_UNSEALED = 'tenantry.io/unsealed';
/** Value of {@link LABEL_UNSEALED}. */
export const LABEL_UNSEALED_VALUE = 'true';

/** sha256 of everything the Secret is computed from (encryptedData, template, scope, UID). */
export const ANNOTATION_INPUT_HASH = 'tenantry.io/sealed-input-hash';
/** Fingerprint of the key that opened the items: tried first next time. */
export const ANNOTATION_KEY_FINGERPRINT = 'tenantry.io/sealed-key-fingerprint';
/** HMAC of the input hash and the produced data, keyed by a secret derived from that key. */
export const ANNOTATION_CONTENT_MAC = 'tenantry.io/sealed-content-mac';

/** Event `source.component`, as Bitnami's. */
export const EVENT_COMPONENT = 'sealed-secrets';
/** Event `reportingController`. */
export const REPORTING_CONTROLLER = 'tenantry.io/sealedsecret-controller';
