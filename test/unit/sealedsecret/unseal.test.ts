import { expect } from 'chai';
import { SessionKeyDecryptor } from '../../../controller/keys/decrypt.js';
import { KeyRing } from '../../../controller/keys/ring.js';
import { unsealItems, UnsealError } from '../../../controller/sealedsecret/unseal.js';
import { parseSealingCertificate } from '../../../crypto/certificate.js';
import type { SealingKeyPair } from '../../../crypto/keys.js';
import { sealValue } from '../../../crypto/value.js';
import { keySecret, makeKey } from '../keys/fixtures.js';
import { TEST_KEY_PEM, VECTOR_A, VECTOR_D } from '../crypto/fixtures.js';

const label = Buffer.from('ns/name');

async function seal(
  pair: SealingKeyPair,
  items: Record<string, string>,
  l = label,
): Promise<Record<string, string>> {
  const { publicKey } = parseSealingCertificate(pair.certificatePem);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(items))
    out[k] = await sealValue({ publicKey, plaintext: Buffer.from(v), label: l });
  return out;
}

describe('unsealing with few RSA operations', () => {
  const keys: SealingKeyPair[] = [];
  let ring: KeyRing;
  before(async () => {
    // 13 keys, one a month: the ring after a year of renewals.
    for (let i = 0; i < 13; i++) keys.push(await makeKey(new Date(Date.UTC(2024, i, 1))));
    ring = new KeyRing();
    ring.replace(keys.map((k) => keySecret(k)));
  });

  it('opens items sealed with the newest key at one RSA operation per item', async () => {
    const decryptor = new SessionKeyDecryptor();
    const items = await seal(keys[12]!, { a: '1', b: '2', c: '3' });
    const out = await unsealItems({ ring, decryptor, items, label, scope: 'test scope' });
    expect(Object.fromEntries([...out.values].map(([k, v]) => [k, v.toString()]))).to.deep.equal({
      a: '1',
      b: '2',
      c: '3',
    });
    expect(out.key?.fingerprint).to.equal(keys[12]!.fingerprint);
    expect(decryptor.count()).to.equal(3);
  });

  it('finds an old key once, then reuses it for the other items', async () => {
    const decryptor = new SessionKeyDecryptor();
    const items = await seal(keys[0]!, { a: '1', b: '2', c: '3' });
    const out = await unsealItems({ ring, decryptor, items, label, scope: 'test scope' });
    expect(out.key?.fingerprint).to.equal(keys[0]!.fingerprint);
    expect(decryptor.count()).to.equal(13 + 2);
  });

  it('tries the hinted key first', async () => {
    const decryptor = new SessionKeyDecryptor();
    const items = await seal(keys[3]!, { a: '1', b: '2', c: '3' });
    await unsealItems({
      ring,
      decryptor,
      items,
      label,
      scope: 'test scope',
      hints: [keys[3]!.fingerprint],
    });
    expect(decryptor.count()).to.equal(3);
  });

  it('fails on the wrong scope with a message naming it, after trying every key once', async () => {
    const decryptor = new SessionKeyDecryptor();
    const items = await seal(keys[12]!, { a: '1' }, Buffer.from('other/name'));
    const err = await unsealItems({
      ring,
      decryptor,
      items,
      label,
      scope: 'strict scope of ns/name',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(UnsealError);
    expect((err as UnsealError).failure).to.equal('DecryptFailed');
    expect((err as UnsealError).message).to.match(
      /^no key could decrypt item "a" \(tried 13 keys\) under the strict scope of ns\/name/,
    );
    expect(decryptor.count()).to.equal(13);
  });

  it('reports tampering, truncation and bad base64 specifically', async () => {
    const decryptor = new SessionKeyDecryptor();
    const items = await seal(keys[12]!, { a: '1' });
    const raw = Buffer.from(items.a!, 'base64');
    raw[raw.length - 3]! ^= 1;
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ a: raw.toString('base64') }, 'Tampered', /item "a" was modified/],
      [{ a: 'AQA=' }, 'InvalidData', /item "a": SealedSecret data is too short/],
      [{ a: 'not base64!' }, 'InvalidData', /item "a":/],
    ];
    for (const [bad, failure, message] of cases) {
      const err = (await unsealItems({ ring, decryptor, items: bad, label, scope: 's' }).catch(
        (e: unknown) => e,
      )) as UnsealError;
      expect(err.failure, failure).to.equal(failure);
      expect(err.message).to.match(message);
    }
  });

  it('opens the reference vectors with the reference key (no certificate needed for decryption)', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const pem = createPrivateKey(TEST_KEY_PEM).export({ type: 'pkcs1', format: 'pem' }).toString();
    const { selfSignedCertificatePem } = await import('../../../crypto/x509-forge.js');
    const { createPublicKey } = await import('node:crypto');
    const cert = selfSignedCertificatePem({
      publicKey: createPublicKey(pem),
      privateKey: createPrivateKey(pem),
      commonName: '',
      serialNumber: '01',
      notBefore: new Date('2020-01-01'),
      notAfter: new Date('2030-01-01'),
    });
    const refRing = new KeyRing();
    refRing.replace([keySecret({ privateKeyPem: pem, certificatePem: cert })]);
    const decryptor = new SessionKeyDecryptor();
    const a = await unsealItems({
      ring: refRing,
      decryptor,
      items: { foo: VECTOR_A },
      label: Buffer.from('myns/mysecret'),
      scope: 's',
    });
    const d = await unsealItems({
      ring: refRing,
      decryptor,
      items: { foo: VECTOR_D },
      label: Buffer.alloc(0),
      scope: 's',
    });
    expect(a.values.get('foo')?.toString()).to.equal('bar');
    expect(d.values.get('foo')?.toString()).to.equal('bar');
  });

  it('needs no key for an empty SealedSecret, but fails clearly without keys otherwise', async () => {
    const decryptor = new SessionKeyDecryptor();
    expect(
      (await unsealItems({ ring: new KeyRing(), decryptor, items: {}, label, scope: 's' })).values
        .size,
    ).to.equal(0);
    const err = (await unsealItems({
      ring: new KeyRing(),
      decryptor,
      items: { a: VECTOR_A },
      label,
      scope: 's',
    }).catch((e: unknown) => e)) as UnsealError;
    expect(err.failure).to.equal('NoKeys');
  });
});
