// Loaded by the plugin launchers before the bundle. On Node >= 22.1 the V8 code compiled for the
// bundle's modules is kept on disk and reused by the next start, which kubectl pays on every
// command and every TAB completion (measured: docs/benchmarks.md, "Compile cache"). Node 20 has
// no compile cache; there this file does nothing.
//
// The directory is per user ($XDG_CACHE_HOME or ~/.cache, then tenantry/node-compile-cache), not
// Node's default in the shared temp directory: compiled code read from a directory another user
// can write to would run as whatever that user put there. NODE_DISABLE_COMPILE_CACHE=1 turns the
// cache off (Node's own switch).
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

if (typeof module.enableCompileCache === 'function') {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  // An unwritable directory only costs the cache: Node reports it in the result, never throws.
  module.enableCompileCache(join(base, 'tenantry', 'node-compile-cache'));
}
