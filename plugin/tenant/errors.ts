// API failures in plain words: which permission is missing, what was not found, what the API
// server refused and why.
import type { ApiError, Target } from './api.js';

/** `tenants.tenantry.io` for group resources, `namespaces` for the core group. */
export function resourceName(target: Pick<Target, 'resource' | 'group'>): string {
  return target.group === '' ? target.resource : `${target.resource}.${target.group}`;
}

/** The parts of the API server's RBAC denial message (`… is forbidden: User "x" cannot …`). */
export interface Denial {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly group: string;
  /** Absent at the cluster scope. */
  readonly namespace?: string;
}

const RBAC_DENIAL =
  /is forbidden: User "([^"]*)" cannot ([\w-]+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)"| at the cluster scope)?/;

/** Parses the authorizer's message; `undefined` for other 403s (admission, policies). */
export function parseDenial(message: string): Denial | undefined {
  const m = RBAC_DENIAL.exec(message);
  if (!m) return undefined;
  const [, user = '', verb = '', resource = '', group = '', namespace] = m;
  return { user, verb, resource, group, ...(namespace === undefined ? {} : { namespace }) };
}

/**
 * One line naming the missing permission: who, which verb on which resource (and object), where,
 * and the RBAC rule that would allow it.
 */
export function describeDenial(err: ApiError): string {
  const t = err.target;
  // The authorizer's own words win (the subresource, the user); the request fills in the rest.
  const parsed: Partial<Denial> = parseDenial(err.serverMessage) ?? {};
  const { verb = t.verb, resource = t.resource, group = t.group } = parsed;
  const namespace = parsed.namespace ?? t.namespace;
  const who = parsed.user ? `user "${parsed.user}"` : 'you';
  const object = t.name === undefined ? '' : ` "${t.name}"`;
  const [plural = resource, subresource] = resource.split('/');
  const what = resourceName({ resource: plural, group }) + (subresource ? `/${subresource}` : '');
  const names = t.name === undefined ? '' : ` resourceNames=[${t.name}]`;
  const rule = `verbs=[${verb}] apiGroups=["${group}"] resources=[${resource}]${names}`;
  const where = namespace === undefined ? 'at the cluster scope' : `in namespace "${namespace}"`;
  const binding =
    namespace === undefined
      ? 'a ClusterRole bound with a ClusterRoleBinding'
      : `a Role or ClusterRole bound in namespace "${namespace}"`;
  return `permission denied: ${who} cannot ${verb} ${what}${object} ${where}; missing RBAC rule ${rule} (in ${binding})`;
}

/** The kind of a target, for messages: `tenant`, `namespace`. */
function kindOf(target: Target): string {
  const names: Readonly<Record<string, string>> = {
    tenants: 'tenant',
    namespaces: 'namespace',
    resourcequotas: 'resourcequota',
    limitranges: 'limitrange',
    networkpolicies: 'networkpolicy',
    rolebindings: 'rolebinding',
  };
  return names[target.resource] ?? target.resource;
}

/**
 * The one-line message for an API failure. `hint` is appended to denials (e.g. how an owner can
 * do without the missing permission).
 */
export function explainApiError(
  err: ApiError,
  context: { server: string; description: string },
  hint?: string,
): string {
  const t = err.target;
  const object = `${kindOf(t)}${t.name === undefined ? 's' : ` "${t.name}"`}`;
  const suffix = hint ? `; ${hint}` : '';
  const detail = err.serverMessage;
  switch (err.status) {
    case 401:
      return `the API server ${context.server} rejected the credentials of ${context.description} (401 Unauthorized): the certificate or token may be expired or not trusted by this cluster`;
    case 403:
      if (parseDenial(detail) !== undefined) {
        return describeDenial(err) + suffix;
      }
      return `the API server refused to ${t.verb} ${object}: ${stripPrefix(detail)}`;
    case 404:
      return `${object} not found${suffix}`;
    case 409:
      return err.reason === 'AlreadyExists'
        ? `${object} already exists`
        : `${object} was changed by someone else meanwhile; run the command again (${detail})`;
    case 422:
      return `the API server rejected ${object}: ${stripPrefix(detail)}`;
    default:
      return `cannot ${t.verb} ${object}: the API server ${context.server} answered ${err.status}${detail ? `: ${detail}` : ''}`;
  }
}

// `Tenant.tenantry.io "x" is invalid: spec.owners: …` → `spec.owners: …` (the object is named
// by our own words already).
function stripPrefix(message: string): string {
  return message.replace(/^[\w.]+ "[^"]*" is (?:invalid|forbidden): /, '');
}
