/**
 * The `admission` module: the HTTPS webhook server on every replica (answering from the shared
 * Tenant and Namespace caches), and on the leader the certificate Secret, the webhook
 * configurations and the ValidatingAdmissionPolicies (manifests.ts), kept in step every
 * `--cert-check-interval`. See docs/admission.md.
 */
import type { Options } from 'yargs';
import { parseAddress } from '../http.js';
import type { ControllerModule, ManagerContext } from '../module.js';
import type { Informer, KubeObject, Logger } from '../runtime/index.js';
import { TENANT_API_VERSION, TENANT_PLURAL } from '../../crds/index.js';
import { AdmissionConfigurator, type AdmissionSettings } from './configure.js';
import { NamespaceLedger } from './ledger.js';
import { WEBHOOK_PATHS } from './manifests.js';
import { mutateNamespace, validateNamespace } from './namespaces.js';
import { validateObject } from './objects.js';
import { WebhookServer } from './server.js';
import { addAdmissionIndexes, cacheState, type TenantResource } from './state.js';
import { validateTenant } from './tenants.js';
import type { PrivilegedIdentities } from './identity.js';

const stringArray = (describe: string, def: string[] = []): Options => ({
  type: 'array',
  string: true,
  default: def,
  describe,
  coerce: (v: string[]) => v.flatMap((s) => s.split(',')).filter((s) => s !== ''),
});

/** The module's flags (also `TENANTRY_<FLAG>` environment variables). */
export const ADMISSION_OPTIONS: Readonly<Record<string, Options>> = {
  'webhook-addr': {
    type: 'string',
    default: ':9443',
    describe: 'HTTPS listener of the admission webhooks',
  },
  'webhook-url': {
    type: 'string',
    describe:
      'Base URL the apiserver calls instead of the Service, e.g. https://127.0.0.1:9443 (out-of-cluster runs)',
  },
  'webhook-service': {
    type: 'string',
    default: 'tenantry-webhook',
    describe: 'Service in front of the webhooks',
  },
  'webhook-secret': {
    type: 'string',
    default: 'tenantry-webhook-tls',
    describe: 'Secret holding the webhook CA and serving certificate',
  },
  'cert-manager': {
    type: 'boolean',
    default: false,
    describe:
      'cert-manager issues the serving certificate; caBundle injected via cert-manager.io/inject-ca-from',
  },
  'cert-manager-certificate': {
    type: 'string',
    describe:
      'The cert-manager Certificate (in the controller namespace); default: --webhook-secret',
  },
  'manage-admission-config': {
    type: 'boolean',
    default: true,
    describe: 'Apply the webhook configurations and ValidatingAdmissionPolicies at startup',
  },
  'controller-user': stringArray(
    "The controller's own username(s), exempt from tenantry's policies (default: discovered with a SelfSubjectReview)",
  ),
  'admin-users': stringArray('Usernames treated as administrators by admission'),
  'admin-groups': stringArray('Groups treated as administrators by admission', ['system:masters']),
  'namespace-reservation-ttl': {
    type: 'number',
    default: 30,
    describe:
      'Seconds a namespace-count reservation lasts before its namespace must be in the cache',
  },
  'cert-check-interval': {
    type: 'number',
    default: 3600,
    describe: 'Seconds between certificate rotation and configuration drift checks (leader)',
  },
};

function settingsFrom(
  flags: Readonly<Record<string, unknown>>,
  namespace: string,
): AdmissionSettings {
  const str = (k: string): string | undefined =>
    typeof flags[k] === 'string' ? flags[k] : undefined;
  const arr = (k: string): string[] => (Array.isArray(flags[k]) ? (flags[k] as string[]) : []);
  const secret = str('webhook-secret') ?? 'tenantry-webhook-tls';
  return {
    namespace,
    webhookAddr: str('webhook-addr') ?? ':9443',
    webhookUrl: str('webhook-url'),
    service: str('webhook-service') ?? 'tenantry-webhook',
    secret,
    certManagerCertificate:
      flags['cert-manager'] === true
        ? `${namespace}/${str('cert-manager-certificate') ?? secret}`
        : undefined,
    manageConfig: flags['manage-admission-config'] !== false,
    controllerUsers: arr('controller-user'),
    adminUsers: arr('admin-users'),
    adminGroups: arr('admin-groups').length > 0 ? arr('admin-groups') : ['system:masters'],
    reservationTtlMs: Number(flags['namespace-reservation-ttl'] ?? 30) * 1000,
    checkIntervalMs: Number(flags['cert-check-interval'] ?? 3600) * 1000,
  };
}

/** Discovers the controller's own username (SelfSubjectReview, GA since Kubernetes 1.28). */
async function whoAmI(ctx: ManagerContext): Promise<string | undefined> {
  try {
    const review = await ctx.client.request<{ status?: { userInfo?: { username?: string } } }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    return review.status?.userInfo?.username;
  } catch (err) {
    ctx.log.warn({ err }, 'Could not discover the controller username; set --controller-user');
    return undefined;
  }
}

