// Shell completion in cobra's protocol, which kubectl (>= 1.26) expects from
// `kubectl_complete-tenant`: one candidate per line (`value\tdescription`), then `:<directive>`.
// Tenant names, owners and namespaces come from the cluster when it answers within 2 seconds.
import type { CliIO } from '../shared/io.js';
import { completeFlags } from '../shared/completion.js';
import type { FlagSpec } from '../shared/flags.js';
import { readContextInfo } from '../shared/kubeconfig.js';
import {
  COMMANDS,
  GLOBAL_FLAGS,
  GROUPS,
  commandWords,
  findCommand,
  flagsOf,
  type CommandSpec,
  type PositionalSpec,
} from './commands.js';
import { TenantContext, type TenantDependencies } from './context.js';
import { subjectText } from './format.js';
import { resolveTenant } from './resolve.js';

const NO_FILE = 4;
const ALL_FLAGS: readonly FlagSpec[] = [...COMMANDS.flatMap((c) => c.flags), ...GLOBAL_FLAGS];

function flagByToken(token: string): FlagSpec | undefined {
  const bare = token.replace(/^--?/, '').replace(/=.*$/, '');
  return ALL_FLAGS.find((s) => s.name === bare || s.short === bare);
}

/** The words before the one being completed, split into positionals and flags. */
export function scanWords(words: readonly string[]): {
  positionals: string[];
  flags: Record<string, unknown>;
} {
  const positionals: string[] = [];
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('-') || word === '-') {
      positionals.push(word);
      continue;
    }
    const spec = flagByToken(word);
    if (spec === undefined) continue;
    const eq = word.indexOf('=');
    if (spec.type === 'boolean') flags[spec.name] = eq < 0 ? true : word.slice(eq + 1) !== 'false';
    else flags[spec.name] = eq >= 0 ? word.slice(eq + 1) : words[++i];
  }
  return { positionals, flags };
}

/** The flag whose value is being typed (`--tenant <TAB>` or `--tenant=<TAB>`), if any. */
function flagBeingValued(before: readonly string[], current: string): FlagSpec | undefined {
  if (/^--[^=]+=/.test(current)) return flagByToken(current);
  const previous = before[before.length - 1];
  if (previous === undefined || !previous.startsWith('-') || previous.includes('='))
    return undefined;
  const spec = flagByToken(previous);
  return spec?.type === 'boolean' ? undefined : spec;
}

const render = (lines: readonly string[], directive = NO_FILE): string =>
  [...lines, `:${directive}`].join('\n') + '\n';

const withPrefix = (candidates: readonly (readonly [string, string])[], prefix: string): string[] =>
  candidates.filter(([v]) => v.startsWith(prefix)).map(([v, d]) => (d ? `${v}\t${d}` : v));

/**
 * Completes `words` (the arguments after `kubectl tenant`; the last is being typed, possibly
 * empty). Never throws: an unreachable cluster just means fewer candidates.
 */
export async function complete(
  words: readonly string[],
  io: CliIO,
  deps: TenantDependencies = {},
): Promise<string> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const { positionals, flags } = scanWords(before);
  const command = findCommand(positionals);
  const ctx = (): TenantContext =>
    new TenantContext(
      {
        command: command ?? (COMMANDS[0] as CommandSpec),
        args: {},
        flags: { 'request-timeout': '2s', ...flags },
      },
      io,
      deps,
    );
  const valueSpec = flagBeingValued(before, current);
  if (current.startsWith('-') || valueSpec !== undefined) {
    const specs = command ? flagsOf(command) : GLOBAL_FLAGS;
    const values = valueSpec ? await flagValues(valueSpec.name, ctx) : [];
    return completeFlags(specs, words, () => values);
  }
  if (command === undefined) return render(withPrefix(commandCandidates(positionals), current));
  const index = positionals.length - commandWords(command);
  const spec = command.positionals[index];
  if (spec === undefined) return render([]);
  const candidates = await positionalValues(spec, positionals.slice(commandWords(command)), ctx);
  return render(withPrefix(candidates, current));
}

