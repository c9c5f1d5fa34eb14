/**
 * Self-service namespaces. The mutating hook picks the tenant of a namespace an owner creates
 * and adds the tenant label and the Tenant ownerReference; the validating hook checks the final
 * state of every create, update (including the `status` and `finalize` subresources) and delete
 * of a namespace that involves a tenant. Both are pure: `(request, state) → verdict`; the one
 * side effect (the namespace-count reservation) is returned as a {@link Reservation} for the
 * server to carry out.
 */
import { LABEL_TENANT } from '../../crds/index.js';
import type { KubeObject } from '../runtime/index.js';
import { tenantOwnerReference } from '../tenant/membership.js';
import { isOwnerOf, isPrivileged, isSystemComponent } from './identity.js';
import {
  changedOrRemovedKeys,
  forbiddenReason,
  involvesTenant,
  isReservedKey,
  ownershipChanged,
  setKeys,
  tenantReferences,
} from './metadata.js';
import { isTenantIdentity, membership, type AdmissionState, type TenantObject } from './state.js';
import {
  allow,
  deny,
  patched,
  pointerEscape,
  type AdmissionRequest,
  type JsonPatchOp,
  type Verdict,
} from './types.js';

/** A namespace-count reservation the server must make (CAS on the ledger) before allowing. */
export interface Reservation {
  readonly tenant: string;
  readonly tenantUid: string;
  readonly namespace: string;
  readonly quota: number;
  /** Names of the tenant's namespaces in this replica's cache. */
  readonly members: readonly string[];
  /** Dry run: check only, write nothing. */
  readonly dryRun: boolean;
}

/** What the validating namespace hook decided. */
export type NamespaceDecision = Verdict | { readonly reserve: Reservation };

const nameOf = (obj: KubeObject | null | undefined): string =>
  obj?.metadata?.name ?? obj?.metadata?.generateName ?? '';

const list = (tenants: readonly TenantObject[]): string =>
  tenants.map((t) => t.metadata.name ?? '').join(', ');

/** The tenant of a new namespace: explicit label, else the longest `<tenant>-` prefix. */
function chooseTenant(
  name: string,
  label: string | undefined,
  owned: readonly TenantObject[],
  state: AdmissionState,
): TenantObject | string {
  if (label !== undefined && label !== '') {
    const t = state.tenant(label);
    if (t === undefined) return `tenant ${label} (label ${LABEL_TENANT}) does not exist`;
    if (!owned.includes(t)) {
      return `you are not an owner of tenant ${label}; your tenants: ${list(owned) || 'none'}`;
    }
    return t;
  }
  let best: TenantObject | undefined;
  for (const t of owned) {
    const prefix = `${t.metadata.name ?? ''}-`;
    if (name.startsWith(prefix) && prefix.length > (best?.metadata.name ?? '').length + 1) best = t;
  }
  return (
    best ??
    `namespace ${name} matches none of your tenants (${list(owned)}): name it <tenant>-<suffix> or set the label ${LABEL_TENANT}=<tenant>`
  );
}

function ensureLabelOps(ns: KubeObject, tenant: string): JsonPatchOp[] {
  if (ns.metadata?.labels?.[LABEL_TENANT] === tenant) return [];
  const ops: JsonPatchOp[] = [];
  if (ns.metadata?.labels === undefined)
    ops.push({ op: 'add', path: '/metadata/labels', value: {} });
  ops.push({ op: 'add', path: `/metadata/labels/${pointerEscape(LABEL_TENANT)}`, value: tenant });
  return ops;
}

function ensureOwnerRefOps(ns: KubeObject, t: TenantObject): JsonPatchOp[] {
  const ref = tenantOwnerReference({
    metadata: { name: t.metadata.name ?? '', uid: t.metadata.uid ?? '' },
  });
  const refs = ns.metadata?.ownerReferences;
  if (refs === undefined) return [{ op: 'add', path: '/metadata/ownerReferences', value: [ref] }];
  // Tenant references sent by the requester are left for the validating hook to judge.
  if (tenantReferences(ns).length > 0) return [];
  return [{ op: 'add', path: '/metadata/ownerReferences/-', value: ref }];
}

/**
 * Mutating hook, namespaces CREATE (failurePolicy Ignore; the validating hook checks the result).
 *
 * - A privileged user who sets the tenant label of an existing Tenant gets the ownerReference
 *   added (adoption at creation); otherwise the request passes unchanged.
 * - A requester who owns no Tenant passes unchanged (not self-service; RBAC decides).
 * - An owner gets the tenant chosen by the explicit label, else the longest `<tenant>-` prefix of
 *   the name among the tenants they own, else a denial listing their tenants.
 */
