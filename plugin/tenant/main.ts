// Entry point of kubectl-tenant: wiring only. Everything testable lives in run.ts.
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), {
  // A getter: Node builds process.stdin lazily, and only delete's confirmation reads it.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
