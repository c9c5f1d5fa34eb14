import { writeFileAtomic } from '../../shared/files.js';
import { writeOut } from '../../shared/io.js';
import type { SealContext } from '../context.js';

/**
 * Writes a mode's result: to `--sealed-secret-file` (or `file`) atomically, else to stdout.
 * Called once, after all work succeeded, so a failed run never leaves a partial target file.
 */
export async function emit(
  ctx: SealContext,
  text: string,
  file = ctx.options.outputFile,
): Promise<void> {
  if (file !== undefined) await writeFileAtomic(file, text, ctx.io.cwd);
  else await writeOut(ctx.io.stdout, text);
}

/** `stdin, document 2` for messages; just `stdin` when there is one document. */
export function documentPosition(source: string, index: number, count: number): string {
  return count > 1 ? `${source}, document ${index + 1}` : source;
}
