import { constants, createCipheriv, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { expect } from 'chai';
import { decodeBase64Std, encodeBase64Std } from '../../../crypto/base64.js';
import { isCryptoError, type CryptoErrorCode } from '../../../crypto/errors.js';
import { hybridDecrypt, hybridEncrypt } from '../../../crypto/hybrid.js';
import { randomSourceFromBytes } from '../../../crypto/random.js';
import { sealValue, unsealValue } from '../../../crypto/value.js';
import {
  TEST_PRIVATE_KEY,
  TEST_PUBLIC_KEY,
  VECTOR_A,
  VECTOR_A_RANDOM,
  VECTOR_B,
  VECTOR_C,
  VECTOR_D,
} from './fixtures.js';

const STRICT = Buffer.from('myns/mysecret');
// One unrelated RSA-2048 key per file (keygen is slow).
const OTHER_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const BAR = Buffer.from('bar');

function expectCryptoError(fn: () => unknown, code: CryptoErrorCode, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isCryptoError(thrown, code), `expected ${code}, got ${String(thrown)}`).to.equal(true);
  if (message) expect((thrown as Error).message).to.match(message);
}

/** Flips one bit of the byte at `offset`. */
function flip(blob: Buffer, offset: number): Buffer {
  const copy = Buffer.from(blob);
  copy[offset] = (copy[offset] ?? 0) ^ 0x01;
  return copy;
}

