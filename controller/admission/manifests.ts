/**
 * tenantry's admission configuration, defined once: the Mutating/ValidatingWebhookConfigurations
 * and the ValidatingAdmissionPolicies (+ bindings). Pure functions returning wire JSON; the
 * controller applies them at startup (`--manage-admission-config`) and the Helm chart renders its
 * templates from the same functions, so the two can never drift.
 *
 * Rules of thumb (performance.md §5 and §9, docs/admission.md):
 * - invariants that need no controller state are ValidatingAdmissionPolicies (CEL inside the
 *   apiserver): a controller outage cannot lock anyone out of them, nor switch them off;
 * - webhooks never see kube-system, kube-public, kube-node-lease or the controller namespace, nor
 *   requests that involve no tenant, nor privileged users, nor Kubernetes' own components;
 * - the mutating hook fails open (Ignore) and its result is checked by a validating hook; the
 *   validating hooks fail closed (Fail), which only ever blocks tenant-related requests;
 * - timeouts are 5 s, well below lease renewal deadlines.
 */
import {
  FIELD_MANAGER_ADMISSION,
  GROUP,
  LABEL_CORDONED,
  LABEL_MANAGED_BY,
  LABEL_PROPAGATED_FROM,
  LABEL_TENANT,
  MANAGED_BY_VALUE,
  TENANT_KIND,
  TENANT_PLURAL,
  VERSION,
} from '../../crds/index.js';
import type { KubeObject } from '../runtime/index.js';
import {
  GC_USER,
  KCM_USER,
  KUBE_SYSTEM_SA_PREFIX,
  NAMESPACE_CONTROLLER_USER,
  SYSTEM_NAMESPACES,
} from './identity.js';
import { RESERVED_NAMESPACE_KEY_PREFIXES } from './metadata.js';

/** Name of both webhook configurations. */
export const WEBHOOK_CONFIGURATION_NAME = 'tenantry-admission';

/** Paths the webhook server answers (server.ts routes by these). */
export const WEBHOOK_PATHS = {
  mutateNamespaces: '/mutate/namespaces',
  validateNamespaces: '/validate/namespaces',
  validateTenants: '/validate/tenants',
  validateObjects: '/validate/objects',
} as const;

/** The field manager of everything here. */
export const ADMISSION_FIELD_MANAGER = FIELD_MANAGER_ADMISSION;

/** Where the apiserver sends admission requests. */
export type WebhookClientConfig =
  | {
      readonly service: {
        readonly name: string;
        readonly namespace: string;
        readonly port?: number;
      };
    }
  | { readonly url: string };

/** Who admission never constrains (besides `system:masters`). */
export interface PrivilegedOptions {
  /** The controller's own usernames, e.g. `system:serviceaccount:tenantry-system:tenantry`. */
  readonly controllerUsers: readonly string[];
  /** Extra administrator usernames. @default [] */
  readonly adminUsers?: readonly string[];
  /** Administrator groups. @default ['system:masters'] */
  readonly adminGroups?: readonly string[];
}

/** Options for {@link webhookConfigurations}. */
export interface WebhookConfigurationOptions extends PrivilegedOptions {
  readonly clientConfig: WebhookClientConfig;
  /** base64 of the PEM CA bundle; omitted in cert-manager mode. */
  readonly caBundle?: string;
  /** The controller namespace (never gated). */
  readonly namespace: string;
  /** cert-manager mode: `<namespace>/<Certificate>` for `cert-manager.io/inject-ca-from`. */
  readonly certManagerCertificate?: string;
  /** @default 5 */
  readonly timeoutSeconds?: number;
}

const celList = (values: readonly string[]): string => JSON.stringify([...values]);

/** The privileged users and groups, as CEL lists, with defaults filled in. */
function privileged(opts: PrivilegedOptions): { users: string; groups: string } {
  const users = [...opts.controllerUsers, ...(opts.adminUsers ?? [])];
  const groups = opts.adminGroups ?? ['system:masters'];
  return {
    users: celList(users),
    groups: celList(groups.includes('system:masters') ? groups : ['system:masters', ...groups]),
  };
}

/** CEL: the requester is privileged. Works in webhook matchConditions and in policies. */
export function celPrivileged(opts: PrivilegedOptions): string {
  const p = privileged(opts);
  return (
    `request.userInfo.username in ${p.users} || ` +
    `(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${p.groups}))`
  );
}

