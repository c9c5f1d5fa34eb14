/**
 * The Tenant API (`tenants.tenantry.io/v1alpha1`), written once: the TypeBox schemas below are
 * the source of the CRD (`crds/generate.ts`), of the TypeScript types (`Static<>`) and of the
 * user documentation (descriptions become `kubectl explain`; docs/spec/v1alpha1/tenant.md).
 *
 * @module
 */
import { Type } from '@sinclair/typebox';
import type { SchemaOptions, Static, TRecord, TString } from '@sinclair/typebox';
import { TENANT_API_VERSION, TENANT_KIND } from './constants.js';
import {
  ConditionSchema,
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_LABEL_PATTERN,
  DnsLabel,
  MAX_LIST_ITEMS,
  Name,
  NamedList,
  ObjectMetaSchema,
  OpaqueObject,
  Quantity,
  StringEnum,
  StringSet,
  cel,
} from './schema-helpers.js';

// ---------------------------------------------------------------------------------------------
// Owners and role bindings
// ---------------------------------------------------------------------------------------------

/** Kinds of RBAC subjects a Tenant refers to. */
export const SubjectKindSchema = StringEnum(['User', 'Group', 'ServiceAccount'], {
  description: 'Kind of the subject: User, Group or ServiceAccount.',
});

/** Kind of an RBAC subject: `User`, `Group` or `ServiceAccount`. */
export type SubjectKind = Static<typeof SubjectKindSchema>;

const serviceAccountNamespaceRule = cel({
  rule: "self.kind == 'ServiceAccount' ? has(self.__namespace__) : !has(self.__namespace__)",
  message: 'namespace is required for a ServiceAccount and must not be set for a User or Group',
  fieldPath: '.namespace',
  reason: 'FieldValueInvalid',
});

/** One owner of a Tenant. */
export const TenantOwnerSchema = Type.Object(
  {
    kind: SubjectKindSchema,
    name: Name({
      description:
        'Name of the user, group or service account, as the apiserver authenticates it ' +
        '(for a ServiceAccount: its name only, without the system:serviceaccount: prefix).',
    }),
    namespace: Type.Optional(
      DnsLabel({
        description:
          'Namespace of the ServiceAccount. Required when kind is ServiceAccount, ' +
          'forbidden otherwise.',
      }),
    ),
    clusterRoles: Type.Optional(
      StringSet(Name(), {
        description:
          'ClusterRoles bound to the owner, through one RoleBinding each, in every namespace ' +
          'of the Tenant.',
        default: ['admin'],
        maxItems: 16,
      }),
    ),
  },
  {
    description:
      'An owner of the Tenant: a subject that may create namespaces for the Tenant and is ' +
      'bound to clusterRoles in each of them.',
    ...serviceAccountNamespaceRule,
  },
);

/** One owner of a Tenant (`spec.owners[]`). */
export type TenantOwner = Static<typeof TenantOwnerSchema>;

/** An RBAC subject of an additional RoleBinding. */
export const SubjectSchema = Type.Object(
  {
    kind: SubjectKindSchema,
    name: Name({ description: 'Name of the subject.' }),
    namespace: Type.Optional(
      DnsLabel({
        description:
          'Namespace of the ServiceAccount. Required when kind is ServiceAccount, ' +
          'forbidden otherwise.',
      }),
    ),
    apiGroup: Type.Optional(
      Type.String({
        maxLength: 253,
        description:
          'API group of the subject. Defaults to rbac.authorization.k8s.io for User and ' +
          'Group and to "" for ServiceAccount, as in a RoleBinding.',
      }),
    ),
  },
  {
    description: 'A subject of a RoleBinding (rbac.authorization.k8s.io/v1 Subject).',
    ...serviceAccountNamespaceRule,
  },
);

/** An RBAC subject (`spec.additionalRoleBindings[].subjects[]`). */
export type Subject = Static<typeof SubjectSchema>;

