// Bundles the kubectl plugins into ESM files under dist/. Startup time is the reason:
// an unbundled import of @kubernetes/client-node costs ~370 ms, bundled ~110 ms, and the
// offline seal path loads no Kubernetes client at all (docs/benchmarks.md).
//
// Code splitting keeps it that way: modules reached only through `await import()` (client-node,
// node-forge, the yaml parser) land in dist/chunks/ and are read from disk only when a command
// needs them. Without splitting, esbuild would inline them into the entry file, and every run
// would parse ~2 MB of JavaScript it never executes.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

// `node scripts/bundle.mjs [outdir]`: dist/ by default; tests bundle into a temporary directory.
const outdir = process.argv[2] ?? 'dist';

const entryPoints = Object.fromEntries(
  [
    ['kubectl-seal', 'plugin/seal/main.ts'],
    ['kubectl-tenant', 'plugin/tenant/main.ts'],
  ].filter(([, src]) => existsSync(src)),
);

// Chunk names carry content hashes: drop the previous build's chunks so dist/ holds one set.
rmSync(`${outdir}/chunks`, { recursive: true, force: true });

const banner = {
  // CJS dependencies (node-forge, js-yaml inside client-node) call require(); give ESM a require.
  js: "import { createRequire as __tenantryRequire } from 'node:module'; const require = __tenantryRequire(import.meta.url);",
};

// `kubectl tenant ... --help` texts, rendered by yargs now so that a run needs no yargs
// (plugin/tenant/help.ts).
const tenantHelp = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/render-help.ts'], {
  encoding: 'utf8',
});

// What both builds share: ESM for Node 20, readable output (names kept for error messages).
const common = {
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  keepNames: true,
  sourcemap: false,
  logLevel: 'warning',
  banner,
};

await build({
  ...common,
  entryPoints,
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  define: { __TENANTRY_TENANT_HELP__: tenantHelp },
  // The yaml package's ESM build instead of its CommonJS one: the same code, tree-shaken,
  // without the CommonJS wrapper; measured ~10 ms less per offline seal (docs/benchmarks.md).
  alias: { yaml: './node_modules/yaml/browser/index.js' },
});

// The controller, for the container image (Dockerfile): one self-contained file with every
// dependency inlined, so the image needs no node_modules. No splitting: a long-running process
// loads all of it anyway.
await build({
  ...common,
  entryPoints: { controller: 'controller/main.ts' },
  splitting: false,
});
