import { encryptionLabel, type SealingScope } from '../../../crypto/scope.js';
import { sealValue } from '../../../crypto/value.js';
import { CliError } from '../../shared/errors.js';
import { readFileFor } from '../../shared/files.js';
import { readAll } from '../../shared/io.js';
import type { SealContext } from '../context.js';
import type { SealTarget } from '../sealed-secret.js';
import { emit } from './emit.js';

/**
 * `--raw`: seals one value (stdin, or the one `--from-file`) and prints the bare base64 blob with
 * no trailing newline, for pasting into `encryptedData`. Name, namespace and tenant come only
 * from flags: there is no input object to take them from.
 */
export async function rawMode(ctx: SealContext): Promise<void> {
  const target = rawTarget(ctx);
  const label = encryptionLabel(target);
  const plaintext = await readValue(ctx);
  const certificate = await ctx.certificate();
  await emit(ctx, await sealValue({ publicKey: certificate.publicKey, plaintext, label }));
}

function rawTarget(ctx: SealContext): SealTarget {
  const { scope = 'strict', namespace, name, tenant } = ctx.options;
  const needs = (needed: readonly SealingScope[]): boolean => needed.includes(scope);
  if (needs(['strict', 'namespace-wide']) && !namespace) {
    throw new CliError(
      'must provide the --namespace flag with --raw and --scope strict|namespace-wide',
    );
  }
  if (needs(['strict']) && !name) {
    throw new CliError('must provide the --name flag with --raw and --scope strict');
  }
  if (needs(['tenant-wide']) && !tenant) {
    throw new CliError('must provide the --tenant flag with --raw and --scope tenant-wide');
  }
  return { scope, namespace: namespace ?? '', name: name ?? '', tenant };
}

async function readValue(ctx: SealContext): Promise<Buffer> {
  const spec = ctx.options.fromFiles[0];
  if (spec === undefined) return readAll(ctx.io.stdin);
  // `[key=]path`: the key is irrelevant for a single raw value, as in kubeseal.
  const eq = spec.indexOf('=');
  const path = eq >= 0 ? spec.slice(eq + 1) : spec;
  return readFileFor(path, '--from-file', ctx.io.cwd);
}
