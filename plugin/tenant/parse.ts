import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Argv, CommandModule, Options } from 'yargs';
import { prerenderedHelp } from './help.js';
import { CliError } from '../shared/errors.js';
import type { FlagSpec } from '../shared/flags.js';
import {
  COMMANDS,
  GLOBAL_FLAGS,
  GROUPS,
  commandWords,
  findCommand,
  flagsOf,
  type CommandSpec,
} from './commands.js';
import { closest } from './suggest.js';
import { VERSION } from './version.js';

/** A parsed command line: which command, its positional arguments and its flags. */
export interface Invocation {
  readonly command: CommandSpec;
  /** Positional arguments by name; absent optional ones are `undefined`. */
  readonly args: Readonly<Record<string, string | undefined>>;
  /** Flags by long name; only flags that were given. */
  readonly flags: Readonly<Record<string, unknown>>;
}

/** Result of parsing: a command to run, or text to print (help, version). */
export type Parsed =
  | { readonly kind: 'run'; readonly invocation: Invocation }
  | { readonly kind: 'print'; readonly text: string };

/**
 * Parses `kubectl tenant` arguments. Never prints or exits: help and version come back as text,
 * mistakes as a {@link CliError}.
 *
 * Two parsers, one table (commands.ts), as in kubectl-seal: yargs defines the CLI (help,
 * version, `--no-x`, `--x=false`, messages), but loading it costs about as much as starting Node.
 * A plain command line (a known command, known flags, the right number of arguments) is parsed
 * with Node's `util.parseArgs` in strict mode; everything else goes to yargs, which has the last
 * word. Unit tests check that both agree.
 */
export async function parseTenantArgs(args: readonly string[]): Promise<Parsed> {
  const fast = parseFast(args);
  if (fast !== undefined) return { kind: 'run', invocation: fast };
  const help = prerenderedHelp(args);
  if (help !== undefined) return { kind: 'print', text: help };
  return parseWithYargs(args.length === 0 ? ['--help'] : args);
}

function parseArgsOptions(specs: readonly FlagSpec[]): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const spec of specs) {
    options[spec.name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      multiple: spec.type === 'array',
      ...(spec.short === undefined ? {} : { short: spec.short }),
    };
  }
  return options;
}

const ALL_OPTIONS = parseArgsOptions([...COMMANDS.flatMap((c) => c.flags), ...GLOBAL_FLAGS]);

/** The fast path: an invocation, or `undefined` to let yargs decide. */
export function parseFast(args: readonly string[]): Invocation | undefined {
  if (args.some((a) => a === '--' || a === '-h' || a === '--help' || a === '--version')) {
    return undefined;
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: ALL_OPTIONS,
      strict: true,
      allowPositionals: true,
    }));
  } catch {
    return undefined;
  }
  const command = findCommand(positionals);
  if (command === undefined) return undefined;
  const rest = positionals.slice(commandWords(command));
  const required = command.positionals.filter((p) => p.required !== false).length;
  if (rest.length < required || rest.length > command.positionals.length) return undefined;
  const allowed = new Set(flagsOf(command).map((f) => f.name));
  for (const [key, value] of Object.entries(values)) {
    if (!allowed.has(key)) return undefined;
    if (value === '' || (Array.isArray(value) && value.includes(''))) return undefined;
  }
  return {
    command,
    args: Object.fromEntries(command.positionals.map((p, i) => [p.name, rest[i]])),
    flags: values,
  };
}

/** Declares flags for yargs. Repeatable flags are strings that yargs collects when repeated:
 * yargs' `array` type would swallow the positional arguments that follow. */
function declare<T>(parser: Argv<T>, specs: readonly FlagSpec[]): Argv<T> {
  let out = parser;
  for (const spec of specs) {
    const options: Options = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      describe: spec.choices ? `${spec.description} [${spec.choices.join('|')}]` : spec.description,
      hidden: spec.hidden ?? false,
      ...(spec.short === undefined ? {} : { alias: spec.short }),
      ...(spec.type === 'boolean' ? {} : { requiresArg: true }),
    };
    out = out.option(spec.name, options);
  }
  return out;
}

