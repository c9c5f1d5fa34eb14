// CPU readings from Linux's /proc, for the benchmarks that split CPU time between processes and
// threads (the product and the local control plane share the same cores).
import { readFileSync, readdirSync } from 'node:fs';

/** User and system CPU seconds in a /proc `stat` file (fields 14 and 15, after the `(comm)`). */
function statUserSystem(path: string): { user: number; system: number } {
  const stat = readFileSync(path, 'utf8');
  // `comm` may contain spaces and parentheses; the fields start after its last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** User + system CPU seconds in a /proc `stat` file. */
function statCpuSeconds(path: string): number {
  const { user, system } = statUserSystem(path);
  return user + system;
}

/** User and system CPU seconds of this process's main thread (the event loop). */
export function mainThreadUserSystem(): { user: number; system: number } {
  return statUserSystem(`/proc/self/task/${process.pid}/stat`);
}

/** CPU seconds (user + system) of process `pid` so far; NaN once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    return statCpuSeconds(`/proc/${pid}/stat`);
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of this process's threads: the main thread (the event loop: JS, TLS, parsing) and
 * the others together (libuv's pool, V8's GC and compiler threads). Threads that have ended are
 * missing, so compare two readings only across a window in which the pool kept its threads.
 */
export function threadCpuSeconds(): { main: number; 'other threads': number } {
  const out = { main: 0, 'other threads': 0 };
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const seconds = statCpuSeconds(`/proc/self/task/${tid}/stat`);
      out[Number(tid) === process.pid ? 'main' : 'other threads'] += seconds;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * The whole machine's CPU time so far from /proc/stat, in seconds summed over all cores: `idle`
 * (idle + iowait), `steal` (the hypervisor ran someone else: a noisy neighbour slows this box down
 * without showing up in any of its processes) and `busy` (everything else, including the kernel's
 * softirq work that no process is charged for, such as loopback TCP).
 */
export function machineCpuSeconds(): { busy: number; idle: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice).
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const steal = ticks[7] ?? 0;
  const busy = ticks.slice(0, 8).reduce((s, t) => s + t, 0) - idle - steal;
  return { busy: busy / 100, idle: idle / 100, steal: steal / 100 };
}
