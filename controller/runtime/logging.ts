import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** pino level: `trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`. @default 'info' */
  readonly level?: string;
  /** Bound as `name` on every line, e.g. `tenantry-controller`. */
  readonly name?: string;
  /** Where JSON lines go. @default stdout */
  readonly destination?: DestinationStream;
}

/**
 * A JSON-lines logger (one object per line, ISO timestamps) for operators. Messages follow the
 * cluster-api/kubebuilder style: capitalised, no trailing period, name the Kind, logged before the
 * action ("Creating Namespace").
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    // Plain `level: "info"` instead of pino's numbers: easier for humans and log queries.
    formatters: { level: (label: string) => ({ level: label }) },
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  };
  return opts.destination !== undefined ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything (default for units whose caller passes none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The fields bound to every line logged during one reconcile. */
export interface ReconcileLogFields {
  readonly controller: string;
  readonly key: string;
  /** @default a fresh UUID */
  readonly reconcileID?: string;
}

/**
 * A child logger for one reconcile, carrying `{controller, key, reconcileID}` so every line of a
 * pass can be grepped together (controller-runtime binds the same keys).
 */
export function reconcileLogger(base: Logger, fields: ReconcileLogFields): Logger {
  return base.child({
    controller: fields.controller,
    key: fields.key,
    reconcileID: fields.reconcileID ?? randomUUID(),
  });
}