function usageOf(spec: CommandSpec): string {
  const last = spec.id.split(' ').pop() ?? spec.id;
  return [
    last,
    ...spec.positionals.map((p) => (p.required === false ? `[${p.name}]` : `<${p.name}>`)),
  ].join(' ');
}

/** The yargs path of {@link parseTenantArgs} (exported for the agreement tests). */
export async function parseWithYargs(args: readonly string[]): Promise<Parsed> {
  const { default: yargs } = await import('yargs');
  let matched: CommandSpec | undefined;
  let output = '';
  const leaf = (spec: CommandSpec): CommandModule => ({
    command: [usageOf(spec), ...(spec.aliases ?? [])],
    describe: spec.description,
    builder: (y: Argv) => {
      let b = declare(y, spec.flags);
      for (const p of spec.positionals)
        b = b.positional(p.name, { describe: p.description, type: 'string' });
      for (const [cmd, what] of spec.examples ?? []) b = b.example(cmd, what);
      return b;
    },
    handler: () => {
      matched = spec;
    },
  });
  let parser = declare(
    yargs()
      .scriptName('kubectl tenant')
      .usage(
        '$0 <command> [flags]\n\nManage tenants: groups of namespaces that belong to the same owners.',
      )
      .exitProcess(false)
      // kubectl speaks English; a fixed locale also keeps the build-time help texts exact.
      .locale('en')
      .strict()
      .version(`kubectl-tenant version ${VERSION}`)
      .help()
      .alias('help', 'h')
      .wrap(null)
      .fail((message, err) => {
        throw new CliError(rewriteYargsMessage(message ?? err.message, args));
      }),
    GLOBAL_FLAGS,
  );
  for (const group of GROUPS) {
    const members = COMMANDS.filter((c) => c.id.startsWith(`${group.name} `));
    parser = parser.command(
      [`${group.name} <command>`, ...(group.aliases ?? [])],
      group.description,
      (y) => {
        let g = y;
        for (const spec of members) g = g.command(leaf(spec));
        return g.demandCommand(
          1,
          `choose a command of "kubectl tenant ${group.name}": ${members.map((m) => m.id.split(' ')[1]).join(', ')}`,
        );
      },
    );
  }
  for (const spec of COMMANDS.filter((c) => !c.id.includes(' ')))
    parser = parser.command(leaf(spec));
  parser = parser.demandCommand(1, 'choose a command (kubectl tenant --help lists them)');
  const argv = parser.parseSync([...args], {}, (_err, _argv, text) => {
    output = text;
  }) as Record<string, unknown>;
  if (argv['help'] === true || argv['version'] === true)
    return { kind: 'print', text: output + '\n' };
  if (matched === undefined)
    throw new CliError('choose a command (kubectl tenant --help lists them)');
  return { kind: 'run', invocation: finish(matched, argv) };
}

