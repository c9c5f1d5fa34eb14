import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import forge from 'node-forge';
import {
  assertCertificateCurrent,
  formatGoLongDate,
  loadSealingCertificate,
  parseSealingCertificate,
} from '../../../crypto/certificate.js';
import { isCryptoError, type CryptoErrorCode } from '../../../crypto/errors.js';
import { publicKeyFingerprint } from '../../../crypto/fingerprint.js';
import { hybridDecrypt, hybridEncrypt } from '../../../crypto/hybrid.js';
import { generateSealingKey, randomSerialHex, type SealingKeyPair } from '../../../crypto/keys.js';
import { loadPrivateKey, loadPrivateKeys } from '../../../crypto/private-key.js';
import { EC_CERT_PEM, TEST_KEY_PEM, TEST_PRIVATE_KEY, TEST_PUBLIC_KEY, toPem } from './fixtures.js';

function cryptoErrorOf(fn: () => unknown): { code: CryptoErrorCode; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCryptoError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a CryptoError');
}

describe('crypto/keys and crypto/certificate', () => {
  const now = new Date('2026-01-15T10:20:30Z');
  let pair: SealingKeyPair;

  before(async () => {
    // The one RSA-2048 key of this file.
    pair = await generateSealingKey({ bits: 2048, now, ttlMs: 24 * 3_600_000 });
  });

  describe('generateSealingKey: Bitnami certificate properties', () => {
    it('writes PKCS#1 PEM for the key and a self-signed certificate', () => {
      expect(pair.privateKeyPem.split('\n')[0]).to.equal('-----BEGIN RSA ' + 'PRIVATE KEY-----');
      const x509 = new X509Certificate(pair.certificatePem);
      // (checkIssued would be false: OpenSSL wants keyCertSign, and Bitnami sets Encipher Only.)
      expect(x509.issuer).to.equal(x509.subject);
      expect(x509.verify(x509.publicKey)).to.equal(true);
    });

    it('has SHA256WithRSA, an empty DN, the requested validity and a 128-bit positive serial', () => {
      const cert = forge.pki.certificateFromPem(pair.certificatePem);
      expect(cert.siginfo.algorithmOid).to.equal(forge.pki.oids['sha256WithRSAEncryption']);
      expect(cert.subject.attributes).to.deep.equal([]);
      expect(cert.issuer.attributes).to.deep.equal([]);
      expect(cert.validity.notBefore.toISOString()).to.equal('2026-01-15T10:20:30.000Z');
      expect(cert.validity.notAfter.toISOString()).to.equal('2026-01-16T10:20:30.000Z');
      expect(cert.version).to.equal(2);
      const serial = BigInt('0x' + cert.serialNumber);
      expect(serial > 0n && serial < 2n ** 128n).to.equal(true);
    });

    it('marks KeyUsage Encipher Only and BasicConstraints CA:TRUE critical', () => {
      const cert = forge.pki.certificateFromPem(pair.certificatePem);
      const keyUsage = cert.getExtension('keyUsage') as Record<string, unknown>;
      expect(keyUsage).to.include({ critical: true, encipherOnly: true, digitalSignature: false });
      expect(cert.getExtension('basicConstraints')).to.include({ critical: true, cA: true });
      expect(cert.getExtension('extKeyUsage')).to.equal(null);
      expect(cert.getExtension('subjectAltName')).to.equal(null);
    });

    it('puts the common name into subject and issuer when given', async () => {
      const named = await generateSealingKey({ bits: 1024, commonName: 'sealed-secrets' });
      const x509 = new X509Certificate(named.certificatePem);
      expect(x509.subject).to.equal('CN=sealed-secrets');
      expect(x509.issuer).to.equal('CN=sealed-secrets');
    });

    it('defaults to 4096 bits and 10 years', async function () {
      this.timeout(60_000);
      const big = await generateSealingKey({ now });
      const cert = parseSealingCertificate(big.certificatePem);
      expect(cert.modulusBits).to.equal(4096);
      expect(cert.notAfter.getTime() - now.getTime()).to.equal(87_600 * 3_600_000);
    });

    it('randomSerialHex is minimal positive DER content', () => {
      for (let i = 0; i < 200; i++) {
        const hex = randomSerialHex();
        expect(hex.length % 2).to.equal(0);
        const first = parseInt(hex.slice(0, 2), 16);
        if (first === 0) expect(parseInt(hex.slice(2, 4), 16)).to.be.at.least(0x80);
        else expect(first).to.be.below(0x80);
      }
    });

    it('the generated pair seals and unseals', async () => {
      const cert = loadSealingCertificate(pair.certificatePem, now);
      const key = loadPrivateKey(pair.privateKeyPem);
      const blob = await hybridEncrypt(cert.publicKey, Buffer.from('x'), Buffer.from('a/b'));
      expect(hybridDecrypt(key, blob, Buffer.from('a/b')).toString()).to.equal('x');
      expect(cert.fingerprint).to.equal(pair.fingerprint);
    });
  });

  describe('certificate checks (kubeseal ParseKey + tenantry extras)', () => {
    it('reads validity and size', () => {
      const cert = parseSealingCertificate(pair.certificatePem);
      expect(cert.modulusBits).to.equal(2048);
      expect(cert.notBefore.toISOString()).to.equal('2026-01-15T10:20:30.000Z');
      expect(cert.notAfter.toISOString()).to.equal('2026-01-16T10:20:30.000Z');
    });

    it("rejects an expired certificate with kubeseal's message", () => {
      const cert = parseSealingCertificate(pair.certificatePem);
      expect(() => assertCertificateCurrent(cert, new Date('2026-01-16T10:20:30Z'))).to.not.throw();
      const err = cryptoErrorOf(() =>
        loadSealingCertificate(pair.certificatePem, new Date('2026-01-16T10:20:31Z')),
      );
      expect(err).to.deep.equal({
        code: 'CERT_EXPIRED',
        message: 'failed to encrypt using an expired certificate on January 16, 2026',
      });
    });

    it('does not check NotBefore (clock skew must not block sealing)', () => {
      expect(() =>
        loadSealingCertificate(pair.certificatePem, new Date('2020-01-01T00:00:00Z')),
      ).to.not.throw();
    });

    it('rejects a non-RSA certificate', () => {
      const err = cryptoErrorOf(() => parseSealingCertificate(EC_CERT_PEM));
      expect(err.code).to.equal('CERT_NOT_RSA');
      expect(err.message).to.equal('expected RSA public key but found ec public key (prime256v1)');
    });

    it('rejects RSA keys below 2048 bits', async () => {
      const small = await generateSealingKey({ bits: 1024 });
      const err = cryptoErrorOf(() => parseSealingCertificate(small.certificatePem));
      expect(err.code).to.equal('KEY_TOO_SMALL');
      expect(err.message).to.match(/1024 bits, at least 2048/);
    });

    it('uses the first certificate of a bundle', () => {
      const bundle = 'comment\n' + pair.certificatePem + EC_CERT_PEM;
      expect(parseSealingCertificate(bundle).fingerprint).to.equal(pair.fingerprint);
    });

    it('names a missing or broken certificate', () => {
      expect(cryptoErrorOf(() => parseSealingCertificate('hello')).code).to.equal(
        'INVALID_CERTIFICATE',
      );
      const broken = toPem('CERTIFICATE', 'AAAA');
      expect(cryptoErrorOf(() => parseSealingCertificate(broken)).message).to.equal(
        'cannot parse the certificate',
      );
    });

    it('formats dates like Go\'s "January 2, 2006"', () => {
      expect(formatGoLongDate(new Date('2027-06-18T23:59:59Z'))).to.equal('June 18, 2027');
      expect(formatGoLongDate(new Date('2006-01-02T00:00:00Z'))).to.equal('January 2, 2006');
    });
  });

  describe('private keys and fingerprints', () => {
    it('loads PKCS#1 and PKCS#8 and fingerprints them alike', () => {
      const pkcs8 = TEST_PRIVATE_KEY.export({ type: 'pkcs8', format: 'pem' }).toString();
      expect(publicKeyFingerprint(loadPrivateKey(TEST_KEY_PEM))).to.equal(
        publicKeyFingerprint(loadPrivateKey(pkcs8)),
      );
    });

    it('matches ssh-keygen -l for the reference key', () => {
      // ssh-keygen -lf on the reference key's public half printed this.
      const expected = 'SHA256:YihFrEl3po+jhKrQJRura/PNIaFg27cr2btBIwNLLcg';
      expect(publicKeyFingerprint(TEST_PUBLIC_KEY)).to.equal(expected);
      expect(publicKeyFingerprint(TEST_PRIVATE_KEY)).to.equal(expected);
    });

    it("rejects a non-RSA private key with Bitnami's message", () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      for (const type of ['pkcs8', 'sec1'] as const) {
        const pem = ec.export({ type, format: 'pem' }).toString();
        expect(cryptoErrorOf(() => loadPrivateKey(pem))).to.deep.equal({
          code: 'KEY_NOT_RSA',
          message: 'private key is not an RSA key',
        });
      }
    });

    it('names missing and unparsable keys', () => {
      expect(cryptoErrorOf(() => loadPrivateKey(pair.certificatePem)).code).to.equal('INVALID_KEY');
      expect(
        cryptoErrorOf(() => loadPrivateKey(toPem('RSA ' + 'PRIVATE KEY', 'AAAA'))).message,
      ).to.equal('cannot parse the private key');
    });

    it('loads every key of a bundle in order', () => {
      const keys = loadPrivateKeys(pair.privateKeyPem + pair.certificatePem + TEST_KEY_PEM);
      expect(keys.map(publicKeyFingerprint)).to.deep.equal([
        pair.fingerprint,
        publicKeyFingerprint(TEST_PRIVATE_KEY),
      ]);
    });
  });
});
