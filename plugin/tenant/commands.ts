// The command line of `kubectl tenant`, declared once: yargs builds parsing and help from it, the
// fast parser (parse.ts) accepts plain command lines from it, and completion offers it.
import { KUBECTL_FLAGS, type FlagSpec } from '../shared/flags.js';

/** What completion offers for a positional argument. */
export type PositionalKind = 'tenant' | 'namespace' | 'owner' | 'subject' | 'shell' | 'none';

/** One positional argument of a command. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly kind: PositionalKind;
  /** @default true */
  readonly required?: boolean;
}

/** Identifies a command: its words joined by a space (`ns create`). */
export type CommandId =
  | 'create'
  | 'list'
  | 'get'
  | 'describe'
  | 'delete'
  | 'owner add'
  | 'owner remove'
  | 'ns create'
  | 'ns list'
  | 'ns delete'
  | 'ns adopt'
  | 'ns move'
  | 'cordon'
  | 'uncordon'
  | 'export'
  | 'completion';

/** One leaf command. */
export interface CommandSpec {
  readonly id: CommandId;
  /** Other names of the last word (`ls` for `list`). */
  readonly aliases?: readonly string[];
  readonly description: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: readonly FlagSpec[];
  readonly examples?: readonly (readonly [string, string])[];
}

/** A group of commands under one word (`ns`, `owner`). */
export interface GroupSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly description: string;
}

const TENANT_ARG: PositionalSpec = { name: 'name', description: 'Tenant name', kind: 'tenant' };

/** `--as-group`, which the shared table lacks (repeated headers need raw HTTP, see kube-rest.ts). */
const AS_GROUP: FlagSpec = {
  name: 'as-group',
  type: 'array',
  description: 'Group to impersonate (repeatable; needs --as)',
};

/** Flags every command accepts: kubectl's connection flags. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [...KUBECTL_FLAGS, AS_GROUP];

const output = (choices: readonly string[], note = ''): FlagSpec => ({
  name: 'output',
  short: 'o',
  type: 'string',
  choices,
  description: `Output format${note}`,
});

const dryRun: FlagSpec = {
  name: 'dry-run',
  type: 'string',
  choices: ['none', 'client', 'server'],
  description:
    'client: print what would be sent, contact nothing; server: let the API server check it',
};

const tenantFlag: FlagSpec = {
  name: 'tenant',
  type: 'string',
  description:
    'The tenant (default: the tenant of -n or of the context namespace, else the only tenant you own)',
};

const waitFlags: readonly FlagSpec[] = [
  {
    name: 'wait',
    type: 'boolean',
    description: 'Wait until it is gone (default true; --wait=false)',
  },
  {
    name: 'timeout',
    type: 'string',
    description: 'How long --wait waits, e.g. 30s, 5m (default 5m)',
  },
];

const selector: FlagSpec = {
  name: 'selector',
  short: 'l',
  type: 'string',
  description: 'Label selector, e.g. team=payments',
};

const CREATE_FLAGS: readonly FlagSpec[] = [
  {
    name: 'owner',
    type: 'array',
    description:
      'Owner as KIND:NAME[=ROLE,…]: user:alice, group:devs=admin,view, sa:NAMESPACE/NAME (repeatable, at least one)',
  },
  {
    name: 'namespace-quota',
    type: 'string',
    description: 'Maximum number of namespaces of the tenant',
  },
  {
    name: 'force-prefix',
    type: 'boolean',
    description: 'Namespaces must be named <tenant>-<suffix>',
  },
  {
    name: 'quota',
    type: 'array',
    description:
      'Per-namespace quota RESOURCE=QUANTITY, e.g. pods=20 or count/configmaps=10 (repeatable; ResourceQuota "namespace")',
  },
  {
    name: 'tenant-quota',
    type: 'array',
    description:
      'Tenant-wide quota RESOURCE=QUANTITY, shared by all its namespaces (repeatable; ResourceQuota "tenant")',
  },
  {
    name: 'resource-quota',
    type: 'array',
    description:
      'A named quota: name=NAME,hard=RES:QTY,RES:QTY[,scope=Tenant|Namespace] (repeatable)',
  },
  {
    name: 'scope',
    type: 'string',
    choices: ['Namespace', 'Tenant'],
    description: 'Scope of --resource-quota items that do not set one (default Namespace)',
  },
  {
    name: 'registry',
    type: 'array',
    description: 'Allowed container registry, e.g. ghcr.io/acme (repeatable)',
  },
  { name: 'storage-class', type: 'array', description: 'Allowed StorageClass (repeatable)' },
  { name: 'ingress-class', type: 'array', description: 'Allowed IngressClass (repeatable)' },
  {
    name: 'ingress-hostname',
    type: 'array',
    description: 'Allowed Ingress hostname, exact or *.suffix (repeatable)',
  },
  { name: 'cordoned', type: 'boolean', description: 'Create the tenant cordoned (frozen)' },
  {
    name: 'prevent-deletion',
    type: 'boolean',
    description: 'Deny deletion of the tenant until this is cleared',
  },
  {
    name: 'deletion-policy',
    type: 'string',
    choices: ['Retain', 'Delete'],
    description: 'What happens to the namespaces when the tenant is deleted (default Retain)',
  },
  dryRun,
  output(['yaml', 'json', 'name']),
];

/** Every group of commands. */
export const GROUPS: readonly GroupSpec[] = [
  { name: 'owner', description: 'Add or remove owners of a tenant' },
  {
    name: 'ns',
    aliases: ['namespace', 'namespaces'],
    description: 'Create, list, delete, adopt and move the namespaces of a tenant',
  },
];

