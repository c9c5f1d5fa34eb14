// CPU readings from Linux's /proc, for the benchmarks that split CPU time between processes and
// threads (the product and the local control plane share the same cores).
import { readFileSync, readdirSync } from 'node:fs';

/** User + system CPU seconds in a /proc `stat` file (fields 14 and 15, after the `(comm)`). */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // `comm` may contain spaces and parentheses; the fields start after its last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
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
