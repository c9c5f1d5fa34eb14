import { readContextInfo } from '../shared/kubeconfig.js';
import { completeFlags } from '../shared/completion.js';
import { exitCodeOf, formatCliError } from '../shared/errors.js';
import { writeOut, type CliIO } from '../shared/io.js';
import { SealContext } from './context.js';
import { connectClusterController, type ConnectController } from './controller.js';
import { SEAL_FLAGS } from './flags.js';
import { fetchCertMode } from './modes/fetch-cert.js';
import { mergeMode } from './modes/merge.js';
import { rawMode } from './modes/raw.js';
import { recoveryMode } from './modes/recovery.js';
import { sealMode } from './modes/seal.js';
import { reEncryptMode, validateMode } from './modes/verify.js';
import { parseSealArgs, type SealMode } from './options.js';

/** Seams for tests; production uses the defaults. */
export interface SealDependencies {
  /** How to reach the controller. @default the API-server service proxy (`cluster.ts`) */
  readonly connectController?: ConnectController;
  /** The clock for the certificate expiry check. @default () => new Date() */
  readonly now?: () => Date;
}

/** Hidden first argument used by `kubectl_complete-seal` (kubectl's plugin completion). */
export const COMPLETE_COMMAND = '__complete';

const MODES: Readonly<Record<SealMode, (ctx: SealContext) => Promise<void>>> = {
  seal: sealMode,
  raw: rawMode,
  'merge-into': mergeMode,
  'fetch-cert': fetchCertMode,
  validate: validateMode,
  're-encrypt': reEncryptMode,
  'recovery-unseal': recoveryMode,
};

/**
 * `kubectl seal`: runs one command line and resolves to the exit code. Never calls
 * `process.exit` and never throws: failures are printed as one `error: …` line on stderr.
 */
export async function run(
  args: readonly string[],
  io: CliIO,
  deps: SealDependencies = {},
): Promise<number> {
  try {
    if (args[0] === COMPLETE_COMMAND) {
      await writeOut(io.stdout, await complete(args.slice(1), io));
      return 0;
    }
    const parsed = await parseSealArgs(args, io.env);
    if (parsed.kind === 'print') {
      await writeOut(io.stdout, parsed.text);
      return 0;
    }
    const now = (deps.now ?? ((): Date => new Date()))();
    const ctx = new SealContext(
      parsed.options,
      io,
      deps.connectController ?? connectClusterController,
      now,
    );
    await MODES[parsed.options.mode](ctx);
    return 0;
  } catch (err) {
    await writeOut(io.stderr, formatCliError(err) + '\n');
    return exitCodeOf(err);
  }
}

async function complete(words: readonly string[], io: CliIO): Promise<string> {
  let contexts: readonly string[] = [];
  if (words[words.length - 2] === '--context') {
    // Best effort: completion must never fail loudly.
    contexts = await readContextInfo({}, io.env).then(
      (info) => info.contexts,
      () => [],
    );
  }
  return completeFlags(SEAL_FLAGS, words, (flag) => (flag === 'context' ? contexts : []));
}
