import { CliError, exitCodeOf, formatCliError } from '../shared/errors.js';
import { writeOut, type CliIO } from '../shared/io.js';
import { ApiError } from './api.js';
import type { CommandId } from './commands.js';
import { createCommand } from './cmd/create.js';
import { setCordoned } from './cmd/cordon.js';
import { deleteCommand } from './cmd/delete.js';
import { describeCommand } from './cmd/describe.js';
import { exportCommand, getCommand, listCommand } from './cmd/list.js';
import {
  nsAdoptCommand,
  nsCreateCommand,
  nsDeleteCommand,
  nsListCommand,
  nsMoveCommand,
} from './cmd/ns.js';
import { ownerAddCommand, ownerRemoveCommand } from './cmd/owner.js';
import { complete, completionScript } from './complete.js';
import { TenantContext, type TenantDependencies } from './context.js';
import { parseTenantArgs } from './parse.js';

/** Hidden first argument used by `kubectl_complete-tenant` (kubectl's plugin completion). */
export const COMPLETE_COMMAND = '__complete';

const HANDLERS: Readonly<Record<CommandId, (ctx: TenantContext) => Promise<void>>> = {
  create: createCommand,
  list: listCommand,
  get: getCommand,
  describe: describeCommand,
  delete: deleteCommand,
  'owner add': ownerAddCommand,
  'owner remove': ownerRemoveCommand,
  'ns create': nsCreateCommand,
  'ns list': nsListCommand,
  'ns delete': nsDeleteCommand,
  'ns adopt': nsAdoptCommand,
  'ns move': nsMoveCommand,
  cordon: (ctx) => setCordoned(ctx, true),
  uncordon: (ctx) => setCordoned(ctx, false),
  export: exportCommand,
  completion: async (ctx) => {
    try {
      await ctx.out(completionScript(ctx.arg('shell')));
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  },
};

/**
 * `kubectl tenant`: runs one command line and resolves to the exit code. Never calls
 * `process.exit` and never throws: failures are one `error: …` line on stderr.
 */
export async function run(
  args: readonly string[],
  io: CliIO,
  deps: TenantDependencies = {},
): Promise<number> {
  let ctx: TenantContext | undefined;
  try {
    if (args[0] === COMPLETE_COMMAND) {
      await writeOut(io.stdout, await complete(args.slice(1), io, deps));
      return 0;
    }
    const parsed = await parseTenantArgs(args);
    if (parsed.kind === 'print') {
      await writeOut(io.stdout, parsed.text);
      return 0;
    }
    ctx = new TenantContext(parsed.invocation, io, deps);
    await HANDLERS[parsed.invocation.command.id](ctx);
    return 0;
  } catch (err) {
    const shown = err instanceof ApiError && ctx !== undefined ? ctx.explain(err) : err;
    await writeOut(io.stderr, formatCliError(shown) + '\n');
    return exitCodeOf(shown);
  } finally {
    ctx?.close();
  }
}
