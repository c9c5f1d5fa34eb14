/**
 * How fast V8 lets the old generation grow between full collections.
 *
 * V8 sets the next full-GC limit to the live heap times a factor it derives from how fast the
 * collector runs compared with the program's allocation rate; for a process that allocates fast
 * (parsing thousands of watch events and API responses on a cold start) that factor reaches 4.
 * The Tenant controller's live heap at 1,000 Tenants is ~70 MB, yet the heap grew to 235 MB
 * before the next full collection (docs/benchmarks.md, "Tenant controller"). A fixed factor of
 * 1.5 (`--heap-growing-percent=50`) bounds the heap at about 1.5× the live set for a few more
 * full collections, which are incremental and cheap at this size.
 *
 * V8 reads the flag whenever it computes a limit, so setting it at start-up is as good as the
 * command-line flag. A flag the operator gave `node` itself wins.
 */
import v8 from 'node:v8';

/**
 * Flags the controller image gives `node` (the Dockerfile's ENTRYPOINT, checked against this list
 * by the chart test; bench/tenant.ts runs the bundle with them). V8 sizes the young generation
 * when the process starts, so this one cannot be set from the code like the growth factor: a
 * semi-space of 8 MB instead of V8's 16 keeps the young generation at 16 MB, and the cold-start
 * peak at 1,000 Tenants went from 216–223 to 197 MiB (restart 224–239 to 205) at the same CPU.
 */
export const IMAGE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];

const V8_FLAG = '--heap-growing-percent';

/** Why `percent` is not a valid `--heap-growth-percent` (a whole number from 0 to 300), if it is not. */
export function invalidHeapGrowth(percent: number): string | undefined {
  return Number.isInteger(percent) && percent >= 0 && percent <= 300
    ? undefined
    : `--heap-growth-percent must be a whole number from 0 to 300, got ${percent}`;
}

/** The V8 flag to set for `percent`, or undefined to leave V8's own heuristic (0) or the operator's flag. */
export function heapGrowthFlag(
  percent: number,
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): string | undefined {
  const invalid = invalidHeapGrowth(percent);
  if (invalid !== undefined) throw new Error(invalid);
  if (percent === 0) return undefined;
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some(
    (a) => a === V8_FLAG || a.startsWith(`${V8_FLAG}=`) || a.startsWith('--heap_growing_percent'),
  );
  return given ? undefined : `${V8_FLAG}=${percent}`;
}

/** Applies `--heap-growth-percent`; returns the V8 flag set, if any (for the start-up log). */
export function applyHeapGrowth(percent: number): string | undefined {
  const flag = heapGrowthFlag(percent, process.execArgv, process.env.NODE_OPTIONS);
  if (flag !== undefined) v8.setFlagsFromString(flag);
  return flag;
}
