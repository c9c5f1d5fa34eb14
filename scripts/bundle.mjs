// Bundles the kubectl plugins into ESM files under dist/. Startup time is the reason:
// an unbundled import of @kubernetes/client-node costs ~370 ms, bundled ~110 ms, and the
// offline seal path loads no Kubernetes client at all (docs/benchmarks.md).
//
// Code splitting keeps it that way: modules reached only through `await import()` (client-node,
// node-forge, the yaml parser) land in dist/chunks/ and are read from disk only when a command
// needs them. Without splitting, esbuild would inline them into the entry file, and every run
// would parse ~2 MB of JavaScript it never executes.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';

const entryPoints = Object.fromEntries(
  [
    ['kubectl-seal', 'plugin/seal/main.ts'],
    ['kubectl-tenant', 'plugin/tenant/main.ts'],
  ].filter(([, src]) => existsSync(src)),
);

// Chunk names carry content hashes: drop the previous build's chunks so dist/ holds one set.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints,
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  keepNames: true,
  sourcemap: false,
  logLevel: 'warning',
  // CJS dependencies (node-forge, js-yaml inside client-node) call require(); give ESM a require.
  banner: {
    js: "import { createRequire as __tenantryRequire } from 'node:module'; const require = __tenantryRequire(import.meta.url);",
  },
});
