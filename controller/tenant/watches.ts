/**
 * What the Tenant controller watches and how each event maps to Tenant keys. Events only enqueue
 * keys: a Namespace maps to the Tenant it claims (label) and to every Tenant it references, a child
 * to the Tenant of its label, the shared namespace-owner ClusterRole to {@link GLOBAL_KEY}.
 */
import { LABEL_TENANT, TENANT_API_VERSION, TENANT_KIND } from '../../crds/index.js';
import type { SharedInformers } from '../informers.js';
import type { Controller } from '../runtime/controller.js';
import type { Informer } from '../runtime/informer.js';
import type { DeepReadonly, KubeObject } from '../runtime/objects.js';
import { compactChild } from './cache.js';
import { normalisedContent, type TenantObject } from './desired.js';
import {
  CLUSTER_CHILD_KINDS,
  KINDS,
  NAMESPACED_CHILD_KINDS,
  collectionPath,
  type ClusterChildKind,
  type NamespacedChildKind,
} from './kinds.js';
import { CLUSTER_ROLE_NAMESPACE_OWNER, MANAGED_SELECTOR } from './names.js';
import type { RecentWrites } from './recent.js';
import { recentKey } from './writer.js';

/**
 * The key of the cluster-wide objects every Tenant shares (the namespace-owner ClusterRole). A
 * Tenant name is a DNS label, so it can never be this.
 */
export const GLOBAL_KEY = ':global';

/** Index of namespaces by the Tenant their label names. */
export const INDEX_NAMESPACES_BY_LABEL = 'tenant-controller:namespaces-by-tenant-label';
/** Index of namespaces by the UIDs of the Tenants they reference. */
export const INDEX_NAMESPACES_BY_TENANT_UID = 'tenant-controller:namespaces-by-tenant-uid';
/** Index of children by the Tenant of their label. */
export const INDEX_CHILDREN_BY_TENANT = 'tenant-controller:children-by-tenant';

/** Every cache the Tenant controller reads. */
export interface TenantCaches {
  readonly tenants: Informer<TenantObject>;
  readonly namespaces: Informer<KubeObject>;
  readonly children: Readonly<Record<NamespacedChildKind, Informer<KubeObject>>>;
  readonly cluster: Readonly<Record<ClusterChildKind, Informer<KubeObject>>>;
}

function tenantRefs(obj: DeepReadonly<KubeObject>): DeepReadonly<{ name: string; uid: string }>[] {
  return (obj.metadata?.ownerReferences ?? []).filter(
    (r) =>
      r.kind === TENANT_KIND && r.apiVersion.split('/')[0] === TENANT_API_VERSION.split('/')[0],
  );
}

/** The Tenant keys a Namespace event concerns: the Tenant of its label and every Tenant it references. */
export function tenantKeysOfNamespace(ns: DeepReadonly<KubeObject>): string[] {
  const keys = new Set<string>();
  const label = ns.metadata?.labels?.[LABEL_TENANT];
  if (label !== undefined && label !== '') keys.add(label);
  for (const r of tenantRefs(ns)) keys.add(r.name);
  return [...keys];
}

/** The Tenant key of a child (its label), or {@link GLOBAL_KEY} for the shared ClusterRole. */
export function tenantKeysOfChild(obj: DeepReadonly<KubeObject>): string[] {
  const label = obj.metadata?.labels?.[LABEL_TENANT];
  if (label !== undefined && label !== '') return [label];
  if (obj.kind === 'ClusterRole' && obj.metadata?.name === CLUSTER_ROLE_NAMESPACE_OWNER)
    return [GLOBAL_KEY];
  return [];
}

function addIndexOnce(
  informer: Informer<KubeObject>,
  name: string,
  fn: (o: DeepReadonly<KubeObject>) => readonly string[],
): void {
  try {
    informer.addIndex(name, fn);
  } catch (err) {
    // The namespace informer is shared; a second module instance in the same process (tests)
    // registers the same index on it. The existing one computes the same values.
    if (!(err instanceof Error) || !err.message.includes('already exists')) throw err;
  }
}

