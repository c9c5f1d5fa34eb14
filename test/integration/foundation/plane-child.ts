// Helper process for cleanup.test.ts: starts a plane, writes its component pids, then either
// throws (a failing test run) or waits to be SIGKILLed.
import { writeFileSync } from 'node:fs';
import { ControlPlane } from '../../harness/controlplane.js';

const [out, how] = process.argv.slice(2) as [string, string];
const plane = await ControlPlane.start();
writeFileSync(out, JSON.stringify(plane.componentPids()));
if (how === 'throw') throw new Error('simulated test failure');
setInterval(() => undefined, 1000);
