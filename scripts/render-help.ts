// Renders every `kubectl tenant ... --help` text with yargs and prints them as one JSON object
// keyed by command path; scripts/bundle.mjs embeds it (plugin/tenant/help.ts says why).
// Run: npx tsx scripts/render-help.ts
import { helpPaths } from '../plugin/tenant/help.js';
import { parseWithYargs } from '../plugin/tenant/parse.js';

/** Help text by command path, as yargs prints it. */
export async function renderTenantHelp(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of helpPaths()) {
    const parsed = await parseWithYargs([...(path === '' ? [] : path.split(' ')), '--help']);
    if (parsed.kind !== 'print') throw new Error(`"${path} --help" did not print help`);
    out[path] = parsed.text;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await renderTenantHelp()));
}
