import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseScope, type SealingScope } from '../../crypto/scope.js';
import { CliError } from '../shared/errors.js';
import { declareFlags, type FlagSpec } from '../shared/flags.js';
import type { KubeConnectionOptions } from '../shared/kube-http.js';
import { parseRequestTimeout } from '../shared/kubeconfig.js';
import type { OutputFormat } from '../shared/output.js';
import { SEAL_FLAGS } from './flags.js';
import { VERSION } from './version.js';

/** What `kubectl seal` was asked to do. */
export type SealMode =
  'seal' | 'raw' | 'merge-into' | 'fetch-cert' | 'validate' | 're-encrypt' | 'recovery-unseal';

/** Parsed, validated command line. */
export interface SealOptions {
  readonly mode: SealMode;
  /** `--cert`, or `SEALED_SECRETS_CERT`. */
  readonly cert?: string;
  readonly controllerName: string;
  readonly controllerNamespace: string;
  /** `-o`, only when given explicitly. */
  readonly format?: OutputFormat;
  readonly outputFile?: string;
  readonly inputFile?: string;
  readonly allowEmptyData: boolean;
  readonly mergeInto?: string;
  readonly name?: string;
  readonly fromFiles: readonly string[];
  /** `--scope`, only when given explicitly. */
  readonly scope?: SealingScope;
  readonly tenant?: string;
  readonly recoveryPrivateKeys: readonly string[];
  /** `-n`, only when given explicitly. */
  readonly namespace?: string;
  readonly kube: KubeConnectionOptions;
}

/** Result of parsing: options to run, or text to print (help, version). */
export type ParsedArgs =
  | { readonly kind: 'run'; readonly options: SealOptions }
  | { readonly kind: 'print'; readonly text: string };

type Env = Readonly<Record<string, string | undefined>>;

const MODE_FLAGS: readonly [string, SealMode][] = [
  ['raw', 'raw'],
  ['merge-into', 'merge-into'],
  ['fetch-cert', 'fetch-cert'],
  ['validate', 'validate'],
  ['re-encrypt', 're-encrypt'],
  ['recovery-unseal', 'recovery-unseal'],
];

/**
 * Parses `kubectl seal` arguments. Never prints or exits: help and version come back as text,
 * mistakes as a {@link CliError} naming the flag.
 *
 * Two parsers, one flag table ({@link SEAL_FLAGS}): yargs defines the CLI (help, version,
 * messages, every syntax it accepts), but loading it costs about as much as starting Node itself.
 * So a plain command line is first parsed with Node's built-in `util.parseArgs` in strict mode;
 * anything it does not accept unambiguously (help, version, `--no-x`, unknown flags, positionals,
 * empty values) goes to yargs, which then has the last word. Tests check that both agree.
 */
export async function parseSealArgs(args: readonly string[], env: Env): Promise<ParsedArgs> {
  const fast = parseFast(args);
  if (fast !== undefined) return { kind: 'run', options: toOptions(fast, env) };
  return parseWithYargs(args, env);
}

/** The yargs path of {@link parseSealArgs} (exported for the agreement tests). */
export async function parseWithYargs(args: readonly string[], env: Env): Promise<ParsedArgs> {
  const { default: yargs } = await import('yargs');
  let output = '';
  const parser = declareFlags(
    yargs()
      .scriptName('kubectl seal')
      .usage(
        '$0 [flags] < secret.yaml > sealedsecret.json\n\nSeal Kubernetes Secrets into SealedSecrets (Bitnami-compatible).',
      )
      .exitProcess(false)
      .strict()
      .version(`kubectl-seal version: ${VERSION}`)
      .help()
      .alias('help', 'h')
      .wrap(null)
      .fail((message, err) => {
        throw new CliError(rewriteYargsMessage(message ?? err.message, args));
      }),
    SEAL_FLAGS,
  );
  const argv = parser.parseSync([...args], {}, (_err, _argv, text) => {
    output = text;
  }) as Record<string, unknown>;
  if (argv['help'] === true || argv['version'] === true)
    return { kind: 'print', text: output + '\n' };
  return { kind: 'run', options: toOptions(argv, env) };
}

/** `util.parseArgs` options for the flag table, deprecated aliases included. */
function parseArgsOptions(specs: readonly FlagSpec[]): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const spec of specs) {
    const type = spec.type === 'boolean' ? 'boolean' : 'string';
    const multiple = spec.type === 'array';
    options[spec.name] = {
      type,
      multiple,
      ...(spec.short === undefined ? {} : { short: spec.short }),
    };
    for (const alias of spec.deprecatedAliases ?? []) options[alias] = { type, multiple };
  }
  return options;
}

const FAST_OPTIONS = parseArgsOptions(SEAL_FLAGS);

/** The fast path: a yargs-shaped argv, or `undefined` to let yargs decide. */
function parseFast(args: readonly string[]): Record<string, unknown> | undefined {
  if (
    args.includes('--') ||
    args.includes('-h') ||
    args.includes('--help') ||
    args.includes('--version')
  ) {
    return undefined;
  }
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: FAST_OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch {
    return undefined;
  }
  const empty = Object.values(values).some((v) => v === '' || (Array.isArray(v) && v.includes('')));
  if (empty) return undefined; // yargs reports "flag needs an argument"
  return values;
}

