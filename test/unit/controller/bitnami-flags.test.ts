import { expect } from 'chai';
import { inertFlagWarnings } from '../../../controller/inert-flags.js';
import { allModules } from '../../../controller/modules.js';
import { CORE_INERT_FLAGS, parser } from '../../../controller/options.js';
import {
  parseSealedSecretConfig,
  SEALED_SECRET_INERT_FLAGS,
} from '../../../controller/sealedsecret/options.js';

/** Every flag of Bitnami's controller (sealed-secrets.md §7), as a Deployment would pass them. */
const BITNAMI_ARGS = [
  '--key-prefix=sealed-secrets-key',
  '--key-size=4096',
  '--key-ttl=87600h',
  '--key-renew-period=720h',
  '--key-order-priority=CertNotBefore',
  '--my-cn=',
  '--accept-deprecated-v1-data=true',
  '--key-cutoff-time=',
  '--all-namespaces=true',
  '--additional-namespaces=',
  '--label-selector=',
  '--rate-limit=2',
  '--rate-limit-burst=2',
  '--privatekey-annotations=',
  '--privatekey-labels=',
  '--metrics-omit-secret-labels=false',
  '--old-gc-behavior=false',
  '--update-status=true',
  '--watch-for-secrets=false',
  '--skip-recreate=false',
  '--log-info-stdout=true',
  '--log-level=INFO',
  '--log-format=json',
  '--max-unseal-retries=5',
  '--kubeclient-qps=5',
  '--kubeclient-burst=10',
  '--listen-addr=:8080',
  '--listen-metrics-addr=:8081',
  '--read-timeout=2m',
  '--write-timeout=2m',
];

const parse = (argv: string[]): Promise<Record<string, unknown>> =>
  parser(argv, {}, allModules())
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .parseAsync();

/** The message parsing `argv` fails with; fails the test if parsing succeeds. */
async function parseError(argv: string[]): Promise<string> {
  try {
    await parse(argv);
  } catch (err) {
    return String(err);
  }
  throw new Error(`parsing ${argv.join(' ')} succeeded`);
}

describe("Bitnami's controller flags", () => {
  it('are all accepted, so a Deployment that ran Bitnami starts tenantry unchanged', async () => {
    const flags = await parse(BITNAMI_ARGS);
    expect(flags['http-addr']).to.equal(':8080');
    expect(flags['metrics-addr']).to.equal(':8081');
    expect(flags['log-level']).to.equal('info');
    // At their defaults, the flags tenantry does not act on warn about nothing.
    expect(inertFlagWarnings(CORE_INERT_FLAGS, flags)).to.deep.equal([]);
    expect(parseSealedSecretConfig(flags).inertFlagWarnings).to.deep.equal([]);
  });

  it('--listen-addr and --listen-metrics-addr set the listeners, as in Bitnami', async () => {
    const flags = await parse(['--listen-addr=127.0.0.1:9000', '--listen-metrics-addr=:9001']);
    expect(flags['http-addr']).to.equal('127.0.0.1:9000');
    expect(flags['metrics-addr']).to.equal(':9001');
  });

  it("takes Bitnami's upper-case log levels and still refuses an unknown one, naming the flag", async () => {
    expect((await parse(['--log-level=DEBUG']))['log-level']).to.equal('debug');
    expect(await parseError(['--log-level=LOUD'])).to.include('log-level');
  });

  it('warns, naming the flag and the reason, for each one set to a value it does not act on', async () => {
    const flags = await parse([
      '--skip-recreate',
      '--max-unseal-retries=10',
      '--watch-for-secrets=false',
      '--log-format=text',
      '--kubeclient-qps=50',
    ]);
    expect(parseSealedSecretConfig(flags).inertFlagWarnings).to.deep.equal([
      `--skip-recreate=true has no effect: ${SEALED_SECRET_INERT_FLAGS['skip-recreate']?.why}`,
      `--max-unseal-retries=10 has no effect: ${SEALED_SECRET_INERT_FLAGS['max-unseal-retries']?.why}`,
    ]);
    expect(inertFlagWarnings(CORE_INERT_FLAGS, flags)).to.deep.equal([
      '--log-format=text has no effect: logs are JSON lines',
      "--kubeclient-qps=50 has no effect: no client-side throttling (the API server's priority and fairness applies)",
    ]);
  });

  it('still refuses a flag neither controller has', async () => {
    expect(await parseError(['--bogus-flag'])).to.include('bogus-flag');
  });
});
