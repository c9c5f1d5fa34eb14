import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { generateSealingKey, type SealingKeyPair } from '../../../crypto/keys.js';
import { NAMESPACE_WIDE_ANNOTATION } from '../../../crypto/scope.js';
import type { KubeObject } from '../../../plugin/shared/objects.js';
import { openItem, runSeal, secretYaml, TempDir } from './helpers.js';

describe('kubectl seal --merge-into', () => {
  let key: SealingKeyPair;
  let dir: TempDir;
  let cert: string;

  before(async () => {
    key = await generateSealingKey({ bits: 2048 });
  });
  beforeEach(() => {
    dir = new TempDir();
    cert = dir.file('cert.pem', key.certificatePem);
  });
  afterEach(() => dir.cleanup());

  /** Seals `data` into a new SealedSecret file and returns its path. */
  async function sealedFile(
    name: string,
    args: string[],
    format: 'yaml' | 'json' = 'yaml',
  ): Promise<string> {
    const file = `${dir.path}/${name}`;
    const stdin = secretYaml({ name: 'app', namespace: 'prod', data: { old: 'b2xk' } });
    const result = await runSeal(['--cert', cert, '-o', format, '-w', file, ...args], { stdin });
    expect(result.code, result.stderr).to.equal(0);
    return file;
  }

  it('adds items in place, keeps existing items and YAML comments', async () => {
    const file = await sealedFile('app.yaml', []);
    const withComment = '# managed by GitOps\n' + readFileSync(file, 'utf8');
    dir.file('app.yaml', withComment);
    const input = secretYaml({
      name: 'ignored',
      namespace: 'ignored',
      stringData: { added: 'new' },
    });
    const result = await runSeal(['--cert', cert, '--merge-into', file], { stdin: input });
    expect(result).to.deep.equal({ code: 0, stdout: '', stderr: '' });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# managed by GitOps\n')).to.equal(true);
    const merged = parse(text) as KubeObject;
    expect(merged.metadata).to.deep.equal({ name: 'app', namespace: 'prod' });
    expect(openItem(merged, 'old', key.privateKey)).to.equal('old');
    expect(openItem(merged, 'added', key.privateKey)).to.equal('new');
  });

  it("uses the target's scope from its annotations, not the input's (kubeseal's footgun)", async () => {
    const file = await sealedFile('ns.yaml', ['--scope', 'namespace-wide']);
    // The input says nothing about scope: kubeseal would seal it strict and it would never open.
    const result = await runSeal(['--cert', cert, '--merge-into', file], {
      stdin: secretYaml({ name: 'x', stringData: { added: 'v' } }),
    });
    expect(result.code, result.stderr).to.equal(0);
    const merged = parse(readFileSync(file, 'utf8')) as KubeObject;
    expect(merged.metadata?.annotations).to.deep.equal({ [NAMESPACE_WIDE_ANNOTATION]: 'true' });
    const renamed = { ...merged, metadata: { ...merged.metadata, name: 'renamed' } };
    expect(openItem(renamed, 'added', key.privateKey)).to.equal('v');
  });

  it('refuses a --scope that contradicts the target, leaving the file untouched', async () => {
    const file = await sealedFile('app.yaml', []);
    const before = readFileSync(file, 'utf8');
    const result = await runSeal(
      ['--cert', cert, '--merge-into', file, '--scope', 'cluster-wide'],
      {
        stdin: secretYaml({ name: 'x', stringData: { a: 'b' } }),
      },
    );
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(
      /^error: --scope cluster-wide conflicts with .*app\.yaml, which is strict/,
    );
    expect(readFileSync(file, 'utf8')).to.equal(before);
  });

  it('merges template labels and annotations, but not scope annotations', async () => {
    const file = await sealedFile('app.json', [], 'json');
    const input = [
      'kind: Secret',
      'metadata:',
      '  labels: {team: a}',
      '  annotations: {note: hi, sealedsecrets.bitnami.com/cluster-wide: "true"}',
      'stringData: {k: v}',
    ].join('\n');
    const result = await runSeal(['--cert', cert, '--merge-into', file], { stdin: input });
    expect(result.code, result.stderr).to.equal(0);
    const merged = JSON.parse(readFileSync(file, 'utf8')) as KubeObject;
    const template = (merged['spec'] as { template: KubeObject }).template;
    expect(template.metadata?.labels).to.deep.equal({ team: 'a' });
    expect(template.metadata?.annotations).to.deep.equal({ note: 'hi' });
    expect(merged.metadata?.annotations).to.equal(undefined);
    expect(openItem(merged, 'k', key.privateKey)).to.equal('v');
    expect(openItem(merged, 'old', key.privateKey)).to.equal('old');
  });

  it('rejects a target that is not a SealedSecret, and a missing target', async () => {
    const notSealed = dir.file('cm.yaml', 'kind: ConfigMap\nmetadata: {name: x, namespace: y}\n');
    const stdin = secretYaml({ name: 'x', stringData: { a: 'b' } });
    const result = await runSeal(['--cert', cert, '--merge-into', notSealed], { stdin });
    expect(result.stderr).to.match(/is not a SealedSecret \(kind ConfigMap\)/);
    const missing = await runSeal(['--cert', cert, '--merge-into', `${dir.path}/none.yaml`], {
      stdin,
    });
    expect(missing.stderr).to.match(/cannot read --merge-into .*none\.yaml: no such file/);
    expect(readdirSync(dir.path).sort()).to.deep.equal(['cert.pem', 'cm.yaml']);
  });

  it('a strict target without namespace needs -n', async () => {
    const target = dir.file(
      't.yaml',
      'apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: x}\nspec: {encryptedData: {}}\n',
    );
    const stdin = secretYaml({ name: 'x', stringData: { a: 'b' } });
    const result = await runSeal(['--cert', cert, '--merge-into', target], { stdin });
    expect(result.stderr).to.match(
      /has no metadata\.namespace, which its strict scope needs; pass -n NAMESPACE/,
    );
    const withFlag = await runSeal(['--cert', cert, '--merge-into', target, '-n', 'ns'], { stdin });
    expect(withFlag.code, withFlag.stderr).to.equal(0);
  });
});