/** CEL: the requester is a Kubernetes component (identity.ts `isSystemComponent`). */
export const CEL_SYSTEM_COMPONENT =
  `request.userInfo.username.startsWith('${KUBE_SYSTEM_SA_PREFIX}') || ` +
  `request.userInfo.username.startsWith('system:node:') || ` +
  `request.userInfo.username in ['${KCM_USER}', 'system:kube-scheduler']`;

function celInvolvesTenant(obj: 'object' | 'oldObject'): string {
  return (
    `(${obj} != null && ((has(${obj}.metadata.labels) && '${LABEL_TENANT}' in ${obj}.metadata.labels) || ` +
    `(has(${obj}.metadata.ownerReferences) && ${obj}.metadata.ownerReferences.exists(r, r.kind == '${TENANT_KIND}'))))`
  );
}

/** CEL (webhook matchConditions, dynamic objects): the request involves a tenant. */
export const CEL_INVOLVES_TENANT = `${celInvolvesTenant('object')} || ${celInvolvesTenant('oldObject')}`;

const SELECTOR_NAME = 'kubernetes.io/metadata.name';

function excludedNamespaces(namespace: string): {
  key: string;
  operator: string;
  values: string[];
} {
  return { key: SELECTOR_NAME, operator: 'NotIn', values: [...SYSTEM_NAMESPACES, namespace] };
}

function clientConfig(opts: WebhookConfigurationOptions, path: string): Record<string, unknown> {
  const base =
    'url' in opts.clientConfig
      ? { url: `${opts.clientConfig.url.replace(/\/+$/, '')}${path}` }
      : {
          service: {
            ...opts.clientConfig.service,
            port: opts.clientConfig.service.port ?? 443,
            path,
          },
        };
  return opts.caBundle !== undefined && opts.certManagerCertificate === undefined
    ? { ...base, caBundle: opts.caBundle }
    : base;
}

function metadata(opts: WebhookConfigurationOptions): Record<string, unknown> {
  return {
    name: WEBHOOK_CONFIGURATION_NAME,
    labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE },
    ...(opts.certManagerCertificate !== undefined
      ? { annotations: { 'cert-manager.io/inject-ca-from': opts.certManagerCertificate } }
      : {}),
  };
}

const COMMON = { admissionReviewVersions: ['v1'], matchPolicy: 'Equivalent' } as const;

function objectRules(): Record<string, unknown>[] {
  const rule = (apiGroups: string[], resources: string[]): Record<string, unknown> => ({
    apiGroups,
    apiVersions: ['*'],
    operations: ['CREATE', 'UPDATE'],
    resources,
    scope: 'Namespaced',
  });
  return [
    rule(
      [''],
      [
        'pods',
        'pods/ephemeralcontainers',
        'podtemplates',
        'replicationcontrollers',
        'services',
        'persistentvolumeclaims',
      ],
    ),
    rule(['apps'], ['deployments', 'replicasets', 'statefulsets', 'daemonsets']),
    rule(['batch'], ['jobs', 'cronjobs']),
    rule(['networking.k8s.io'], ['ingresses']),
  ];
}

/**
 * The MutatingWebhookConfiguration and the ValidatingWebhookConfiguration, both named
 * `tenantry-admission`. Failure policies (docs/admission.md explains each):
 * - `namespaces.mutate` Ignore: it only assigns the tenant; the validating hook checks the result.
 * - `namespaces.validate` Fail: ownership, owners, quota, prefix, metadata; only for requests
 *   involving a tenant, never for administrators or Kubernetes components.
 * - `tenants.validate` Fail: only Tenants that set a `deniedRegex`.
 * - `objects.validate` Fail: allow-lists, only in tenant namespaces, never for Kubernetes
 *   components (the ReplicaSet controller's Pods are not held up by an outage).
 */
