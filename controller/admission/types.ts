/**
 * The AdmissionReview v1 exchange (`admission.k8s.io/v1`) as plain wire JSON, and the verdicts
 * tenantry's handlers return. Handlers never build an AdmissionResponse themselves: they return a
 * {@link Verdict} and the server (server.ts) wraps it with the request's uid.
 */
import type { KubeObject } from '../runtime/index.js';

/** Who sent the request, as the apiserver authenticated them. */
export interface UserInfo {
  readonly username?: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** An admission operation. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** `request` of an AdmissionReview v1. `object` is null on DELETE, `oldObject` null on CREATE. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly resource: {
    readonly group: string;
    readonly version: string;
    readonly resource: string;
  };
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: Operation;
  readonly userInfo: UserInfo;
  readonly object?: KubeObject | null;
  readonly oldObject?: KubeObject | null;
  readonly dryRun?: boolean;
  readonly options?: unknown;
}

/** One JSON Patch (RFC 6902) operation, as mutating webhooks answer. */
export interface JsonPatchOp {
  readonly op: 'add' | 'remove' | 'replace' | 'test';
  readonly path: string;
  readonly value?: unknown;
}

/** `response` of an AdmissionReview v1. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string };
  patchType?: 'JSONPatch';
  /** base64 of a JSON Patch array. */
  patch?: string;
  warnings?: string[];
}

/** The envelope in both directions. */
export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/** What a handler decided. */
export type Verdict =
  | {
      readonly allowed: true;
      /** JSON Patch to apply (mutating hooks only). */
      readonly patch?: readonly JsonPatchOp[];
      readonly warnings?: readonly string[];
    }
  | {
      readonly allowed: false;
      /** Shown to the user after `admission webhook "…" denied the request: `. */
      readonly message: string;
      /** HTTP code in the Status: 403 (forbidden, default), 400 (malformed), 500 (our fault). */
      readonly code?: number;
    };

/** Allows the request unchanged (optionally with warnings shown by kubectl). */
export function allow(warnings?: readonly string[]): Verdict {
  return warnings !== undefined && warnings.length > 0
    ? { allowed: true, warnings }
    : { allowed: true };
}

/** Allows the request with a JSON Patch (mutating hooks). */
export function patched(patch: readonly JsonPatchOp[], warnings?: readonly string[]): Verdict {
  if (patch.length === 0) return allow(warnings);
  return warnings !== undefined && warnings.length > 0
    ? { allowed: true, patch, warnings }
    : { allowed: true, patch };
}

/** Denies the request with `message` (HTTP 403 unless `code` says otherwise). */
export function deny(message: string, code = 403): Verdict {
  return { allowed: false, message, code };
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  403: 'Forbidden',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** Wraps a verdict into the AdmissionReview response the apiserver expects. */
export function toReview(apiVersion: string, uid: string, verdict: Verdict): AdmissionReview {
  const response: AdmissionResponse = { uid, allowed: verdict.allowed };
  if (verdict.allowed) {
    if (verdict.patch !== undefined && verdict.patch.length > 0) {
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(verdict.patch)).toString('base64');
    }
    if (verdict.warnings !== undefined) response.warnings = [...verdict.warnings];
  } else {
    response.status = {
      code: verdict.code ?? 403,
      message: verdict.message,
      reason: REASONS[verdict.code ?? 403] ?? 'Forbidden',
    };
  }
  return { apiVersion, kind: 'AdmissionReview', response };
}

/** Escapes a key for a JSON Pointer (`/` → `~1`, `~` → `~0`). */
export function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
