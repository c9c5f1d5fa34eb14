/**
 * Bitnami's HTTP endpoints, on every replica: `GET /v1/cert.pem`, `POST /v1/verify`,
 * `POST /v1/rotate`. No authentication, as upstream: access is meant to go through the API
 * server's service proxy, whose RBAC decides who may call them.
 *
 * Hardened against Bitnami's advisories:
 * - the scope of verify and rotate comes only from the posted object's own metadata, and
 *   rotate forces the template's metadata to match it (CVE-2026-22728: rotate used to re-seal
 *   with a scope taken from `spec.template.metadata.annotations`);
 * - neither renders `spec.template.data`: they check decryptability only, so an attacker's
 *   template next to a victim's ciphertext learns nothing (GHSA-qj4p-m373-p2wg);
 * - both are rate-limited per client (429), and decrypt off the event loop.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAllDocuments } from 'yaml';
import { encodeBase64Std } from '../../crypto/base64.js';
import { hybridEncryptNative } from '../../crypto/hybrid.js';
import { scopeFromAnnotations, withScopeAnnotations } from '../../crypto/scope.js';
import type { HttpRouter, RouteHandler } from '../http.js';
import type { SessionKeyDecryptor } from '../keys/decrypt.js';
import type { KeyRing } from '../keys/ring.js';
import type { Logger } from '../runtime/index.js';
import { encryptedItems, type SealedSecretObject } from './desired.js';
import type { SealedSecretMetrics } from './metrics.js';
import type { GcraLimiter } from './ratelimit.js';
import { parseLegacySecret } from './reconcile.js';
import { resolveScope, type ScopeLookups } from './scope.js';
import { UnsealError, unsealItems } from './unseal.js';

/** What the handlers use. */
export interface HttpDeps {
  readonly ring: KeyRing;
  readonly decryptor: SessionKeyDecryptor;
  readonly scope: ScopeLookups;
  readonly metrics: SealedSecretMetrics;
  /** Limits verify and rotate per client. */
  readonly limiter: GcraLimiter;
  readonly log: Logger;
}

/** A request the handlers refuse as malformed (500, as Bitnami answers bad input). */
class BadInput extends Error {}

