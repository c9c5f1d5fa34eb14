import { fileURLToPath } from 'node:url';
import { loadSealingCertificate, type SealingCertificate } from '../../crypto/certificate.js';
import { isCryptoError } from '../../crypto/errors.js';
import { scopeFromAnnotations, TENANT_NAME_ANNOTATION } from '../../crypto/scope.js';
import { parseManifests } from '../shared/documents.js';
import { CliError, messageOf } from '../shared/errors.js';
import { readFileFor } from '../shared/files.js';
import { readAll, type CliIO } from '../shared/io.js';
import { readContextInfo, type ContextInfo } from '../shared/kubeconfig.js';
import type { KubeObject } from '../shared/objects.js';
import type { ConnectController, ControllerClient } from './controller.js';
import type { SealOptions } from './options.js';
import type { SealTarget } from './sealed-secret.js';
import type { InputSecret } from './secret.js';

/** Everything a mode needs, with lazy, memoised access to the certificate and the cluster. */
export class SealContext {
  private controllerClient?: Promise<ControllerClient>;
  private certificatePromise?: Promise<SealingCertificate>;
  private contextInfo?: Promise<ContextInfo>;

  constructor(
    readonly options: SealOptions,
    readonly io: CliIO,
    private readonly connect: ConnectController,
    readonly now: Date,
  ) {}

  /** The controller client, connected on first use. */
  controller(): Promise<ControllerClient> {
    this.controllerClient ??= this.connect({
      name: this.options.controllerName,
      namespace: this.options.controllerNamespace,
      kube: this.options.kube,
      env: this.io.env,
    });
    return this.controllerClient;
  }

  /** The certificate PEM: from `--cert` (file or URL) if given, else from the controller. */
  async certificatePem(): Promise<string> {
    const cert = this.options.cert;
    if (cert === undefined) return (await this.controller()).fetchCertificate();
    return readCertFlag(cert, this.io.cwd);
  }

  /** The sealing certificate, parsed and checked (RSA, ≥ 2048 bits, not expired). */
  certificate(): Promise<SealingCertificate> {
    this.certificatePromise ??= this.certificatePem().then((pem) => {
      try {
        return loadSealingCertificate(pem, this.now);
      } catch (err) {
        if (!isCryptoError(err)) throw err;
        const from = this.options.cert ?? 'the controller';
        throw new CliError(
          err.code === 'CERT_EXPIRED' ? err.message : `${err.message} (certificate from ${from})`,
          { cause: err },
        );
      }
    });
    return this.certificatePromise;
  }

  /** The input text: `--secret-file`, else stdin. */
  async readInput(): Promise<{ text: string; source: string }> {
    const file = this.options.inputFile;
    if (file !== undefined) {
      return {
        text: (await readFileFor(file, '--secret-file', this.io.cwd)).toString('utf8'),
        source: file,
      };
    }
    if (this.io.stdin.isTTY === true) {
      this.io.stderr.write('(tty detected: expecting json/yaml k8s resource in stdin)\n');
    }
    return { text: (await readAll(this.io.stdin)).toString('utf8'), source: 'stdin' };
  }

  /** The input objects; fails with kubeseal's message when there are none. */
  async readObjects(): Promise<{ objects: KubeObject[]; source: string }> {
    const { text, source } = await this.readInput();
    const objects = await parseManifests(text, source);
    if (objects.length === 0) {
      throw new CliError('no secrets found. Ensure the input is valid and UTF-8 encoded');
    }
    return { objects, source };
  }

  /**
   * Where an input Secret will be sealed for. Namespace as kubeseal: the input's, else `-n`,
   * else the kubeconfig context's, else `default`; an explicit `-n` that differs from the input
   * is an error. Scope: `--scope`, else the input's annotations.
   */
  async targetFor(secret: InputSecret): Promise<SealTarget> {
    const name = this.options.name ?? secret.metadata.name;
    if (name === undefined || name === '')
      throw new CliError('missing metadata.name in input Secret');
    const scope = this.options.scope ?? scopeFromAnnotations(secret.metadata.annotations);
    const namespace = await this.namespaceFor(secret);
    const tenant = scope === 'tenant-wide' ? this.tenantFor(secret) : undefined;
    return { name, namespace, scope, tenant };
  }

  private async namespaceFor(secret: InputSecret): Promise<string> {
    const input = secret.metadata.namespace;
    const flag = this.options.namespace;
    if (input && flag && input !== flag) {
      throw new CliError(
        `namespace mismatch: input secret is in namespace "${input}" but "${flag}" was specified`,
      );
    }
    if (input) return input;
    if (flag) return flag;
    this.contextInfo ??= readContextInfo(this.options.kube, this.io.env);
    return (await this.contextInfo).namespace ?? 'default';
  }

  /** `--tenant`, else the input's `tenantry.io/tenant` annotation or label. */
  tenantFor(secret: { readonly metadata: InputSecret['metadata'] }): string {
    const tenant =
      this.options.tenant ??
      secret.metadata.annotations?.[TENANT_NAME_ANNOTATION] ??
      secret.metadata.labels?.[TENANT_NAME_ANNOTATION];
    if (tenant === undefined || tenant === '') {
      throw new CliError('tenant-wide scope needs the tenant name: pass --tenant NAME');
    }
    return tenant;
  }
}

/**
 * Reads `--cert`: an `http(s)://` URL (GET, 200 required), a `file://` URL, or a path.
 *
 * @throws {@link CliError} `cannot fetch "<url>": <status>` as kubeseal, or a read error
 */
export async function readCertFlag(value: string, cwd?: string): Promise<string> {
  if (/^https?:\/\//i.test(value)) {
    let res: Response;
    try {
      res = await fetch(value, { headers: { Accept: 'application/x-pem-file, */*' } });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      throw new CliError(`cannot fetch "${value}": ${messageOf(cause ?? err)}`, { cause: err });
    }
    if (res.status !== 200)
      throw new CliError(`cannot fetch "${value}": ${res.status} ${res.statusText}`.trim());
    return res.text();
  }
  const path = /^file:\/\//i.test(value) ? fileURLToPath(value) : value;
  return (await readFileFor(path, '--cert', cwd)).toString('utf8');
}
