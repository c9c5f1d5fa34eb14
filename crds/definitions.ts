/**
 * The CustomResourceDefinitions of tenantry, built from the TypeBox schemas. These objects are
 * what `crds/generate.ts` writes to YAML, and what tests, the harness and controllers install
 * without reading YAML.
 *
 * @module
 */
import type { TObject } from '@sinclair/typebox';
import {
  GROUP,
  SEALED_SECRET_GROUP,
  SEALED_SECRET_KIND,
  SEALED_SECRET_PLURAL,
  SEALED_SECRET_VERSION,
  TENANT_KIND,
  TENANT_PLURAL,
  VERSION,
} from './constants.js';
import { SealedSecretSchema } from './sealedsecret.v1alpha1.schema.js';
import { canonicalOrder, convertSchema, structuralErrors } from './structural.js';
import type { JSONSchemaProps } from './structural.js';
import { TenantSchema } from './tenant.v1alpha1.schema.js';

/** A column of `kubectl get` output (CustomResourceColumnDefinition). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

/** One version of a CRD (CustomResourceDefinitionVersion). */
export interface CustomResourceDefinitionVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema: { readonly openAPIV3Schema: JSONSchemaProps };
  readonly subresources?: { readonly status?: Record<string, never> };
  readonly additionalPrinterColumns?: readonly PrinterColumn[];
}

/**
 * An `apiextensions.k8s.io/v1` CustomResourceDefinition in its JSON (wire) form.
 *
 * Send it as raw JSON (server-side apply, kubectl, a plain HTTP body). Do not pass it through
 * `@kubernetes/client-node`'s typed serializer (`ApiextensionsV1Api`, `KubernetesObjectApi`):
 * that maps camelCase model fields such as `xKubernetesValidations` and drops the
 * `x-kubernetes-*` keys this object uses.
 */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames?: readonly string[];
      readonly categories?: readonly string[];
    };
    readonly scope: 'Cluster' | 'Namespaced';
    readonly versions: readonly CustomResourceDefinitionVersion[];
  };
}

const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers ' +
  'should convert recognized schemas to the latest internal value, and may reject ' +
  'unrecognized values. More info: ' +
  'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';

const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may ' +
  'infer this from the endpoint the client submits requests to. Cannot be updated. In ' +
  'CamelCase. More info: ' +
  'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** A name restriction is kept only if it restricts something beyond "a string". */
function metadataRestriction(schema: unknown): JSONSchemaProps | undefined {
  if (schema === undefined) return undefined;
  const { description: _description, ...restriction } = convertSchema(schema, '.metadata.name');
  return Object.keys(restriction).length > 1 ? restriction : undefined;
}

/**
 * Converts a resource's TypeBox schema (apiVersion, kind, metadata, spec, status) into the
 * `openAPIV3Schema` of its CRD: `apiVersion` and `kind` get the standard descriptions, and
 * `metadata` keeps only the `name` / `generateName` restrictions Kubernetes allows.
 *
 * @throws Error if the result is not a structural schema.
 */
export function resourceSchema(schema: TObject): JSONSchemaProps {
  // A JSON round trip drops TypeBox's symbol keys ([Kind], [OptionalKind]).
  const json = JSON.parse(JSON.stringify(schema)) as {
    properties: Record<string, { properties?: Record<string, unknown> }>;
    required?: string[];
  };
  const { apiVersion: _a, kind: _k, metadata, ...rest } = json.properties;
  const name = metadataRestriction(metadata?.properties?.name);
  const generateName = metadataRestriction(metadata?.properties?.generateName);
  // When name is restricted, generateName must be declared too: otherwise the apiserver replaces
  // metadata with an unrestricted one when it type-checks CEL rules, and a rule on
  // self.metadata.name would see a string of unbounded length (and an unbounded cost).
  const metadataSchema: JSONSchemaProps =
    name === undefined && generateName === undefined
      ? { type: 'object' }
      : {
          type: 'object',
          properties: {
            ...(name === undefined ? {} : { name }),
            generateName: generateName ?? { type: 'string' },
          },
        };
  const converted = convertSchema({
    ...json,
    properties: rest,
    required: (json.required ?? []).filter((r) => r !== 'metadata' && r !== 'kind'),
  });
  const result = canonicalOrder({
    ...converted,
    properties: {
      apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
      kind: { description: KIND_DESCRIPTION, type: 'string' },
      metadata: metadataSchema,
      ...converted.properties,
    },
  });
  const errors = structuralErrors(result);
  if (errors.length > 0) throw new Error(`schema is not structural:\n${errors.join('\n')}`);
  return result;
}

const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/**
 * The `tenants.tenantry.io` CRD: cluster-scoped, `v1alpha1` served and stored, status
 * subresource. Treat it as read-only (`structuredClone` it before changing anything).
 */
export const tenantCRD: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${TENANT_PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    names: {
      kind: TENANT_KIND,
      listKind: `${TENANT_KIND}List`,
      plural: TENANT_PLURAL,
      singular: 'tenant',
      shortNames: ['tnt'],
      categories: ['tenantry'],
    },
    scope: 'Cluster',
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: resourceSchema(TenantSchema) },
        subresources: { status: {} },
        additionalPrinterColumns: [
          {
            name: 'State',
            type: 'string',
            jsonPath: '.status.state',
            description: 'Lifecycle state: Active, Cordoned or Terminating.',
          },
          {
            name: 'Namespaces',
            type: 'integer',
            jsonPath: '.status.size',
            description: 'Number of namespaces of the Tenant.',
          },
          {
            name: 'Quota',
            type: 'integer',
            jsonPath: '.spec.namespaceOptions.quota',
            description: 'Maximum number of namespaces.',
          },
          {
            name: 'Ready',
            type: 'string',
            jsonPath: '.status.conditions[?(@.type=="Ready")].status',
            description: 'Status of the Ready condition.',
          },
          AGE_COLUMN,
        ],
      },
    ],
  },
};

/**
 * The `sealedsecrets.bitnami.com` CRD, compatible with Bitnami Sealed Secrets: namespaced,
 * `v1alpha1` served and stored, status subresource, the same printer columns. Treat it as
 * read-only (`structuredClone` it before changing anything).
 */
export const sealedSecretCRD: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${SEALED_SECRET_PLURAL}.${SEALED_SECRET_GROUP}` },
  spec: {
    group: SEALED_SECRET_GROUP,
    names: {
      kind: SEALED_SECRET_KIND,
      listKind: `${SEALED_SECRET_KIND}List`,
      plural: SEALED_SECRET_PLURAL,
      singular: 'sealedsecret',
    },
    scope: 'Namespaced',
    versions: [
      {
        name: SEALED_SECRET_VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: resourceSchema(SealedSecretSchema) },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Status', type: 'string', jsonPath: '.status.conditions[0].message' },
          { name: 'Synced', type: 'string', jsonPath: '.status.conditions[0].status' },
          AGE_COLUMN,
        ],
      },
    ],
  },
};

/** Every CRD tenantry ships, in install order. */
export const allCRDs: readonly CustomResourceDefinition[] = [tenantCRD, sealedSecretCRD];
