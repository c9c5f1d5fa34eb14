import { expect } from 'chai';
import { Type } from '@sinclair/typebox';
import { allCRDs, OpaqueObject, Quantity, StringEnum } from '../../../crds/index.js';
import type { JSONSchemaProps } from '../../../crds/index.js';
import { convertSchema, structuralErrors } from '../../../crds/structural.js';

/** Every node of a schema, with its path. */
function* walk(node: JSONSchemaProps, path = ''): Generator<[string, JSONSchemaProps]> {
  yield [path, node];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    yield* walk(child, `${path}.${name}`);
  }
  if (node.additionalProperties !== undefined) yield* walk(node.additionalProperties, `${path}[*]`);
  if (node.items !== undefined) yield* walk(node.items, `${path}[]`);
}

describe('crds/structural', () => {
  describe('the generated CRD schemas', () => {
    for (const crd of allCRDs) {
      const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;

      it(`${crd.metadata.name} is structural`, () => {
        expect(structuralErrors(schema)).to.deep.equal([]);
      });

      it(`${crd.metadata.name} has no JSON Schema left-overs ($id, patternProperties, const)`, () => {
        const text = JSON.stringify(schema);
        for (const word of ['$id', 'patternProperties', '"const"', 'additionalProperties":true']) {
          expect(text, word).not.to.include(word);
        }
      });

      it(`${crd.metadata.name} describes every field (kubectl explain)`, () => {
        const undocumented = [...walk(schema)]
          .filter(([path]) => path.split('.').length > 1 && !path.startsWith('.metadata'))
          .filter(([path]) => !path.endsWith('[]') && !path.endsWith('[*]'))
          .filter(([, node]) => node.description === undefined)
          .map(([path]) => path)
          // Bitnami's own CRD leaves these undescribed; keeping them identical.
          .filter((p) => !p.startsWith('.spec.template.metadata.'));
        expect(undocumented).to.deep.equal([]);
      });

      it(`${crd.metadata.name} bounds every string and list a CEL rule reads`, () => {
        // The apiserver estimates CEL cost from maxLength/maxItems/maxProperties: every list,
        // map and string under a node with x-kubernetes-validations must be bounded.
        const unbounded: string[] = [];
        for (const [path, node] of walk(schema)) {
          if (node['x-kubernetes-validations'] === undefined || path === '') continue;
          for (const [sub, child] of walk(node, path)) {
            const bounded =
              (child.type === 'array' && child.maxItems !== undefined) ||
              (child.type === 'string' &&
                (child.maxLength !== undefined || child.enum !== undefined)) ||
              (child.type === 'object' &&
                (child.additionalProperties === undefined || child.maxProperties !== undefined)) ||
              child.type === 'boolean' ||
              child.type === 'integer' ||
              child['x-kubernetes-int-or-string'] === true;
            if (!bounded) unbounded.push(sub);
          }
        }
        expect(unbounded).to.deep.equal([]);
      });
    }
  });

  describe('convertSchema', () => {
    it('turns Type.Record into additionalProperties', () => {
      expect(convertSchema(Type.Record(Type.String(), Type.Integer()))).to.deep.equal({
        type: 'object',
        additionalProperties: { type: 'integer' },
      });
    });

    it('turns a union of string literals into an enum, keeping description and default', () => {
      const schema = StringEnum(['A', 'B'], { description: 'd', default: 'A' });
      expect(convertSchema(schema)).to.deep.equal({
        description: 'd',
        type: 'string',
        enum: ['A', 'B'],
        default: 'A',
      });
    });

    it('turns T | null into T with nullable', () => {
      const schema = Type.Union([Type.String({ maxLength: 3 }), Type.Null()], { description: 'd' });
      expect(convertSchema(schema)).to.deep.equal({
        description: 'd',
        type: 'string',
        nullable: true,
        maxLength: 3,
      });
    });

    it('turns a quantity into int-or-string with the pattern hoisted', () => {
      const converted = convertSchema(Quantity());
      expect(converted.anyOf).to.deep.equal([{ type: 'integer' }, { type: 'string' }]);
      expect(converted['x-kubernetes-int-or-string']).to.equal(true);
      expect(converted.pattern).to.be.a('string');
      expect(converted.type).to.equal(undefined);
    });

    it('turns an opaque object into preserve-unknown-fields without additionalProperties', () => {
      expect(convertSchema(OpaqueObject())).to.deep.equal({
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
      });
    });

    it('passes x-kubernetes extensions and CEL rules through', () => {
      const rule = { rule: 'self.a > 0', message: 'a must be positive' };
      const schema = Type.Object(
        { a: Type.Integer() },
        { 'x-kubernetes-validations': [rule], 'x-kubernetes-map-type': 'atomic' },
      );
      const converted = convertSchema(schema);
      expect(converted['x-kubernetes-validations']).to.deep.equal([rule]);
      expect(converted['x-kubernetes-map-type']).to.equal('atomic');
    });

    it('drops boolean additionalProperties and $id', () => {
      const schema = Type.Object({ a: Type.String() }, { additionalProperties: false, $id: 'X' });
      expect(convertSchema(schema)).to.deep.equal({
        type: 'object',
        properties: { a: { type: 'string' } },
        required: ['a'],
      });
    });

    const unsupported: [string, unknown, string][] = [
      ['a union of objects', Type.Union([Type.Object({}), Type.String()]), 'only unions'],
      ['a bare unknown', Type.Object({ x: Type.Unknown() }), '.x: an unconstrained value'],
      ['a tuple', Type.Object({ t: Type.Tuple([Type.String()]) }), '.t'],
      ['exclusiveMinimum', Type.Integer({ exclusiveMinimum: 0 }), 'exclusiveMinimum'],
      ['uniqueItems', Type.Array(Type.String(), { uniqueItems: true }), 'uniqueItems'],
      ['a regex Record key', Type.Record(Type.String({ pattern: '^a' }), Type.String()), 'Record'],
      ['a number literal', Type.Literal(1), 'only string literals'],
      ['a null', Type.Null(), 'unsupported type'],
    ];
    for (const [name, schema, message] of unsupported) {
      it(`rejects ${name}, naming the path`, () => {
        expect(() => convertSchema(schema)).to.throw(message);
      });
    }
  });

  describe('structuralErrors', () => {
    const cases: [string, JSONSchemaProps, string][] = [
      ['a node without type', { type: 'object', properties: { a: {} } }, '.a: type is required'],
      [
        'anyOf other than int-or-string',
        { type: 'object', properties: { a: { anyOf: [{ type: 'string' }], type: 'string' } } },
        '.a: anyOf is only allowed',
      ],
      [
        'int-or-string with a type',
        {
          type: 'object',
          properties: { a: { type: 'string', 'x-kubernetes-int-or-string': true } },
        },
        'must not declare a type',
      ],
      [
        'patternProperties',
        { type: 'object', patternProperties: {} } as JSONSchemaProps,
        'keyword "patternProperties"',
      ],
      [
        'properties with additionalProperties',
        { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
        'mutually exclusive',
      ],
      ['an array without items', { type: 'array' }, 'an array needs items'],
      [
        'a set of objects',
        { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'set' },
        'scalar items',
      ],
      [
        'a map list keyed by an optional field',
        {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' } } },
        },
        'must be required or defaulted',
      ],
      [
        'an enum value of the wrong type',
        { type: 'string', enum: ['a', 1] },
        'enum values must be of type string',
      ],
      ['a default of the wrong type', { type: 'boolean', default: 'no' }, 'default must be'],
      [
        'a CEL fieldPath that does not exist',
        {
          type: 'object',
          properties: { a: { type: 'string' } },
          'x-kubernetes-validations': [{ rule: 'true', fieldPath: '.b' }],
        },
        'fieldPath .b not found',
      ],
      [
        'restrictions on metadata other than name',
        {
          type: 'object',
          properties: {
            metadata: { type: 'object', properties: { labels: { type: 'object' } } },
          },
        },
        'only name and generateName',
      ],
      [
        'a required field that is not a property',
        { type: 'object', properties: {}, required: ['x'] },
        'required "x"',
      ],
    ];
    for (const [name, schema, message] of cases) {
      it(`reports ${name}`, () => {
        expect(structuralErrors(schema).join('\n')).to.include(message);
      });
    }
  });
});
