/**
 * What the leader keeps in step: the certificate Secret (self-managed mode), the webhook
 * configurations and the ValidatingAdmissionPolicies (`--manage-admission-config`), or only the
 * caBundle of configurations installed by the chart. Every write uses the field manager
 * `tenantry-admission`; a steady cluster costs reads only, no write.
 */
import { FIELD_MANAGER_ADMISSION, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../../crds/index.js';
import {
  isNotFound,
  needsUpdate,
  type KubeClient,
  type KubeObject,
  type Logger,
} from '../runtime/index.js';
import { planCertificates, serviceSans, type CertificateData } from './certs.js';
import {
  WEBHOOK_CONFIGURATION_NAME,
  admissionPolicies,
  webhookConfigurations,
  type WebhookClientConfig,
} from './manifests.js';

/** The module's settings, from its flags. */
export interface AdmissionSettings {
  readonly namespace: string;
  readonly webhookAddr: string;
  readonly webhookUrl: string | undefined;
  readonly service: string;
  readonly secret: string;
  /** `<ns>/<Certificate>` in cert-manager mode. */
  readonly certManagerCertificate: string | undefined;
  readonly manageConfig: boolean;
  readonly controllerUsers: string[];
  readonly adminUsers: readonly string[];
  readonly adminGroups: readonly string[];
  readonly reservationTtlMs: number;
  readonly checkIntervalMs: number;
}

/** Annotation recording when the current CA was introduced (two-phase rotation). */
export const CA_ROTATED_AT_ANNOTATION = 'tenantry.io/ca-rotated-at';

const ADMISSION_API = '/apis/admissionregistration.k8s.io/v1';
const PLURALS: Readonly<Record<string, string>> = {
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
};

/** The API path of one of our admission objects. */
export function admissionObjectPath(obj: KubeObject): string {
  const plural = PLURALS[obj.kind ?? ''];
  if (plural === undefined) throw new Error(`not an admission object: ${obj.kind ?? '?'}`);
  return `${ADMISSION_API}/${plural}/${obj.metadata?.name ?? ''}`;
}

/** Options for {@link AdmissionConfigurator}. */
export interface ConfiguratorOptions {
  readonly client: KubeClient;
  readonly settings: AdmissionSettings;
  readonly log: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** A Secret, as the certificate code reads and writes it. */
export interface Secret extends KubeObject {
  data?: Record<string, string>;
  type?: string;
}

function decodeData(secret: Secret | undefined): Partial<CertificateData> | undefined {
  if (secret?.data === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
}

/** The certificate Secret (type kubernetes.io/tls, like cert-manager's). */
export function certificateSecret(
  s: Pick<AdmissionSettings, 'namespace' | 'secret'>,
  data: CertificateData,
  caRotatedAt: Date | undefined,
  resourceVersion: string | undefined,
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: s.secret,
      namespace: s.namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE },
      ...(caRotatedAt !== undefined
        ? { annotations: { [CA_ROTATED_AT_ANNOTATION]: caRotatedAt.toISOString() } }
        : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    },
    data: Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
  };
}

/** Runs on the leader: certificates, then configurations (see the module comment). */
export class AdmissionConfigurator {
  /** Writes made by the current pass (logged; a steady cluster costs none). */
  private writes = 0;

  constructor(private readonly opts: ConfiguratorOptions) {}

  private async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.opts.client.request<T>({ method: 'GET', path });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One pass: certificates, then configurations. */
  async reconcile(): Promise<void> {
    const s = this.opts.settings;
    this.writes = 0;
    const caBundle =
      s.certManagerCertificate === undefined ? await this.ensureCertificates() : undefined;
    if (s.manageConfig) await this.applyConfigurations(caBundle);
    else if (caBundle !== undefined) await this.patchCaBundle(caBundle);
    this.opts.log.info({ writes: this.writes }, 'Admission configuration in step');
  }

  /** Creates or rotates the certificate Secret; returns base64 of the CA bundle. */
  async ensureCertificates(): Promise<string> {
    const s = this.opts.settings;
    const path = `/api/v1/namespaces/${s.namespace}/secrets`;
    const current = await this.get<Secret>(`${path}/${s.secret}`);
    const decoded = decodeData(current);
    const rotatedAt = current?.metadata?.annotations?.[CA_ROTATED_AT_ANNOTATION];
    const hosts =
      s.webhookUrl !== undefined ? [new URL(s.webhookUrl).hostname.replace(/^\[|\]$/g, '')] : [];
    const plan = await planCertificates(
      decoded,
      rotatedAt !== undefined ? new Date(rotatedAt) : undefined,
      serviceSans(s.service, s.namespace, hosts),
      { now: (this.opts.now ?? (() => new Date()))() },
    );
    if (plan.action === 'keep') {
      return Buffer.from(decoded?.['ca-bundle.crt'] ?? '').toString('base64');
    }
    this.opts.log.info(
      { secret: s.secret, reason: plan.reason },
      'Writing webhook certificate Secret',
    );
    const body = certificateSecret(
      s,
      plan.data,
      plan.caRotatedAt,
      current?.metadata?.resourceVersion,
    );
    const query = { fieldManager: FIELD_MANAGER_ADMISSION };
    // A conflict (another leader wrote meanwhile) throws; the next pass re-reads.
    this.writes++;
    if (current === undefined)
      await this.opts.client.request({ method: 'POST', path, query, body });
    else {
      await this.opts.client.request({ method: 'PUT', path: `${path}/${s.secret}`, query, body });
    }
    return Buffer.from(plan.data['ca-bundle.crt']).toString('base64');
  }

  private async clientConfig(): Promise<WebhookClientConfig | undefined> {
    const s = this.opts.settings;
    if (s.webhookUrl !== undefined) return { url: s.webhookUrl };
    const svc = await this.get<KubeObject>(
      `/api/v1/namespaces/${s.namespace}/services/${s.service}`,
    );
    if (svc === undefined) {
      // Pointing Fail-closed webhooks at nothing would deny every tenant-related request.
      this.opts.log.warn(
        { service: s.service, namespace: s.namespace },
        'Webhook Service not found: not applying the admission configuration (set --webhook-url outside a cluster)',
      );
      return undefined;
    }
    return { service: { name: s.service, namespace: s.namespace } };
  }

  /** Applies whatever differs from the desired webhook configurations and policies. */
  async applyConfigurations(caBundle: string | undefined): Promise<void> {
    const s = this.opts.settings;
    const privileged = {
      controllerUsers: s.controllerUsers,
      adminUsers: s.adminUsers,
      adminGroups: s.adminGroups,
    };
    const cc = await this.clientConfig();
    // No Service and no URL: a development run, not an installation; apply nothing at all.
    if (cc === undefined) return;
    const desired: KubeObject[] = webhookConfigurations({
      ...privileged,
      clientConfig: cc,
      namespace: s.namespace,
      ...(caBundle !== undefined ? { caBundle } : {}),
      ...(s.certManagerCertificate !== undefined
        ? { certManagerCertificate: s.certManagerCertificate }
        : {}),
    });
    if (s.controllerUsers.length > 0)
      desired.push(...admissionPolicies({ ...privileged, namespace: s.namespace }));
    else
      this.opts.log.error(
        'Controller username unknown: not applying admission policies (set --controller-user)',
      );
    for (const obj of desired) await this.applyIfDifferent(obj);
  }

  private async applyIfDifferent(obj: KubeObject): Promise<void> {
    const path = admissionObjectPath(obj);
    const current = await this.get<KubeObject>(path);
    if (current !== undefined && !needsUpdate(obj, current)) return;
    this.opts.log.info({ kind: obj.kind, name: obj.metadata?.name }, `Applying ${obj.kind ?? ''}`);
    this.writes++;
    await this.opts.client.request({
      method: 'PATCH',
      path,
      query: { fieldManager: FIELD_MANAGER_ADMISSION, force: true },
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** Chart-managed configurations: only the caBundle of each webhook is ours. */
  async patchCaBundle(caBundle: string): Promise<void> {
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const header = {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind,
        metadata: { name: WEBHOOK_CONFIGURATION_NAME },
      };
      const current = await this.get<
        KubeObject & { webhooks?: { name: string; clientConfig?: { caBundle?: string } }[] }
      >(admissionObjectPath(header));
      const hooks = current?.webhooks ?? [];
      if (hooks.every((w) => w.clientConfig?.caBundle === caBundle)) continue;
      await this.applyIfDifferent({
        ...header,
        webhooks: hooks.map((w) => ({ name: w.name, clientConfig: { caBundle } })),
      });
    }
  }
}
