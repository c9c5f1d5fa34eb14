import { SCOPES } from '../../crypto/scope.js';
import { KUBECTL_FLAGS, type FlagSpec } from '../shared/flags.js';

/** Every flag of `kubectl seal` (kubeseal's names), declared once for parsing and completion. */
export const SEAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'cert',
    type: 'string',
    file: true,
    description:
      'Certificate to seal with: file, or http(s)/file URL (env SEALED_SECRETS_CERT); no cluster needed',
  },
  {
    name: 'controller-name',
    type: 'string',
    description:
      'Name of the sealed-secrets controller Service (env SEALED_SECRETS_CONTROLLER_NAME)',
  },
  {
    name: 'controller-namespace',
    type: 'string',
    description: 'Namespace of the controller (env SEALED_SECRETS_CONTROLLER_NAMESPACE)',
  },
  {
    name: 'format',
    short: 'o',
    type: 'string',
    choices: ['json', 'yaml'],
    description: 'Output format',
  },
  {
    name: 'sealed-secret-file',
    short: 'w',
    type: 'string',
    file: true,
    description: 'Write the output to this file (atomically, only on success)',
  },
  {
    name: 'secret-file',
    short: 'f',
    type: 'string',
    file: true,
    description: 'Read input from this file instead of stdin',
  },
  { name: 'fetch-cert', type: 'boolean', description: 'Print the sealing certificate' },
  { name: 'allow-empty-data', type: 'boolean', description: 'Allow Secrets without data' },
  {
    name: 'validate',
    type: 'boolean',
    description: 'Ask the controller whether the input SealedSecrets decrypt',
  },
  {
    name: 'merge-into',
    type: 'string',
    file: true,
    description:
      "Seal the input's items into this SealedSecret file, in place, with the file's own scope",
  },
  {
    name: 'raw',
    type: 'boolean',
    description: 'Seal one value (stdin or --from-file) and print bare base64',
  },
  {
    name: 'name',
    type: 'string',
    description: 'Name for --raw; overrides the input Secret name otherwise',
  },
  {
    name: 'from-file',
    type: 'array',
    file: true,
    description: 'With --raw: [key=]path of the value to seal (once)',
  },
  {
    name: 'scope',
    type: 'string',
    choices: SCOPES,
    description:
      'Where the sealed value may be unsealed (default: from the input annotations, else strict)',
  },
  { name: 'tenant', type: 'string', description: 'Tenant name for --scope tenant-wide' },
  {
    name: 're-encrypt',
    type: 'boolean',
    deprecatedAliases: ['rotate'],
    description: "Re-encrypt the input SealedSecrets with the controller's newest key",
  },
  {
    name: 'recovery-unseal',
    type: 'boolean',
    description: 'Decrypt a SealedSecret offline with private keys',
  },
  {
    name: 'recovery-private-key',
    type: 'array',
    file: true,
    description:
      'Private key files for --recovery-unseal (PEM, Secret or List YAML/JSON; comma-separated or repeated)',
  },
  ...KUBECTL_FLAGS,
];
