import { expect } from 'chai';
import { build, type Metafile } from 'esbuild';

// Startup (docs/benchmarks.md, "kubectl tenant"): the entry chunk of the kubectl-tenant bundle,
// which every run parses, must not contain the Kubernetes client, yargs, the YAML parser or
// TypeBox (crds/ schemas: the plugin imports only constants and types from crds/). And the
// Kubernetes client must only ever be reached through `await import()`, since list, get and the
// other cluster commands talk to the API server without it for cert/token kubeconfigs.
describe('kubectl-tenant bundle: lean startup', function () {
  this.timeout(60_000);
  let metafile: Metafile;

  before(async () => {
    const result = await build({
      entryPoints: { 'kubectl-tenant': 'plugin/tenant/main.ts' },
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

  const inputsOf = (path: string): string[] => Object.keys(metafile.outputs[path]?.inputs ?? {});

  function staticClosure(from: string): Set<string> {
    const seen = new Set<string>();
    const visit = (path: string): void => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const imported of metafile.outputs[path]?.imports ?? []) {
        if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
      }
    };
    visit(from);
    return seen;
  }

  it('the entry and its static imports hold no client-node, yargs, yaml or typebox', () => {
    const entry = Object.keys(metafile.outputs).find((p) => p.endsWith('kubectl-tenant.mjs')) ?? '';
    const inputs = [...staticClosure(entry)].flatMap(inputsOf);
    expect(inputs.some((p) => p.includes('plugin/tenant/run.ts'))).to.equal(true);
    for (const heavy of [
      'node_modules/@kubernetes/',
      'node_modules/yargs',
      'node_modules/yaml/',
      'node_modules/@sinclair/',
    ]) {
      expect(
        inputs.filter((p) => p.includes(heavy)),
        heavy,
      ).to.deep.equal([]);
    }
  });

  it('client-node is only ever imported lazily, and the REST client chunk does not pull it in', () => {
    const clientChunks = Object.keys(metafile.outputs).filter((p) =>
      inputsOf(p).some((i) => i.includes('node_modules/@kubernetes/client-node/')),
    );
    expect(clientChunks).to.have.length.greaterThan(0);
    const restChunk = Object.keys(metafile.outputs).find((p) =>
      inputsOf(p).some((i) => i.endsWith('plugin/shared/kube-rest.ts')),
    );
    expect(restChunk).to.not.equal(undefined);
    const fromRest = [...staticClosure(restChunk ?? '')];
    expect(fromRest.filter((p) => clientChunks.includes(p))).to.deep.equal([]);
  });
});
