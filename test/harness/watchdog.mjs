// Kills the control-plane process groups when the process that started them dies without
// cleaning up (SIGKILL, a crash, a killed CI step), so no etcd or kube-apiserver outlives a run.
// Usage: node watchdog.mjs <ownerPid> <dirToRemove> <pgid>...
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

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

// Extra things to clean up that appeared after the watchdog started (netns.ts writes them).
function extras() {
  try {
    return JSON.parse(readFileSync(join(dir, 'cleanup.json'), 'utf8'));
  } catch {
    return { pgids: [], netns: [] };
  }
}

function killAll() {
  const extra = dir ? extras() : { pgids: [], netns: [] };
  for (const g of [...groups, ...extra.pgids]) {
    try {
      process.kill(-Number(g), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const name of extra.netns) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
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
