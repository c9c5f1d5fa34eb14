/**
 * A tiny CA for the local control plane: the API server's serving certificate, client
 * certificates for the admin and for test users (CN = user, one O per group), and the
 * service-account signing key. Keys come from Node's crypto (native, fast); node-forge only
 * builds and signs the X.509 certificates, which Node cannot do.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A PEM certificate with its PEM private key. */
export interface CertKeyPair {
  certPem: string;
  keyPem: string;
}

/** The harness CA; it signs serving and client certificates. */
export interface CertificateAuthority extends CertKeyPair {
  sign(options: SignOptions): CertKeyPair;
}

/** What a certificate is for. */
export interface SignOptions {
  commonName: string;
  organizations?: string[];
  /** Serving certificates: DNS names and IP addresses. */
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client';
  validDays?: number;
}

function rsaKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

function serial(): string {
  // A positive 128-bit serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number): void {
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
}

/** Creates a self-signed CA valid for `validDays` (default 7, like envtest's). */
export function createCA(commonName = 'tenantry-test-ca', validDays = 7): CertificateAuthority {
  const keys = rsaKeyPair();
  const caKey = forge.pki.privateKeyFromPem(keys.privatePem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  validity(cert, validDays);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  const caCert = cert;
  return {
    certPem: forge.pki.certificateToPem(caCert),
    keyPem: keys.privatePem,
    sign: (options) => signWith(caCert, caKey, options),
  };
}

function signWith(
  caCert: forge.pki.Certificate,
  caKey: forge.pki.rsa.PrivateKey,
  options: SignOptions,
): CertKeyPair {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  validity(cert, options.validDays ?? 7);
  cert.setSubject([
    { name: 'commonName', value: options.commonName },
    // Kubernetes reads every O attribute as a group.
    ...(options.organizations ?? []).map((o) => ({ name: 'organizationName', value: o })),
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: options.usage === 'server',
      clientAuth: options.usage === 'client',
    },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** The service-account token signing key pair (PEM). */
export function serviceAccountKeys(): { publicPem: string; privatePem: string } {
  return rsaKeyPair();
}
