/**
 * `npm run generate`: writes the CRD YAML (crds/generated/, charts/tenantry/crds/) from the
 * TypeBox schemas. `tsx crds/generate.ts --check` (part of `npm run verify`) writes nothing:
 * it regenerates in memory and exits 1, naming every drifted file, if the committed output is
 * not what the schemas produce.
 *
 * @module
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_CRDS_DIR, GENERATED_DIR, findDrift, generatedFiles } from './render.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Reads every YAML file in the generated directories, keyed by repository-relative path. */
async function readGenerated(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const dir of [GENERATED_DIR, CHART_CRDS_DIR]) {
    const names = await readdir(join(repoRoot, dir)).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    });
    for (const name of names.filter((n) => n.endsWith('.yaml')).sort()) {
      files.set(`${dir}/${name}`, await readFile(join(repoRoot, dir, name), 'utf8'));
    }
  }
  return files;
}

async function check(): Promise<number> {
  const drift = findDrift(generatedFiles(), await readGenerated());
  for (const d of drift) console.error(`${d.path}: ${d.reason}`);
  if (drift.length > 0) {
    console.error('Generated CRDs are out of date: run `npm run generate` and commit the result');
    return 1;
  }
  return 0;
}

async function generate(): Promise<number> {
  const expected = generatedFiles();
  const drift = findDrift(expected, await readGenerated());
  for (const d of drift.filter((x) => x.reason === 'unexpected')) {
    await rm(join(repoRoot, d.path));
  }
  for (const file of expected) {
    await mkdir(dirname(join(repoRoot, file.path)), { recursive: true });
    await writeFile(join(repoRoot, file.path), file.content);
  }
  for (const d of drift)
    console.log(`${d.path}: ${d.reason === 'unexpected' ? 'removed' : 'written'}`);
  return 0;
}

const run = process.argv.includes('--check') ? check : generate;
process.exitCode = await run();
