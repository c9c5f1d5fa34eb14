/**
 * `npm run demo`: the whole story on a local control plane (docs/demo.md).
 * Starts the plane and prints how to explore it; `--keep` leaves it running until Ctrl-C.
 */
import { ControlPlane } from '../test/harness/controlplane.js';

const keep = process.argv.includes('--keep');
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const plane = await ControlPlane.start({
  log: (l) => process.stderr.write(`${l}\n`),
  keepDir: keep,
});
try {
  say('');
  say('== tenantry demo: a local control plane is running');
  say(`   kubeconfig: ${plane.kubeconfigPath}`);
  say(`   try: KUBECONFIG=${plane.kubeconfigPath} ${plane.binaries.kubectl} get namespaces`);
  if (keep) {
    say('   --keep: leaving it running; press Ctrl-C to stop and clean up');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
} finally {
  await plane.stop();
}
