// The environment the start-up benchmarks give the processes they time.
//
// NODE_EXTRA_CA_CERTS makes every Node process read and parse that file before any JavaScript
// runs. These machines set it to the whole system bundle (/etc/ssl/certs/ca-certificates.crt,
// ~140 certificates), which adds ~70 ms to every Node start, `node -e 0` included (measured:
// `node -e 0` 110 ms with it, 36–46 ms without). A CLI cannot avoid that cost, and users'
// machines do not normally set it, so the benchmarks time start-up without it and say so.
// `--keep-env` keeps the environment as it is.

/** True when the benchmark was asked to keep NODE_EXTRA_CA_CERTS and NODE_OPTIONS. */
export const keepEnv = process.argv.includes('--keep-env');

/** `env` without the variables that change Node's start-up cost (unless `--keep-env`). */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (keepEnv) return env;
  const out = { ...env };
  delete out.NODE_EXTRA_CA_CERTS;
  delete out.NODE_OPTIONS;
  return out;
}

/** One line for the report: what the timed processes' environment was. */
export function envNote(): string {
  const set = process.env.NODE_EXTRA_CA_CERTS;
  if (keepEnv) return `environment kept as is (NODE_EXTRA_CA_CERTS=${set ?? 'unset'})`;
  return set !== undefined
    ? `NODE_EXTRA_CA_CERTS (${set}) removed for the timed processes; --keep-env keeps it`
    : 'NODE_EXTRA_CA_CERTS not set';
}
