/**
 * `npm run demo` (scripts/demo.ts) as a user runs it: a child process with its own control plane.
 * It must tell the whole story (tenant ready, namespaces owned, secret unsealed, quota refusing
 * the overshoot) and leave nothing behind: no process, no temporary directory, both after a
 * normal exit and after Ctrl-C on `--keep`.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../chart/helpers.js';

interface DemoRun {
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the demo in its own process group, as a terminal would. */
function startDemo(args: string[] = []): DemoRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { pid: child.pid ?? 0, output: () => output, exited };
}

/** Processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): string[] {
  if (!existsSync('/proc')) return [];
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(join('/proc', pid, 'cmdline'), 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(text)) found.push(`${pid}: ${cmd.slice(0, 160)}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Processes in process group `pgid` (Linux /proc), e.g. a child the demo forgot. */
function groupMembers(pgid: number): string[] {
  if (!existsSync('/proc')) return [];
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      // Field 5 of /proc/<pid>/stat is the process group; the command (field 2) may hold spaces.
      const stat = readFileSync(join('/proc', pid, 'stat'), 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie (state Z) has exited and waits only for its reaper (pid 1 in this sandbox does not
      // reap), so it is not a process left running.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z')
        found.push(`${pid}: ${stat.slice(0, 80)}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** The temporary directories the demo printed (plane, controller log). */
function tempDirs(output: string): string[] {
  return [...new Set(output.match(/\/tmp\/tenantry-(plane|controller)-[A-Za-z0-9]+/g) ?? [])];
}

async function expectNothingLeft(run: DemoRun): Promise<void> {
  const dirs = tempDirs(run.output());
  expect(
    dirs.some((d) => d.includes('tenantry-plane-')),
    run.output(),
  ).to.equal(true);
  // The watchdog and the components exit asynchronously after the demo; give them a moment.
  const deadline = Date.now() + 15_000;
  let left: string[] = [];
  do {
    left = dirs.flatMap(processesMentioning);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() < deadline);
  expect(left, 'processes left running').to.deep.equal([]);
  for (const d of dirs) expect(existsSync(d), `${d} left behind`).to.equal(false);
  expect(groupMembers(run.pid), 'processes left in the demo process group').to.deep.equal([]);
}

describe('npm run demo', function () {
  let run: DemoRun | undefined;

  afterEach(async function () {
    // Never leave a demo running, whatever failed.
    if (run !== undefined) {
      try {
        process.kill(-run.pid, 'SIGINT');
      } catch {
        // already gone
      }
      await Promise.race([run.exited, new Promise((r) => setTimeout(r, 20_000))]);
    }
  });

  it('tells the whole story and leaves nothing behind', async function () {
    this.timeout(10 * 60_000);
    run = startDemo();
    const code = await run.exited;
    const out = run.output();
    expect(code, out).to.equal(0);
    expect(out).to.include('admin $ kubectl tenant create acme --owner user:alice');
    expect(out).to.include('✔ Tenant acme is Ready');
    expect(out).to.include('alice $ kubectl create namespace acme-dev');
    expect(out).to.include('namespace/acme-prod created');
    expect(out).to.match(/\| kubectl seal --controller-namespace tenantry-system -o yaml/);
    expect(out).to.include('sealedsecret.bitnami.com/db-credentials created');
    expect(out).to.include('correct-horse-battery-staple');
    expect(out).to.include('✔ Secret acme-prod/db-credentials unsealed');
    expect(out).to.match(/services "one-too-many" is forbidden: exceeded quota/);
    expect(out).to.include('✔ the tenant quota refused the overshoot');
    expect(out).to.include(
      'Done: tenant ready, namespaces owned, secret unsealed, quota enforced.',
    );
    expect(out).to.not.include('skipped');
    await expectNothingLeft(run);
  });

  it('keeps everything running with --keep, and cleans up on Ctrl-C', async function () {
    this.timeout(10 * 60_000);
    const demo = startDemo(['--keep']);
    run = demo;
    const deadline = Date.now() + 8 * 60_000;
    while (!demo.output().includes('keeps running until Ctrl-C')) {
      if (Date.now() > deadline) throw new Error(`--keep never reached:\n${demo.output()}`);
      const done = await Promise.race([
        demo.exited,
        new Promise((r) => setTimeout(r, 500, 'wait')),
      ]);
      if (done !== 'wait')
        throw new Error(`demo exited early (${String(done)}):\n${demo.output()}`);
    }
    const out = demo.output();
    const admin = /export KUBECONFIG=(\S+admin\.kubeconfig)/.exec(out)?.[1];
    expect(admin, out).to.be.a('string');
    expect(existsSync(admin ?? ''), 'the admin kubeconfig exists while kept').to.equal(true);
    expect(out).to.match(/alice: {2}export KUBECONFIG=\S+alice-\d+\.kubeconfig/);
    const plane = tempDirs(out).find((d) => d.includes('tenantry-plane-')) ?? '';
    expect(processesMentioning(plane).length, 'plane and controller still run').to.be.greaterThan(
      3,
    );
    process.kill(-demo.pid, 'SIGINT');
    const code = await demo.exited;
    expect(code).to.equal(130);
    await expectNothingLeft(demo);
  });
});