describe('crypto/hybrid: Bitnami wire format', () => {
  describe('reference vectors (spec §4)', () => {
    it('reproduces Vector A byte for byte from the injected random stream', async () => {
      const blob = await hybridEncrypt(TEST_PUBLIC_KEY, BAR, STRICT, {
        random: randomSourceFromBytes(VECTOR_A_RANDOM),
      });
      expect(encodeBase64Std(blob)).to.equal(VECTOR_A);
      expect(blob.length).to.equal(277);
      expect(blob.subarray(0, 2).toString('hex')).to.equal('0100');
      expect(blob.subarray(258).toString('hex')).to.equal('6cddc7b232f732dccdef9837bfe6a3dd78a06f');
    });

    it('reproduces Vector A through sealValue (base64 layer)', async () => {
      const sealed = await sealValue({
        publicKey: TEST_PUBLIC_KEY,
        plaintext: BAR,
        label: STRICT,
        random: randomSourceFromBytes(VECTOR_A_RANDOM),
      });
      expect(sealed).to.equal(VECTOR_A);
    });

    const cases: [string, string, string][] = [
      ['A (deterministic, strict)', VECTOR_A, 'myns/mysecret'],
      ['B (random, strict)', VECTOR_B, 'myns/mysecret'],
      ['C (namespace-wide)', VECTOR_C, 'myns'],
      ['D (cluster-wide)', VECTOR_D, ''],
    ];
    for (const [name, vector, label] of cases) {
      it(`decrypts Vector ${name} to "bar"`, () => {
        const plaintext = hybridDecrypt(
          TEST_PRIVATE_KEY,
          decodeBase64Std(vector),
          Buffer.from(label),
        );
        expect(plaintext.toString()).to.equal('bar');
      });
    }

    it('rejects every vector under a label it was not sealed with', () => {
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, decodeBase64Std(VECTOR_B), Buffer.from('myns')),
        'RSA_DECRYPT',
      );
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, decodeBase64Std(VECTOR_C), Buffer.from('')),
        'RSA_DECRYPT',
      );
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, decodeBase64Std(VECTOR_D), Buffer.from('myns')),
        'RSA_DECRYPT',
      );
    });
  });

  describe('round trips', () => {
    it('random encryptions differ but all decrypt', async () => {
      const one = await hybridEncrypt(TEST_PUBLIC_KEY, BAR, STRICT);
      const two = await hybridEncrypt(TEST_PUBLIC_KEY, BAR, STRICT);
      expect(one.equals(two)).to.equal(false);
      expect(hybridDecrypt(TEST_PRIVATE_KEY, one, STRICT).toString()).to.equal('bar');
      expect(hybridDecrypt(TEST_PRIVATE_KEY, two, STRICT).toString()).to.equal('bar');
    });

    it('handles empty and binary plaintexts; length is 2 + N + len + 16', async () => {
      for (const plaintext of [
        Buffer.alloc(0),
        Buffer.from([0, 255, 10, 13]),
        Buffer.alloc(70_000, 7),
      ]) {
        const blob = await hybridEncrypt(TEST_PUBLIC_KEY, plaintext, STRICT);
        expect(blob.length).to.equal(2 + 256 + plaintext.length + 16);
        expect(hybridDecrypt(TEST_PRIVATE_KEY, blob, STRICT).equals(plaintext)).to.equal(true);
      }
    });

    it("opens a blob with a 16-byte session key (AES-128-GCM), as Go's aes.NewCipher would", () => {
      const sessionKey = Buffer.alloc(16, 9);
      const rsaPart = publicEncrypt(
        {
          key: TEST_PUBLIC_KEY,
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: 'sha256',
          oaepLabel: STRICT,
        },
        sessionKey,
      );
      const cipher = createCipheriv('aes-128-gcm', sessionKey, Buffer.alloc(12));
      const body = Buffer.concat([cipher.update(BAR), cipher.final(), cipher.getAuthTag()]);
      const blob = Buffer.concat([Buffer.from([0x01, 0x00]), rsaPart, body]);
      expect(hybridDecrypt(TEST_PRIVATE_KEY, blob, STRICT).toString()).to.equal('bar');
    });

    it('a random source that runs dry fails instead of reusing bytes', async () => {
      let error: unknown;
      try {
        await hybridEncrypt(TEST_PUBLIC_KEY, BAR, STRICT, {
          random: randomSourceFromBytes(new Uint8Array(40)),
        });
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(RangeError);
    });
  });

  describe('tampering and truncation give specific errors', () => {
    const blob = decodeBase64Std(VECTOR_A);

    it('a flipped bit in the RSA part fails OAEP', () => {
      for (const offset of [2, 100, 257]) {
        expectCryptoError(
          () => hybridDecrypt(TEST_PRIVATE_KEY, flip(blob, offset), STRICT),
          'RSA_DECRYPT',
        );
      }
    });

    it('a flipped bit in the AES ciphertext fails GCM', () => {
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, flip(blob, 258), STRICT),
        'AES_DECRYPT',
        /ciphertext or the GCM tag was modified/,
      );
    });

    it('a flipped bit in the tag fails GCM', () => {
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, flip(blob, blob.length - 1), STRICT),
        'AES_DECRYPT',
      );
    });

    it('a changed length prefix makes the blob too short or misaligned', () => {
      const longer = Buffer.from(blob);
      longer.writeUInt16BE(0x0200, 0);
      expectCryptoError(() => hybridDecrypt(TEST_PRIVATE_KEY, longer, STRICT), 'TOO_SHORT');
      const shorter = Buffer.from(blob);
      shorter.writeUInt16BE(0x00ff, 0);
      expectCryptoError(() => hybridDecrypt(TEST_PRIVATE_KEY, shorter, STRICT), 'RSA_DECRYPT');
    });

    it('truncation below 2 bytes and below N + 2 is TOO_SHORT', () => {
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, Buffer.alloc(0), STRICT),
        'TOO_SHORT',
      );
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, blob.subarray(0, 1), STRICT),
        'TOO_SHORT',
        /too short: 1 byte/,
      );
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, blob.subarray(0, 257), STRICT),
        'TOO_SHORT',
        /announces a 256-byte RSA part/,
      );
    });

    it('truncation inside the AES part fails GCM (tag missing or wrong)', () => {
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, blob.subarray(0, 258 + 10), STRICT),
        'AES_DECRYPT',
        /shorter than the 16-byte GCM tag/,
      );
      expectCryptoError(
        () => hybridDecrypt(TEST_PRIVATE_KEY, blob.subarray(0, blob.length - 1), STRICT),
        'AES_DECRYPT',
      );
    });

    it('a wrong private key fails OAEP', () => {
      expectCryptoError(
        () => hybridDecrypt(OTHER_KEY, blob, STRICT),
        'RSA_DECRYPT',
        /wrong private key/,
      );
    });
  });

  describe('unsealValue with several keys', () => {
    const other = OTHER_KEY;

    it('finds the key that opens the value and reports its index', () => {
      const result = unsealValue({
        privateKeys: [other, TEST_PRIVATE_KEY],
        value: VECTOR_B,
        label: STRICT,
      });
      expect(result.plaintext.toString()).to.equal('bar');
      expect(result.keyIndex).to.equal(1);
    });

    it('reports RSA_DECRYPT naming how many keys were tried', () => {
      expectCryptoError(
        () =>
          unsealValue({
            privateKeys: [other, TEST_PRIVATE_KEY],
            value: VECTOR_B,
            label: Buffer.from('x/y'),
          }),
        'RSA_DECRYPT',
        /tried 2 keys/,
      );
    });

    it('reports tampering (AES_DECRYPT) once a key opens the session key', () => {
      const tampered = encodeBase64Std(flip(decodeBase64Std(VECTOR_B), 260));
      expectCryptoError(
        () =>
          unsealValue({ privateKeys: [other, TEST_PRIVATE_KEY], value: tampered, label: STRICT }),
        'AES_DECRYPT',
      );
    });

    it('rejects invalid base64 before trying keys', () => {
      expectCryptoError(
        () =>
          unsealValue({
            privateKeys: [TEST_PRIVATE_KEY],
            value: VECTOR_B.slice(0, -2),
            label: STRICT,
          }),
        'INVALID_BASE64',
      );
    });

    it('with no keys at all it fails with RSA_DECRYPT', () => {
      expectCryptoError(
        () => unsealValue({ privateKeys: [], value: VECTOR_B, label: STRICT }),
        'RSA_DECRYPT',
      );
    });
  });
});
