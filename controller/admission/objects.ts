/**
 * Per-tenant allow-lists on objects inside tenant namespaces: container registries (Pods and
 * every pod template), Service types, Ingress classes and hostnames, StorageClasses (PVCs and
 * StatefulSet claim templates). Pure: `(request, state) → verdict`.
 *
 * On UPDATE only values the request introduces are checked, so tightening an allow-list does
 * not freeze existing objects (an unrelated label change on an old Deployment still passes).
 */
import type { DeepReadonly, KubeObject } from '../runtime/index.js';
import { isPrivileged, isSystemComponent } from './identity.js';
import { tenantOfNamespace, type AdmissionState, type TenantObject } from './state.js';
import { allow, deny, type AdmissionRequest, type Verdict } from './types.js';

type Obj = KubeObject | DeepReadonly<KubeObject>;
type PodSpec = {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
  ephemeralContainers?: { image?: string }[];
};

/** Where the pod spec lives, per resource (templates included). */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  pods: ['spec'],
  podtemplates: ['template', 'spec'],
  deployments: ['spec', 'template', 'spec'],
  replicasets: ['spec', 'template', 'spec'],
  statefulsets: ['spec', 'template', 'spec'],
  daemonsets: ['spec', 'template', 'spec'],
  jobs: ['spec', 'template', 'spec'],
  replicationcontrollers: ['spec', 'template', 'spec'],
  cronjobs: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function dig(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/**
 * The repository of an image reference with its registry made explicit: `nginx:1.27` →
 * `docker.io/library/nginx`, `ghcr.io/acme/app@sha256:…` → `ghcr.io/acme/app`.
 */
export function imageRepository(image: string): string {
  let ref = image.split('@')[0] ?? '';
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const first = ref.split('/')[0] ?? '';
  const hasRegistry =
    ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref;
  return `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`;
}

/** True if `image` comes from one of `allowed` (`host[:port][/path-prefix]`). */
export function registryAllowed(image: string, allowed: readonly string[]): boolean {
  const repo = imageRepository(image);
  return allowed.some((a) => repo === a || repo.startsWith(`${a}/`));
}

/** True if `host` is allowed by `allowed` (exact names and `*.suffix` patterns). */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((a) =>
    a.startsWith('*.')
      ? host === a || (host.endsWith(a.slice(1)) && host.length > a.length - 1)
      : host === a,
  );
}

