import { expect } from 'chai';
import { runSeal, TempDir } from './helpers.js';

describe('kubectl_complete-seal (cobra protocol)', () => {
  const complete = async (words: string[], env?: Record<string, string>): Promise<string[]> => {
    const result = await runSeal(['__complete', ...words], { env });
    expect(result.code).to.equal(0);
    return result.stdout.split('\n').filter((l) => l !== '');
  };

  it('completes flag names with descriptions and disables file completion', async () => {
    const lines = await complete(['--sc']);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^--scope\t/);
    expect(lines[1]).to.equal(':4');
    expect(await complete(['--re'])).to.satisfy((l: string[]) =>
      l.some((x) => x.startsWith('--re-encrypt\t')),
    );
  });

  it('never offers hidden or deprecated names', async () => {
    const names = (await complete(['--'])).map((l) => l.split('\t')[0]);
    expect(names).to.include('--recovery-private-key');
    expect(names).to.not.include('--rotate');
  });

  it('completes choices for --scope and -o, also after =', async () => {
    expect(await complete(['--scope', ''])).to.deep.equal([
      'strict',
      'namespace-wide',
      'tenant-wide',
      'cluster-wide',
      ':4',
    ]);
    expect(await complete(['--scope', 'c'])).to.deep.equal(['cluster-wide', ':4']);
    expect(await complete(['-o', ''])).to.deep.equal(['json', 'yaml', ':4']);
    expect(await complete(['--format=y'])).to.deep.equal(['--format=yaml', ':4']);
  });

  it('lets the shell complete file names for file flags', async () => {
    expect(await complete(['-f', ''])).to.deep.equal([':0']);
    expect(await complete(['--cert', 'ce'])).to.deep.equal([':0']);
  });

  it('offers kubeconfig contexts for --context', async () => {
    const dir = new TempDir();
    try {
      const config = dir.file(
        'config',
        'contexts:\n- name: kind-a\n  context: {}\n- name: prod\n  context: {}\n',
      );
      expect(await complete(['--context', ''], { KUBECONFIG: config })).to.deep.equal([
        'kind-a',
        'prod',
        ':4',
      ]);
      expect(await complete(['--context', 'p'], { KUBECONFIG: config })).to.deep.equal([
        'prod',
        ':4',
      ]);
    } finally {
      dir.cleanup();
    }
  });

  it('offers nothing for positional words', async () => {
    expect(await complete([''])).to.deep.equal([':4']);
    expect(await complete(['--raw', ''])).to.deep.equal([':4']);
  });
});
