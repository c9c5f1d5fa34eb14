// The controller as the image ships it, for the benchmarks that run it as a child process.
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bundles controller/main.ts as the Dockerfile does; returns the file. */
export async function bundleController(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'tenantry-bench-'));
  await build({
    entryPoints: { controller: 'controller/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __tenantryRequire } from 'node:module'; const require = __tenantryRequire(import.meta.url);",
    },
  });
  return join(outdir, 'controller.mjs');
}
