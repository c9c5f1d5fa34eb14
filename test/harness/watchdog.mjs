// Kills the control-plane process groups when the process that started them dies without
// cleaning up (SIGKILL, a crash, a killed CI step), so no etcd or kube-apiserver outlives a run.
// Usage: node watchdog.mjs <ownerPid> <dirToRemove> <pgid>...
import { rmSync } from 'node:fs';

const [ownerArg, dir, ...groups] = process.argv.slice(2);
const owner = Number(ownerArg);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killAll() {
  for (const g of groups) {
    try {
      process.kill(-Number(g), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}

// SIGTERM from the owner means "stop watching": the owner stopped the plane itself.
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {
  if (!alive(owner)) {
    killAll();
    process.exit(0);
  }
}, 500);