export function webhookConfigurations(opts: WebhookConfigurationOptions): [KubeObject, KubeObject] {
  const timeoutSeconds = opts.timeoutSeconds ?? 5;
  const notPrivileged = { name: 'not-privileged', expression: `!(${celPrivileged(opts)})` };
  const notSystem = { name: 'not-kubernetes-component', expression: `!(${CEL_SYSTEM_COMPONENT})` };
  const nsSelector = { matchExpressions: [excludedNamespaces(opts.namespace)] };
  const mutating: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: metadata(opts),
    webhooks: [
      {
        name: `namespaces.mutate.${GROUP}`,
        ...COMMON,
        clientConfig: clientConfig(opts, WEBHOOK_PATHS.mutateNamespaces),
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE'],
            resources: ['namespaces'],
            scope: 'Cluster',
          },
        ],
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        timeoutSeconds,
        reinvocationPolicy: 'Never',
        namespaceSelector: nsSelector,
        objectSelector: {},
        matchConditions: [notSystem],
      },
    ],
  };
  const validating: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: metadata(opts),
    webhooks: [
      {
        name: `namespaces.validate.${GROUP}`,
        ...COMMON,
        clientConfig: clientConfig(opts, WEBHOOK_PATHS.validateNamespaces),
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
            scope: 'Cluster',
          },
        ],
        failurePolicy: 'Fail',
        // The namespace-count reservation writes the ledger, except on dry runs.
        sideEffects: 'NoneOnDryRun',
        timeoutSeconds,
        namespaceSelector: nsSelector,
        objectSelector: {},
        matchConditions: [
          notPrivileged,
          notSystem,
          { name: 'involves-tenant', expression: CEL_INVOLVES_TENANT },
        ],
      },
      {
        name: `tenants.validate.${GROUP}`,
        ...COMMON,
        clientConfig: clientConfig(opts, WEBHOOK_PATHS.validateTenants),
        rules: [
          {
            apiGroups: [GROUP],
            apiVersions: [VERSION],
            operations: ['CREATE', 'UPDATE'],
            resources: [TENANT_PLURAL],
            scope: 'Cluster',
          },
        ],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        timeoutSeconds,
        namespaceSelector: {},
        objectSelector: {},
        matchConditions: [
          {
            name: 'sets-denied-regex',
            expression:
              'has(object.spec.namespaceOptions) && ' +
              '((has(object.spec.namespaceOptions.forbiddenLabels) && has(object.spec.namespaceOptions.forbiddenLabels.deniedRegex)) || ' +
              '(has(object.spec.namespaceOptions.forbiddenAnnotations) && has(object.spec.namespaceOptions.forbiddenAnnotations.deniedRegex)))',
          },
        ],
      },
      {
        name: `objects.validate.${GROUP}`,
        ...COMMON,
        clientConfig: clientConfig(opts, WEBHOOK_PATHS.validateObjects),
        rules: objectRules(),
        failurePolicy: 'Fail',
        sideEffects: 'None',
        timeoutSeconds,
        namespaceSelector: {
          matchExpressions: [
            { key: LABEL_TENANT, operator: 'Exists' },
            excludedNamespaces(opts.namespace),
          ],
        },
        objectSelector: {},
        matchConditions: [notPrivileged, notSystem],
      },
    ],
  };
  return [mutating, validating];
}

// ---------------------------------------------------------------------------------------------
// ValidatingAdmissionPolicies
// ---------------------------------------------------------------------------------------------

/** Options for {@link admissionPolicies}. */
export interface AdmissionPolicyOptions extends PrivilegedOptions {
  /** The controller namespace. */
  readonly namespace: string;
}

/** Names of the policies (and of their bindings). */
export const POLICY_NAMES = {
  namespaceOwnership: 'tenantry-namespace-ownership',
  namespaceGC: 'tenantry-namespace-gc',
  propagatedObjects: 'tenantry-propagated-objects',
  cordoned: 'tenantry-cordoned',
  tenantDeletion: 'tenantry-tenant-deletion',
} as const;

interface PolicySpec {
  readonly failurePolicy?: 'Fail' | 'Ignore';
  readonly matchConstraints: Record<string, unknown>;
  readonly matchConditions?: readonly { name: string; expression: string }[];
  readonly variables?: readonly { name: string; expression: string }[];
  readonly validations: readonly Record<string, unknown>[];
}

function policy(name: string, spec: PolicySpec): [KubeObject, KubeObject] {
  const labels = { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE };
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels },
      spec: { failurePolicy: 'Fail', ...spec },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}

const RESERVED_CEL = (k: string): string =>
  RESERVED_NAMESPACE_KEY_PREFIXES.map((p) => `${k}.startsWith('${p}')`).join(' || ');

/** CEL: the reserved keys of `field` (labels/annotations) are unchanged from oldObject. */
function reservedKeysUnchanged(field: 'labels' | 'annotations'): string {
  const n = `object.metadata.${field}`;
  const o = `oldObject.metadata.${field}`;
  const createExempt =
    field === 'labels' ? `(request.operation == 'CREATE' && k == '${LABEL_TENANT}') || ` : '';
  const added =
    `!has(${n}) || ${n}.all(k, !(${RESERVED_CEL('k')}) || ${createExempt}` +
    `(oldObject != null && has(${o}) && k in ${o} && ${o}[k] == ${n}[k]))`;
  const removed = `oldObject == null || !has(${o}) || ${o}.all(k, !(${RESERVED_CEL('k')}) || (has(${n}) && k in ${n}))`;
  return `(${added}) && (${removed})`;
}

