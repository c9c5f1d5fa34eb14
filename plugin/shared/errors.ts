/**
 * An error the user can fix: its message says what to change, in one line. `run()` prints it as
 * `error: <message>` and exits 1. Anything else reaching `run()` is a bug and is printed the same
 * way (no stack), because a plugin must not dump traces on users.
 */
export class CliError extends Error {
  /** Process exit code. @default 1 */
  readonly exitCode: number;

  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** The one-line `error: …` text for any thrown value (newlines folded, as kubectl prints). */
export function formatCliError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}

/** Exit code for any thrown value: a {@link CliError}'s own, else 1. */
export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1;
}

/** The message of an unknown thrown value, for wrapping into a {@link CliError}. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
