import type { Readable, Writable } from 'node:stream';

/**
 * Everything a plugin touches outside its arguments, injected so `run()` is testable without a
 * real terminal or environment. `main.ts` passes the process's streams and `process.env`.
 */
export interface CliIO {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Base for relative paths. @default process.cwd() */
  readonly cwd?: string;
}

/** Reads a stream to its end. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}

/** Writes to a stream and resolves once the data is flushed (or fails). */
export function writeOut(stream: Writable, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