function commandCandidates(positionals: readonly string[]): [string, string][] {
  if (positionals.length === 0) {
    return [
      ...GROUPS.map((g): [string, string] => [g.name, g.description]),
      ...COMMANDS.filter((c) => !c.id.includes(' ')).map((c): [string, string] => [
        c.id,
        c.description,
      ]),
    ];
  }
  const group = GROUPS.find(
    (g) => g.name === positionals[0] || (g.aliases ?? []).includes(positionals[0] ?? ''),
  );
  if (group === undefined || positionals.length !== 1) return [];
  return COMMANDS.filter((c) => c.id.startsWith(`${group.name} `)).map((c) => [
    c.id.split(' ')[1] ?? '',
    c.description,
  ]);
}

async function flagValues(flag: string, ctx: () => TenantContext): Promise<string[]> {
  if (flag === 'context') {
    const c = ctx();
    return readContextInfo({ kubeconfig: c.str('kubeconfig') }, c.io.env).then(
      (info) => [...info.contexts],
      () => [],
    );
  }
  if (flag === 'tenant' || flag === 'to') return (await tenantNames(ctx())).map(([n]) => n);
  return [];
}

async function tenantNames(ctx: TenantContext): Promise<[string, string][]> {
  try {
    const api = await ctx.api();
    const list = await api.listTenants();
    return list.items.map((t) => [t.metadata.name ?? '', t.status?.state ?? '']);
  } catch {
    return [];
  } finally {
    ctx.close();
  }
}

async function positionalValues(
  spec: PositionalSpec,
  given: readonly string[],
  ctx: () => TenantContext,
): Promise<(readonly [string, string])[]> {
  switch (spec.kind) {
    case 'tenant':
      return tenantNames(ctx());
    case 'shell':
      return [
        ['bash', ''],
        ['zsh', ''],
      ];
    case 'subject':
      return [
        ['user:', 'a user'],
        ['group:', 'a group'],
        ['sa:', 'a service account: sa:NAMESPACE/NAME'],
      ];
    case 'owner':
      return bestEffort(ctx(), async (c) =>
        (await c.tenant(given[0] ?? '')).spec.owners.map((o): [string, string] => [
          subjectText(o),
          o.kind,
        ]),
      );
    case 'namespace':
      return bestEffort(ctx(), async (c) =>
        ((await resolveTenant(c)).tenant.status?.namespaces ?? []).map((n): [string, string] => [
          n,
          '',
        ]),
      );
    default:
      return [];
  }
}

async function bestEffort<T>(
  ctx: TenantContext,
  fn: (c: TenantContext) => Promise<T[]>,
): Promise<T[]> {
  try {
    return await fn(ctx);
  } catch {
    return [];
  } finally {
    ctx.close();
  }
}

/** `kubectl tenant completion bash|zsh`: a script that asks `kubectl-tenant __complete`. */
export function completionScript(shell: string): string {
  if (shell === 'bash') return BASH;
  if (shell === 'zsh') return ZSH;
  throw new Error(`unsupported shell "${shell}": use bash or zsh`);
}

const BASH = `# bash completion for kubectl-tenant: source <(kubectl-tenant completion bash)
_kubectl_tenant() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out directive line
  local -a cands=()
  out=$(kubectl-tenant __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
  directive=\${out##*:}
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == :* ]] && continue
    cands+=("\${line%%$'\\t'*}")
  done <<< "$out"
  COMPREPLY=($(compgen -W "\${cands[*]}" -- "$cur"))
  if (( \${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _kubectl_tenant kubectl-tenant
`;

const ZSH = `#compdef kubectl-tenant
# zsh completion for kubectl-tenant: source <(kubectl-tenant completion zsh)
_kubectl_tenant() {
  local out directive
  local -a lines cands
  out=$(kubectl-tenant __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  cands=("\${(@)lines[1,-2]}")
  cands=("\${(@)cands//:/\\\\:}")
  cands=("\${(@)cands//$'\\t'/:}")
  if (( \${#cands} )); then
    _describe 'kubectl-tenant' cands
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
compdef _kubectl_tenant kubectl-tenant
`;