function celHasTenantryKeys(obj: 'object' | 'oldObject'): string {
  return (
    `(${obj} != null && (` +
    `(has(${obj}.metadata.labels) && ${obj}.metadata.labels.exists(k, k.startsWith('${GROUP}/'))) || ` +
    `(has(${obj}.metadata.annotations) && ${obj}.metadata.annotations.exists(k, k.startsWith('${GROUP}/'))) || ` +
    `(has(${obj}.metadata.ownerReferences) && ${obj}.metadata.ownerReferences.exists(r, r.kind == '${TENANT_KIND}'))))`
  );
}

function namespaceOwnershipPolicy(opts: AdmissionPolicyOptions): [KubeObject, KubeObject] {
  const tenantRefs = (obj: string): string =>
    `(has(${obj}.metadata.ownerReferences) ? ${obj}.metadata.ownerReferences.filter(r, r.kind == '${TENANT_KIND}') : [])`;
  return policy(POLICY_NAMES.namespaceOwnership, {
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: [''],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
        },
      ],
    },
    matchConditions: [
      { name: 'not-privileged', expression: `!(${celPrivileged(opts)})` },
      {
        name: 'involves-tenantry',
        expression: `${celHasTenantryKeys('object')} || ${celHasTenantryKeys('oldObject')}`,
      },
    ],
    variables: [
      { name: 'newRefs', expression: tenantRefs('object') },
      { name: 'oldRefs', expression: `oldObject == null ? [] : ${tenantRefs('oldObject')}` },
    ],
    validations: [
      {
        expression:
          `request.operation != 'UPDATE' || ` +
          `(has(object.metadata.labels) && '${LABEL_TENANT}' in object.metadata.labels ? object.metadata.labels['${LABEL_TENANT}'] : '') == ` +
          `(has(oldObject.metadata.labels) && '${LABEL_TENANT}' in oldObject.metadata.labels ? oldObject.metadata.labels['${LABEL_TENANT}'] : '')`,
        message: `the ${LABEL_TENANT} label of a namespace can only be changed by an administrator`,
        reason: 'Forbidden',
      },
      {
        expression:
          `request.operation != 'UPDATE' || variables.newRefs == variables.oldRefs || ` +
          `(request.userInfo.username == '${GC_USER}' && variables.newRefs.all(r, r in variables.oldRefs))`,
        message:
          'the Tenant ownerReferences of a namespace can only be changed by an administrator',
        reason: 'Forbidden',
      },
      {
        expression: `${reservedKeysUnchanged('labels')} && ${reservedKeysUnchanged('annotations')}`,
        message: `labels and annotations under ${RESERVED_NAMESPACE_KEY_PREFIXES.join(' and ')} of tenant namespaces can only be set by an administrator`,
        reason: 'Forbidden',
      },
    ],
  });
}

function namespaceGCPolicy(): [KubeObject, KubeObject] {
  return policy(POLICY_NAMES.namespaceGC, {
    matchConstraints: {
      resourceRules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['namespaces'] },
      ],
    },
    matchConditions: [
      {
        name: 'garbage-collector',
        expression: `request.userInfo.username in ['${GC_USER}', '${KCM_USER}']`,
      },
    ],
    validations: [
      {
        expression:
          `!(has(oldObject.metadata.labels) && '${LABEL_TENANT}' in oldObject.metadata.labels) && ` +
          `!(has(oldObject.metadata.ownerReferences) && oldObject.metadata.ownerReferences.exists(r, r.kind == '${TENANT_KIND}'))`,
        message:
          "the garbage collector may not delete tenant namespaces: the tenantry controller carries out the Tenant's deletionPolicy itself",
        reason: 'Forbidden',
      },
    ],
  });
}

