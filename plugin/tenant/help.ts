/**
 * `--help` without loading yargs. yargs renders every help text of `kubectl tenant` at build time
 * (scripts/render-help.ts); the bundle carries them as `__TENANTRY_TENANT_HELP__`. A plain
 * `kubectl tenant [command words] --help` prints the stored text; anything else (flags next to
 * `--help`, unknown words, running from source) goes to yargs as before. The texts cannot
 * differ from what yargs would print: yargs printed them, with the same table, no wrapping
 * (`wrap(null)`) and a fixed locale, and a unit test compares the bundle with yargs.
 */
import { COMMANDS, GROUPS } from './commands.js';

declare const __TENANTRY_TENANT_HELP__: Readonly<Record<string, string>> | undefined;

const HELP_FLAGS = new Set(['--help', '-h']);

/** Every command path with a help text of its own: '', groups, commands, with their aliases. */
export function helpPaths(): string[] {
  const paths = [''];
  for (const g of GROUPS) {
    const names = [g.name, ...(g.aliases ?? [])];
    paths.push(...names);
    for (const c of COMMANDS.filter((x) => x.id.startsWith(`${g.name} `))) {
      const leaf = [c.id.slice(g.name.length + 1), ...(c.aliases ?? [])];
      for (const n of names) for (const l of leaf) paths.push(`${n} ${l}`);
    }
  }
  for (const c of COMMANDS.filter((x) => !x.id.includes(' ')))
    paths.push(c.id, ...(c.aliases ?? []));
  return paths;
}

/** The stored help for `args` (command words, then only `--help` or `-h`), if there is one. */
export function prerenderedHelp(args: readonly string[]): string | undefined {
  if (typeof __TENANTRY_TENANT_HELP__ === 'undefined') return undefined;
  const last = args[args.length - 1];
  if (last === undefined || !HELP_FLAGS.has(last)) return undefined;
  const words = args.slice(0, -1);
  if (words.some((w) => w.startsWith('-'))) return undefined;
  return __TENANTRY_TENANT_HELP__[words.join(' ')];
}
