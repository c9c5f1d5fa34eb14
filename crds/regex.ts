/**
 * The Tenant's `deniedRegex` patterns (API rule: RE2 syntax, unanchored), compiled with re2js (a
 * pure-JS port of RE2: linear-time matching, no backtracking). The attacker controls the input (a
 * label key on their namespace) and a careless pattern such as `(a+)+$` must not hang a webhook
 * (§13.15, GHSA-gxjc-74v5-3vx3), so the JS engine is never used to match.
 *
 * The one definition of a valid pattern: the Tenant webhook rejects what does not compile here,
 * the Tenant controller reports it as `Ready=False/InvalidSpec`, and the namespace checks match
 * with it. Not exported from index.ts, so the kubectl plugins' bundles do not carry re2js.
 */
import { RE2JS } from 're2js';

/** A compiled pattern, or why it does not compile. */
export type CompiledPattern =
  | { readonly ok: true; readonly test: (input: string) => boolean }
  | { readonly ok: false; readonly error: string };

const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 512;

function compileUncached(source: string): CompiledPattern {
  try {
    const re = RE2JS.compile(source);
    return { ok: true, test: (input) => re.matcher(input).find() };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * Compiles `source` (unanchored, RE2 syntax), caching the result. Never throws: an invalid
 * pattern comes back as `{ok: false, error}` so callers decide explicitly what it means.
 */
export function compilePattern(source: string): CompiledPattern {
  let c = cache.get(source);
  if (c === undefined) {
    c = compileUncached(source);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, c);
  }
  return c;
}
