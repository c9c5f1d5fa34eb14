import { expect } from 'chai';
import { constants, publicEncrypt } from 'node:crypto';
import { SessionKeyDecryptor } from '../../../controller/keys/decrypt.js';
import { parseKeySecret, type SealingKey } from '../../../controller/keys/secret.js';
import { keySecret, makeKey } from './fixtures.js';

describe('SessionKeyDecryptor (RSA-OAEP on the thread pool)', function () {
  this.timeout(30_000);
  let key: SealingKey;
  const label = Buffer.from('ns/name');
  const seal = (plain: Buffer, l: Buffer = label): Buffer =>
    publicEncrypt(
      {
        key: key.publicKey,
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
        oaepLabel: l,
      },
      plain,
    );

  before(async () => {
    const parsed = parseKeySecret(keySecret(await makeKey(new Date())));
    if (!parsed.ok) throw new Error(parsed.reason);
    key = parsed.key;
  });

  for (const copies of [1, 3]) {
    it(`decrypts many session keys in flight at once with ${copies} handle(s) per key`, async () => {
      const d = new SessionKeyDecryptor({ copies });
      const plains = Array.from({ length: 12 }, (_, i) => Buffer.alloc(32, i + 1));
      const out = await Promise.all(plains.map((p) => d.decrypt(key, seal(p), label)));
      expect(out.map((b) => b?.toString('hex'))).to.deep.equal(
        plains.map((p) => p.toString('hex')),
      );
      expect(d.count()).to.equal(12);
    });
  }

  it('answers undefined for a wrong label or a modified ciphertext, and counts every attempt', async () => {
    let ops = 0;
    const d = new SessionKeyDecryptor({ copies: 2, onRsaOperation: () => ops++ });
    const ct = seal(Buffer.alloc(32, 7));
    expect(await d.decrypt(key, ct, Buffer.from('other/name'))).to.equal(undefined);
    const tampered = Buffer.from(ct);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    expect(await d.decrypt(key, tampered, label)).to.equal(undefined);
    expect((await d.decrypt(key, ct, label))?.toString('hex')).to.equal('07'.repeat(32));
    expect([d.count(), ops]).to.deep.equal([3, 3]);
  });
});
