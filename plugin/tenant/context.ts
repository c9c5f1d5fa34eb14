import type { Tenant } from '../../crds/index.js';
import { CliError } from '../shared/errors.js';
import { writeOut, type CliIO } from '../shared/io.js';
import { parseRequestTimeout, readContextInfo } from '../shared/kubeconfig.js';
import type { RestClient, RestConnectOptions } from '../shared/kube-rest.js';
import { ApiError, KubeApi, isStatus } from './api.js';
import { explainApiError } from './errors.js';
import type { Invocation } from './parse.js';
import { closest } from './suggest.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Opens a REST client (the seam that keeps `run()` testable without a cluster). */
export type Connect = (options: RestConnectOptions, env: Env) => Promise<RestClient>;

/** Seams for tests; production uses the defaults. */
export interface TenantDependencies {
  /** @default the real API server through kubeconfig (`plugin/shared/kube-rest.ts`) */
  readonly connect?: Connect;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Pause between polls of `--wait`. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The real connection, loaded on first use so offline commands never read it. */
export const connectCluster: Connect = async (options, env) => {
  const { connectRest } = await import('../shared/kube-rest.js');
  return connectRest(options, env);
};

/** Everything a command needs: its invocation, the streams, and a lazily connected API. */
export class TenantContext {
  private client?: Promise<RestClient>;
  private kubeApi?: Promise<KubeApi>;
  private connected?: RestClient;
  readonly now: Date;

  constructor(
    readonly invocation: Invocation,
    readonly io: CliIO,
    private readonly deps: TenantDependencies = {},
  ) {
    this.now = (deps.now ?? ((): Date => new Date()))();
  }

  /** A positional argument (the parser has checked required ones). */
  arg(name: string): string {
    return this.invocation.args[name] ?? '';
  }

  /** A string flag, if given. */
  str(name: string): string | undefined {
    const value = this.invocation.flags[name];
    if (Array.isArray(value)) return value.length ? String(value[value.length - 1]) : undefined;
    return typeof value === 'string' ? value : undefined;
  }

  /** A repeatable flag (empty when not given). */
  list(name: string): string[] {
    const value = this.invocation.flags[name];
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).map(String);
  }

  /** A boolean flag, if given. */
  bool(name: string): boolean | undefined {
    const value = this.invocation.flags[name];
    return typeof value === 'boolean' ? value : undefined;
  }

  /** `-o`, checked against the command's choices. */
  output<T extends string>(fallback: T): T {
    const value = this.str('output') ?? fallback;
    const choices = this.invocation.command.flags.find((f) => f.name === 'output')?.choices ?? [];
    if (!choices.includes(value)) {
      throw new CliError(`unsupported output format "${value}": use ${choices.join(', ')}`);
    }
    return value as T;
  }

  /** `--dry-run`: none (default), client or server. */
  dryRun(): 'none' | 'client' | 'server' {
    const value = this.str('dry-run') ?? 'none';
    if (value === 'none' || value === 'client' || value === 'server') return value;
    throw new CliError(`invalid --dry-run "${value}": use none, client or server`);
  }

  /** What output says after an action under `--dry-run`: ` (dry run)`, ` (server dry run)`. */
  dryRunSuffix(): string {
    const mode = this.dryRun();
    return mode === 'none' ? '' : mode === 'client' ? ' (dry run)' : ' (server dry run)';
  }

  /** The connection options from the kubectl flags. */
  connectOptions(): RestConnectOptions {
    const timeout = this.str('request-timeout');
    return {
      kubeconfig: this.str('kubeconfig'),
      context: this.str('context'),
      as: this.str('as'),
      asGroups: this.list('as-group'),
      requestTimeoutMs: timeout === undefined ? undefined : parseRequestTimeout(timeout),
    };
  }

  /** The REST client, connected on first use. */
  rest(): Promise<RestClient> {
    this.client ??= (this.deps.connect ?? connectCluster)(this.connectOptions(), this.io.env).then(
      (c) => (this.connected = c),
    );
    return this.client;
  }

  /** The typed API, connected on first use. */
  api(): Promise<KubeApi> {
    this.kubeApi ??= this.rest().then((rest) => new KubeApi(rest));
    return this.kubeApi;
  }

  /** Closes the connection (kept-alive sockets would hold the process open). */
  close(): void {
    this.connected?.close();
  }

  /** `-n`, else the context's namespace; `undefined` when neither is set. */
  async namespace(): Promise<string | undefined> {
    const flag = this.str('namespace');
    if (flag !== undefined) return flag;
    const info = await readContextInfo(
      { kubeconfig: this.str('kubeconfig'), context: this.str('context') },
      this.io.env,
    );
    return info.namespace;
  }

  /** A CliError for an API failure, in plain words (see errors.ts). */
  explain(err: ApiError, hint?: string): CliError {
    const where = this.connected ?? {
      server: '(unknown server)',
      description: '(unknown context)',
    };
    return new CliError(explainApiError(err, where, hint), { cause: err });
  }

  /**
   * Gets a tenant; a missing one is reported with close names when the caller may list tenants.
   *
   * @throws {@link CliError}
   */
  async tenant(name: string): Promise<Tenant> {
    const api = await this.api();
    try {
      return await api.getTenant(name);
    } catch (err) {
      if (isStatus(err, 404)) {
        const names = await api.listTenants().then(
          (list) => list.items.map((t) => t.metadata.name ?? ''),
          () => [] as string[],
        );
        const near = closest(name, names);
        const hint = near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : '';
        throw new CliError(`tenant "${name}" not found${hint}`, { cause: err });
      }
      if (isStatus(err, 403)) {
        throw this.explain(err, 'owners can get only their own tenants: check the name');
      }
      throw err;
    }
  }

  /** Writes to stdout. */
  out(text: string): Promise<void> {
    return writeOut(this.io.stdout, text);
  }

  /** Writes a line to stderr (notes and warnings, never data). */
  note(text: string): Promise<void> {
    return writeOut(this.io.stderr, text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Waits `ms` (injectable for tests). */
  sleep(ms: number): Promise<void> {
    return (this.deps.sleep ?? ((n: number) => new Promise<void>((r) => setTimeout(r, n))))(ms);
  }
}

/** Re-throws an API failure as a plain-words {@link CliError}; anything else unchanged. */
export function rethrowExplained(ctx: TenantContext, err: unknown, hint?: string): never {
  if (err instanceof ApiError) throw ctx.explain(err, hint);
  throw err;
}
