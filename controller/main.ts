/**
 * The controller entry point: parse flags, build the manager, run until SIGTERM/SIGINT.
 * Everything else lives in manager.ts and the modules.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { applyHeapGrowth } from './heap.js';
import { Manager } from './manager.js';
import { allModules } from './modules.js';
import { inertFlagWarnings } from './inert-flags.js';
import { CORE_INERT_FLAGS, parser } from './options.js';
import { createLogger, loadKubeConfig } from './runtime/index.js';

const modules = allModules();
const flags = await parser(process.argv.slice(2), process.env, modules).parseAsync();
const log = createLogger({ name: 'tenantry-controller', level: flags['log-level'] });
for (const warning of inertFlagWarnings(CORE_INERT_FLAGS, flags)) log.warn(warning);
const heapFlag = applyHeapGrowth(flags['heap-growth-percent']);
if (heapFlag !== undefined) log.debug({ v8: heapFlag }, 'V8 heap growth bounded');
let kubeConfig: KubeConfig;
try {
  kubeConfig = loadKubeConfig({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
  });
} catch (err) {
  // A message, not a stack trace: this is a configuration error.
  log.fatal(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
const manager = new Manager({
  kubeConfig,
  namespace: flags.namespace,
  modules: modules.filter((m) => flags.controllers.includes(m.name)),
  flags,
  httpAddr: flags['http-addr'],
  metricsAddr: flags['metrics-addr'],
  leaderElection: flags['leader-elect']
    ? {
        leaseName: flags['lease-name'],
        leaseDurationMs: flags['lease-duration'] * 1000,
        renewDeadlineMs: flags['renew-deadline'] * 1000,
        retryPeriodMs: flags['retry-period'] * 1000,
      }
    : false,
  logger: log,
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'Shutting down');
  await manager.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// Bitnami's controller generates a new sealing key on SIGUSR1; so does ours (the sealedsecret
// module). Without a listener, Node would instead open its inspector (a debugger, i.e. code
// execution) on 127.0.0.1:9229 inside the pod; a listener replaces that behaviour.
process.on('SIGUSR1', () => manager.signal('SIGUSR1'));

try {
  await manager.start();
} catch (err) {
  log.fatal({ err }, 'Controller failed to start');
  await manager.stop().catch(() => undefined);
  process.exit(1);
}
