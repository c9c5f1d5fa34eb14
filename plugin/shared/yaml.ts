import type * as Yaml from 'yaml';

/**
 * Loads the `yaml` package on demand, so JSON-only runs never parse it. `yaml` is CommonJS: Node
 * exposes its exports as named bindings, but esbuild's split chunk exposes only `default`, so
 * take `default` (module.exports), which both provide.
 */
export async function loadYaml(): Promise<typeof Yaml.default> {
  const module = await import('yaml');
  return module.default;
}