function images(obj: Obj | null | undefined, resource: string): string[] {
  const path = POD_SPEC_PATHS[resource];
  if (obj === null || obj === undefined || path === undefined) return [];
  const spec = dig(obj, path) as PodSpec | undefined;
  return [
    ...(spec?.containers ?? []),
    ...(spec?.initContainers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ]
    .map((c) => c.image ?? '')
    .filter((i) => i !== '');
}

function storageClasses(obj: Obj | null | undefined, resource: string): (string | undefined)[] {
  if (obj === null || obj === undefined) return [];
  const pvcClass = (pvc: unknown): string | undefined =>
    (dig(pvc, ['spec', 'storageClassName']) as string | undefined) ??
    (dig(pvc, ['metadata', 'annotations', 'volume.beta.kubernetes.io/storage-class']) as
      string | undefined);
  if (resource === 'persistentvolumeclaims') return [pvcClass(obj)];
  if (resource === 'statefulsets') {
    return ((dig(obj, ['spec', 'volumeClaimTemplates']) as unknown[] | undefined) ?? []).map(
      pvcClass,
    );
  }
  return [];
}

function ingressClasses(obj: Obj | null | undefined): (string | undefined)[] {
  if (obj === null || obj === undefined) return [];
  const byField = dig(obj, ['spec', 'ingressClassName']) as string | undefined;
  const byAnnotation = obj.metadata?.annotations?.['kubernetes.io/ingress.class'];
  const out = [byField, byAnnotation].filter((c) => c !== undefined);
  return out.length === 0 ? [undefined] : out;
}

function ingressHosts(obj: Obj | null | undefined): string[] {
  if (obj === null || obj === undefined) return [];
  const rules = (dig(obj, ['spec', 'rules']) as { host?: string }[] | undefined) ?? [];
  const tls = (dig(obj, ['spec', 'tls']) as { hosts?: string[] }[] | undefined) ?? [];
  return [...rules.map((r) => r.host ?? ''), ...tls.flatMap((t) => t.hosts ?? [])];
}

/** Values of `next` that `prev` does not have (all of them on CREATE). */
function introduced<T>(next: readonly T[], prev: readonly T[]): T[] {
  return next.filter((v) => !prev.includes(v));
}

const shown = (values: readonly string[]): string =>
  values.length === 0 ? 'none' : values.join(', ');

function checkImages(req: AdmissionRequest, t: TenantObject, resource: string): string | undefined {
  const allowed = t.spec?.containerRegistries?.allowed;
  if (allowed === undefined) return undefined;
  for (const image of introduced(images(req.object, resource), images(req.oldObject, resource))) {
    if (!registryAllowed(image, allowed)) {
      return `image ${image} is not from a registry allowed in tenant ${t.metadata.name ?? ''} (allowed: ${shown(allowed)})`;
    }
  }
  return undefined;
}

function checkStorage(
  req: AdmissionRequest,
  t: TenantObject,
  resource: string,
): string | undefined {
  const allowed = t.spec?.storageClasses?.allowed;
  if (allowed === undefined) return undefined;
  for (const cls of introduced(
    storageClasses(req.object, resource),
    storageClasses(req.oldObject, resource),
  )) {
    if (cls === undefined || !allowed.includes(cls)) {
      const which =
        cls === undefined
          ? 'a PersistentVolumeClaim without a StorageClass'
          : `StorageClass ${cls === '' ? '""' : cls}`;
      return `${which} is not allowed in tenant ${t.metadata.name ?? ''} (allowed: ${shown(allowed)})`;
    }
  }
  return undefined;
}

function checkService(req: AdmissionRequest, t: TenantObject): string | undefined {
  const opts = t.spec?.serviceOptions;
  const type = (dig(req.object, ['spec', 'type']) as string | undefined) ?? 'ClusterIP';
  const oldType = dig(req.oldObject, ['spec', 'type']) as string | undefined;
  if (opts === undefined || type === oldType) return undefined;
  const allowed: Record<string, boolean | undefined> = {
    NodePort: opts.allowNodePort,
    LoadBalancer: opts.allowLoadBalancer,
    ExternalName: opts.allowExternalName,
  };
  return allowed[type] === false
    ? `Services of type ${type} are not allowed in tenant ${t.metadata.name ?? ''}`
    : undefined;
}

function checkIngress(req: AdmissionRequest, t: TenantObject): string | undefined {
  const name = t.metadata.name ?? '';
  const classes = t.spec?.ingressOptions?.allowedClasses;
  if (classes !== undefined) {
    for (const c of introduced(ingressClasses(req.object), ingressClasses(req.oldObject))) {
      if (c === undefined || !classes.includes(c)) {
        const which = c === undefined ? 'an Ingress without an IngressClass' : `IngressClass ${c}`;
        return `${which} is not allowed in tenant ${name} (allowed: ${shown(classes)})`;
      }
    }
  }
  const hosts = t.spec?.ingressOptions?.allowedHostnames;
  if (hosts === undefined) return undefined;
  for (const h of introduced(ingressHosts(req.object), ingressHosts(req.oldObject))) {
    if (h === '')
      return `an Ingress rule without a host matches every hostname; tenant ${name} allows only: ${shown(hosts)}`;
    if (!hostAllowed(h, hosts))
      return `host ${h} is not allowed in tenant ${name} (allowed: ${shown(hosts)})`;
  }
  return undefined;
}

function problemFor(req: AdmissionRequest, t: TenantObject): string | undefined {
  const resource = req.resource.resource;
  switch (resource) {
    case 'services':
      return checkService(req, t);
    case 'ingresses':
      return checkIngress(req, t);
    case 'persistentvolumeclaims':
      return checkStorage(req, t, resource);
    case 'statefulsets':
      return checkImages(req, t, resource) ?? checkStorage(req, t, resource);
    default:
      return checkImages(req, t, resource);
  }
}

/**
 * Validating hook for objects in tenant namespaces (failurePolicy Fail; namespaceSelector on the
 * tenant label; privileged users and Kubernetes components excluded by matchConditions, so the
 * ReplicaSet controller's Pod creates never wait on tenantry — their templates were checked).
 */
export function validateObject(req: AdmissionRequest, state: AdmissionState): Verdict {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return allow();
  if (isPrivileged(req.userInfo, state.privileged) || isSystemComponent(req.userInfo))
    return allow();
  const t = tenantOfNamespace(state, req.namespace);
  if (t === undefined) return allow();
  const problem = problemFor(req, t);
  if (problem === undefined) return allow();
  const kind = req.kind.kind;
  return deny(`${kind} ${req.name ?? ''} in namespace ${req.namespace ?? ''}: ${problem}`);
}
