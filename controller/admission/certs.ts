/**
 * Self-managed webhook certificates: a CA and a serving certificate it signs, kept in one Secret
 * in the controller namespace (`ca.crt`, `ca.key`, `ca-bundle.crt`, `tls.crt`, `tls.key`). The
 * leader writes it; every replica serves with it. Keys come from Node's crypto; node-forge only
 * builds and signs the X.509 certificates (Node cannot).
 *
 * Rotation is planned by a pure function ({@link planCertificates}) so it can be tested with a
 * fake clock:
 * 1. the CA is replaced when less than a third of its lifetime is left; the new CA goes into
 *    `ca-bundle.crt` next to the old one (the caBundle of the webhook configurations), while the
 *    serving certificate, signed by the old CA, stays;
 * 2. once the new bundle has been published for `graceMs`, the serving certificate is re-issued
 *    by the new CA — the apiserver trusts both by then, so no handshake fails;
 * 3. the serving certificate is also re-issued when a third of its lifetime is left or its SANs
 *    do not cover the webhook's names; expired CAs leave the bundle.
 */
import { X509Certificate, generateKeyPair, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** The Secret's data, decoded. */
export interface CertificateData {
  readonly 'ca.crt': string;
  readonly 'ca.key': string;
  /** Every CA the webhook configurations trust (the current one first). */
  readonly 'ca-bundle.crt': string;
  readonly 'tls.crt': string;
  readonly 'tls.key': string;
}

/** Names the serving certificate must cover. */
export interface SubjectAltNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** Lifetimes and the clock for {@link planCertificates}. */
export interface CertificatePolicy {
  readonly now: Date;
  /** @default 1095 (3 years) */
  readonly caValidityDays?: number;
  /** @default 365 */
  readonly servingValidityDays?: number;
  /** Time between publishing a new CA and serving with a certificate it signed. @default 60 000 */
  readonly graceMs?: number;
}

/** What {@link planCertificates} decided. */
export type CertificatePlan =
  | { readonly action: 'keep' }
  | {
      readonly action: 'write';
      readonly reason: string;
      readonly data: CertificateData;
      /** When the current CA was introduced (kept in an annotation). */
      readonly caRotatedAt: Date | undefined;
    };

const DAY_MS = 86_400_000;

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** An RSA key pair, generated off the event loop (a 2048-bit key takes up to a second). */
async function keyPair(): Promise<{ publicPem: string; privatePem: string }> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicPem: publicKey, privatePem: privateKey };
}

function baseCert(publicPem: string, now: Date, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = serial();
  // Backdated a minute: clocks of the apiserver and the controller may differ slightly.
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  return cert;
}

/**
 * Signs `cert` (SHA-256 with RSA) with Node's native crypto instead of forge's pure-JS RSA, which
 * blocks the event loop for hundreds of milliseconds per signature on a busy machine — long enough
 * to delay lease renewals and hand-overs. forge only assembles the TBSCertificate and the PEM.
 */
function signWithNode(cert: forge.pki.Certificate, privateKeyPem: string): void {
  const oid = forge.pki.oids['sha256WithRSAEncryption'] ?? '1.2.840.113549.1.1.11';
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // Exported by forge but missing from its type definitions.
  const pki = forge.pki as unknown as {
    getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1;
  };
  const tbs = pki.getTBSCertificate(cert);
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = sign('sha256', der, privateKeyPem).toString('binary');
}

