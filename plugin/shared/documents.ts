import { loadYaml } from './yaml.js';
import { CliError } from './errors.js';
import { isRecord, type KubeObject } from './objects.js';

/**
 * Parses Kubernetes manifests as kubectl and kubeseal accept them: one or more JSON documents
 * (concatenated, as `kubectl get -o json` of several objects prints), or YAML with `---`
 * separators. Empty documents are skipped; a `v1 List` is flattened into its items.
 *
 * @param source - where the text came from, for messages (`stdin`, a file name)
 * @throws {@link CliError} on syntax errors or documents that are not objects
 */
export async function parseManifests(text: string, source: string): Promise<KubeObject[]> {
  const docs = looksLikeJson(text) ? parseJsonStream(text, source) : await parseYaml(text, source);
  const objects: KubeObject[] = [];
  for (const [index, doc] of docs.entries()) {
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) {
      throw new CliError(`${source}: document ${index + 1} is not an object`);
    }
    if (doc['kind'] === 'List' && Array.isArray(doc['items'])) {
      for (const item of doc['items'] as unknown[]) {
        if (!isRecord(item)) throw new CliError(`${source}: an item of the List is not an object`);
        objects.push(item);
      }
      continue;
    }
    objects.push(doc);
  }
  return objects;
}

/** True when the text starts (after whitespace) like JSON rather than YAML. */
export function looksLikeJson(text: string): boolean {
  return /^\s*[{[]/.test(text);
}

async function parseYaml(text: string, source: string): Promise<unknown[]> {
  // Loaded on demand: JSON input never pays for the YAML parser.
  const { parseAllDocuments } = await loadYaml();
  const docs = parseAllDocuments(text, { prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  return docs.map((doc, index) => {
    const first = doc.errors[0];
    if (first) {
      throw new CliError(`${source}: invalid YAML in document ${index + 1}: ${first.message}`);
    }
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  });
}

/** Splits concatenated JSON values (`{…}{…}` or newline-separated) and parses each. */
function parseJsonStream(text: string, source: string): unknown[] {
  const values: unknown[] = [];
  for (const chunk of splitJsonValues(text)) {
    try {
      values.push(JSON.parse(chunk));
    } catch (err) {
      throw new CliError(
        `${source}: invalid JSON in document ${values.length + 1}: ${(err as Error).message}`,
      );
    }
  }
  return values;
}

function splitJsonValues(text: string): string[] {
  const chunks: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (depth === 0 && !/[\s{[]/.test(c)) {
      // Something outside an object or array: let JSON.parse report it with its own message.
      chunks.push(text.slice(i));
      return chunks;
    }
    if (c === '"') {
      i = endOfString(text, i);
    } else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if ((c === '}' || c === ']') && --depth === 0) {
      chunks.push(text.slice(start, i + 1));
    }
  }
  if (depth > 0) chunks.push(text.slice(start));
  return chunks;
}

/** Index of the quote closing the string that opens at `open` (or the end of the text). */
function endOfString(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}
