import { expect } from 'chai';
import {
  buildSecret,
  contentMac,
  desiredShape,
  digestsOf,
  expectedKeys,
  inputHash,
  macEquals,
  ownershipOf,
  renderData,
  shapeInSync,
  toCachedSecret,
} from '../../../controller/sealedsecret/desired.js';
import { sealedSecret } from './fixtures.js';

const label = Buffer.from('prod/db');
const values = (o: Record<string, string>): Map<string, Buffer> =>
  new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));
const text = (m: Map<string, Buffer>): Record<string, string> =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.toString()]));

describe('desired Secret', () => {
  describe('input hash', () => {
    it('is stable under key order and changes with anything the content depends on', () => {
      const base = inputHash(sealedSecret({ encryptedData: { a: '1', b: '2' } }), label);
      expect(inputHash(sealedSecret({ encryptedData: { b: '2', a: '1' } }), label)).to.equal(base);
      const variants = [
        inputHash(sealedSecret({ encryptedData: { a: '1', b: '3' } }), label),
        inputHash(sealedSecret({ encryptedData: { a: '1', b: '2' } }), Buffer.from('prod')),
        inputHash(sealedSecret({ encryptedData: { a: '1', b: '2' }, uid: 'uid-2' }), label),
        inputHash(
          sealedSecret({ encryptedData: { a: '1', b: '2' }, template: { type: 'x' } }),
          label,
        ),
        inputHash(
          sealedSecret({
            encryptedData: { a: '1', b: '2' },
            template: { data: { c: '{{ .a }}' } },
          }),
          label,
        ),
      ];
      expect(new Set([base, ...variants]).size).to.equal(6);
    });
  });

  describe('content MAC', () => {
    const key = Buffer.alloc(32, 7);
    it('binds the input hash to every produced item', () => {
      const d = digestsOf({ a: 'YQ==', b: 'Yg==' });
      const mac = contentMac(key, 'h', d);
      expect(macEquals(mac, contentMac(key, 'h', digestsOf({ b: 'Yg==', a: 'YQ==' })))).to.equal(
        true,
      );
      expect(macEquals(mac, contentMac(key, 'h2', d))).to.equal(false);
      expect(macEquals(mac, contentMac(key, 'h', digestsOf({ a: 'YQ==', b: 'Yw==' })))).to.equal(
        false,
      );
      expect(macEquals(mac, contentMac(key, 'h', digestsOf({ a: 'YQ==' })))).to.equal(false);
      expect(macEquals(mac, contentMac(Buffer.alloc(32, 8), 'h', d))).to.equal(false);
      expect(macEquals(undefined, mac)).to.equal(false);
    });
    it('is verifiable from the cached (data-free) Secret', () => {
      const cached = toCachedSecret({
        metadata: { name: 's', namespace: 'n' },
        data: { a: 'YQ==' },
      });
      expect(cached).to.not.have.property('data');
      expect(cached.dataDigests).to.deep.equal(digestsOf({ a: 'YQ==' }));
    });
  });

  describe('template data (Bitnami 0.40 rules)', () => {
    it('renders templates over decrypted items and plain template values', () => {
      const ss = sealedSecret({
        template: { data: { url: '{{ .user }}@{{ .host }}', host: 'db.local' } },
      });
      expect(text(renderData(ss, values({ user: 'u' })))).to.deep.equal({
        user: 'u',
        url: 'u@db.local',
        host: 'db.local',
      });
    });
    it('lets encrypted items win over a template of the same name', () => {
      const ss = sealedSecret({ template: { data: { user: 'overridden' } } });
      expect(text(renderData(ss, values({ user: 'u' })))).to.deep.equal({ user: 'u' });
    });
    it('omits an encrypted item whose template value is null, but keeps it for templates', () => {
      const ss = sealedSecret({ template: { data: { raw: null, wrapped: 'x{{ .raw }}x' } } });
      expect(text(renderData(ss, values({ raw: 'r' })))).to.deep.equal({ wrapped: 'xrx' });
      expect(expectedKeys(ss)).to.deep.equal(['a', 'b', 'wrapped']);
    });
  });

  describe('shape', () => {
    it('copies template labels, annotations and finalizers, forces name and namespace, adds the ownerReference', () => {
      const ss = sealedSecret({
        template: {
          metadata: {
            name: 'ignored',
            namespace: 'ignored',
            labels: { a: '1' },
            annotations: { n: 'x' },
            finalizers: ['f'],
            creationTimestamp: null,
          },
          type: 'kubernetes.io/tls',
          immutable: true,
        },
      });
      const shape = desiredShape(ss);
      const s = buildSecret(ss, shape, values({ k: 'v' }), {
        inputHash: 'h',
        fingerprint: 'fp',
        mac: 'm',
      });
      expect(s.metadata?.name).to.equal('db');
      expect(s.metadata?.namespace).to.equal('prod');
      expect(s.metadata?.labels).to.deep.equal({ a: '1', 'tenantry.io/unsealed': 'true' });
      expect(s.metadata?.annotations).to.deep.equal({
        n: 'x',
        'tenantry.io/sealed-input-hash': 'h',
        'tenantry.io/sealed-key-fingerprint': 'fp',
        'tenantry.io/sealed-content-mac': 'm',
      });
      expect(s.metadata?.finalizers).to.deep.equal(['f']);
      expect(s.metadata?.ownerReferences).to.deep.equal([
        {
          apiVersion: 'bitnami.com/v1alpha1',
          kind: 'SealedSecret',
          name: 'db',
          uid: 'uid-1',
          controller: true,
        },
      ]);
      expect(s.type).to.equal('kubernetes.io/tls');
      expect(s.immutable).to.equal(true);
      expect(s.data).to.deep.equal({ k: 'dg==' });
    });
    it('sets no ownerReference with skip-set-owner-references, and defaults the type to Opaque', () => {
      const ss = sealedSecret({
        template: {
          metadata: {
            annotations: { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true' },
          },
        },
      });
      const shape = desiredShape(ss);
      expect(shape.ownerReferences).to.deep.equal([]);
      expect(shape.type).to.equal('Opaque');
    });
    it("tolerates others' extra labels but not a changed type or a missing ownerReference", () => {
      const ss = sealedSecret();
      const shape = desiredShape(ss);
      const actual = toCachedSecret(
        buildSecret(ss, shape, values({}), { inputHash: 'h', fingerprint: 'f', mac: 'm' }),
      );
      expect(shapeInSync(shape, actual, 'owned')).to.equal(true);
      const extra = {
        ...actual,
        metadata: { ...actual.metadata, labels: { ...actual.metadata?.labels, other: 'x' } },
      };
      expect(shapeInSync(shape, extra, 'owned')).to.equal(true);
      expect(shapeInSync(shape, { ...actual, type: 'kubernetes.io/tls' }, 'owned')).to.equal(false);
      expect(
        shapeInSync(
          shape,
          { ...actual, metadata: { ...actual.metadata, ownerReferences: [] } },
          'owned',
        ),
      ).to.equal(false);
      expect(
        shapeInSync(
          shape,
          { ...actual, metadata: { ...actual.metadata, ownerReferences: [] }, type: 'x' },
          'patch',
        ),
      ).to.equal(true);
    });
  });

  describe('ownership (Bitnami rules)', () => {
    const ss = sealedSecret();
    const secret = (meta: Record<string, unknown>): Parameters<typeof ownershipOf>[0] => ({
      metadata: meta,
    });
    it('owned when controlled by this SealedSecret (same UID)', () => {
      expect(
        ownershipOf(
          secret({
            ownerReferences: [
              { apiVersion: 'v', kind: 'SealedSecret', name: 'db', uid: 'uid-1', controller: true },
            ],
          }),
          ss,
          false,
        ),
      ).to.equal('owned');
      expect(
        ownershipOf(
          secret({
            ownerReferences: [
              { apiVersion: 'v', kind: 'SealedSecret', name: 'db', uid: 'old', controller: true },
            ],
          }),
          ss,
          false,
        ),
      ).to.equal('unmanaged');
    });
    it('patch and managed by annotation, otherwise unmanaged', () => {
      expect(
        ownershipOf(
          secret({ annotations: { 'sealedsecrets.bitnami.com/patch': 'true' } }),
          ss,
          false,
        ),
      ).to.equal('patch');
      expect(
        ownershipOf(
          secret({ annotations: { 'sealedsecrets.bitnami.com/managed': 'true' } }),
          ss,
          false,
        ),
      ).to.equal('managed');
      expect(
        ownershipOf(
          secret({ annotations: { 'sealedsecrets.bitnami.com/managed': 'yes' } }),
          ss,
          false,
        ),
      ).to.equal('unmanaged');
    });
    it('owned without ownerReference only with skip-set-owner-references and a valid MAC', () => {
      const skip = sealedSecret({
        template: {
          metadata: {
            annotations: { 'sealedsecrets.bitnami.com/skip-set-owner-references': 'true' },
          },
        },
      });
      expect(ownershipOf(secret({}), skip, true)).to.equal('owned');
      expect(ownershipOf(secret({}), skip, false)).to.equal('unmanaged');
      expect(ownershipOf(secret({}), ss, true)).to.equal('unmanaged');
    });
  });
});
