import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { sealedSecretErrors, tenantErrors } from '../../../crds/index.js';
import { completeTenant } from './fixtures.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** The YAML code blocks of a Markdown file, parsed, in order. */
async function yamlBlocks(path: string): Promise<unknown[]> {
  const text = await readFile(resolve(repoRoot, path), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as unknown);
}

describe('docs/spec/v1alpha1/tenant.md', () => {
  it('shows the complete example the tests validate', async () => {
    const [example] = await yamlBlocks('docs/spec/v1alpha1/tenant.md');
    const { status: _status, ...expected } = completeTenant();
    expect(example).to.deep.equal(expected);
    expect(tenantErrors(example)).to.deep.equal([]);
  });

  it('shows the status of the complete example', async () => {
    const blocks = await yamlBlocks('docs/spec/v1alpha1/tenant.md');
    const status = blocks.find((b) => (b as { status?: unknown }).status !== undefined);
    expect(status).to.deep.equal({ status: completeTenant().status });
  });
});

describe('docs/spec/sealedsecret.md', () => {
  it('shows a valid SealedSecret and a valid status', async () => {
    const [example, status] = await yamlBlocks('docs/spec/sealedsecret.md');
    expect(sealedSecretErrors(example)).to.deep.equal([]);
    expect(sealedSecretErrors({ ...(example as object), ...(status as object) })).to.deep.equal([]);
    expect(
      (status as { status: { conditions: { type: string }[] } }).status.conditions[0]!.type,
    ).to.equal('Synced');
  });
});
