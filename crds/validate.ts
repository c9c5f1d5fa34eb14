/**
 * Validation of objects against the TypeBox schemas, with messages that name the field.
 *
 * This checks what JSON Schema can check (types, required fields, enums, patterns, bounds). The
 * CEL rules (`x-kubernetes-validations`) are only evaluated by the apiserver; see
 * test/integration/crds for those.
 *
 * @module
 */
import { FormatRegistry } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ValueError } from '@sinclair/typebox/value';
import { SealedSecretSchema } from './sealedsecret.v1alpha1.schema.js';
import type { SealedSecret } from './sealedsecret.v1alpha1.schema.js';
import { TenantSchema } from './tenant.v1alpha1.schema.js';
import type { Tenant } from './tenant.v1alpha1.schema.js';

/** RFC 3339 date-time, as Kubernetes serialises `metav1.Time`. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Standard base64 with padding, as Go's `encoding/base64.StdEncoding`. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Registers the string formats the schemas use (`date-time`, `byte`) with TypeBox, which
 * rejects values of unregistered formats. Idempotent; called by every validator here.
 */
export function registerFormats(): void {
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
  }
  if (!FormatRegistry.Has('byte')) FormatRegistry.Set('byte', (v) => BASE64.test(v));
}

/** A validation failure: the JSON path of the field (e.g. `/spec/owners/0/kind`) and why. */
export interface SchemaError {
  readonly path: string;
  readonly message: string;
}

function literalValues(schema: TSchema): string[] | undefined {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (anyOf === undefined || anyOf.length === 0) return undefined;
  const values = anyOf.map((m) => m.const);
  return values.every((v): v is string => typeof v === 'string') ? values : undefined;
}

function describe(error: ValueError): string {
  const allowed = literalValues(error.schema);
  if (allowed !== undefined) {
    return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if ((error.schema as Record<string, unknown>)['x-kubernetes-int-or-string'] === true) {
    return 'must be an integer or a quantity string such as 500m or 4Gi';
  }
  return error.message;
}

/**
 * Every way `value` fails `schema`, one entry per field: the deepest errors of a union are
 * reported as "must be one of …" for string enums, and only the first error per path is kept.
 */
export function schemaErrors(schema: TSchema, value: unknown): SchemaError[] {
  registerFormats();
  const seen = new Set<string>();
  const errors: SchemaError[] = [];
  for (const error of Value.Errors(schema, value)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    errors.push({ path: error.path || '/', message: describe(error) });
  }
  return errors;
}

/** Formats errors as `path: message` lines, e.g. `/spec/owners/0/kind: must be one of "User", …`. */
export function formatErrors(errors: readonly SchemaError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('\n');
}

/** The schema errors of a would-be Tenant; empty when it is valid. */
export function tenantErrors(value: unknown): SchemaError[] {
  return schemaErrors(TenantSchema, value);
}

/** Whether `value` is a valid Tenant (apart from CEL rules). */
export function isTenant(value: unknown): value is Tenant {
  registerFormats();
  return Value.Check(TenantSchema, value);
}

/** The schema errors of a would-be SealedSecret; empty when it is valid. */
export function sealedSecretErrors(value: unknown): SchemaError[] {
  return schemaErrors(SealedSecretSchema, value);
}

/** Whether `value` is a valid SealedSecret. */
export function isSealedSecret(value: unknown): value is SealedSecret {
  registerFormats();
  return Value.Check(SealedSecretSchema, value);
}