export function mutateNamespace(req: AdmissionRequest, state: AdmissionState): Verdict {
  const ns = req.object;
  if (req.operation !== 'CREATE' || ns === null || ns === undefined) return allow();
  if (isPrivileged(req.userInfo, state.privileged) || isSystemComponent(req.userInfo)) {
    return adoptOnCreate(ns, state);
  }
  const label = ns.metadata?.labels?.[LABEL_TENANT];
  const owned = state.tenantsOwnedBy(req.userInfo);
  if (owned.length === 0 && (label === undefined || label === '')) return allow();
  const chosen = chooseTenant(nameOf(ns), label, owned, state);
  if (typeof chosen === 'string') return deny(`cannot create namespace ${nameOf(ns)}: ${chosen}`);
  return patched([
    ...ensureLabelOps(ns, chosen.metadata.name ?? ''),
    ...ensureOwnerRefOps(ns, chosen),
  ]);
}

/** An administrator's namespace with only the tenant label gets the ownerReference (adoption). */
function adoptOnCreate(ns: KubeObject, state: AdmissionState): Verdict {
  const label = ns.metadata?.labels?.[LABEL_TENANT];
  const t = label !== undefined ? state.tenant(label) : undefined;
  if (t === undefined || tenantReferences(ns).length > 0) return allow();
  return patched(ensureOwnerRefOps(ns, t), [
    `namespace ${nameOf(ns)} joins tenant ${label ?? ''} (ownerReference added)`,
  ]);
}

type StringMap = Readonly<Record<string, string>> | undefined;

interface KeyRules {
  readonly what: 'label' | 'annotation';
  readonly tenant: string;
  readonly forced: StringMap;
  readonly forbidden: Parameters<typeof forbiddenReason>[1];
}

/** A key being added or changed: reserved, forbidden, or fine (forced values may be restated). */
function setKeyProblem(key: string, value: string | undefined, r: KeyRules): string | undefined {
  if (r.what === 'label' && key === LABEL_TENANT) return undefined;
  if (isReservedKey(key)) return `${r.what} ${key} is reserved to administrators`;
  if (r.forced?.[key] !== undefined && r.forced[key] === value) return undefined;
  return forbiddenReason(key, r.forbidden, r.what);
}

/** A key being changed or removed: reserved keys and the tenant's forced metadata stay. */
function removedKeyProblem(key: string, r: KeyRules): string | undefined {
  if (r.what === 'label' && key === LABEL_TENANT) return undefined;
  if (isReservedKey(key)) return `${r.what} ${key} is reserved to administrators`;
  if (r.forced?.[key] !== undefined) {
    return `${r.what} ${key} is set by tenant ${r.tenant} (additionalMetadata) and cannot be changed or removed`;
  }
  return undefined;
}

