import { expect } from 'chai';
import {
  formatErrors,
  isSealedSecret,
  sealedSecretCRD,
  sealedSecretErrors,
} from '../../../crds/index.js';
import type { JSONSchemaProps } from '../../../crds/index.js';
import { kubesealOutput } from './fixtures.js';

function schemaAt(path: string): JSONSchemaProps {
  let node = sealedSecretCRD.spec.versions[0]!.schema.openAPIV3Schema;
  for (const segment of path.split('.')) {
    const next = segment === '[]' ? node.items : node.properties?.[segment];
    if (next === undefined) throw new Error(`no schema at ${path}`);
    node = next;
  }
  return node;
}

function withSpec(spec: unknown): unknown {
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 's', namespace: 'n' },
    spec,
  };
}

describe('SealedSecret v1alpha1', () => {
  describe('accepts what Bitnami accepts', () => {
    const cases: [string, unknown][] = [
      ['kubeseal output, with creationTimestamp: null', kubesealOutput()],
      ['an empty encryptedData', withSpec({ encryptedData: {} })],
      ['a null template metadata', withSpec({ encryptedData: {}, template: { metadata: null } })],
      ['a null template data', withSpec({ encryptedData: {}, template: { data: null } })],
      [
        'template data with Go templates and null values',
        withSpec({
          encryptedData: { a: 'AgA=' },
          template: { data: { url: '{{ .a }}', a: null } },
        }),
      ],
      [
        'an immutable typed template with labels, annotations, finalizers and unknown metadata',
        withSpec({
          encryptedData: { 'tls.crt': 'AgA=', 'tls.key': 'AgA=' },
          template: {
            type: 'kubernetes.io/tls',
            immutable: true,
            metadata: {
              labels: { app: 'web' },
              annotations: { 'sealedsecrets.bitnami.com/managed': 'true' },
              finalizers: ['example.com/keep'],
              generateName: 'ignored-',
            },
          },
        }),
      ],
      ['the deprecated v1 data field', withSpec({ encryptedData: {}, data: 'AgBy3i4O' })],
      [
        'a Bitnami status',
        {
          ...(withSpec({ encryptedData: {} }) as object),
          status: {
            observedGeneration: 2,
            conditions: [
              {
                type: 'Synced',
                status: 'True',
                lastUpdateTime: '2026-01-01T00:00:00Z',
                lastTransitionTime: '2026-01-01T00:00:00Z',
              },
            ],
          },
        },
      ],
    ];
    for (const [name, value] of cases) {
      it(name, () => {
        expect(formatErrors(sealedSecretErrors(value))).to.equal('');
        expect(isSealedSecret(value)).to.equal(true);
      });
    }
  });

  describe('rejects, naming the field', () => {
    const cases: [string, unknown, string][] = [
      ['no spec', { metadata: { name: 's' } }, '/spec: Expected required property'],
      ['no encryptedData', withSpec({}), '/spec/encryptedData: Expected required property'],
      [
        'a non-string sealed value',
        withSpec({ encryptedData: { a: 1 } }),
        '/spec/encryptedData/a: Expected string',
      ],
      [
        'v1 data that is not base64',
        withSpec({ encryptedData: {}, data: 'not base64!' }),
        "/spec/data: Expected string to match 'byte' format",
      ],
      [
        'a non-boolean immutable',
        withSpec({ encryptedData: {}, template: { immutable: 'yes' } }),
        '/spec/template/immutable: Expected boolean',
      ],
    ];
    for (const [name, value, message] of cases) {
      it(name, () => {
        expect(formatErrors(sealedSecretErrors(value))).to.include(message);
      });
    }
  });

  describe('the CRD matches Bitnami', () => {
    it('has the same identity: bitnami.com, v1alpha1, Namespaced, no short names', () => {
      expect(sealedSecretCRD.metadata.name).to.equal('sealedsecrets.bitnami.com');
      expect(sealedSecretCRD.spec.group).to.equal('bitnami.com');
      expect(sealedSecretCRD.spec.scope).to.equal('Namespaced');
      expect(sealedSecretCRD.spec.names).to.deep.equal({
        kind: 'SealedSecret',
        listKind: 'SealedSecretList',
        plural: 'sealedsecrets',
        singular: 'sealedsecret',
      });
      const [version, ...others] = sealedSecretCRD.spec.versions;
      expect(others).to.have.length(0);
      expect(version).to.include({ name: 'v1alpha1', served: true, storage: true });
      expect(version!.subresources).to.deep.equal({ status: {} });
    });

    it('has the same printer columns', () => {
      const columns = sealedSecretCRD.spec.versions[0]!.additionalPrinterColumns!;
      expect(columns).to.deep.equal([
        { name: 'Status', type: 'string', jsonPath: '.status.conditions[0].message' },
        { name: 'Synced', type: 'string', jsonPath: '.status.conditions[0].status' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ]);
    });

    it('has the same shape, field by field', () => {
      const root = sealedSecretCRD.spec.versions[0]!.schema.openAPIV3Schema;
      expect(root.required).to.deep.equal(['spec']);
      expect(root.properties!.metadata).to.deep.equal({ type: 'object' });
      expect(root['x-kubernetes-validations']).to.equal(undefined);
      expect(schemaAt('spec').required).to.deep.equal(['encryptedData']);
      expect(schemaAt('spec.encryptedData')).to.include({
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
      });
      expect(schemaAt('spec.encryptedData').additionalProperties).to.deep.equal({ type: 'string' });
      expect(schemaAt('spec.data')).to.include({ type: 'string', format: 'byte' });
      expect(schemaAt('spec.template.metadata')).to.include({
        type: 'object',
        nullable: true,
        'x-kubernetes-preserve-unknown-fields': true,
      });
      expect(Object.keys(schemaAt('spec.template.metadata').properties!)).to.have.members([
        'name',
        'namespace',
        'labels',
        'annotations',
        'finalizers',
      ]);
      expect(schemaAt('spec.template.type').type).to.equal('string');
      expect(schemaAt('spec.template.immutable').type).to.equal('boolean');
      expect(schemaAt('spec.template.data')).to.include({ type: 'object', nullable: true });
      expect(schemaAt('status.observedGeneration')).to.include({
        type: 'integer',
        format: 'int64',
      });
      expect(schemaAt('status.conditions.[]').required).to.deep.equal(['type', 'status']);
      expect(Object.keys(schemaAt('status.conditions.[]').properties!)).to.have.members([
        'type',
        'status',
        'lastUpdateTime',
        'lastTransitionTime',
        'reason',
        'message',
      ]);
    });

    it('adds no CEL rule, enum or bound anywhere (it must accept everything Bitnami does)', () => {
      const text = JSON.stringify(sealedSecretCRD);
      for (const word of [
        'x-kubernetes-validations',
        '"enum"',
        'maxLength',
        'maxItems',
        'pattern',
      ]) {
        expect(text, word).not.to.include(word);
      }
    });
  });
});
