/**
 * Conversion of TypeBox (JSON Schema) schemas into Kubernetes structural OpenAPI v3 schemas,
 * and a checker for the structural rules the apiserver enforces on CRDs.
 *
 * Only the subset of JSON Schema that Kubernetes can express is accepted; anything else throws
 * with the path of the offending node, so an unsupported construct fails generation instead of
 * being silently dropped from the CRD.
 *
 * @module
 */
import type { ValidationRule } from './schema-helpers.js';

/** The JSON types a structural schema node may declare. */
export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** A node of a Kubernetes structural schema (apiextensions.k8s.io/v1 JSONSchemaProps, wire form). */
export interface JSONSchemaProps {
  type?: SchemaType;
  description?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  anyOf?: JSONSchemaProps[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

type Json = Record<string, unknown>;

/** Keywords copied as they are from a TypeBox node (after the node's own shape is handled). */
const COPIED_KEYWORDS = [
  'description',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'enum',
  'default',
  'nullable',
] as const;

/** Keywords the converter understands: anything else is an error. */
const KNOWN_KEYWORDS = new Set<string>([
  ...COPIED_KEYWORDS,
  'type',
  'const',
  'required',
  'properties',
  'patternProperties',
  'additionalProperties',
  'items',
  'anyOf',
  '$id',
]);

/** The pattern TypeBox gives `Type.Record(Type.String(), …)`. */
const RECORD_KEY_PATTERNS = new Set(['^(.*)$', '^.*$']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptySchema(node: Json): boolean {
  return Object.keys(node).length === 0;
}

function fail(path: string, message: string): never {
  throw new Error(`${path || '<root>'}: ${message}`);
}

function copyKeywords(from: Json, to: JSONSchemaProps, path: string): void {
  const target = to as Json;
  for (const key of Object.keys(from)) {
    if (key.startsWith('x-kubernetes-')) {
      target[key] = structuredClone(from[key]);
    } else if (!KNOWN_KEYWORDS.has(key)) {
      fail(path, `keyword "${key}" cannot be expressed in a structural schema`);
    }
  }
  for (const key of COPIED_KEYWORDS) {
    if (from[key] !== undefined) target[key] = structuredClone(from[key]);
  }
}

function convertUnion(node: Json, path: string): JSONSchemaProps {
  const members = (node.anyOf as unknown[]).map((m, i) =>
    isObject(m) ? m : fail(`${path}.anyOf[${i}]`, 'not a schema'),
  );
  const nonNull = members.filter((m) => m.type !== 'null');
  const nullable = nonNull.length < members.length;
  const fieldKeywords: Json = {};
  for (const key of Object.keys(node)) {
    if (key !== 'anyOf') fieldKeywords[key] = node[key];
  }
  if (nullable && nonNull.length === 1) {
    const merged = { ...nonNull[0], ...fieldKeywords, nullable: true };
    return convertSchema(merged, path);
  }
  if (nonNull.length > 0 && nonNull.every((m) => typeof m.const === 'string')) {
    const result: JSONSchemaProps = { type: 'string' };
    copyKeywords(fieldKeywords, result, path);
    result.enum = nonNull.map((m) => m.const);
    if (nullable) result.nullable = true;
    return canonicalOrder(result);
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    return convertIntOrString(nonNull, fieldKeywords, path);
  }
  return fail(path, 'only unions of string literals, T | null and int-or-string are supported');
}

function convertIntOrString(members: Json[], fieldKeywords: Json, path: string): JSONSchemaProps {
  const types = members.map((m) => m.type).sort();
  if (types.length !== 2 || types[0] !== 'integer' || types[1] !== 'string') {
    fail(path, 'x-kubernetes-int-or-string needs exactly an integer and a string branch');
  }
  const result: JSONSchemaProps = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  const stringBranch = members.find((m) => m.type === 'string') ?? {};
  if (typeof stringBranch.pattern === 'string') result.pattern = stringBranch.pattern;
  copyKeywords(fieldKeywords, result, path);
  return canonicalOrder(result);
}

function convertObject(node: Json, result: JSONSchemaProps, path: string): void {
  if (isObject(node.properties)) {
    result.properties = {};
    for (const [name, child] of Object.entries(node.properties)) {
      result.properties[name] = convertSchema(child, `${path}.${name}`);
    }
    if (Array.isArray(node.required) && node.required.length > 0) {
      result.required = [...(node.required as string[])];
    }
  }
  if (isObject(node.patternProperties)) {
    const entries = Object.entries(node.patternProperties);
    const [first] = entries;
    if (entries.length !== 1 || first === undefined || !RECORD_KEY_PATTERNS.has(first[0])) {
      fail(path, 'patternProperties is only supported as Type.Record(Type.String(), …)');
    }
    if (result.properties !== undefined) fail(path, 'both properties and a Record value');
    const value = first[1];
    const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
    if (!(preserve && isObject(value) && isEmptySchema(value))) {
      result.additionalProperties = convertSchema(value, `${path}[*]`);
    }
  }
  if (isObject(node.additionalProperties)) {
    if (result.properties !== undefined) fail(path, 'both properties and additionalProperties');
    result.additionalProperties = convertSchema(node.additionalProperties, `${path}[*]`);
  }
  // A boolean additionalProperties has no structural equivalent: unknown fields are pruned by
  // default, and kept only with x-kubernetes-preserve-unknown-fields.
}

/**
 * Converts one TypeBox schema node (and its children) into a structural schema node.
 *
 * - `Type.Record(Type.String(), V)` → `additionalProperties: V` (no `patternProperties`);
 *   with `x-kubernetes-preserve-unknown-fields` and `Type.Unknown()` values, no
 *   `additionalProperties` at all.
 * - a union of string literals → `type: string` + `enum`; `T | null` → `T` + `nullable`;
 *   integer | string with `x-kubernetes-int-or-string` → the int-or-string form, the string
 *   branch's `pattern` hoisted.
 * - `Type.Literal('x')` → `type: string`, `enum: [x]`.
 * - `x-kubernetes-*` extensions (CEL rules included), descriptions and defaults pass through;
 *   `$id` and TypeBox's symbol keys are dropped.
 *
 * @throws Error naming the path of a construct Kubernetes cannot express.
 */
export function convertSchema(input: unknown, path = ''): JSONSchemaProps {
  if (!isObject(input)) return fail(path, 'not a schema');
  if (Array.isArray(input.anyOf)) return convertUnion(input, path);
  if (isEmptySchema(input)) {
    return fail(path, 'an unconstrained value needs x-kubernetes-preserve-unknown-fields');
  }
  const result: JSONSchemaProps = {};
  if (input.const !== undefined) {
    if (typeof input.const !== 'string') fail(path, 'only string literals are supported');
    result.type = 'string';
    result.enum = [input.const];
  } else if (input.type !== undefined) {
    if (typeof input.type !== 'string' || input.type === 'null') {
      fail(path, `unsupported type ${JSON.stringify(input.type)}`);
    }
    result.type = input.type as SchemaType;
  }
  copyKeywords(input, result, path);
  if (result.type === 'object') convertObject(input, result, path);
  if (result.type === 'array') {
    if (!isObject(input.items)) fail(path, 'an array needs a single items schema');
    result.items = convertSchema(input.items, `${path}[]`);
  }
  return canonicalOrder(result);
}

/**
 * The order keys are written in: what a reader looks for first (description, type,
 * constraints), then the children, then the CEL rules. Output must not depend on the order
 * options were spelled in the TypeBox source.
 */
const KEY_ORDER: readonly string[] = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'nullable',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'anyOf',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'x-kubernetes-validations',
];

/** Returns `node` with its keys in {@link KEY_ORDER} (unknown keys last, alphabetically). */
export function canonicalOrder(node: JSONSchemaProps): JSONSchemaProps {
  const rank = (k: string): number => {
    const i = KEY_ORDER.indexOf(k);
    return i === -1 ? KEY_ORDER.length : i;
  };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const ordered: Json = {};
  for (const key of keys) ordered[key] = node[key as keyof JSONSchemaProps];
  return ordered;
}

// ---------------------------------------------------------------------------------------------
// Structural checker
// ---------------------------------------------------------------------------------------------

const ALLOWED_KEYS = new Set<string>([
  ...COPIED_KEYWORDS,
  'type',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'anyOf',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

const SCALAR_TYPES = new Set<string>(['string', 'integer', 'number', 'boolean']);

function isIntOrStringAnyOf(anyOf: JSONSchemaProps[]): boolean {
  const types = anyOf.map((m) => JSON.stringify(m)).sort();
  return (
    types.length === 2 &&
    types[0] === JSON.stringify({ type: 'integer' }) &&
    types[1] === JSON.stringify({ type: 'string' })
  );
}

/** One structural rule: a message when `node` breaks it, `undefined` otherwise. */
type Rule = (node: JSONSchemaProps) => string | undefined;

const isIntOrString = (node: JSONSchemaProps): boolean =>
  node['x-kubernetes-int-or-string'] === true;

const TYPE_RULES: readonly Rule[] = [
  (node) =>
    node.type === undefined &&
    !isIntOrString(node) &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
      ? 'type is required (unless int-or-string or preserve-unknown-fields)'
      : undefined,
  (node) =>
    isIntOrString(node) && node.type !== undefined
      ? 'an int-or-string node must not declare a type'
      : undefined,
  (node) =>
    node.anyOf !== undefined && !(isIntOrString(node) && isIntOrStringAnyOf(node.anyOf))
      ? 'anyOf is only allowed as the int-or-string [integer, string] pair'
      : undefined,
  (node) =>
    node.type === 'array' && node.items === undefined ? 'an array needs items' : undefined,
  (node) =>
    node.properties !== undefined && node.additionalProperties !== undefined
      ? 'properties and additionalProperties are mutually exclusive'
      : undefined,
  (node) =>
    node.enum?.some((v) => !matchesType(v, node.type)) === true
      ? `enum values must be of type ${node.type}`
      : undefined,
  (node) =>
    node.default !== undefined && !matchesType(node.default, node.type)
      ? `default must be of type ${node.type}`
      : undefined,
];

function matchesType(value: unknown, type: SchemaType | undefined): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true;
  }
}

function mapKeyError(items: JSONSchemaProps | undefined, key: string): string | undefined {
  const prop = items?.properties?.[key];
  if (prop === undefined || !SCALAR_TYPES.has(prop.type ?? '')) {
    return `map key "${key}" must be a scalar property of the items`;
  }
  const required = items?.required?.includes(key) === true;
  return required || prop.default !== undefined
    ? undefined
    : `map key "${key}" must be required or defaulted`;
}

const LIST_RULES: readonly Rule[] = [
  (node) =>
    node['x-kubernetes-list-type'] !== undefined && node.type !== 'array'
      ? 'x-kubernetes-list-type on a non-array'
      : undefined,
  (node) =>
    node['x-kubernetes-list-type'] === 'set' && !SCALAR_TYPES.has(node.items?.type ?? '')
      ? 'a list-type set needs scalar items'
      : undefined,
  (node) =>
    node['x-kubernetes-list-type'] === 'map' &&
    (node['x-kubernetes-list-map-keys'] ?? []).length === 0
      ? 'list-type map needs x-kubernetes-list-map-keys'
      : undefined,
  (node) =>
    node['x-kubernetes-list-type'] !== 'map' && node['x-kubernetes-list-map-keys'] !== undefined
      ? 'x-kubernetes-list-map-keys needs list-type map'
      : undefined,
];

function ruleErrors(node: JSONSchemaProps, path: string): string[] {
  const messages = [...TYPE_RULES, ...LIST_RULES].map((rule) => rule(node));
  if (node['x-kubernetes-list-type'] === 'map') {
    messages.push(
      ...(node['x-kubernetes-list-map-keys'] ?? []).map((k) => mapKeyError(node.items, k)),
    );
  }
  return messages
    .filter((m): m is string => m !== undefined)
    .map((m) => `${path || '<root>'}: ${m}`);
}

function validationErrors(node: JSONSchemaProps, path: string): string[] {
  const errors: string[] = [];
  for (const [i, rule] of (node['x-kubernetes-validations'] ?? []).entries()) {
    if (typeof rule.rule !== 'string' || rule.rule.trim() === '') {
      errors.push(`${path}: x-kubernetes-validations[${i}] has no rule`);
    }
    if (rule.fieldPath !== undefined && !fieldPathExists(node, rule.fieldPath)) {
      errors.push(`${path}: x-kubernetes-validations[${i}].fieldPath ${rule.fieldPath} not found`);
    }
  }
  return errors;
}

function fieldPathExists(node: JSONSchemaProps, fieldPath: string): boolean {
  let current: JSONSchemaProps | undefined = node;
  for (const segment of fieldPath.split('.').slice(1)) {
    current = current?.properties?.[segment];
  }
  return current !== undefined;
}

function childErrors(node: JSONSchemaProps, path: string): string[] {
  const errors: string[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    errors.push(...structuralErrorsAt(child, `${path}.${name}`));
  }
  for (const name of node.required ?? []) {
    if (node.properties?.[name] === undefined) errors.push(`${path}: required "${name}" undefined`);
  }
  if (node.additionalProperties !== undefined) {
    errors.push(...structuralErrorsAt(node.additionalProperties, `${path}[*]`));
  }
  if (node.items !== undefined) errors.push(...structuralErrorsAt(node.items, `${path}[]`));
  return errors;
}

function structuralErrorsAt(node: JSONSchemaProps, path: string): string[] {
  const unknownKeys = Object.keys(node).filter((k) => !ALLOWED_KEYS.has(k));
  return [
    ...unknownKeys.map((k) => `${path}: keyword "${k}" is not allowed in a structural schema`),
    ...ruleErrors(node, path),
    ...validationErrors(node, path),
    ...childErrors(node, path),
  ];
}

/**
 * Lists the ways `schema` breaks the rules of a Kubernetes structural schema (plus the
 * list-type and CEL fieldPath rules the apiserver checks when a CRD is created). An empty list
 * means the schema is structural.
 *
 * Checked: every node has a `type` unless it is int-or-string or preserve-unknown-fields;
 * `anyOf` only as the int-or-string pair; no `patternProperties`, `$ref`, `allOf`, `oneOf`,
 * `not`, `uniqueItems` (any unknown keyword); `properties` and `additionalProperties` never
 * together; arrays have `items`; enums and defaults match the type; list-type `set` has scalar
 * items and list-type `map` keys are required or defaulted scalar properties; at the root,
 * `metadata` restricts only `name` and `generateName`.
 */
export function structuralErrors(schema: JSONSchemaProps): string[] {
  const errors = structuralErrorsAt(schema, '');
  const metadata = schema.properties?.metadata;
  if (metadata !== undefined) {
    const extra = Object.keys(metadata.properties ?? {}).filter(
      (k) => k !== 'name' && k !== 'generateName',
    );
    if (extra.length > 0) {
      errors.push(`.metadata: only name and generateName may be restricted, not ${extra.join()}`);
    }
  }
  return errors;
}
