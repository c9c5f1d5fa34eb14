import type { Argv, Options } from 'yargs';

/**
 * One command-line flag, declared once and used for both parsing (yargs) and shell completion.
 */
export interface FlagSpec {
  /** Long name without dashes, e.g. `secret-file`. */
  readonly name: string;
  /** One-letter alias, e.g. `f`. */
  readonly short?: string;
  readonly type: 'string' | 'boolean' | 'array';
  readonly description: string;
  /** Allowed values, offered by completion (validation is the caller's, for better messages). */
  readonly choices?: readonly string[];
  /** The value is a file path: completion falls back to the shell's file completion. */
  readonly file?: boolean;
  /** Deprecated names, accepted as separate hidden flags (the caller maps them). */
  readonly deprecatedAliases?: readonly string[];
  /** Not shown in help or completion. */
  readonly hidden?: boolean;
}

/** kubectl's connection flags, shared by every plugin (krew best practices). */
export const KUBECTL_FLAGS: readonly FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', file: true, description: 'Path to the kubeconfig file' },
  { name: 'context', type: 'string', description: 'The kubeconfig context to use' },
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    description: 'Namespace (default: from the context, else "default")',
  },
  { name: 'as', type: 'string', description: 'Username to impersonate' },
  {
    name: 'request-timeout',
    type: 'string',
    description: 'Timeout of a single API request (e.g. 30s, 1m; 0 = none)',
  },
];

/** Declares the flags on a yargs instance. */
export function declareFlags<T>(parser: Argv<T>, specs: readonly FlagSpec[]): Argv<T> {
  let out = parser;
  for (const spec of specs) {
    const options: Options = {
      type: spec.type,
      describe: spec.description,
      hidden: spec.hidden ?? false,
      ...(spec.short === undefined ? {} : { alias: spec.short }),
      ...(spec.type === 'array' ? { string: true } : {}),
      // A value flag given without a value is a mistake, not an empty string.
      ...(spec.type === 'boolean' ? {} : { requiresArg: true }),
      ...(spec.choices ? { describe: `${spec.description} (${spec.choices.join('|')})` } : {}),
    };
    out = out.option(spec.name, options);
    for (const alias of spec.deprecatedAliases ?? []) {
      out = out.option(alias, {
        ...options,
        hidden: true,
        describe: `deprecated: use --${spec.name}`,
      });
    }
  }
  return out;
}
