/**
 * Fixtures for the admission handler tables: two tenants, their namespaces, identities, and a
 * request builder.
 */
import type { AdmissionRequest, UserInfo } from '../../../controller/admission/types.js';
import { memoryState, type AdmissionState } from '../../../controller/admission/state.js';
import type { KubeObject } from '../../../controller/runtime/index.js';
import type { Tenant } from '../../../crds/index.js';

export const ACME_UID = '11111111-1111-1111-1111-111111111111';
export const BETA_UID = '22222222-2222-2222-2222-222222222222';
export const WEB_UID = '33333333-3333-3333-3333-333333333333';

export function tenant(name: string, uid: string, spec: Partial<Tenant['spec']>): Tenant {
  return {
    apiVersion: 'tenantry.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name, uid },
    spec: { owners: [{ kind: 'User', name: 'nobody' }], ...spec },
  };
}

export const acme = tenant('acme', ACME_UID, {
  owners: [
    { kind: 'User', name: 'alice' },
    { kind: 'Group', name: 'acme-admins' },
    { kind: 'ServiceAccount', name: 'deployer', namespace: 'acme-ci' },
  ],
  namespaceOptions: {
    quota: 3,
    forceTenantPrefix: true,
    additionalMetadata: { labels: { 'example.com/cost-center': 'cc-42' } },
    forbiddenLabels: { denied: ['example.com/tier'], deniedRegex: '^internal\\.example\\.com/' },
    forbiddenAnnotations: { deniedRegex: '^scheduler\\.alpha\\.kubernetes\\.io/' },
  },
  ingressOptions: {
    allowedClasses: ['nginx'],
    allowedHostnames: ['acme.example.com', '*.apps.acme.example.com'],
  },
  storageClasses: { allowed: ['standard'] },
  containerRegistries: { allowed: ['ghcr.io/acme', 'registry.example.com:5000'] },
  serviceOptions: { allowNodePort: false, allowLoadBalancer: false, allowExternalName: true },
});
export const acmeWeb = tenant('acme-web', WEB_UID, { owners: [{ kind: 'User', name: 'alice' }] });
export const beta = tenant('beta', BETA_UID, {
  owners: [{ kind: 'User', name: 'bob' }],
  cordoned: false,
});

export const ref = (
  t: Tenant,
): { apiVersion: string; kind: string; name: string; uid: string } => ({
  apiVersion: 'tenantry.io/v1alpha1',
  kind: 'Tenant',
  name: t.metadata.name ?? '',
  uid: t.metadata.uid ?? '',
});

/** A namespace that is a member of `t` (label + ownerReference), with extra labels. */
export function member(name: string, t: Tenant, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'kubernetes.io/metadata.name': name,
        'tenantry.io/tenant': t.metadata.name ?? '',
        ...labels,
      },
      ownerReferences: [ref(t)],
    },
  };
}

/** A namespace outside every tenant. */
export function plain(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  };
}

export const users = {
  alice: { username: 'alice', groups: ['system:authenticated'] },
  carol: { username: 'carol', groups: ['acme-admins', 'system:authenticated'] },
  bob: { username: 'bob', groups: ['system:authenticated'] },
  deployer: {
    username: 'system:serviceaccount:acme-ci:deployer',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:acme-ci'],
  },
  acmeApp: {
    username: 'system:serviceaccount:acme-dev:app',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:acme-dev'],
  },
  stranger: { username: 'argocd', groups: ['system:authenticated'] },
  admin: { username: 'kubernetes-admin', groups: ['system:masters'] },
  controller: { username: 'tenantry-controller', groups: [] },
  gc: { username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: [] },
} satisfies Record<string, UserInfo>;

export function state(
  extra: { tenants?: Tenant[]; namespaces?: KubeObject[] } = {},
): AdmissionState {
  return memoryState({
    tenants: extra.tenants ?? [acme, acmeWeb, beta],
    namespaces: extra.namespaces ?? [
      member('acme-dev', acme),
      member('acme-prod', acme),
      member('beta-prod', beta),
      plain('default'),
      plain('kube-system'),
    ],
    controllerNamespace: 'tenantry-system',
    privileged: { users: ['tenantry-controller'], groups: ['system:masters'] },
  });
}

/** Builds an AdmissionRequest. */
export function request(
  over: Partial<AdmissionRequest> & Pick<AdmissionRequest, 'operation' | 'userInfo'>,
): AdmissionRequest {
  const resource = over.resource ?? { group: '', version: 'v1', resource: 'namespaces' };
  return {
    uid: 'uid-1',
    kind: { group: resource.group, version: resource.version, kind: 'Namespace' },
    resource,
    name: over.object?.metadata?.name ?? over.oldObject?.metadata?.name ?? '',
    ...over,
  };
}
