/**
 * `npm run bench [-- name...]` runs the benchmarks one after another, each in its own process
 * (they start their own control planes and must not share a CPU with each other). Without names
 * it runs all of them. Figures go to stdout; docs/benchmarks.md records them with each command.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`error: unknown benchmark(s) ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== bench/${name}.ts`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${name}.ts`], {
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    console.error(`bench/${name}.ts failed (exit ${r.status ?? r.signal})`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