/** An extra RoleBinding placed in every namespace of the Tenant. */
export const AdditionalRoleBindingSchema = Type.Object(
  {
    name: DnsLabel({
      description:
        'Name of the item, unique within the Tenant. The RoleBinding created from it in each ' +
        'namespace carries this name in its tenantry.io labels.',
    }),
    clusterRoleName: Name({ description: 'Name of the ClusterRole to bind.' }),
    subjects: Type.Array(SubjectSchema, {
      minItems: 1,
      maxItems: MAX_LIST_ITEMS,
      description: 'The subjects bound to the ClusterRole. At least one.',
    }),
  },
  { description: 'A RoleBinding created in every namespace of the Tenant.' },
);

/** An extra RoleBinding (`spec.additionalRoleBindings[]`). */
export type AdditionalRoleBinding = Static<typeof AdditionalRoleBindingSchema>;

// ---------------------------------------------------------------------------------------------
// Namespace options
// ---------------------------------------------------------------------------------------------

const reservedMetadataKeysRule = cel({
  rule: "self.all(k, !k.startsWith('tenantry.io/') && k != 'kubernetes.io/metadata.name')",
  message: 'keys under tenantry.io/ and kubernetes.io/metadata.name are reserved',
  reason: 'FieldValueForbidden',
});

/** Labels and annotations forced onto every namespace of the Tenant. */
export const AdditionalMetadataSchema = Type.Object(
  {
    labels: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 63 }), {
        description: 'Labels set on every namespace of the Tenant.',
        maxProperties: MAX_LIST_ITEMS,
        ...reservedMetadataKeysRule,
      }),
    ),
    annotations: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 65536 }), {
        description: 'Annotations set on every namespace of the Tenant.',
        maxProperties: MAX_LIST_ITEMS,
        ...reservedMetadataKeysRule,
      }),
    ),
  },
  {
    description:
      'Labels and annotations the controller forces onto every namespace of the Tenant; ' +
      'owners cannot remove or change them. Keys under tenantry.io/ and ' +
      'kubernetes.io/metadata.name are reserved.',
  },
);

/** Forced namespace metadata (`spec.namespaceOptions.additionalMetadata`). */
export type AdditionalMetadata = Static<typeof AdditionalMetadataSchema>;

/** Metadata keys owners may not set on their namespaces. */
export const ForbiddenListSchema = Type.Object(
  {
    denied: Type.Optional(
      StringSet(Name({ maxLength: 317 }), { description: 'Exact keys that are denied.' }),
    ),
    deniedRegex: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          'A regular expression (RE2 syntax, unanchored); keys matching it are denied. ' +
          'An invalid expression makes the Tenant Ready=False.',
      }),
    ),
  },
  { description: 'Keys owners may not set, by exact name or by regular expression.' },
);

/** A deny-list of metadata keys (`forbiddenLabels`, `forbiddenAnnotations`). */
export type ForbiddenList = Static<typeof ForbiddenListSchema>;

/** Rules for the namespaces of a Tenant. */
export const NamespaceOptionsSchema = Type.Object(
  {
    quota: Type.Optional(
      Type.Integer({
        format: 'int32',
        minimum: 0,
        maximum: 2147483647,
        description:
          'Maximum number of namespaces the Tenant may have. Absent means no limit; 0 means ' +
          'owners cannot create namespaces.',
      }),
    ),
    forceTenantPrefix: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'When true, namespaces created for the Tenant must be named "<tenant>-<suffix>".',
      }),
    ),
    additionalMetadata: Type.Optional(AdditionalMetadataSchema),
    forbiddenLabels: Type.Optional(
      Type.Object(ForbiddenListSchema.properties, {
        description: 'Label keys owners may not set on their namespaces.',
      }),
    ),
    forbiddenAnnotations: Type.Optional(
      Type.Object(ForbiddenListSchema.properties, {
        description: 'Annotation keys owners may not set on their namespaces.',
      }),
    ),
  },
  { description: 'Rules for the namespaces of the Tenant.' },
);