/** Generates a self-signed CA. */
export async function generateCA(
  now: Date,
  validDays: number,
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await keyPair();
  const cert = baseCert(keys.publicPem, now, validDays);
  const subject = [
    { name: 'commonName', value: `tenantry-webhook-ca-${Math.floor(now.getTime() / 1000)}` },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWithNode(cert, keys.privatePem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** Issues a serving certificate for `sans`, signed by `ca`. */
export async function issueServingCert(
  ca: { certPem: string; keyPem: string },
  sans: SubjectAltNames,
  now: Date,
  validDays: number,
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await keyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = baseCert(keys.publicPem, now, validDays);
  cert.setSubject([{ name: 'commonName', value: sans.dnsNames[0] ?? 'tenantry-webhook' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...sans.dnsNames.map((value) => ({ type: 2, value })),
        ...sans.ipAddresses.map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  signWithNode(cert, ca.keyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** Splits a PEM bundle into its certificates. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** True when less than a third of the certificate's lifetime is left at `now`. */
function dueForRenewal(cert: X509Certificate, now: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return to - now.getTime() < (to - from) / 3;
}

function coversSans(cert: X509Certificate, sans: SubjectAltNames): boolean {
  const have = new Set((cert.subjectAltName ?? '').split(/,\s*/));
  return (
    sans.dnsNames.every((d) => have.has(`DNS:${d}`)) &&
    sans.ipAddresses.every((ip) => have.has(`IP Address:${ip}`))
  );
}

async function fresh(
  sans: SubjectAltNames,
  p: Required<CertificatePolicy>,
  reason: string,
): Promise<CertificatePlan> {
  const ca = await generateCA(p.now, p.caValidityDays);
  const tls = await issueServingCert(ca, sans, p.now, p.servingValidityDays);
  return {
    action: 'write',
    reason,
    caRotatedAt: p.now,
    data: {
      'ca.crt': ca.certPem,
      'ca.key': ca.keyPem,
      'ca-bundle.crt': ca.certPem,
      'tls.crt': tls.certPem,
      'tls.key': tls.keyPem,
    },
  };
}

/** What has to happen to the certificate data (pure; see {@link planCertificates}). */
export type CertificateIntent =
  | { readonly kind: 'keep' }
  | { readonly kind: 'fresh'; readonly reason: string }
  | { readonly kind: 'rotate-ca'; readonly unexpired: readonly string[] }
  | { readonly kind: 'reissue' | 'prune'; readonly unexpired: readonly string[] };

interface Parsed {
  readonly ca: X509Certificate;
  readonly tls: X509Certificate;
}

/** The CA and serving certificate, if every field is present and parses. */
function readable(current: Partial<CertificateData>): Parsed | undefined {
  const ca = parse(current['ca.crt'] ?? '');
  const tls = parse(current['tls.crt'] ?? '');
  if (ca === undefined || tls === undefined) return undefined;
  if (current['ca.key'] === undefined || current['tls.key'] === undefined) return undefined;
  return { ca, tls };
}

function needsReissue(
  { ca, tls }: Parsed,
  caRotatedAt: Date | undefined,
  sans: SubjectAltNames,
  p: Required<CertificatePolicy>,
): boolean {
  const now = p.now.getTime();
  const graceOver = caRotatedAt === undefined || now - caRotatedAt.getTime() >= p.graceMs;
  return (
    (!tls.checkIssued(ca) && graceOver) ||
    Date.parse(tls.validTo) <= now ||
    dueForRenewal(tls, p.now) ||
    !coversSans(tls, sans)
  );
}

/** Decides what {@link planCertificates} does, without generating anything. */
export function certificateIntent(
  current: Partial<CertificateData> | undefined,
  caRotatedAt: Date | undefined,
  sans: SubjectAltNames,
  p: Required<CertificatePolicy>,
): CertificateIntent {
  if (current === undefined) return { kind: 'fresh', reason: 'created' };
  const parsed = readable(current);
  if (parsed === undefined) return { kind: 'fresh', reason: 'unreadable certificate data' };
  const now = p.now.getTime();
  if (Date.parse(parsed.ca.validTo) <= now) return { kind: 'fresh', reason: 'CA expired' };
  const bundle = splitPem(current['ca-bundle.crt'] ?? current['ca.crt'] ?? '');
  const unexpired = bundle.filter((pem) => {
    const c = parse(pem);
    return c !== undefined && Date.parse(c.validTo) > now;
  });
  if (dueForRenewal(parsed.ca, p.now)) return { kind: 'rotate-ca', unexpired };
  if (needsReissue(parsed, caRotatedAt, sans, p)) return { kind: 'reissue', unexpired };
  if (unexpired.length !== bundle.length || unexpired.length === 0) {
    return { kind: 'prune', unexpired };
  }
  return { kind: 'keep' };
}

/**
 * Decides whether the certificate Secret must be (re)written, and with what (see the module
 * comment). Keys are generated off the event loop; `now` comes from the policy.
 */
export async function planCertificates(
  current: Partial<CertificateData> | undefined,
  caRotatedAt: Date | undefined,
  sans: SubjectAltNames,
  policy: CertificatePolicy,
): Promise<CertificatePlan> {
  const p: Required<CertificatePolicy> = {
    caValidityDays: 1095,
    servingValidityDays: 365,
    graceMs: 60_000,
    ...policy,
  };
  const intent = certificateIntent(current, caRotatedAt, sans, p);
  if (intent.kind === 'keep') return { action: 'keep' };
  if (intent.kind === 'fresh' || current === undefined) {
    return fresh(sans, p, intent.kind === 'fresh' ? intent.reason : 'created');
  }
  const data = current as CertificateData;
  if (intent.kind === 'rotate-ca') {
    const next = await generateCA(p.now, p.caValidityDays);
    return {
      action: 'write',
      reason: 'CA rotated (new CA published next to the old one)',
      caRotatedAt: p.now,
      data: {
        ...data,
        'ca.crt': next.certPem,
        'ca.key': next.keyPem,
        'ca-bundle.crt': [next.certPem, ...intent.unexpired].join(''),
      },
    };
  }
  const served =
    intent.kind === 'reissue'
      ? await issueServingCert(
          { certPem: data['ca.crt'], keyPem: data['ca.key'] },
          sans,
          p.now,
          p.servingValidityDays,
        )
      : { certPem: data['tls.crt'], keyPem: data['tls.key'] };
  return {
    action: 'write',
    reason:
      intent.kind === 'reissue'
        ? 'serving certificate re-issued'
        : 'expired CA removed from the bundle',
    caRotatedAt,
    data: {
      ...data,
      'ca-bundle.crt': (intent.unexpired.length > 0 ? intent.unexpired : [data['ca.crt']]).join(''),
      'tls.crt': served.certPem,
      'tls.key': served.keyPem,
    },
  };
}

/** The names a serving certificate needs for Service `service` in `namespace` (+ extra hosts). */
export function serviceSans(
  service: string,
  namespace: string,
  extraHosts: readonly string[],
): SubjectAltNames {
  const dnsNames = [
    `${service}.${namespace}.svc`,
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
  const ipAddresses: string[] = [];
  for (const h of extraHosts) {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(h) || h.includes(':')) ipAddresses.push(h);
    else if (!dnsNames.includes(h)) dnsNames.push(h);
  }
  return { dnsNames, ipAddresses };
}