function finish(command: CommandSpec, argv: Record<string, unknown>): Invocation {
  const rest = (Array.isArray(argv['_']) ? (argv['_'] as unknown[]) : []).map(String);
  const given = command.positionals.map((p) => argv[p.name]);
  const values = given.map((v) =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : undefined,
  );
  const missing = command.positionals.find(
    (p, i) => p.required !== false && values[i] === undefined,
  );
  if (missing !== undefined) {
    throw new CliError(
      `"kubectl tenant ${command.id}" needs ${missing.description.toLowerCase()}: kubectl tenant ${command.id} ${command.positionals.map((p) => p.name.toUpperCase()).join(' ')}`,
    );
  }
  const extra = rest.slice(commandWords(command));
  if (extra.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const flags: Record<string, unknown> = {};
  for (const spec of flagsOf(command)) {
    const value = argv[spec.name];
    if (value === undefined) continue;
    if (spec.type === 'array')
      flags[spec.name] = (Array.isArray(value) ? value : [value]).map(String);
    else if (spec.type === 'string')
      flags[spec.name] = String(Array.isArray(value) ? value.at(-1) : value);
    else flags[spec.name] = value;
  }
  return {
    command,
    args: Object.fromEntries(command.positionals.map((p, i) => [p.name, values[i]])),
    flags,
  };
}

/** `missing NAME (tenant name): kubectl tenant create NAME [flags]`. */
function missingArgument(command: CommandSpec, given = 0): string {
  const missing = command.positionals.slice(given).filter((p) => p.required !== false);
  const words = command.positionals.map((p) => p.name.toUpperCase()).join(' ');
  const what = missing.map((p) => `${p.name.toUpperCase()} (${p.description.toLowerCase()})`);
  return `missing ${what.join(' and ')}: kubectl tenant ${command.id} ${words} [flags]`;
}

/** `choose a command of "kubectl tenant ns": create, list, …`. */
function missingCommand(group: string): string {
  const members = COMMANDS.filter((c) => c.id.startsWith(`${group} `));
  return `choose a command of "kubectl tenant ${group}": ${members.map((m) => m.id.split(' ')[1]).join(', ')}`;
}

/** Group and top-level command names, without aliases (for suggestions). */
const CANONICAL_WORDS = [
  ...GROUPS.map((g) => g.name),
  ...COMMANDS.filter((c) => !c.id.includes(' ')).map((c) => c.id),
];

const TOP_WORDS = [
  ...GROUPS.flatMap((g) => [g.name, ...(g.aliases ?? [])]),
  ...COMMANDS.filter((c) => !c.id.includes(' ')).flatMap((c) => [c.id, ...(c.aliases ?? [])]),
];

/** Turns yargs' messages into one line that names the flag or command. */
export function rewriteYargsMessage(message: string, args: readonly string[]): string {
  const wrongSubcommand = unknownSubcommand(args);
  if (wrongSubcommand !== undefined) return wrongSubcommand;
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) {
    const names = (unknown[1] ?? '').split(', ');
    return names.map((name) => describeUnknown(name, args)).join('; ');
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(message);
  if (missing) return `flag needs an argument: --${missing[1]}`;
  if (/^Not enough non-option arguments/.test(message)) {
    const words = args.filter((a) => !a.startsWith('-'));
    const command = findCommand(words);
    if (command !== undefined) {
      return missingArgument(command, words.length - commandWords(command));
    }
    const group = GROUPS.find(
      (g) => g.name === words[0] || (g.aliases ?? []).includes(words[0] ?? ''),
    );
    if (group !== undefined) return missingCommand(group.name);
  }
  const invalid = /^Unknown command: (.*)$/.exec(message);
  if (invalid) return describeUnknown(invalid[1] ?? '', args);
  return message.replace(/\s*\n\s*/g, ' ');
}

/** `unknown command "crate" for "kubectl tenant ns"; did you mean "create"?` */
function unknownSubcommand(args: readonly string[]): string | undefined {
  const [first, second] = args.filter((a) => !a.startsWith('-'));
  const group = GROUPS.find((g) => g.name === first || (g.aliases ?? []).includes(first ?? ''));
  if (group === undefined || second === undefined || findCommand([group.name, second]))
    return undefined;
  const names = COMMANDS.filter((c) => c.id.startsWith(`${group.name} `)).map(
    (c) => c.id.split(' ')[1] ?? '',
  );
  const near = closest(second, names);
  return `unknown command "${second}" for "kubectl tenant ${group.name}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''}`;
}

function describeUnknown(name: string, args: readonly string[]): string {
  if (!args.includes(name) || name.startsWith('-')) {
    return `unknown flag: ${name.length === 1 ? '-' : '--'}${name.replace(/^-+/, '')}`;
  }
  const firstWord = args.find((a) => !a.startsWith('-'));
  if (name === firstWord && !TOP_WORDS.includes(name)) {
    const near = closest(name, CANONICAL_WORDS);
    return `unknown command "${name}" for "kubectl tenant"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''} (kubectl tenant --help lists the commands)`;
  }
  return `unexpected argument ${JSON.stringify(name)}`;
}
