/**
 * A deliberately tiny renderer for `spec.template.data`. Bitnami renders these values with Go
 * `text/template` plus sprig, which has been a steady source of trouble: `env`/`expandenv` read
 * the controller's environment and `getHostByName` made DNS queries (fixed in v0.30.0), and any
 * template that can branch on a secret value is a plaintext oracle (GHSA-qj4p-m373-p2wg).
 *
 * Supported, and nothing else:
 * - literal text;
 * - `{{ .key }}` — the value of `key` (a Go identifier: letters, digits, `_`, not starting with a digit);
 * - `{{ index . "any-key" }}` — any key, as a Go double-quoted or back-quoted string;
 * - `{{-` and `-}}` trim the whitespace before/after the action, as in Go.
 *
 * No functions, pipelines, conditionals, variables or comments: they fail with a clear error
 * rather than rendering something surprising. A reference to a key that does not exist is an
 * error too (Go would print `<no value>` into the Secret).
 */

/** A template that cannot be rendered; the message names the template key and the problem. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** One parsed piece of a template. */
type Piece = { readonly text: string } | { readonly ref: string };

const IDENT = /^\.([A-Za-z_][A-Za-z0-9_]*)$/;
const INDEX = /^index\s+\.\s+("(?:[^"\\\n]|\\.)*"|`[^`]*`)$/;

/** Parses a template into literal and reference pieces. @throws TemplateError */
export function parseTemplate(source: string, name: string): Piece[] {
  const pieces: Piece[] = [];
  let rest = source;
  let trimNextText = false;
  for (;;) {
    const open = rest.indexOf('{{');
    let text = open < 0 ? rest : rest.slice(0, open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text !== '') pieces.push({ text });
      return pieces;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`template.data.${name}: unclosed action "{{"`);
    let inner = rest.slice(open + 2, close);
    if (inner.startsWith('- ')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNextText = inner.endsWith(' -');
    if (trimNextText) inner = inner.slice(0, -1);
    if (text !== '') pieces.push({ text });
    pieces.push({ ref: parseAction(inner.trim(), name) });
    rest = rest.slice(close + 2);
  }
}

function parseAction(action: string, name: string): string {
  const ident = IDENT.exec(action);
  if (ident?.[1] !== undefined) return ident[1];
  const index = INDEX.exec(action);
  if (index?.[1] !== undefined) return unquote(index[1], name);
  throw new TemplateError(
    `template.data.${name}: unsupported template action "{{ ${action} }}"; only ` +
      '{{ .key }} and {{ index . "key" }} are supported (no functions, pipelines or conditionals)',
  );
}

function unquote(literal: string, name: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw new TemplateError(`template.data.${name}: invalid string literal ${literal}`);
  }
}

/**
 * Renders one template over `values` (decrypted items plus plain template values).
 *
 * @throws TemplateError for unsupported syntax or a reference to a missing key
 */
export function renderTemplate(
  source: string,
  name: string,
  values: ReadonlyMap<string, Buffer>,
): Buffer {
  const parts: Buffer[] = [];
  for (const piece of parseTemplate(source, name)) {
    if ('text' in piece) {
      parts.push(Buffer.from(piece.text, 'utf8'));
      continue;
    }
    const value = values.get(piece.ref);
    if (value === undefined) {
      throw new TemplateError(
        `template.data.${name} refers to "${piece.ref}", which is neither an encryptedData key ` +
          'nor a template.data key',
      );
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** True when `source` has no action at all (a plain value). */
export function isPlainTemplate(source: string): boolean {
  return !source.includes('{{');
}
