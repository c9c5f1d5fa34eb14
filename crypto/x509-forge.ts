// Certificate assembly with node-forge. Node can parse X.509 but not write it. Only the DER
// structure comes from forge; the signature is made by OpenSSL (crypto.sign), since forge's JS
// RSA signing with a 4096-bit key is slow. Imported lazily by keys.ts.
import { sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** Input of {@link selfSignedCertificatePem}. */
export interface SelfSignedInput {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  /** '' gives an empty subject and issuer DN. */
  readonly commonName: string;
  /** Minimal positive DER INTEGER content, hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

// Declared here because @types/node-forge omits it.
interface PkiInternals {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** A self-signed sealing certificate (see `generateSealingKey` for its properties), as PEM. */
export function selfSignedCertificatePem(input: SelfSignedInput): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    input.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = input.serialNumber;
  cert.validity.notBefore = input.notBefore;
  cert.validity.notAfter = input.notAfter;
  const dn = input.commonName === '' ? [] : [{ name: 'commonName', value: input.commonName }];
  cert.setSubject(dn);
  cert.setIssuer(dn);
  cert.setExtensions([
    // Encipher Only: the key exists to unwrap session keys; Bitnami sets exactly this bit.
    { name: 'keyUsage', critical: true, encipherOnly: true },
    { name: 'basicConstraints', critical: true, cA: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const algorithmOid = forge.pki.oids['sha256WithRSAEncryption'] ?? '1.2.840.113549.1.1.11';
  cert.signatureOid = algorithmOid;
  cert.siginfo.algorithmOid = algorithmOid;
  cert.tbsCertificate = (forge.pki as unknown as PkiInternals).getTBSCertificate(cert);
  const tbsDer = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbsDer, input.privateKey).toString('binary');
  return forge.pki.certificateToPem(cert);
}
