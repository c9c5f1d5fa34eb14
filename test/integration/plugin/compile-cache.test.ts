/**
 * The plugin launchers turn on Node's compile cache (Node >= 22.1) in a per-user directory, and
 * on Node 20, which has none, write nothing. Runs the real launchers against the built bundle.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PLUGIN_BIN } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../../..');
// Node >= 22.1 (the @types/node of Node 20 does not declare it).
const hasCompileCache = 'enableCompileCache' in module;

/** Every file below `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('kubectl plugins: compile cache', () => {
  let home: string;
  before(() => {
    if (!existsSync(join(ROOT, 'dist/kubectl-tenant.mjs'))) {
      throw new Error('dist/kubectl-tenant.mjs is missing: run `npm run build` first');
    }
  });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'tenantry-cc-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  for (const plugin of ['kubectl-tenant', 'kubectl-seal', 'kubectl_complete-tenant']) {
    it(`${plugin}: ${hasCompileCache ? 'caches compiled code under $XDG_CACHE_HOME/tenantry' : 'writes no cache on this Node'}`, () => {
      const args = plugin.startsWith('kubectl_complete') ? ['cr'] : ['--version'];
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: home };
      delete env.NODE_COMPILE_CACHE;
      delete env.NODE_DISABLE_COMPILE_CACHE;
      const run = spawnSync(process.execPath, [join(PLUGIN_BIN, plugin), ...args], {
        env,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.not.equal('');
      const cached = filesUnder(join(home, 'tenantry', 'node-compile-cache'));
      if (hasCompileCache) {
        expect(cached.length, 'compiled modules cached').to.be.greaterThan(0);
      } else {
        expect(cached).to.deep.equal([]);
      }
      // Nothing lands anywhere else in the cache home.
      expect(readdirSync(home)).to.deep.equal(hasCompileCache ? ['tenantry'] : []);
    });
  }
});