function toOptions(argv: Record<string, unknown>, env: Env): SealOptions {
  // A repeated single-value flag: the last one wins (yargs collects repeats into an array).
  const str = (key: string): string | undefined => {
    const raw = argv[key];
    const value: unknown = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    return typeof value === 'string' ? value : undefined;
  };
  const list = (key: string): string[] => {
    const value = argv[key];
    return Array.isArray(value) ? value.map(String) : [];
  };
  const flag = (key: string): boolean =>
    argv[key] === true || aliasOf(key).some((a) => argv[a] === true);
  const modes = MODE_FLAGS.filter(([key]) =>
    key === 'merge-into' ? str(key) !== undefined : flag(key),
  );
  if (modes.length > 1) {
    throw new CliError(`${modes.map(([k]) => `--${k}`).join(' and ')} cannot be used together`);
  }
  const mode = modes[0]?.[1] ?? 'seal';
  const options: SealOptions = {
    mode,
    cert: nonEmpty(str('cert') ?? env['SEALED_SECRETS_CERT']),
    controllerName:
      str('controller-name') ??
      env['SEALED_SECRETS_CONTROLLER_NAME'] ??
      'sealed-secrets-controller',
    controllerNamespace:
      str('controller-namespace') ?? env['SEALED_SECRETS_CONTROLLER_NAMESPACE'] ?? 'kube-system',
    format: parseFormat(str('format')),
    outputFile: str('sealed-secret-file'),
    inputFile: str('secret-file'),
    allowEmptyData: flag('allow-empty-data'),
    mergeInto: str('merge-into'),
    name: str('name'),
    fromFiles: list('from-file'),
    scope: parseScopeFlag(str('scope')),
    tenant: str('tenant'),
    recoveryPrivateKeys: list('recovery-private-key')
      .flatMap((v) => v.split(','))
      .filter((v) => v !== ''),
    namespace: str('namespace'),
    kube: {
      kubeconfig: str('kubeconfig'),
      context: str('context'),
      as: str('as'),
      requestTimeoutMs: parseTimeoutFlag(str('request-timeout')),
    },
  };
  checkCombinations(options);
  return options;
}

function checkCombinations(o: SealOptions): void {
  if (o.fromFiles.length > 0 && o.mode !== 'raw') throw new CliError('--from-file requires --raw');
  if (o.fromFiles.length > 1) {
    throw new CliError(
      'must provide only one --from-file when encrypting a single item with --raw',
    );
  }
  if (o.recoveryPrivateKeys.length > 0 && o.mode !== 'recovery-unseal') {
    throw new CliError('--recovery-private-key requires --recovery-unseal');
  }
  if (o.mode === 'recovery-unseal' && o.recoveryPrivateKeys.length === 0) {
    throw new CliError('--recovery-unseal needs at least one --recovery-private-key FILE');
  }
  if (o.tenant !== undefined && o.scope !== undefined && o.scope !== 'tenant-wide') {
    throw new CliError(`--tenant only applies to --scope tenant-wide, not ${o.scope}`);
  }
  if (o.mode === 'merge-into' && o.outputFile !== undefined) {
    throw new CliError(
      '--merge-into rewrites its file in place; do not combine it with --sealed-secret-file',
    );
  }
}

/** Deprecated names of a flag (e.g. `--rotate` for `--re-encrypt`). */
function aliasOf(name: string): readonly string[] {
  return SEAL_FLAGS.find((spec) => spec.name === name)?.deprecatedAliases ?? [];
}

function parseFormat(value: string | undefined): OutputFormat | undefined {
  if (value === undefined || value === 'json' || value === 'yaml') return value;
  throw new CliError(`unsupported output format: ${value} (use json or yaml)`);
}

function parseScopeFlag(value: string | undefined): SealingScope | undefined {
  if (value === undefined) return undefined;
  const scope = parseScope(value);
  if (scope === undefined) {
    throw new CliError(
      `invalid --scope ${JSON.stringify(value)}: must be one of: strict, namespace-wide, cluster-wide, tenant-wide`,
    );
  }
  return scope;
}

function parseTimeoutFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseRequestTimeout(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/** Turns yargs' multi-line messages into one line that names the flag. */
function rewriteYargsMessage(message: string, args: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) {
    const names = (unknown[1] ?? '').split(', ');
    return names
      .map((name) =>
        args.includes(name) && !name.startsWith('-')
          ? `unexpected argument ${JSON.stringify(name)} (kubectl seal takes no positional arguments)`
          : `unknown flag: ${name.length === 1 ? '-' : '--'}${name}`,
      )
      .join('; ');
  }
  const missing = /^Not enough arguments following: (.*)$/.exec(message);
  if (missing) {
    const name = missing[1] ?? '';
    return `flag needs an argument: ${name.length === 1 ? '-' : '--'}${name}`;
  }
  return message.replace(/\s*\n\s*/g, ' ');
}
