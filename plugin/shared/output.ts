import { loadYaml } from './yaml.js';
import { extname } from 'node:path';

/** Output formats of the plugins (kubectl's `-o`). */
export type OutputFormat = 'json' | 'yaml';

/**
 * Serialises objects as kubeseal does: JSON pretty-printed with a trailing newline per object,
 * concatenated; YAML as documents that each start with `---`, keys sorted (Go's sigs.k8s.io/yaml
 * sorts them), no line folding of long base64 values, sequences not indented (kubectl style).
 */
export async function formatObjects(
  objects: readonly unknown[],
  format: OutputFormat,
): Promise<string> {
  if (format === 'json') {
    return objects.map((o) => JSON.stringify(o, null, 2) + '\n').join('');
  }
  const { stringify } = await loadYaml();
  return objects
    .map((o) => '---\n' + stringify(o, { sortMapEntries: true, lineWidth: 0, indentSeq: false }))
    .join('');
}

/**
 * The format to write: an explicit `-o` wins, else a `.yaml`/`.yml` output file means YAML (as
 * kubeseal), else `fallback`.
 */
export function chooseFormat(
  explicit: OutputFormat | undefined,
  outputFile: string | undefined,
  fallback: OutputFormat,
): OutputFormat {
  if (explicit !== undefined) return explicit;
  const ext = outputFile === undefined ? '' : extname(outputFile).toLowerCase();
  return ext === '.yaml' || ext === '.yml' ? 'yaml' : fallback;
}
