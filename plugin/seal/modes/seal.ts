import { encryptionLabel } from '../../../crypto/scope.js';
import { CliError } from '../../shared/errors.js';
import { chooseFormat, formatObjects } from '../../shared/output.js';
import type { SealContext } from '../context.js';
import { buildSealedSecret, type SealTarget } from '../sealed-secret.js';
import { requireItems, toInputSecret, type InputSecret } from '../secret.js';
import { documentPosition, emit } from './emit.js';

/**
 * Default mode: every input Secret becomes a SealedSecret. All inputs are checked before the
 * certificate is fetched, so a bad input never costs a round trip to the cluster.
 */
export async function sealMode(ctx: SealContext): Promise<void> {
  const { objects, source } = await ctx.readObjects();
  if (ctx.options.name !== undefined && objects.length > 1) {
    throw new CliError(
      `--name renames a single Secret, but ${source} holds ${objects.length} documents`,
    );
  }
  const prepared: { secret: InputSecret; target: SealTarget }[] = [];
  for (const [index, object] of objects.entries()) {
    const secret = toInputSecret(object, documentPosition(source, index, objects.length));
    requireItems(secret, ctx.options.allowEmptyData);
    const target = await ctx.targetFor(secret);
    encryptionLabel(target); // fails early on an invalid tenant name
    prepared.push({ secret, target });
  }
  const certificate = await ctx.certificate();
  const sealed = [];
  for (const { secret, target } of prepared) {
    sealed.push(await buildSealedSecret(secret, target, certificate));
  }
  const format = chooseFormat(ctx.options.format, ctx.options.outputFile, 'json');
  await emit(ctx, await formatObjects(sealed, format));
}
