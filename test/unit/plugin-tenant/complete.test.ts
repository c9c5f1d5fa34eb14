import { expect } from 'chai';
import { completionScript } from '../../../plugin/tenant/complete.js';
import { FakeCluster, runTenant } from './fake.js';

function cluster(): FakeCluster {
  const c = new FakeCluster();
  c.tenant('acme', {}, { state: 'Active', namespaces: ['acme-dev', 'acme-prod'] });
  c.tenant('beta', {
    owners: [
      { kind: 'User', name: 'alice', clusterRoles: ['admin'] },
      { kind: 'ServiceAccount', name: 'bot', namespace: 'ci', clusterRoles: ['admin'] },
    ],
  });
  return c;
}

async function complete(words: string[], c: FakeCluster = cluster()): Promise<string[]> {
  const r = await runTenant(['__complete', ...words], { cluster: c });
  expect(r.code).to.equal(0);
  return r.stdout.trimEnd().split('\n');
}

describe('kubectl tenant completion (cobra protocol for kubectl_complete-tenant)', () => {
  it('offers commands and groups with descriptions, then :4', async () => {
    const top = await complete(['']);
    expect(top).to.include('create\tCreate a tenant');
    expect(top).to.include('ns\tCreate, list, delete, adopt and move the namespaces of a tenant');
    expect(top[top.length - 1]).to.equal(':4');
    expect(await complete(['de'])).to.deep.equal([
      'describe\tShow a tenant: its namespaces, what each inherits, and its conditions',
      'delete\tDelete a tenant (asks first when its namespaces would be deleted)',
      ':4',
    ]);
    expect((await complete(['ns', ''])).map((l) => l.split('\t')[0])).to.deep.equal([
      'create',
      'list',
      'delete',
      'adopt',
      'move',
      ':4',
    ]);
  });

  it('offers tenant names, owners and namespaces from the cluster', async () => {
    expect(await complete(['get', 'a'])).to.deep.equal(['acme\tActive', ':4']);
    expect(await complete(['-n', 'x', 'cordon', ''])).to.deep.equal(['acme\tActive', 'beta', ':4']);
    expect(await complete(['owner', 'remove', 'beta', ''])).to.deep.equal([
      'user:alice\tUser',
      'sa:ci/bot\tServiceAccount',
      ':4',
    ]);
    expect(await complete(['ns', 'delete', '--tenant', 'acme', ''])).to.deep.equal([
      'acme-dev',
      'acme-prod',
      ':4',
    ]);
    expect(await complete(['ns', 'list', '--tenant', ''])).to.deep.equal(['acme', 'beta', ':4']);
    expect(await complete(['owner', 'add', 'acme', ''])).to.deep.equal([
      'user:\ta user',
      'group:\ta group',
      'sa:\ta service account: sa:NAMESPACE/NAME',
      ':4',
    ]);
    expect(await complete(['get', 'acme', ''])).to.deep.equal([':4']);
  });

  it('offers flags, flag values and files', async () => {
    const flags = await complete(['create', 'x', '--dr']);
    expect(flags).to.deep.equal([
      '--dry-run\tclient: print what would be sent, contact nothing; server: let the API server check it',
      ':4',
    ]);
    expect(await complete(['create', 'x', '--deletion-policy', ''])).to.deep.equal([
      'Retain',
      'Delete',
      ':4',
    ]);
    expect(await complete(['get', 'x', '-o', 'y'])).to.deep.equal(['yaml', ':4']);
    expect(await complete(['list', '--output=j'])).to.deep.equal(['--output=json', ':4']);
    expect(await complete(['list', '--kubeconfig', ''])).to.deep.equal([':0']);
  });

  it('an unreachable cluster means fewer candidates, never an error', async () => {
    const c = cluster();
    c.unreachable = true;
    expect(await complete(['get', ''], c)).to.deep.equal([':4']);
  });

  it('prints bash and zsh scripts that call __complete', async () => {
    for (const shell of ['bash', 'zsh']) {
      const r = await runTenant(['completion', shell]);
      expect(r.stdout).to.equal(completionScript(shell));
      expect(r.stdout).to.contain('kubectl-tenant __complete');
    }
    expect(completionScript('bash')).to.contain('complete -F _kubectl_tenant kubectl-tenant');
    expect(completionScript('zsh')).to.match(/^#compdef kubectl-tenant/);
    const fish = await runTenant(['completion', 'fish']);
    expect(fish.stderr).to.equal('error: unsupported shell "fish": use bash or zsh\n');
  });
});
