import type { FlagSpec } from './flags.js';

// Cobra's ShellCompDirective values, which kubectl (>= 1.26) expects from kubectl_complete-<name>.
const DIRECTIVE_DEFAULT = 0; // shell may complete file names
const DIRECTIVE_NO_FILE = 4;

/**
 * Completes the words of a plugin command line in cobra's protocol: candidates one per line
 * (`value\tdescription`), then `:<directive>`. `words` are the arguments after the plugin name;
 * the last one is being completed (possibly empty).
 *
 * @param values - optional candidates for a flag's value (e.g. context names for `--context`)
 */
export function completeFlags(
  specs: readonly FlagSpec[],
  words: readonly string[],
  values: (flag: string) => readonly string[] = () => [],
): string {
  const current = words[words.length - 1] ?? '';
  const previous = words[words.length - 2];
  const byName = (token: string): FlagSpec | undefined => {
    const bare = token.replace(/^--?/, '');
    return specs.find((s) => s.name === bare || s.short === bare);
  };
  const render = (lines: readonly string[], directive: number): string =>
    [...lines, `:${directive}`].join('\n') + '\n';
  const valuesOf = (spec: FlagSpec, prefix: string, emit: (v: string) => string): string => {
    if (spec.file === true) return render([], DIRECTIVE_DEFAULT);
    const candidates = spec.choices ?? values(spec.name);
    return render(candidates.filter((v) => v.startsWith(prefix)).map(emit), DIRECTIVE_NO_FILE);
  };

  const eq = /^(--[^=]+)=(.*)$/.exec(current);
  const eqSpec = eq ? byName(eq[1] ?? '') : undefined;
  if (eq && eqSpec) return valuesOf(eqSpec, eq[2] ?? '', (v) => `${eq[1]}=${v}`);

  const prevSpec =
    previous?.startsWith('-') && !previous.includes('=') ? byName(previous) : undefined;
  if (prevSpec !== undefined && prevSpec.type !== 'boolean')
    return valuesOf(prevSpec, current, (v) => v);

  if (current.startsWith('-')) {
    const lines = specs
      .filter((s) => s.hidden !== true && `--${s.name}`.startsWith(current))
      .map((s) => `--${s.name}\t${s.description}`);
    return render(lines, DIRECTIVE_NO_FILE);
  }
  return render([], DIRECTIVE_NO_FILE);
}
