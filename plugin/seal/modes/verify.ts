import { CliError } from '../../shared/errors.js';
import { chooseFormat, formatObjects } from '../../shared/output.js';
import { objectRef, type KubeObject } from '../../shared/objects.js';
import type { SealContext } from '../context.js';
import { SEALED_SECRET_KIND } from '../sealed-secret.js';
import { documentPosition, emit } from './emit.js';

/** Reads the input SealedSecrets, rejecting other kinds before any request is made. */
async function readSealedSecrets(ctx: SealContext): Promise<KubeObject[]> {
  const { objects, source } = await ctx.readObjects();
  for (const [index, object] of objects.entries()) {
    if (object.kind !== SEALED_SECRET_KIND) {
      const kind =
        object.kind === undefined ? 'an object without kind' : `a ${String(object.kind)}`;
      throw new CliError(
        `${documentPosition(source, index, objects.length)} is ${kind}, not a SealedSecret`,
      );
    }
  }
  return objects;
}

/**
 * `--validate`: asks the controller (`/v1/verify`) whether each input SealedSecret decrypts.
 * Prints nothing on success, like kubeseal; the first failure is the error.
 */
export async function validateMode(ctx: SealContext): Promise<void> {
  const objects = await readSealedSecrets(ctx);
  const controller = await ctx.controller();
  for (const object of objects) {
    if (!(await controller.verify(object))) {
      throw new CliError(
        `unable to decrypt sealed secret: ${object.metadata?.name ?? objectRef(object.metadata)}`,
      );
    }
  }
}

/**
 * `--re-encrypt`: has the controller re-seal each input with its newest key (`/v1/rotate`).
 * Output goes to `-w`, else back into `-f` in place (kubeseal's behaviour), else stdout.
 */
export async function reEncryptMode(ctx: SealContext): Promise<void> {
  const objects = await readSealedSecrets(ctx);
  const controller = await ctx.controller();
  const rotated: KubeObject[] = [];
  for (const object of objects) {
    const result = await controller.rotate(object);
    if (result === undefined)
      throw new CliError(`unable to rotate secret: ${objectRef(object.metadata)}`);
    rotated.push(withoutNullTimestamps(result));
  }
  const file = ctx.options.outputFile ?? ctx.options.inputFile;
  const format = chooseFormat(ctx.options.format, file, 'json');
  await emit(ctx, await formatObjects(rotated, format), file);
}

// Go's encoder writes `creationTimestamp: null`; it makes GitOps tools show a diff (argo-cd #1009).
function withoutNullTimestamps(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  if (copy.metadata?.['creationTimestamp'] === null) delete copy.metadata['creationTimestamp'];
  const spec = copy['spec'] as { template?: { metadata?: Record<string, unknown> } } | undefined;
  if (spec?.template?.metadata?.['creationTimestamp'] === null)
    delete spec.template.metadata['creationTimestamp'];
  delete copy['status'];
  return copy;
}
