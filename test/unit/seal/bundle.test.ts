import { expect } from 'chai';
import { build, type Metafile } from 'esbuild';

// The offline path must stay lean (docs/benchmarks.md, "Sealing"): the entry chunk of the
// kubectl-seal bundle, which every run parses, must not contain the Kubernetes client, yargs,
// the YAML parser or node-forge. They are reached through `await import()` only, and esbuild's
// code splitting (scripts/bundle.mjs) turns those into chunks loaded on demand.
describe('kubectl-seal bundle: the offline entry chunk stays lean', function () {
  this.timeout(60_000);
  let metafile: Metafile;

  before(async () => {
    const result = await build({
      entryPoints: { 'kubectl-seal': 'plugin/seal/main.ts' },
      outdir: 'dist-test-unused',
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    metafile = result.metafile;
  });

  /** Every input bundled into the files the entry loads at startup (entry + static imports). */
  function startupInputs(): string[] {
    const outputs = metafile.outputs;
    const entry = Object.keys(outputs).find((path) => path.endsWith('kubectl-seal.mjs'));
    expect(entry, 'entry output').to.not.equal(undefined);
    const seen = new Set<string>();
    const visit = (path: string): void => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const imported of outputs[path]?.imports ?? []) {
        if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
      }
    };
    visit(entry ?? '');
    return [...seen].flatMap((path) => Object.keys(outputs[path]?.inputs ?? {}));
  }

  it('contains no @kubernetes/client-node, yargs, yaml or node-forge', () => {
    const inputs = startupInputs();
    expect(inputs.some((p) => p.includes('plugin/seal/run.ts'))).to.equal(true);
    for (const heavy of [
      'node_modules/@kubernetes/',
      'node_modules/yargs',
      'node_modules/yaml/',
      'node_modules/node-forge/',
    ]) {
      expect(
        inputs.filter((p) => p.includes(heavy)),
        heavy,
      ).to.deep.equal([]);
    }
  });

  it('still bundles them, as lazy chunks', () => {
    const all = Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    for (const lazy of [
      'node_modules/@kubernetes/client-node/',
      'node_modules/yargs/',
      'node_modules/yaml/',
      'node_modules/node-forge/',
    ]) {
      expect(
        all.some((p) => p.includes(lazy)),
        lazy,
      ).to.equal(true);
    }
  });
});
