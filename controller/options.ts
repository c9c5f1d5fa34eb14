/**
 * Command-line flags of the controller process (also `TENANTRY_<FLAG>` environment variables;
 * the command line wins). Modules add their own flags through `ControllerModule.options`.
 */
import { existsSync, readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import pkg from '../package.json' with { type: 'json' };
import { invalidHeapGrowth } from './heap.js';
import { inertOptions, type InertFlag } from './inert-flags.js';
import type { ControllerModule } from './module.js';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The flags every controller process has. */
export interface CoreFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  'http-addr': string;
  'metrics-addr': string;
  'leader-elect': boolean;
  'lease-name': string;
  'lease-duration': number;
  'renew-deadline': number;
  'retry-period': number;
  'log-level': string;
  'heap-growth-percent': number;
  controllers: string[];
}

/** The namespace the controller runs in: POD_NAMESPACE, the pod's service-account namespace, or `tenantry-system`. */
export function defaultNamespace(env: NodeJS.ProcessEnv): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  if (existsSync(SA_NAMESPACE_FILE)) return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim();
  return 'tenantry-system';
}

const NO_THROTTLING = "no client-side throttling (the API server's priority and fairness applies)";
const FIXED_HTTP_TIMEOUTS = 'the HTTP listeners allow 10 s for headers and 30 s per request';

/** Process-wide flags of Bitnami's controller, accepted for its deployments (inert-flags.ts). */
export const CORE_INERT_FLAGS: Readonly<Record<string, InertFlag>> = {
  'log-format': {
    option: { type: 'string', default: 'json', describe: "Bitnami's; logs are JSON lines" },
    why: 'logs are JSON lines',
  },
  'log-info-stdout': {
    option: {
      type: 'boolean',
      default: true,
      describe: "Bitnami's; every log line goes to stdout",
    },
    why: 'every log line goes to stdout',
  },
  'kubeclient-qps': {
    option: { type: 'number', default: 5, describe: `Bitnami's; ${NO_THROTTLING}` },
    why: NO_THROTTLING,
  },
  'kubeclient-burst': {
    option: { type: 'number', default: 10, describe: `Bitnami's; ${NO_THROTTLING}` },
    why: NO_THROTTLING,
  },
  'read-timeout': {
    option: { type: 'string', default: '2m', describe: `Bitnami's; ${FIXED_HTTP_TIMEOUTS}` },
    why: FIXED_HTTP_TIMEOUTS,
  },
  'write-timeout': {
    option: { type: 'string', default: '2m', describe: `Bitnami's; ${FIXED_HTTP_TIMEOUTS}` },
    why: FIXED_HTTP_TIMEOUTS,
  },
};

/** Builds the parser: core flags plus every module's own. */
export function parser(
  argv: string[],
  env: NodeJS.ProcessEnv,
  modules: readonly ControllerModule[],
): Argv<CoreFlags> {
  let y = yargs(argv)
    .scriptName('tenantry-controller')
    .usage(
      '$0 [flags]\n\nRuns the tenantry controllers (Tenant, SealedSecret) and admission webhooks.',
    )
    .env('TENANTRY')
    .strict()
    .version(`tenantry-controller version ${pkg.version}`)
    .options({
      kubeconfig: {
        type: 'string',
        describe: 'Kubeconfig file (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)',
      },
      context: { type: 'string', describe: 'Kubeconfig context to use' },
      namespace: {
        type: 'string',
        default: defaultNamespace(env),
        describe: 'Namespace the controller runs in (keys, Lease, certificates)',
      },
      'http-addr': {
        type: 'string',
        alias: 'listen-addr',
        default: ':8080',
        describe: 'Main listener: /healthz, /readyz, /v1/cert.pem, /v1/verify, /v1/rotate',
      },
      'metrics-addr': {
        type: 'string',
        alias: 'listen-metrics-addr',
        default: ':8081',
        describe: 'Prometheus /metrics listener',
      },
      'leader-elect': {
        type: 'boolean',
        default: true,
        describe: 'Elect a leader with a Lease so several replicas can run',
      },
      'lease-name': {
        type: 'string',
        default: 'tenantry-controller',
        describe: 'Name of the leader-election Lease',
      },
      'lease-duration': {
        type: 'number',
        default: 15,
        describe: 'Seconds a non-renewed lease blocks other candidates',
      },
      'renew-deadline': {
        type: 'number',
        default: 10,
        describe: 'Seconds a leader may fail to renew before stepping down',
      },
      'retry-period': {
        type: 'number',
        default: 2,
        describe: 'Seconds between leader-election attempts',
      },
      'log-level': {
        type: 'string',
        default: 'info',
        choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
        // Bitnami's controller takes DEBUG, INFO, WARN, ERROR.
        coerce: (v: string) => v.toLowerCase(),
        describe: 'Log level (JSON logs on stdout)',
      },
      'heap-growth-percent': {
        type: 'number',
        default: 50,
        describe:
          'How much V8 lets the heap grow past the live set between full collections (0: V8 decides, up to 300)',
      },
      controllers: {
        type: 'array',
        string: true,
        default: modules.map((m) => m.name),
        describe: 'Modules to run',
        coerce: (v: string[]) => v.flatMap((s) => s.split(',')).filter((s) => s !== ''),
      },
      ...inertOptions(CORE_INERT_FLAGS),
    }) as unknown as Argv<CoreFlags>;
  for (const m of modules) {
    if (m.options !== undefined) y = y.options(m.options) as unknown as Argv<CoreFlags>;
  }
  return y.check((a) => {
    const invalidGrowth = invalidHeapGrowth(a['heap-growth-percent']);
    if (invalidGrowth !== undefined) throw new Error(invalidGrowth);
    const known = new Set(modules.map((m) => m.name));
    const unknown = a.controllers.filter((c) => !known.has(c));
    if (unknown.length > 0)
      throw new Error(
        `unknown controller(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`,
      );
    return true;
  });
}
