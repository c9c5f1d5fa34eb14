// The few API calls kubectl tenant makes, over the raw REST client. Every call states what it
// asks for (verb, resource, namespace, name), so a denial can name the missing permission.
import type { Tenant } from '../../crds/index.js';
import { TENANT_PLURAL, GROUP, VERSION } from '../../crds/constants.js';
import type { RestClient, RestMethod, RestResponse } from '../shared/kube-rest.js';
import { isRecord } from '../shared/objects.js';

/** What a request asks the API server for, in RBAC terms. */
export interface Target {
  readonly verb: string;
  /** Plural resource, e.g. `tenants`. */
  readonly resource: string;
  /** API group; `''` for the core group. */
  readonly group: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A Kubernetes `Status` failure, with the request it answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly serverMessage: string,
    readonly target: Target,
  ) {
    super(serverMessage || `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** True for an {@link ApiError} with this HTTP status. */
export function isStatus(err: unknown, status: number): err is ApiError {
  return err instanceof ApiError && err.status === status;
}

/** A namespace as far as kubectl tenant reads it. */
export interface Namespace {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  status?: { phase?: string };
}

/** An ownerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any object of a list (propagated children). */
export interface AnyObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
  };
  [field: string]: unknown;
}

/** A list response. */
export interface List<T> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** Kinds whose objects the Tenant controller propagates into namespaces. */
export interface ChildKind {
  readonly kind: string;
  readonly resource: string;
  readonly group: string;
  /** The `tenantry.io/propagated-from` value. */
  readonly from: string;
}

/** The propagated kinds, in the order describe shows them. */
export const CHILD_KINDS: readonly ChildKind[] = [
  { kind: 'ResourceQuota', resource: 'resourcequotas', group: '', from: 'resourcequota' },
  { kind: 'LimitRange', resource: 'limitranges', group: '', from: 'limitrange' },
  {
    kind: 'NetworkPolicy',
    resource: 'networkpolicies',
    group: 'networking.k8s.io',
    from: 'networkpolicy',
  },
  {
    kind: 'RoleBinding',
    resource: 'rolebindings',
    group: 'rbac.authorization.k8s.io',
    from: 'rolebinding',
  },
];

const VERSIONS: Readonly<Record<string, string>> = {
  '': 'v1',
  [GROUP]: VERSION,
  'networking.k8s.io': 'v1',
  'rbac.authorization.k8s.io': 'v1',
  'authentication.k8s.io': 'v1',
  'authorization.k8s.io': 'v1',
};

/** The REST path of a resource (collection when `name` is absent). */
export function pathOf(t: Omit<Target, 'verb'>): string {
  const version = VERSIONS[t.group] ?? 'v1';
  const base = t.group === '' ? `/api/${version}` : `/apis/${t.group}/${version}`;
  const ns = t.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(t.namespace)}`;
  const name = t.name === undefined ? '' : `/${encodeURIComponent(t.name)}`;
  return `${base}${ns}/${t.resource}${name}`;
}

/** Field manager of every write kubectl tenant makes. */
export const FIELD_MANAGER = 'kubectl-tenant';

/** Options of a write. */
export interface WriteOptions {
  /** `dryRun=All`: the API server validates and admits, but stores nothing. */
  readonly dryRun?: boolean;
}

/** Media types of PATCH. */
export type PatchType = 'merge' | 'json';

const PATCH_TYPES: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

const TENANTS = { resource: TENANT_PLURAL, group: GROUP } as const;
const NAMESPACES = { resource: 'namespaces', group: '' } as const;

/** Typed calls over a {@link RestClient}. Failures are {@link ApiError}s. */
export class KubeApi {
  constructor(readonly rest: RestClient) {}

  /** Sends one request and decodes the JSON answer. @throws {@link ApiError} */
  async call<T>(
    method: RestMethod,
    target: Target,
    options: {
      body?: unknown;
      query?: Record<string, string | number | boolean | undefined>;
      contentType?: string;
    } = {},
  ): Promise<T> {
    // A create goes to the collection; the name stays in the target for messages.
    const path = pathOf(method === 'POST' ? { ...target, name: undefined } : target);
    const res = await this.rest.request({
      method,
      path,
      query: options.query,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      contentType: options.contentType,
    });
    if (res.status >= 200 && res.status < 300) return decode<T>(res);
    throw toApiError(res, target);
  }

  getTenant(name: string): Promise<Tenant> {
    return this.call('GET', { verb: 'get', ...TENANTS, name });
  }

  listTenants(labelSelector?: string): Promise<List<Tenant>> {
    return this.call('GET', { verb: 'list', ...TENANTS }, { query: { labelSelector } });
  }

  createTenant(tenant: Tenant, options: WriteOptions = {}): Promise<Tenant> {
    return this.call(
      'POST',
      { verb: 'create', ...TENANTS, name: tenant.metadata.name },
      { body: tenant, query: writeQuery(options) },
    );
  }

  patchTenant(
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): Promise<Tenant> {
    return this.call(
      'PATCH',
      { verb: 'patch', ...TENANTS, name },
      { body: patch, contentType: PATCH_TYPES[type], query: writeQuery(options) },
    );
  }

  deleteTenant(
    name: string,
    uid: string | undefined,
    options: WriteOptions = {},
  ): Promise<unknown> {
    return this.call(
      'DELETE',
      { verb: 'delete', ...TENANTS, name },
      { body: deleteOptions(uid, options) },
    );
  }

  getNamespace(name: string): Promise<Namespace> {
    return this.call('GET', { verb: 'get', ...NAMESPACES, name });
  }

  listNamespaces(labelSelector: string): Promise<List<Namespace>> {
    return this.call('GET', { verb: 'list', ...NAMESPACES }, { query: { labelSelector } });
  }

  createNamespace(ns: Namespace, options: WriteOptions = {}): Promise<Namespace> {
    return this.call(
      'POST',
      { verb: 'create', ...NAMESPACES, name: ns.metadata.name },
      { body: ns, query: writeQuery(options) },
    );
  }

  patchNamespace(name: string, patch: unknown, options: WriteOptions = {}): Promise<Namespace> {
    return this.call(
      'PATCH',
      { verb: 'patch', ...NAMESPACES, name },
      { body: patch, contentType: PATCH_TYPES.merge, query: writeQuery(options) },
    );
  }

  deleteNamespace(
    name: string,
    uid: string | undefined,
    options: WriteOptions = {},
  ): Promise<unknown> {
    return this.call(
      'DELETE',
      { verb: 'delete', ...NAMESPACES, name },
      { body: deleteOptions(uid, options) },
    );
  }

  /** Lists propagated children, cluster-wide or in one namespace. */
  listChildren(
    kind: ChildKind,
    labelSelector: string,
    namespace?: string,
  ): Promise<List<AnyObject>> {
    return this.call(
      'GET',
      { verb: 'list', resource: kind.resource, group: kind.group, namespace },
      { query: { labelSelector } },
    );
  }

  /** Who the API server thinks the caller is (`SelfSubjectReview`, Kubernetes ≥ 1.28). */
  async whoAmI(): Promise<{ username: string; groups: string[] }> {
    const review = await this.call<{
      status?: { userInfo?: { username?: string; groups?: string[] } };
    }>(
      'POST',
      { verb: 'create', resource: 'selfsubjectreviews', group: 'authentication.k8s.io' },
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    const info = review.status?.userInfo ?? {};
    return { username: info.username ?? '', groups: info.groups ?? [] };
  }
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { fieldManager: FIELD_MANAGER, dryRun: options.dryRun ? 'All' : undefined };
}

// A UID precondition: never delete an object that was re-created since we looked at it. The
// API server reads DELETE options from the body when there is one and then ignores the query,
// so dryRun goes into the body too.
function deleteOptions(uid: string | undefined, options: WriteOptions): object {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(uid === undefined ? {} : { preconditions: { uid } }),
    ...(options.dryRun ? { dryRun: ['All'] } : {}),
  };
}

function decode<T>(res: RestResponse): T {
  const text = res.body.toString('utf8');
  if (text.trim() === '') return {} as T;
  return JSON.parse(text) as T;
}

/** Builds the {@link ApiError} for a failed response (a Kubernetes Status, or plain text). */
export function toApiError(res: RestResponse, target: Target): ApiError {
  const text = res.body.toString('utf8').trim();
  let reason = '';
  let message = '';
  try {
    const status: unknown = JSON.parse(text);
    if (isRecord(status)) {
      reason = typeof status['reason'] === 'string' ? status['reason'] : '';
      message = typeof status['message'] === 'string' ? status['message'] : '';
    }
  } catch {
    message = (text.split('\n')[0] ?? '').slice(0, 300);
  }
  return new ApiError(res.status, reason, message, target);
}