/** Builds the `admission` module. */
export function admissionModule(): ControllerModule {
  let server: WebhookServer | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  let settings: AdmissionSettings | undefined;

  function serve(log: Logger, secrets: Informer<KubeObject>, synced: () => boolean): void {
    if (stopped || server === undefined || settings === undefined || !synced()) return;
    const secret = secrets.get(`${settings.namespace}/${settings.secret}`) as
      { data?: Record<string, string> } | undefined;
    const cert = secret?.data?.['tls.crt'];
    const key = secret?.data?.['tls.key'];
    if (cert === undefined || key === undefined) return;
    const tls = {
      cert: Buffer.from(cert, 'base64').toString(),
      key: Buffer.from(key, 'base64').toString(),
    };
    if (server.listening()) {
      server.setCertificate(tls);
      log.info('Webhook serving certificate reloaded');
      return;
    }
    const { host, port } = parseAddress(settings.webhookAddr);
    server.listen(host, port, tls).then(
      (p) => log.info({ port: p }, 'Serving admission webhooks'),
      (err: unknown) => {
        // Another process holds the port (two replicas on one host): keep trying, loudly.
        log.error(
          { err, addr: settings?.webhookAddr },
          'Could not listen for admission webhooks; retrying in 5 s',
        );
        clearTimeout(retry);
        retry = setTimeout(() => serve(log, secrets, synced), 5000);
      },
    );
  }

  return {
    name: 'admission',
    options: ADMISSION_OPTIONS,

    async setup(ctx: ManagerContext): Promise<void> {
      const s = settingsFrom(ctx.config.flags, ctx.config.namespace);
      const log = ctx.log.child({ module: 'admission' });
      const tenants = ctx.informers.get<TenantResource>({
        path: `/apis/${TENANT_API_VERSION}/${TENANT_PLURAL}`,
      });
      const namespaces = ctx.informers.get<KubeObject>({ path: '/api/v1/namespaces' });
      const secrets = ctx.informers.get<KubeObject>({
        path: `/api/v1/namespaces/${s.namespace}/secrets`,
        fieldSelector: `metadata.name=${s.secret}`,
      });
      addAdmissionIndexes(tenants, namespaces);
      if (s.controllerUsers.length === 0) {
        const me = await whoAmI(ctx);
        if (me !== undefined) s.controllerUsers.push(me);
      }
      settings = s;
      log.info(
        { controllerUsers: s.controllerUsers, adminGroups: s.adminGroups },
        'Admission identities',
      );
      const privileged: PrivilegedIdentities = {
        users: [...s.controllerUsers, ...s.adminUsers],
        groups: s.adminGroups.includes('system:masters')
          ? s.adminGroups
          : ['system:masters', ...s.adminGroups],
      };
      const state = cacheState({
        tenants,
        namespaces,
        controllerNamespace: s.namespace,
        privileged: () => privileged,
      });
      const ledger = new NamespaceLedger({
        client: ctx.client,
        namespace: s.namespace,
        ttlMs: s.reservationTtlMs,
        log,
      });
      const synced = (): boolean =>
        tenants.hasSynced() && namespaces.hasSynced() && secrets.hasSynced();
      server = new WebhookServer({
        log,
        registry: ctx.registry,
        ready: synced,
        handlers: {
          [WEBHOOK_PATHS.mutateNamespaces]: (req) => mutateNamespace(req, state),
          [WEBHOOK_PATHS.validateNamespaces]: (req) => {
            const d = validateNamespace(req, state);
            return 'reserve' in d ? ledger.reserve(d.reserve) : d;
          },
          [WEBHOOK_PATHS.validateTenants]: (req) => validateTenant(req),
          [WEBHOOK_PATHS.validateObjects]: (req) => validateObject(req, state),
        },
      });
      secrets.addEventHandler({ onChange: () => serve(log, secrets, synced) });
      void Promise.all([
        tenants.waitForSync(),
        namespaces.waitForSync(),
        secrets.waitForSync(),
      ]).then(
        () => serve(log, secrets, synced),
        () => undefined, // stopped before syncing
      );
    },

    lead(ctx: ManagerContext, signal?: AbortSignal): Promise<() => Promise<void>> {
      if (settings === undefined) throw new Error('admission: lead() before setup()');
      const log = ctx.log.child({ module: 'admission' });
      const configurator = new AdmissionConfigurator({ client: ctx.client, settings, log });
      const every = settings.checkIntervalMs;
      let leading = true;
      let timer: NodeJS.Timeout | undefined;
      // Certificates take seconds to generate: run in the background so lead() returns at once
      // and a lost leadership stops it (no rescheduling after the stop function ran).
      const run = async (): Promise<void> => {
        let next = every;
        try {
          await configurator.reconcile();
        } catch (err) {
          log.error({ err }, 'Admission configuration failed; retrying in 10 s');
          next = 10_000;
        }
        if (leading && signal?.aborted !== true) timer = setTimeout(() => void run(), next);
      };
      void run();
      return Promise.resolve(() => {
        leading = false;
        clearTimeout(timer);
        return Promise.resolve();
      });
    },

    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(retry);
      await server?.close();
    },
  };
}