/** Namespace rules (`spec.namespaceOptions`). */
export type NamespaceOptions = Static<typeof NamespaceOptionsSchema>;

// ---------------------------------------------------------------------------------------------
// Propagated policies
// ---------------------------------------------------------------------------------------------

/** Scope of a Tenant ResourceQuota item. */
export const QuotaScopeSchema = StringEnum(['Namespace', 'Tenant'], {
  default: 'Namespace',
  description:
    'Namespace: every namespace gets its own quota of hard. Tenant: the sum of usage over ' +
    'all the namespaces of the Tenant never exceeds hard.',
});

/** `Namespace` or `Tenant`. */
export type QuotaScope = Static<typeof QuotaScopeSchema>;

/** A ResourceQuota applied to the namespaces of the Tenant. */
export const TenantResourceQuotaSchema = Type.Object(
  {
    name: DnsLabel({ description: 'Name of the item, unique within the Tenant.' }),
    scope: Type.Optional(QuotaScopeSchema),
    hard: Type.Record(
      Type.String(),
      Quantity({ description: 'A quantity such as 10, 500m or 4Gi.' }),
      {
        minProperties: 1,
        maxProperties: MAX_LIST_ITEMS,
        description:
          'The limit per resource name (e.g. requests.cpu: "4", pods: 20), as in a ' +
          'ResourceQuota.',
      },
    ),
    scopes: Type.Optional(
      StringSet(Name(), {
        maxItems: 16,
        description: 'ResourceQuota scopes (e.g. BestEffort, NotTerminating) the quota tracks.',
      }),
    ),
    scopeSelector: Type.Optional(
      OpaqueObject({
        description: 'A ResourceQuota scopeSelector (core/v1 ScopeSelector), copied as is.',
      }),
    ),
  },
  {
    description:
      'A ResourceQuota for the namespaces of the Tenant. With scope Namespace every namespace ' +
      'gets a ResourceQuota with these hard limits. With scope Tenant the limits cover the ' +
      'Tenant as a whole: the sum of usage over all its namespaces never exceeds hard.',
  },
);

/** A ResourceQuota item (`spec.resourceQuotas[]`). */
export type TenantResourceQuota = Static<typeof TenantResourceQuotaSchema>;

function resourceList(description: string): ReturnType<typeof QuantityMap> {
  return QuantityMap({ description, maxProperties: 16 });
}

/** A map from resource name (cpu, memory, …) to quantity, as core/v1 ResourceList. */
function QuantityMap(options: SchemaOptions): TRecord<TString, ReturnType<typeof Quantity>> {
  return Type.Record(Type.String(), Quantity(), options);
}

/** One item of a LimitRange (core/v1 LimitRangeItem). */
export const LimitRangeItemSchema = Type.Object(
  {
    type: Name({
      maxLength: 63,
      description: 'Kind of resource the limits apply to: Container, Pod or PersistentVolumeClaim.',
    }),
    max: Type.Optional(resourceList('Maximum usage per resource name.')),
    min: Type.Optional(resourceList('Minimum usage per resource name.')),
    default: Type.Optional(resourceList('Default limits per resource name (containers only).')),
    defaultRequest: Type.Optional(
      resourceList('Default requests per resource name (containers only).'),
    ),
    maxLimitRequestRatio: Type.Optional(
      resourceList('Maximum ratio of limit to request per resource name.'),
    ),
  },
  {
    'x-kubernetes-preserve-unknown-fields': true,
    description:
      'A core/v1 LimitRangeItem. Fields not listed here are kept as sent; the apiserver ' +
      'validates the whole item when the LimitRange is written.',
  },
);

/** An item of `spec.limitRanges[].limits`. */
export type LimitRangeItem = Static<typeof LimitRangeItemSchema>;

