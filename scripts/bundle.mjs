// Bundles the kubectl plugins into single ESM files. Startup time is the reason:
// an unbundled import of @kubernetes/client-node costs ~370 ms, bundled ~110 ms, and the
// offline seal path loads no Kubernetes client at all (docs/benchmarks.md).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  ['plugin/seal/main.ts', 'dist/kubectl-seal.mjs'],
  ['plugin/tenant/main.ts', 'dist/kubectl-tenant.mjs'],
].filter(([src]) => existsSync(src));

for (const [src, out] of entries) {
  await build({
    entryPoints: [src],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: false,
    minify: false,
    keepNames: true,
    sourcemap: false,
    logLevel: 'warning',
    // CJS dependencies (node-forge, js-yaml inside client-node) call require(); give ESM a require.
    banner: {
      js: "import { createRequire as __tenantryRequire } from 'node:module'; const require = __tenantryRequire(import.meta.url);",
    },
  });
}