/** Parses exactly one SealedSecret from JSON or YAML. @throws BadInput */
export function parseSealedSecretBody(body: Buffer): SealedSecretObject {
  const docs = parseAllDocuments(body.toString('utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  const nonEmpty = list.filter((d) => d.contents !== null);
  if (nonEmpty.length !== 1) {
    throw new BadInput(`expected exactly one SealedSecretObject, got ${nonEmpty.length} documents`);
  }
  const doc = nonEmpty[0];
  if (doc === undefined || doc.errors.length > 0) {
    throw new BadInput(`invalid JSON/YAML: ${doc?.errors[0]?.message ?? 'unknown error'}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 10 });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadInput('the body is not an object');
  }
  const ss = value as SealedSecretObject;
  if (ss.spec === null || typeof ss.spec !== 'object') throw new BadInput('the object has no spec');
  return ss;
}

/** The client a request is counted against: the last X-Forwarded-For hop (the one the API server's proxy appended), else the socket. */
export function clientOf(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  const header = Array.isArray(xff) ? xff.join(',') : xff;
  const hops = (header ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return hops[hops.length - 1] ?? req.socket.remoteAddress ?? 'unknown';
}

/** Decrypts every item of `ss` under the scope of its own metadata (templates are not rendered). */
async function openItems(
  deps: HttpDeps,
  ss: SealedSecretObject,
): Promise<{ values: Map<string, Buffer>; label: Buffer }> {
  const scope = resolveScope(ss.metadata, deps.scope);
  if (!scope.ok) throw new UnsealError('DecryptFailed', scope.message);
  const legacy = typeof ss.spec.data === 'string' && ss.spec.data !== '';
  const items = encryptedItems(ss);
  if (legacy && Object.keys(items).length > 0) {
    throw new UnsealError('InvalidData', 'both encryptedData and the deprecated data are set');
  }
  const unsealed = await unsealItems({
    ring: deps.ring,
    decryptor: deps.decryptor,
    items: legacy ? { data: ss.spec.data ?? '' } : items,
    label: scope.label,
    scope: scope.description,
  });
  if (!legacy) return { values: unsealed.values, label: scope.label };
  return {
    values: parseLegacySecret(unsealed.values.get('data') ?? Buffer.alloc(0)).data,
    label: scope.label,
  };
}

function reply(res: ServerResponse, code: number, text: string, type = 'text/plain'): void {
  res.writeHead(code, { 'Content-Type': type }).end(text);
}

/** `GET /v1/cert.pem`: the newest key's certificate. */
function certHandler(deps: HttpDeps): RouteHandler {
  return (_req, res) => {
    const newest = deps.ring.newest();
    if (newest === undefined) return reply(res, 500, 'cannot get certificate\n');
    reply(res, 200, newest.certificatePem, 'application/x-pem-file');
  };
}

/** `POST /v1/verify`: 200 decryptable, 409 not, 500 bad input. */
function verifyHandler(deps: HttpDeps): RouteHandler {
  return async (_req, res, body) => {
    let ss: SealedSecretObject;
    try {
      ss = parseSealedSecretBody(body);
    } catch (err) {
      return reply(res, 500, `${(err as Error).message}\n`);
    }
    try {
      await openItems(deps, ss);
      reply(res, 200, 'OK\n');
    } catch (err) {
      if (!(err instanceof UnsealError)) throw err;
      // The reason stays in the log: the answer says only "not decryptable".
      deps.log.info({ err: err.message }, 'Verify: SealedSecret cannot be decrypted');
      reply(res, 409, 'unable to decrypt sealed secret\n');
    }
  };
}

/** `POST /v1/rotate`: re-seals every item with the newest key, scope from the object's metadata. */
function rotateHandler(deps: HttpDeps): RouteHandler {
  return async (_req, res, body) => {
    let ss: SealedSecretObject;
    try {
      ss = parseSealedSecretBody(body);
    } catch (err) {
      return reply(res, 500, `${(err as Error).message}\n`);
    }
    const newest = deps.ring.newest();
    if (newest === undefined) return reply(res, 500, 'no sealing key is loaded\n');
    let opened: Awaited<ReturnType<typeof openItems>>;
    try {
      opened = await openItems(deps, ss);
    } catch (err) {
      if (!(err instanceof UnsealError)) throw err;
      deps.log.info({ err: err.message }, 'Rotate: SealedSecret cannot be decrypted');
      return reply(res, 409, 'unable to rotate secret\n');
    }
    const encryptedData: Record<string, string> = {};
    for (const [k, v] of [...opened.values].sort(([a], [b]) => (a < b ? -1 : 1))) {
      encryptedData[k] = encodeBase64Std(hybridEncryptNative(newest.publicKey, v, opened.label));
    }
    reply(res, 200, JSON.stringify(rotated(ss, encryptedData)), 'application/json');
  };
}

/**
 * The rotated object: new `encryptedData`, no legacy `data`, and `spec.template.metadata`
 * forced to agree with the object's own name, namespace and scope annotations, so the template
 * can never carry a wider scope than the one the values were sealed for.
 */
export function rotated(
  ss: SealedSecretObject,
  encryptedData: Record<string, string>,
): SealedSecretObject {
  const { data: _legacy, ...spec } = ss.spec;
  const template = spec.template ?? {};
  const tm = template.metadata ?? {};
  const annotations = withScopeAnnotations(
    tm.annotations,
    scopeFromAnnotations(ss.metadata?.annotations),
  );
  const { annotations: _old, ...rest } = tm;
  return {
    ...ss,
    spec: {
      ...spec,
      encryptedData,
      template: {
        ...template,
        metadata: {
          ...rest,
          name: ss.metadata?.name,
          namespace: ss.metadata?.namespace,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
      },
    },
  };
}

/** Wraps a handler with the rate limit (if any) and the HTTP metrics. */
function instrument(
  deps: HttpDeps,
  path: string,
  handler: RouteHandler,
  limited: boolean,
): RouteHandler {
  return async (req, res, body) => {
    const started = performance.now();
    try {
      if (limited && !deps.limiter.allow(`${path}|${clientOf(req)}`)) {
        return reply(res, 429, 'too many requests\n');
      }
      await handler(req, res, body);
    } finally {
      const method = req.method ?? 'GET';
      deps.metrics.httpRequests.inc({ path, method, code: String(res.statusCode) });
      deps.metrics.httpDuration.observe({ path, method }, (performance.now() - started) / 1000);
    }
  };
}

/** Registers the three routes on `router`. */
export function registerSealedSecretRoutes(router: HttpRouter, deps: HttpDeps): void {
  router.route('GET', '/v1/cert.pem', instrument(deps, '/v1/cert.pem', certHandler(deps), false));
  router.route('POST', '/v1/verify', instrument(deps, '/v1/verify', verifyHandler(deps), true));
  router.route('POST', '/v1/rotate', instrument(deps, '/v1/rotate', rotateHandler(deps), true));
}