function propagatedObjectsPolicy(opts: AdmissionPolicyOptions): [KubeObject, KubeObject] {
  const ops = ['CREATE', 'UPDATE', 'DELETE'];
  return policy(POLICY_NAMES.propagatedObjects, {
    matchConstraints: {
      objectSelector: { matchExpressions: [{ key: LABEL_PROPAGATED_FROM, operator: 'Exists' }] },
      resourceRules: [
        {
          apiGroups: [''],
          apiVersions: ['*'],
          operations: ops,
          resources: ['resourcequotas', 'limitranges'],
        },
        {
          apiGroups: ['networking.k8s.io'],
          apiVersions: ['*'],
          operations: ops,
          resources: ['networkpolicies'],
        },
        {
          apiGroups: ['rbac.authorization.k8s.io'],
          apiVersions: ['*'],
          operations: ops,
          resources: ['rolebindings'],
        },
      ],
    },
    matchConditions: [
      { name: 'not-privileged', expression: `!(${celPrivileged(opts)})` },
      {
        // Deleting a namespace empties it; deleting a Tenant garbage-collects its children.
        name: 'not-namespace-or-garbage-collector',
        expression: `!(request.userInfo.username in ['${NAMESPACE_CONTROLLER_USER}', '${GC_USER}', '${KCM_USER}'])`,
      },
    ],
    validations: [
      {
        expression: 'false',
        messageExpression:
          `request.kind.kind + ' ' + request.name + ' is managed by tenantry (label ${LABEL_PROPAGATED_FROM}): ` +
          `only the tenantry controller and administrators may create, change or delete it'`,
        reason: 'Forbidden',
      },
    ],
  });
}

function cordonedPolicy(opts: AdmissionPolicyOptions): [KubeObject, KubeObject] {
  const ops = ['CREATE', 'UPDATE', 'DELETE'];
  return policy(POLICY_NAMES.cordoned, {
    matchConstraints: {
      namespaceSelector: { matchLabels: { [LABEL_CORDONED]: 'true' } },
      resourceRules: [
        {
          apiGroups: ['*'],
          apiVersions: ['*'],
          operations: ops,
          resources: ['*/*'],
          scope: 'Namespaced',
        },
        {
          apiGroups: [''],
          apiVersions: ['v1'],
          operations: ['UPDATE', 'DELETE'],
          resources: ['namespaces'],
          scope: 'Cluster',
        },
      ],
    },
    matchConditions: [
      { name: 'not-privileged', expression: `!(${celPrivileged(opts)})` },
      { name: 'not-kubernetes-component', expression: `!(${CEL_SYSTEM_COMPONENT})` },
      // Status writes (ingress controllers, operators) keep working; workloads keep running.
      {
        name: 'not-status',
        expression: "!(has(request.subResource) && request.subResource == 'status')",
      },
    ],
    validations: [
      {
        expression: 'false',
        messageExpression:
          `'namespace ' + request.namespace + ' belongs to a cordoned tenant: only administrators can ' + ` +
          `request.operation.lowerAscii() + ' ' + request.resource.resource + ' in it'`,
        reason: 'Forbidden',
      },
    ],
  });
}

function tenantDeletionPolicy(): [KubeObject, KubeObject] {
  return policy(POLICY_NAMES.tenantDeletion, {
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: [GROUP],
          apiVersions: ['*'],
          operations: ['DELETE'],
          resources: [TENANT_PLURAL],
        },
      ],
    },
    validations: [
      {
        expression: '!has(oldObject.spec.preventDeletion) || !oldObject.spec.preventDeletion',
        messageExpression:
          "'tenant ' + oldObject.metadata.name + ' has spec.preventDeletion: true; set it to false before deleting it'",
        reason: 'Forbidden',
      },
    ],
  });
}

/**
 * The ValidatingAdmissionPolicies and their bindings (policy, binding, policy, binding, …):
 * - `tenantry-namespace-ownership`: only privileged users change a namespace's tenant label,
 *   Tenant ownerReferences (the garbage collector may remove them) or reserved keys — through
 *   any verb and the `status`/`finalize` subresources; covers every namespace, kube-system too;
 * - `tenantry-namespace-gc`: the garbage collector never deletes a tenant namespace;
 * - `tenantry-propagated-objects`: objects labelled `tenantry.io/propagated-from` are changed only
 *   by the controller and administrators;
 * - `tenantry-cordoned`: nothing but administrators and Kubernetes components writes in namespaces
 *   labelled `tenantry.io/cordoned=true`;
 * - `tenantry-tenant-deletion`: a Tenant with `preventDeletion` cannot be deleted (by anyone).
 */
export function admissionPolicies(opts: AdmissionPolicyOptions): KubeObject[] {
  return [
    ...namespaceOwnershipPolicy(opts),
    ...namespaceGCPolicy(),
    ...propagatedObjectsPolicy(opts),
    ...cordonedPolicy(opts),
    ...tenantDeletionPolicy(),
  ];
}
