/**
 * Small TypeBox building blocks shared by tenantry's API schemas: string enums, Kubernetes
 * quantities, opaque (preserve-unknown-fields) objects, ObjectMeta and metav1.Condition.
 *
 * Everything here is plain JSON Schema that `crds/structural.ts` knows how to turn into a
 * Kubernetes structural schema; every helper keeps `Static<>` typing exact.
 *
 * @module
 */
import { Type } from '@sinclair/typebox';
import type {
  SchemaOptions,
  StringOptions,
  TLiteral,
  TRecord,
  TString,
  TUnion,
  TUnknown,
  TInteger,
  TObject,
  TArray,
} from '@sinclair/typebox';

/** A CEL validation rule, as carried by `x-kubernetes-validations`. */
export interface ValidationRule {
  /** The CEL expression; `self` is the value of the node the rule sits on. */
  readonly rule: string;
  /** Message returned when the rule evaluates to false. */
  readonly message?: string;
  /** CEL expression producing the message; takes precedence over `message`. */
  readonly messageExpression?: string;
  /** JSONPath (relative to the node) of the field the error is reported on. */
  readonly fieldPath?: string;
  /** Machine-readable reason: FieldValueInvalid (default), FieldValueForbidden, etc. */
  readonly reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** Evaluate the rule on updates only if the old value passed it. */
  readonly optionalOldSelf?: boolean;
}

/** Lowercase RFC 1123 label: the format of namespace names and tenantry object names. */
export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Maximum length of an RFC 1123 label. */
export const DNS1123_LABEL_MAX_LENGTH = 63;

/** Maximum length of an RFC 1123 subdomain, also used as a general bound on names. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

/**
 * The pattern Kubernetes publishes for `resource.Quantity` strings (`100m`, `1Gi`, `2e3`, …).
 * Applied to the string branch of an int-or-string quantity.
 */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/**
 * Default upper bound on list lengths. Bounding lists (and strings) keeps the apiserver's
 * static CEL cost estimate within its limits; 64 is far above any sensible Tenant.
 */
export const MAX_LIST_ITEMS = 64;

/** A union of string literals; becomes `type: string` + `enum` in the CRD. */
export function StringEnum<const T extends string>(
  values: readonly T[],
  options: SchemaOptions = {},
): TUnion<TLiteral<T>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
}

/** A bounded, non-empty string (`minLength: 1`, `maxLength: 253` unless overridden). */
export function Name(options: StringOptions = {}): TString {
  return Type.String({ minLength: 1, maxLength: DNS1123_SUBDOMAIN_MAX_LENGTH, ...options });
}

/** A lowercase RFC 1123 label of at most 63 characters. */
export function DnsLabel(options: StringOptions = {}): TString {
  return Type.String({
    minLength: 1,
    maxLength: DNS1123_LABEL_MAX_LENGTH,
    pattern: DNS1123_LABEL_PATTERN,
    ...options,
  });
}

/**
 * A Kubernetes quantity: an integer or a quantity string. Becomes
 * `x-kubernetes-int-or-string: true` with the quantity pattern in the CRD.
 */
export function Quantity(options: SchemaOptions = {}): TUnion<[TInteger, TString]> {
  return Type.Union([Type.Integer(), Type.String({ pattern: QUANTITY_PATTERN })], {
    'x-kubernetes-int-or-string': true,
    ...options,
  });
}

/** A string-to-string map (labels, annotations); becomes `additionalProperties: {type: string}`. */
export function StringMap(options: SchemaOptions = {}): TRecord<TString, TString> {
  return Type.Record(Type.String(), Type.String(), options);
}

/**
 * An object whose fields are not described here and are kept as sent
 * (`x-kubernetes-preserve-unknown-fields: true`): an embedded Kubernetes spec such as a
 * NetworkPolicySpec, validated by the apiserver when the child object is written.
 */
export function OpaqueObject(options: SchemaOptions = {}): TRecord<TString, TUnknown> {
  return Type.Record(Type.String(), Type.Unknown(), {
    ...options,
    'x-kubernetes-preserve-unknown-fields': true,
  });
}

/** A bounded list of unique strings (`x-kubernetes-list-type: set`). */
export function StringSet(item: TString = Name(), options: SchemaOptions = {}): TArray<TString> {
  return Type.Array(item, {
    maxItems: MAX_LIST_ITEMS,
    'x-kubernetes-list-type': 'set',
    ...options,
  });
}

/**
 * A list of objects keyed by their `name` field (`x-kubernetes-list-type: map`): the apiserver
 * rejects duplicate names and server-side apply merges items by name.
 */
export function NamedList<T extends TObject>(item: T, options: SchemaOptions = {}): TArray<T> {
  return Type.Array(item, {
    maxItems: MAX_LIST_ITEMS,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
    ...options,
  });
}

/** Attaches CEL rules to a schema's options. */
export function cel(...rules: ValidationRule[]): { 'x-kubernetes-validations': ValidationRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/** An RFC 3339 timestamp string (`format: date-time`). */
export function Timestamp(options: StringOptions = {}): TString {
  return Type.String({ format: 'date-time', ...options });
}

/** An ownerReference, as found in `metadata.ownerReferences`. */
export const OwnerReferenceSchema = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  uid: Type.String(),
  controller: Type.Optional(Type.Boolean()),
  blockOwnerDeletion: Type.Optional(Type.Boolean()),
});

/**
 * ObjectMeta of a custom resource, in its JSON (wire) form, with the fields tenantry reads and
 * writes. A CRD may only restrict `metadata.name` and `metadata.generateName`: the generator
 * keeps just those two from the root `metadata`, so a kind that needs a name rule spreads these
 * properties and overrides `name` (see the Tenant schema).
 */
export const ObjectMetaSchema = Type.Object({
  name: Type.Optional(Type.String()),
  generateName: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  // null in manifests written by kubectl and kubeseal (`creationTimestamp: null`).
  creationTimestamp: Type.Optional(Type.Union([Timestamp(), Type.Null()])),
  deletionTimestamp: Type.Optional(Timestamp()),
  deletionGracePeriodSeconds: Type.Optional(Type.Integer()),
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(Type.Array(OwnerReferenceSchema)),
});

/** Standard `metav1.Condition` status values. */
export const ConditionStatusSchema = StringEnum(['True', 'False', 'Unknown'], {
  description: 'Status of the condition, one of True, False, Unknown.',
});

/**
 * A `metav1.Condition`, with the upstream validation (reason pattern, bounded lengths), so that
 * generic tooling (kstatus, Argo CD, Flux) reads it as it reads any Kubernetes condition.
 */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      description:
        'Type of the condition in CamelCase, e.g. Ready. Unique within the list of conditions.',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: ConditionStatusSchema,
    observedGeneration: Type.Optional(
      Type.Integer({
        format: 'int64',
        minimum: 0,
        description:
          'The .metadata.generation the condition was set from. If it is older than the ' +
          "object's current generation, the condition is out of date.",
      }),
    ),
    lastTransitionTime: Timestamp({
      description:
        'Last time the condition changed from one status to another. It does not move when only ' +
        'the reason or message change.',
    }),
    reason: Type.String({
      description:
        'A programmatic identifier in CamelCase giving the reason for the last transition.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({
      description: 'A human-readable message with details about the transition. May be empty.',
      maxLength: 32768,
    }),
  },
  {
    description:
      'Condition contains details for one aspect of the current state of the resource ' +
      '(metav1.Condition).',
  },
);