/** Registers (or finds) the shared informers the Tenant controller needs, with its indexes. */
export function registerTenantInformers(informers: SharedInformers): TenantCaches {
  const tenants = informers.get<TenantObject>({ path: collectionPath(KINDS.Tenant) });
  const namespaces = informers.get<KubeObject>({ path: collectionPath(KINDS.Namespace) });
  addIndexOnce(namespaces, INDEX_NAMESPACES_BY_LABEL, (ns) => {
    const t = ns.metadata?.labels?.[LABEL_TENANT];
    return t !== undefined && t !== '' ? [t] : [];
  });
  addIndexOnce(namespaces, INDEX_NAMESPACES_BY_TENANT_UID, (ns) =>
    tenantRefs(ns).map((r) => r.uid),
  );
  const childSelector = `${MANAGED_SELECTOR},${LABEL_TENANT}`;
  const children = {} as Record<NamespacedChildKind, Informer<KubeObject>>;
  for (const kind of NAMESPACED_CHILD_KINDS) {
    const informer = informers.get<KubeObject>({
      path: collectionPath(KINDS[kind]),
      labelSelector: childSelector,
      transform: compactChild(kind, normalisedContent),
    });
    addIndexOnce(informer, INDEX_CHILDREN_BY_TENANT, (o) => tenantKeysOfChild(o));
    children[kind] = informer;
  }
  const cluster = {} as Record<ClusterChildKind, Informer<KubeObject>>;
  for (const kind of CLUSTER_CHILD_KINDS) {
    // Without the tenant label in the selector: the shared namespace-owner ClusterRole has none.
    const informer = informers.get<KubeObject>({
      path: collectionPath(KINDS[kind]),
      labelSelector: MANAGED_SELECTOR,
      transform: compactChild(kind, normalisedContent),
    });
    addIndexOnce(informer, INDEX_CHILDREN_BY_TENANT, (o) => tenantKeysOfChild(o));
    cluster[kind] = informer;
  }
  return { tenants, namespaces, children, cluster };
}

/**
 * Connects the caches to `controller`. Namespace updates enqueue the Tenants of both the old and
 * the new state, so a namespace that left a Tenant (label or reference removed) is noticed by the
 * Tenant it left.
 */
export function watchTenantSources(controller: Controller, caches: TenantCaches): void {
  controller.watch(caches.tenants);
  controller.watch(caches.namespaces, { map: tenantKeysOfNamespace });
  caches.namespaces.addEventHandler({
    onChange: (_obj, old) => {
      if (old !== undefined) for (const key of tenantKeysOfNamespace(old)) controller.enqueue(key);
    },
  });
  for (const informer of [...Object.values(caches.children), ...Object.values(caches.cluster)]) {
    controller.watch(informer, { map: tenantKeysOfChild });
  }
}

/**
 * Tells `recent` what every cache receives, so a remembered write is forgotten as soon as the
 * cache has seen it, or has seen it deleted (see {@link RecentWrites.observed}).
 */
export function followCaches(recent: RecentWrites, caches: TenantCaches): void {
  const follow = <T extends KubeObject>(kind: string, informer: Informer<T>): void => {
    const key = (o: DeepReadonly<KubeObject>): string =>
      recentKey(kind, o.metadata?.namespace, o.metadata?.name ?? '');
    informer.addEventHandler({
      onChange: (obj) => recent.observed(key(obj), obj),
      onDelete: (obj) => recent.observedDelete(key(obj), obj),
    });
  };
  follow('Tenant', caches.tenants);
  follow('Namespace', caches.namespaces);
  for (const [kind, informer] of Object.entries(caches.children)) follow(kind, informer);
  for (const [kind, informer] of Object.entries(caches.cluster)) follow(kind, informer);
}