/** Every command of `kubectl tenant`. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    id: 'create',
    description: 'Create a tenant',
    positionals: [TENANT_ARG],
    flags: CREATE_FLAGS,
    examples: [
      [
        '$0 create acme --owner user:alice --owner group:acme-admins --namespace-quota 5',
        'A tenant owned by a user and a group, with up to five namespaces',
      ],
      [
        '$0 create acme --owner user:alice --tenant-quota requests.cpu=8 --dry-run=client -o yaml',
        'Print the Tenant for a Git repository instead of creating it',
      ],
    ],
  },
  {
    id: 'list',
    aliases: ['ls'],
    description: 'List tenants',
    positionals: [],
    flags: [selector, output(['table', 'yaml', 'json', 'name'], ' (default table)')],
  },
  {
    id: 'get',
    description: 'Show one tenant',
    positionals: [TENANT_ARG],
    flags: [output(['table', 'yaml', 'json', 'name'], ' (default table)')],
  },
  {
    id: 'describe',
    description: 'Show a tenant: its namespaces, what each inherits, and its conditions',
    positionals: [TENANT_ARG],
    flags: [],
  },
  {
    id: 'delete',
    description: 'Delete a tenant (asks first when its namespaces would be deleted)',
    positionals: [TENANT_ARG],
    flags: [
      { name: 'yes', short: 'y', type: 'boolean', description: 'Do not ask for confirmation' },
      ...waitFlags,
      dryRun,
    ],
  },
  {
    id: 'owner add',
    description: 'Add an owner to a tenant (or change its ClusterRoles)',
    positionals: [
      TENANT_ARG,
      {
        name: 'subject',
        description: 'user:NAME, group:NAME or sa:NAMESPACE/NAME',
        kind: 'subject',
      },
    ],
    flags: [
      {
        name: 'cluster-role',
        type: 'array',
        description:
          'ClusterRole bound to the owner in every namespace (repeatable; default admin)',
      },
    ],
  },
  {
    id: 'owner remove',
    aliases: ['rm'],
    description: 'Remove an owner from a tenant',
    positionals: [
      TENANT_ARG,
      { name: 'subject', description: 'user:NAME, group:NAME or sa:NAMESPACE/NAME', kind: 'owner' },
    ],
    flags: [],
  },
  {
    id: 'ns create',
    description: 'Create a namespace for a tenant',
    positionals: [{ name: 'name', description: 'Namespace name', kind: 'none' }],
    flags: [tenantFlag, dryRun],
  },
  {
    id: 'ns list',
    aliases: ['ls'],
    description: 'List the namespaces of a tenant (works without cluster-wide list rights)',
    positionals: [],
    flags: [tenantFlag, output(['table', 'yaml', 'json', 'name'], ' (default table)')],
  },
  {
    id: 'ns delete',
    description: 'Delete a namespace of a tenant',
    positionals: [{ name: 'name', description: 'Namespace name', kind: 'namespace' }],
    flags: [tenantFlag, ...waitFlags, dryRun],
  },
  {
    id: 'ns adopt',
    description: 'Make an existing namespace part of a tenant (admins)',
    positionals: [{ name: 'name', description: 'Namespace name', kind: 'none' }],
    flags: [
      { ...tenantFlag, description: 'The tenant that adopts the namespace (required)' },
      dryRun,
    ],
  },
  {
    id: 'ns move',
    description: 'Move a namespace from its tenant to another one (admins)',
    positionals: [{ name: 'name', description: 'Namespace name', kind: 'none' }],
    flags: [
      { name: 'to', type: 'string', description: 'The tenant to move it to (required)' },
      dryRun,
    ],
  },
  {
    id: 'cordon',
    description: 'Freeze a tenant: owners can no longer change anything in its namespaces',
    positionals: [TENANT_ARG],
    flags: [],
  },
  {
    id: 'uncordon',
    description: 'Unfreeze a cordoned tenant',
    positionals: [TENANT_ARG],
    flags: [],
  },
  {
    id: 'export',
    description: 'Print every tenant as YAML for a Git repository (no status, no server fields)',
    positionals: [],
    flags: [selector, output(['yaml', 'json'], ' (default yaml)')],
  },
  {
    id: 'completion',
    description: 'Print a shell completion script (bash or zsh)',
    positionals: [{ name: 'shell', description: 'bash or zsh', kind: 'shell' }],
    flags: [],
    examples: [['source <($0 completion bash)', 'Complete kubectl-tenant in this bash session']],
  },
];

/** The command with this id. */
export function commandById(id: CommandId): CommandSpec {
  const found = COMMANDS.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no command ${id}`);
  return found;
}

/** Resolves leading words (`ns`, `ls`) to a command; `undefined` when they name none. */
export function findCommand(words: readonly string[]): CommandSpec | undefined {
  const [first, second] = words;
  const group = GROUPS.find((g) => g.name === first || (g.aliases ?? []).includes(first ?? ''));
  const matches = (c: CommandSpec, prefix: string, word: string | undefined): boolean => {
    const last = c.id.slice(prefix.length);
    return word !== undefined && (last === word || (c.aliases ?? []).includes(word));
  };
  if (group !== undefined) {
    const prefix = `${group.name} `;
    return COMMANDS.find((c) => c.id.startsWith(prefix) && matches(c, prefix, second));
  }
  return COMMANDS.find((c) => !c.id.includes(' ') && matches(c, '', first));
}

/** Number of words that name the command (1 or 2). */
export function commandWords(spec: CommandSpec): number {
  return spec.id.split(' ').length;
}

/** Every flag a command accepts: its own, then the global ones. */
export function flagsOf(spec: CommandSpec): readonly FlagSpec[] {
  return [...spec.flags, ...GLOBAL_FLAGS];
}
