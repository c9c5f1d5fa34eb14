/**
 * No etcd, kube-apiserver or kube-controller-manager may outlive the process that started
 * them: not after a test failure (an uncaught error), and not after a SIGKILL.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { eventually } from '../../helpers/names.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a plane in a child process that records its component pids, then dies as told. */
async function planeThatDies(how: 'throw' | 'sigkill'): Promise<number[]> {
  const out = join(mkdtempSync(join(tmpdir(), 'tenantry-cleanup-')), 'pids.json');
  const script = new URL('./plane-child.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', script, out, how], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Listen for the exit now: the child may exit before the pids file is seen.
  const exited = new Promise((r) => child.once('exit', r));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const pids = await eventually(
    'the child plane to start',
    async () => (existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as number[]) : undefined),
    90_000,
  );
  if (how === 'sigkill') child.kill('SIGKILL');
  await exited;
  if (how === 'throw') expect(stderr).to.contain('simulated test failure');
  return pids;
}

describe('control plane cleanup', function () {
  this.timeout(180_000);

  for (const how of ['throw', 'sigkill'] as const) {
    it(`leaves no process behind when its owner ${how === 'throw' ? 'fails with an error' : 'is SIGKILLed'}`, async () => {
      const pids = await planeThatDies(how);
      expect(pids).to.have.length(3);
      await eventually(
        'every component to be gone',
        async () => (pids.every((p) => !alive(p)) ? true : undefined),
        20_000,
      );
    });
  }
});