/** A LimitRange applied to every namespace of the Tenant. */
export const TenantLimitRangeSchema = Type.Object(
  {
    name: DnsLabel({ description: 'Name of the item, unique within the Tenant.' }),
    limits: Type.Array(LimitRangeItemSchema, {
      minItems: 1,
      maxItems: 16,
      description: 'The limits of the LimitRange (core/v1 LimitRangeSpec.limits).',
    }),
  },
  { description: 'A LimitRange created in every namespace of the Tenant.' },
);

/** A LimitRange item (`spec.limitRanges[]`). */
export type TenantLimitRange = Static<typeof TenantLimitRangeSchema>;

/** A NetworkPolicy applied to every namespace of the Tenant. */
export const TenantNetworkPolicySchema = Type.Object(
  {
    name: DnsLabel({ description: 'Name of the item, unique within the Tenant.' }),
    spec: OpaqueObject({
      description:
        'A networking.k8s.io/v1 NetworkPolicySpec, copied as is; the apiserver validates it ' +
        'when the NetworkPolicy is written.',
    }),
  },
  { description: 'A NetworkPolicy created in every namespace of the Tenant.' },
);

/** A NetworkPolicy item (`spec.networkPolicies[]`). */
export type TenantNetworkPolicy = Static<typeof TenantNetworkPolicySchema>;

// ---------------------------------------------------------------------------------------------
// Allow-lists
// ---------------------------------------------------------------------------------------------

/** Hostname or `*.suffix` pattern. */
const HOSTNAME_PATTERN =
  '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** Registry host (optional port) with an optional path prefix. */
const REGISTRY_PATTERN =
  '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([-a-z0-9._/]*[a-z0-9])?)?$';

/** Ingress rules for the Tenant. */
export const IngressOptionsSchema = Type.Object(
  {
    allowedClasses: Type.Optional(
      StringSet(Name(), {
        description: 'IngressClass names the Tenant may use. Absent: any class. Empty list: none.',
      }),
    ),
    allowedHostnames: Type.Optional(
      StringSet(Name({ pattern: HOSTNAME_PATTERN }), {
        description:
          'Hostnames the Tenant may use in Ingress rules: exact names (app.example.com) or ' +
          'suffix patterns (*.example.com matches any name ending in .example.com). ' +
          'Absent: any hostname.',
      }),
    ),
  },
  { description: 'Restrictions on the Ingresses of the Tenant.' },
);

/** Ingress rules (`spec.ingressOptions`). */
export type IngressOptions = Static<typeof IngressOptionsSchema>;

/** StorageClass allow-list. */
export const StorageClassesSchema = Type.Object(
  {
    allowed: Type.Optional(
      StringSet(Name(), {
        description:
          'StorageClass names PersistentVolumeClaims of the Tenant may use. Absent: any class.',
      }),
    ),
  },
  { description: 'Restrictions on the StorageClasses of the Tenant.' },
);

/** StorageClass allow-list (`spec.storageClasses`). */
export type StorageClasses = Static<typeof StorageClassesSchema>;

/** Container registry allow-list. */
export const ContainerRegistriesSchema = Type.Object(
  {
    allowed: Type.Optional(
      StringSet(Name({ pattern: REGISTRY_PATTERN }), {
        description:
          'Registries Pods of the Tenant may pull from: a registry host, optionally with a ' +
          'port and a path prefix (e.g. ghcr.io/acme allows ghcr.io/acme/app but not ' +
          'ghcr.io/other/app). Images without a registry are docker.io images. ' +
          'Absent: any registry.',
      }),
    ),
  },
  { description: 'Restrictions on the container images of the Tenant.' },
);

/** Registry allow-list (`spec.containerRegistries`). */
export type ContainerRegistries = Static<typeof ContainerRegistriesSchema>;

