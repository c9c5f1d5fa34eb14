/**
 * The Tenant controller's writes of children: create when absent, full update when drifted,
 * delete + create when an immutable field changed, delete when pruned. Every request names the
 * field manager; every update and delete is guarded (resourceVersion, UID) so a stale cache fails
 * with 409 rather than overwriting someone's newer state.
 *
 * Creates are plain POSTs, never server-side apply: an apply would silently take over an object
 * of the same name that tenantry does not control, which must be left alone (a Warning event and
 * `Ready=False` say why).
 */
import { FIELD_MANAGER_TENANT } from '../../crds/index.js';
import { apiErrorCode, apiErrorMessage } from '../runtime/kube.js';
import type { ApiClient } from './api.js';
import type { KubeObject } from '../runtime/objects.js';
import {
  childAction,
  updatedChild,
  type CachedTenant,
  type Cached,
  type ChildAction,
  type DesiredChild,
} from './desired.js';
import { KINDS, collectionPath, objectPath, type ChildKind } from './kinds.js';
import type { RecentWrites } from './recent.js';

/** What happened to one child. */
export type ChildOutcome =
  | { readonly result: 'unchanged' | 'created' | 'updated' | 'replaced' | 'skipped' }
  | { readonly result: 'conflict' | 'failed'; readonly message: string };

/** The recent-writes key of an object of `kind`. */
export function recentKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}:${namespace !== undefined && namespace !== '' ? `${namespace}/` : ''}${name}`;
}

/**
 * True for errors that retrying cannot fix until something else changes (the object is invalid,
 * the controller may not write it): they become a condition, not a backoff loop.
 */
export function isPermanentError(err: unknown): boolean {
  const code = apiErrorCode(err);
  return code === 400 || code === 403 || code === 422;
}

/** The apiserver's refusal to create content in a namespace being deleted. */
export function isNamespaceTerminating(err: unknown): boolean {
  return apiErrorCode(err) === 403 && apiErrorMessage(err).includes('being terminated');
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects with the first error after all settle. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        errors.push(err);
      }
    }
  });
  await Promise.all(lanes);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new AggregateError(
      errors,
      `${errors.length} writes failed: ${errors.map(apiErrorMessage).join('; ')}`,
    );
}

/** Dependencies of the child writer. */
export interface ChildWriterDeps {
  readonly client: ApiClient;
  readonly recent: RecentWrites;
}

function describe(desired: DesiredChild): string {
  const ns = desired.object.metadata?.namespace;
  return `${desired.kind} ${ns !== undefined ? `${ns}/` : ''}${desired.object.metadata?.name ?? ''}`;
}

async function create(deps: ChildWriterDeps, desired: DesiredChild): Promise<KubeObject> {
  const meta = desired.object.metadata ?? {};
  const created = await deps.client.request<KubeObject>({
    method: 'POST',
    path: collectionPath(KINDS[desired.kind], meta.namespace),
    query: { fieldManager: FIELD_MANAGER_TENANT },
    body: desired.object,
  });
  deps.recent.wrote(recentKey(desired.kind, meta.namespace, meta.name ?? ''), created);
  return created;
}

async function read(
  deps: ChildWriterDeps,
  kind: ChildKind,
  name: string,
  namespace?: string,
): Promise<KubeObject | undefined> {
  try {
    return await deps.client.request<KubeObject>({
      method: 'GET',
      path: objectPath(KINDS[kind], name, namespace),
    });
  } catch (err) {
    if (apiErrorCode(err) === 404) return undefined;
    throw err;
  }
}

/**
 * Deletes a child, only if it still has `uid` (not a namesake created since).
 *
 * @returns false if it was already gone
 */
export async function deleteChild(
  deps: ChildWriterDeps,
  kind: ChildKind,
  obj: Cached,
): Promise<boolean> {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  try {
    await deps.client.request({
      method: 'DELETE',
      path: objectPath(KINDS[kind], name, namespace),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: obj.metadata?.uid } },
    });
  } catch (err) {
    // 404: already gone; 409: the precondition failed, i.e. this UID is gone too.
    const code = apiErrorCode(err);
    if (code !== 404 && code !== 409) throw err;
    return false;
  } finally {
    deps.recent.deleted(recentKey(kind, namespace, name), obj.metadata?.uid);
  }
  return true;
}

/**
 * Creates `desired`; on AlreadyExists (a cache that has not seen our own create, or a foreign
 * object the label-filtered cache cannot see) reads the stored object and decides again.
 */
async function createOrAdopt(
  deps: ChildWriterDeps,
  tenant: CachedTenant,
  desired: DesiredChild,
): Promise<ChildOutcome> {
  const meta = desired.object.metadata ?? {};
  try {
    await create(deps, desired);
    return { result: 'created' };
  } catch (err) {
    if (apiErrorCode(err) !== 409) throw err;
    const live = await read(deps, desired.kind, meta.name ?? '', meta.namespace);
    const again = live === undefined ? 'create' : childAction(desired, live, tenant);
    if (again === 'create') throw err;
    return apply(deps, tenant, desired, live, again);
  }
}

async function apply(
  deps: ChildWriterDeps,
  tenant: CachedTenant,
  desired: DesiredChild,
  actual: Cached | undefined,
  action: ChildAction,
): Promise<ChildOutcome> {
  const meta = desired.object.metadata ?? {};
  switch (action) {
    case 'none':
      return { result: 'unchanged' };
    case 'conflict':
      return {
        result: 'conflict',
        message: `${describe(desired)} exists and is not controlled by Tenant ${tenant.metadata.name ?? ''}`,
      };
    case 'create':
      return createOrAdopt(deps, tenant, desired);
    case 'update': {
      if (actual === undefined)
        throw new Error(`${describe(desired)}: update without a stored object`);
      const updated = await deps.client.request<KubeObject>({
        method: 'PUT',
        path: objectPath(KINDS[desired.kind], meta.name ?? '', meta.namespace),
        query: { fieldManager: FIELD_MANAGER_TENANT },
        body: updatedChild(desired, actual),
      });
      deps.recent.wrote(recentKey(desired.kind, meta.namespace, meta.name ?? ''), updated);
      return { result: 'updated' };
    }
    case 'replace':
      if (actual !== undefined) await deleteChild(deps, desired.kind, actual);
      await create(deps, desired);
      return { result: 'replaced' };
  }
}

/**
 * Brings one child in line with `desired`, given the freshest cached copy. Problems retrying
 * cannot fix (a foreign object, a refused object) are returned; anything else (409 conflicts,
 * 5xx, network) is thrown for a retry with backoff.
 */
export async function ensureChild(
  deps: ChildWriterDeps,
  tenant: CachedTenant,
  desired: DesiredChild,
  actual: Cached | undefined,
): Promise<ChildOutcome> {
  try {
    return await apply(deps, tenant, desired, actual, childAction(desired, actual, tenant));
  } catch (err) {
    if (isNamespaceTerminating(err) || apiErrorCode(err) === 404) return { result: 'skipped' };
    if (isPermanentError(err)) {
      return { result: 'failed', message: `${describe(desired)}: ${apiErrorMessage(err)}` };
    }
    throw err;
  }
}
