/**
 * Sample objects for the crds tests. `completeTenant` is the example of
 * docs/spec/v1alpha1/tenant.md; keep the two in step.
 */
import { parse } from 'yaml';
import type { Tenant } from '../../../crds/index.js';

/** The smallest valid Tenant. */
export function minimalTenant(): Tenant {
  return {
    apiVersion: 'tenantry.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme' },
    spec: { owners: [{ kind: 'User', name: 'alice' }] },
  };
}

/** A Tenant using every spec field. */
export function completeTenant(): Tenant {
  return {
    apiVersion: 'tenantry.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme' },
    spec: {
      owners: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'acme-admins', clusterRoles: ['admin', 'view'] },
        { kind: 'ServiceAccount', name: 'deployer', namespace: 'acme-ci' },
      ],
      namespaceOptions: {
        quota: 5,
        forceTenantPrefix: true,
        additionalMetadata: {
          labels: { 'example.com/cost-center': 'cc-42' },
          annotations: { 'example.com/contact': 'platform@example.com' },
        },
        forbiddenLabels: {
          denied: ['example.com/tier'],
          deniedRegex: '^internal\\.example\\.com/',
        },
        forbiddenAnnotations: { deniedRegex: '^scheduler\\.alpha\\.kubernetes\\.io/' },
      },
      resourceQuotas: [
        {
          name: 'compute',
          scope: 'Tenant',
          hard: { 'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '16' },
        },
        { name: 'objects', hard: { pods: 50, services: '20' } },
      ],
      limitRanges: [
        {
          name: 'defaults',
          limits: [
            {
              type: 'Container',
              default: { cpu: '500m', memory: '512Mi' },
              defaultRequest: { cpu: '100m', memory: '128Mi' },
            },
          ],
        },
      ],
      networkPolicies: [
        {
          name: 'same-tenant-only',
          spec: {
            podSelector: {},
            policyTypes: ['Ingress'],
            ingress: [
              { from: [{ namespaceSelector: { matchLabels: { 'tenantry.io/tenant': 'acme' } } }] },
            ],
          },
        },
      ],
      additionalRoleBindings: [
        {
          name: 'auditors',
          clusterRoleName: 'view',
          subjects: [
            { kind: 'Group', name: 'auditors', apiGroup: 'rbac.authorization.k8s.io' },
            { kind: 'ServiceAccount', name: 'scanner', namespace: 'security' },
          ],
        },
      ],
      ingressOptions: {
        allowedClasses: ['nginx'],
        allowedHostnames: ['acme.example.com', '*.apps.acme.example.com'],
      },
      storageClasses: { allowed: ['standard', 'fast'] },
      containerRegistries: { allowed: ['ghcr.io/acme', 'registry.example.com:5000'] },
      serviceOptions: { allowNodePort: false, allowLoadBalancer: false, allowExternalName: true },
      cordoned: false,
      preventDeletion: true,
      deletionPolicy: 'Retain',
    },
    status: {
      state: 'Active',
      size: 2,
      namespaces: ['acme-dev', 'acme-prod'],
      owners: [{ kind: 'User', name: 'alice', clusterRoles: ['admin'] }],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          observedGeneration: 3,
          lastTransitionTime: '2026-01-02T03:04:05Z',
          reason: 'Reconciled',
          message: '',
        },
      ],
      observedGeneration: 3,
    },
  };
}

/** A SealedSecret as `kubeseal -o yaml` writes it (strict scope), parsed from YAML. */
export function kubesealOutput(): unknown {
  return parse(`
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  creationTimestamp: null
  name: mysecret
  namespace: myns
spec:
  encryptedData:
    foo: AgBy3i4OJSWK+PiTySYZZA==
  template:
    metadata:
      creationTimestamp: null
      name: mysecret
      namespace: myns
    type: Opaque
`);
}
