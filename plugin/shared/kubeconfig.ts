// Kubeconfig resolution as kubectl does it, in two weights: a light reader (YAML only) that finds
// the context and its namespace for offline commands, and `loadKubeConfig`, which loads
// @kubernetes/client-node on demand for commands that talk to the API server. Offline commands
// must never import client-node: it costs ~100 ms of startup even when bundled.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CliError, messageOf } from './errors.js';
import { isRecord } from './objects.js';
import { loadYaml } from './yaml.js';

/** The kubectl flags that select a kubeconfig and a context. */
export interface KubeconfigFlags {
  /** `--kubeconfig`: one file; wins over `$KUBECONFIG`. */
  readonly kubeconfig?: string;
  /** `--context`: wins over `current-context`. */
  readonly context?: string;
}

/** Which files make up the kubeconfig, in merge order (first definition wins). */
export interface KubeconfigFiles {
  readonly files: readonly string[];
  /** True when the user named the files (`--kubeconfig` or `$KUBECONFIG`), so absence is an error. */
  readonly explicit: boolean;
}

/** `--kubeconfig` > `$KUBECONFIG` (path-list, missing entries skipped) > `~/.kube/config`. */
export function kubeconfigFiles(
  flags: KubeconfigFlags,
  env: Readonly<Record<string, string | undefined>>,
): KubeconfigFiles {
  if (flags.kubeconfig) return { files: [flags.kubeconfig], explicit: true };
  const list = (env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '');
  if (list.length > 0) return { files: list.filter((f) => existsSync(f)), explicit: true };
  const home = env['HOME'] ?? homedir();
  const fallback = join(home, '.kube', 'config');
  return { files: existsSync(fallback) ? [fallback] : [], explicit: false };
}

/** The selected context, as far as offline commands need it. */
export interface ContextInfo {
  /** The context name, if any kubeconfig was found. */
  readonly context?: string;
  /** The context's namespace, if it sets one. */
  readonly namespace?: string;
  /** The files read. */
  readonly files: readonly string[];
  /** Every context name defined, for completion. */
  readonly contexts: readonly string[];
}

interface RawKubeconfig {
  readonly currentContext?: string;
  readonly namespaces: ReadonlyMap<string, string | undefined>;
}

/**
 * Finds the context (`--context` or `current-context`) and its namespace without loading the
 * Kubernetes client. Missing implicit files mean "no kubeconfig"; a missing `--kubeconfig` file or
 * an unknown `--context` is an error.
 *
 * @throws {@link CliError}
 */
export async function readContextInfo(
  flags: KubeconfigFlags,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ContextInfo> {
  const { files } = kubeconfigFiles(flags, env);
  const { parse } = await loadYaml();
  let currentContext: string | undefined;
  const namespaces = new Map<string, string | undefined>();
  for (const file of files) {
    const raw = readRawKubeconfig(file, parse);
    currentContext ??= raw.currentContext;
    for (const [name, ns] of raw.namespaces) if (!namespaces.has(name)) namespaces.set(name, ns);
  }
  const context = flags.context ?? currentContext;
  if (flags.context !== undefined && !namespaces.has(flags.context)) {
    throw new CliError(
      `context "${flags.context}" not found in kubeconfig ${files.length ? files.join(', ') : '(no kubeconfig file found)'}`,
    );
  }
  return {
    context,
    namespace: context === undefined ? undefined : namespaces.get(context),
    files,
    contexts: [...namespaces.keys()],
  };
}

function readRawKubeconfig(file: string, parse: (text: string) => unknown): RawKubeconfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read kubeconfig ${file}: ${messageOf(err)}`, { cause: err });
  }
  const namespaces = new Map<string, string | undefined>();
  if (!isRecord(doc)) return { namespaces };
  for (const entry of Array.isArray(doc['contexts']) ? (doc['contexts'] as unknown[]) : []) {
    if (!isRecord(entry) || typeof entry['name'] !== 'string') continue;
    const ctx = isRecord(entry['context']) ? entry['context'] : {};
    const ns =
      typeof ctx['namespace'] === 'string' && ctx['namespace'] !== ''
        ? ctx['namespace']
        : undefined;
    namespaces.set(entry['name'], ns);
  }
  const current = doc['current-context'];
  return {
    currentContext: typeof current === 'string' && current !== '' ? current : undefined,
    namespaces,
  };
}

/**
 * Parses kubectl's `--request-timeout` (`0` = none, a bare number = seconds, or a Go-style
 * duration such as `30s`, `1m30s`, `500ms`) to milliseconds.
 *
 * @throws {@link CliError} on anything else
 */
export function parseRequestTimeout(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 0.001,
    µs: 0.001,
    ns: 1e-6,
  };
  const part = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(part)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    consumed += m[0].length;
  }
  if (text === '' || consumed !== text.length) {
    throw new CliError(
      `invalid --request-timeout ${JSON.stringify(text)}: use a duration such as 30s, 1m or 0 for none`,
    );
  }
  return total;
}
