// Test helpers for `kubectl tenant`: run() with in-memory IO, and a small in-memory API server
// behind the plugin's own seam (the RestClient). It answers like the real one where the plugin
// cares: Status bodies, RBAC denial messages, merge and JSON patches, DELETE options in the body.
// Behaviour the API server owns (RBAC, admission, GC) is tested against the real plane instead.
import { PassThrough, Readable } from 'node:stream';
import type { Tenant } from '../../../crds/index.js';
import type { RestClient, RestRequest, RestResponse } from '../../../plugin/shared/kube-rest.js';
import { run } from '../../../plugin/tenant/run.js';
import type { TenantDependencies } from '../../../plugin/tenant/context.js';

/** What a run printed and returned. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string } };

/** One RBAC rule the fake denies: verb on resource (optionally one name). */
export interface Denial {
  readonly verb: string;
  readonly resource: string;
  readonly name?: string;
  /** `cluster`: only cluster-wide requests; a namespace: only there. @default everywhere */
  readonly where?: string;
}

const NOW = '2026-01-02T03:04:05Z';

/** An in-memory cluster: tenants, namespaces and propagated children. */
export class FakeCluster {
  readonly objects = new Map<string, Map<string, Obj>>();
  readonly requests: (RestRequest & { parsedBody?: unknown })[] = [];
  readonly denials: Denial[] = [];
  user = 'tester';
  groups: string[] = ['system:authenticated'];
  unreachable = false;
  private counter = 0;

  /** Adds an object as stored (uid, resourceVersion, creationTimestamp filled in). */
  add(resource: string, obj: object, namespace?: string): Obj {
    const o = structuredClone(obj) as Obj;
    o.metadata.uid ??= `uid-${o.metadata.name}`;
    o.metadata.resourceVersion = String(++this.counter);
    o.metadata.creationTimestamp ??= NOW;
    if (namespace !== undefined) o.metadata.namespace = namespace;
    this.bucket(resource).set(key(namespace, o.metadata.name), o);
    return o;
  }

  /** Adds a Tenant. */
  tenant(name: string, spec: Partial<Tenant['spec']> = {}, status?: Tenant['status']): Obj {
    return this.add('tenants', {
      apiVersion: 'tenantry.io/v1alpha1',
      kind: 'Tenant',
      metadata: { name },
      spec: { owners: [{ kind: 'User', name: 'alice', clusterRoles: ['admin'] }], ...spec },
      ...(status ? { status } : {}),
    });
  }

