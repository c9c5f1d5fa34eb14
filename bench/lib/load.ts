// How busy the machine was around a benchmark. These benches compare the product with a floor
// measured in the same run, but a neighbour that takes a core for a minute still skews one side
// (a one-minute type-check beside bench/tenant.ts turned a 76 s floor into 119 s), so the load is
// reported with the figures and a busy start is flagged.
import { cpus, loadavg } from 'node:os';

/** 1-minute load average above which a start is flagged (a fraction of the cores). */
const BUSY_SHARE = 0.25;

/** The 1-minute load average, one decimal. */
export function loadNow(): number {
  return Math.round((loadavg()[0] ?? 0) * 10) / 10;
}

/** Logs the load at the start, with a warning when the box is already busy; returns it. */
export function checkLoadAtStart(log: (line: string) => void): number {
  const load = loadNow();
  const cores = cpus().length;
  log(
    load > BUSY_SHARE * cores
      ? `WARNING: load average ${load} on ${cores} cores before the run: something else is running, figures will be skewed`
      : `load average ${load} on ${cores} cores`,
  );
  return load;
}
