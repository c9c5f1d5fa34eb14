import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helpPaths, prerenderedHelp } from '../../../plugin/tenant/help.js';
import { parseWithYargs } from '../../../plugin/tenant/parse.js';

// `kubectl tenant ... --help` prints texts yargs rendered at build time (plugin/tenant/help.ts).
// They must be exactly what yargs prints at run time, for every command path.
describe('kubectl tenant --help rendered at build time', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tenantry-help-'));
    execFileSync(process.execPath, ['scripts/bundle.mjs', dir], { stdio: 'pipe' });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const bundled = (args: string[]): string =>
    execFileSync(process.execPath, [join(dir, 'kubectl-tenant.mjs'), ...args], {
      encoding: 'utf8',
    });

  it('covers the top level, every group and every command with its aliases', () => {
    const paths = helpPaths();
    expect(paths).to.include.members(['', 'ns', 'namespaces ls', 'owner rm', 'create', 'ls']);
    expect(new Set(paths).size).to.equal(paths.length);
  });

  it('prints exactly what yargs prints, for every command path and both help flags', async () => {
    for (const path of helpPaths()) {
      const words = path === '' ? [] : path.split(' ');
      const fromYargs = await parseWithYargs([...words, '--help']);
      expect(fromYargs.kind).to.equal('print');
      const expected = fromYargs.kind === 'print' ? fromYargs.text : '';
      expect(bundled([...words, '--help']), `${path} --help`).to.equal(expected);
      if (path === 'ns list') expect(bundled([...words, '-h']), `${path} -h`).to.equal(expected);
    }
  });

  it('leaves anything but command words and a help flag to yargs', async () => {
    // Running from source: no texts were embedded.
    expect(prerenderedHelp(['--help'])).to.equal(undefined);
    // The bundle: a flag before --help, or an unknown word, still gets yargs' answer.
    expect(bundled(['list', '-o', 'json', '--help'])).to.contain('kubectl tenant list');
    const bogus = await parseWithYargs(['bogus', '--help']);
    expect(bundled(['bogus', '--help'])).to.equal(bogus.kind === 'print' ? bogus.text : '');
  });
});