function mapProblem(next: StringMap, prev: StringMap, r: KeyRules): string | undefined {
  for (const key of setKeys(next, prev)) {
    const p = setKeyProblem(key, next?.[key], r);
    if (p !== undefined) return p;
  }
  for (const key of changedOrRemovedKeys(next, prev)) {
    const p = removedKeyProblem(key, r);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** Checks the labels and annotations a non-admin sets on a namespace of `t`. */
function metadataProblem(
  t: TenantObject,
  next: KubeObject,
  prev: KubeObject | null | undefined,
): string | undefined {
  const opts = t.spec?.namespaceOptions ?? {};
  const forced = opts.additionalMetadata ?? {};
  const tenant = t.metadata.name ?? '';
  const labels: KeyRules = {
    what: 'label',
    tenant,
    forced: forced.labels,
    forbidden: opts.forbiddenLabels,
  };
  const annotations: KeyRules = {
    what: 'annotation',
    tenant,
    forced: forced.annotations,
    forbidden: opts.forbiddenAnnotations,
  };
  return (
    mapProblem(next.metadata?.labels, prev?.metadata?.labels, labels) ??
    mapProblem(next.metadata?.annotations, prev?.metadata?.annotations, annotations)
  );
}

/** Why `user` may not create a namespace named `name` in tenant `t`, if they may not. */
function createRefusal(req: AdmissionRequest, t: TenantObject, name: string): string | undefined {
  const tenant = t.metadata.name ?? '';
  if (!isOwnerOf(req.userInfo, t.spec?.owners)) {
    return `user ${req.userInfo.username ?? ''} is not one of the owners of tenant ${tenant}`;
  }
  if (t.metadata.deletionTimestamp !== undefined) return `tenant ${tenant} is being deleted`;
  if (t.spec?.cordoned === true) return `tenant ${tenant} is cordoned`;
  if (t.spec?.namespaceOptions?.forceTenantPrefix === true && !name.startsWith(`${tenant}-`)) {
    return `tenant ${tenant} requires names starting with "${tenant}-"`;
  }
  return undefined;
}

function validateCreate(
  req: AdmissionRequest,
  state: AdmissionState,
  ns: KubeObject,
): NamespaceDecision {
  const name = nameOf(ns);
  const m = membership(state, ns);
  if (!m.member) {
    return deny(
      `cannot create namespace ${name}: ${m.reason}; only the tenantry webhook or an administrator sets the tenant of a namespace`,
    );
  }
  const t = state.tenant(m.tenant);
  if (t === undefined) return deny(`tenant ${m.tenant} does not exist`);
  if (tenantReferences(ns).some((r) => r.controller === true || r.blockOwnerDeletion === true)) {
    return deny(
      `cannot create namespace ${name}: the Tenant ownerReference must not set controller or blockOwnerDeletion`,
    );
  }
  const problem = createRefusal(req, t, name) ?? metadataProblem(t, ns, undefined);
  if (problem !== undefined) return deny(`cannot create namespace ${name}: ${problem}`);
  const quota = t.spec?.namespaceOptions?.quota;
  if (quota === undefined) return allow();
  return {
    reserve: {
      tenant: m.tenant,
      tenantUid: t.metadata.uid ?? '',
      namespace: name,
      quota,
      members: state.memberNamespaces(m.tenant),
      dryRun: req.dryRun === true,
    },
  };
}

/** UPDATE (main resource, `status`, `finalize`) and DELETE. */
function validateChange(req: AdmissionRequest, state: AdmissionState, old: KubeObject): Verdict {
  const name = nameOf(old);
  const next = req.operation === 'DELETE' ? undefined : (req.object ?? undefined);
  const sub = req.subResource ?? '';
  const via = sub !== '' ? ` (via ${sub})` : '';
  if (next !== undefined && ownershipChanged(old, next)) {
    return deny(
      `cannot change the tenant of namespace ${name}${via}: the ${LABEL_TENANT} label and the Tenant ownerReference can only be changed by an administrator`,
    );
  }
  const m = membership(state, old);
  const t = m.member ? state.tenant(m.tenant) : undefined;
  if (t === undefined) return allow();
  const problem = changeRefusal(req, state, t, next);
  if (problem === undefined) return allow();
  const verb = req.operation === 'DELETE' ? 'delete' : 'update';
  return deny(`cannot ${verb} namespace ${name}${via}: ${problem}`);
}

/** Why the requester may not update or delete a namespace of `t`, if they may not. */
function changeRefusal(
  req: AdmissionRequest,
  state: AdmissionState,
  t: TenantObject,
  next: KubeObject | undefined,
): string | undefined {
  const tenant = t.metadata.name ?? '';
  if (!isOwnerOf(req.userInfo, t.spec?.owners)) {
    // Identities outside every tenant (GitOps tools, platform bots) are left to RBAC.
    if (!isTenantIdentity(state, req.userInfo)) return undefined;
    return `it belongs to tenant ${tenant} and user ${req.userInfo.username ?? ''} is not one of its owners`;
  }
  if (t.spec?.cordoned === true) return `tenant ${tenant} is cordoned`;
  return next === undefined ? undefined : metadataProblem(t, next, req.oldObject);
}

/**
 * Validating hook, namespaces (+ `status`, `finalize`) CREATE/UPDATE/DELETE (failurePolicy
 * Fail). Called only for requests involving a tenant (matchConditions); privileged users and
 * Kubernetes components pass (they are excluded by matchConditions too).
 */
export function validateNamespace(req: AdmissionRequest, state: AdmissionState): NamespaceDecision {
  if (isPrivileged(req.userInfo, state.privileged) || isSystemComponent(req.userInfo))
    return allow();
  const obj = req.object ?? undefined;
  const old = req.oldObject ?? undefined;
  if (!involvesTenant(obj) && !involvesTenant(old)) return allow();
  if (req.operation === 'CREATE' && obj !== undefined) return validateCreate(req, state, obj);
  if ((req.operation === 'UPDATE' || req.operation === 'DELETE') && old !== undefined) {
    return validateChange(req, state, old);
  }
  return allow();
}
