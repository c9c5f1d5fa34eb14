import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, messageOf } from './errors.js';

/** Resolves `path` against `cwd` (or the process directory). */
export function resolvePath(path: string, cwd?: string): string {
  return resolve(cwd ?? process.cwd(), path);
}

/**
 * Reads a file, turning failures into a {@link CliError} that says which flag named it.
 *
 * @param what - how the file was given, e.g. `--secret-file`
 */
export function readFileFor(path: string, what: string, cwd?: string): Promise<Buffer> {
  try {
    // Synchronous on purpose: inputs are small, and fs/promises adds measurable startup cost.
    return Promise.resolve(readFileSync(resolvePath(path, cwd)));
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${describeFsError(err)}`, { cause: err });
  }
}

/**
 * Writes a file atomically: a temporary file in the same directory is renamed over the target,
 * so readers see the old or the new content, never a half-written file, and a failed run leaves
 * the target untouched. The mode of a new file is 0644 (sealed data is not secret).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  cwd?: string,
): Promise<void> {
  const target = resolvePath(path, cwd);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw new CliError(`cannot write ${path}: ${describeFsError(err)}`, { cause: err });
  }
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return messageOf(err);
}
