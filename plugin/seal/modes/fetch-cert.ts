import { pemBlocks } from '../../../crypto/pem.js';
import { CliError } from '../../shared/errors.js';
import type { SealContext } from '../context.js';
import { emit } from './emit.js';

/** `--fetch-cert`: prints the certificate PEM from `--cert` or the controller, unchanged. */
export async function fetchCertMode(ctx: SealContext): Promise<void> {
  const pem = await ctx.certificatePem();
  if (!pemBlocks(pem).some((block) => block.label === 'CERTIFICATE')) {
    throw new CliError(
      `no PEM certificate in the answer from ${ctx.options.cert ?? 'the controller'}`,
    );
  }
  await emit(ctx, pem);
}
