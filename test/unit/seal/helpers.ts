// Test helpers for `kubectl seal`: run() with in-memory IO, a temp directory, one generated
// RSA-2048 sealing key per test file, and an in-memory ControllerClient (the plugin's own seam).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import { parseSealingCertificate } from '../../../crypto/certificate.js';
import { generateSealingKey, type SealingKeyPair } from '../../../crypto/keys.js';
import {
  encryptionLabel,
  scopeFromAnnotations,
  TENANT_NAME_ANNOTATION,
} from '../../../crypto/scope.js';
import { unsealValue } from '../../../crypto/value.js';
import type { ControllerClient } from '../../../plugin/seal/controller.js';
import { run, type SealDependencies } from '../../../plugin/seal/run.js';
import { sealItems } from '../../../plugin/seal/sealed-secret.js';
import type { KubeObject } from '../../../plugin/shared/objects.js';

/** What a run printed and returned. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runSeal}. */
export interface RunOptions {
  readonly stdin?: string | Buffer;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly deps?: SealDependencies;
  readonly tty?: boolean;
}

/** Runs `kubectl seal` in-process with captured output. HOME points nowhere by default. */
export async function runSeal(
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
  const code = await run(
    args,
    { stdin, stdout, stderr, env: { HOME: '/nonexistent-home', ...options.env }, cwd: options.cwd },
    { connectController: noController, ...options.deps },
  );
  return {
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** The default seam in tests: any attempt to reach a cluster fails loudly. */
const noController: SealDependencies['connectController'] = () =>
  Promise.reject(new Error('test tried to reach a cluster without a fake controller'));

/** A temp directory, removed by `cleanup()`. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'tenantry-seal-test-'));

  /** Writes `content` to `name` inside the directory and returns the full path. */
  file(name: string, content: string | Buffer): string {
    const full = join(this.path, name);
    writeFileSync(full, content);
    return full;
  }

  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** One RSA-2048 sealing key (4096 is slow to generate), generated once per test file. */
export function testKey(): Promise<SealingKeyPair> {
  return generateSealingKey({ bits: 2048 });
}

/** Decrypts one encryptedData value with the label of the SealedSecret's own metadata. */
export function openItem(
  sealed: KubeObject,
  key: string,
  privateKey: KeyObject,
  tenant?: string,
): string {
  const meta = sealed.metadata ?? {};
  const scope = scopeFromAnnotations(meta.annotations);
  const spec = sealed['spec'] as { encryptedData: Record<string, string> };
  const label = encryptionLabel({ scope, namespace: meta.namespace, name: meta.name, tenant });
  const value = spec.encryptedData[key];
  if (value === undefined) throw new Error(`no item ${key}`);
  return unsealValue({ privateKeys: [privateKey], value, label }).plaintext.toString('utf8');
}

/** A Secret manifest in YAML. */
export function secretYaml(fields: {
  name?: string;
  namespace?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  annotations?: Record<string, string>;
  kind?: string;
}): string {
  const lines = ['apiVersion: v1', `kind: ${fields.kind ?? 'Secret'}`, 'metadata:'];
  if (fields.name !== undefined) lines.push(`  name: ${fields.name}`);
  if (fields.namespace !== undefined) lines.push(`  namespace: ${fields.namespace}`);
  if (fields.annotations) {
    lines.push('  annotations:');
    for (const [k, v] of Object.entries(fields.annotations))
      lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  for (const field of ['data', 'stringData'] as const) {
    const map = fields[field];
    if (!map) continue;
    lines.push(`${field}:`);
    for (const [k, v] of Object.entries(map)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  }
  return lines.join('\n') + '\n';
}

/** Calls recorded by {@link FakeController}. */
export interface FakeCalls {
  fetchCertificate: number;
  verify: string[];
  rotate: string[];
}

/**
 * An in-memory sealed-secrets controller behind the {@link ControllerClient} seam: it serves the
 * certificate and verifies/rotates with the real crypto and a real key, the way the HTTP handlers
 * will (scope from the SealedSecret's own metadata).
 */
export class FakeController implements ControllerClient {
  readonly description = 'service kube-system/fake (in-memory)';
  readonly calls: FakeCalls = { fetchCertificate: 0, verify: [], rotate: [] };

  constructor(
    private readonly key: SealingKeyPair,
    private readonly rotateTo: SealingKeyPair = key,
  ) {}

  /** `connectController` for {@link runSeal}'s deps. */
  readonly connect: NonNullable<SealDependencies['connectController']> = () =>
    Promise.resolve(this);

  fetchCertificate(): Promise<string> {
    this.calls.fetchCertificate++;
    return Promise.resolve(this.key.certificatePem);
  }

  verify(sealed: KubeObject): Promise<boolean> {
    this.calls.verify.push(sealed.metadata?.name ?? '');
    try {
      this.plaintexts(sealed);
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  }

  async rotate(sealed: KubeObject): Promise<KubeObject | undefined> {
    this.calls.rotate.push(sealed.metadata?.name ?? '');
    let items: Map<string, Buffer>;
    try {
      items = this.plaintexts(sealed);
    } catch {
      return undefined;
    }
    const meta = sealed.metadata ?? {};
    const target = {
      name: meta.name ?? '',
      namespace: meta.namespace ?? '',
      scope: scopeFromAnnotations(meta.annotations),
      tenant: meta.annotations?.[TENANT_NAME_ANNOTATION],
    };
    const cert = parseSealingCertificate(this.rotateTo.certificatePem);
    const copy = structuredClone(sealed) as KubeObject & {
      spec: { encryptedData: Record<string, string> };
    };
    copy.spec.encryptedData = await sealItems(items, target, cert);
    return copy;
  }

  private plaintexts(sealed: KubeObject): Map<string, Buffer> {
    const meta = sealed.metadata ?? {};
    const spec = sealed['spec'] as { encryptedData?: Record<string, string> } | undefined;
    const label = encryptionLabel({
      scope: scopeFromAnnotations(meta.annotations),
      namespace: meta.namespace,
      name: meta.name,
      tenant: meta.annotations?.[TENANT_NAME_ANNOTATION],
    });
    const items = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(spec?.encryptedData ?? {})) {
      items.set(k, unsealValue({ privateKeys: [this.key.privateKey], value: v, label }).plaintext);
    }
    return items;
  }
}
