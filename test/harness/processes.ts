/**
 * Child processes of the local control plane. Each runs in its own process group, so
 * stopping one stops everything it started; every group is also registered for cleanup on
 * exit, SIGINT and SIGTERM, and handed to a watchdog that outlives a SIGKILLed owner.
 */
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

/** A running component of the plane. */
export interface Component {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

const exitCleanups: (() => void)[] = [];

/** Registers a synchronous cleanup that runs with {@link killAllNow} (exit, signals). */
export function onExit(cleanup: () => void): void {
  installExitHooks();
  exitCleanups.push(cleanup);
}

/** Synchronous last resort: kill every registered group. Safe to call more than once. */
export function killAllNow(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
  for (const cleanup of exitCleanups.splice(0)) {
    try {
      cleanup();
    } catch {
      // best effort at exit
    }
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      process.kill(process.pid, signal);
    });
  }
}

/** Starts a binary in its own process group with stdout and stderr going to `logFile`. */
export function startComponent(
  name: string,
  binary: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Component {
  installExitHooks();
  const fd = openSync(logFile, 'a');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  live.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.on('error', () => resolve(-1));
  });
  return { name, child, logFile, exited };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopComponent(c: Component, graceMs = 10_000): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  killGroup(c.child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(c.child, 'SIGKILL'), graceMs);
  await c.exited;
  clearTimeout(timer);
}

/** The last lines of a component's log, for error messages on a failed start. */
export function logTail(c: Component, lines = 30): string {
  try {
    return readFileSync(c.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts the watchdog that kills `groups` (and removes `dir`) if this process dies first. */
export function startWatchdog(dir: string, groups: number[]): ChildProcess {
  const script = new URL('./watchdog.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, String(process.pid), dir, ...groups.map(String)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

/** GET `path` from a process's HTTP listener on 127.0.0.1 (health, metrics, certificates). */
export function localGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}
