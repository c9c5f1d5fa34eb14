/**
 * An error that retrying cannot fix (invalid spec, a forbidden reference): the controller logs
 * and counts it but does not requeue the key. The reconciler should also have recorded it on the
 * object (`Ready=False`, `Stalled=True`) so users see why; a later change to the object enqueues
 * the key again through the informer.
 *
 * Mirrors controller-runtime's `reconcile.TerminalError`.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** True if `err`, or any error in its `cause` chain, is a {@link TerminalError}. */
export function isTerminalError(err: unknown): boolean {
  let current: unknown = err;
  // Bounded: a cause cycle must not hang the worker.
  for (let depth = 0; depth < 32 && current !== undefined && current !== null; depth++) {
    if (current instanceof TerminalError) {
      return true;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}
