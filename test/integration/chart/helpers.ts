/**
 * Helpers for the install tests (chart, GitOps, demo): run a command, run the plane's kubectl,
 * render the chart with helm, and seal a Secret for a controller's certificate.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { encryptionLabel } from '../../../crypto/scope.js';
import { loadSealingCertificate } from '../../../crypto/certificate.js';
import { sealValue } from '../../../crypto/value.js';
import { KUBERNETES_VERSION } from '../../harness/binaries.js';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The chart under test. */
export const CHART = join(ROOT, 'charts', 'tenantry');

/** What a command printed and how it exited. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never throws for a non-zero exit). */
export function run(
  file: string,
  args: readonly string[],
  opts: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = execFile(
      file,
      args,
      {
        cwd: opts.cwd ?? ROOT,
        env: { ...process.env, ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolveRun({ code, stdout, stderr });
      },
    );
    // A command that exits without reading its input closes the pipe (EPIPE); its exit code says
    // what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.stdin ?? '');
  });
}

/** Like {@link run} but throws, with the output, unless the command succeeds. */
export async function runOk(
  file: string,
  args: readonly string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}

/** A parsed Kubernetes object; tests cast to the shape they read (see the interfaces below). */
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string }[];
    finalizers?: string[];
    managedFields?: ManagedFieldsEntry[];
    deletionTimestamp?: string;
  };
  [field: string]: unknown;
}

/** One entry of metadata.managedFields. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

/** A status condition. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** An object with kstatus-style status (Tenant, SealedSecret). */
export interface WithStatus extends Obj {
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    namespaces?: string[];
    size?: number;
  };
}

/** The condition `type` of an object, if any. */
export function condition(o: WithStatus, type: string): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === type);
}

/** True when `type` is True and the status reflects the current generation. */
export function isCurrent(o: WithStatus, type: string): boolean {
  return (
    condition(o, type)?.status === 'True' && o.status?.observedGeneration === o.metadata.generation
  );
}

/** Every non-empty document of a multi-document YAML stream. */
export function parseDocs(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors[0]?.message ?? ''}`);
      return d.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

/** Options for {@link helmTemplate}. */
export interface TemplateOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  set?: string[];
  includeCrds?: boolean;
}

/** `helm template` for the plane's Kubernetes version; returns the YAML. */
export async function helmTemplate(helm: string, opts: TemplateOptions = {}): Promise<string> {
  return runOk(helm, [
    'template',
    opts.release ?? 'tenantry',
    CHART,
    '--namespace',
    opts.namespace ?? 'tenantry-system',
    '--kube-version',
    KUBERNETES_VERSION,
    ...(opts.includeCrds === true ? ['--include-crds'] : []),
    ...(opts.valuesFiles ?? []).flatMap((f) => ['-f', f]),
    ...(opts.set ?? []).flatMap((s) => ['--set', s]),
  ]);
}

/** The first object of `kind` (and `name`, if given), cast to the shape the caller reads. */
export function find<T extends Obj = Obj>(objs: readonly Obj[], kind: string, name?: string): T {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (o === undefined) throw new Error(`no ${kind}${name !== undefined ? ` ${name}` : ''}`);
  return o as T;
}

/** A strict-scope SealedSecret for `namespace/name` holding `data`, sealed for `certPem`. */
export async function sealedSecret(opts: {
  certPem: string;
  namespace: string;
  name: string;
  data: Record<string, string>;
}): Promise<Obj> {
  const { publicKey } = loadSealingCertificate(opts.certPem);
  const label = encryptionLabel({ scope: 'strict', namespace: opts.namespace, name: opts.name });
  const encryptedData: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.data)) {
    encryptedData[k] = await sealValue({ publicKey, plaintext: Buffer.from(v), label });
  }
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: opts.name, namespace: opts.namespace },
    spec: {
      encryptedData,
      template: { metadata: { name: opts.name, namespace: opts.namespace } },
    },
  };
}
