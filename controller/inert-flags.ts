/**
 * Flags of Bitnami's sealed-secrets controller that tenantry accepts but does not act on, so a
 * Deployment that ran Bitnami's image starts this controller with its arguments unchanged instead
 * of crash-looping on "Unknown argument". Each says why it has no effect; a value other than the
 * default is logged as a warning at start, so nobody relies on it unknowingly.
 */
import type { Options } from 'yargs';

/** One accepted flag without effect. */
export interface InertFlag {
  /** The yargs option (type, Bitnami's default, help text). */
  readonly option: Options;
  /** Why it has no effect here, for the warning. */
  readonly why: string;
}

/** The yargs options of a table of inert flags. */
export function inertOptions(table: Readonly<Record<string, InertFlag>>): Record<string, Options> {
  return Object.fromEntries(Object.entries(table).map(([name, f]) => [name, f.option]));
}

/** One warning per inert flag set to something other than its default. */
export function inertFlagWarnings(
  table: Readonly<Record<string, InertFlag>>,
  flags: Readonly<Record<string, unknown>>,
): string[] {
  const warnings: string[] = [];
  // Flag values are scalars (string, number, boolean); JSON-free text keeps `--x=text` readable.
  const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  for (const [name, f] of Object.entries(table)) {
    const value = flags[name];
    if (value === undefined || text(value) === text(f.option.default)) continue;
    warnings.push(`--${name}=${text(value)} has no effect: ${f.why}`);
  }
  return warnings;
}
