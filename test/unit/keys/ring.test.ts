import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { KeyRing } from '../../../controller/keys/ring.js';
import {
  buildKeySecret,
  parseKeySecret,
  parseKeyValueList,
} from '../../../controller/keys/secret.js';
import type { SealingKeyPair } from '../../../crypto/keys.js';
import { keySecret, makeKey } from './fixtures.js';

describe('key ring', () => {
  let older: SealingKeyPair;
  let newer: SealingKeyPair;
  let third: SealingKeyPair;
  before(async () => {
    [older, newer, third] = await Promise.all([
      makeKey(new Date('2024-01-01T00:00:00Z')),
      makeKey(new Date('2024-02-01T00:00:00Z')),
      makeKey(new Date('2024-03-01T00:00:00Z')),
    ]);
  });

  it('orders keys newest first by certificate NotBefore, whatever the list order', () => {
    const ring = new KeyRing();
    ring.replace([keySecret(newer), keySecret(older), keySecret(third)]);
    expect(ring.all().map((k) => k.fingerprint)).to.deep.equal(
      [third, newer, older].map((k) => k.fingerprint),
    );
    expect(ring.newest()?.fingerprint).to.equal(third.fingerprint);
  });

  it('orders by Secret creation time with --key-order-priority=SecretCreationTimestamp', () => {
    const ring = new KeyRing({ orderPriority: 'SecretCreationTimestamp' });
    ring.replace([
      keySecret(third, { created: '2023-01-01T00:00:00Z' }),
      keySecret(older, { created: '2025-01-01T00:00:00Z' }),
    ]);
    expect(ring.newest()?.fingerprint).to.equal(older.fingerprint);
  });

  it('puts hinted keys first, then the rest newest first', () => {
    const ring = new KeyRing();
    ring.replace([keySecret(older), keySecret(newer), keySecret(third)]);
    expect(
      ring.ordered(older.fingerprint, 'SHA256:unknown').map((k) => k.fingerprint),
    ).to.deep.equal([older, third, newer].map((k) => k.fingerprint));
  });

  it('skips keys not labelled active (compromised) and loads the legacy unlabelled key', () => {
    const ring = new KeyRing({ legacyName: 'sealed-secrets-key' });
    ring.replace([
      keySecret(older, { label: 'compromised' }),
      keySecret(newer, { name: 'sealed-secrets-key', label: null }),
      keySecret(third, { name: 'unrelated', label: null }),
    ]);
    expect(ring.all().map((k) => k.fingerprint)).to.deep.equal([newer.fingerprint]);
  });

  it('records malformed key Secrets instead of throwing', () => {
    const ring = new KeyRing();
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const bad = [
      keySecret(
        { privateKeyPem: 'garbage', certificatePem: older.certificatePem },
        { name: 'bad-pem' },
      ),
      keySecret(
        {
          privateKeyPem: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          certificatePem: older.certificatePem,
        },
        { name: 'ec' },
      ),
      keySecret({ privateKeyPem: older.privateKeyPem, certificatePem: '' }, { name: 'empty' }),
      keySecret(
        { privateKeyPem: older.privateKeyPem, certificatePem: newer.certificatePem },
        { name: 'mismatch' },
      ),
    ];
    ring.replace([...bad, keySecret(third)]);
    expect(ring.size()).to.equal(1);
    expect(ring.rejectedKeys().map((r) => [r.secretName, r.reason])).to.deep.equal([
      ['bad-pem', 'tls.key: no PEM private key block found'],
      ['ec', 'tls.key: private key is not an RSA key'],
      ['empty', 'tls.crt is missing or empty'],
      ['mismatch', 'tls.crt does not belong to the private key in tls.key'],
    ]);
  });

  it('notifies listeners only when the set of keys changes', () => {
    const ring = new KeyRing();
    let calls = 0;
    ring.onChange(() => calls++);
    ring.replace([keySecret(older, { name: 'a' })]);
    ring.replace([keySecret(older, { name: 'a', rv: '2' })]);
    expect(calls).to.equal(1);
    ring.replace([keySecret(older, { name: 'a' }), keySecret(newer, { name: 'b' })]);
    ring.replace([keySecret(newer, { name: 'b' })]);
    expect(calls).to.equal(3);
  });

  it('keeps a locally minted key until the informer delivers it', () => {
    const ring = new KeyRing();
    ring.replace([keySecret(older)]);
    const parsed = parseKeySecret(keySecret(newer));
    if (!parsed.ok) throw new Error(parsed.reason);
    ring.addLocal(parsed.key);
    ring.replace([keySecret(older)]);
    expect(ring.newest()?.fingerprint).to.equal(newer.fingerprint);
    ring.replace([keySecret(older), keySecret(newer)]);
    expect(ring.size()).to.equal(2);
  });

  it('derives a distinct, stable MAC key per sealing key', () => {
    const ring = new KeyRing();
    ring.replace([keySecret(older), keySecret(newer)]);
    const [a, b] = ring.all();
    expect(ring.macKey(a!)).to.deep.equal(ring.macKey(a!));
    expect(ring.macKey(a!).equals(ring.macKey(b!))).to.equal(false);
    expect(ring.macKey(a!)).to.have.length(32);
  });

  it('builds key Secrets the way Bitnami does', () => {
    const s = buildKeySecret({
      namespace: 'kube-system',
      prefix: 'sealed-secrets-key',
      privateKeyPem: 'K',
      certificatePem: 'C',
      labels: { team: 'x', 'sealedsecrets.bitnami.com/sealed-secrets-key': 'no' },
    });
    expect(s.metadata).to.deep.equal({
      generateName: 'sealed-secrets-key',
      namespace: 'kube-system',
      labels: { team: 'x', 'sealedsecrets.bitnami.com/sealed-secrets-key': 'active' },
    });
    expect(s.type).to.equal('kubernetes.io/tls');
    expect(s.data).to.deep.equal({ 'tls.crt': 'Qw==', 'tls.key': 'Sw==' });
    expect(parseKeyValueList('a=1, b=x=y,,')).to.deep.equal({ a: '1', b: 'x=y' });
    expect(() => parseKeyValueList('novalue')).to.throw('invalid key=value pair');
  });
});
