import { expect } from 'chai';
import { COMMANDS, findCommand } from '../../../plugin/tenant/commands.js';
import {
  parseFast,
  parseTenantArgs,
  parseWithYargs,
  type Invocation,
} from '../../../plugin/tenant/parse.js';

async function yargsRun(args: readonly string[]): Promise<Invocation> {
  const parsed = await parseWithYargs(args);
  if (parsed.kind !== 'run') throw new Error(`expected a command, got help for ${args.join(' ')}`);
  return parsed.invocation;
}

async function failure(args: readonly string[]): Promise<string> {
  try {
    await parseTenantArgs(args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected ${args.join(' ')} to fail`);
}

const shape = (i: Invocation): object => ({ id: i.command.id, args: i.args, flags: i.flags });

describe('kubectl tenant argument parsing', () => {
  // Command lines the fast path takes; yargs must read each the same way.
  const plain: string[][] = [
    ['list'],
    ['ls', '-o', 'json'],
    [
      'list',
      '-l',
      'team=a',
      '--kubeconfig',
      '/k',
      '--context',
      'c',
      '--as',
      'u',
      '--as-group',
      'g1',
      '--as-group',
      'g2',
    ],
    ['get', 'acme', '-o', 'yaml', '--request-timeout', '5s'],
    ['describe', 'acme', '-n', 'x'],
    [
      'create',
      'acme',
      '--owner',
      'user:alice',
      '--owner=group:devs=admin,view',
      '--namespace-quota',
      '5',
      '--quota',
      'pods=1',
      '--quota',
      'count/configmaps=10',
      '--tenant-quota=requests.cpu=8',
      '--resource-quota',
      'name=c,hard=a:1,b:2',
      '--scope',
      'Tenant',
      '--force-prefix',
      '--cordoned',
      '--prevent-deletion',
      '--deletion-policy',
      'Delete',
      '--registry',
      'ghcr.io/a',
      '--dry-run=client',
      '-o',
      'yaml',
    ],
    ['-n', 'x', 'ns', 'list'],
    ['ns', 'create', 'acme-dev', '--tenant', 'acme', '--dry-run', 'server'],
    ['namespace', 'delete', 'acme-dev', '--timeout', '30s'],
    ['ns', 'adopt', 'legacy', '--tenant', 'acme'],
    ['ns', 'move', 'legacy', '--to', 'beta'],
    ['owner', 'add', 'acme', 'sa:ci/bot', '--cluster-role', 'edit', '--cluster-role', 'view'],
    ['owner', 'rm', 'acme', 'user:alice'],
    ['delete', 'acme', '-y', '--wait'],
    ['cordon', 'acme'],
    ['uncordon', 'acme'],
    ['export', '-o', 'json'],
    ['completion', 'bash'],
  ];

  for (const args of plain) {
    it(`fast path and yargs agree: ${args.join(' ')}`, async () => {
      const fast = parseFast(args);
      expect(fast, 'the fast path should take this line').to.not.equal(undefined);
      expect(shape(fast!)).to.deep.equal(shape(await yargsRun(args)));
    });
  }

  it('leaves to yargs what only yargs understands, and yargs reads it', async () => {
    for (const args of [
      ['delete', 'acme', '--wait=false'],
      ['delete', 'acme', '--no-wait'],
      ['list', '--', 'x'],
    ]) {
      expect(parseFast(args), args.join(' ')).to.equal(undefined);
    }
    expect((await yargsRun(['delete', 'acme', '--no-wait'])).flags).to.deep.include({
      wait: false,
    });
    expect((await yargsRun(['delete', 'acme', '--wait=false'])).flags).to.deep.include({
      wait: false,
    });
    expect((await yargsRun(['get', 'a', '-o', 'json', '-o', 'name'])).flags).to.deep.include({
      output: 'name',
    });
  });

  it('prints help and version as text', async () => {
    const top = await parseTenantArgs(['--help']);
    expect(top.kind).to.equal('print');
    const text = top.kind === 'print' ? top.text : '';
    for (const command of COMMANDS.filter((c) => !c.id.includes(' '))) {
      expect(text).to.contain(`kubectl tenant ${command.id}`);
    }
    expect(text).to.contain('kubectl tenant ns <command>');
    const none = await parseTenantArgs([]);
    expect(none.kind === 'print' && none.text).to.equal(text);
    const create = await parseTenantArgs(['create', '--help']);
    expect(create.kind === 'print' && create.text).to.contain('--owner');
    const version = await parseTenantArgs(['--version']);
    expect(version.kind === 'print' && version.text).to.equal('kubectl-tenant version 0.1.0\n');
  });

  it('says what is wrong in one line', async () => {
    expect(await failure(['lsit'])).to.equal(
      'unknown command "lsit" for "kubectl tenant"; did you mean "list"? (kubectl tenant --help lists the commands)',
    );
    expect(await failure(['ns', 'crate', 'x'])).to.equal(
      'unknown command "crate" for "kubectl tenant ns"; did you mean "create"?',
    );
    expect(await failure(['ns'])).to.equal(
      'choose a command of "kubectl tenant ns": create, list, delete, adopt, move',
    );
    expect(await failure(['create'])).to.equal(
      'missing NAME (tenant name): kubectl tenant create NAME [flags]',
    );
    expect(await failure(['owner', 'add', 'acme'])).to.equal(
      'missing SUBJECT (user:name, group:name or sa:namespace/name): kubectl tenant owner add NAME SUBJECT [flags]',
    );
    expect(await failure(['get', 'a', 'b'])).to.equal('unexpected argument "b"');
    expect(await failure(['get', 'a', '--owner', 'x'])).to.equal('unknown flag: --owner');
    expect(await failure(['create', 'a', '--owner'])).to.equal('flag needs an argument: --owner');
  });

  it('finds commands by their words and aliases', () => {
    expect(findCommand(['ls'])?.id).to.equal('list');
    expect(findCommand(['namespaces', 'ls'])?.id).to.equal('ns list');
    expect(findCommand(['owner', 'rm'])?.id).to.equal('owner remove');
    expect(findCommand(['ns'])).to.equal(undefined);
    expect(findCommand(['add'])).to.equal(undefined);
  });
});