/** Service type rules. */
export const ServiceOptionsSchema = Type.Object(
  {
    allowNodePort: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Whether Services of type NodePort are allowed.',
      }),
    ),
    allowLoadBalancer: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Whether Services of type LoadBalancer are allowed.',
      }),
    ),
    allowExternalName: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Whether Services of type ExternalName are allowed.',
      }),
    ),
  },
  { description: 'Restrictions on the Services of the Tenant. Absent: every type is allowed.' },
);

/** Service type rules (`spec.serviceOptions`). */
export type ServiceOptions = Static<typeof ServiceOptionsSchema>;

// ---------------------------------------------------------------------------------------------
// Spec
// ---------------------------------------------------------------------------------------------

/** What happens to the namespaces of a deleted Tenant. */
export const DeletionPolicySchema = StringEnum(['Retain', 'Delete'], {
  default: 'Retain',
  description:
    'What happens to the namespaces when the Tenant is deleted. Retain: they are kept and ' +
    'detached from the Tenant (label and ownerReference removed). Delete: the controller ' +
    'deletes them. Namespaces are never removed by garbage-collection cascade.',
});

/** `Retain` or `Delete`. */
export type DeletionPolicy = Static<typeof DeletionPolicySchema>;

const uniqueOwnersRule = cel({
  rule:
    'self.all(a, self.exists_one(b, b.kind == a.kind && b.name == a.name && ' +
    "(has(b.__namespace__) ? b.__namespace__ : '') == (has(a.__namespace__) ? a.__namespace__ : '')))",
  // No FieldValueDuplicate reason: the apiserver would then print "Duplicate value" and drop
  // the message.
  message: 'owners must be unique by kind, namespace and name',
});

/** The desired state of a Tenant. */
export const TenantSpecSchema = Type.Object(
  {
    owners: Type.Array(TenantOwnerSchema, {
      minItems: 1,
      maxItems: 32,
      description:
        'The owners of the Tenant: users, groups and service accounts that may create ' +
        'namespaces for it and administer them. At least one.',
      ...uniqueOwnersRule,
    }),
    namespaceOptions: Type.Optional(NamespaceOptionsSchema),
    resourceQuotas: Type.Optional(
      NamedList(TenantResourceQuotaSchema, {
        description: 'ResourceQuotas for the namespaces of the Tenant, unique by name.',
      }),
    ),
    limitRanges: Type.Optional(
      NamedList(TenantLimitRangeSchema, {
        description: 'LimitRanges created in every namespace of the Tenant, unique by name.',
      }),
    ),
    networkPolicies: Type.Optional(
      NamedList(TenantNetworkPolicySchema, {
        description: 'NetworkPolicies created in every namespace of the Tenant, unique by name.',
      }),
    ),
    additionalRoleBindings: Type.Optional(
      NamedList(AdditionalRoleBindingSchema, {
        description:
          'RoleBindings created in every namespace of the Tenant besides those of the owners, ' +
          'unique by name.',
      }),
    ),
    ingressOptions: Type.Optional(IngressOptionsSchema),
    storageClasses: Type.Optional(StorageClassesSchema),
    containerRegistries: Type.Optional(ContainerRegistriesSchema),
    serviceOptions: Type.Optional(ServiceOptionsSchema),
    cordoned: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'When true, the Tenant is frozen: owners can no longer create, update or delete ' +
          'objects in its namespaces, nor create namespaces. Existing workloads keep running.',
      }),
    ),
    preventDeletion: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'When true, deleting the Tenant is denied at admission.',
      }),
    ),
    deletionPolicy: Type.Optional(DeletionPolicySchema),
  },
  { description: 'TenantSpec is the desired state of a Tenant.' },
);

/** The desired state of a Tenant (`spec`). */
export type TenantSpec = Static<typeof TenantSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