  /** Adds a namespace owned by `tenant` (label + ownerReference with its UID). */
  ownedNamespace(name: string, tenant: string): Obj {
    return this.add('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: { 'tenantry.io/tenant': tenant },
        ownerReferences: [
          {
            apiVersion: 'tenantry.io/v1alpha1',
            kind: 'Tenant',
            name: tenant,
            uid: `uid-${tenant}`,
          },
        ],
      },
      status: { phase: 'Active' },
    });
  }

  get(resource: string, name: string, namespace?: string): Obj | undefined {
    return this.bucket(resource).get(key(namespace, name));
  }

  /** Denies `verb` on `resource` (and `name`, and only `where`) with the authorizer's message. */
  deny(verb: string, resource: string, name?: string, where?: string): void {
    this.denials.push({
      verb,
      resource,
      ...(name === undefined ? {} : { name }),
      ...(where === undefined ? {} : { where }),
    });
  }

  private bucket(resource: string): Map<string, Obj> {
    let b = this.objects.get(resource);
    if (!b) this.objects.set(resource, (b = new Map()));
    return b;
  }

  /** The plugin's seam. */
  client(): RestClient {
    return {
      description: 'context "fake" of kubeconfig /fake/config',
      server: 'https://fake.example:6443',
      user: this.user,
      request: async (req) => {
        if (this.unreachable) {
          throw new Error(
            'cannot reach the API server https://fake.example:6443 (context "fake" of kubeconfig /fake/config): connection refused',
          );
        }
        const parsedBody = req.body === undefined ? undefined : (JSON.parse(req.body) as unknown);
        this.requests.push({ ...req, parsedBody });
        return this.serve(req, parsedBody);
      },
      close: () => undefined,
    };
  }

  private serve(req: RestRequest, body: unknown): RestResponse {
    if (req.path === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
      return ok({ status: { userInfo: { username: this.user, groups: this.groups } } });
    }
    const route = parsePath(req.path);
    if (route === undefined) return status(404, 'NotFound', `no route ${req.path}`);
    const verb = verbOf(req.method, route.name);
    const denied = this.denials.find(
      (d) =>
        d.verb === verb &&
        d.resource === route.resource &&
        (d.name === undefined || d.name === route.name) &&
        (d.where === undefined ||
          (d.where === 'cluster' ? route.namespace === undefined : d.where === route.namespace)),
    );
    if (denied) return this.forbidden(verb, route);
    switch (req.method) {
      case 'GET':
        return route.name === undefined ? this.list(route, req) : this.read(route);
      case 'POST':
        if (route.name !== undefined) {
          return status(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
        }
        return this.create(route, body as Obj, req);
      case 'PATCH':
        return this.patch(route, body, req);
      case 'DELETE':
        return this.remove(route, body as { preconditions?: { uid?: string }; dryRun?: string[] });
      default:
        return status(405, 'MethodNotAllowed', 'no');
    }
  }

  private forbidden(verb: string, r: Route): RestResponse {
    const what = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
    const obj = r.name === undefined ? what : `${what} "${r.name}"`;
    const ns = r.namespace ?? (r.resource === 'namespaces' ? r.name : undefined);
    const scope = ns !== undefined ? ` in the namespace "${ns}"` : ' at the cluster scope';
    return status(
      403,
      'Forbidden',
      `${obj} is forbidden: User "${this.user}" cannot ${verb} resource "${r.resource}" in API group "${r.group}"${scope}`,
    );
  }

  private read(r: Route): RestResponse {
    const o = this.get(r.resource, r.name ?? '', r.namespace);
    if (!o) return notFound(r);
    return ok(o);
  }

  private list(r: Route, req: RestRequest): RestResponse {
    const selector = String(req.query?.['labelSelector'] ?? '');
    const items = [...this.bucket(r.resource).values()]
      .filter((o) => r.namespace === undefined || o.metadata['namespace'] === r.namespace)
      .filter((o) => matches(selector, (o.metadata['labels'] ?? {}) as Record<string, string>))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    return ok({
      apiVersion: 'v1',
      kind: 'List',
      items,
      metadata: { resourceVersion: String(this.counter) },
    });
  }

  private create(r: Route, body: Obj, req: RestRequest): RestResponse {
    if (this.get(r.resource, body.metadata.name, r.namespace)) {
      return status(409, 'AlreadyExists', `${r.resource} "${body.metadata.name}" already exists`);
    }
    if (req.query?.['dryRun'] === 'All')
      return ok({ ...body, metadata: { ...body.metadata, uid: 'dry' } }, 201);
    return ok(this.add(r.resource, body, r.namespace), 201);
  }

  private patch(r: Route, body: unknown, req: RestRequest): RestResponse {
    const current = this.get(r.resource, r.name ?? '', r.namespace);
    if (!current) return notFound(r);
    let next: Obj;
    if (req.contentType === 'application/json-patch+json') {
      const result = applyJsonPatch(current, body as JsonOp[]);
      if (typeof result === 'string') return status(422, 'Invalid', result);
      next = result;
    } else {
      const rv = (body as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata['resourceVersion']) {
        return status(
          409,
          'Conflict',
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      next = mergePatch(current, body) as Obj;
    }
    if (req.query?.['dryRun'] === 'All') return ok(next);
    next.metadata['resourceVersion'] = String(++this.counter);
    this.bucket(r.resource).set(key(r.namespace, next.metadata.name), next);
    return ok(next);
  }

  private remove(
    r: Route,
    options: { preconditions?: { uid?: string }; dryRun?: string[] } | undefined,
  ): RestResponse {
    const current = this.get(r.resource, r.name ?? '', r.namespace);
    if (!current) return notFound(r);
    const uid = options?.preconditions?.uid;
    if (uid !== undefined && uid !== current.metadata['uid']) {
      return status(409, 'Conflict', 'Precondition failed: UID in precondition does not match');
    }
    if (!options?.dryRun?.includes('All'))
      this.bucket(r.resource).delete(key(r.namespace, r.name ?? ''));
    return ok({ kind: 'Status', status: 'Success' });
  }
}

interface Route {
  resource: string;
  group: string;
  namespace?: string;
  name?: string;
}

function parsePath(path: string): Route | undefined {
  const m =
    /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+)(?=\/))?\/([a-z]+)(?:\/([^/]+))?(?:\/status)?$/.exec(
      path,
    );
  if (!m) return undefined;
  const [, group = '', namespace, resource = '', name] = m;
  return {
    resource,
    group,
    ...(namespace === undefined ? {} : { namespace: decodeURIComponent(namespace) }),
    ...(name === undefined ? {} : { name: decodeURIComponent(name) }),
  };
}

