/**
 * The SealedSecret API (`sealedsecrets.bitnami.com/v1alpha1`), reproduced from Bitnami Sealed
 * Secrets so that tenantry is a drop-in replacement: every SealedSecret Bitnami's CRD accepts,
 * this one accepts. The schemas are the source of the CRD (`crds/generate.ts`) and of the
 * TypeScript types.
 *
 * Differences, all widening: `template.data` values may be `null` (Bitnami v0.40 semantics:
 * omit that key from the Secret), and status conditions may also carry `Ready` and
 * `observedGeneration` (see docs/spec/sealedsecret.md).
 *
 * @module
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND } from './constants.js';
import { ObjectMetaSchema, StringMap, Timestamp } from './schema-helpers.js';

/** The metadata the unsealed Secret gets (`spec.template.metadata`). */
export const SecretTemplateMetadataSchema = Type.Union(
  [
    Type.Object(
      {
        name: Type.Optional(Type.String()),
        namespace: Type.Optional(Type.String()),
        labels: Type.Optional(StringMap()),
        annotations: Type.Optional(StringMap()),
        finalizers: Type.Optional(Type.Array(Type.String())),
      },
      {
        additionalProperties: true,
        'x-kubernetes-preserve-unknown-fields': true,
      },
    ),
    Type.Null(),
  ],
  {
    description:
      'Metadata of the Secret: labels, annotations and finalizers are copied to it. name ' +
      'and namespace are ignored: the Secret always takes those of the SealedSecret.',
  },
);

/** The shape of the Secret a SealedSecret unseals to. */
export const SecretTemplateSchema = Type.Object(
  {
    metadata: Type.Optional(SecretTemplateMetadataSchema),
    type: Type.Optional(
      Type.String({
        description:
          'Type of the Secret (e.g. Opaque, kubernetes.io/tls), used to facilitate ' +
          'programmatic handling of its data.',
      }),
    ),
    immutable: Type.Optional(
      Type.Boolean({
        description:
          'If true, the data of the Secret cannot be updated once written; the Secret must ' +
          'be deleted and recreated to change it.',
      }),
    ),
    data: Type.Optional(
      Type.Union(
        [Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])), Type.Null()],
        {
          description:
            'Secret keys rendered from Go templates over the decrypted values, e.g. ' +
            '"{{ .user }}:{{ .password }}". A null value omits the encrypted key of the ' +
            'same name from the Secret.',
        },
      ),
    ),
  },
  { description: 'Template of the Secret created from this SealedSecret.' },
);

/** `spec.template`. */
export type SecretTemplate = Static<typeof SecretTemplateSchema>;

/** The desired state of a SealedSecret. */
export const SealedSecretSpecSchema = Type.Object(
  {
    encryptedData: Type.Record(Type.String(), Type.String(), {
      'x-kubernetes-preserve-unknown-fields': true,
      description:
        'Secret keys and their sealed values: base64 of a hybrid RSA-OAEP + AES-GCM blob, ' +
        'bound to the scope of the SealedSecret.',
    }),
    template: Type.Optional(SecretTemplateSchema),
    data: Type.Optional(
      Type.String({
        format: 'byte',
        description:
          'Deprecated: a whole Secret sealed as one blob (Bitnami v1 format). Only decrypted, ' +
          'never produced; use encryptedData.',
      }),
    ),
  },
  { description: 'SealedSecretSpec is the specification of a SealedSecret.' },
);

/** The desired state of a SealedSecret (`spec`). */
export type SealedSecretSpec = Static<typeof SealedSecretSpecSchema>;

/** A condition of a SealedSecret, in Bitnami's format. */
export const SealedSecretConditionSchema = Type.Object(
  {
    type: Type.String({
      description:
        'Type of the condition: Synced (Bitnami) or Ready (tenantry, for kstatus-based tools).',
    }),
    status: Type.String({ description: 'Status of the condition: True, False or Unknown.' }),
    lastUpdateTime: Type.Optional(
      Timestamp({ description: 'Last time the condition was written.' }),
    ),
    lastTransitionTime: Type.Optional(
      Timestamp({ description: 'Last time the condition changed from one status to another.' }),
    ),
    reason: Type.Optional(
      Type.String({ description: "The reason for the condition's last transition, in CamelCase." }),
    ),
    message: Type.Optional(
      Type.String({ description: 'A human-readable message with details about the transition.' }),
    ),
  },
  {
    description: 'SealedSecretCondition describes the state of a SealedSecret at a point in time.',
  },
);

/** A condition of a SealedSecret (`status.conditions[]`). */
export type SealedSecretCondition = Static<typeof SealedSecretConditionSchema>;

/** The observed state of a SealedSecret. */
export const SealedSecretStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({
        format: 'int64',
        description: 'The .metadata.generation most recently acted on by the controller.',
      }),
    ),
    conditions: Type.Optional(
      Type.Array(SealedSecretConditionSchema, {
        description:
          'The latest observations of the state of the SealedSecret. Synced is always first.',
      }),
    ),
  },
  { description: 'SealedSecretStatus is the most recently observed status of the SealedSecret.' },
);

/** The observed state of a SealedSecret (`status`). */
export type SealedSecretStatus = Static<typeof SealedSecretStatusSchema>;

/** The SealedSecret resource. */
export const SealedSecretSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.Literal(SEALED_SECRET_API_VERSION)),
    kind: Type.Optional(Type.Literal(SEALED_SECRET_KIND)),
    metadata: ObjectMetaSchema,
    spec: SealedSecretSpecSchema,
    status: Type.Optional(SealedSecretStatusSchema),
  },
  {
    description:
      'SealedSecret is a Secret sealed (encrypted) with the public key of the controller; ' +
      'only the controller can unseal it into a Secret of the same name.',
  },
);

/** A SealedSecret, as stored in the apiserver (JSON form). */
export type SealedSecret = Static<typeof SealedSecretSchema>;