/** Lifecycle state of a Tenant. */
export const TenantStateSchema = StringEnum(['Active', 'Cordoned', 'Terminating'], {
  description:
    'Active: the Tenant is in use. Cordoned: spec.cordoned is true. Terminating: the Tenant ' +
    'is being deleted and its deletionPolicy is being carried out.',
});

/** `Active`, `Cordoned` or `Terminating`. */
export type TenantState = Static<typeof TenantStateSchema>;

/** An effective owner in status. */
export const TenantStatusOwnerSchema = Type.Object(
  {
    kind: SubjectKindSchema,
    name: Type.String({ description: 'Name of the subject.' }),
    namespace: Type.Optional(Type.String({ description: 'Namespace of the ServiceAccount.' })),
    clusterRoles: Type.Array(Type.String(), {
      description: 'ClusterRoles bound to the owner in every namespace.',
    }),
  },
  { description: 'An owner of the Tenant and the ClusterRoles it holds.' },
);

/** An effective owner (`status.owners[]`). */
export type TenantStatusOwner = Static<typeof TenantStatusOwnerSchema>;

/** A `metav1.Condition`. */
export type Condition = Static<typeof ConditionSchema>;

/** The observed state of a Tenant. */
export const TenantStatusSchema = Type.Object(
  {
    state: Type.Optional(TenantStateSchema),
    size: Type.Optional(
      Type.Integer({ format: 'int32', minimum: 0, description: 'Number of namespaces.' }),
    ),
    namespaces: Type.Optional(
      Type.Array(Type.String(), { description: 'Names of the namespaces of the Tenant, sorted.' }),
    ),
    owners: Type.Optional(
      Type.Array(TenantStatusOwnerSchema, {
        description: 'The effective owners and their ClusterRoles.',
      }),
    ),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
        description:
          'Conditions of the Tenant. Ready summarises the rest: True when every namespace has ' +
          'its quotas, limits, policies and role bindings in place.',
      }),
    ),
    observedGeneration: Type.Optional(
      Type.Integer({
        format: 'int64',
        minimum: 0,
        description: 'The last .metadata.generation the controller fully reconciled.',
      }),
    ),
  },
  { description: 'TenantStatus is the observed state of a Tenant.' },
);

/** The observed state of a Tenant (`status`). */
export type TenantStatus = Static<typeof TenantStatusSchema>;

// ---------------------------------------------------------------------------------------------
// The resource
// ---------------------------------------------------------------------------------------------

/** Tenant metadata: the name is a DNS-1123 label (it prefixes namespace names). */
export const TenantMetadataSchema = Type.Object({
  ...ObjectMetaSchema.properties,
  name: Type.Optional(
    Type.String({
      maxLength: DNS1123_LABEL_MAX_LENGTH,
      description: 'Name of the Tenant: a DNS-1123 label of at most 63 characters.',
    }),
  ),
});

/** The Tenant resource. */
export const TenantSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.Literal(TENANT_API_VERSION)),
    kind: Type.Optional(Type.Literal(TENANT_KIND)),
    metadata: TenantMetadataSchema,
    spec: TenantSpecSchema,
    status: Type.Optional(TenantStatusSchema),
  },
  {
    description:
      'Tenant is a group of namespaces owned by the same users, groups or service accounts, ' +
      'sharing quotas, limits, network policies, role bindings and admission rules.',
    ...cel(
      {
        rule: `self.metadata.name.matches('${DNS1123_LABEL_PATTERN}')`,
        message:
          'metadata.name must be a lowercase RFC 1123 label: lowercase letters, digits and ' +
          "'-', starting and ending with a letter or digit",
        fieldPath: '.metadata.name',
      },
      {
        rule: 'size(self.metadata.name) <= 63',
        message: 'metadata.name must be at most 63 characters',
        fieldPath: '.metadata.name',
      },
    ),
  },
);

/** A Tenant, as stored in the apiserver (JSON form). */
export type Tenant = Static<typeof TenantSchema>;