function verbOf(method: string, name: string | undefined): string {
  const verbs: Record<string, string> = {
    POST: 'create',
    PATCH: 'patch',
    DELETE: 'delete',
    PUT: 'update',
  };
  return method === 'GET' ? (name === undefined ? 'list' : 'get') : (verbs[method] ?? method);
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function matches(selector: string, labels: Record<string, string>): boolean {
  if (selector === '') return true;
  return selector.split(',').every((term) => {
    const [k = '', v] = term.split('=');
    return v === undefined ? k in labels : labels[k] === v;
  });
}

function ok(body: unknown, code = 200): RestResponse {
  return { status: code, body: Buffer.from(JSON.stringify(body)) };
}

function status(code: number, reason: string, message: string): RestResponse {
  return ok({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }, code);
}

function notFound(r: Route): RestResponse {
  const what = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
  return status(404, 'NotFound', `${what} "${r.name ?? ''}" not found`);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    return structuredClone(patch);
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface JsonOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

function applyJsonPatch(doc: Obj, ops: readonly JsonOp[]): Obj | string {
  const out = structuredClone(doc);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1);
    const last = parts.pop() ?? '';
    let parent: unknown = out;
    for (const p of parts) parent = (parent as Record<string, unknown>)[p];
    if (typeof parent !== 'object' || parent === null) return `path ${op.path} not found`;
    const container = parent as Record<string, unknown> & unknown[];
    if (op.op === 'test') {
      if (JSON.stringify(container[last as unknown as number]) !== JSON.stringify(op.value))
        return `test failed at ${op.path}`;
    } else if (op.op === 'add' && Array.isArray(container)) {
      if (last === '-') container.push(op.value);
      else container.splice(Number(last), 0, op.value);
    } else if (op.op === 'remove' && Array.isArray(container)) {
      container.splice(Number(last), 1);
    } else if (op.op === 'remove') {
      delete (container as Record<string, unknown>)[last];
    } else {
      container[last] = op.value;
    }
  }
  return out;
}

/** Options of {@link runTenant}. */
export interface RunOptions {
  readonly cluster?: FakeCluster;
  readonly stdin?: string;
  readonly tty?: boolean;
  readonly env?: Record<string, string>;
  readonly deps?: TenantDependencies;
}

/** Runs `kubectl tenant` in-process against a fake cluster, at a fixed time. */
export async function runTenant(
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const stdin = Object.assign(
    Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    {
      isTTY: options.tty ?? false,
    },
  );
  const cluster = options.cluster;
  const code = await run(
    args,
    {
      stdin,
      stdout,
      stderr,
      env: { HOME: '/nonexistent-home', KUBECONFIG: '/nonexistent/kubeconfig', ...options.env },
    },
    {
      connect: async () => {
        if (!cluster) throw new Error('this test must not contact a cluster');
        return cluster.client();
      },
      now: () => new Date('2026-01-02T03:09:05Z'),
      sleep: async () => undefined,
      ...options.deps,
    },
  );
  return {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}
